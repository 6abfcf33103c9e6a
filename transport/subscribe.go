package transport

import (
	"fmt"

	"github.com/nats-io/nats.go"
)

// SubscribeSync subscribes for NextMsg delivery with unlimited client-side
// pending limits. Its queue is a channel of ConnOptions.SyncQueueLen
// messages; overflowing it is a slow-consumer event (counted and logged),
// never a silent drop.
func (c *Conn) SubscribeSync(subject string) (*nats.Subscription, error) {
	sub, err := c.NC.SubscribeSync(subject)
	if err != nil {
		return nil, fmt.Errorf("subscribe %s: %w", subject, err)
	}
	return unlimited(sub)
}

// Subscribe subscribes with a handler called on the subscription's own
// goroutine, one message at a time. Pending messages queue without limit.
func (c *Conn) Subscribe(subject string, handler nats.MsgHandler) (*nats.Subscription, error) {
	sub, err := c.NC.Subscribe(subject, handler)
	if err != nil {
		return nil, fmt.Errorf("subscribe %s: %w", subject, err)
	}
	return unlimited(sub)
}

// QueueSubscribe is Subscribe within a queue group.
func (c *Conn) QueueSubscribe(subject, queue string, handler nats.MsgHandler) (*nats.Subscription, error) {
	sub, err := c.NC.QueueSubscribe(subject, queue, handler)
	if err != nil {
		return nil, fmt.Errorf("subscribe %s (queue %s): %w", subject, queue, err)
	}
	return unlimited(sub)
}

func unlimited(sub *nats.Subscription) (*nats.Subscription, error) {
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("subscribe %s: pending limits: %w", sub.Subject, err)
	}
	return sub, nil
}
