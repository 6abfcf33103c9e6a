package partition

import (
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/runtime"
)

// Forward configures the first half of a repartition. Subjects[t] is the
// subject of target partition t for this source partition; it ends in the
// source partition's number so the target can tell its upstreams apart.
type Forward struct {
	Subjects []string
	Keys     []runtime.Expr // the group key, evaluated on the source row
}

// OpChange is the HeaderOp of a record the first half of a repartitioned
// query over a changelog forwards when a change's old and new rows go to
// the same partition: its payload is the old row's (HeaderRetractLen
// bytes) followed by the new row's, so that the partition applies both or,
// when the change fails there, neither. Like OpRetract it never leaves
// velort's internal subjects.
const OpChange = "change"

// HeaderRetractLen is the length of the old row's payload at the start of
// an OpChange record.
const HeaderRetractLen = "Velort-Retract-Len"

// forwarder is the exchange outlet, the first half of a repartition
// (Config.Forward): it forwards input records (not rows) to the partition
// their group key hashes to, over core NATS, and while its input is idle
// tells every target how far it has got (heartbeat); the second half reads
// them through an exchangeIntake. It also holds the second half's rows
// held in place of forwarded ones (repartition.go).
type forwarder struct {
	subjects []string
	keys     []runtime.Expr
	buf      []byte
	// First half of a changelog: reused messages and their header values.
	retMsg, insMsg, chgMsg nats.Msg
	key, retLen            []string
	pair, lenBuf           []byte
	// Second half of a changelog: for an input key whose last change failed
	// here, the payload this partition's groups hold for it (nil: none)
	// instead of the row the first half has since forwarded.
	held map[string][]byte
	// relayed is the last progress relayed from a stage's writers
	// (relayProgress).
	relayed int64
}

func (f *forwarder) init(cfg *Forward) {
	f.subjects, f.keys, f.relayed = cfg.Subjects, cfg.Keys, -1<<62
	f.key, f.retLen = make([]string, 1), make([]string, 1)
	f.retMsg.Header = nats.Header{HeaderOp: []string{OpRetract}, HeaderKey: f.key}
	f.insMsg.Header = nats.Header{HeaderKey: f.key}
	f.chgMsg.Header = nats.Header{HeaderOp: []string{OpChange}, HeaderKey: f.key, HeaderRetractLen: f.retLen}
}

// publish: the first half's pipeline has no stage and only filters; it
// never has rows to publish.
func (f *forwarder) publish(rows []runtime.Row) error {
	if len(rows) > 0 {
		return errForwardRows
	}
	return nil
}

// confirm: forwarded records are handed to the connection at once.
func (f *forwarder) confirm() error { return nil }

// markers: every target partition is told this upstream ended.
func (f *forwarder) markers() []string { return f.subjects }

// send publishes one forwarded record to target partition t. nats.go
// encodes the message before PublishMsg returns: the payload and header
// values need not outlive the call.
func (f *forwarder) send(l *Loop, msg *nats.Msg, t int, data []byte) error {
	msg.Subject, msg.Data = f.subjects[t], data
	err := l.nc.PublishMsg(msg)
	msg.Data = nil
	if err == nil {
		l.Stats.Out.Add(1)
	}
	return err
}

// heartbeat tells every target how far this idle upstream has got, so
// their watermarks (a minimum over upstreams) keep moving.
func (l *Loop) heartbeat() error {
	l.noteIdle()
	if l.marks.at != nil || l.maxET == -1<<62 || time.Since(l.lastIn) < l.cfg.Idle {
		return nil // over a stage of several writers, their announcements are relayed instead
	}
	return l.sendProgress(l.maxET + time.Since(l.lastIn).Milliseconds())
}

// relayProgress passes a stage's writers' least announcement on to every
// target, once it has moved.
func (l *Loop) relayProgress(v int64) error {
	if v <= l.fwd.relayed {
		return nil
	}
	l.fwd.relayed = v
	return l.sendProgress(v)
}

// sendProgress publishes a watermark heartbeat with progress v to every target.
func (l *Loop) sendProgress(progress int64) error {
	for _, s := range l.fwd.subjects {
		hb := nats.NewMsg(s)
		hb.Header.Set(HeaderControl, ControlWatermark)
		hb.Header.Set(HeaderToken, ControlToken())
		hb.Header.Set(HeaderWatermark, strconv.FormatInt(progress, 10))
		if err := l.nc.PublishMsg(hb); err != nil {
			return err
		}
	}
	return nil
}
