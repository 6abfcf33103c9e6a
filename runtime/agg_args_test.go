package runtime

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSplitConditionsMatchCase: aggregates given as CASE WHEN cond THEN x
// END split (AggSpec.Cond) give the rows the whole expressions give, and
// a condition shared by several aggregates (one CondID) is evaluated once
// per record. Fails when the split reads x where cond is false or when
// two different conditions are taken for one.
func TestSplitConditionsMatchCase(t *testing.T) {
	calls := 0
	lt := func(col int, lim int64) Expr {
		return func(_ *Ctx, r Row) Value {
			calls++
			if r[col].T == TNull {
				return Null
			}
			return Bool(r[col].I < lim)
		}
	}
	condA, condB := lt(1, 50), lt(2, 3)
	specs := func(split bool) []AggSpec {
		mk := func(f AggFunc, cond Expr, id, col int) AggSpec {
			sp := AggSpec{Func: f, Arg: stCase(cond, stCol(col)), ArgType: TInt, ResultType: TInt}
			if split {
				sp.Cond, sp.CondID, sp.ThenIsCol, sp.ThenCol = cond, id, true, col
			}
			return sp
		}
		return []AggSpec{mk(Count, condA, 1, 0), mk(CountDistinct, condA, 1, 2), mk(CountDistinct, condB, 2, 0),
			mk(Sum, condA, 1, 1), mk(Max, condB, 2, 1), {Func: CountStar, ResultType: TInt}, mk(Min, condA, 1, 2)}
	}
	rng := rand.New(rand.NewPCG(7, 11))
	var rows []Row
	for range 2000 {
		r := Row{Int(rng.Int64N(40)), Int(rng.Int64N(100)), Int(rng.Int64N(6))}
		if rng.IntN(10) == 0 {
			r[rng.IntN(3)] = Null
		}
		rows = append(rows, r)
	}
	run := func(split bool) ([]string, int) {
		calls = 0
		st := NewGroupStage(GroupConfig{Keys: []Expr{stCol(0)}, KeyTypes: []Type{TInt}, KeyCols: []int{-1}, Aggs: specs(split)})
		sink := &stSink{}
		c := &Ctx{}
		for i, r := range rows {
			c.Reset()
			st.Process(c, r, int64(i), sink)
		}
		return sink.lines, calls
	}
	whole, wholeCalls := run(false)
	split, splitCalls := run(true)
	if !slices.Equal(whole, split) {
		for i := range whole {
			if whole[i] != split[i] {
				t.Fatalf("row %d: split %s, CASE %s", i, split[i], whole[i])
			}
		}
	}
	if wholeCalls != 6*len(rows) || splitCalls != 2*len(rows) {
		t.Fatalf("conditions evaluated %d times split, %d whole; want %d and %d", splitCalls, wholeCalls, 2*len(rows), 6*len(rows))
	}
}
