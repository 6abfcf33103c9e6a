package runtime

import "strconv"

// RegularJoin is a regular (non-windowed) equi-join of two inputs, at least
// one of them a changelog (SPEC §2 "Changelogs", "Composed queries"). Each
// side keeps its live rows by join key and by row key; a change of one
// side's row retracts the joined rows of its old version and inserts those
// of its new one, so the join's output is a changelog.
//
// Output rows are the joined row [left columns..., right columns...] (the
// planner's layout), keyed by the left row key and the right row key, each
// written as one AppendChangeKey part and joined by '|'. An outer join's
// row without a match writes the missing side's part as \N (a row key is
// never NULL, so \N is no row key's text).
//
// An append-only input is a changelog whose rows are never retracted: the
// loop gives each record a key of its own (its arrival number).
type RegularJoin struct {
	LeftKey, RightKey Expr // join key over each side's own row
	LeftWidth         int
	RightWidth        int
	// Cond is the rest of the ON condition over the joined row (nil: the
	// key equality only). A pair whose Cond is not true does not match.
	Cond Expr
	// LeftFilter and RightFilter, over a side's own row, drop rows of that
	// side (WHERE conditions pushed onto it; a dropped row is absent).
	LeftFilter, RightFilter Expr
	// Preserve is the side whose rows without a match are kept, padded
	// with NULLs: LeftSide (LEFT JOIN), RightSide (RIGHT JOIN), BothSides
	// (FULL JOIN) or -1 (INNER JOIN).
	Preserve int
	// Where, over the joined row (nil: none), drops joined rows and
	// NULL-padded rows for which it is not true: a WHERE condition that
	// go-mysql-server pushed below a FULL JOIN, where it must apply after.
	Where Expr
	// JoinKeyInKey appends the join key's text to each output key, as a
	// third part (\N for a NULL join key): when a side is repartitioned by
	// its join key, a row whose join key changes moves to another
	// partition, and its outputs there must not share a key with those of
	// the partition it left, whose order relative to them is unknown.
	JoinKeyInKey bool
	// Window marks a window join (two append-only inputs joined on
	// window_start); WindowEnd is each side's window_end column.
	// EvictWindows drops the rows of windows both inputs are past.
	Window    bool
	WindowEnd [2]int
	// LeftKeep and RightKeep name the columns of each side kept in state
	// (nil: all).
	LeftKeep, RightKeep []bool
	// AppendOnly marks a side whose input is append-only: each change is a
	// new row under a key of its own (its arrival), never updated or
	// deleted. Such a side keeps no index by row key, and its rows are
	// copied into shared chunks instead of a row each — packed as bytes,
	// without a row object each, when the join does not preserve the side
	// and has no TTL and no window (regular_join_packed.go).
	AppendOnly [2]bool
	// TTL (ms; 0: none): a row whose last change had an event time older
	// than the watermark (Advance) less TTL is forgotten, emitting nothing
	// (state_ttl.go). Now is the event time of the change being applied.
	TTL int64
	Now int64
	// EventTime: a change's time (Now) is its new row's TimeCol (of its
	// side's row) when not NULL, else the join's watermark; without it
	// the caller's (arrival) time. Set only with a TTL.
	EventTime bool
	TimeCol   [2]int

	wm, ttlNext int64 // state_ttl: the watermark (once wmSet), the next sweep's
	wmSet       bool
	expired     int64 // rows forgotten by the TTL

	sides [2]joinSide
	slab  [2]rowSlab // append-only sides' rows (not packed)
	// packed: the sides whose rows are packed bytes (regular_join_packed.go);
	// keepIdx: each side's kept columns; cur: a packed side's changing
	// row; dec: a packed side's row decoded.
	packed [2]bool
	arena  [2]rowArena
	reads  [2]int64 // packed rows decoded by changes of the other side
	// unpackFloor, when not 0, replaces the constant (tests).
	unpackFloor int64
	keepIdx     [2][]int
	cur         [2]regRow
	dec         [2]regRow
	spare       [2]*regRow // a side's row that left the state, reused by its next change
	wide        [2]Row     // the old and the new joined row of one output key
	kbuf        []byte     // join key text
	obuf        []byte     // output key text
	keyUnread   bool       // the emitter reads no output key: obuf is not written (emitted as nil)
}

// joinSide is one input's live rows.
type joinSide struct {
	byRow map[string]*regRow    // row key → row (nil for an append-only side)
	byKey map[string]*joinGroup // join key → rows with it
	byInt map[int64]*joinGroup  // the same, for join keys whose text is a BIGINT's
	rows  int                   // live rows
	nokey []*regRow             // an append-only side's rows whose join key is NULL
	// nokeyList: a packed side's rows whose join key is NULL.
	nokeyList rowList
	other     *joinSide // the other side (set by init)
}

// joinGroup is the rows of one side with one join key, in arrival order
// until one leaves; key is the join key's text, shared by its rows.
type joinGroup struct {
	key   string
	rows  []*regRow
	ikey  int64 // isInt: the key, whose text is its digits
	isInt bool
	gone  bool // removed from its side's byKey
	// packed: the group of a packed side, whose rows are list (no rows).
	packed bool
	list   rowList
	// peer is the other side's group of the same join key (nil: none), so
	// that a change whose side has the key's group finds the other side's
	// without a second lookup. Groups are linked when made and unlinked
	// when removed (joinSide.link, joinSide.unlink).
	peer *joinGroup
}

// regRow is one live row of a side.
type regRow struct {
	rowKey  string
	joinKey string // "" with hasKey false: a NULL join key, which matches nothing
	ikey    int64  // isInt: the join key, whose text (joinKey "") is its digits
	isInt   bool
	hasKey  bool
	row     Row
	buf     []byte     // the bytes row's strings point into
	group   *joinGroup // its join key's rows (hasKey), once added
	idx     int        // position in group.rows
	matches int        // rows of the other side it joins (kept for a preserved side)
	at      int64      // TTL: ttlStamp of the event time of its last change (0: not known)
}

// JoinEmitter receives the joined rows one change produces: for each output
// key, its old joined row (nil: none) and its new one (nil: none). The rows
// and key are valid only during the call.
type JoinEmitter interface {
	JoinChange(c *Ctx, old, new Row, key []byte)
}

func (j *RegularJoin) init() {
	for s := range j.sides {
		j.sides[s] = joinSide{byKey: map[string]*joinGroup{}, byInt: map[int64]*joinGroup{}}
		if !j.AppendOnly[s] {
			j.sides[s].byRow = map[string]*regRow{}
		}
	}
	w := j.LeftWidth + j.RightWidth
	j.wide = [2]Row{make(Row, w), make(Row, w)}
	j.sides[0].other, j.sides[1].other = &j.sides[1], &j.sides[0]
	for s := range j.sides {
		width, keep := j.LeftWidth, j.LeftKeep
		if s == RightSide {
			width, keep = j.RightWidth, j.RightKeep
		}
		j.keepIdx[s] = j.keepIdx[s][:0]
		for i := range width {
			if keep == nil || keep[i] {
				j.keepIdx[s] = append(j.keepIdx[s], i)
			}
		}
		// A side's rows can be packed when they are never updated, deleted,
		// forgotten or NULL-padded (a preserved side's count matches).
		j.packed[s] = j.AppendOnly[s] && !j.keeps(s) && j.TTL == 0 && !j.Window
		j.arena[s] = rowArena{}
		j.reads[s] = 0
		if j.packed[s] {
			j.dec[s] = regRow{row: make(Row, width)}
		}
	}
}

// Change applies one change of side's row with key rowKey: new is its new
// row (nil: deleted). Joined rows go to out. Rows that fail the side's
// filter or whose key cannot be evaluated are absent.
func (j *RegularJoin) Change(c *Ctx, side int, rowKey []byte, new Row, out JoinEmitter) {
	if j.sides[0].byKey == nil {
		j.init()
	}
	if j.packed[1-side] {
		j.maybeUnpack(1 - side)
	}
	st := &j.sides[side]
	var old *regRow
	if st.byRow != nil {
		old = st.byRow[string(rowKey)]
		if old != nil && j.TTL != 0 && j.ttlExpired(old) {
			st.remove(old) // forgotten: this change finds no row
			j.expired++
			old = nil
		}
	} else if new == nil {
		return // an append-only side's rows are never deleted
	}
	var n *regRow
	if new != nil {
		keyFn, filter, keep := j.LeftKey, j.LeftFilter, j.LeftKeep
		if side == RightSide {
			keyFn, filter, keep = j.RightKey, j.RightFilter, j.RightKeep
		}
		pass := true
		if filter != nil {
			v := filter(c, new)
			pass = v.T != TNull && Truthy(v)
		}
		if c.Err != nil {
			return
		}
		if pass {
			k := keyFn(c, new)
			if c.Err != nil {
				return
			}
			switch {
			case j.packed[side]:
				n = j.packedIn(side, new, rowKey)
			case st.byRow == nil:
				n = j.slab[side].row(new, keep, rowKey)
			default:
				n = j.newRow(side, new, keep)
				if old != nil {
					n.rowKey = old.rowKey
				} else {
					n.rowKey = string(rowKey)
				}
			}
			if k.T != TNull {
				n.hasKey = true
				if n.ikey, n.isInt = j.intKey(k); n.isInt {
					n.group = st.byInt[n.ikey]
				} else if old != nil && old.hasKey && !old.isInt && old.joinKey == string(j.kbuf) {
					n.joinKey = old.joinKey
				} else if g := st.byKey[string(j.kbuf)]; g != nil {
					n.joinKey, n.group = g.key, g // the key's text once per side
				} else {
					n.joinKey = string(j.kbuf)
				}
			}
		}
	}
	if old == nil && n == nil {
		return
	}
	other := &j.sides[1-side]
	if j.TTL != 0 {
		if n != nil {
			n.at = ttlStamp(j.Now)
		}
		j.ttlPurge(other, old)
		j.ttlPurge(other, n)
	}
	var og, ng *joinGroup // the other side's rows matching old and new
	if old != nil && old.hasKey {
		og = other.peerGroup(old)
	}
	if n != nil && n.hasKey {
		ng = other.peerGroup(n)
	}
	if old != nil && n != nil && old.hasKey && n.hasKey && sameJoinKey(old, n) {
		for it := j.rowsOf(1-side, ng); ; {
			o := it.next()
			if o == nil {
				break
			}
			was, is := j.matches(c, side, old.row, o.row), j.matches(c, side, n.row, o.row)
			if is {
				n.matches++
			}
			j.pair(c, side, old, n, o, was, is, out)
		}
	} else {
		for it := j.rowsOf(1-side, og); ; {
			o := it.next()
			if o == nil {
				break
			}
			j.pair(c, side, old, nil, o, j.matches(c, side, old.row, o.row), false, out)
		}
		for it := j.rowsOf(1-side, ng); ; {
			o := it.next()
			if o == nil {
				break
			}
			is := j.matches(c, side, n.row, o.row)
			if is {
				n.matches++
			}
			j.pair(c, side, nil, n, o, false, is, out)
		}
	}
	if j.keeps(side) {
		oldAlone, newAlone := old != nil && old.matches == 0, n != nil && n.matches == 0
		if oldAlone || newAlone {
			var a, b *regRow
			if oldAlone {
				a = old
			}
			if newAlone {
				b = n
			}
			j.alone(c, side, a, b, out)
		}
	}
	// Replace old by n in the side's state.
	switch {
	case j.packed[side]: // old is nil: a packed side has no row keys
		j.storePacked(side, n, rowKey)
	case old != nil && n != nil && old.hasKey == n.hasKey && sameJoinKey(old, n):
		st.replace(old, n)
	default:
		if old != nil {
			st.remove(old)
		}
		if n != nil {
			st.add(n)
		}
	}
	if old != nil {
		j.spare[side] = old // the outputs of this change are consumed before the next
	}
}

// BothSides is RegularJoin.Preserve of a FULL JOIN: the rows of either
// side without a match are kept.
const BothSides = 2

// keeps reports whether side's rows without a match are kept.
func (j *RegularJoin) keeps(side int) bool { return j.Preserve == side || j.Preserve == BothSides }

// newRow returns a row of side holding a copy of r's kept columns, in the
// side's spare row when there is one.
func (j *RegularJoin) newRow(side int, r Row, keep []bool) *regRow {
	n := j.spare[side]
	if n == nil {
		n = &regRow{}
	}
	j.spare[side] = nil
	*n = regRow{row: n.row, buf: n.buf[:0]}
	if len(n.row) != len(r) {
		n.row = make(Row, len(r))
	}
	size := 0
	for i := range r {
		if keep == nil || keep[i] {
			size += len(r[i].S)
		}
	}
	if cap(n.buf) < size {
		n.buf = make([]byte, 0, size)
	}
	for i := range r {
		if keep != nil && !keep[i] {
			n.row[i] = Null
			continue
		}
		n.row[i] = r[i]
		if r[i].S != nil {
			start := len(n.buf)
			n.buf = append(n.buf, r[i].S...)
			n.row[i].S = n.buf[start:len(n.buf):len(n.buf)]
		}
	}
	return n
}

// pair emits the change of the joined row of (old or n) with the other
// side's row o, and keeps o's match count when o's side is preserved.
func (j *RegularJoin) pair(c *Ctx, side int, old, n, o *regRow, was, is bool, out JoinEmitter) {
	if !was && !is {
		return
	}
	rk := old
	if rk == nil {
		rk = n
	}
	back := false // o's NULL-padded row comes back after this change
	if j.keeps(1-side) && was != is {
		before := o.matches
		if is {
			o.matches++
		} else {
			o.matches--
		}
		if before == 0 && o.matches > 0 { // o's NULL-padded row goes
			j.alone(c, 1-side, o, nil, out)
		}
		back = before > 0 && o.matches == 0
	}
	var ow, nw Row
	if was {
		ow = j.fill(0, side, old.row, o.row)
	}
	if is {
		nw = j.fill(1, side, n.row, o.row)
	}
	if !j.keyUnread {
		j.obuf = j.outKey(j.obuf[:0], side, rk.rowKey, o.rowKey, true)
		j.obuf = j.appendJoinKey(j.obuf, rk)
	}
	j.emit(c, ow, nw, out)
	if back {
		j.alone(c, 1-side, nil, o, out)
	}
}

// alone emits the change of a preserved side's NULL-padded row: a (nil:
// none before) becomes b (nil: none after); both are versions of one row.
func (j *RegularJoin) alone(c *Ctx, side int, a, b *regRow, out JoinEmitter) {
	if j.JoinKeyInKey && a != nil && b != nil && (a.hasKey != b.hasKey || !sameJoinKey(a, b)) {
		j.alone(c, side, a, nil, out) // two output keys
		j.alone(c, side, nil, b, out)
		return
	}
	var ow, nw Row
	rk := a
	if a != nil {
		ow = j.fill(0, side, a.row, nil)
	} else {
		rk = b
	}
	if b != nil {
		nw = j.fill(1, side, b.row, nil)
	}
	if !j.keyUnread {
		j.obuf = j.outKey(j.obuf[:0], side, rk.rowKey, "", false)
		j.obuf = j.appendJoinKey(j.obuf, rk)
	}
	j.emit(c, ow, nw, out)
}

// appendJoinKey appends r's join key as the output key's third part when
// JoinKeyInKey is set.
func (j *RegularJoin) appendJoinKey(dst []byte, r *regRow) []byte {
	if !j.JoinKeyInKey {
		return dst
	}
	dst = append(dst, '|')
	if !r.hasKey {
		return append(dst, '\\', 'N')
	}
	if r.isInt {
		return strconv.AppendInt(dst, r.ikey, 10)
	}
	for i := 0; i < len(r.joinKey); i++ {
		if r.joinKey[i] == '\\' || r.joinKey[i] == '|' {
			dst = append(dst, '\\')
		}
		dst = append(dst, r.joinKey[i])
	}
	return dst
}

// emit passes the change of output key j.obuf from ow to nw (either nil:
// none) to out, each row present only if Where holds for it.
func (j *RegularJoin) emit(c *Ctx, ow, nw Row, out JoinEmitter) {
	if j.Where != nil {
		if ow != nil {
			if v := j.Where(c, ow); v.T == TNull || !Truthy(v) {
				ow = nil
			}
		}
		if nw != nil {
			if v := j.Where(c, nw); v.T == TNull || !Truthy(v) {
				nw = nil
			}
		}
		if c.Err != nil || ow == nil && nw == nil {
			return
		}
	}
	key := j.obuf
	if j.keyUnread {
		key = nil
	}
	out.JoinChange(c, ow, nw, key)
}

// matches reports whether a row of side and a row o of the other side
// match: their join keys are equal (the caller looked o up by key) and Cond
// holds.
func (j *RegularJoin) matches(c *Ctx, side int, r, o Row) bool {
	if j.Cond == nil {
		return true
	}
	w := j.fill(0, side, r, o)
	v := j.Cond(c, w)
	return c.Err == nil && v.T != TNull && Truthy(v)
}

// fill writes the joined row of r (of side) and o (of the other side;
// nil: NULLs) into wide row i.
func (j *RegularJoin) fill(i, side int, r, o Row) Row {
	w := j.wide[i]
	l, rr := r, o
	if side == RightSide {
		l, rr = o, r
	}
	fillPart(w[:j.LeftWidth], l, j.keepIdx[LeftSide])
	fillPart(w[j.LeftWidth:], rr, j.keepIdx[RightSide])
	return w
}

// fillPart writes src's kept columns (idx) into dst. A side's rows are NULL
// in the columns it does not keep, and so is dst there: wide rows are
// written only here.
func fillPart(dst, src Row, idx []int) {
	if len(idx) == len(dst) {
		if src == nil {
			clear(dst)
			return
		}
		copy(dst, src)
		return
	}
	if src == nil {
		for _, i := range idx {
			dst[i] = Null
		}
		return
	}
	for _, i := range idx {
		dst[i] = src[i]
	}
}

// outKey appends the output key of the row of side keyed mine and the
// other side's row keyed theirs (matched false: none, written \N).
func (j *RegularJoin) outKey(dst []byte, side int, mine, theirs string, matched bool) []byte {
	part := func(dst []byte, k string, ok bool) []byte {
		if !ok {
			return append(dst, '\\', 'N')
		}
		for i := 0; i < len(k); i++ {
			if k[i] == '\\' || k[i] == '|' {
				dst = append(dst, '\\')
			}
			dst = append(dst, k[i])
		}
		return dst
	}
	if side == LeftSide {
		dst = part(dst, mine, true)
		return part(append(dst, '|'), theirs, matched)
	}
	dst = part(dst, theirs, matched)
	return part(append(dst, '|'), mine, true)
}

func (s *joinSide) add(r *regRow) {
	s.rows++
	if s.byRow != nil {
		s.byRow[r.rowKey] = r
	}
	if !r.hasKey {
		if s.byRow == nil {
			r.idx = len(s.nokey)
			s.nokey = append(s.nokey, r)
		}
		return
	}
	g := r.group // the group Change found, unless it has gone since
	if g == nil || g.gone {
		if g = s.group(r); g == nil {
			g = &joinGroup{key: r.joinKey, ikey: r.ikey, isInt: r.isInt}
			s.link(g)
		}
	}
	r.group, r.idx = g, len(g.rows)
	g.rows = append(g.rows, r)
}

// replace puts n, with the same row key and join key, in old's place.
func (s *joinSide) replace(old, n *regRow) {
	s.byRow[n.rowKey] = n
	if n.hasKey {
		n.group, n.idx = old.group, old.idx
		n.group.rows[n.idx] = n
	}
}

func (s *joinSide) remove(r *regRow) {
	s.rows--
	if s.byRow != nil {
		delete(s.byRow, r.rowKey)
	}
	if !r.hasKey {
		if s.byRow == nil {
			last := len(s.nokey) - 1
			s.nokey[r.idx] = s.nokey[last]
			s.nokey[r.idx].idx = r.idx
			s.nokey[last] = nil
			s.nokey = s.nokey[:last]
		}
		return
	}
	g := r.group
	rows := g.rows
	last := len(rows) - 1
	rows[r.idx] = rows[last]
	rows[r.idx].idx = r.idx
	rows[last] = nil
	g.rows = rows[:last]
	r.group = nil
	if last == 0 {
		s.unlink(g)
	}
}

// link adds new group g to the side's groups and links it with the other
// side's group of its key.
func (s *joinSide) link(g *joinGroup) {
	o := s.other
	if g.isInt {
		s.byInt[g.ikey] = g
		g.peer = o.byInt[g.ikey]
	} else {
		s.byKey[g.key] = g
		g.peer = o.byKey[g.key]
	}
	if g.peer != nil {
		g.peer.peer = g
	}
}

// unlink removes group g (no rows left) from the side's groups.
func (s *joinSide) unlink(g *joinGroup) {
	if g.isInt {
		delete(s.byInt, g.ikey)
	} else {
		delete(s.byKey, g.key)
	}
	g.gone = true
	if g.peer != nil {
		g.peer.peer = nil
		g.peer = nil
	}
}

// peerGroup is the group of this side with the join key of r, a row of the
// other side (r.hasKey), nil when it has none: the peer of r's group when
// r has one (a row of the other side's state, or a change's row whose
// group was found), else looked up.
func (s *joinSide) peerGroup(r *regRow) *joinGroup {
	if g := r.group; g != nil && !g.gone {
		return g.peer
	}
	return s.group(r)
}

// group is the group of r's join key (r.hasKey), nil when it has none.
func (s *joinSide) group(r *regRow) *joinGroup {
	if r.isInt {
		return s.byInt[r.ikey]
	}
	return s.byKey[r.joinKey]
}

// eachGroup calls f for every join key's rows; f may remove rows.
func (s *joinSide) eachGroup(f func(*joinGroup)) {
	for _, g := range s.byInt {
		f(g)
	}
	for _, g := range s.byKey {
		f(g)
	}
}

// sameJoinKey reports whether two rows with a join key have the same one.
func sameJoinKey(a, b *regRow) bool {
	if a.isInt || b.isInt {
		return a.isInt && b.isInt && a.ikey == b.ikey
	}
	return a.joinKey == b.joinKey
}

// intKey reports whether join key k's text (AppendValueKey) is a
// BIGINT's digits, and its number if so: such keys are looked up by
// number (no text kept, cheaper to hash), which matches the same keys as
// their text. Otherwise j.kbuf holds the text.
func (j *RegularJoin) intKey(k Value) (int64, bool) {
	if k.T == TInt {
		return k.I, true
	}
	j.kbuf = AppendValueKey(j.kbuf[:0], k)
	return intKeyText(j.kbuf)
}

// intKeyText parses a BIGINT's text as strconv.FormatInt writes it (no
// '+', no leading zero, no "-0"); ok false for any other text.
func intKeyText(b []byte) (int64, bool) {
	d := b
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 19 || d[0] == '0' && len(b) > 1 {
		return 0, false
	}
	var u uint64
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if len(d) == len(b) {
		if u > 1<<63-1 {
			return 0, false
		}
		return int64(u), true
	}
	if u > 1<<63 {
		return 0, false
	}
	return -int64(u), true
}

// each calls f for every live row of the side, join key by join key, then
// the rows whose join key is NULL; f may remove the row it is given.
func (s *joinSide) each(f func(*regRow)) {
	s.eachGroup(func(g *joinGroup) {
		for i := len(g.rows) - 1; i >= 0; i-- {
			if i < len(g.rows) {
				f(g.rows[i])
			}
		}
	})
	if s.byRow == nil {
		for i := len(s.nokey) - 1; i >= 0; i-- {
			if i < len(s.nokey) {
				f(s.nokey[i])
			}
		}
		return
	}
	for _, r := range s.byRow {
		if !r.hasKey {
			f(r)
		}
	}
}

// EvictWindows drops, from both sides of a window join, the rows whose
// window_end is before upTo (ms since the epoch): rows of windows no later
// input row can match. Nothing is emitted (an INNER join of rows that are
// never retracted has emitted their pairs already). It returns how many
// rows it dropped.
func (j *RegularJoin) EvictWindows(upTo int64) int {
	if j.sides[0].byKey == nil || !j.Window {
		return 0
	}
	n := 0
	for s := range j.sides {
		st, col := &j.sides[s], j.WindowEnd[s]
		st.each(func(r *regRow) {
			if v := r.row[col]; v.T != TNull && v.I < upTo {
				st.remove(r)
				n++
			}
		})
	}
	return n
}

// StateRows is the number of live rows held on both sides.
func (j *RegularJoin) StateRows() int { return j.sides[0].rows + j.sides[1].rows }

// rowSlab holds the rows of an append-only side in shared chunks: a row
// is never updated or deleted, only dropped with its window (EvictWindows,
// in about the order rows came), so a chunk is freed once its rows are.
type rowSlab struct {
	rows []regRow
	vals []Value
	buf  []byte
}

const (
	slabRows  = 256
	slabVals  = 2048
	slabBytes = 32 << 10
)

// row copies r's kept columns and the row key into the chunks.
func (s *rowSlab) row(r Row, keep []bool, rowKey []byte) *regRow {
	if len(s.rows) == cap(s.rows) {
		s.rows = make([]regRow, 0, slabRows)
	}
	s.rows = s.rows[:len(s.rows)+1]
	n := &s.rows[len(s.rows)-1]
	n.row, n.rowKey = s.copyRow(r, keep, rowKey)
	return n
}

// copyRow copies r's kept columns (all when keep is nil; the rest NULL)
// and text into the chunks: the copy of r, and of text as a string.
func (s *rowSlab) copyRow(r Row, keep []bool, text []byte) (Row, string) {
	w := len(r)
	if len(s.vals)+w > cap(s.vals) {
		s.vals = make([]Value, 0, max(slabVals, w))
	}
	at := len(s.vals)
	s.vals = s.vals[:at+w]
	cp := s.vals[at : at+w : at+w]
	size := len(text)
	for i := range r {
		if keep == nil || keep[i] {
			size += len(r[i].S)
		}
	}
	if len(s.buf)+size > cap(s.buf) {
		s.buf = make([]byte, 0, max(slabBytes, size))
	}
	start := len(s.buf)
	s.buf = append(s.buf, text...)
	str := unsafeString(s.buf[start:len(s.buf)])
	for i := range r {
		if keep != nil && !keep[i] {
			continue // Null: the chunk is zeroed
		}
		cp[i] = r[i]
		if r[i].S != nil {
			start := len(s.buf)
			s.buf = append(s.buf, r[i].S...)
			cp[i].S = s.buf[start:len(s.buf):len(s.buf)]
		}
	}
	return cp, str
}
