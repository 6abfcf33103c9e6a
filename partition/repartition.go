package partition

import (
	"math"
	"strconv"
	"unsafe"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/runtime"
)

// Repartitioning (a GROUP BY whose key is not the source's partition key)
// runs as two loops per partition: the first half reads the source,
// filters and forwards each record through the exchange outlet
// (outlet_exchange.go) to the partition its group key hashes to; the
// second half reads what every upstream forwards through an exchange
// intake (intake_exchange.go) and runs the stage. This file holds the
// processors of both halves.

// processForward is the first half of a repartition over an append-only
// stream: a record that passes the filter goes to its group's partition.
func (l *Loop) processForward(m *nats.Msg) error {
	et, ok, err := l.decodeIn(m)
	if !ok {
		return err
	}
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
