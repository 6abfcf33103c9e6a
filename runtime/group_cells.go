package runtime

// Cell bookkeeping of the group stage: a cell is one group in one window.

// newGroup interns the current key (s.kv) at table slot pos; the group
// starts without cells.
func (s *groupStage) newGroup(h uint64, pos uint64) int32 {
	return s.newGroupOf(h, pos, s.kv)
}

// newGroupOf interns key kv at table slot pos.
func (s *groupStage) newGroupOf(h uint64, pos uint64, kv []Value) int32 {
	gid := s.keys.insert(h, kv, pos)
	if int(gid) < len(s.keyTexts) {
		s.keyTexts[gid].ok = false // the id's key text was another group's
	}
	if int(gid) == len(s.groups) {
		s.groups = append(s.groups, groupInfo{})
	}
	s.groups[gid].cells = s.groups[gid].cells[:0]
	s.groups[gid].first = 0 // (and the new slot's aux word; a reused id's last cell left through setFirst)
	s.empty++
	return gid
}

// allocCell takes a cell from the free list and initialises its states.
func (s *groupStage) allocCell(c *Ctx, gid int32, start, end int64) int32 {
	var cid int32
	if n := len(s.freeCells); n > 0 {
		cid = s.freeCells[n-1]
		s.freeCells = s.freeCells[:n-1]
	} else {
		cid = int32(len(s.cells))
		s.cells = extend(s.cells, 1)
		if nf := len(s.fams); nf > 0 {
			s.msets = extend(s.msets, nf)
			for f := range s.fams {
				s.msets[int(cid)*nf+f].mbits = uint8(len(s.fams[f].members))
			}
		}
		if s.plan != nil {
			s.cnts = extend(s.cnts, s.plan.nc)
		}
		s.accs = extend(s.accs, s.na)
		if s.retract {
			s.vcs = extend(s.vcs, s.na)
			s.heaps = extend(s.heaps, s.na)
		}
	}
	s.cells[cid] = cellInfo{gid: gid, start: start, end: end, seq: s.seq}
	if !s.hasUDF {
		return cid
	}
	base := int(cid) * s.na
	for j := range s.aggs {
		if err := s.accs[base+j].init(c, &s.aggs[j]); err != nil {
			c.Err = err
			for k := range j {
				s.accs[base+k].reset(&s.aggs[k])
			}
			s.freeCells = append(s.freeCells, cid)
			return -1
		}
	}
	return cid
}

// releaseCell resets a cell's states and returns it to the free list. The
// caller removes it from its group's and window's lists.
func (s *groupStage) releaseCell(cid int32) {
	base := int(cid) * s.na
	for j := range s.aggs {
		s.accs[base+j].reset(&s.aggs[j])
	}
	for f := range s.fams {
		s.msets[int(cid)*len(s.fams)+f].reset()
	}
	if s.plan != nil {
		clear(s.cnts[int(cid)*s.plan.nc : int(cid)*s.plan.nc+s.plan.nc])
	}
	if s.vcs != nil {
		for j := range s.aggs {
			s.vcClear(base + j)
			s.heaps[base+j] = nil
		}
	}
	s.freeCells = append(s.freeCells, cid)
}

// cellIndex is the position in group gid's cell list of the first cell
// starting at or after ws (cells are sorted by start; the common case,
// a record in the newest window, is checked first).
func (s *groupStage) cellIndex(gid int32, ws int64) int {
	if s.kind == NoWindow {
		return 0 // at most one cell (cellAt reads it from first)
	}
	cells := s.groups[gid].cells
	n := len(cells)
	if n == 0 || s.cells[cells[n-1]].start < ws {
		return n
	}
	if s.cells[cells[n-1]].start == ws {
		return n - 1
	}
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.cells[cells[m]].start < ws {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// cellAt returns the cell of group gid in the window starting at ws,
// which is at position i of the group's list if it exists, creating it
// there otherwise.
func (s *groupStage) cellAt(c *Ctx, gid int32, i int, ws int64) int32 {
	if s.kind == NoWindow {
		if gid == s.warmGid { // warmGroup read it with the group's key slot
			if s.warmCid >= 0 {
				return s.warmCid
			}
		} else if f := s.groups[gid].first; f != 0 {
			return f - 1
		}
	} else if cells := s.groups[gid].cells; i < len(cells) && s.cells[cells[i]].start == ws {
		return cells[i]
	}
	end := ws + s.size
	if s.kind == NoWindow {
		end = EndOfTime
	}
	cid := s.allocCell(c, gid, ws, end)
	if cid < 0 {
		return -1
	}
	w := s.wins.get(ws, end)
	wi, ci := &s.wins.wins[w], &s.cells[cid]
	ci.win, ci.wpos = w, int32(len(wi.cells))
	wi.cells = append(wi.cells, cid)
	s.insertGroupCell(gid, i, cid)
	return cid
}

func (s *groupStage) insertGroupCell(gid int32, i int, cid int32) {
	g := &s.groups[gid]
	if len(g.cells) == 0 {
		s.empty--
	}
	g.cells = append(g.cells, 0)
	copy(g.cells[i+1:], g.cells[i:])
	g.cells[i] = cid
	s.setFirst(gid, g.cells[0]+1)
}

func (s *groupStage) removeGroupCell(gid, cid int32) {
	g := &s.groups[gid]
	for i, x := range g.cells {
		if x == cid {
			copy(g.cells[i:], g.cells[i+1:])
			g.cells = g.cells[:len(g.cells)-1]
			break
		}
	}
	if len(g.cells) == 0 {
		s.empty++
		s.setFirst(gid, 0)
	} else {
		s.setFirst(gid, g.cells[0]+1)
	}
}

// setFirst sets group gid's first cell (cid+1, 0 for none) and, when
// warmGroup reads it (a plan, no window), its copy in the group's key slot
// and warmGroup's note of it. Every change of a group's cells goes
// through here (insertGroupCell, removeGroupCell).
func (s *groupStage) setFirst(gid, f int32) {
	s.groups[gid].first = f
	if s.plan != nil && s.kind == NoWindow {
		s.keys.setAux(gid, f)
		if gid == s.warmGid {
			s.warmCid = f - 1
		}
	}
}
