package runtime

import "math"

// state_ttl (docs/sql.md, "State and state_ttl"): state that grows without
// bound — the groups of a GROUP BY without a window (SELECT DISTINCT
// included) and the rows of a regular join — can be bounded by a time to
// live. An entry (a group, a join row) whose last change had an event time
// older than watermark − ttl is forgotten silently: nothing is emitted, the
// row it last produced stays where it went, and a later record of its key
// starts from empty state. Expiry is checked when an entry is met again
// (so results follow the rule exactly, whatever the sweep's cadence) and
// swept from memory when the watermark has moved by a quarter of the ttl
// since the last sweep (so each entry is looked at O(1) times per ttl:
// amortized O(1) per record).
//
// Entries keep the event time of their last change encoded as
// ttlStamp(t): the zero value means "not known" — an entry restored from a
// checkpoint, which counts as changed at the first watermark the stage
// sees after the restore.

// ttlStamp encodes event time t for an entry's last-change field (zero is
// "not known": t = math.MinInt64, which no record has). Stamps compare as
// uint64 in the order of their times.
func ttlStamp(t int64) int64 { return t ^ math.MinInt64 }

// ttlTime decodes a last-change field.
func ttlTime(at int64) int64 { return at ^ math.MinInt64 }

// ttlSweepEvery is the watermark progress between two sweeps of a stage's
// entries: a quarter of the ttl (at least 1 ms).
func ttlSweepEvery(ttl int64) int64 { return max(ttl/4, 1) }

// StateHolder is a stage that can say how many entries it holds (groups ×
// windows, join rows, ranked rows, PARTITION BY keys of row frames).
type StateHolder interface{ StateRows() int }

// StateExpirer is a stage whose entries expire (state_ttl): how many have.
type StateExpirer interface{ StateExpired() int64 }

// StateRows is the number of entries the pipeline's stateful operators
// hold: a join's rows (interval or regular) and its stage's entries.
// O(1) for every stage kind that reports it.
func (p *Pipeline) StateRows() int {
	n := 0
	if p.Join != nil {
		n += p.Join.StateRows()
	}
	if p.RegularJoin != nil {
		n += p.RegularJoin.StateRows()
	}
	if h, ok := p.Stage.(StateHolder); ok {
		n += h.StateRows()
	}
	return n
}

// StateExpired is the number of entries the pipeline's operators have
// forgotten by state_ttl.
func (p *Pipeline) StateExpired() int64 {
	var n int64
	if p.RegularJoin != nil {
		n += p.RegularJoin.expired
	}
	if e, ok := p.Stage.(StateExpirer); ok {
		n += e.StateExpired()
	}
	return n
}

// StateRows implements StateHolder: live cells (groups × windows).
func (s *groupStage) StateRows() int { return len(s.cells) - len(s.freeCells) }

// StateExpired implements StateExpirer.
func (s *groupStage) StateExpired() int64 { return s.expired }

// StateRows implements StateHolder: the ranked rows, and the entries of
// the GROUP BY below.
func (s *topnStage) StateRows() int {
	n := size(s.root)
	if h, ok := s.cfg.Inner.(StateHolder); ok {
		n += h.StateRows()
	}
	return n
}

// StateExpired implements StateExpirer: the GROUP BY below's.
func (s *topnStage) StateExpired() int64 {
	if e, ok := s.cfg.Inner.(StateExpirer); ok {
		return e.StateExpired()
	}
	return 0
}

// StateRows implements StateHolder: the PARTITION BY keys with a frame.
func (s *rowsStage) StateRows() int { return s.keys.count }

// ttlExpired reports whether group gid's last change is older than the
// watermark less the ttl (its at below s.ttlLim). A group restored from a
// checkpoint (its time not known) counts as changed now; one changed by
// the change being applied has not expired.
func (s *groupStage) ttlExpired(gid int32) bool {
	g := &s.groups[gid]
	if s.ttlLim == 0 { // no watermark yet
		return false
	}
	if g.at == 0 {
		g.at = ttlStamp(s.wm)
		return false
	}
	if uint64(g.at) >= s.ttlLim {
		return false
	}
	return len(g.cells) == 0 || !s.cells[g.cells[0]].pend
}

// ttlGroup is Process's group lookup under a ttl when group gid (found at
// hash h; -1: none, pos its free slot) may have expired or is missing: an
// expired group is forgotten first, a missing one made; its last change
// becomes t (or stays later, for a record behind an earlier one).
func (s *groupStage) ttlGroup(h uint64, gid int32, pos uint64, t int64) int32 {
	if gid >= 0 && s.ttlExpired(gid) {
		s.expireGroup(gid)
		gid, pos = s.keys.find(h, s.kv)
	}
	if gid < 0 {
		gid = s.newGroup(h, pos)
		s.groups[gid].at = ttlStamp(t)
		return gid
	}
	s.ttlTouch(gid, t)
	return gid
}

// ttlTouch makes t the last change of group gid unless it has a later one.
func (s *groupStage) ttlTouch(gid int32, t int64) {
	if e := ttlStamp(t); uint64(e) > uint64(s.groups[gid].at) {
		s.groups[gid].at = e
	}
}

// ttlAdvance follows the watermark (s.wm): the limit below which a
// group's last change has expired, and a sweep of every expired group
// once the watermark has moved by ttlSweepEvery since the last one. Not at
// end of input: that is no time passing (an EMIT FINAL group is emitted
// then).
func (s *groupStage) ttlAdvance() {
	if s.wm == EndOfTime || s.wm <= math.MinInt64+s.ttl {
		return
	}
	s.ttlLim = uint64(ttlStamp(s.wm - s.ttl))
	if s.wm < s.ttlNext {
		return
	}
	s.ttlNext = s.wm + ttlSweepEvery(s.ttl)
	for id := range s.groups {
		if s.keys.live[id] && s.ttlExpired(int32(id)) {
			s.expireGroup(int32(id))
		}
	}
}

// expireGroup forgets group gid (no window: at most one cell) without
// emitting anything.
func (s *groupStage) expireGroup(gid int32) {
	s.expired++
	if cells := s.groups[gid].cells; len(cells) > 0 {
		s.freeCell(cells[0]) // the cell, and the group with its last cell
		return
	}
	s.keys.remove(gid)
	s.empty--
}

// ttlGroupStage is a GROUP BY over a changelog with a ttl: a retraction
// meets its group like an insertion (expired: forgotten first, so the
// retraction finds nothing to take back; else its last change becomes
// the retraction's time), and a change goes through Retract and Process
// (not the stage's one-lookup change path, which does neither).
type ttlGroupStage struct{ *groupStage }

// Retract implements RetractStage.
func (s ttlGroupStage) Retract(c *Ctx, r Row, t int64, out Downstream) {
	if g := s.groupStage; g.retract {
		kv := g.keysOf(c, r)
		if c.Err != nil {
			return
		}
		if gid, _ := g.keys.find(g.keys.hash(kv), kv); gid >= 0 {
			if g.ttlExpired(gid) {
				g.expireGroup(gid)
			} else {
				g.ttlTouch(gid, t)
			}
		}
	}
	s.groupStage.Retract(c, r, t, out)
}

var (
	_ RetractStage  = ttlGroupStage{}
	_ changeBatcher = ttlGroupStage{}
	_ Checkpointer  = ttlGroupStage{}
	_ StateHolder   = ttlGroupStage{}
	_ StateExpirer  = ttlGroupStage{}
)

// Regular joins.

// ttlExpired reports whether join row r's last change is older than the
// join's watermark less its ttl (a row restored from a checkpoint counts
// as changed at the first watermark the join sees after the restore).
func (j *RegularJoin) ttlExpired(r *regRow) bool {
	if !j.wmSet || j.wm <= math.MinInt64+j.TTL { // no watermark yet
		return false
	}
	if r.at == 0 {
		r.at = ttlStamp(j.wm)
		return false
	}
	return ttlTime(r.at) < j.wm-j.TTL
}

// ttlPurge forgets the expired rows of side st among those with r's join
// key, before they would be paired with r's change.
func (j *RegularJoin) ttlPurge(st *joinSide, r *regRow) {
	if r == nil || !r.hasKey {
		return
	}
	g := st.group(r)
	if g == nil {
		return
	}
	for i := len(g.rows) - 1; i >= 0; i-- {
		if i < len(g.rows) && j.ttlExpired(g.rows[i]) {
			st.remove(g.rows[i])
			j.expired++
		}
	}
}

// Advance moves the join's watermark: with a TTL, rows whose last change
// is older than watermarkMs − TTL are forgotten (swept once the watermark
// has moved by a quarter of the TTL since the last sweep), without
// emitting anything.
func (j *RegularJoin) Advance(watermarkMs int64) {
	if j.TTL == 0 || j.wmSet && watermarkMs <= j.wm || watermarkMs == EndOfTime {
		return
	}
	j.wm, j.wmSet = watermarkMs, true
	if j.sides[0].byKey == nil || j.wm < j.ttlNext || j.wm <= math.MinInt64+j.TTL {
		return
	}
	j.ttlNext = j.wm + ttlSweepEvery(j.TTL)
	for s := range j.sides {
		st := &j.sides[s]
		st.each(func(r *regRow) {
			if j.ttlExpired(r) {
				st.remove(r)
				j.expired++
			}
		})
	}
}

// changeTime is the event time of a change of side's row to new (nil: a
// delete): new's time column, else (a delete, a NULL time) the watermark.
func (j *RegularJoin) changeTime(side int, new Row) int64 {
	if new != nil {
		if v := new[j.TimeCol[side]]; v.T != TNull {
			return v.I
		}
	}
	if j.wmSet {
		return j.wm
	}
	return math.MinInt64 + 1
}

// StateExpired is the number of rows forgotten by the TTL.
func (j *RegularJoin) StateExpired() int64 { return j.expired }
