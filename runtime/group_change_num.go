package runtime

import (
	"bytes"
	"math"
	"math/bits"
	"slices"
)

// Numeric MIN/MAX over a changelog (SPEC §2 "Changelogs").
//
// A MIN or MAX whose value counts are read by MIN/MAX aggregates only (no
// FIRST_VALUE/LAST_VALUE sharing them, no DISTINCT) and whose argument is
// BIGINT, DOUBLE, TIMESTAMP or BOOLEAN keeps its counts, per cell, in the
// owner's accumulator (accum.vc): the live values as order-preserving
// 64-bit keys (numKey), sorted, each with its live copies. A count is
// found by binary search; the extreme is the first (MIN) or last (MAX)
// entry, so when the picked value's last copy leaves the next one is read
// at once — no string key written, hashed or allocated, no heap, no scan.
//
// A cell falls back to the generic value counts (s.vcs: a map by the
// value's bytes, and heaps) when a value cannot be kept so — a NaN, a
// value of another type than the cell's, a DECIMAL or string (planned so
// from the argument's type: the generic path throughout), or more than
// pickCount.numMax distinct values (inserting in a sorted slice costs a
// copy of the slice; a map does not grow worse). The generic counts are
// used while they hold any value; once the cell's rows are all retracted
// it counts numerically again. Values equal as numbers share a key
// (-0 and +0: a MIN/MAX read back from the counts is +0, as the generic
// path's is). Snapshots write both kinds in the generic format (value
// key, copies, first and latest arrival — arrivals are 0 for numeric
// counts: only FIRST/LAST read them), so the snapshot layout is unchanged;
// a restored cell adopts numeric counts when it can (restoreCounts).

// numCount is one live value of a numeric MIN/MAX: its key (numKey) and
// live copies.
type numCount struct {
	k uint64
	n int64
}

// numCountsMax is how many distinct values a cell counts numerically
// before it falls back to the generic counts.
const numCountsMax = 128

// Value-count modes of an owner (pickCount.mode).
const (
	pickUnset int8 = iota
	pickNumeric
	pickGeneric
)

// A change within one cell (the new row in the old row's group) whose
// aggregate arguments are the old row's leaves COUNT, SUM, AVG, MIN, MAX,
// the variances and the DISTINCT aggregates as they are: retracting a
// value and inserting the same one gives back the same multiset. Only the
// aggregates whose argument changed (and FIRST_VALUE/LAST_VALUE and
// GROUP_CONCAT, which order by arrival) are applied (changeSome): an
// upsert that changes one column of a row updates one aggregate. Values
// are the same when they are bit for bit (sameArg: -0 is not +0, 1.50 not
// 1.5), so the state is what retracting and inserting would leave, up to
// the rounding of a DOUBLE sum, which skipping avoids.

// keepsOnSame reports whether aggregate j is unchanged by a change within
// its cell whose argument value is unchanged: COUNT to VAR_SAMP, a
// MIN/MAX only when no FIRST/LAST reads its value counts.
func (s *groupStage) keepsOnSame(j int) bool {
	if s.aggs[j].Func >= FirstValue {
		return false
	}
	if f := s.aggs[j].Func; f == Min || f == Max {
		o := s.vcOwner[j]
		for i := range s.aggs {
			if s.vcOwner[i] == o && s.aggs[i].Func != Min && s.aggs[i].Func != Max {
				return false
			}
		}
	}
	return true
}

// sameArg reports whether a and b are the same value, bit for bit.
func sameArg(a, b *Value) bool {
	if a.T != b.T {
		return false
	}
	switch a.T {
	case TNull:
		return true
	case TDouble:
		return math.Float64bits(a.F) == math.Float64bits(b.F)
	case TString, TJSON:
		return bytes.Equal(a.S, b.S)
	case TDecimal:
		return a.I == b.I && a.Scale == b.Scale
	}
	return a.I == b.I
}

// changePlan is which aggregates a change within one cell applies, by
// the argument columns that changed (changedArgs): per distinct argument
// column of the aggregates kept on an unchanged argument (keepsOnSame),
// the mask of those aggregates, and the mask of the aggregates every
// change applies (FIRST/LAST and the like, arguments that are
// expressions). COUNT(*) is in neither. Built at the first change; a stage
// of more than 64 aggregates has none (every change applies them all).
type changePlan struct {
	built  bool
	ok     bool // at most 64 aggregates
	cols   []planCol
	always uint64
}

// planCol is one argument column of a changePlan and its aggregates.
type planCol struct {
	col  int32
	aggs uint64
}

// buildPlan builds s.cplan.
func (s *groupStage) buildPlan() {
	if s.picks[0].mode == pickUnset {
		s.initPicks()
	}
	p := &s.cplan
	p.built, p.ok, p.cols, p.always = true, len(s.aggs) <= 64, p.cols[:0], 0
	if !p.ok {
		return
	}
	for j := range s.aggs {
		bit := uint64(1) << j
		col := s.argAt[j]
		switch {
		case !s.picks[j].same:
			p.always |= bit
		case col < 0:
			if s.aggs[j].Arg != nil { // (COUNT(*) counts the row either way)
				p.always |= bit
			}
		default:
			i := slices.IndexFunc(p.cols, func(c planCol) bool { return c.col == col })
			if i < 0 {
				i = len(p.cols)
				p.cols = append(p.cols, planCol{col: col})
			}
			p.cols[i].aggs |= bit
		}
	}
}

// changedArgs returns the mask of the aggregates (bit j: aggregate j) a
// change from old to new within one cell must apply, and how many; n is
// s.na (all of them: the caller applies the change as a whole) when the
// stage has no plan.
func (s *groupStage) changedArgs(old, new Row) (m uint64, n int) {
	if len(s.aggs) == 0 {
		return 0, 0 // SELECT DISTINCT: the row itself is the group
	}
	p := &s.cplan
	if !p.built {
		s.buildPlan()
	}
	if !p.ok {
		return 0, s.na
	}
	m = p.always
	for i := range p.cols {
		if c := &p.cols[i]; !sameArg(&old[c.col], &new[c.col]) {
			m |= c.aggs
		}
	}
	return m, bits.OnesCount64(m)
}

// changeSome applies a change within cell cid (old's arguments loaded)
// to the aggregates of mask m (changedArgs), as change does to all of
// them: the old values leave, the new ones come in, and if that fails (a
// SUM overflow) the old ones are put back.
func (s *groupStage) changeSome(c *Ctx, cid int32, old, new Row, m uint64) {
	if m == 0 {
		s.seq++ // an arrival, as the insertion would count
		return
	}
	s.rApplyChanged(c, cid, -1, m)
	if c.Err != nil {
		return
	}
	s.insertArgs(c, new)
	s.seq++
	if c.Err == nil {
		s.rApplyChanged(c, cid, 1, m)
	}
	if c.Err != nil {
		err := c.Err
		c.Err = nil
		s.insertArgs(c, old)
		s.seq++
		s.rApplyChanged(c, cid, 1, m)
		c.Err = err
	}
}

// rApplyChanged is rApply for the aggregates of mask m (changedArgs; no
// user aggregates), in their order.
func (s *groupStage) rApplyChanged(c *Ctx, cid int32, sign int64, m uint64) {
	base := int(cid) * s.na
	if sf := s.sumFirst; sf >= 0 {
		// The one exact SUM first, as rApply does: its overflow returns
		// before any other aggregate changes.
		if bit := uint64(1) << sf; m&bit != 0 {
			m &^= bit
			col := s.argAt[sf]
			if col < 0 || s.rops[sf] != ropSumInt || !sumIntInPlace(c, &s.accs[base+sf], &s.cur[col], sign) {
				s.rOne(c, base+sf, sf, sign)
			}
			if c.Err != nil {
				return
			}
		}
	} else if len(s.exactSums) > 0 && s.rSumsOverflowOf(cid, sign, true, m) {
		c.Err = errSumOverflow
		return
	}
	for ; m != 0; m &= m - 1 {
		j := bits.TrailingZeros64(m)
		s.rOne(c, base+j, j, sign)
	}
}

// numPickable reports whether sp can read numeric value counts.
func numPickable(sp *AggSpec) bool {
	if (sp.Func != Min && sp.Func != Max) || sp.Distinct {
		return false
	}
	switch sp.ArgType {
	case TInt, TDouble, TTimestamp, TBool:
		return true
	}
	return false
}

// initPicks decides, for every aggregate owning value counts, whether its
// cells count numerically.
func (s *groupStage) initPicks() {
	for o := range s.aggs {
		pc := &s.picks[o]
		pc.mode, pc.numMax, pc.same = pickGeneric, numCountsMax, s.keepsOnSame(o)
		if int(s.vcOwner[o]) != o || !numPickable(&s.aggs[o]) {
			continue
		}
		pc.mode = pickNumeric
		pc.pickers = pc.pickers[:0]
		for j := o; j < len(s.aggs); j++ {
			if int(s.vcOwner[j]) != o {
				continue
			}
			if !numPickable(&s.aggs[j]) {
				pc.mode = pickGeneric
			}
			pc.pickers = append(pc.pickers, picker{off: int32(j - o), max: s.aggs[j].Func == Max})
		}
		s.setPickMode(o, pc.mode)
	}
}

// setPickMode sets the value-count mode of owner o: numerically, the
// owner updates every aggregate reading its counts (their rops say so).
func (s *groupStage) setPickMode(o int, mode int8) {
	pc := &s.picks[o]
	pc.mode = mode
	for _, p := range pc.pickers {
		if j := o + int(p.off); j != o {
			s.rops[j] = ropPicked
			if mode == pickNumeric {
				s.rops[j] = ropShared
			}
		}
	}
}

// numKey returns v's order-preserving key, false for a value numeric
// counts do not keep (NaN, DECIMAL, strings).
func numKey(v *Value) (uint64, bool) {
	switch v.T {
	case TInt, TTimestamp, TBool:
		return uint64(v.I) ^ 1<<63, true
	case TDouble:
		b := math.Float64bits(v.F)
		if b == 1<<63 {
			b = 0 // -0 is +0
		}
		if v.F != v.F {
			return 0, false
		}
		if b>>63 != 0 {
			return ^b, true
		}
		return b | 1<<63, true
	}
	return 0, false
}

// numValue decodes key k of a value of type t.
func numValue(t Type, k uint64) Value {
	if t == TDouble {
		if k>>63 != 0 {
			k &^= 1 << 63
		} else {
			k = ^k
		}
		return Value{T: TDouble, F: math.Float64frombits(k)}
	}
	return Value{T: t, I: int64(k ^ 1<<63)}
}

// storeNum makes key k of type t the stored value (a MIN/MAX picked again).
func (a *accum) storeNum(t Type, k uint64) {
	v := numValue(t, k)
	a.t, a.sc, a.i, a.f = v.T, 0, v.I, v.F
	a.s = a.s[:0]
}

// numFind returns the position of key in vc (sorted), or where it would go.
func numFind(vc []numCount, key uint64) (int, bool) {
	lo, hi := 0, len(vc)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if vc[m].k < key {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(vc) && vc[lo].k == key
}

// picker is an aggregate reading numeric value counts: its offset from
// the owner's index, and whether it is a MAX.
type picker struct {
	off int32
	max bool
}

// rPickedNum is rPicked for an owner o that counts numerically, state ko:
// it updates the counts, then every MIN/MAX reading them. It reports
// false, having changed nothing, when the cell uses (or must now use) the
// generic counts; the caller then takes the generic path for each.
func (s *groupStage) rPickedNum(ko, o int, sign int64) bool {
	own := &s.accs[ko]
	pc := &s.picks[o]
	v := s.arg(o)
	if len(s.vcs[ko]) > 0 {
		return false // the generic counts hold values
	}
	key, ok := numKey(v)
	if ok && len(own.vc) > 0 && v.T != own.vt {
		ok = false
	}
	if !ok {
		if sign > 0 {
			s.numToGeneric(ko, o)
		}
		return false // a retraction of it finds nothing, as the generic path says
	}
	i, found := numFind(own.vc, key)
	if sign > 0 {
		if found {
			own.vc[i].n++
		} else {
			if len(own.vc) >= pc.numMax {
				s.numToGeneric(ko, o)
				return false
			}
			if len(own.vc) == 0 {
				own.vt = v.T
			}
			own.vc = slices.Insert(own.vc, i, numCount{k: key, n: 1})
		}
		for _, p := range pc.pickers {
			a := &s.accs[ko+int(p.off)]
			if a.n == 0 || numBeyond(v, a, p.max) {
				a.t, a.sc, a.i, a.f = v.T, 0, v.I, v.F
			}
			a.n++
		}
		return true
	}
	if !found {
		return true
	}
	if own.vc[i].n > 1 {
		own.vc[i].n--
		for _, p := range pc.pickers {
			s.accs[ko+int(p.off)].n--
		}
		return true
	}
	own.vc = slices.Delete(own.vc, i, i+1)
	for _, p := range pc.pickers {
		a := &s.accs[ko+int(p.off)]
		if a.n--; a.n == 0 {
			a.t, a.seq = TNull, 0
			continue
		}
		if numBeyond(v, a, !p.max) || numBeyond(v, a, p.max) {
			continue // not the picked value
		}
		// The picked value's last copy left: the next is at the end.
		e := own.vc[0]
		if p.max {
			e = own.vc[len(own.vc)-1]
		}
		a.storeNum(own.vt, e.k)
	}
	return true
}

// numBeyond reports whether v is above (max) or below the value a holds,
// both numbers of the same type.
func numBeyond(v *Value, a *accum, max bool) bool {
	if v.T == TDouble {
		if max {
			return v.F > a.f
		}
		return v.F < a.f
	}
	if max {
		return v.I > a.i
	}
	return v.I < a.i
}

// numToGeneric moves the numeric counts of accumulator ko (owner o) into
// the generic counts, which then count the cell's values until they are
// all retracted; the heaps of the aggregates reading them are dropped
// (built again, complete, when first needed).
func (s *groupStage) numToGeneric(ko, o int) {
	own := &s.accs[ko]
	if len(own.vc) > 0 {
		m := s.vcMap(ko)
		for _, e := range own.vc {
			s.rk[o] = rKey(s.rk[o][:0], numValue(own.vt, e.k))
			s.vcNew(m, s.rk[o], vcEntry{n: e.n})
		}
		own.vc = own.vc[:0]
	}
	base := ko - o
	for j := range s.aggs {
		if int(s.vcOwner[j]) == o {
			s.heaps[base+j] = nil
		}
	}
}

// snapCounts writes the value counts of accumulator k (snapshot layout:
// #values, per value in value-key order: key, copies, first and latest
// arrival), numeric or generic.
func (s *groupStage) snapCounts(e *snapEnc, k int) {
	if vc := s.accs[k].vc; len(vc) > 0 {
		t := s.accs[k].vt
		keys := make([][]byte, len(vc))
		for i := range vc {
			keys[i] = rKey(nil, numValue(t, vc[i].k))
		}
		idx := make([]int, len(vc))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(x, y int) int { return bytes.Compare(keys[x], keys[y]) })
		e.uvar(uint64(len(vc)))
		for _, i := range idx {
			e.uvar(uint64(len(keys[i])))
			e.b = append(e.b, keys[i]...)
			e.ivar(vc[i].n)
			e.ivar(0)
			e.ivar(0)
		}
		return
	}
	m := s.vcs[k]
	e.uvar(uint64(len(m)))
	if len(m) == 0 {
		return
	}
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	for _, key := range keys {
		en := &s.slab[m[key]]
		e.uvar(uint64(len(key)))
		e.b = append(e.b, key...)
		e.ivar(en.n)
		e.ivar(en.first)
		e.ivar(en.last)
	}
}

// restoreCounts reads the value counts of accumulator k written by
// snapCounts (or an earlier version, which wrote the generic counts
// alike) and keeps them numerically when the aggregate counts so and
// every value fits.
func (s *groupStage) restoreCounts(d *snapDec, k int) {
	n := d.count(4)
	for range n {
		key := d.bytes()
		e := vcEntry{n: d.ivar(), first: d.ivar(), last: d.ivar()}
		if d.err != nil {
			return
		}
		s.vcNew(s.vcMap(k), key, e)
	}
	if n > 0 {
		s.adoptCounts(k)
	}
}

// adoptCounts moves the generic counts of accumulator k into numeric
// counts when its aggregate is an owner counting numerically and the
// values fit (one type, no NaN, at most numMax).
func (s *groupStage) adoptCounts(k int) {
	j := k % s.na
	pc := &s.picks[j]
	if pc.mode == pickUnset {
		s.initPicks()
	}
	m := s.vcs[k]
	if pc.mode != pickNumeric || int(s.vcOwner[j]) != j || len(m) > pc.numMax {
		return
	}
	a := &s.accs[k]
	vc := a.vc[:0]
	var t Type
	for key, i := range m {
		v := rValue(key)
		nk, ok := numKey(&v)
		if !ok || (len(vc) > 0 && v.T != t) {
			return
		}
		t = v.T
		vc = append(vc, numCount{k: nk, n: s.slab[i].n})
	}
	slices.SortFunc(vc, func(x, y numCount) int {
		switch {
		case x.k < y.k:
			return -1
		case x.k > y.k:
			return 1
		}
		return 0
	})
	s.vcClear(k)
	a.vc, a.vt = vc, t
}
