package runtime

// Checkpoints of an interval join: each side's live rows in the order
// they arrived (the order Advance drops them in, and, per key, the order
// a new row of the other side meets them), each with its key, its time
// and its kept columns. A restored join holds the same rows in the same
// orders, so the same inputs give the same joined rows in the same order.

// Snapshot appends the join's state to dst.
func (j *IntervalJoin) Snapshot(dst []byte) []byte {
	e := &snapEnc{b: dst}
	e.u8(snapVersion)
	e.u8('I')
	e.uvar(uint64(j.LeftWidth))
	e.uvar(uint64(j.RightWidth))
	e.ivar(j.Lo)
	e.ivar(j.Hi)
	for side := range j.fifo {
		live := j.fifo[side][j.head[side]:]
		e.uvar(uint64(len(live)))
		if !j.indexed[side] {
			for i, sr := range j.scan[side][j.head[side]:] {
				e.bool(sr.key == "")
				if sr.key == "" {
					e.ivar(sr.ikey)
				} else {
					e.bytes([]byte(sr.key))
				}
				e.ivar(live[i].ts)
				e.valueList(sr.row)
			}
			continue
		}
		next := make(map[*joinKeyState]int) // each key's live rows are its refs in fifo order
		for _, ref := range live {
			st := ref.st
			e.bool(st.isInt)
			if st.isInt {
				e.ivar(st.ikey)
			} else {
				e.bytes([]byte(st.key))
			}
			e.ivar(ref.ts)
			e.valueList(j.rowOf(side, ref, next))
		}
	}
	return e.b
}

// rowOf returns the kept row ref names: its key's next row of side in
// arrival order (next counts them), else found by id.
func (j *IntervalJoin) rowOf(side int, ref joinRef, next map[*joinKeyState]int) Row {
	rows := ref.st.rows[side]
	i := next[ref.st]
	next[ref.st] = i + 1
	if i < len(rows) && rows[i].id == ref.id {
		return rows[i].row
	}
	for _, r := range rows {
		if r.id == ref.id {
			return r.row
		}
	}
	return nil // unreachable: a live ref's row is held
}

// Restore replaces the join's state with a snapshot taken by Snapshot
// from a join of the same configuration.
func (j *IntervalJoin) Restore(b []byte) error {
	d := &snapDec{b: b}
	d.expect("snapshot version", int64(d.u8()), snapVersion)
	d.expect("state kind (I = interval join)", int64(d.u8()), 'I')
	d.expect("left row width", int64(d.uvar()), int64(j.LeftWidth))
	d.expect("right row width", int64(d.uvar()), int64(j.RightWidth))
	d.expect("interval's lower bound (ms)", d.ivar(), j.Lo)
	d.expect("interval's upper bound (ms)", d.ivar(), j.Hi)
	if d.err != nil {
		return d.err
	}
	j.fifo, j.scan, j.head, j.nextID = [2][]joinRef{}, [2][]scanRow{}, [2]int{}, 0
	j.slab, j.free = rowSlab{}, nil
	j.indexed, j.scanned, j.work = [2]bool{}, [2]int64{}, [2]int64{}
	j.init() // indexes both sides when the join always does
	var vals []Value
	var text []byte
	for side := range j.fifo {
		width := j.LeftWidth
		if side == RightSide {
			width = j.RightWidth
		}
		n := d.count(2 + 2*width)
		for range n {
			isInt := d.bool()
			var ik int64
			if isInt {
				ik = d.ivar()
			} else {
				text = append(text[:0], d.bytes()...)
			}
			ts := d.ivar()
			vals = d.valuesInto(vals, width)
			if d.err != nil {
				return d.err
			}
			if !isInt {
				if v, ok := intKeyText(text); ok { // Process keeps such keys by number
					isInt, ik = true, v
				}
			}
			j.restoreRow(side, isInt, ik, text, ts, vals)
		}
	}
	return d.done()
}

// restoreRow keeps a row of side as Process does, after its matches.
func (j *IntervalJoin) restoreRow(side int, isInt bool, ik int64, text []byte, ts int64, r Row) {
	var st *joinKeyState
	if j.indexed[side] {
		st = j.lookup(isInt, ik, text)
	}
	var keyText []byte
	if st == nil && !isInt {
		keyText = text
	}
	cp, key := j.slab.copyRow(r, nil, keyText)
	if j.indexed[side] && st == nil {
		st = j.newState(isInt, ik, key)
	}
	j.nextID++
	j.work[side]++
	if st != nil {
		st.rows[side] = append(st.rows[side], joinRow{id: j.nextID, ts: ts, row: cp})
	} else {
		j.scan[side] = append(j.scan[side], scanRow{ikey: ik, key: key, row: cp})
	}
	j.fifo[side] = append(j.fifo[side], joinRef{st: st, id: j.nextID, ts: ts})
}
