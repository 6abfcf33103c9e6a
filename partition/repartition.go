package partition

import (
	"math"
	"strconv"
	"time"
	"unsafe"

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

// HeaderWatermark carries an upstream partition's progress (max event time
// seen) on a watermark control message.
const HeaderWatermark = "Velort-Watermark"

// ControlWatermark marks a watermark heartbeat from an idle upstream.
const ControlWatermark = "watermark"

// IsWatermark reports whether m is a watermark heartbeat published by
// velort (see controlToken). Only the second half of a repartition, which
// reads velort's internal _velort.repart subjects, applies them.
func IsWatermark(m *nats.Msg) bool { return isControl(m, ControlWatermark) }

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

// forwarder is the state of a repartition: the first half's targets and
// messages, and the second half's rows held in place of forwarded ones.
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
}

func (f *forwarder) init(cfg *Forward) {
	f.subjects, f.keys = cfg.Subjects, cfg.Keys
	f.key, f.retLen = make([]string, 1), make([]string, 1)
	f.retMsg.Header = nats.Header{HeaderOp: []string{OpRetract}, HeaderKey: f.key}
	f.insMsg.Header = nats.Header{HeaderKey: f.key}
	f.chgMsg.Header = nats.Header{HeaderOp: []string{OpChange}, HeaderKey: f.key, HeaderRetractLen: f.retLen}
}

// forward sends a record that passes the filter to its group's partition.
func (l *Loop) forward(m *nats.Msg, et int64) error {
	if outs := l.cfg.Pipeline.Execute(&l.ctx, l.row, et); l.ctx.Err != nil {
		return l.deadLetter(m, l.ctx.Err.Error())
	} else if len(outs) == 0 {
		return nil
	}
	f := &l.fwd
	if err := l.forwardRecord(f.subjects[f.target(&l.ctx, l.row)], m); err != nil { // with its metadata (format.go)
		return err
	}
	l.Stats.Out.Add(1)
	if et > l.maxET {
		l.maxET = et
	}
	return nil
}

// forwardChange is the first half of a repartitioned query over a
// changelog. The new row's WHERE and group key are evaluated first: a row
// whose evaluation fails is dead-lettered before anything is forwarded,
// leaving the table as it was. Then the ChangeTable replaces or deletes the
// key's row, and the change goes to the partitions of its rows' groups:
// old and new as one OpChange record when they share a partition (the
// partition applies both or neither), else the old row as a retraction
// (OpRetract) to its group's partition and the new one as an insertion to
// its group's. A new row that does not pass WHERE is not forwarded; every
// record carries the input key (HeaderKey) for the second half's held rows
// (processForwarded).
func (l *Loop) forwardChange(m *nats.Msg, op runtime.Op, et int64) error {
	ci, f := &l.chg, &l.fwd
	if l.cfg.AckAfter != nil {
		// This table and the second half's state live in memory only (the
		// halves talk over core NATS): the input stays unacknowledged, so
		// that a restart rebuilds both from the stream.
		l.dur.until = math.MaxInt64
	}
	tNew := -1
	if op == runtime.OpUpsert {
		passes := len(l.cfg.Pipeline.Execute(&l.ctx, l.row, et)) > 0
		if passes && l.ctx.Err == nil {
			tNew = f.target(&l.ctx, l.row)
		}
		if l.ctx.Err != nil {
			return l.deadLetter(m, l.ctx.Err.Error())
		}
	}
	old, had := ci.table.Apply(op, ci.key, m.Data)
	tOld := -1
	if had && ci.oldDec.Decode(old, ci.oldRow) == nil {
		// Its key was evaluated when it came (or it did not pass WHERE,
		// and the second half will not retract it wherever it goes).
		tOld = f.target(&l.ctx, ci.oldRow)
		l.ctx.Err = nil
	}
	f.key[0] = unsafe.String(unsafe.SliceData(ci.key), len(ci.key))
	defer func() { f.key[0] = "" }()
	if tOld >= 0 && tOld == tNew {
		f.pair = append(append(f.pair[:0], old...), m.Data...)
		f.lenBuf = strconv.AppendInt(f.lenBuf[:0], int64(len(old)), 10)
		f.retLen[0] = unsafe.String(unsafe.SliceData(f.lenBuf), len(f.lenBuf))
		err := f.send(l, &f.chgMsg, tNew, f.pair)
		f.retLen[0] = ""
		if err != nil {
			return err
		}
	} else {
		if tOld >= 0 {
			if err := f.send(l, &f.retMsg, tOld, old); err != nil {
				return err
			}
		}
		if tNew >= 0 {
			if err := f.send(l, &f.insMsg, tNew, m.Data); err != nil {
				return err
			}
		}
	}
	if et > l.maxET {
		l.maxET = et
	}
	return nil
}

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

// processForwarded is the second half of a repartitioned query over a
// changelog: a record retracts a row (OpRetract), inserts one (no
// HeaderOp) or does both in one change (OpChange), which
// runtime.Pipeline.ExecuteChange applies entirely or, when it fails, not
// at all. A failed record leaves this partition's groups holding, for its
// input key, a row other than the one the first half now has for it (the
// old row, or none for a failed insertion): that row is held, and the
// key's next record here retracts it instead of the row it names, so the
// key's next change applies as usual.
func (l *Loop) processForwarded(m *nats.Msg) error {
	f, ci := &l.fwd, &l.chg
	op, _ := headerValue(m, HeaderOp)
	key, _ := headerValue(m, HeaderKey)
	var oldData, newData []byte
	switch op {
	case OpRetract:
		oldData = m.Data
	case OpChange:
		lenText, _ := headerValue(m, HeaderRetractLen)
		n, err := strconv.Atoi(lenText)
		if err != nil || n < 0 || n > len(m.Data) {
			return l.deadLetter(m, "a forwarded change whose "+HeaderRetractLen+" header is not a length within its payload")
		}
		oldData, newData = m.Data[:n], m.Data[n:]
	default:
		newData = m.Data
	}
	held, isHeld := []byte(nil), false
	if len(f.held) > 0 && key != "" {
		if held, isHeld = f.held[key]; isHeld {
			oldData = held
		}
	}
	var oldRow, newRow runtime.Row
	if oldData != nil {
		if err := ci.oldDec.Decode(oldData, ci.oldRow); err != nil {
			return l.deadLetter(m, err.Error())
		}
		oldRow = ci.oldRow
	}
	if newData != nil {
		if err := l.dec.Decode(newData, l.row); err != nil {
			return l.deadLetter(m, err.Error())
		}
		newRow = l.row
	}
	et := l.ctx.NowMs
	if l.cfg.TimeIdx >= 0 {
		r := newRow
		if r == nil {
			r = oldRow
		}
		if r != nil && r[l.cfg.TimeIdx].T != runtime.TNull {
			et = r[l.cfg.TimeIdx].I
		} else {
			et = max(l.maxET, l.wm)
		}
	}
	outs := l.cfg.Pipeline.ExecuteChange(&l.ctx, oldRow, newRow, nil, et)
	if l.ctx.Err != nil {
		if key != "" {
			if f.held == nil {
				f.held = make(map[string][]byte)
			}
			if !isHeld && oldData != nil {
				held = append([]byte(nil), oldData...)
			}
			f.held[key] = held // the groups here still hold the old row (or none)
		}
		return l.deadLetter(m, l.ctx.Err.Error())
	}
	if isHeld {
		delete(f.held, key)
	}
	if err := l.publish(outs); err != nil {
		return err
	}
	if l.cfg.TimeIdx < 0 && !l.clock {
		return nil
	}
	return l.observe(m, et)
}

// heartbeat tells every target how far this idle upstream has got, so
// their watermarks (a minimum over upstreams) keep moving.
func (l *Loop) heartbeat() error {
	l.noteIdle()
	if l.maxET == -1<<62 || time.Since(l.lastIn) < l.cfg.Idle {
		return nil
	}
	progress := l.maxET + time.Since(l.lastIn).Milliseconds()
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

// sourceWatermark applies an upstream's heartbeat.
func (l *Loop) sourceWatermark(m *nats.Msg) {
	if l.srcMax == nil {
		return
	}
	v, err := strconv.ParseInt(m.Header.Get(HeaderWatermark), 10, 64)
	if err == nil {
		_ = l.observe(m, v)
	}
}

// sourceDone marks an upstream as finished: it no longer holds the
// watermark back.
func (l *Loop) sourceDone(m *nats.Msg) {
	if src := sourceOf(m.Subject); src >= 0 && src < len(l.srcMax) {
		l.srcMax[src] = runtime.EndOfTime / 2
	}
}

// sourceOf parses the upstream partition from a repartition subject's
// last token; -1 if it is not a number.
func sourceOf(subject string) int {
	i := len(subject)
	for i > 0 && subject[i-1] != '.' {
		i--
	}
	n, err := strconv.Atoi(subject[i:])
	if err != nil {
		return -1
	}
	return n
}

func minOf(xs []int64) int64 {
	m := xs[0]
	for _, x := range xs[1:] {
		m = min(m, x)
	}
	return m
}
