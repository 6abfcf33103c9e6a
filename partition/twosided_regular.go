package partition

import (
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/runtime"
)

// processRegular runs one record of either side of a regular join over
// changelogs (Joined.Regular). A changelog side's record upserts or
// deletes the row of its key — Velort-Key, else the side's key columns —
// and the join, which keeps every live row of both sides, retracts and
// inserts the joined rows. An append-only side's record is a new row keyed
// by its partition and arrival number there ("2.17"), never retracted. A record whose
// op is unknown, whose upsert does not decode or whose key cannot be known
// is dead-lettered.
func (l *Loop) processRegular(m *nats.Msg) error {
	in := &l.join
	j := l.cfg.Joined
	l.Stats.In.Add(1)
	l.ctx.Reset()
	l.cur = m
	ttl := l.regularTTL() // state_ttl.go: reads the clock
	if l.clock && !ttl {
		l.ctx.NowMs = time.Now().UnixMilli()
	}
	side := in.mySide
	if !in.self && m.Sub == in.subs[1-in.mySide] {
		side = 1 - in.mySide
	}
	row := in.rows[side]
	var newRow runtime.Row
	if j.Changelog[side] {
		opText, _ := headerValue(m, HeaderOp)
		data := m.Data
		var op runtime.Op
		ok := true
		if j.Forwarded[side] {
			switch opText {
			case OpRetract:
				op = runtime.OpDelete
			case OpChange: // the old row, then the new one
				n, err := strconv.Atoi(m.Header.Get(HeaderRetractLen))
				if err != nil || n < 0 || n > len(data) {
					return l.deadLetter(m, "a forwarded change whose "+HeaderRetractLen+" header is not a length within its payload")
				}
				op, data = runtime.OpUpsert, data[n:]
			case "":
				op = runtime.OpUpsert
			default:
				ok = false
			}
		} else {
			op, ok = runtime.ParseOp(opText)
		}
		if !ok {
			return l.deadLetter(m, "Velort-Op header "+strconv.Quote(opText)+" is neither upsert nor delete")
		}
		keyText, hasKey := headerValue(m, HeaderKey)
		decoded := false
		if op == runtime.OpUpsert || len(trimJSONSpace(data)) > 0 {
			err := in.dec[side].Decode(data, row)
			if err != nil && (op == runtime.OpUpsert || !hasKey) {
				return l.deadLetter(m, err.Error())
			}
			decoded = err == nil
		}
		switch {
		case hasKey:
			in.key = append(in.key[:0], keyText...)
		case !decoded:
			return l.deadLetter(m, "a delete with an empty payload needs a Velort-Key header naming the key it deletes")
		case j.ChangelogKey[side] == nil:
			return l.deadLetter(m, "no Velort-Key header, and the stream's key is not in the record")
		default:
			in.key = appendRowKey(in.key[:0], row, j.ChangelogKey[side])
		}
		if op == runtime.OpUpsert {
			newRow = row
		}
	} else {
		if err := in.dec[side].Decode(m.Data, row); err != nil {
			return l.deadLetter(m, err.Error())
		}
		in.seq[side]++
		in.key = strconv.AppendInt(in.key[:0], int64(l.cfg.Partition), 10)
		in.key = append(in.key, '.')
		in.key = strconv.AppendUint(in.key, in.seq[side], 10)
		newRow = row
	}
	sides := [2]int{side, -1}
	if in.self {
		sides = [2]int{runtime.LeftSide, runtime.RightSide}
	}
	for _, s := range sides {
		if s < 0 {
			break
		}
		outs := l.cfg.Pipeline.ExecuteJoinChange(&l.ctx, s, in.key, newRow, l.ctx.NowMs)
		if l.ctx.Err != nil {
			return l.deadLetter(m, l.ctx.Err.Error())
		}
		if err := l.publish(outs); err != nil {
			return err
		}
	}
	if rj := l.cfg.Pipeline.RegularJoin; rj.Window && newRow != nil {
		l.evictWindows(rj, side, newRow)
	}
	if ttl {
		return l.regularAdvance()
	}
	return nil
}

// evictWindows notes how far side of a window join has come (the latest
// window_end of its rows) and drops the rows of windows that ended before
// both sides' progress, less the watermark delay: EMIT FINAL publishes a
// window's rows once it closes, so a side that has sent a row of a later
// window sends no more rows of earlier ones (from one writer; rows of
// several writers may interleave by up to the delay).
func (l *Loop) evictWindows(rj *runtime.RegularJoin, side int, row runtime.Row) {
	in := &l.join
	if v := row[rj.WindowEnd[side]]; v.T != runtime.TNull && v.I > in.max[side] {
		in.max[side] = v.I
	}
	upTo := min(in.max[0], in.max[1]) - l.cfg.Delay.Milliseconds()
	if in.self {
		upTo = in.max[side] - l.cfg.Delay.Milliseconds()
	}
	if upTo > in.evicted {
		in.evicted = upTo
		rj.EvictWindows(upTo)
	}
}

// joinEOF counts an end-of-input marker of a regular join by the side it
// came on, and reports whether it counts toward Config.EOFWriters: a
// side's markers beyond its own writers (a replay restarted after a crash
// stores another one in a JetStream stream) do not, so they cannot end the
// input while the other side still has records. Interval joins count all.
func (l *Loop) joinEOF(m *nats.Msg) bool {
	j, in := l.cfg.Joined, &l.join
	if !j.Regular || in.self {
		return true
	}
	side, want := in.mySide, l.cfg.EOFWriters-j.OtherEOFWriters
	if m.Sub == in.subs[1-in.mySide] {
		side, want = 1-in.mySide, j.OtherEOFWriters
	}
	in.eofs[side]++
	return in.eofs[side] <= want
}
