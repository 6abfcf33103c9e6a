package partition

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
)

// durable is a loop's JetStream state: the fetched batch, the last input
// processed, the outputs awaiting confirmation, and either the inputs not
// yet acknowledged with the watermark each waits for (AckAfter mode) or
// the checkpointer (checkpoint mode).
//
// Invariant: an input is acknowledged only when its outputs are confirmed
// stored by JetStream (or published, for a core sink) and its effect on
// state is durable: saved in a checkpoint, or (without checkpoints) every
// window it contributed to has been emitted. Acknowledgement is cumulative
// (AckAll), so one ack covers every input up to it.
type durable struct {
	pull      bool
	batch     []*nats.Msg
	bi        int
	queue     []pendingAck // AckAfter mode
	until     int64        // the current record's AckAfter
	seq       uint64       // the current input's stream sequence (0: not JetStream)
	idx       int          // outputs published for the current input (message-id index)
	last      uint64       // stream sequence of the last input processed
	lastReply string
	js        nats.JetStreamContext
	id        []byte
	pending   int             // JetStream publishes since the last confirm
	failed    failedPublishes // of those, the ones JetStream refused or did not confirm
	ck        *checkpointer   // nil: acknowledge by AckAfter
	failAt    time.Time       // first of a run of intake errors (logging)
}

// failedPublishes collects, from nats.go's goroutines, the outputs whose
// asynchronous publish failed (refused, timed out, lost in a disconnect).
type failedPublishes struct {
	mu   sync.Mutex
	msgs []*nats.Msg
	errs []error
}

func (f *failedPublishes) add(_ nats.JetStream, m *nats.Msg, err error) {
	f.mu.Lock()
	f.msgs, f.errs = append(f.msgs, m), append(f.errs, err)
	f.mu.Unlock()
}

func (f *failedPublishes) take(msgs []*nats.Msg, errs []error) ([]*nats.Msg, []error) {
	f.mu.Lock()
	msgs, errs = append(msgs, f.msgs...), append(errs, f.errs...)
	clear(f.msgs)
	f.msgs, f.errs = f.msgs[:0], f.errs[:0]
	f.mu.Unlock()
	return msgs, errs
}

type pendingAck struct {
	reply string
	until int64
}

var ackPayload = []byte("+ACK")

// Sink publishes are confirmed within asyncAckTimeout or retried.
const asyncAckTimeout = 10 * time.Second

// errIntake is returned by next for a transient intake failure (e.g. the
// server restarting): Run retries without treating it as idle time.
var errIntake = errors.New("intake unavailable")

// SubscribePull makes the loop read a durable JetStream consumer (see
// transport.Conn.DurableConsumerWith) instead of a core subscription.
func (l *Loop) SubscribePull(sub *nats.Subscription) error {
	l.sub, l.dur.pull = sub, true
	return nil
}

// Consumer is the loop's JetStream pull subscription, or nil.
func (l *Loop) Consumer() *nats.Subscription {
	if !l.dur.pull {
		return nil
	}
	return l.sub
}

// next returns the next input message, nats.ErrTimeout, or errIntake.
func (l *Loop) next(timeout time.Duration) (*nats.Msg, error) {
	if l.join.dur != nil && l.dur.pull { // a regular join over JetStream (twosided_durable.go)
		return l.nextJoinedDurable(timeout)
	}
	if !l.dur.pull {
		return l.sub.NextMsg(timeout)
	}
	d := &l.dur
	if d.bi == len(d.batch) {
		if err := l.runBatch(); err != nil { // before acknowledging its records
			return nil, err
		}
		if err := l.commit(); err != nil {
			return nil, err
		}
		if err := l.maybeCheckpoint(); err != nil {
			return nil, err
		}
		if l.stopping() { // told to stop (e.g. the partition's lease was lost): fetch nothing more
			return nil, nats.ErrTimeout
		}
		msgs, err := l.sub.Fetch(256, nats.MaxWait(timeout))
		if err != nil && !errors.Is(err, nats.ErrTimeout) {
			return nil, l.intakeFailed(err)
		}
		if !d.failAt.IsZero() {
			l.cfg.Logger.Info("JetStream intake resumed", "query", l.cfg.Query, "partition", l.cfg.Partition, "after", time.Since(d.failAt).Round(time.Millisecond))
			d.failAt = time.Time{}
		}
		d.batch, d.bi = msgs, 0
		if len(msgs) == 0 {
			return nil, nats.ErrTimeout
		}
	}
	m := d.batch[d.bi]
	d.batch[d.bi] = nil
	d.bi++
	return m, nil
}

// intakeFailed decides whether a fetch error ends the loop; others (the
// server restarting, JetStream not yet ready) are logged and retried.
func (l *Loop) intakeFailed(err error) error {
	if errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrBadSubscription) {
		return err
	}
	d := &l.dur
	if d.failAt.IsZero() {
		d.failAt = time.Now()
		l.cfg.Logger.Warn("JetStream intake failed; retrying", "query", l.cfg.Query, "partition", l.cfg.Partition, "err", err)
	}
	time.Sleep(100 * time.Millisecond)
	return errIntake
}

// track notes a JetStream input before it is processed. It returns false
// for a redelivery of an input already processed (ack-wait expiry), which
// is skipped: a later acknowledgement covers it.
func (l *Loop) track(m *nats.Msg) bool {
	if l.join.dur != nil {
		return true // nextJoinedDurable tracked it
	}
	d := &l.dur
	seq, delivered := transport.AckInfo(m.Reply)
	if delivered > 1 {
		l.Stats.Redelivered.Add(1)
	}
	if seq != 0 && seq <= d.last {
		return false
	}
	d.seq, d.idx = seq, 0
	if seq != 0 {
		d.last, d.lastReply = seq, m.Reply
	}
	if d.ck == nil {
		d.queue = append(d.queue, pendingAck{reply: m.Reply, until: math.MinInt64})
	}
	return true
}

// commit confirms what was published to JetStream sinks and, without
// checkpoints, acknowledges the ready prefix of the inputs.
func (l *Loop) commit() error {
	if err := l.confirm(); err != nil {
		return err
	}
	d := &l.dur
	if !d.pull || d.ck != nil || len(d.queue) == 0 {
		return nil
	}
	n := 0
	for n < len(d.queue) && d.queue[n].until <= l.wm {
		n++
	}
	if n == 0 {
		return nil
	}
	if err := l.nc.Publish(d.queue[n-1].reply, ackPayload); err != nil {
		return err
	}
	d.queue = append(d.queue[:0], d.queue[n:]...)
	return nil
}

// confirm waits until JetStream has answered every output published since
// the last call (each publish is confirmed, refused or timed out within
// asyncAckTimeout); an output it refused or did not confirm (sink full,
// server restarting) is published again with the same message id until
// stored.
func (l *Loop) confirm() error {
	d := &l.dur
	if d.pending == 0 {
		return nil
	}
	select {
	case <-d.js.PublishAsyncComplete():
	case <-time.After(asyncAckTimeout + 10*time.Second):
		return fmt.Errorf("query %s partition %d: JetStream did not answer %d outputs", l.cfg.Query, l.cfg.Partition, d.js.PublishAsyncPending())
	}
	d.pending = 0
	var msgs []*nats.Msg
	var errs []error
	for {
		if msgs, errs = d.failed.take(msgs[:0], errs[:0]); len(msgs) == 0 {
			return nil
		}
		for i, m := range msgs {
			if err := l.republish(m, errs[i]); err != nil {
				return err
			}
		}
	}
}

// republish stores m synchronously, retrying with backoff until JetStream
// accepts it (a duplicate counts: its id was stored before). While the
// loop is stopping it gives up after a while; the input then stays
// unacknowledged and is processed again by the next run.
func (l *Loop) republish(m *nats.Msg, cause error) error {
	d := &l.dur
	start, logged := time.Now(), time.Time{}
	wait := 50 * time.Millisecond
	for {
		_, err := d.js.PublishMsg(m, nats.AckWait(5*time.Second))
		if err == nil {
			l.Stats.SinkRetries.Add(1)
			return nil
		}
		if errors.Is(err, nats.ErrConnectionClosed) {
			return err
		}
		if time.Since(logged) > 10*time.Second {
			logged = time.Now()
			l.cfg.Logger.Warn("JetStream sink did not store an output; retrying", "query", l.cfg.Query, "partition", l.cfg.Partition,
				"subject", m.Subject, "cause", cause, "err", err, "for", time.Since(start).Round(time.Millisecond))
		}
		if l.stopping() && time.Since(start) > 30*time.Second {
			return fmt.Errorf("query %s partition %d: JetStream sink %s did not store an output within 30s: %w", l.cfg.Query, l.cfg.Partition, m.Subject, err)
		}
		time.Sleep(wait)
		wait = min(2*wait, 250*time.Millisecond)
	}
}

// publishDurable publishes an output through JetStream with a message id
// that a re-run produces again: the group's identity for window rows,
// else (query, partition, input sequence, output index). Outputs of core
// NATS input have no sequence and are published without an id.
func (l *Loop) publishDurable(subject string, data, identity []byte, op runtime.Op, key []byte) error {
	d := &l.dur
	if d.js == nil {
		js, err := l.nc.JetStream(nats.PublishAsyncMaxPending(4096), nats.PublishAsyncTimeout(asyncAckTimeout),
			nats.PublishAsyncErrHandler(d.failed.add))
		if err != nil {
			return err
		}
		d.js = js
	}
	m := nats.NewMsg(subject)
	m.Data = append([]byte(nil), data...)
	if op != runtime.OpAppend { // a changelog record
		m.Header.Set(HeaderOp, op.String())
		m.Header.Set(HeaderKey, string(key))
	}
	if r := l.wire.tpl.row; r != nil { // a sink template's headers (format.go)
		l.setTemplateHeaders(m.Header, r)
	}
	if identity != nil || d.seq != 0 {
		d.id = append(d.id[:0], l.cfg.Query...)
		d.id = append(d.id, '/')
		if identity != nil {
			d.id = append(d.id, identity...)
		} else {
			d.id = strconv.AppendInt(d.id, int64(l.cfg.Partition), 10)
			d.id = append(d.id, '/')
			d.id = append(d.id, l.join.idTag...) // a two-stream join: side and the other's position
			d.id = strconv.AppendUint(d.id, d.seq, 10)
			d.id = append(d.id, '/')
			d.id = strconv.AppendInt(d.id, int64(d.idx), 10)
		}
		m.Header.Set(nats.MsgIdHdr, string(d.id))
	}
	d.idx++
	_, err := d.js.PublishMsgAsync(m, stallWait)
	if errors.Is(err, nats.ErrTooManyStalledMsgs) {
		if err := l.confirm(); err != nil {
			return err
		}
		return l.republish(m, err)
	}
	if err != nil {
		return err
	}
	d.pending++
	return nil
}

// stallWait makes an async publish wait (flow control) rather than fail
// when JetStream is slower than the loop.
var stallWait = nats.StallWait(time.Minute)
