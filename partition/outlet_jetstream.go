package partition

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/runtime"
)

// jsOutlet publishes outputs through JetStream (Config.SinkJetStream),
// asynchronously, each with a message id (Nats-Msg-Id) a re-run produces
// again, so that the sink stores it once however often its input is
// processed. confirm waits for JetStream's answers and publishes again
// what it refused or did not confirm.
type jsOutlet struct {
	l       *Loop
	js      nats.JetStreamContext
	id      []byte
	pending int             // publishes since the last confirm
	failed  failedPublishes // of those, the ones JetStream refused or did not confirm
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

// Sink publishes are confirmed within asyncAckTimeout or retried.
const asyncAckTimeout = 10 * time.Second

func (o *jsOutlet) publish(rows []runtime.Row) error {
	l := o.l
	ids := l.cfg.Pipeline.IDs()
	ops, keys := l.cfg.Pipeline.Ops(), l.cfg.Pipeline.Keys() // nil: append-only output
	for i, r := range rows {
		p := l.keyer.Partition(r)
		subject := l.cfg.Sink.Subjects[p]
		if l.cfg.Sink.Template != nil {
			subject = l.templateSubject(r, false)
		}
		if l.wire.enc == nil {
			l.out = l.enc.Append(l.out[:0], r)
		} else if err := l.encodeNative(r); err != nil {
			if err := l.unencodable(subject, r, err); err != nil {
				return err
			}
			continue
		}
		if l.cfg.Sink.Template != nil && l.cfg.Sink.Template.Headers != nil {
			l.wire.tpl.row = r // publishDurable sets the headers from it (format.go)
		}
		var id []byte
		if ids != nil {
			id = ids[i]
		}
		var err error
		if ops != nil {
			err = o.publishDurable(subject, l.out, id, ops[i], keys[i])
		} else {
			err = o.publishDurable(subject, l.out, id, runtime.OpAppend, nil)
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

// markers: a JetStream sink's end-of-input markers go to its subjects.
func (o *jsOutlet) markers() []string { return o.l.cfg.Sink.Subjects }

// confirm waits until JetStream has answered every output published since
// the last call (each publish is confirmed, refused or timed out within
// asyncAckTimeout); an output it refused or did not confirm (sink full,
// server restarting) is published again with the same message id until
// stored.
func (o *jsOutlet) confirm() error {
	l := o.l
	if o.pending == 0 {
		return nil
	}
	select {
	case <-o.js.PublishAsyncComplete():
	case <-time.After(asyncAckTimeout + 10*time.Second):
		return fmt.Errorf("query %s partition %d: JetStream did not answer %d outputs", l.cfg.Query, l.cfg.Partition, o.js.PublishAsyncPending())
	}
	o.pending = 0
	var msgs []*nats.Msg
	var errs []error
	for {
		if msgs, errs = o.failed.take(msgs[:0], errs[:0]); len(msgs) == 0 {
			return nil
		}
		for i, m := range msgs {
			if err := o.republish(m, errs[i]); err != nil {
				return err
			}
		}
	}
}

// republish stores m synchronously, retrying with backoff until JetStream
// accepts it (a duplicate counts: its id was stored before). While the
// loop is stopping it gives up after a while; the input then stays
// unacknowledged and is processed again by the next run.
func (o *jsOutlet) republish(m *nats.Msg, cause error) error {
	l := o.l
	start, logged := time.Now(), time.Time{}
	wait := 50 * time.Millisecond
	for {
		_, err := o.js.PublishMsg(m, nats.AckWait(5*time.Second))
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
func (o *jsOutlet) publishDurable(subject string, data, identity []byte, op runtime.Op, key []byte) error {
	l := o.l
	d := &l.dur
	if o.js == nil {
		js, err := l.nc.JetStream(nats.PublishAsyncMaxPending(4096), nats.PublishAsyncTimeout(asyncAckTimeout),
			nats.PublishAsyncErrHandler(o.failed.add))
		if err != nil {
			return err
		}
		o.js = js
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
		o.id = append(o.id[:0], l.cfg.Query...)
		o.id = append(o.id, '/')
		if identity != nil {
			o.id = append(o.id, identity...)
		} else {
			o.id = strconv.AppendInt(o.id, int64(l.cfg.Partition), 10)
			o.id = append(o.id, '/')
			o.id = append(o.id, l.join.idTag...) // a two-stream join: side and the other's position
			o.id = strconv.AppendUint(o.id, d.seq, 10)
			o.id = append(o.id, '/')
			o.id = strconv.AppendInt(o.id, int64(d.idx), 10)
		}
		m.Header.Set(nats.MsgIdHdr, string(o.id))
	}
	d.idx++
	_, err := o.js.PublishMsgAsync(m, stallWait)
	if errors.Is(err, nats.ErrTooManyStalledMsgs) {
		if err := o.confirm(); err != nil {
			return err
		}
		return o.republish(m, err)
	}
	if err != nil {
		return err
	}
	o.pending++
	return nil
}

// stallWait makes an async publish wait (flow control) rather than fail
// when JetStream is slower than the loop.
var stallWait = nats.StallWait(time.Minute)
