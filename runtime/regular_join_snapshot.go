package runtime

import "strconv"

// Checkpoints of a regular join: each side's live rows, grouped by join
// key in the order the join keeps them (so that a restored join pairs a
// change with the other side's rows in the same order, and emits the same
// outputs), then the rows whose join key is NULL. Each row carries its row
// key, join key, match count and its columns.

// Snapshot appends the join's state to dst.
func (j *RegularJoin) Snapshot(dst []byte) []byte {
	if j.sides[0].byKey == nil {
		j.init()
	}
	e := &snapEnc{b: dst}
	e.u8(snapVersion)
	e.u8('J')
	e.uvar(uint64(j.LeftWidth))
	e.uvar(uint64(j.RightWidth))
	e.ivar(int64(j.Preserve))
	for s := range j.sides {
		st := &j.sides[s]
		e.uvar(uint64(st.rows))
		if j.packed[s] {
			j.snapPacked(e, s, st)
			continue
		}
		st.eachGroup(func(g *joinGroup) {
			for _, r := range g.rows {
				j.snapRow(e, r)
			}
		})
		for _, r := range st.nokey {
			j.snapRow(e, r)
		}
		for _, r := range st.byRow {
			if !r.hasKey {
				j.snapRow(e, r)
			}
		}
	}
	return e.b
}

func (j *RegularJoin) snapRow(e *snapEnc, r *regRow) {
	e.bytes([]byte(r.rowKey))
	e.bool(r.hasKey)
	if r.isInt {
		e.bytes(strconv.AppendInt(nil, r.ikey, 10))
	} else {
		e.bytes([]byte(r.joinKey))
	}
	e.uvar(uint64(r.matches))
	e.valueList(r.row)
}

// Restore replaces the join's state with a snapshot taken by Snapshot
// from a join of the same configuration.
func (j *RegularJoin) Restore(b []byte) error {
	d := &snapDec{b: b}
	d.expect("snapshot version", int64(d.u8()), snapVersion)
	d.expect("state kind (J = regular join)", int64(d.u8()), 'J')
	d.expect("left row width", int64(d.uvar()), int64(j.LeftWidth))
	d.expect("right row width", int64(d.uvar()), int64(j.RightWidth))
	d.expect("outer side", d.ivar(), int64(j.Preserve))
	if d.err != nil {
		return d.err
	}
	j.init()
	j.spare = [2]*regRow{}
	var vals []Value
	for s := range j.sides {
		width := j.LeftWidth
		if s == RightSide {
			width = j.RightWidth
		}
		n := d.count(4)
		for range n {
			rowKeyText := d.bytes()
			rowKey := string(rowKeyText)
			hasKey := d.bool()
			joinKey := string(d.bytes())
			matches := d.uvar()
			vals = d.valuesInto(vals, width)
			if d.err != nil {
				return d.err
			}
			if j.packed[s] {
				j.restorePacked(s, rowKeyText, hasKey, joinKey, vals)
				continue
			}
			r := j.newRow(s, vals, nil)
			r.rowKey, r.hasKey, r.joinKey, r.matches = rowKey, hasKey, joinKey, int(matches)
			if ik, ok := intKeyText([]byte(joinKey)); ok && hasKey {
				r.ikey, r.isInt, r.joinKey = ik, true, ""
			}
			if _, dup := j.sides[s].byRow[rowKey]; dup {
				d.fail(errSnapTruncated)
				return d.err
			}
			j.sides[s].add(r)
		}
	}
	return d.done()
}

// restorePacked adds a row of packed side from a snapshot.
func (j *RegularJoin) restorePacked(side int, rowKey []byte, hasKey bool, joinKey string, vals Row) {
	st := &j.sides[side]
	r := &j.cur[side]
	*r = regRow{row: vals, hasKey: hasKey}
	if hasKey {
		if ik, ok := intKeyText([]byte(joinKey)); ok {
			r.ikey, r.isInt, r.group = ik, true, st.byInt[ik]
		} else {
			r.joinKey, r.group = joinKey, st.byKey[joinKey]
		}
	}
	j.storePacked(side, r, rowKey)
}
