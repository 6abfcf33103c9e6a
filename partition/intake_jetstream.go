package partition

import (
	"errors"
	"math"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/transport"
)

// jsIntake reads a durable JetStream pull consumer a batch at a time
// (at least once: an input stays unacknowledged until its effect is
// durable, and JetStream redelivers it after a crash or an ack-wait
// expiry). Between batches — when nothing of a fetched batch waits in the
// loop — it runs the micro-batch, has the loop commit (outlet confirmed,
// ready inputs acknowledged) and checkpoint when one is due, then
// fetches. Acknowledgement is cumulative (AckAll): one ack covers every
// input up to it.
type jsIntake struct {
	l     *Loop
	sub   *nats.Subscription
	batch []*nats.Msg
	bi    int
	// queue, without checkpoints, holds the inputs not yet acknowledged
	// with the watermark each waits for (Config.AckAfter, recorded in
	// Loop.dur.until while the input runs; open: the last one's is not
	// yet taken).
	queue     []pendingAck
	open      bool
	lastReply string // with checkpoints: the ack reply of the last input processed
	fails     fetchFailures
}

type pendingAck struct {
	reply string
	until int64
}

var ackPayload = []byte("+ACK")

// SubscribePull makes the loop read a durable JetStream consumer (see
// transport.Conn.DurableConsumerWith) instead of a core subscription.
func (l *Loop) SubscribePull(sub *nats.Subscription) error {
	l.intake = &jsIntake{l: l, sub: sub}
	return nil
}

// Consumer is the loop's JetStream pull subscription (its own stream's,
// for a join), or nil.
func (l *Loop) Consumer() *nats.Subscription {
	switch in := l.intake.(type) {
	case *jsIntake:
		return in.sub
	case *joinDurable:
		return in.subs[l.cfg.Joined.Side]
	}
	return nil
}

func (in *jsIntake) next(timeout time.Duration) (*nats.Msg, error) {
	l := in.l
	in.settle()
	for {
		if in.bi == len(in.batch) {
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
			msgs, err := in.sub.Fetch(maxMicroBatch, nats.MaxWait(timeout))
			if err != nil && !errors.Is(err, nats.ErrTimeout) {
				return nil, in.fails.failed(l, err)
			}
			in.fails.resumed(l)
			in.batch, in.bi = msgs, 0
			if len(msgs) == 0 {
				return nil, nats.ErrTimeout
			}
		}
		m := in.batch[in.bi]
		in.batch[in.bi] = nil
		in.bi++
		if in.track(m) {
			return m, nil
		}
	}
}

// track notes a JetStream input before it is processed. It returns false
// for a redelivery of an input already processed (ack-wait expiry), which
// is skipped: a later acknowledgement covers it.
func (in *jsIntake) track(m *nats.Msg) bool {
	d := &in.l.dur
	seq, delivered := transport.AckInfo(m.Reply)
	if delivered > 1 {
		in.l.Stats.Redelivered.Add(1)
	}
	if seq != 0 && seq <= d.last {
		return false
	}
	d.seq, d.idx = seq, 0
	if seq != 0 {
		d.last = seq
		in.lastReply = m.Reply
	}
	if d.ck == nil {
		in.queue = append(in.queue, pendingAck{reply: m.Reply, until: math.MinInt64})
		in.open = true
	}
	return true
}

// settle takes the AckAfter of the input handed out last, now processed.
func (in *jsIntake) settle() {
	if in.open {
		in.queue[len(in.queue)-1].until = in.l.dur.until
		in.open = false
	}
}

func (in *jsIntake) waiting() bool        { return in.bi < len(in.batch) }
func (in *jsIntake) dropped() (int, bool) { return 0, false }

// commit acknowledges, without checkpoints, the ready prefix of the
// inputs.
func (in *jsIntake) commit(wm int64) error {
	in.settle()
	if in.l.dur.ck != nil || len(in.queue) == 0 {
		return nil
	}
	n := 0
	for n < len(in.queue) && in.queue[n].until <= wm {
		n++
	}
	if n == 0 {
		return nil
	}
	if err := in.l.nc.Publish(in.queue[n-1].reply, ackPayload); err != nil {
		return err
	}
	in.queue = append(in.queue[:0], in.queue[n:]...)
	return nil
}

func (in *jsIntake) checkpointed() error {
	if in.lastReply == "" {
		return nil
	}
	err := in.l.nc.Publish(in.lastReply, ackPayload)
	in.lastReply = ""
	return err
}

func (in *jsIntake) unsubscribe() { _ = in.sub.Unsubscribe() }

// fetchFailures logs a run of JetStream fetch errors once, and its end.
type fetchFailures struct {
	at time.Time // first of a run of intake errors
}

// failed decides whether a fetch error ends the loop; others (the server
// restarting, JetStream not yet ready) are logged and retried (errIntake).
func (f *fetchFailures) failed(l *Loop, err error) error {
	if errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrBadSubscription) {
		return err
	}
	if f.at.IsZero() {
		f.at = time.Now()
		l.cfg.Logger.Warn("JetStream intake failed; retrying", "query", l.cfg.Query, "partition", l.cfg.Partition, "err", err)
	}
	time.Sleep(100 * time.Millisecond)
	return errIntake
}

// resumed notes a fetch that succeeded.
func (f *fetchFailures) resumed(l *Loop) {
	if !f.at.IsZero() {
		l.cfg.Logger.Info("JetStream intake resumed", "query", l.cfg.Query, "partition", l.cfg.Partition, "after", time.Since(f.at).Round(time.Millisecond))
		f.at = time.Time{}
	}
}
