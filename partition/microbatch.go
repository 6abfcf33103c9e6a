package partition

import (
	"github.com/nats-io/nats.go"

	"github.com/velort/velort/runtime"
)

// maxMicroBatch bounds a micro-batch (JetStream fetches this many too).
const maxMicroBatch = 256

// microBatch holds the records of a micro-batch that passed the filter.
// A query whose projection calls a user function with a batch entry point
// (runtime.Pipeline.Batched) takes its input a micro-batch at a time: the
// records already received (never waiting for more) are decoded and
// filtered one by one, the batch calls are made once over those that
// passed, then each record is projected and published in arrival order.
// Per-record outcomes (dead letters, message ids, acknowledgement after
// publishing) are those of the record-at-a-time path. A batched query is
// stateless, so a JetStream input may be acknowledged as soon as its
// outputs are confirmed (its AckAfter is always MinInt64).
type microBatch struct {
	rows []runtime.Row // decoded rows; the first n are in use
	msgs []*nats.Msg
	seqs []uint64 // JetStream stream sequence of each record (0: core NATS)
	n    int
}

// collect decodes and filters one record into the micro-batch, and runs
// the micro-batch when no more input is waiting or it is full.
func (l *Loop) collect(m *nats.Msg) error {
	l.Stats.In.Add(1)
	b := &l.batch
	if b.n == len(b.rows) {
		b.rows = append(b.rows, make(runtime.Row, len(l.cfg.Schema)))
		b.msgs = append(b.msgs, nil)
		b.seqs = append(b.seqs, 0)
	}
	r := b.rows[b.n]
	l.ctx.Reset()
	var err error
	if l.wire.plain {
		err = l.dec.DecodeMore(m.Data, r)
	} else {
		err = l.decodeNative(m, r, true)
	}
	if err != nil {
		if err := l.deadLetter(m, err.Error()); err != nil {
			return err
		}
		return l.runBatchUnlessMore()
	}
	et := l.ctx.NowMs
	if l.cfg.TimeIdx >= 0 {
		v := r[l.cfg.TimeIdx]
		if v.T == runtime.TNull {
			if err := l.deadLetter(m, l.nullEventTime()); err != nil {
				return err
			}
			return l.runBatchUnlessMore()
		}
		et = v.I
	}
	pass := l.cfg.Pipeline.PassesFilter(&l.ctx, r)
	if l.ctx.Err != nil {
		if err := l.deadLetter(m, l.ctx.Err.Error()); err != nil {
			return err
		}
	} else if pass {
		b.msgs[b.n], b.seqs[b.n] = m, l.dur.seq
		b.n++
	}
	if l.cfg.TimeIdx >= 0 {
		if err := l.observe(m, et); err != nil {
			return err
		}
	}
	return l.runBatchUnlessMore()
}

// runBatchUnlessMore runs the micro-batch unless more input is already
// waiting and there is room for it.
func (l *Loop) runBatchUnlessMore() error {
	if l.batch.n < maxMicroBatch && l.inputWaiting() {
		return nil
	}
	return l.runBatch()
}

// inputWaiting reports whether the next message is already received.
func (l *Loop) inputWaiting() bool { return l.intake.waiting() }

// runBatch makes the batch calls, then projects and publishes each record
// of the micro-batch. It is called before anything else happens (a
// watermark, the end of input, a commit, shutdown), so no record waits in
// a micro-batch while the loop blocks.
func (l *Loop) runBatch() error {
	if b := &l.batch; b.n > 0 {
		if err := l.cfg.Pipeline.ExecuteBatch(&l.ctx, b.rows[:b.n], l.publishBatchRow); err != nil {
			return err
		}
		b.n = 0
	}
	l.resetScratch()
	return nil
}

// publishBatchRow publishes the outputs of record i of the micro-batch, or
// dead-letters it.
func (l *Loop) publishBatchRow(i int, outs []runtime.Row) error {
	b := &l.batch
	m := b.msgs[i]
	b.msgs[i] = nil
	l.dur.seq, l.dur.idx = b.seqs[i], 0
	l.cur = m
	if l.ctx.Err != nil {
		return l.deadLetter(m, l.ctx.Err.Error())
	}
	return l.publish(outs)
}
