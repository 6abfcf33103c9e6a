package runtime

// IntervalJoin joins two streams on a key and a time bound: a left row L
// and a right row R match when their keys are equal, R.time - L.time lies
// in [Lo, Hi] (milliseconds) and Cond (over the joined row) holds. Each
// side's rows are kept until the watermark makes further matches
// impossible, so state is bounded by the interval and the watermark.
//
// The joined row is [left columns..., right columns...] (LeftFirst) or the
// reverse, as the planner's row layout says.
type IntervalJoin struct {
	LeftKey, RightKey   Expr
	LeftTime, RightTime int // event-time column of each side's row
	Lo, Hi              int64
	LeftWidth           int
	RightWidth          int
	LeftFirst           bool // joined row starts with the left side's columns
	Cond                Expr // the whole join condition over the joined row; nil = key and bound only
	// LeftKeep and RightKeep name the columns of each side that anything
	// reads; only these are kept in state (nil: all).
	LeftKeep, RightKeep []bool
	// LeftFilter and RightFilter, over a side's own row, drop rows of that
	// side before they join or are kept (nil: keep all).
	LeftFilter, RightFilter Expr

	keys   map[string]*joinKeyState
	ints   map[int64]*joinKeyState // keys whose text is a BIGINT's, by number
	fifo   [2][]joinRef            // arrival order per side, for eviction; live from head
	head   [2]int
	wide   Row
	out    []Row
	nout   int
	kbuf   []byte
	nextID uint64
	// Rows leave in about the order they came (Advance), so they are
	// copied into shared chunks, freed once their rows are; a key's state
	// is reused once its rows are gone.
	slab rowSlab
	free []*joinKeyState
}

type joinKeyState struct {
	key   string
	ikey  int64 // isInt: the key (in ints)
	isInt bool
	rows  [2][]joinRow // arrival order
}

type joinRow struct {
	id  uint64
	ts  int64
	row Row
}

type joinRef struct {
	st *joinKeyState
	id uint64
	ts int64
}

// Side of an input row.
const (
	LeftSide  = 0
	RightSide = 1
)

// Process takes one row of a side and returns the joined rows it completes
// (owned by the join, valid until the next call).
func (j *IntervalJoin) Process(c *Ctx, side int, r Row) []Row {
	if j.keys == nil {
		j.keys = map[string]*joinKeyState{}
		j.ints = map[int64]*joinKeyState{}
		j.wide = make(Row, j.LeftWidth+j.RightWidth)
	}
	j.nout = 0
	keyFn, tcol, filter := j.LeftKey, j.LeftTime, j.LeftFilter
	if side == RightSide {
		keyFn, tcol, filter = j.RightKey, j.RightTime, j.RightFilter
	}
	if filter != nil {
		if v := filter(c, r); c.Err != nil || v.T == TNull || !Truthy(v) {
			return j.out[:0]
		}
	}
	k := keyFn(c, r)
	t := r[tcol]
	if k.T == TNull || t.T == TNull || c.Err != nil {
		return j.out[:0]
	}
	var st *joinKeyState
	ik, isInt := k.I, k.T == TInt
	if !isInt {
		j.kbuf = AppendValueKey(j.kbuf[:0], k)
		ik, isInt = intKeyText(j.kbuf)
	}
	if isInt {
		st = j.ints[ik]
	} else {
		st = j.keys[string(j.kbuf)]
	}
	if st != nil {
		other := 1 - side
		for _, o := range st.rows[other] {
			d := o.ts - t.I // right − left
			if side == RightSide {
				d = t.I - o.ts
			}
			if d < j.Lo || d > j.Hi {
				continue
			}
			if side == LeftSide {
				j.emit(c, r, o.row)
			} else {
				j.emit(c, o.row, r)
			}
		}
	}
	j.nextID++
	keep := j.LeftKeep
	if side == RightSide {
		keep = j.RightKeep
	}
	var text []byte
	if st == nil && !isInt {
		text = j.kbuf
	}
	cp, key := j.slab.copyRow(r, keep, text)
	if st == nil {
		if n := len(j.free); n > 0 {
			st = j.free[n-1]
			j.free = j.free[:n-1]
		} else {
			st = &joinKeyState{}
		}
		if isInt {
			st.ikey, st.isInt = ik, true
			j.ints[ik] = st
		} else {
			st.key, st.isInt = key, false // in the chunk with the row: freed with it
			j.keys[key] = st
		}
	}
	st.rows[side] = append(st.rows[side], joinRow{id: j.nextID, ts: t.I, row: cp})
	j.fifo[side] = append(j.fifo[side], joinRef{st: st, id: j.nextID, ts: t.I})
	return j.out[:j.nout]
}

func (j *IntervalJoin) emit(c *Ctx, left, right Row) {
	lo, ro := 0, j.LeftWidth
	if !j.LeftFirst {
		lo, ro = j.RightWidth, 0
	}
	copy(j.wide[lo:lo+j.LeftWidth], left)
	copy(j.wide[ro:ro+j.RightWidth], right)
	if j.Cond != nil {
		if v := j.Cond(c, j.wide); c.Err != nil || v.T == TNull || !Truthy(v) {
			return
		}
	}
	if j.nout == len(j.out) {
		j.out = append(j.out, make(Row, len(j.wide)))
	}
	copy(j.out[j.nout], j.wide)
	j.nout++
}

// Advance drops rows that can no longer match: a left row once the
// watermark passes its time + Hi, a right row once it passes its time − Lo.
func (j *IntervalJoin) Advance(wm int64) {
	for side := 0; side < 2; side++ {
		q := j.fifo[side]
		n := j.head[side]
		for n < len(q) {
			limit := q[n].ts + j.Hi
			if side == RightSide {
				limit = q[n].ts - j.Lo
			}
			if limit >= wm {
				break
			}
			j.remove(side, q[n])
			n++
		}
		// Compact only when the dead prefix dominates: amortised O(1) per row.
		if n > 0 && n >= len(q)/2 {
			j.fifo[side] = append(q[:0], q[n:]...)
			n = 0
		}
		j.head[side] = n
	}
}

// remove drops the row ref names. Rows leave in arrival order, so it is
// almost always the key's oldest row of that side.
func (j *IntervalJoin) remove(side int, ref joinRef) {
	st := ref.st
	rows := st.rows[side]
	for i, r := range rows {
		if r.id != ref.id {
			continue
		}
		if i == 0 {
			rows[0] = joinRow{} // release the row to the GC
			st.rows[side] = rows[1:]
		} else {
			st.rows[side] = append(rows[:i], rows[i+1:]...)
		}
		break
	}
	if len(st.rows[0]) == 0 && len(st.rows[1]) == 0 {
		if st.isInt {
			delete(j.ints, st.ikey)
		} else {
			delete(j.keys, st.key)
		}
		if len(j.free) < maxFreeKeyStates {
			st.key = ""
			for s := range st.rows {
				clear(st.rows[s][:cap(st.rows[s])]) // no row of a freed chunk kept
				st.rows[s] = st.rows[s][:0]
			}
			j.free = append(j.free, st)
		}
	}
}

// maxFreeKeyStates bounds the key states kept for reuse.
const maxFreeKeyStates = 1024

// StateRows is the number of rows held, for tests and metrics.
func (j *IntervalJoin) StateRows() int {
	return len(j.fifo[0]) - j.head[0] + len(j.fifo[1]) - j.head[1]
}
