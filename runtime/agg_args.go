package runtime

// aggConds evaluates the arguments of aggregates that are CASE WHEN cond
// THEN x END (AggSpec.Cond) split: each distinct condition at most once
// per record, when the first aggregate using it is reached (so the order
// of evaluation, and of any error, is the whole expressions'), then x
// only where the condition holds, as CASE does.
type aggConds struct {
	slot []int32  // per aggregate: its condition's slot, -1 when not split
	seen []uint32 // per slot: gen when val holds the current record's value
	val  []bool
	gen  uint32
}

// newAggConds returns nil when no aggregate is split.
func newAggConds(aggs []AggSpec) *aggConds {
	var f *aggConds
	ids := map[int]int32{}
	for j := range aggs {
		sp := &aggs[j]
		if sp.Cond == nil || (!sp.ThenIsCol && sp.Then == nil) {
			continue
		}
		if f == nil {
			f = &aggConds{slot: make([]int32, len(aggs))}
			for i := range f.slot {
				f.slot[i] = -1
			}
		}
		k, ok := ids[sp.CondID]
		if !ok || sp.CondID <= 0 {
			k = int32(len(f.val))
			f.val = append(f.val, false)
			f.seen = append(f.seen, 0)
			if sp.CondID > 0 {
				ids[sp.CondID] = k
			}
		}
		f.slot[j] = k
	}
	return f
}

// condArgs loads every aggregate argument of r into s.av, as Process's
// loop does, with split conditions evaluated once (valueArg, agg_plan.go).
func (s *groupStage) condArgs(c *Ctx, r Row) {
	s.conds.next()
	for j := range s.aggs {
		s.valueArg(c, r, j)
	}
}

// next starts a record: no condition is evaluated yet.
func (f *aggConds) next() {
	f.gen++
	if f.gen == 0 {
		clear(f.seen)
		f.gen = 1
	}
}

// holds reports whether condition slot k, sp's, holds for r, evaluating
// it on the first call of the record.
func (f *aggConds) holds(c *Ctx, r Row, sp *AggSpec, k int32) bool {
	if f.seen[k] != f.gen {
		f.eval(c, r, sp, k)
	}
	return f.val[k]
}

func (f *aggConds) eval(c *Ctx, r Row, sp *AggSpec, k int32) {
	f.seen[k] = f.gen
	if g := sp.CondRange; g != nil {
		f.val[k] = g.holds(r)
		return
	}
	cv := sp.Cond(c, r)
	f.val[k] = cv.T != TNull && Truthy(cv)
}
