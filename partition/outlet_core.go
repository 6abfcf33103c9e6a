package partition

import (
	"errors"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/runtime"
)

// coreOutlet publishes outputs over core NATS: each to the subject of the
// sink partition its key hashes to (or the subject its Template builds),
// with Velort-Op and Velort-Key when the output is a changelog and the
// template's headers when it has any.
type coreOutlet struct {
	l *Loop
}

func (o *coreOutlet) publish(rows []runtime.Row) error {
	l := o.l
	ops, keys := l.cfg.Pipeline.Ops(), l.cfg.Pipeline.Keys() // nil: append-only output
	for i, r := range rows {
		p := l.keyer.Partition(r)
		subject := l.cfg.Sink.Subjects[p]
		if l.cfg.Sink.Template != nil {
			subject = l.templateSubject(r, true)
		}
		if l.wire.enc == nil {
			l.out = l.enc.Append(l.out[:0], r)
		} else if err := l.encodeNative(r); err != nil {
			if err := l.unencodable(subject, r, err); err != nil {
				return err
			}
			continue
		}
		var err error
		switch {
		case ops != nil:
			err = l.publishChange(subject, l.out, ops[i], keys[i])
		case l.cfg.Sink.Template != nil && l.cfg.Sink.Template.Headers != nil:
			err = l.publishWithHeaders(subject, r)
		default:
			err = l.nc.Publish(subject, l.out)
		}
		if err != nil {
			if !errors.Is(err, nats.ErrMaxPayload) {
				return err
			}
			if err := l.oversized(subject); err != nil {
				return err
			}
			continue
		}
		l.Stats.Out.Add(1)
	}
	return nil
}

// confirm: a core NATS publish is handed to the connection at once.
func (o *coreOutlet) confirm() error    { return nil }
func (o *coreOutlet) markers() []string { return o.l.cfg.Sink.Subjects }
