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
	scan   [2][]scanRow            // an unindexed side's rows, as its fifo (same positions)
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
	// A side is indexed by key (its rows also in their key's state) only
	// once scanning its live rows for a key costs more than keeping the
	// index would: a row of the other side meets an unindexed side's rows
	// by a scan of its rows (scan), which for a small side (q7's one maximum per
	// window) or a side rarely probed (q7's bids, probed once per window)
	// is cheaper than a hash map's insert, lookup and delete per row.
	// scanned counts the rows scans of a side compared, work its rows kept
	// plus its probes; a side is indexed once scanned > scanFactor*work +
	// slack, and stays so. Either way the same rows meet in the same order
	// (a key's rows in arrival order).
	indexed [2]bool
	scanned [2]int64
	work    [2]int64
	// indexing is for tests: 0 adaptive, 1 both sides indexed from the
	// start, -1 never; indexFactor and indexSlack replace scanFactor and
	// scanSlack when > 0.
	indexing                int8
	indexFactor, indexSlack int64
}

const (
	scanFactor = 8
	scanSlack  = 4096
)

type joinKeyState struct {
	key   string
	ikey  int64 // isInt: the key (in ints)
	isInt bool
	rows  [2][]joinRow // arrival order (indexed sides only)
}

type joinRow struct {
	id  uint64
	ts  int64
	row Row
}

// joinRef is a kept row in its side's fifo: its time and, when the side
// is indexed, its key's state (else its row is in scan).
type joinRef struct {
	st *joinKeyState
	id uint64
	ts int64
}

// scanRow is an unindexed side's kept row: its key (a number, or text
// when key != "": a text key is never empty) and kept columns.
type scanRow struct {
	ikey int64
	key  string
	row  Row
}

// Side of an input row.
const (
	LeftSide  = 0
	RightSide = 1
)

func (j *IntervalJoin) init() {
	j.keys = map[string]*joinKeyState{}
	j.ints = map[int64]*joinKeyState{}
	j.wide = make(Row, j.LeftWidth+j.RightWidth)
	if j.indexing > 0 {
		j.indexed = [2]bool{true, true}
	}
}

// lookup returns the state of a key (nil: none).
func (j *IntervalJoin) lookup(isInt bool, ik int64, text []byte) *joinKeyState {
	if isInt {
		return j.ints[ik]
	}
	return j.keys[string(text)]
}

// newState returns a fresh state for a key, in the index (key: the key's
// text, kept in a chunk).
func (j *IntervalJoin) newState(isInt bool, ik int64, key string) *joinKeyState {
	var st *joinKeyState
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
		st.key, st.isInt = key, false
		j.keys[key] = st
	}
	return st
}

// Process takes one row of a side and returns the joined rows it completes
// (owned by the join, valid until the next call).
func (j *IntervalJoin) Process(c *Ctx, side int, r Row) []Row {
	if j.keys == nil {
		j.init()
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
	ik, isInt := k.I, k.T == TInt
	if !isInt {
		j.kbuf = AppendValueKey(j.kbuf[:0], k)
		ik, isInt = intKeyText(j.kbuf)
	}
	other := 1 - side
	var st *joinKeyState
	looked := false
	if j.indexed[other] {
		st, looked = j.lookup(isInt, ik, j.kbuf), true
		if st != nil {
			for _, o := range st.rows[other] {
				j.meet(c, side, r, t.I, o.ts, o.row)
			}
		}
		j.work[other]++
	} else {
		h := j.head[other]
		live, refs := j.scan[other][h:], j.fifo[other][h:]
		refs = refs[:len(live)]
		for i := range live {
			o := &live[i]
			if isInt && (o.key != "" || o.ikey != ik) || !isInt && o.key != string(j.kbuf) {
				continue
			}
			j.meet(c, side, r, t.I, refs[i].ts, o.row)
		}
		j.scanned[other] += int64(len(live))
		j.work[other]++
		if j.indexing == 0 {
			factor, slack := int64(scanFactor), int64(scanSlack)
			if j.indexFactor > 0 {
				factor, slack = j.indexFactor, j.indexSlack
			}
			if j.scanned[other] > factor*j.work[other]+slack {
				j.index(other)
			}
		}
	}
	j.nextID++
	j.work[side]++
	keep := j.LeftKeep
	if side == RightSide {
		keep = j.RightKeep
	}
	indexed := j.indexed[side]
	if indexed && !looked {
		st = j.lookup(isInt, ik, j.kbuf)
	}
	var text []byte
	if !isInt && (!indexed || st == nil) {
		text = j.kbuf
	}
	cp, key := j.slab.copyRow(r, keep, text)
	if indexed {
		if st == nil {
			st = j.newState(isInt, ik, key) // the key's text in the chunk with the row: freed with it
		}
		st.rows[side] = append(st.rows[side], joinRow{id: j.nextID, ts: t.I, row: cp})
	} else {
		st = nil
		j.scan[side] = append(j.scan[side], scanRow{ikey: ik, key: key, row: cp})
	}
	j.fifo[side] = append(j.fifo[side], joinRef{st: st, id: j.nextID, ts: t.I})
	return j.out[:j.nout]
}

// meet joins r (of side, at time ts) with a kept row o of the other side
// (at time ots) when their times are within the bound.
func (j *IntervalJoin) meet(c *Ctx, side int, r Row, ts, ots int64, o Row) {
	d := ots - ts // right − left
	if side == RightSide {
		d = -d
	}
	if d < j.Lo || d > j.Hi {
		return
	}
	if side == LeftSide {
		j.emit(c, r, o)
	} else {
		j.emit(c, o, r)
	}
}

// index starts keeping side's rows by key: its live rows, in arrival
// order, join their key's state.
func (j *IntervalJoin) index(side int) {
	q, rows := j.fifo[side], j.scan[side]
	for i := j.head[side]; i < len(q); i++ {
		ref, sr := &q[i], &rows[i]
		isInt := sr.key == ""
		var st *joinKeyState
		if isInt {
			st = j.ints[sr.ikey]
		} else {
			st = j.keys[sr.key]
		}
		if st == nil {
			st = j.newState(isInt, sr.ikey, sr.key)
		}
		st.rows[side] = append(st.rows[side], joinRow{id: ref.id, ts: ref.ts, row: sr.row})
		ref.st = st
	}
	j.indexed[side], j.scan[side] = true, nil
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
			if q[n].st != nil {
				j.remove(side, q[n])
			}
			n++
		}
		// Compact only when the dead prefix dominates: amortised O(1) per row.
		if n > 0 && n >= len(q)/2 {
			j.fifo[side] = append(q[:0], q[n:]...)
			if sr := j.scan[side]; sr != nil {
				live := copy(sr, sr[n:])
				clear(sr[live:]) // no dropped row kept
				j.scan[side] = sr[:live]
			}
			n = 0
		}
		j.head[side] = n
	}
}

// remove drops the row ref names from its key's state. Rows leave in
// arrival order, so it is almost always the key's oldest row of that side.
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
