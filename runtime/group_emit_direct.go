package runtime

// Writing a group's changed row straight into the pipeline's output row.
// A keyed changelog output of a GROUP BY without a window is usually its
// stage row projected column by column (Pipeline.ProjectCols, a
// permutation of keys and aggregates): instead of filling the stage row
// (fillRow) and copying it into the output row (recordKeyed), the cell's
// keys and results are written where the projection puts them. It applies
// when the pipeline has no HAVING, no message identity and projects only
// stage columns, and the group's key text is known (its first upsert took
// the general path and wrote it).

// emitSrc says where a direct emit takes output columns at..at+n-1 from:
// group key idx, the planned counts (s.cnts) at the slots
// s.emitSlots[idx:idx+n], aggregate idx's accum, or NULL (window_start,
// window_end: none without a window). Only counts come n > 1 at a time.
type emitSrc struct {
	kind       uint8
	at, idx, n int32
}

const (
	srcNull uint8 = iota
	srcKey
	srcCounts
	srcAccum
)

// emitDirect upserts cell cid's row into pl as recordKeyed would, and
// reports whether it could.
func (s *groupStage) emitDirect(c *Ctx, pl *Pipeline, cid int32) bool {
	if s.direct == 0 {
		s.direct = s.directPlan(pl)
	}
	if s.direct < 0 {
		return false
	}
	ci := &s.cells[cid]
	if int(ci.gid) >= len(s.keyTexts) || !s.keyTexts[ci.gid].ok {
		return false
	}
	n := pl.nouts
	dst := pl.keyedSlot(OpUpsert, s.keyTexts[ci.gid].b)
	keys := s.keys.key(ci.gid)
	base := int(cid) * s.na
	for _, e := range s.emitSrcs {
		switch e.kind {
		case srcKey:
			dst[e.at] = keys[e.idx]
		case srcAccum:
			s.accs[base+int(e.idx)].resultInto(c, &s.aggs[e.idx], &dst[e.at])
		default:
			dst[e.at] = Null
		}
	}
	if len(s.emitRuns) > 0 {
		s.emitCounts(pl, n, dst, cid)
	}
	if c.Err != nil {
		pl.downErr = true
		return true
	}
	pl.nouts++
	ci.vis = true
	return true
}

// emitCounts writes cell cid's planned counts into the runs of count
// columns of dst, pl's output n: when this wrote those columns last
// (pl.direct[n]) they hold BIGINTs whose integers alone change.
func (s *groupStage) emitCounts(pl *Pipeline, n int, dst Row, cid int32) {
	cn := s.cnts[int(cid)*s.plan.nc : int(cid)*s.plan.nc+s.plan.nc]
	shaped := pl.direct[n]
	for _, e := range s.emitRuns {
		out := dst[e.at : e.at+e.n]
		slots := s.emitSlots[e.idx : e.idx+e.n]
		if shaped {
			out = out[:len(slots)]
			for k, sl := range slots {
				out[k].I = cn[sl]
			}
			continue
		}
		for k, sl := range slots {
			setIntValue(&out[k], cn[sl])
		}
	}
	pl.direct[n] = true
}

// directPlan decides whether emitDirect applies to pl (1) or not (-1),
// and where it takes each output column from: keys, accums and NULLs
// (s.emitSrcs), runs of adjacent count columns (s.emitRuns).
func (s *groupStage) directPlan(pl *Pipeline) int8 {
	if pl.Having != nil || pl.Identity != nil || pl.ProjectCols == nil || len(pl.ProjectCols) != len(pl.Project) {
		return -1
	}
	var srcs, runs []emitSrc
	var slots []int32
	for i, k := range pl.ProjectCols {
		e := emitSrc{kind: srcNull, at: int32(i), n: 1}
		switch {
		case k < 0 || k >= s.nk+s.na+2:
			return -1
		case k < s.nk:
			e.kind, e.idx = srcKey, int32(k)
		case k < s.nk+s.na:
			j := k - s.nk
			e.kind, e.idx = srcAccum, int32(j)
			if s.plan != nil && s.plan.cslot[j] >= 0 {
				e.kind, e.idx = srcCounts, int32(len(slots))
				slots = append(slots, s.plan.cslot[j])
			}
		}
		if e.kind != srcCounts {
			srcs = append(srcs, e)
			continue
		}
		if n := len(runs); n > 0 && runs[n-1].at+runs[n-1].n == e.at {
			runs[n-1].n++ // the next column of a run of counts
			continue
		}
		runs = append(runs, e)
	}
	s.emitSrcs, s.emitRuns, s.emitSlots = srcs, runs, slots
	return 1
}

// setIntValue makes *d the BIGINT x; when *d already is a BIGINT (the
// slot's previous output, usually) only its integer is written.
func setIntValue(d *Value, x int64) {
	if d.T == TInt && d.S == nil && d.Scale == 0 {
		d.I, d.F = x, 0
		return
	}
	*d = Value{T: TInt, I: x}
}
