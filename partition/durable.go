package partition

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
)

// durable is a loop's JetStream state: the fetched batch, and the inputs
// not yet acknowledged with the watermark each waits for.
//
// Invariant: an input is acknowledged only when its outputs are confirmed
// stored by JetStream (or published, for a core sink) and every window it
// contributed to has been emitted. Acknowledgement is cumulative (AckAll),
// so the longest ready prefix is acknowledged by its last message.
type durable struct {
	pull  bool
	batch []*nats.Msg
	bi    int
	queue []pendingAck
	until int64  // the current record's AckAfter
	seq   uint64 // the current record's stream sequence
	js    nats.JetStreamContext
	id    []byte
	async int // JetStream publishes since the last commit
}

type pendingAck struct {
	reply string
	until int64
}

var ackPayload = []byte("+ACK")

// SubscribePull makes the loop read a durable JetStream consumer (see
// transport.Conn.DurableConsumer) instead of a core subscription.
func (l *Loop) SubscribePull(sub *nats.Subscription) error {
	l.sub, l.dur.pull = sub, true
	return nil
}

// next returns the next input message, or nats.ErrTimeout.
func (l *Loop) next(timeout time.Duration) (*nats.Msg, error) {
	if l.cfg.Joined != nil {
		return l.nextJoined(timeout)
	}
	if !l.dur.pull {
		return l.sub.NextMsg(timeout)
	}
	d := &l.dur
	if d.bi == len(d.batch) {
		if err := l.commit(); err != nil {
			return nil, err
		}
		msgs, err := l.sub.Fetch(256, nats.MaxWait(timeout))
		if err != nil {
			return nil, err
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

// track remembers an input to acknowledge; Run sets its until after
// processing it.
func (l *Loop) track(m *nats.Msg) error {
	l.dur.queue = append(l.dur.queue, pendingAck{reply: m.Reply, until: math.MinInt64})
	return nil
}

// commit waits for the JetStream sink to confirm what was published, then
// acknowledges the ready prefix of the inputs.
func (l *Loop) commit() error {
	d := &l.dur
	if d.async > 0 {
		select {
		case <-d.js.PublishAsyncComplete():
		case <-time.After(30 * time.Second):
			return fmt.Errorf("query %s partition %d: JetStream did not confirm %d outputs within 30s", l.cfg.Query, l.cfg.Partition, d.js.PublishAsyncPending())
		}
		d.async = 0
	}
	if !d.pull || len(d.queue) == 0 {
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

// publishDurable publishes an output through JetStream with a message id
// that a re-run produces again: the group's identity for window rows,
// else (query, partition, input sequence, output index).
func (l *Loop) publishDurable(subject string, data, identity []byte, index int) error {
	d := &l.dur
	if d.js == nil {
		js, err := l.nc.JetStream(nats.PublishAsyncMaxPending(4096))
		if err != nil {
			return err
		}
		d.js = js
	}
	d.id = append(d.id[:0], l.cfg.Query...)
	d.id = append(d.id, '/')
	if identity != nil {
		d.id = append(d.id, identity...)
	} else {
		d.id = strconv.AppendInt(d.id, int64(l.cfg.Partition), 10)
		d.id = append(d.id, '/')
		d.id = strconv.AppendUint(d.id, d.seq, 10)
		d.id = append(d.id, '/')
		d.id = strconv.AppendInt(d.id, int64(index), 10)
	}
	m := nats.NewMsg(subject)
	m.Data = append([]byte(nil), data...)
	m.Header.Set(nats.MsgIdHdr, string(d.id))
	if _, err := d.js.PublishMsgAsync(m, stallWait); err != nil {
		return err
	}
	d.async++
	return nil
}

// stallWait makes an async publish wait (flow control) rather than fail
// when JetStream is slower than the loop.
var stallWait = nats.StallWait(time.Minute)
