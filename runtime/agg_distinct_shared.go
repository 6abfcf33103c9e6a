package runtime

import (
	"math/bits"
	"slices"
)

// Shared distinct sets. COUNT(DISTINCT x) and COUNT(DISTINCT CASE WHEN c
// THEN x END) of one stage often count the same column under different
// conditions (Nexmark q15–q17, Flink's COUNT(DISTINCT x) FILTER (WHERE c)).
// Instead of one set per aggregate, each cell keeps one set per such
// column (a family), and each value in it a bit per aggregate that has
// counted it: a record costs one lookup per column instead of one per
// aggregate, and the cell holds each value once (Flink's DistinctAggregate
// view shares its state the same way). A member's count is one of the
// cell's planned counts (agg_plan.go); its set is the values with its bit.
//
// Families exist only under a plan (agg_plan.go: an append-only input
// without session windows or user aggregates): retraction keeps counts
// per value instead (group_change.go) and session merges fold sets
// (session.go). Checkpoints encode each member's values
// as they encode a set of its own, so a checkpoint does not depend on
// whether the values were shared.

// distinctFamily is the COUNT(DISTINCT) aggregates that share one set:
// bit b of a value's mask stands for aggregate members[b].
type distinctFamily struct {
	members []int
	conds   []int32 // per member: its condition's slot (aggConds), -1 for none
	slots   []int32 // per member: its count's slot among the cell's planned counts (newAggPlan)
	col     int     // the column counted
}

// maxFamily bounds a family's members (a mask is a uint64).
const maxFamily = 64

// distinctFamilies groups the stage's COUNT(DISTINCT) aggregates whose
// argument, when not NULL, is the same column: the column itself
// (ArgIsCol), or CASE WHEN c THEN column END split by aggConds. famOf[j]
// is aggregate j's family, -1 for none; both are nil when no two
// aggregates share a column.
func distinctFamilies(aggs []AggSpec, conds *aggConds) (fams []distinctFamily, famOf []int8) {
	colOf := func(j int) int {
		sp := &aggs[j]
		if sp.Func != CountDistinct || sp.Ordered {
			return -1
		}
		if conds != nil && conds.slot[j] >= 0 {
			if sp.ThenIsCol {
				return sp.ThenCol
			}
			return -1
		}
		if sp.ArgIsCol && sp.Cond == nil {
			return sp.ArgCol
		}
		return -1
	}
	byCol := map[int]int{}
	for j := range aggs {
		col := colOf(j)
		if col < 0 {
			continue
		}
		f, ok := byCol[col]
		if !ok || len(fams[f].members) == maxFamily {
			f = len(fams)
			byCol[col] = f
			fams = append(fams, distinctFamily{})
		}
		k := int32(-1)
		if conds != nil {
			k = conds.slot[j]
		}
		fams[f].members = append(fams[f].members, j)
		fams[f].conds = append(fams[f].conds, k)
		fams[f].col = col
	}
	fams = slices.DeleteFunc(fams, func(f distinctFamily) bool { return len(f.members) < 2 })
	if len(fams) == 0 || len(fams) > 127 {
		return nil, nil
	}
	famOf = make([]int8, len(aggs))
	for j := range famOf {
		famOf[j] = -1
	}
	for f := range fams {
		for _, j := range fams[f].members {
			famOf[j] = int8(f)
		}
	}
	return fams, famOf
}

// updateFamilies counts the current record in each family of cell cid
// (its value and mask worked out by plannedArgs; cn the cell's counts):
// one lookup per family, and each member whose bit the value did not have
// yet counts one more.
func (s *groupStage) updateFamilies(cn []int64, cid int32) {
	p := s.plan
	sets := s.msets[int(cid)*len(s.fams) : int(cid)*len(s.fams)+len(s.fams)]
	for f := range s.fams {
		m := p.masks[f]
		if m == 0 {
			continue
		}
		v := &p.row[s.fams[f].col]
		var dk []byte
		if !distinctWordType(v.T) {
			s.kb = aggDistinctKey(s.kb[:0], *v)
			dk = s.kb
		}
		slots := s.fams[f].slots
		for nb := sets[f].add(v, dk, m); nb != 0; nb &= nb - 1 {
			cn[slots[bits.TrailingZeros64(nb)]]++
		}
	}
}

// maskSet is a family's set: distinctSet's representation (words of one
// word type in an open-addressing table, the first few inline, any other
// value by its aggDistinctKey in a map), each value with its mask.
//
// The table packs a word and its mask into one uint64 (packs) while
// every word fits beside a mask of mbits bits; the first word that does
// not (a negative or huge number, most DOUBLEs) widens it to two uint64s
// per entry, word then mask. Packed, a family's sets take half the memory,
// and a cell's sets, touched once each by a record, miss the cache less.
//
// What a lookup reads comes first and a set is 128 bytes: in a cell's
// sets (s.msets, whose backing array is page-aligned once large) each
// set's lookup fields sit in one cache line.
type maskSet struct {
	wt     Type  // the type of the words (TNull: none yet)
	shift  uint8 // 64 − log2(entries in tab)
	nsmall uint8 // entries in small (while tab is nil)
	mbits  uint8 // the family's members: bits of a mask (0: never packed)
	wide   bool  // tab holds (word, mask) pairs, not packed entries
	zero   uint64
	tab    []uint64 // power-of-two table of entries; a zero word marks a free one
	nw     int      // entries in tab
	other  map[string]uint64
	small  [maskSmall]maskEntry
	_      [8]byte
}

// maskEntry is a nonzero word and its mask (nonzero once held).
type maskEntry struct{ w, m uint64 }

// maskSmall is the number of words a set holds without a table.
const maskSmall = 4

// maskZigzag maps a word to one that is small when the word, as an
// int64, is near zero (a bijection: 0 stays 0).
func maskZigzag(w uint64) uint64 { return w<<1 ^ uint64(int64(w)>>63) }

// maskUnzigzag inverts maskZigzag.
func maskUnzigzag(z uint64) uint64 { return z>>1 ^ -(z & 1) }

// packs reports whether word w packs beside a mask of d.mbits bits, and
// its packed word.
func (d *maskSet) packs(w uint64) (uint64, bool) {
	z := maskZigzag(w)
	return z, d.mbits != 0 && d.mbits < 64 && z>>(64-d.mbits) == 0
}

// entries is the table's capacity in entries.
func (d *maskSet) entries() int {
	if d.wide {
		return len(d.tab) / 2
	}
	return len(d.tab)
}

// slotAddr is the address of table entry i (to prefetch it).
func (d *maskSet) slotAddr(i uint64) *uint64 {
	if d.wide {
		return &d.tab[2*i]
	}
	return &d.tab[i]
}

// add records v (non-NULL; dk its aggDistinctKey encoding when v is not
// of a word type) with the bits m, and returns the bits of m that v did
// not have.
func (d *maskSet) add(v *Value, dk []byte, m uint64) uint64 {
	if w, ok := distinctWord(v); ok {
		if v.T == d.wt || d.wt == TNull {
			d.wt = v.T
			return d.addWord(w, m)
		}
		var buf [16]byte // a second word type: kept by its key
		dk = aggDistinctKey(buf[:0], *v)
	}
	if d.other == nil {
		d.other = make(map[string]uint64)
	}
	old := d.other[string(dk)]
	if nb := m &^ old; nb != 0 {
		d.other[string(dk)] = old | m
		return nb
	}
	return 0
}

func (d *maskSet) addWord(w, m uint64) uint64 {
	if w == 0 {
		nb := m &^ d.zero
		d.zero |= m
		return nb
	}
	if d.tab == nil {
		for i := range d.small[:d.nsmall] {
			if e := &d.small[i]; e.w == w {
				nb := m &^ e.m
				e.m |= m
				return nb
			}
		}
		if int(d.nsmall) < len(d.small) {
			d.small[d.nsmall] = maskEntry{w, m}
			d.nsmall++
			return m
		}
		d.newTable(16, w) // the small entries and w move to a table
		for _, e := range d.small {
			d.put(e)
		}
		d.nw, d.nsmall = len(d.small), 0
		d.put(maskEntry{w, m})
		d.nw++
		return m
	}
	if d.wide {
		return d.addWide(w, m)
	}
	z, ok := d.packs(w)
	if !ok {
		d.widen()
		return d.addWide(w, m)
	}
	mb := d.mbits
	mask := uint64(len(d.tab) - 1)
	for i := distinctSlot(w, d.shift); ; i = (i + 1) & mask {
		e := &d.tab[i]
		switch *e >> mb {
		case z:
			nb := m &^ *e
			*e |= m
			return nb
		case 0:
			*e = z<<mb | m
			d.nw++
			if 4*d.nw > 3*len(d.tab) {
				d.grow()
			}
			return m
		}
	}
}

// addWide is addWord's table lookup in a wide table.
func (d *maskSet) addWide(w, m uint64) uint64 {
	mask := uint64(len(d.tab)/2 - 1)
	for i := distinctSlot(w, d.shift); ; i = (i + 1) & mask {
		e := d.tab[2*i : 2*i+2]
		switch e[0] {
		case w:
			nb := m &^ e[1]
			e[1] |= m
			return nb
		case 0:
			e[0], e[1] = w, m
			d.nw++
			if 4*d.nw > 3*(len(d.tab)/2) {
				d.grow()
			}
			return m
		}
	}
}

// newTable gives the set an empty table of n entries, packed when every
// word it will hold (the small ones and w) packs.
func (d *maskSet) newTable(n int, w uint64) {
	_, ok := d.packs(w)
	d.wide = !ok
	for _, e := range d.small[:d.nsmall] {
		if _, ok := d.packs(e.w); !ok {
			d.wide = true
		}
	}
	if d.wide {
		d.tab = make([]uint64, 2*n)
	} else {
		d.tab = make([]uint64, n)
	}
	d.shift = uint8(64 - bits.TrailingZeros(uint(n)))
}

// each calls f with each entry of the table.
func (d *maskSet) each(f func(e maskEntry)) {
	if d.wide {
		for i := 0; i < len(d.tab); i += 2 {
			if d.tab[i] != 0 {
				f(maskEntry{d.tab[i], d.tab[i+1]})
			}
		}
		return
	}
	low := uint64(1)<<d.mbits - 1
	for _, x := range d.tab {
		if x != 0 {
			f(maskEntry{maskUnzigzag(x >> d.mbits), x & low})
		}
	}
}

// put stores e, whose word is known to be absent and nonzero (and, in a
// packed table, to pack), in the table (which has room).
func (d *maskSet) put(e maskEntry) {
	if d.wide {
		mask := uint64(len(d.tab)/2 - 1)
		i := distinctSlot(e.w, d.shift)
		for d.tab[2*i] != 0 {
			i = (i + 1) & mask
		}
		d.tab[2*i], d.tab[2*i+1] = e.w, e.m
		return
	}
	mask := uint64(len(d.tab) - 1)
	i := distinctSlot(e.w, d.shift)
	for d.tab[i] != 0 {
		i = (i + 1) & mask
	}
	z, _ := d.packs(e.w)
	d.tab[i] = z<<d.mbits | e.m
}

// grow doubles the table's entries.
func (d *maskSet) grow() {
	d.rebuild(2*d.entries(), d.wide)
}

// widen makes a packed table wide (a word that does not pack came), with
// room for its entries and one more.
func (d *maskSet) widen() {
	n := 16
	for 4*(d.nw+1) > 3*n {
		n *= 2
	}
	d.rebuild(n, true)
}

// rebuild moves the table's entries into a new table of n entries.
func (d *maskSet) rebuild(n int, wide bool) {
	old := *d
	if d.wide = wide; wide {
		d.tab = make([]uint64, 2*n)
	} else {
		d.tab = make([]uint64, n)
	}
	d.shift = uint8(64 - bits.TrailingZeros(uint(n)))
	old.each(d.put)
}

// reset empties the set, keeping a small table and map for reuse.
func (d *maskSet) reset() {
	if d.entries() > distinctMaxSlots {
		d.tab, d.shift = nil, 0
	} else {
		clear(d.tab)
	}
	if len(d.other) > maxKeptDistinct {
		d.other = nil
	} else {
		clear(d.other)
	}
	d.wt, d.nw, d.nsmall, d.zero = TNull, 0, 0, 0
}

// memberKeys returns the aggDistinctKey encodings of the values with bit
// b, sorted, as distinctSet.sortedKeys does for a set of its own.
func (d *maskSet) memberKeys(b int) []string {
	bit := uint64(1) << b
	var keys []string
	var buf []byte
	word := func(w, m uint64) {
		if m&bit != 0 {
			buf = aggDistinctKey(buf[:0], wordValue(d.wt, w))
			keys = append(keys, string(buf))
		}
	}
	word(0, d.zero)
	for _, e := range d.small[:d.nsmall] {
		word(e.w, e.m)
	}
	d.each(func(e maskEntry) { word(e.w, e.m) })
	for k, m := range d.other {
		if m&bit != 0 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// addKey records the value whose aggDistinctKey encoding is k (a
// checkpoint's) with bit b, and reports whether it was new to b.
func (d *maskSet) addKey(k []byte, b int) bool {
	v := keyWordValue(k)
	return d.add(&v, k, 1<<b) != 0
}
