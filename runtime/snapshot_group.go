package runtime

import (
	"cmp"
	"math"
	"slices"
)

// Group stage snapshot layout (after the version byte 'G'):
//
//	config: kind, size, slide, gap, final, #keys, #aggs, per agg (func, result type)
//	progress: watermark, arrival counter, late count
//	TUMBLE/HOP/none: #windows, per window in start order: start, end, #cells,
//	  per cell in creation order: key values, arrival, accumulators
//	SESSION: #sessions, per session: key values, start, end, arrival, accumulators
//
// A stage over a changelog input or with a changelog output (tag 'R'
// instead of 'G') adds to the config whether it retracts and whether it
// emits a changelog, and after each cell's accumulators its live rows, its
// visibility and, when it retracts, each aggregate's value counts (sorted
// by value key: key, copies, first and latest arrival).
//
// Group ids, free lists and scratch buffers are not saved: they do not
// change outputs. Cells keep their creation order within a window and
// their arrival numbers, which decide the order rows are emitted in.

const (
	snapGroupTag   = 'G'
	snapChangesTag = 'R'
)

func (s *groupStage) snapTag() uint8 {
	if s.track {
		return snapChangesTag
	}
	return snapGroupTag
}

// snapTrack encodes a cell's changelog state (tracking stages only).
func (s *groupStage) snapTrack(e *snapEnc, cid int32) {
	if !s.track {
		return
	}
	e.ivar(s.cells[cid].rows)
	e.bool(s.cells[cid].vis)
	if !s.retract {
		return
	}
	for j := range s.na {
		s.snapCounts(e, int(cid)*s.na+j) // group_change_num.go
	}
}

func (s *groupStage) restoreTrack(d *snapDec, cid int32) {
	if !s.track {
		return
	}
	s.cells[cid].rows = d.ivar()
	s.cells[cid].vis = d.bool()
	if !s.retract {
		return
	}
	for j := range s.na {
		s.restoreCounts(d, int(cid)*s.na+j)
	}
}

// Snapshot implements Checkpointer.
func (s *groupStage) Snapshot(dst []byte) ([]byte, error) {
	if s.hasUDF {
		return dst, ErrNotCheckpointable
	}
	e := snapEnc{b: dst}
	e.u8(snapVersion)
	e.u8(s.snapTag())
	s.snapConfig(&e)
	e.ivar(s.wm)
	e.ivar(s.seq)
	e.ivar(s.late)
	if s.kind == Session {
		e.uvar(uint64(len(s.heap)))
		for _, cid := range s.heap {
			ci := &s.cells[cid]
			e.valueList(s.keys.key(ci.gid))
			e.ivar(ci.start)
			e.ivar(ci.end)
			e.ivar(ci.seq)
			s.snapAccs(&e, cid)
			s.snapTrack(&e, cid)
		}
		return e.b, nil
	}
	e.uvar(uint64(len(s.wins.live)))
	for _, w := range s.wins.live {
		wi := &s.wins.wins[w]
		e.ivar(wi.start)
		e.ivar(wi.end)
		e.uvar(uint64(len(wi.cells)))
		for _, cid := range wi.cells {
			e.valueList(s.keys.key(s.cells[cid].gid))
			e.ivar(s.cells[cid].seq)
			s.snapAccs(&e, cid)
			s.snapTrack(&e, cid)
		}
	}
	return e.b, nil
}

func (s *groupStage) snapConfig(e *snapEnc) {
	e.u8(uint8(s.kind))
	e.ivar(s.size)
	e.ivar(s.slide)
	e.ivar(s.gap)
	e.bool(s.final)
	e.uvar(uint64(s.nk))
	e.uvar(uint64(s.na))
	for j := range s.aggs {
		e.u8(uint8(s.aggs[j].Func))
		e.u8(uint8(s.aggs[j].ResultType))
	}
	if s.track {
		e.bool(s.retract)
		e.bool(s.changelog)
	}
}

func (s *groupStage) snapAccs(e *snapEnc, cid int32) {
	for j := range s.na {
		a := &s.accs[int(cid)*s.na+j]
		if s.plan != nil && s.plan.cslot[j] >= 0 {
			// A planned count (agg_plan.go): encoded as its accum with the count.
			x := *a
			x.n = s.cnts[int(cid)*s.plan.nc+int(s.plan.cslot[j])]
			a = &x
		}
		if s.famOf == nil || s.famOf[j] < 0 {
			a.snapshot(e)
			continue
		}
		// A shared set's member: its values as a set of its own (agg_distinct_shared.go).
		f := int(s.famOf[j])
		a.snapshotFields(e)
		keys := s.msets[int(cid)*len(s.fams)+f].memberKeys(slices.Index(s.fams[f].members, j))
		snapKeys(e, keys)
	}
}

// snapshot encodes every field of an aggregate state (not UDF state).
func (a *accum) snapshot(e *snapEnc) {
	a.snapshotFields(e)
	if a.set == nil || a.set.len() == 0 {
		e.uvar(0)
		return
	}
	snapKeys(e, a.set.sortedKeys()) // sorted: equal states encode equally
}

// snapshotFields encodes the fields of an aggregate state before its
// distinct values.
func (a *accum) snapshotFields(e *snapEnc) {
	e.ivar(a.n)
	e.ivar(a.i)
	e.f64(a.f)
	e.f64(a.m2)
	e.ivar(a.seq)
	e.u8(uint8(a.t))
	e.u8(a.sc)
	e.bytes(a.s)
}

// snapKeys encodes distinct values' sorted keys.
func snapKeys(e *snapEnc, keys []string) {
	e.uvar(uint64(len(keys)))
	for _, k := range keys {
		e.uvar(uint64(len(k)))
		e.b = append(e.b, k...)
	}
}

func (a *accum) restore(d *snapDec) {
	a.n = d.ivar()
	a.i = d.ivar()
	a.f = d.f64()
	a.m2 = d.f64()
	a.seq = d.ivar()
	a.t = Type(d.u8())
	a.sc = d.u8()
	a.s = append(a.s[:0], d.bytes()...)
	n := d.count(1)
	if n == 0 {
		return
	}
	if a.set == nil {
		a.set = &distinctSet{}
	}
	for range n {
		a.set.addKey(d.bytes())
	}
}

// Restore implements Checkpointer. The stage's current state is dropped.
func (s *groupStage) Restore(b []byte) error {
	if s.hasUDF {
		return ErrNotCheckpointable
	}
	d := &snapDec{b: b}
	d.expect("snapshot version", int64(d.u8()), snapVersion)
	d.expect("stage kind (G = GROUP BY, R = GROUP BY over or into a changelog)", int64(d.u8()), int64(s.snapTag()))
	d.expect("window kind", int64(d.u8()), int64(s.kind))
	d.expect("window size", d.ivar(), s.size)
	d.expect("window slide", d.ivar(), s.slide)
	d.expect("session gap", d.ivar(), s.gap)
	d.expect("EMIT FINAL", int64(d.u8()), int64(b2u8(s.final)))
	d.expect("number of group keys", int64(d.uvar()), int64(s.nk))
	d.expect("number of aggregates", int64(d.uvar()), int64(s.na))
	for j := range s.aggs {
		d.expect("aggregate function", int64(d.u8()), int64(s.aggs[j].Func))
		d.expect("aggregate result type", int64(d.u8()), int64(s.aggs[j].ResultType))
	}
	if s.track {
		d.expect("input is a changelog", int64(d.u8()), int64(b2u8(s.retract)))
		d.expect("output is a changelog", int64(d.u8()), int64(b2u8(s.changelog)))
	}
	if d.err != nil {
		return d.err
	}
	s.reset()
	s.wm = d.ivar()
	s.seq = d.ivar()
	s.late = d.ivar()
	c := &Ctx{}
	if s.kind == Session {
		n := d.count(3)
		for range n {
			gid := s.restoreGroup(d)
			start, end, seq := d.ivar(), d.ivar(), d.ivar()
			if d.err != nil {
				break
			}
			cid := s.allocCell(c, gid, start, end)
			s.cells[cid].seq = seq
			s.restoreAccs(d, cid)
			s.restoreTrack(d, cid)
			g := &s.groups[gid]
			i, _ := slices.BinarySearchFunc(g.cells, start, func(x int32, t int64) int { return cmp.Compare(s.cells[x].start, t) })
			s.insertGroupCell(gid, i, cid)
			s.heapPush(cid)
		}
	} else {
		nw := d.count(3)
		for range nw {
			start, end := d.ivar(), d.ivar()
			nc := d.count(1)
			if d.err != nil {
				break
			}
			w := s.wins.get(start, end)
			for range nc {
				gid := s.restoreGroup(d)
				seq := d.ivar()
				if d.err != nil {
					break
				}
				cid := s.allocCell(c, gid, start, end)
				s.cells[cid].seq, s.cells[cid].win = seq, w
				s.restoreAccs(d, cid)
				s.restoreTrack(d, cid)
				s.cells[cid].wpos = int32(len(s.wins.wins[w].cells))
				s.wins.wins[w].cells = append(s.wins.wins[w].cells, cid)
				s.insertGroupCell(gid, len(s.groups[gid].cells), cid)
			}
		}
	}
	if err := d.done(); err != nil {
		s.reset()
		return err
	}
	return nil
}

// restoreGroup reads a key and returns its group, interning it if new.
func (s *groupStage) restoreGroup(d *snapDec) int32 {
	for i := range s.kv {
		s.kv[i] = d.value()
	}
	if d.err != nil {
		return -1
	}
	h := s.keys.hash(s.kv)
	gid, pos := s.keys.find(h, s.kv)
	if gid < 0 {
		gid = s.newGroup(h, pos)
	}
	return gid
}

func (s *groupStage) restoreAccs(d *snapDec, cid int32) {
	for j := range s.na {
		a := &s.accs[int(cid)*s.na+j]
		a.restore(d)
		if s.plan != nil && s.plan.cslot[j] >= 0 {
			s.cnts[int(cid)*s.plan.nc+int(s.plan.cslot[j])], a.n = a.n, 0
		}
		if s.famOf == nil || s.famOf[j] < 0 || a.set == nil {
			continue
		}
		// A shared set's member: its values join the family's set with its bit.
		f := int(s.famOf[j])
		ms, b := &s.msets[int(cid)*len(s.fams)+f], slices.Index(s.fams[f].members, j)
		a.set.eachKey(func(k []byte) { ms.addKey(k, b) })
		a.set = nil
	}
}

// reset empties the stage (fresh state, as after newGroupStage).
func (s *groupStage) reset() {
	s.keys = newKeyIndex(s.nk)
	s.groups, s.cells, s.accs, s.freeCells, s.heap, s.msets, s.cnts = nil, nil, nil, nil, nil, nil, nil
	s.vcs, s.slab, s.slabFree, s.npend, s.batching = nil, nil, nil, 0, false
	s.heaps, s.stale = nil, s.stale[:0]
	s.wins = windowSet{}
	s.wm, s.seq, s.late, s.empty = math.MinInt64, 0, 0, 0
	s.lastWs = math.MaxInt64
	s.warmGid, s.warmCid = -1, -1
}
