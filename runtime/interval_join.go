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

	keys   map[string]*joinKeyState
	fifo   [2][]joinRef // arrival order per side, for eviction
	wide   Row
	out    []Row
	nout   int
	kbuf   []byte
	nextID uint64
}

type joinKeyState struct {
	rows [2][]joinRow
}

type joinRow struct {
	id  uint64
	ts  int64
	row Row
}

type joinRef struct {
	key string
	id  uint64
	ts  int64
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
		j.wide = make(Row, j.LeftWidth+j.RightWidth)
	}
	j.nout = 0
	keyFn, tcol := j.LeftKey, j.LeftTime
	if side == RightSide {
		keyFn, tcol = j.RightKey, j.RightTime
	}
	k := keyFn(c, r)
	t := r[tcol]
	if k.T == TNull || t.T == TNull || c.Err != nil {
		return j.out[:0]
	}
	j.kbuf = AppendValueKey(j.kbuf[:0], k)
	st := j.keys[string(j.kbuf)]
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
	} else {
		st = &joinKeyState{}
		j.keys[string(j.kbuf)] = st
	}
	j.nextID++
	st.rows[side] = append(st.rows[side], joinRow{id: j.nextID, ts: t.I, row: copyRow(r)})
	j.fifo[side] = append(j.fifo[side], joinRef{key: string(j.kbuf), id: j.nextID, ts: t.I})
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
		n := 0
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
		j.fifo[side] = append(q[:0], q[n:]...)
	}
}

func (j *IntervalJoin) remove(side int, ref joinRef) {
	st := j.keys[ref.key]
	if st == nil {
		return
	}
	rows := st.rows[side]
	for i, r := range rows {
		if r.id == ref.id {
			st.rows[side] = append(rows[:i], rows[i+1:]...)
			break
		}
	}
	if len(st.rows[0]) == 0 && len(st.rows[1]) == 0 {
		delete(j.keys, ref.key)
	}
}

// StateRows is the number of rows held, for tests and metrics.
func (j *IntervalJoin) StateRows() int { return len(j.fifo[0]) + len(j.fifo[1]) }
