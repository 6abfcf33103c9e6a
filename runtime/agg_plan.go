package runtime

import (
	"math/bits"
	"unsafe"
)

// Counting without argument values. Nexmark q15–q17 (and any report of
// counts under several filters) have a dozen aggregates per group, most
// of them COUNT(*), COUNT(CASE WHEN c THEN 1 END) and COUNT(DISTINCT
// [CASE WHEN c THEN] x END). Loading each one's argument into s.av and
// calling accum.update for it costs more than the counting: for these the
// stage instead works out, once per record, which counts go up (a bit per
// count) and each shared set's mask (agg_distinct_shared.go), and applies
// them to each cell the record joins. Every other aggregate goes through
// s.av and accum.update as before.
//
// A plan exists over an append-only input without session windows or
// user aggregates, when some aggregate has a split condition or shares a
// distinct set.

// argKind says what the plan reads of an aggregate's argument per record.
type argKind uint8

const (
	argValue argKind = iota // its value, into s.av (accum.update)
	argCond                 // its condition only (a count, or a shared set's member)
	argNone                 // nothing (COUNT(*), COUNT(x), a member without condition)
)

// countStep is a count the plan applies: aggregate j counts the record
// when condition slot k holds (k < 0: no condition) and column col is not
// NULL (col < 0: no column).
type countStep struct {
	j, col int
	k      int32
	slot   int32 // its count in the cell's counts (s.cnts)
}

type aggPlan struct {
	kind    []argKind // per aggregate
	generic []int     // aggregates updated through s.av and accum.update, in order
	counts  []countStep
	// cslot is, per aggregate, its count's position among the cell's
	// counts (-1: its state is its accum). A count's accum is unused: the
	// counts of a cell are adjacent (s.cnts), so a record touches them in
	// a cache line or two, and an output reads them there (s.result).
	cslot []int32
	nc    int
	// Per record: the counts that go up (bit b: counts[b]), each family's
	// mask of members that count its column's value, and the row.
	hits  uint64
	masks []uint64
	row   Row
	// Tabled: every condition is a range (IntRange, at most maxTabled of
	// them), so a record's conditions are a few bits, cb, checked first,
	// and hitTab[cb] and famTab[f][cb] are its hits and masks, less the
	// counts and families of a NULL column (colSteps, fams' columns).
	// visit is then the aggregates that load a value.
	tabled     bool
	ranges     []IntRange // per condition slot
	visitConds bool       // some aggregate in visit is split: it reads the conditions' values (aggConds.val)
	hitTab     []uint64
	famTab     [][]uint64
	colSteps   []colStep
	visit      []int
}

// colStep is a planned count of a column: bit in hits, its column.
type colStep struct {
	bit uint64
	col int
}

// maxTabled bounds the conditions of a tabled plan (tables of 2^n words).
const maxTabled = 6

// newAggPlan returns the plan of a stage's aggregates, or nil when it
// would not replace any argument load (or has more counts than a mask
// holds).
func newAggPlan(aggs []AggSpec, conds *aggConds, fams []distinctFamily, famOf []int8) *aggPlan {
	if conds == nil && fams == nil {
		return nil
	}
	p := &aggPlan{kind: make([]argKind, len(aggs)), masks: make([]uint64, len(fams)), cslot: make([]int32, len(aggs))}
	for j := range p.cslot {
		p.cslot[j] = -1
	}
	count := func(st countStep) {
		st.slot = int32(p.nc)
		p.cslot[st.j] = st.slot
		p.nc++
		p.counts = append(p.counts, st)
	}
	for j := range aggs {
		sp := &aggs[j]
		split := conds != nil && conds.slot[j] >= 0
		switch {
		case famOf != nil && famOf[j] >= 0:
			p.kind[j] = argNone
			if split {
				p.kind[j] = argCond
			}
			p.cslot[j] = int32(p.nc)
			p.nc++
		case sp.Func == CountStar:
			p.kind[j] = argNone
			count(countStep{j: j, col: -1, k: -1})
		case sp.Func == Count && split && (sp.ThenConst || sp.ThenIsCol):
			p.kind[j] = argCond
			st := countStep{j: j, col: -1, k: conds.slot[j]}
			if !sp.ThenConst {
				st.col = sp.ThenCol
			}
			count(st)
		case sp.Func == Count && !split && sp.ArgIsCol && sp.Cond == nil:
			p.kind[j] = argNone
			count(countStep{j: j, col: sp.ArgCol, k: -1})
		default:
			p.kind[j] = argValue
			p.generic = append(p.generic, j)
		}
	}
	if len(p.counts) > 64 || len(p.generic) == len(aggs) {
		return nil
	}
	p.nc = (p.nc + 7) &^ 7 // a cell's counts fill whole cache lines (unused slots stay 0)
	for f := range fams {
		fams[f].slots = make([]int32, len(fams[f].members))
		for b, j := range fams[f].members {
			fams[f].slots[b] = p.cslot[j]
		}
	}
	p.tabulate(aggs, conds, fams)
	return p
}

// tabulate makes p tabled when every condition is a range.
func (p *aggPlan) tabulate(aggs []AggSpec, conds *aggConds, fams []distinctFamily) {
	n := 0
	if conds != nil {
		n = len(conds.val)
	}
	if n > maxTabled {
		return
	}
	ranges := make([]IntRange, n)
	set := make([]bool, n)
	for j := range aggs {
		if conds == nil || conds.slot[j] < 0 {
			continue
		}
		k := conds.slot[j]
		if aggs[j].CondRange == nil {
			return
		}
		ranges[k], set[k] = *aggs[j].CondRange, true
	}
	for _, ok := range set {
		if !ok {
			return
		}
	}
	p.hitTab = make([]uint64, 1<<n)
	p.famTab = make([][]uint64, len(fams))
	for f := range fams {
		p.famTab[f] = make([]uint64, 1<<n)
	}
	holds := func(cb int, k int32) bool { return k < 0 || cb>>k&1 != 0 }
	for cb := range 1 << n {
		for b, st := range p.counts {
			if holds(cb, st.k) {
				p.hitTab[cb] |= 1 << b
			}
		}
		for f := range fams {
			for b, k := range fams[f].conds {
				if holds(cb, k) {
					p.famTab[f][cb] |= 1 << b
				}
			}
		}
	}
	for b, st := range p.counts {
		if st.col >= 0 {
			p.colSteps = append(p.colSteps, colStep{bit: 1 << b, col: st.col})
		}
	}
	for j, kind := range p.kind {
		if kind == argValue {
			p.visit = append(p.visit, j)
			p.visitConds = p.visitConds || (conds != nil && conds.slot[j] >= 0)
		}
	}
	p.ranges, p.tabled = ranges, true
}

// plannedArgs is condArgs under a plan: aggregates are visited in order
// (each condition evaluated once, when the first aggregate using it is
// reached, so the order of any error is the whole expressions'); only
// argValue aggregates load s.av. Then it works out the counts that go up
// and the families' masks.
func (s *groupStage) plannedArgs(c *Ctx, r Row) {
	p, f := s.plan, s.conds
	if p.tabled {
		s.tabledArgs(c, r)
		return
	}
	if f != nil {
		f.next()
	}
	for j, kind := range p.kind {
		switch kind {
		case argValue:
			s.valueArg(c, r, j)
		case argCond:
			f.holds(c, r, &s.aggs[j], f.slot[j])
		}
	}
	var hits uint64
	for b := range p.counts {
		st := &p.counts[b]
		if (st.k < 0 || f.val[st.k]) && (st.col < 0 || r[st.col].T != TNull) {
			hits |= 1 << b
		}
	}
	p.hits = hits
	for fi := range s.fams {
		fam := &s.fams[fi]
		var m uint64
		if r[fam.col].T != TNull {
			for b, k := range fam.conds {
				if k < 0 || f.val[k] {
					m |= 1 << b
				}
			}
		}
		p.masks[fi] = m
	}
	p.row = r
}

// tabledArgs is plannedArgs under a tabled plan: the ranges first (they
// cannot fail, so checking them before any other argument is not seen),
// then the aggregates that load a value, in order, then hits and masks
// from the tables.
func (s *groupStage) tabledArgs(c *Ctx, r Row) {
	p, f := s.plan, s.conds
	cb := 0
	for k := range p.ranges {
		if p.ranges[k].holds(r) {
			cb |= 1 << k
		}
	}
	if p.visitConds {
		f.next()
		for k := range p.ranges {
			f.val[k], f.seen[k] = cb>>k&1 != 0, f.gen
		}
	}
	for _, j := range p.visit {
		s.valueArg(c, r, j)
	}
	hits := p.hitTab[cb]
	for _, st := range p.colSteps {
		if r[st.col].T == TNull {
			hits &^= st.bit
		}
	}
	p.hits = hits
	for fi := range s.fams {
		var m uint64
		if r[s.fams[fi].col].T != TNull {
			m = p.famTab[fi][cb]
		}
		p.masks[fi] = m
	}
	p.row = r
}

// valueArg loads aggregate j's argument of r into s.av (a split
// condition evaluated once per record; a tabled plan has set every
// condition's value before).
func (s *groupStage) valueArg(c *Ctx, r Row, j int) {
	sp := &s.aggs[j]
	if k := s.slotOf(j); k >= 0 {
		switch {
		case !s.conds.holds(c, r, sp, k):
			s.av[j] = Null
		case sp.ThenIsCol:
			s.av[j] = r[sp.ThenCol]
		default:
			s.av[j] = sp.Then(c, r)
		}
	} else if sp.ArgIsCol {
		s.av[j] = r[sp.ArgCol]
	} else if sp.Arg != nil {
		s.av[j] = sp.Arg(c, r)
	}
}

// slotOf is aggregate j's condition slot, -1 when it is not split.
func (s *groupStage) slotOf(j int) int32 {
	if s.conds == nil {
		return -1
	}
	return s.conds.slot[j]
}

// updatePlanned is updateCell under a plan: the aggregates that need
// their values first (an exact SUM that may overflow before them), then
// the counts and the shared sets.
func (s *groupStage) updatePlanned(c *Ctx, accs []accum, cid int32) {
	p := s.plan
	if cid != s.warmCid {
		s.warmSecond(cid)
	}
	sf := s.sumFirst
	if sf >= 0 {
		if accs[sf].update(c, &s.aggs[sf], &s.av[sf], s.dk[sf], s.seq); c.Err != nil {
			return // overflow: the sum and every other aggregate unchanged
		}
	}
	for _, j := range p.generic {
		if j != sf {
			accs[j].update(c, &s.aggs[j], &s.av[j], s.dk[j], s.seq)
		}
	}
	cn := s.cnts[int(cid)*p.nc : int(cid)*p.nc+p.nc]
	for h := p.hits; h != 0; h &= h - 1 {
		cn[p.counts[bits.TrailingZeros64(h)].slot]++
	}
	if s.fams != nil {
		s.updateFamilies(cn, cid)
	}
}

// result writes aggregate j's result in cell cid (whose states are accs)
// to dst: a planned count from the cell's counts, any other from its
// accum.
func (s *groupStage) result(c *Ctx, accs []accum, cid int32, j int, dst *Value) {
	if s.cnts != nil {
		if k := s.plan.cslot[j]; k >= 0 {
			aggSetInt(dst, s.cnts[int(cid)*s.plan.nc+int(k)])
			return
		}
	}
	accs[j].resultInto(c, &s.aggs[j], dst)
}

// warm prefetches each line the record will update in cell cid before
// updating any: the cell's planned counts, its shared sets, the first
// aggregate that loads a value, the group's key text and stored key, and
// the cell's record. In a cell not touched lately each is a cache miss;
// met one after another as the update goes they follow one another,
// prefetched here they overlap each other and the arguments' work.
func (s *groupStage) warm(cid, gid int32) {
	p := s.plan
	prefetch(unsafe.Pointer(&s.cnts[int(cid)*p.nc]))
	prefetch(unsafe.Pointer(&s.cnts[int(cid)*p.nc+p.nc-1]))
	if len(p.generic) > 0 {
		prefetch(unsafe.Pointer(&s.accs[int(cid)*s.na+p.generic[0]]))
	}
	if nf := len(s.fams); nf > 0 {
		prefetch(unsafe.Pointer(&s.msets[int(cid)*nf]))
		prefetch(unsafe.Pointer(&s.msets[int(cid)*nf+nf-1]))
	}
	if int(gid) < len(s.keyTexts) {
		prefetch(unsafe.Pointer(&s.keyTexts[gid]))
	}
	if s.nk > 0 {
		prefetch(unsafe.Pointer(&s.keys.vals[int(gid)*s.nk]))
	}
	prefetch(unsafe.Pointer(&s.cells[cid]))
}

// warmSecond prefetches, as warm, the lines found through those warm
// prefetched (by now, usually, in cache): the first value-loading
// aggregate's stored bytes, the table slot where each family's value of
// the record goes, the group's key text and its stored key's bytes.
func (s *groupStage) warmSecond(cid int32) {
	p := s.plan
	if len(p.generic) > 0 {
		if b := s.accs[int(cid)*s.na+p.generic[0]].s; len(b) > 0 {
			prefetch(unsafe.Pointer(&b[0]))
		}
	}
	sets := s.msets[int(cid)*len(s.fams) : int(cid)*len(s.fams)+len(s.fams)]
	for f := range sets {
		d := &sets[f]
		if p.masks[f] == 0 || d.tab == nil {
			continue
		}
		if w, ok := distinctWord(&p.row[s.fams[f].col]); ok && w != 0 {
			prefetch(unsafe.Pointer(d.slotAddr(distinctSlot(w, d.shift))))
		}
	}
	gid := s.cells[cid].gid
	if int(gid) < len(s.keyTexts) {
		if b := s.keyTexts[gid].b; len(b) > 0 {
			prefetch(unsafe.Pointer(&b[0]))
		}
	}
	keys := s.keys.key(gid)
	for i := range keys {
		if len(keys[i].S) > 0 {
			prefetch(unsafe.Pointer(&keys[i].S[0]))
		}
	}
}

// warmGroup warms (warm) the cell of group gid, whose first cell is f-1
// (its key slot's aux word: no window, no cell when 0), before the
// record's arguments are loaded and its key compared with gid's (Process
// warms the second lines, warmSecond, once the arguments are known): gid
// comes from keyIndex.peek and may be another group or -1. It notes the
// group and cell (s.warmGid, s.warmCid, -1 for none) so that the update
// does not warm them again and cellAt need not read the group's record.
func (s *groupStage) warmGroup(gid, f int32) {
	s.warmGid, s.warmCid = -1, -1
	if gid < 0 || s.kind != NoWindow {
		return
	}
	s.warmGid = gid
	if f == 0 {
		return
	}
	cid := f - 1
	s.warm(cid, gid)
	s.warmCid = cid
}
