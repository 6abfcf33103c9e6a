package runtime

import "errors"

// errNoMerge is set when a record bridges two sessions whose user
// aggregate cannot merge states.
var errNoMerge = errors.New("SESSION: record bridges two sessions but a user aggregate cannot merge states")

// processSession handles one record of a SESSION-window stage. A record at
// t spans [t, t+gap); it joins every open session of its group it overlaps
// or touches, merging them (as Flink does). Sessions of a group are kept
// sorted by start and are pairwise disjoint and non-touching.
func (s *groupStage) processSession(c *Ctx, h uint64, gid int32, pos uint64, t int64, out Downstream) {
	lo, hi := t, t+s.gap
	first, n := 0, 0
	if gid >= 0 {
		for i, cid := range s.groups[gid].cells {
			ci := &s.cells[cid]
			if ci.start > hi {
				break
			}
			if ci.end >= lo {
				if n == 0 {
					first = i
				}
				n++
			}
		}
	}
	if n == 0 && hi <= s.wm {
		s.rejectLate(c, t, hi)
		return
	}
	if n > 1 && !s.mergeable {
		c.Err = errNoMerge
		return
	}
	if n > 0 && len(s.exactSums) > 0 && s.sessionSumsOverflow(s.groups[gid].cells[first:first+n]) {
		c.Err = errSumOverflow // before any state changes: nothing counts the record
		return
	}
	if gid < 0 {
		gid = s.newGroup(h, pos)
	}
	if s.changelog && n > 0 { // rows keyed by the old bounds are replaced
		cells := s.groups[gid].cells[first : first+n]
		if n > 1 || lo < s.cells[cells[0]].start || hi > s.cells[cells[0]].end {
			for _, cid := range cells {
				s.deleteVisible(c, cid, out)
			}
		}
	}
	s.seq++
	var cid int32
	if n == 0 {
		cid = s.allocCell(c, gid, lo, hi)
		if cid < 0 {
			return
		}
		g := &s.groups[gid]
		i := 0
		for i < len(g.cells) && s.cells[g.cells[i]].start < lo {
			i++
		}
		s.insertGroupCell(gid, i, cid)
		s.heapPush(cid)
	} else {
		g := &s.groups[gid]
		cid = g.cells[first]
		ci := &s.cells[cid]
		for _, other := range g.cells[first+1 : first+n] {
			o := &s.cells[other]
			dst := s.accs[int(cid)*s.na : int(cid)*s.na+s.na]
			src := s.accs[int(other)*s.na : int(other)*s.na+s.na]
			for j := range dst {
				dst[j].merge(c, &s.aggs[j], &src[j])
			}
			ostart, oend, oseq := o.start, o.end, o.seq
			s.heapRemove(int(o.win))
			s.releaseCell(other)
			ci.start, ci.end, ci.seq = min(ci.start, ostart), max(ci.end, oend), min(ci.seq, oseq)
			s.heapFix(int(ci.win))
		}
		g.cells = append(g.cells[:first+1], g.cells[first+n:]...)
		ci.start, ci.end = min(ci.start, lo), max(ci.end, hi)
		s.heapFix(int(ci.win))
	}
	if s.track {
		s.touch(c, cid, out, false)
		s.updateCell(c, cid)
		return
	}
	s.updateCell(c, cid)
	if !s.final {
		s.emitCell(c, cid, out)
	}
}

// closeSessions emits (EMIT FINAL) and frees sessions with end <= watermark
// in (end, start, first-seen) order.
func (s *groupStage) closeSessions(c *Ctx, out Downstream) {
	for len(s.heap) > 0 {
		cid := s.heap[0]
		if s.cells[cid].end > s.wm {
			return
		}
		if s.final {
			s.emitCell(c, cid, out)
		}
		s.heapRemove(0)
		s.removeGroupCell(s.cells[cid].gid, cid)
		s.releaseCell(cid)
	}
}

// The session heap stores cell ids; cellInfo.win holds a cell's heap index.

func (s *groupStage) heapLess(i, j int) bool {
	a, b := &s.cells[s.heap[i]], &s.cells[s.heap[j]]
	if a.end != b.end {
		return a.end < b.end
	}
	if a.start != b.start {
		return a.start < b.start
	}
	return a.seq < b.seq
}

func (s *groupStage) heapSwap(i, j int) {
	s.heap[i], s.heap[j] = s.heap[j], s.heap[i]
	s.cells[s.heap[i]].win = int32(i)
	s.cells[s.heap[j]].win = int32(j)
}

func (s *groupStage) heapUp(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !s.heapLess(i, p) {
			return
		}
		s.heapSwap(i, p)
		i = p
	}
}

func (s *groupStage) heapDown(i int) bool {
	start := i
	n := len(s.heap)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && s.heapLess(r, l) {
			m = r
		}
		if !s.heapLess(m, i) {
			break
		}
		s.heapSwap(i, m)
		i = m
	}
	return i > start
}

func (s *groupStage) heapPush(cid int32) {
	s.heap = append(s.heap, cid)
	s.cells[cid].win = int32(len(s.heap) - 1)
	s.heapUp(len(s.heap) - 1)
}

func (s *groupStage) heapFix(i int) {
	if !s.heapDown(i) {
		s.heapUp(i)
	}
}

func (s *groupStage) heapRemove(i int) {
	n := len(s.heap) - 1
	if i != n {
		s.heapSwap(i, n)
	}
	s.heap = s.heap[:n]
	if i < n {
		s.heapFix(i)
	}
}

// sessionSumsOverflow reports whether an exact SUM would overflow when the
// record joins the sessions cells (merging them). DISTINCT sums are
// checked against the first session only (their union is not simulated).
func (s *groupStage) sessionSumsOverflow(cells []int32) bool {
	for _, j := range s.exactSums {
		sp := &s.aggs[j]
		tmp := s.accs[int(cells[0])*s.na+j] // a copy: only its sum changes
		if !sp.Distinct {
			for _, other := range cells[1:] {
				if o := &s.accs[int(other)*s.na+j]; o.n > 0 && !tmp.addExact(o.i, o.sc) {
					return true
				}
			}
		}
		if tmp.sumOverflows(sp, &s.av[j], s.dk[j]) {
			return true
		}
	}
	return false
}
