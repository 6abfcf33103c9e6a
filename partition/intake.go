package partition

import (
	"errors"
	"time"

	"github.com/nats-io/nats.go"
)

// intake is where a loop's records come from: a core NATS subscription
// (intake_core.go), the second half of a repartition (intake_exchange.go:
// a core subscription with one watermark per upstream), a durable
// JetStream consumer (intake_jetstream.go), or both sides of a join, over
// core NATS or JetStream (intake_join.go, intake_join_jetstream.go). The
// Subscribe method called picks it, once; the loop calls next once per
// record and the others only around batches, idle ticks and the end.
//
// An intake hands out each input once: a JetStream intake skips
// redeliveries of inputs already processed and notes every input it hands
// out for acknowledgement. It acknowledges nothing before the loop says
// the input's outputs are published (commit, after the outlet confirmed
// them) and its effect on state is durable (commit's watermark, or
// checkpointed). Where a JetStream intake resumes is the checkpoint's
// position (RestoreCheckpoint, JoinedResume): the consumer is created
// from it before the intake exists, and the intake skips what is at or
// before it.
type intake interface {
	// next returns the next input message, nats.ErrTimeout when none came
	// within timeout, or errIntake for a transient failure (retried).
	next(timeout time.Duration) (*nats.Msg, error)
	// waiting reports whether the next message is already received (a
	// micro-batch takes only what is).
	waiting() bool
	// dropped is the total of records a core NATS intake dropped because it
	// was full; false for an intake that drops nothing (JetStream).
	dropped() (int, bool)
	// commit acknowledges, without checkpoints, the inputs every window of
	// which has closed at watermark wm (Config.AckAfter).
	commit(wm int64) error
	// checkpointed acknowledges every input processed: a stored checkpoint
	// reflects them.
	checkpointed() error
	// unsubscribe stops the intake.
	unsubscribe()
}

// errIntake is returned by next for a transient intake failure (e.g. the
// server restarting): Run retries without treating it as idle time.
var errIntake = errors.New("intake unavailable")

// noIntake is a loop's intake until a Subscribe method is called.
type noIntake struct{}

func (noIntake) next(time.Duration) (*nats.Msg, error) { return nil, nats.ErrBadSubscription }
func (noIntake) waiting() bool                         { return false }
func (noIntake) dropped() (int, bool)                  { return 0, false }
func (noIntake) commit(int64) error                    { return nil }
func (noIntake) checkpointed() error                   { return nil }
func (noIntake) unsubscribe()                          {}

// Subscribe starts receiving the partition's subject over core NATS: both
// sides' subjects for a join (Config.Joined), the upstream partitions'
// subjects for the second half of a repartition (Config.Sources). Call
// before any input is published so nothing is missed.
func (l *Loop) Subscribe() error {
	switch {
	case l.cfg.Joined != nil:
		return l.subscribeJoined()
	case l.cfg.Sources > 0:
		return l.subscribeExchange()
	}
	in, err := l.subscribeCore()
	if err != nil {
		return err
	}
	l.intake = in
	return nil
}
