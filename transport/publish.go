package transport

import (
	"fmt"

	"github.com/nats-io/nats.go"
)

// Publisher publishes one partition's outputs. It is used by one goroutine.
// Publishing without headers allocates nothing beyond nats.go's own
// buffering (none in steady state).
type Publisher struct {
	nc  *nats.Conn
	msg nats.Msg
}

// NewPublisher returns a Publisher on c.
func (c *Conn) NewPublisher() *Publisher { return &Publisher{nc: c.NC} }

// Publish sends data on subject.
func (p *Publisher) Publish(subject string, data []byte) error {
	return p.nc.Publish(subject, data)
}

// PublishWithHeaders sends data on subject with headers h, reusing the
// Publisher's message (nats.go encodes the headers on each call).
func (p *Publisher) PublishWithHeaders(subject string, data []byte, h nats.Header) error {
	p.msg.Subject, p.msg.Data, p.msg.Header = subject, data, h
	err := p.nc.PublishMsg(&p.msg)
	p.msg.Data, p.msg.Header = nil, nil
	return err
}

// PublishDeadLetter publishes the original payload, unchanged, to a
// dead-letter subject with the given headers (e.g. Velort-Error,
// Nats-Msg-Id). Dead letters are rare; this allocates.
func (c *Conn) PublishDeadLetter(subject string, payload []byte, headers map[string]string) error {
	m := nats.NewMsg(subject)
	m.Data = payload
	for k, v := range headers {
		m.Header[k] = []string{v} // keep the caller's spelling

	}
	if err := c.NC.PublishMsg(m); err != nil {
		return fmt.Errorf("dead letter to %s: %w", subject, err)
	}
	return nil
}
