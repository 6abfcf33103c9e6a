package runtime

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"unsafe"
)

// Changelogs through the group stage (SPEC §2 "Changelogs: results that
// update").
//
// Input (GroupConfig.Retract, no window): the stage implements
// RetractStage. Each cell counts its live input rows; COUNT, SUM, AVG and
// VARIANCE/STDDEV subtract; MIN, MAX, FIRST_VALUE, LAST_VALUE and the
// DISTINCT aggregates keep per-cell value counts (vcs: value key → entry in
// a slab). DOUBLE sums are compensated (Neumaier; accum.m2 holds the
// compensation), so integral values sum exactly and others stay within a
// few ulps of a batch recomputation. Variances keep double-double sums of
// the values and their squares (agg_ddvar.go).
// FIRST_VALUE/LAST_VALUE order values by arrival: a value keeps the arrival
// of its first (FIRST) or latest (LAST) copy while any copy is live.
// GROUP_CONCAT rebuilds its result from the value counts after each change
// (rConcat).
//
// Output (GroupConfig.Changelog): a changed cell is pending until the
// record (or, through ExecuteChange, the whole change: retraction and
// insertion) is done, then emitted once: Upsert when HAVING holds, else
// Delete of the row last upserted if it was visible. A cell whose rows are
// all retracted is deleted and freed, except a global aggregate, which
// upserts its empty-input row. The row last upserted is the cell's state
// before the change (every change of a visible cell emits), saved only
// when a delete can follow: under HAVING, or when the retraction empties
// the cell.

// errNoRetract is set when Retract reaches a stage that keeps no
// retraction state (the planner does not build such queries).
var errNoRetract = errors.New("GROUP BY cannot retract rows: the query was not planned over a changelog")

// vcEntry counts the live copies of one value of a cell's aggregate, with
// the arrival numbers of its first and latest copy.
type vcEntry struct {
	n, first, last int64
	key            string // the map's key (shared), for heaps
}

// pendCell is a cell changed by the current record or change, with the
// row it last upserted when a delete can follow.
type pendCell struct {
	cid    int32
	hasPre bool
	pre    Row
	buf    []byte
}

// sharesCounts reports whether aggregate b can read the value counts of
// aggregate a (both MIN/MAX/FIRST/LAST of the same input column).
func sharesCounts(a, b *AggSpec) bool {
	picked := func(x *AggSpec) bool {
		switch x.Func {
		case Min, Max, FirstValue, LastValue:
			return x.ArgIsCol && !x.Distinct
		}
		return false
	}
	return picked(a) && picked(b) && a.ArgCol == b.ArgCol
}

// beginChange and endChange bracket one ExecuteChange: cells changed in
// between are emitted once, at endChange.
func (s *groupStage) beginChange() { s.batching = s.track }

func (s *groupStage) endChange(c *Ctx, out Downstream) {
	if s.batching {
		s.batching = false
		if s.npend > 0 || len(s.stale) > 0 {
			s.flush(c, out)
		}
	}
}

// changeBatcher is implemented by stages that coalesce one change.
type changeBatcher interface {
	beginChange()
	endChange(c *Ctx, out Downstream)
}

var (
	_ RetractStage  = (*groupStage)(nil)
	_ changeBatcher = (*groupStage)(nil)
)

// changeOut returns out as a ChangeDownstream (nil if it is not one) and
// whether it may refuse an upsert (a HAVING clause). A Pipeline, the
// downstream of a partition loop, is recognised without an interface
// assertion.
func changeOut(out Downstream) (ChangeDownstream, bool) {
	if p, ok := out.(*Pipeline); ok {
		return p, p.Having != nil
	}
	cd, _ := out.(ChangeDownstream)
	if h, ok := out.(havingReporter); ok {
		return cd, h.hasHaving()
	}
	return cd, true
}

// havingReporter is a downstream that says whether it applies a HAVING.
type havingReporter interface{ hasHaving() bool }

// noCells reports whether no group has a cell.
func (s *groupStage) noCells() bool {
	for _, w := range s.wins.live {
		if len(s.wins.wins[w].cells) > 0 {
			return false
		}
	}
	return len(s.heap) == 0
}

// processTracked is Process for a stage with changelog input or output,
// from the group's cell position i.
func (s *groupStage) processTracked(c *Ctx, gid int32, i int, first, last int64, out Downstream) {
	if !s.retract {
		if len(s.exactSums) > 0 && (s.sumFirst < 0 || first != last) && s.sumsOverflow(c, gid, i, first, last) {
			return // dead-lettered: no aggregate of any window counts it
		}
		if !s.batching {
			// Append-only input: each cell changes once; emit it right
			// after its update, without the pending list.
			cd, having := changeOut(out)
			if len(s.pend) == 0 {
				s.pend = append(s.pend, pendCell{})
			}
			p := &s.pend[0]
			for ws := first; ws <= last; ws += s.slide {
				cid := s.cellAt(c, gid, i, ws)
				if cid < 0 {
					return
				}
				i++
				if s.plan != nil && cid != s.warmCid {
					s.warm(cid, gid)
				}
				p.cid, p.hasPre = cid, false
				keeps := s.keepsRow(cid)
				if having && s.cells[cid].vis && !keeps {
					s.stash(c, p)
				}
				s.updateCell(c, cid)
				if c.Err != nil {
					return
				}
				if !keeps {
					s.emitOne(c, p, cd, out)
				}
			}
			return
		}
	}
	for ws := first; ws <= last; ws += s.slide {
		cid := s.cellAt(c, gid, i, ws)
		if cid < 0 {
			break
		}
		i++
		if !s.keepsRow(cid) {
			s.touch(c, cid, out, false)
		}
		if s.retract {
			s.rApply(c, cid, 1)
		} else {
			s.updateCell(c, cid)
		}
		if c.Err != nil {
			break
		}
	}
	if !s.batching {
		s.flush(c, out)
	}
}

// Retract implements RetractStage: r, an input row processed earlier,
// leaves its group.
func (s *groupStage) Retract(c *Ctx, r Row, _ int64, out Downstream) {
	if !s.retract {
		c.Err = errNoRetract
		return
	}
	kv := s.keysOf(c, r)
	s.retractArgs(c, r)
	if c.Err != nil {
		return
	}
	gid, _ := s.keys.find(s.keys.hash(kv), kv)
	if gid < 0 || len(s.groups[gid].cells) == 0 {
		return // never inserted: nothing to take back
	}
	cid := s.groups[gid].cells[0]
	if s.cells[cid].rows == 0 {
		return
	}
	s.touch(c, cid, out, true)
	s.rApply(c, cid, -1)
	if !s.batching {
		s.flush(c, out)
	}
}

// keysOf returns r's group key: the row's own value when the key is one
// column (not copied), else s.kv loaded by rowKeys.
func (s *groupStage) keysOf(c *Ctx, r Row) []Value {
	if k := s.oneKeyCol; k >= 0 {
		return r[k : k+1 : k+1]
	}
	s.rowKeys(c, r)
	return s.kv
}

// rowKeys loads r's group key into s.kv.
func (s *groupStage) rowKeys(c *Ctx, r Row) {
	for i, e := range s.keyExprs {
		if s.keyCols != nil && s.keyCols[i] >= 0 {
			s.kv[i] = r[s.keyCols[i]]
		} else {
			s.kv[i] = e(c, r)
		}
	}
}

// retractArgs loads the aggregate arguments of r, a row to retract, into
// s.av (and the distinct keys into s.dk). When every argument is a column
// and no aggregate is DISTINCT, that is s.cur alone (inlined).
func (s *groupStage) retractArgs(c *Ctx, r Row) {
	if len(s.argExprs) == 0 && !s.hasDistinct {
		s.cur = r
		return
	}
	s.retractArgsAll(c, r)
}

func (s *groupStage) retractArgsAll(c *Ctx, r Row) {
	s.loadArgs(c, r)
	if c.Err != nil || !s.hasDistinct {
		return
	}
	for j := range s.aggs {
		if v := s.arg(j); s.aggs[j].keepsSet() && v.T != TNull {
			s.dk[j] = aggDistinctKey(s.dk[j][:0], *v)
		}
	}
}

// loadArgs makes r the row whose aggregate arguments the retraction
// functions read (s.arg): a column is read in place, an expression is
// evaluated into s.av.
func (s *groupStage) loadArgs(c *Ctx, r Row) {
	s.cur = r
	for _, j := range s.argExprs {
		s.av[j] = s.aggs[j].Arg(c, r)
	}
}

// arg returns the argument of aggregate j in the current row (loadArgs;
// Process loads s.av and sets s.cur alike).
func (s *groupStage) arg(j int) *Value {
	if col := s.argAt[j]; col >= 0 {
		return &s.cur[col]
	}
	return &s.av[j]
}

// insertArgs loads the aggregate arguments of r, a row to insert, as
// Process does (s.cur alone, inlined, as retractArgs).
func (s *groupStage) insertArgs(c *Ctx, r Row) {
	if len(s.argExprs) == 0 && !s.hasDistinct {
		s.cur = r
		return
	}
	s.insertArgsAll(c, r)
}

func (s *groupStage) insertArgsAll(c *Ctx, r Row) {
	s.loadArgs(c, r)
	if c.Err != nil || !s.hasDistinct {
		return
	}
	for j := range s.aggs {
		if p := s.arg(j); s.aggs[j].keepsSet() && p.T != TNull {
			v := *p
			if s.aggs[j].Ordered { // distinct by the text, not the sort key
				v.S = orderedText(v.S)
			}
			s.dk[j] = aggDistinctKey(s.dk[j][:0], v)
		}
	}
}

// changeAt is Pipeline.ExecuteChangeAt's work for a group stage: the
// change, between beginChange and endChange, with the hints at (of old)
// and the result (of new).
func (s *groupStage) changeAt(c *Ctx, p *Pipeline, old, new Row, et int64, at uint32) uint32 {
	s.atIn, s.atOut = at, 0
	s.beginChange()
	s.executeChange(c, p, old, new, et)
	s.endChange(c, p)
	at, s.atIn, s.atOut = s.atOut, 0, 0
	return at
}

// executeChange is Pipeline.ExecuteChange's work for a group stage (between
// beginChange and endChange).
func (s *groupStage) executeChange(c *Ctx, p *Pipeline, old, new Row, et int64) {
	if p.Filter != nil {
		if old != nil && !p.passes(c, old) {
			old = nil
		}
		if new != nil && c.Err == nil && !p.passes(c, new) {
			new = nil
		}
		if c.Err != nil {
			return
		}
	}
	if old == nil || new == nil || !s.retract || s.kind != NoWindow || !s.change(c, old, new, p) {
		applyChange(c, p, s, old, new, et)
	}
}

// change applies a change whose old and new rows both pass WHERE: old (a
// row processed earlier) leaves its group and new joins its own, as
// Retract then Process would do (no window), with the same restoration of
// old when the insertion fails; but each key is hashed once, and when new
// has old's group key the group's cell, found once, serves both. It
// reports false, having changed nothing, when it leaves the change to
// Retract and Process (old not counted).
func (s *groupStage) change(c *Ctx, old, new Row, out Downstream) bool {
	var h uint64
	cid, gid := s.hintedCell(old)
	if cid < 0 {
		kv := s.keysOf(c, old)
		if c.Err != nil {
			return true // Retract would stop here: nothing changed
		}
		h = s.keys.hash(kv)
		gid, _ = s.keys.find(h, kv)
		if gid < 0 || len(s.groups[gid].cells) == 0 {
			return false
		}
		cid = s.groups[gid].cells[0]
		if s.cells[cid].rows == 0 {
			return false
		}
	} else {
		h = s.keys.hashes[gid]
	}
	var h2 uint64
	var kv []Value
	same := s.sameKeyCols(old, new)
	if !same {
		kv = s.keysOf(c, new)
		if c.Err != nil {
			return true // Process(new) would fail here, and old be put back
		}
		h2 = s.keys.hash(kv)
		same = h2 == h && s.keys.equal(gid, kv)
	}
	s.retractArgs(c, old)
	if c.Err != nil {
		return true
	}
	if same && !s.hasUDF {
		if m, n := s.changedArgs(old, new); n < s.na {
			if n == 0 && s.quietUnchanged() {
				s.changeSome(c, cid, old, new, m) // (an arrival: nothing to apply or emit)
				s.atOut = uint32(cid) + 1
				return true
			}
			if s.changelog && s.npend == 0 {
				if cd, having := changeOut(out); cd != nil && !having {
					s.changeCell(c, cid, old, new, m, cd, out)
					return true
				}
			}
			s.touch(c, cid, out, false)
			if s.changeSome(c, cid, old, new, m); c.Err == nil {
				s.atOut = uint32(cid) + 1
			}
			return true
		}
	}
	var gid2 int32 = -1
	var pos uint64
	if !same {
		gid2, pos = s.keys.find(h2, kv)
		if gid2 >= 0 && s.changelog && s.npend == 0 && s.cells[cid].rows > 1 {
			if cells := s.groups[gid2].cells; len(cells) == 1 {
				if cd, having := changeOut(out); cd != nil && !having {
					s.moveRow(c, cid, cells[0], old, new, cd, out)
					return true
				}
			}
		}
	}
	s.touch(c, cid, out, !same)
	if s.rApply(c, cid, -1); c.Err != nil {
		return true
	}
	s.insertArgs(c, new)
	s.seq++
	if c.Err == nil {
		if same {
			if s.rApply(c, cid, 1); c.Err == nil {
				s.atOut = uint32(cid) + 1
			}
		} else {
			// Process(new) without a window, its key hashed already.
			if gid2 < 0 {
				gid2 = s.newGroupOf(h2, pos, kv)
			}
			s.processTracked(c, gid2, s.cellIndex(gid2, 0), 0, 0, out)
			if cells := s.groups[gid2].cells; c.Err == nil && len(cells) == 1 {
				s.atOut = uint32(cells[0]) + 1
			}
		}
	}
	if c.Err != nil {
		s.putBack(c, cid, old) // the insertion failed (a SUM overflow)
	}
	return true
}

// putBack counts old in cell cid again after its replacement failed to
// insert (c.Err, which it keeps).
func (s *groupStage) putBack(c *Ctx, cid int32, old Row) {
	err := c.Err
	c.Err = nil
	s.insertArgs(c, old)
	s.seq++
	s.rApply(c, cid, 1)
	c.Err = err
}

// changeCell applies a change within cell cid to the aggregates of mask m
// (changeSome) and upserts the cell's row, as touch, changeSome and flush
// would, without the pending list: nothing else is pending, and without
// HAVING the row is upserted whatever it is (no delete can follow, so no
// row to save beforehand); the cell keeps its rows, so it is not freed.
func (s *groupStage) changeCell(c *Ctx, cid int32, old, new Row, m uint64, cd ChangeDownstream, out Downstream) {
	if s.changeSome(c, cid, old, new, m); c.Err != nil {
		return
	}
	if len(s.stale) > 0 {
		s.resolveStale()
	}
	s.atOut = uint32(cid) + 1
	s.upsertCell(c, cid, cd, out)
}

// upsertCell is emitOne of cell cid, which nothing but the current change
// touched, without HAVING (changeCell, moveRow): written straight into a
// group-keyed pipeline's output row when it can be (emitDirect).
func (s *groupStage) upsertCell(c *Ctx, cid int32, cd ChangeDownstream, out Downstream) {
	if pl, ok := out.(*Pipeline); ok && pl.groupKeyed() && s.emitDirect(c, pl, cid) {
		return
	}
	if len(s.pend) == 0 {
		s.pend = append(s.pend, pendCell{})
	}
	p := &s.pend[0] // (free: nothing is pending)
	p.cid, p.hasPre = cid, false
	s.emitOne(c, p, cd, out)
}

// moveRow applies a change whose old row leaves cell cid and whose new
// row joins cell cid2 of another group, and upserts both cells' rows, as
// touch, rApply, processTracked and flush would, without the pending list:
// nothing else is pending, and without HAVING each row is upserted
// whatever it is; cid keeps rows (the caller saw more than one), so it is
// not deleted, and cid2 exists already, so it is not freed on a failure.
func (s *groupStage) moveRow(c *Ctx, cid, cid2 int32, old, new Row, cd ChangeDownstream, out Downstream) {
	if s.rApply(c, cid, -1); c.Err != nil {
		return
	}
	s.insertArgs(c, new)
	s.seq++
	keeps := false
	if c.Err == nil {
		keeps = s.keepsRow(cid2)
		s.rApply(c, cid2, 1)
	}
	if c.Err != nil {
		s.putBack(c, cid, old) // the insertion failed (a SUM overflow)
	}
	if len(s.stale) > 0 {
		s.resolveStale()
	}
	if c.Err != nil {
		return
	}
	s.atOut = uint32(cid2) + 1
	if s.upsertCell(c, cid, cd, out); c.Err == nil && !keeps {
		s.upsertCell(c, cid2, cd, out)
	}
}

// hintedCell returns the cell that ExecuteChangeAt's hint (s.atIn) names
// for old, and its group, when it is the live cell of old's group key
// (read from its columns), else -1: the hint is a cell of an earlier
// change, which may since have been freed or reused for another group.
func (s *groupStage) hintedCell(old Row) (cid, gid int32) {
	at := s.atIn
	if at == 0 || !s.colKeys || int(at) > len(s.cells) {
		return -1, -1
	}
	cid = int32(at - 1)
	ci := &s.cells[cid]
	gid = ci.gid
	if ci.rows <= 0 || int(gid) >= len(s.groups) || !s.keys.live[gid] {
		return -1, -1
	}
	if cells := s.groups[gid].cells; len(cells) != 1 || cells[0] != cid {
		return -1, -1
	}
	stored := s.keys.key(gid)
	for i, k := range s.keyCols {
		if !sameKeyValue(&stored[i], &old[k]) {
			return -1, -1
		}
	}
	return cid, gid
}

// sameKeyCols reports whether rows a and b have equal group keys, read
// from their columns without hashing (false when a key is an expression:
// the caller then compares hashes).
func (s *groupStage) sameKeyCols(a, b Row) bool {
	if !s.colKeys {
		return false
	}
	for _, k := range s.keyCols {
		if !sameKeyValue(&a[k], &b[k]) {
			return false
		}
	}
	return true
}

// sameKeyValue is aggKeyEqual with two strings compared in place (a group
// key is often a short string).
func sameKeyValue(a, b *Value) bool {
	if a.T == TString && b.T == TString {
		return string(a.S) == string(b.S)
	}
	return aggKeyEqual(a, b)
}

// touch marks cell cid pending, saving the row it last upserted when a
// delete can follow (removing: the change retracts a row).
func (s *groupStage) touch(c *Ctx, cid int32, out Downstream, removing bool) {
	ci := &s.cells[cid]
	if ci.pend {
		return
	}
	ci.pend = true
	if s.npend == len(s.pend) {
		s.pend = append(s.pend, pendCell{})
	}
	p := &s.pend[s.npend]
	s.npend++
	p.cid, p.hasPre = cid, false
	if ci.vis && s.changelog {
		if _, having := changeOut(out); having || (removing && ci.rows == 1 && !s.keepEmpty) {
			s.stash(c, p)
		}
	}
}

// stash saves the current row of p's cell, with owned bytes.
func (s *groupStage) stash(c *Ctx, p *pendCell) {
	if p.pre == nil {
		p.pre = make(Row, len(s.out))
	}
	s.fillRow(c, p.cid, p.pre)
	n := 0
	for i := range p.pre {
		n += len(p.pre[i].S)
	}
	if cap(p.buf) < n {
		p.buf = make([]byte, 0, n)
	}
	b := p.buf[:0]
	for i := range p.pre {
		if v := &p.pre[i]; v.S != nil {
			off := len(b)
			b = append(b, v.S...)
			v.S = b[off:len(b):len(b)]
		}
	}
	p.buf = b
	p.hasPre = true
}

// fillRow writes the output row of cell cid to dst (aliasing state).
func (s *groupStage) fillRow(c *Ctx, cid int32, dst Row) {
	ci := &s.cells[cid]
	copy(dst, s.keys.key(ci.gid))
	accs := s.accs[int(cid)*s.na : int(cid)*s.na+s.na]
	res := dst[s.nk : s.nk+s.na+2]
	for j := range accs {
		s.result(c, accs, cid, j, &res[j])
	}
	if s.kind != NoWindow {
		res[s.na] = Value{T: TTimestamp, I: ci.start}
		res[s.na+1] = Value{T: TTimestamp, I: ci.end}
	} else if res[s.na].T != TNull || res[s.na+1].T != TNull {
		res[s.na], res[s.na+1] = Null, Null // (stored only once: writing a Value costs write barriers)
	}
}

// flush emits the pending cells once each and frees emptied ones. After
// an error nothing is emitted and visibility stays as it was.
func (s *groupStage) flush(c *Ctx, out Downstream) {
	if len(s.stale) > 0 {
		s.resolveStale()
	}
	cd, _ := changeOut(out)
	for k := 0; k < s.npend; k++ {
		p := &s.pend[k]
		cid := p.cid
		ci := &s.cells[cid]
		ci.pend = false
		dead := s.retract && ci.rows == 0 && !s.keepEmpty
		if c.Err != nil || !s.changelog {
			if dead {
				s.freeCell(cid)
			} else if c.Err == nil && !s.final {
				s.emitCell(c, cid, out) // EMIT CHANGES planned without changelog output
			}
			continue
		}
		if dead {
			if ci.vis {
				s.emitDelete(c, cd, p, out)
			}
			s.freeCell(cid)
			continue
		}
		s.emitOne(c, p, cd, out)
	}
	s.npend = 0
}

// emitOne upserts the row of p's cell, or deletes the row it last
// upserted when HAVING no longer holds.
func (s *groupStage) emitOne(c *Ctx, p *pendCell, cd ChangeDownstream, out Downstream) {
	ci := &s.cells[p.cid]
	if cd != nil && s.kind == NoWindow {
		if pl, ok := out.(*Pipeline); ok && pl.groupKeyed() && s.emitDirect(c, pl, p.cid) {
			return
		}
	}
	s.fillRow(c, p.cid, s.out)
	if cd == nil {
		out.Emit(c, s.out)
		ci.vis = true
		return
	}
	if pl, ok := out.(*Pipeline); ok && s.kind == NoWindow && pl.groupKeyed() {
		if pl.upsertKeyed(c, s.out, s.groupKeyText(pl, ci.gid, s.out)) {
			ci.vis = true
		} else if c.Err == nil && ci.vis {
			s.emitDelete(c, cd, p, out)
			ci.vis = false
		}
		return
	}
	if cd.Upsert(c, s.out) {
		ci.vis = true
	} else if c.Err == nil && ci.vis {
		s.emitDelete(c, cd, p, out)
		ci.vis = false
	}
}

func (s *groupStage) emitDelete(c *Ctx, cd ChangeDownstream, p *pendCell, out Downstream) {
	if cd == nil {
		return
	}
	if !p.hasPre { // not reached: touch saves the row whenever a delete can follow
		s.fillRow(c, p.cid, s.out)
		cd.Delete(c, s.out)
		return
	}
	if pl, ok := out.(*Pipeline); ok && s.kind == NoWindow && pl.groupKeyed() {
		pl.deleteKeyed(c, p.pre, s.groupKeyText(pl, s.cells[p.cid].gid, p.pre))
		return
	}
	cd.Delete(c, p.pre)
}

// groupKeyText returns the output key text of group gid (KeyPrefix, then
// pl.OutKey of a row r of the group), written at the group's first output
// and kept until the group is dropped (newGroupOf forgets it).
func (s *groupStage) groupKeyText(pl *Pipeline, gid int32, r Row) []byte {
	if int(gid) >= len(s.keyTexts) {
		s.keyTexts = append(s.keyTexts, make([]groupKeyText, int(gid)+1-len(s.keyTexts))...)
	}
	t := &s.keyTexts[gid]
	if !t.ok {
		t.b = pl.OutKey(append(t.b[:0], pl.KeyPrefix...), r)
		t.ok = true
	}
	return t.b
}

// groupKeyText is a group's output key text, once written.
type groupKeyText struct {
	b  []byte
	ok bool
}

// deleteVisible deletes the visible row of cell cid now (a SESSION whose
// bounds are about to change).
func (s *groupStage) deleteVisible(c *Ctx, cid int32, out Downstream) {
	ci := &s.cells[cid]
	if !ci.vis {
		return
	}
	ci.vis = false
	if cd, ok := out.(ChangeDownstream); ok {
		s.fillRow(c, cid, s.out)
		cd.Delete(c, s.out)
	}
}

// freeCell drops an emptied cell (no window) and its group.
func (s *groupStage) freeCell(cid int32) {
	ci := s.cells[cid]
	w := &s.wins.wins[ci.win]
	n := len(w.cells) - 1
	last := w.cells[n]
	w.cells[ci.wpos] = last
	s.cells[last].wpos = ci.wpos
	w.cells = w.cells[:n]
	s.removeGroupCell(ci.gid, cid)
	s.releaseCell(cid)
	if len(s.groups[ci.gid].cells) == 0 {
		s.keys.remove(ci.gid)
		s.empty--
	}
}

// vcMap returns the value counts of cell-aggregate k (value key → slab
// index), creating them. Entries live in s.slab so that changing a count
// does not write the map (which would copy the key).
func (s *groupStage) vcMap(k int) map[string]int32 {
	m := s.vcs[k]
	if m == nil {
		m = make(map[string]int32)
		s.vcs[k] = m
	}
	return m
}

// vcNew stores a new entry for key in m.
func (s *groupStage) vcNew(m map[string]int32, key []byte, e vcEntry) string {
	var i int32
	if n := len(s.slabFree); n > 0 {
		i = s.slabFree[n-1]
		s.slabFree = s.slabFree[:n-1]
		s.slab[i] = e
	} else {
		i = int32(len(s.slab))
		s.slab = append(s.slab, e)
	}
	ks := string(key)
	m[ks] = i
	s.slab[i].key = ks
	return ks
}

// vcDrop deletes key's entry i from m.
func (s *groupStage) vcDrop(m map[string]int32, key []byte, i int32) {
	delete(m, string(key))
	s.slab[i].key = ""
	s.slabFree = append(s.slabFree, i)
}

// vcClear empties the value counts of cell-aggregate k (keeping a small map).
func (s *groupStage) vcClear(k int) {
	m := s.vcs[k]
	if m == nil {
		return
	}
	for _, i := range m {
		s.slab[i].key = ""
		s.slabFree = append(s.slabFree, i)
	}
	if len(m) > maxKeptDistinct {
		s.vcs[k] = nil
	} else {
		clear(m)
	}
}

// rSumsOverflow reports whether adding (sign 1) or removing (-1) the
// current row would overflow an exact SUM of cell cid.
func (s *groupStage) rSumsOverflow(cid int32, sign int64) bool {
	return s.rSumsOverflowOf(cid, sign, false, 0)
}

// rSumsOverflowOf is rSumsOverflow, of the aggregates of mask m only when
// changedOnly (changedArgs).
func (s *groupStage) rSumsOverflowOf(cid int32, sign int64, changedOnly bool, m uint64) bool {
	base := int(cid) * s.na
	for _, j := range s.exactSums {
		sp, v := &s.aggs[j], s.arg(j)
		if v.T == TNull || (changedOnly && m&(1<<j) == 0) {
			continue
		}
		if sp.Distinct {
			var n int64
			if i, ok := s.vcs[base+j][string(s.dk[j])]; ok {
				n = s.slab[i].n
			}
			if (sign > 0 && n > 0) || (sign < 0 && n != 1) {
				continue
			}
		}
		tmp := s.accs[base+j]
		if !tmp.exactAdd(sp, v, sign) {
			return true
		}
	}
	return false
}

// exactAdd adds sign*v to an exact (BIGINT/DECIMAL) SUM, reporting overflow
// (the state is then unchanged).
func (a *accum) exactAdd(sp *AggSpec, v *Value, sign int64) bool {
	if sp.ResultType == TDecimal {
		x, sc := aggToScaled(*v, a.sc)
		if sign < 0 {
			if x == math.MinInt64 {
				return false
			}
			x = -x
		}
		i, asc := a.i, a.sc
		if !a.addExact(x, sc) {
			a.i, a.sc = i, asc
			return false
		}
		return true
	}
	x := v.I
	if v.T != TInt {
		x = aggToInt(*v)
	}
	if sign < 0 {
		if x == math.MinInt64 {
			return false
		}
		x = -x
	}
	r, ok := aggAddExact(a.i, x)
	if ok {
		a.i = r
	}
	return ok
}

// neumaierAdd adds x to the compensated sum (s, comp).
func neumaierAdd(s, comp *float64, x float64) {
	t := *s + x
	if math.Abs(*s) >= math.Abs(x) {
		*comp += (*s - t) + x
	} else {
		*comp += (x - t) + *s
	}
	*s = t
}

// rApply adds (sign 1) or removes (-1) the current row (s.arg, s.dk) to or
// from cell cid, over a changelog input. Exact SUMs are checked first, so
// an overflow leaves every state unchanged.
func (s *groupStage) rApply(c *Ctx, cid int32, sign int64) {
	base := int(cid) * s.na
	if s.hasUDF { // user aggregates first: one that fails leaves the built-in ones unchanged
		if len(s.exactSums) > 0 && s.rSumsOverflow(cid, sign) {
			c.Err = errSumOverflow
			return
		}
		for j := range s.aggs {
			if s.aggs[j].Func == UDF {
				if s.rOne(c, base+j, j, sign); c.Err != nil {
					return
				}
			}
		}
		for j := range s.aggs {
			if s.aggs[j].Func != UDF {
				s.rOne(c, base+j, j, sign)
			}
		}
		s.cells[cid].rows += sign
		return
	}
	if s.rorder != nil {
		s.rApplyOrdered(c, cid, sign)
		return
	}
	if sf := s.sumFirst; sf >= 0 {
		// The one exact SUM first: its overflow returns before any
		// other aggregate changes.
		if s.rOne(c, base+sf, sf, sign); c.Err != nil {
			return
		}
		for j := range s.aggs {
			if j != sf {
				s.rOne(c, base+j, j, sign)
			}
		}
	} else {
		if len(s.exactSums) > 0 && s.rSumsOverflow(cid, sign) {
			c.Err = errSumOverflow
			return
		}
		for j := range s.aggs {
			s.rOne(c, base+j, j, sign)
		}
	}
	s.cells[cid].rows += sign
}

// sumIntInPlace adds sign × v to the state a of a BIGINT column's exact
// SUM and reports whether it did: false, touching nothing, when v is not a
// BIGINT it can negate (rOne's case). On overflow it sets c.Err and leaves
// a unchanged.
func sumIntInPlace(c *Ctx, a *accum, v *Value, sign int64) bool {
	if v.T != TInt || v.I == math.MinInt64 {
		return false
	}
	x, ok := aggAddExact(a.i, sign*v.I)
	if !ok {
		c.Err = errSumOverflow
		return true
	}
	a.i, a.n = x, a.n+sign
	return true
}

// rApplyOrdered is rApply without user aggregates and with at most one
// exact SUM (s.rorder: that SUM first, then the others): COUNT(*), and
// SUM of a BIGINT and AVG of a DOUBLE column, are applied in the loop,
// the others by rOne. Only the first can overflow (errSumOverflow),
// before any state changed.
func (s *groupStage) rApplyOrdered(c *Ctx, cid int32, sign int64) {
	base := int(cid) * s.na
	accs := s.accs[base : base+s.na]
	r := s.cur
	for n, j := range s.rorder {
		a := &accs[j]
		switch s.rops[j] {
		case ropCountStar:
			a.n += sign
			continue
		case ropShared:
			continue
		case ropPicked:
			// A MIN/MAX owning numeric counts updates them and every
			// MIN/MAX reading them (rPicked without rOne's and its own
			// dispatch).
			if col := s.argAt[j]; col >= 0 && s.vcOwner[j] == int32(j) && s.picks[j].mode == pickNumeric {
				if r[col].T != TNull && !s.rPickedNum(base+j, j, sign) {
					for _, p := range s.picks[j].pickers {
						s.rPickedGeneric(base+j+int(p.off), j+int(p.off), j, sign)
					}
				}
				continue
			}
		case ropAvg:
			if col := s.argAt[j]; col >= 0 {
				if v := &r[col]; v.T == TDouble {
					neumaierAdd(&a.f, &a.m2, float64(sign)*v.F)
					a.n += sign
					continue
				}
			}
		case ropSumInt:
			if col := s.argAt[j]; col >= 0 && sumIntInPlace(c, a, &r[col], sign) {
				if c.Err != nil {
					return
				}
				continue
			}
		}
		if s.rOne(c, base+j, j, sign); c.Err != nil && n == 0 {
			return
		}
	}
	s.cells[cid].rows += sign
}

// rOne applies the current row to one aggregate state k of a cell.
func (s *groupStage) rOne(c *Ctx, k, j int, sign int64) {
	a := &s.accs[k]
	v := &s.av[j]
	if col := s.argAt[j]; col >= 0 {
		v = &s.cur[col]
	}
	switch s.rops[j] { // the common cases first
	case ropCountStar:
		a.n += sign
		return
	case ropCount:
		if v.T != TNull {
			a.n += sign
		}
		return
	case ropSumInt:
		if v.T == TInt && v.I != math.MinInt64 {
			r, ok := aggAddExact(a.i, sign*v.I)
			if !ok { // the state is unchanged
				c.Err = errSumOverflow
				return
			}
			a.i = r
			a.n += sign
			return
		}
	case ropAvg:
		if v.T == TDouble {
			neumaierAdd(&a.f, &a.m2, float64(sign)*v.F)
			a.n += sign
			return
		}
	case ropPicked:
		if v.T != TNull {
			s.rPicked(k, j, sign)
		}
		return
	case ropShared:
		return
	}
	s.rOneAny(c, k, j, sign)
}

// Retraction kinds of aggregates with a fast path in rOne (ropAny: the
// others, rOneAny).
const (
	ropAny uint8 = iota
	ropCountStar
	ropCount
	ropSumInt
	ropAvg
	ropPicked
	ropShared // a MIN/MAX whose numeric counts' owner updates it (rPicked)
)

func ropOf(sp *AggSpec) uint8 {
	if sp.Distinct {
		return ropAny
	}
	switch sp.Func {
	case CountStar:
		return ropCountStar
	case Count:
		return ropCount
	case Sum:
		if sp.ResultType == TInt {
			return ropSumInt
		}
	case Avg:
		return ropAvg
	case Min, Max, FirstValue, LastValue:
		return ropPicked
	}
	return ropAny
}

// rOneAny is rOne for every aggregate and value.
func (s *groupStage) rOneAny(c *Ctx, k, j int, sign int64) {
	sp, a, v := &s.aggs[j], &s.accs[k], s.arg(j)
	switch sp.Func {
	case CountStar:
		a.n += sign
		return
	case UDF:
		if v.T == TNull && sp.Arg != nil {
			return
		}
		var err error
		if sign > 0 {
			err = sp.UDF.Update(c, a.h, *v)
		} else if r := s.udfRetract[j]; r != nil {
			err = r.Retract(c, a.h, *v)
		} else {
			err = errNoRetract
		}
		if err != nil {
			c.Err = err
		}
		return
	}
	if v.T == TNull {
		return
	}
	if sp.Func == GroupConcat {
		s.rConcat(k, j, sign)
		return
	}
	if sp.keepsSet() {
		m := s.vcMap(k)
		i, ok := m[string(s.dk[j])]
		if sign > 0 {
			if ok {
				s.slab[i].n++
				return
			}
			s.vcNew(m, s.dk[j], vcEntry{n: 1})
		} else {
			if !ok {
				return
			}
			if s.slab[i].n > 1 {
				s.slab[i].n--
				return
			}
			s.vcDrop(m, s.dk[j], i)
		}
	}
	switch sp.Func {
	case Count, CountDistinct:
	case Sum:
		switch sp.ResultType {
		case TDouble:
			x := v.F
			if v.T != TDouble {
				x = aggToFloat(*v)
			}
			neumaierAdd(&a.f, &a.m2, float64(sign)*x)
		default:
			if !a.exactAdd(sp, v, sign) { // the state is unchanged
				c.Err = errSumOverflow
				return
			}
		}
	case Avg:
		if v.T == TDouble {
			neumaierAdd(&a.f, &a.m2, float64(sign)*v.F)
		} else if sign > 0 {
			a.avgAdd(v)
		} else {
			nv := aggNegate(v)
			a.avgAdd(&nv)
		}
	case StddevPop, VarPop, StddevSamp, VarSamp:
		a.varianceChange(aggToFloat(*v), int64(sign)) // agg_ddvar.go
		return
	case Min, Max, FirstValue, LastValue:
		s.rPicked(k, j, sign)
		return
	}
	a.n += sign
}

// aggNegate returns -v as a number (AVG's retraction).
func aggNegate(v *Value) Value {
	switch v.T {
	case TInt, TBool, TTimestamp:
		if v.I != math.MinInt64 {
			return Value{T: TInt, I: -v.I}
		}
	case TDecimal:
		if v.I != math.MinInt64 {
			return Value{T: TDecimal, Scale: v.Scale, I: -v.I}
		}
	}
	return Value{T: TDouble, F: -aggToFloat(*v)}
}

// rKey appends the value-count key of MIN/MAX/FIRST/LAST: as
// aggDistinctKey, but a DECIMAL keeps its scale (so the result does).
func rKey(dst []byte, v Value) []byte {
	if v.T == TDecimal {
		dst = append(dst, byte(v.T))
		dst = append(dst, byte(v.I), byte(v.I>>8), byte(v.I>>16), byte(v.I>>24),
			byte(v.I>>32), byte(v.I>>40), byte(v.I>>48), byte(v.I>>56))
		return append(dst, v.Scale)
	}
	return aggDistinctKey(dst, v)
}

// rValue decodes a value-count key; its bytes alias k.
func rValue(k string) Value {
	v := Value{T: Type(k[0])}
	switch v.T {
	case TDouble:
		v.F = math.Float64frombits(leUint64(k[1:9]))
	case TString, TJSON:
		v.S = unsafe.Slice(unsafe.StringData(k), len(k))[1:]
	case TDecimal:
		v.I = int64(leUint64(k[1:9]))
		v.Scale = k[9]
	default:
		v.I = int64(leUint64(k[1:9]))
	}
	return v
}

func leUint64(b string) uint64 {
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// pickCount is what the value-count owner's update did (rCount), read by
// every MIN/MAX/FIRST/LAST sharing its counts (rPick).
type pickCount struct {
	e       vcEntry  // the value's entry after an insertion, before a removal
	added   string   // an insertion's new value key ("" if the value was there)
	ok      bool     // a removal found the value
	dropped bool     // a removal took the value's last copy
	mode    int8     // pickNumeric: the owner's cells count numerically when they can
	pickers []picker // pickNumeric: the owner and the aggregates reading its counts
	numMax  int      // distinct values a cell counts numerically
	same    bool     // kept as it is by a change within its cell that keeps its argument (keepsOnSame)
}

// rPicked maintains MIN, MAX, FIRST_VALUE or LAST_VALUE from value counts.
// Aggregates of the same input column share the counts of the first of
// them (vcOwner), which updates them before the others read them.
func (s *groupStage) rPicked(k, j int, sign int64) {
	o := int(s.vcOwner[j])
	pc := &s.picks[o]
	if pc.mode != pickGeneric {
		if pc.mode == pickUnset {
			s.initPicks()
		}
		if pc.mode == pickNumeric {
			// The owner updates the counts and every aggregate reading
			// them (group_change_num.go).
			if j == o && !s.rPickedNum(k, o, sign) {
				for _, p := range pc.pickers {
					s.rPickedGeneric(k+int(p.off), j+int(p.off), o, sign)
				}
			}
			return
		}
	}
	s.rPickedGeneric(k, j, o, sign)
}

// rPickedGeneric is rPicked over the generic value counts: aggregate j's
// state k, its counts owned by aggregate o.
func (s *groupStage) rPickedGeneric(k, j, o int, sign int64) {
	pc := &s.picks[o]
	ko := k - j + o
	if o == j {
		s.rCount(ko, j, sign)
	}
	sp, a, v := &s.aggs[j], &s.accs[k], s.arg(j)
	if sign > 0 && s.heaps[k] != nil {
		// Keep a built heap complete: a new value (MIN, MAX, FIRST), or
		// the value's new latest arrival (LAST).
		switch {
		case sp.Func == LastValue:
			s.pickPush(k, sp.Func, hEnt{key: pc.e.key, seq: pc.e.last})
		case pc.added != "":
			s.pickPush(k, sp.Func, hEnt{key: pc.added, seq: pc.e.first})
		}
		if m := s.vcs[ko]; len(s.heaps[k]) > 2*len(m)+32 {
			s.heapBuild(k, sp.Func, m) // entries no longer live: forget them
		}
	}
	if sign > 0 && len(s.stale) > 0 {
		if i := slices.Index(s.stale, k); i >= 0 && !(a.t == TDouble && a.f != a.f) {
			// The picked value left earlier in this change: a new value
			// at least as extreme (or a new LAST) replaces it without
			// looking at the others (not when it was a NaN, which
			// compares equal to every value).
			switch c := a.cmpStored(v); {
			case sp.Func == Max && c >= 0, sp.Func == Min && c <= 0:
				a.store(v)
				s.stale = slices.Delete(s.stale, i, i+1)
			case sp.Func == LastValue:
				a.store(v)
				a.seq = pc.e.last
				s.stale = slices.Delete(s.stale, i, i+1)
			}
			a.n++
			return
		}
	}
	if sign > 0 {
		switch sp.Func {
		case Min:
			if a.n == 0 || a.cmpStored(v) < 0 {
				a.store(v)
			}
		case Max:
			if a.n == 0 || a.cmpStored(v) > 0 {
				a.store(v)
			}
		case FirstValue:
			if a.n == 0 {
				a.store(v)
				a.seq = pc.e.first
			}
		case LastValue:
			a.store(v)
			a.seq = pc.e.last
		}
		a.n++
		return
	}
	if !pc.ok {
		return
	}
	a.n--
	if !pc.dropped {
		return
	}
	if a.n == 0 {
		a.t, a.seq = TNull, 0
		return
	}
	e := &pc.e
	switch sp.Func {
	case Min, Max:
		if a.cmpStored(v) != 0 {
			return
		}
	case FirstValue:
		if e.first != a.seq {
			return
		}
	case LastValue:
		if e.last != a.seq {
			return
		}
	}
	// The picked value's last copy left: pick again among the live ones,
	// when the change is done (resolveStale) unless an insertion in the
	// same change makes that unnecessary.
	s.stale = append(s.stale, k)
}

// resolveStale picks MIN/MAX/FIRST/LAST again where the picked value
// left during the change.
func (s *groupStage) resolveStale() {
	for _, k := range s.stale {
		j := k % s.na
		s.repick(k, j, k-j+int(s.vcOwner[j]))
	}
	s.stale = s.stale[:0]
}

// repick sets aggregate j's state k to the extreme (MIN/MAX) or the
// first/last arrival among the live values of the counts ko.
func (s *groupStage) repick(k, j, ko int) {
	sp, a := &s.aggs[j], &s.accs[k]
	m := s.vcs[ko]
	var top hEnt
	var ok bool
	if s.heaps[k] == nil && len(m) <= s.pickScanMax {
		top, ok = s.pickScan(sp.Func, m) // few values: no heap to keep
	} else {
		top, ok = s.heapTop(k, sp.Func, m)
	}
	if !ok { // not reached: a.n counts the entries' copies
		a.t = TNull
		return
	}
	bv := rValue(top.key)
	a.store(&bv)
	a.seq = top.seq
}

// rCount adds or removes the current value of aggregate j in the value
// counts k, recording what it did in s.picks[j].
func (s *groupStage) rCount(k, j int, sign int64) {
	s.rk[j] = rKey(s.rk[j][:0], *s.arg(j))
	key := s.rk[j]
	m := s.vcMap(k)
	i, ok := m[string(key)]
	pc := &s.picks[j]
	if sign > 0 {
		if ok {
			s.slab[i].n++
			s.slab[i].last = s.seq
			pc.e = s.slab[i]
			pc.added = ""
		} else {
			pc.e = vcEntry{n: 1, first: s.seq, last: s.seq}
			pc.added = s.vcNew(m, key, pc.e)
			pc.e.key = pc.added
		}
		return
	}
	pc.ok, pc.dropped = ok, false
	if !ok {
		return
	}
	pc.e = s.slab[i]
	if pc.e.n > 1 {
		s.slab[i].n--
		return
	}
	pc.dropped = true
	s.vcDrop(m, key, i)
}

// rConcat maintains GROUP_CONCAT over a changelog: value counts keyed by
// the value (with ORDER BY: by its entry, sort key and text), from which
// the result is rebuilt after each change: values in the arrival order of
// their first live copy (with ORDER BY: by sort key, then that arrival),
// each copy repeated unless DISTINCT, cut at the maximum length.
func (s *groupStage) rConcat(k, j int, sign int64) {
	sp, a, v := &s.aggs[j], &s.accs[k], s.arg(j)
	s.rk[j] = aggDistinctKey(s.rk[j][:0], *v)
	key := s.rk[j]
	m := s.vcMap(k)
	i, ok := m[string(key)]
	switch {
	case sign > 0 && ok:
		s.slab[i].n++
		s.slab[i].last = s.seq
	case sign > 0:
		s.vcNew(m, key, vcEntry{n: 1, first: s.seq, last: s.seq})
	case !ok:
		return
	case s.slab[i].n > 1:
		s.slab[i].n--
	default:
		s.vcDrop(m, key, i)
	}
	// Rebuild the result from the live values.
	s.gcv = s.gcv[:0]
	for key, i := range m {
		s.gcv = append(s.gcv, gcValue{key: key, e: s.slab[i]})
	}
	if sp.Ordered {
		slices.SortFunc(s.gcv, func(x, y gcValue) int {
			kx, _ := splitEntry(unsafe.Slice(unsafe.StringData(x.key), len(x.key))[1:])
			ky, _ := splitEntry(unsafe.Slice(unsafe.StringData(y.key), len(y.key))[1:])
			if c := bytes.Compare(kx, ky); c != 0 {
				return c
			}
			return cmp.Compare(x.e.first, y.e.first)
		})
	} else {
		slices.SortFunc(s.gcv, func(x, y gcValue) int { return cmp.Compare(x.e.first, y.e.first) })
	}
	a.s, a.i, a.n = a.s[:0], 0, 0
	if sp.Ordered && sp.Distinct {
		clear(s.gcSeen)
		if s.gcSeen == nil {
			s.gcSeen = map[string]struct{}{}
		}
	}
	var hdr [binary.MaxVarintLen64]byte
	for _, g := range s.gcv {
		val := unsafe.Slice(unsafe.StringData(g.key), len(g.key))[1:]
		copies := g.e.n
		if sp.Distinct {
			copies = 1
		}
		if sp.Ordered {
			if sp.Distinct {
				text := orderedText(val)
				if _, seen := s.gcSeen[string(text)]; seen {
					continue
				}
				s.gcSeen[string(text)] = struct{}{}
			}
			for range copies {
				h := binary.PutUvarint(hdr[:], uint64(len(val)))
				a.s = append(a.s, hdr[:h]...)
				a.s = append(a.s, val...)
				a.n++
			}
			continue
		}
		for range copies {
			if a.i != 0 {
				break
			}
			if a.n > 0 {
				a.concatLimited(sp, sp.Separator)
			}
			a.concatLimited(sp, val)
			a.n++
		}
	}
	if sp.Ordered {
		a.orderedTrim(sp)
	}
}

// gcValue is a live GROUP_CONCAT value while its result is rebuilt.
type gcValue struct {
	key string
	e   vcEntry
}

// MIN, MAX, FIRST_VALUE and LAST_VALUE over a changelog keep, per cell,
// a heap of their live value keys (s.heaps, built on the first pick after
// the picked value left, then kept complete): ordered by value (MIN, MAX)
// or by the arrival of the value's first (FIRST) or latest (LAST) copy.
// The next pick is its top once entries no longer live are popped (lazy
// deletion: an entry is live while its value is counted with that
// arrival), so picking again costs O(log values), not a scan. A heap
// holding over twice the live values is rebuilt. Heaps are not
// checkpointed: a restored stage builds them when first needed.

// pickScanMax is how many values a MIN/MAX/FIRST/LAST scans to pick
// again before it keeps a heap instead.
const pickScanMax = 32

// pickScan picks among the values of m by looking at each.
func (s *groupStage) pickScan(f AggFunc, m map[string]int32) (hEnt, bool) {
	s.rescans++
	var best hEnt
	found := false
	for key, i := range m {
		e := hEnt{key: key}
		switch f {
		case FirstValue:
			e.seq = s.slab[i].first
		case LastValue:
			e.seq = s.slab[i].last
		}
		if !found || heapLess(f, &e, &best) {
			best, found = e, true
		}
	}
	return best, found
}

// hEnt is a heap entry: a value key and, for FIRST/LAST, its arrival.
type hEnt struct {
	key string
	seq int64
}

func heapLess(f AggFunc, x, y *hEnt) bool {
	switch f {
	case FirstValue:
		return x.seq < y.seq
	case LastValue:
		return x.seq > y.seq
	}
	vx, vy := rValue(x.key), rValue(y.key)
	if nx, ny := isNaN(&vx), isNaN(&vy); nx || ny {
		return ny && !nx // a NaN, unordered, comes after every number: the heap stays ordered
	}
	c := aggCompare(&vx, &vy)
	if f == Min {
		return c < 0
	}
	return c > 0
}

func (s *groupStage) pickPush(k int, f AggFunc, e hEnt) {
	h := append(s.heaps[k], e)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !heapLess(f, &h[i], &h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	s.heaps[k] = h
}

func heapSiftDown(h []hEnt, f AggFunc, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && heapLess(f, &h[r], &h[l]) {
			m = r
		}
		if !heapLess(f, &h[m], &h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// heapLive reports whether a heap entry still stands for a counted value.
func (s *groupStage) heapLive(f AggFunc, m map[string]int32, e *hEnt) bool {
	i, ok := m[e.key]
	switch {
	case !ok:
		return false
	case f == FirstValue:
		return s.slab[i].first == e.seq
	case f == LastValue:
		return s.slab[i].last == e.seq
	}
	return true
}

// heapTop returns the next pick of accumulator k over the value counts m,
// building or rebuilding its heap when needed.
func (s *groupStage) heapTop(k int, f AggFunc, m map[string]int32) (hEnt, bool) {
	if h := s.heaps[k]; h == nil || len(h) > 2*len(m)+32 {
		s.heapBuild(k, f, m)
	}
	h := s.heaps[k]
	for len(h) > 0 && !s.heapLive(f, m, &h[0]) {
		n := len(h) - 1
		h[0] = h[n]
		h[n] = hEnt{}
		h = h[:n]
		heapSiftDown(h, f, 0)
	}
	s.heaps[k] = h
	if len(h) == 0 {
		return hEnt{}, false
	}
	return h[0], true
}

// heapBuild makes accumulator k's heap of the live values of m.
func (s *groupStage) heapBuild(k int, f AggFunc, m map[string]int32) {
	s.rescans++
	h := s.heaps[k][:0]
	clear(s.heaps[k][:cap(s.heaps[k])])
	if h == nil {
		h = make([]hEnt, 0, len(m))
	}
	for key, i := range m {
		e := hEnt{key: key}
		switch f {
		case FirstValue:
			e.seq = s.slab[i].first
		case LastValue:
			e.seq = s.slab[i].last
		}
		h = append(h, e)
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		heapSiftDown(h, f, i)
	}
	s.heaps[k] = h
}

// isNaN reports whether v is a DOUBLE NaN.
func isNaN(v *Value) bool { return v.T == TDouble && v.F != v.F }
