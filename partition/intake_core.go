package partition

import (
	"time"

	"github.com/nats-io/nats.go"
)

// coreIntake reads a core NATS subscription (at most once: what arrives
// while the loop is down, or beyond the pending limits, is lost and
// counted). Nothing is acknowledged.
type coreIntake struct {
	sub *nats.Subscription
}

// subscribeCore subscribes to the partition's subject with the intake
// bounds of Config.
func (l *Loop) subscribeCore() (*coreIntake, error) {
	sub, err := l.nc.SubscribeSync(l.cfg.Subject)
	if err != nil {
		return nil, err
	}
	msgs, bytes := l.cfg.IntakeMessages, l.cfg.IntakeBytes
	if msgs <= 0 {
		msgs = DefaultIntakeMessages
	}
	if bytes <= 0 {
		bytes = DefaultIntakeBytes
	}
	if l.cfg.Replay { // --replay is flow-controlled: it never runs more than a window ahead
		msgs, bytes = -1, -1
	}
	if err := sub.SetPendingLimits(msgs, bytes); err != nil {
		return nil, err
	}
	return &coreIntake{sub: sub}, nil
}

func (in *coreIntake) next(timeout time.Duration) (*nats.Msg, error) { return in.sub.NextMsg(timeout) }

func (in *coreIntake) waiting() bool {
	n, _, err := in.sub.Pending()
	return err == nil && n > 0
}

func (in *coreIntake) dropped() (int, bool) {
	d, _ := in.sub.Dropped() // 0 once unsubscribed
	return d, true
}

func (in *coreIntake) commit(int64) error  { return nil }
func (in *coreIntake) checkpointed() error { return nil }
func (in *coreIntake) unsubscribe()        { _ = in.sub.Unsubscribe() }
