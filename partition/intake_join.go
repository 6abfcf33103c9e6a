package partition

import (
	"time"

	"github.com/nats-io/nats.go"
)

// coreJoinIntake reads both sides of a join over core NATS in arrival
// order: two subscriptions delivering into one channel (one subscription
// for a self-join). A message's side is the subscription it came on
// (joinState.subs). Over JetStream a regular join reads both consumers in
// the order JetStream stored them instead (intake_join_jetstream.go).
type coreJoinIntake struct {
	subs [2]*nats.Subscription // by runtime side; nil: a self-join's other side
	own  *nats.Subscription    // the loop's own side's
}

// subscribeJoined subscribes to both sides into one queue.
func (l *Loop) subscribeJoined() error {
	j := l.cfg.Joined
	st := &l.join
	l.initJoined()
	ch := make(chan *nats.Msg, 1<<18)
	in := &coreJoinIntake{}
	var err error
	if in.subs[j.Side], err = l.nc.ChanSubscribe(l.cfg.Subject, ch); err != nil {
		return err
	}
	if !st.self {
		if in.subs[1-j.Side], err = l.nc.ChanSubscribe(j.Subject, ch); err != nil {
			_ = in.subs[j.Side].Unsubscribe()
			return err
		}
	}
	// A channel subscription has no pending limits: the channel (2^18
	// messages) is the buffer, and replay's flow control stays far below it.
	in.own = in.subs[j.Side]
	st.subs = in.subs
	l.intake = in
	return nil
}

// next takes the next message of either side. Both subscriptions deliver
// into the same channel, which NextMsg of either reads (with nats.go's
// pooled timer, and no timer at all when a message is waiting).
func (in *coreJoinIntake) next(timeout time.Duration) (*nats.Msg, error) {
	return in.own.NextMsg(timeout)
}

func (in *coreJoinIntake) waiting() bool {
	n, _, err := in.own.Pending()
	return err == nil && n > 0
}

func (in *coreJoinIntake) dropped() (int, bool) {
	n := 0
	for _, s := range in.subs {
		if s == nil {
			continue
		}
		if d, err := s.Dropped(); err == nil {
			n += d
		}
	}
	return n, true
}

func (in *coreJoinIntake) commit(int64) error  { return nil }
func (in *coreJoinIntake) checkpointed() error { return nil }

func (in *coreJoinIntake) unsubscribe() {
	for _, s := range in.subs {
		if s != nil {
			_ = s.Unsubscribe()
		}
	}
}
