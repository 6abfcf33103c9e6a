package runtime

import "math"

// groupStage is the GROUP BY operator: groups are interned key tuples;
// each (group, window) pair is a cell holding one accum per aggregate.
// Cells, windows and group records are recycled through free lists, so a
// steady stream of new windows allocates nothing.
type groupStage struct {
	kind             WindowKind
	size, slide, gap int64
	final            bool
	keyExprs         []Expr
	keyCols          []int
	colKeys          bool           // every group key is a column (keyCols[i] >= 0)
	oneKeyCol        int            // the group key's column when it is one column, else -1
	argAt            []int32        // per aggregate: the column of its argument, or -1
	argExprs         []int          // aggregates whose argument is an expression
	cur              Row            // retraction: the row whose arguments arg reads
	keyTexts         []groupKeyText // per group: its output key text (changelog, no window)
	direct           int8           // emitDirect applies: 0 not known yet, 1 yes, -1 no
	emitSrcs         []emitSrc      // emitDirect: where the output columns other than planned counts come from
	emitRuns         []emitSrc      // emitDirect: runs of adjacent planned count columns
	emitSlots        []int32        // emitDirect: count slots of runs of count columns
	rorder           []int          // retraction without user aggregates, at most one exact SUM: that SUM, then the others (rApplyOrdered)
	aggs             []AggSpec
	nk, na           int
	mergeable        bool
	hasDistinct      bool
	ownSets          []int // aggregates keeping a distinct set of their own (not a family's)
	hasUDF           bool
	lastWs           int64 // TUMBLE: start of the previous record's window
	keys             keyIndex
	groups           []groupInfo // by key id
	cells            []cellInfo
	accs             []accum // na per cell
	freeCells        []int32
	wins             windowSet
	heap             []int32 // open sessions, min-heap by (end, start, seq)
	wm               int64
	seq              int64
	late             int64
	empty            int // groups with no live cell
	emptyRow         bool
	exactSums        []int // the aggregates that are SUMs which can overflow (BIGINT, DECIMAL)
	// sumFirst, when >= 0, is the one exact SUM (plain BIGINT, no DISTINCT,
	// no user aggregate beside it): updated first in a record's only cell,
	// its overflow leaves every state unchanged without a check beforehand.
	sumFirst int
	sweepMin int
	kv, av   []Value
	dk       [][]byte
	out      Row
	conds    *aggConds // CASE WHEN ... THEN x END arguments split (agg_args.go), nil if none
	// Shared distinct sets (agg_distinct_shared.go): the families, each
	// aggregate's family (-1: none; nil: no family), a set per cell and
	// family, and a scratch key.
	fams    []distinctFamily
	famOf   []int8
	msets   []maskSet
	kb      []byte
	plan    *aggPlan // counting without argument values (agg_plan.go), nil if none
	cnts    []int64  // plan.nc per cell: the planned counts (nil without a plan)
	warmGid int32    // the group warmGroup warmed for the current record, -1 for none
	warmCid int32    // its cell (from its key slot's aux word, kept by setFirst), -1 for none

	// state_ttl (state_ttl.go; no window only): ttl in ms (0: none), the
	// watermark of the next sweep, the groups forgotten so far, and the
	// stamp (as uint64) below which a group has expired (0: none yet).
	ttl, ttlNext, expired int64
	ttlLim                uint64

	// Changelogs (group_change.go): retract keeps rows per cell and value
	// counts (vcs, one map per cell and aggregate that needs one);
	// changelog emits upserts and deletes; track is either. Changed cells
	// are pending until the end of the record or change (batching), then
	// emitted once.
	retract, changelog, track bool
	keepEmpty                 bool // a global aggregate with changelog output: never deleted
	batching                  bool
	atIn, atOut               uint32 // ExecuteChangeAt's hints: cell+1 of the change's old row, of its new row (hintedCell)
	minMaxOnly                bool   // every aggregate is a MIN or a MAX (group_unchanged.go)
	vcs                       []map[string]int32
	slab                      []vcEntry
	slabFree                  []int32
	rk                        [][]byte // value-count keys of the current row (MIN, MAX, FIRST/LAST)
	pend                      []pendCell
	npend                     int
	gcv                       []gcValue           // GROUP_CONCAT's live values while rebuilding
	gcSeen                    map[string]struct{} // GROUP_CONCAT(DISTINCT ... ORDER BY): texts written
	udfRetract                []AggUDFRetracter   // per aggregate: a user aggregate's Retract (nil otherwise)
	vcOwner                   []int32             // MIN/MAX/FIRST/LAST: the aggregate whose value counts it reads
	picks                     []pickCount         // per owner: its last count update
	rops                      []uint8             // per aggregate: its fast path in rOne
	stale                     []int               // accumulators whose picked value left in this change
	heaps                     [][]hEnt            // MIN/MAX/FIRST/LAST per accumulator: live values, nil until first needed
	pickScanMax               int                 // up to this many values, pick by scanning (tests lower it)
	rescans                   int64               // MIN/MAX/FIRST/LAST picked again by scanning (tests)
	cplan                     changePlan          // a change within one cell: which aggregates it applies (group_change_num.go)
}

type groupInfo struct {
	cells []int32 // live cells sorted by window start
	first int32   // cells[0]+1, 0 when it has none: a group without a window reads its cell here, a cache miss fewer
	at    int64   // state_ttl: ttlStamp of the event time of its last change (0: not known)
}

type cellInfo struct {
	gid        int32
	win        int32 // window (TUMBLE/HOP/none); heap index for sessions
	start, end int64
	seq        int64 // arrival number of the record that created it
	rows       int64 // live input rows (retract)
	wpos       int32 // position in its window's cell list
	vis        bool  // last emitted as an upsert (changelog)
	pend       bool  // in the pending list (changelog, retract)
}

func newGroupStage(cfg GroupConfig) *groupStage {
	s := &groupStage{
		kind:     cfg.Window.Kind,
		size:     cfg.Window.Size,
		slide:    cfg.Window.Slide,
		gap:      cfg.Window.Gap,
		final:    cfg.Emit == EmitFinal,
		emptyRow: cfg.EmptyRow && cfg.Emit == EmitFinal && len(cfg.Keys) == 0 && cfg.Window.Kind == NoWindow,
		keyExprs: cfg.Keys,
		keyCols:  cfg.KeyCols,
		aggs:     cfg.Aggs,
		nk:       len(cfg.Keys),
		na:       len(cfg.Aggs),
		keys:     newKeyIndex(len(cfg.Keys)),
		wm:       math.MinInt64,
		lastWs:   math.MaxInt64,
		sweepMin: 1024,
		warmGid:  -1,
		warmCid:  -1,
		kv:       make([]Value, len(cfg.Keys)),
		av:       make([]Value, len(cfg.Aggs)),
		dk:       make([][]byte, len(cfg.Aggs)),
		out:      make(Row, len(cfg.Keys)+len(cfg.Aggs)+2),
	}
	s.conds = newAggConds(cfg.Aggs)
	s.colKeys = len(cfg.KeyCols) == s.nk
	for _, k := range cfg.KeyCols {
		s.colKeys = s.colKeys && k >= 0
	}
	s.oneKeyCol = -1
	if s.colKeys && s.nk == 1 {
		s.oneKeyCol = cfg.KeyCols[0]
	}
	s.argAt = make([]int32, len(cfg.Aggs))
	for j := range cfg.Aggs {
		s.argAt[j] = -1
		if sp := &cfg.Aggs[j]; sp.ArgIsCol {
			s.argAt[j] = int32(sp.ArgCol)
		} else if sp.Arg != nil {
			s.argExprs = append(s.argExprs, j)
		}
	}
	s.retract = cfg.Retract && s.kind == NoWindow
	s.changelog = cfg.Changelog && !s.final
	s.track = s.retract || s.changelog
	s.keepEmpty = s.changelog && s.nk == 0 && s.kind == NoWindow
	if cfg.Changelog && cfg.EmptyRow && s.keepEmpty {
		s.emptyRow = true
	}
	if s.retract {
		s.rk = make([][]byte, len(cfg.Aggs))
		s.udfRetract = make([]AggUDFRetracter, len(cfg.Aggs))
		s.vcOwner = make([]int32, len(cfg.Aggs))
		s.picks = make([]pickCount, len(cfg.Aggs))
		s.rops = make([]uint8, len(cfg.Aggs))
		s.pickScanMax = pickScanMax
		for j := range cfg.Aggs {
			s.rops[j] = ropOf(&cfg.Aggs[j])
			s.udfRetract[j] = cfg.Aggs[j].UDFRetracter()
			s.vcOwner[j] = int32(j)
			for o := range j {
				if sharesCounts(&cfg.Aggs[o], &cfg.Aggs[j]) {
					s.vcOwner[j] = int32(o)
					break
				}
			}
		}
	}
	s.mergeable = true
	s.minMaxOnly = len(s.aggs) > 0
	for j := range s.aggs {
		s.minMaxOnly = s.minMaxOnly && (s.aggs[j].Func == Min || s.aggs[j].Func == Max)
		s.mergeable = s.mergeable && s.aggs[j].mergeable()
		s.hasDistinct = s.hasDistinct || s.aggs[j].keepsSet()
		s.hasUDF = s.hasUDF || s.aggs[j].Func == UDF
		if s.aggs[j].Func == Sum && s.aggs[j].ResultType != TDouble {
			s.exactSums = append(s.exactSums, j)
		}
	}
	if !s.retract && s.kind != Session && !s.hasUDF {
		s.fams, s.famOf = distinctFamilies(cfg.Aggs, s.conds)
		if s.plan = newAggPlan(cfg.Aggs, s.conds, s.fams, s.famOf); s.plan == nil {
			s.fams, s.famOf = nil, nil // families need the plan
		}
	}
	s.ownSets = s.ownSetsOf()
	s.sumFirst = -1
	if len(s.exactSums) == 1 && !s.hasUDF {
		if sp := &s.aggs[s.exactSums[0]]; sp.ResultType == TInt && !sp.Distinct {
			s.sumFirst = s.exactSums[0]
		}
	}
	if s.retract && !s.hasUDF && (s.sumFirst >= 0 || len(s.exactSums) == 0) {
		if s.sumFirst >= 0 {
			s.rorder = append(s.rorder, s.sumFirst)
		}
		for j := range s.aggs {
			if j != s.sumFirst {
				s.rorder = append(s.rorder, j)
			}
		}
	}
	switch s.kind {
	case Tumble:
		s.slide = s.size
	case NoWindow:
		s.slide = 1
		s.ttl = max(cfg.StateTTL, 0)
	}
	return s
}

// ownSetsOf lists the aggregates that keep a distinct set of their own
// (not a family's).
func (s *groupStage) ownSetsOf() []int {
	var js []int
	for j := range s.aggs {
		if s.aggs[j].keepsSet() && (s.famOf == nil || s.famOf[j] < 0) {
			js = append(js, j)
		}
	}
	return js
}

// LateCount implements LateCounter.
func (s *groupStage) LateCount() int64 { return s.late }

func (s *groupStage) rejectLate(c *Ctx, t, end int64) {
	s.late++
	c.Err = &LateError{EventTimeMs: t, WatermarkMs: s.wm, WindowEndMs: end}
}

// Process implements Stage.
func (s *groupStage) Process(c *Ctx, r Row, t int64, out Downstream) {
	var first, last int64 // starts of the windows the record joins
	switch s.kind {
	case Tumble:
		if t >= s.lastWs && t-s.lastWs < s.size && s.lastWs != math.MaxInt64 {
			first = s.lastWs // same window as the previous record: no division
		} else {
			first = windowFloorDiv(t, s.size) * s.size
			s.lastWs = first
		}
		if first+s.size <= s.wm {
			s.rejectLate(c, t, first+s.size)
			return
		}
		last = first
	case Hop:
		last = windowFloorDiv(t, s.slide) * s.slide
		if last+s.size <= t {
			return // HOP with slide > size: t falls between windows
		}
		if last+s.size <= s.wm {
			s.rejectLate(c, t, last+s.size)
			return
		}
		first = windowFloorDiv(t-s.size, s.slide)*s.slide + s.slide
		if s.wm != math.MinInt64 {
			first = max(first, windowFloorDiv(s.wm-s.size, s.slide)*s.slide+s.slide)
		}
	}
	var h uint64
	if s.colKeys {
		h = s.keys.hashCols(r, s.keyCols) // s.kv is loaded only for a new group
	} else {
		s.rowKeys(c, r)
		h = s.keys.hash(s.kv)
	}
	if s.plan != nil {
		// The group's lines first: their cache misses overlap the
		// arguments' work (agg_plan.go).
		s.warmGroup(s.keys.peek(h))
		s.plannedArgs(c, r)
	} else if s.conds != nil {
		s.condArgs(c, r)
	} else {
		for j := range s.aggs {
			if sp := &s.aggs[j]; sp.ArgIsCol {
				s.av[j] = r[sp.ArgCol]
			} else if sp.Arg != nil {
				s.av[j] = sp.Arg(c, r)
			}
		}
	}
	if c.Err != nil {
		return
	}
	if s.retract {
		s.cur = r // (rApply reads column arguments from the row)
	}
	for _, j := range s.ownSets {
		if s.av[j].T != TNull && (s.retract || !distinctWordType(s.av[j].T)) { // (agg_distinct.go)
			v := s.av[j]
			if s.aggs[j].Ordered { // distinct by the text, not the sort key
				v.S = orderedText(v.S)
			}
			s.dk[j] = aggDistinctKey(s.dk[j][:0], v)
		}
	}
	if s.plan != nil && s.warmCid >= 0 {
		s.warmSecond(s.warmCid)
	}
	var gid int32
	var pos uint64
	if s.colKeys {
		if gid, pos = s.keys.findCols(h, r, s.keyCols); gid < 0 || s.ttl != 0 || s.kind == Session {
			s.rowKeys(c, r) // what newGroup, ttlGroup and processSession read
		}
	} else {
		gid, pos = s.keys.find(h, s.kv)
	}
	if s.kind == Session {
		s.processSession(c, h, gid, pos, t, out)
		if s.track && !s.batching {
			s.flush(c, out)
		}
		return
	}
	if s.ttl != 0 {
		if gid >= 0 && uint64(s.groups[gid].at) >= s.ttlLim { // live (the common case)
			s.ttlTouch(gid, t)
		} else {
			gid = s.ttlGroup(h, gid, pos, t)
		}
	} else if gid < 0 {
		gid = s.newGroup(h, pos)
	}
	s.seq++
	i := s.cellIndex(gid, first)
	if s.track {
		s.processTracked(c, gid, i, first, last, out)
		return
	}
	if len(s.exactSums) > 0 && (s.sumFirst < 0 || first != last) && s.sumsOverflow(c, gid, i, first, last) {
		return // dead-lettered: no aggregate of any window counts it
	}
	for ws := first; ws <= last; ws += s.slide {
		cid := s.cellAt(c, gid, i, ws)
		if cid < 0 {
			return
		}
		i++
		s.updateCell(c, cid)
		if !s.final {
			s.emitCell(c, cid, out)
		}
	}
}

// sumsOverflow reports (setting c.Err) whether an exact SUM of one of the
// existing cells the record joins (windows first..last, from position i
// of the group's cells) would overflow: checked before any aggregate
// changes, so that a dead-lettered record leaves every state as it was.
func (s *groupStage) sumsOverflow(c *Ctx, gid int32, i int, first, last int64) bool {
	cells := s.groups[gid].cells
	for ws := first; ws <= last && i < len(cells); ws += s.slide {
		cid := cells[i]
		if s.cells[cid].start != ws {
			continue // a new cell: one value cannot overflow it
		}
		i++
		accs := s.accs[int(cid)*s.na : int(cid)*s.na+s.na]
		for _, j := range s.exactSums {
			if accs[j].sumOverflows(&s.aggs[j], &s.av[j], s.dk[j]) {
				c.Err = errSumOverflow
				return true
			}
		}
	}
	return false
}

func (s *groupStage) updateCell(c *Ctx, cid int32) {
	accs := s.accs[int(cid)*s.na : int(cid)*s.na+s.na]
	if s.plan != nil {
		s.updatePlanned(c, accs, cid)
		return
	}
	if s.hasUDF { // user aggregates first: one that fails leaves the built-in ones unchanged
		for j := range accs {
			if s.aggs[j].Func == UDF {
				if accs[j].update(c, &s.aggs[j], &s.av[j], s.dk[j], s.seq); c.Err != nil {
					return
				}
			}
		}
		for j := range accs {
			if s.aggs[j].Func != UDF {
				accs[j].update(c, &s.aggs[j], &s.av[j], s.dk[j], s.seq)
			}
		}
		return
	}
	if sf := s.sumFirst; sf >= 0 {
		if accs[sf].update(c, &s.aggs[sf], &s.av[sf], s.dk[sf], s.seq); c.Err != nil {
			return // overflow: the sum and every other aggregate unchanged
		}
		for j := range accs {
			if j != sf {
				accs[j].update(c, &s.aggs[j], &s.av[j], s.dk[j], s.seq)
			}
		}
		return
	}
	for j := range accs {
		accs[j].update(c, &s.aggs[j], &s.av[j], s.dk[j], s.seq)
	}
}

// emitCell passes the output row of a cell downstream.
func (s *groupStage) emitCell(c *Ctx, cid int32, out Downstream) {
	ci := &s.cells[cid]
	for i, k := range s.keys.key(ci.gid) {
		s.out[i] = k
	}
	accs := s.accs[int(cid)*s.na : int(cid)*s.na+s.na]
	res := s.out[s.nk : s.nk+s.na+2]
	for j := range accs {
		s.result(c, accs, cid, j, &res[j])
	}
	if s.kind != NoWindow {
		res[s.na] = Value{T: TTimestamp, I: ci.start}
		res[s.na+1] = Value{T: TTimestamp, I: ci.end}
	}
	out.Emit(c, s.out)
}

// emitEmpty emits the row of a global aggregate over no records: each
// aggregate's value over nothing (COUNT 0, SUM NULL, ...).
func (s *groupStage) emitEmpty(c *Ctx, out Downstream) {
	res := s.out[:s.na+2]
	accs := make([]accum, s.na)
	inited := 0
	defer func() {
		for j := range accs[:inited] {
			if sp := &s.aggs[j]; sp.Func == UDF {
				sp.UDF.Free(accs[j].h)
			}
		}
	}()
	for j := range s.aggs {
		sp := &s.aggs[j]
		if err := accs[j].init(c, sp); err != nil {
			c.Err = err
			return
		}
		inited++
		accs[j].resultInto(c, sp, &res[j])
	}
	res[s.na], res[s.na+1] = Null, Null
	if s.changelog {
		if cd, ok := out.(ChangeDownstream); ok {
			cd.Upsert(c, s.out)
			return
		}
	}
	out.Emit(c, s.out)
}

// Advance implements Stage: closes windows with end <= watermarkMs,
// emitting them first under EMIT FINAL.
func (s *groupStage) Advance(c *Ctx, watermarkMs int64, out Downstream) {
	if watermarkMs <= s.wm {
		return
	}
	s.wm = watermarkMs
	if s.emptyRow && watermarkMs == EndOfTime && s.noCells() {
		s.emitEmpty(c, out)
	}
	if s.kind == Session {
		s.closeSessions(c, out)
	} else {
		for len(s.wins.live) > 0 {
			w := &s.wins.wins[s.wins.live[0]]
			if w.end > s.wm {
				break
			}
			for _, cid := range w.cells {
				if s.final {
					s.emitCell(c, cid, out)
				}
			}
			for _, cid := range w.cells {
				s.removeGroupCell(s.cells[cid].gid, cid)
				s.releaseCell(cid)
			}
			s.wins.popFront()
		}
	}
	if s.ttl != 0 {
		s.ttlAdvance()
	}
	s.sweep()
}

// sweep forgets groups without cells once they outnumber the live ones.
func (s *groupStage) sweep() {
	if s.empty < s.sweepMin || 2*s.empty <= s.keys.count {
		return
	}
	for id := range s.groups {
		if s.keys.live[id] && len(s.groups[id].cells) == 0 {
			s.keys.remove(int32(id))
		}
	}
	s.empty = 0
}
