package runtime

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestSumOverflowsPredictsUpdate: the check made before any aggregate
// changes (so that a dead-lettered record leaves every state as it was)
// says exactly when SUM's update fails, for BIGINT and DECIMAL sums of
// values of varied scales near the limits.
func TestSumOverflowsPredictsUpdate(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	vals := func() Value {
		switch rng.IntN(4) {
		case 0:
			return Int(rng.Int64N(math.MaxInt64/2) * (1 - 2*rng.Int64N(2)))
		case 1:
			return Decimal(rng.Int64N(math.MaxInt64/3)*(1-2*rng.Int64N(2)), uint8(rng.IntN(6)))
		case 2:
			return Double(float64(rng.Int64N(1e12)) / 3)
		}
		return Int(rng.Int64N(1000) - 500)
	}
	for _, rt := range []Type{TInt, TDecimal} {
		sp := AggSpec{Func: Sum, ResultType: rt}
		failed := 0
		for trial := 0; trial < 2000; trial++ {
			var a accum
			for k := 0; k < 6; k++ {
				v := vals()
				if rt == TInt && v.T == TDecimal {
					continue
				}
				before := a
				predicted := a.sumOverflows(&sp, &v, nil)
				c := &Ctx{}
				a.update(c, &sp, &v, nil, 0)
				if predicted != (c.Err != nil) {
					t.Fatalf("%v sum %+v + %+v: predicted overflow %v, update error %v", rt, before, v, predicted, c.Err)
				}
				if predicted {
					failed++
					a = before
				}
			}
		}
		if failed == 0 {
			t.Errorf("%v: no overflow exercised", rt)
		}
	}
}

// rejectNegatives is sumSquares failing on negative values, as a user
// aggregate that traps on some input.
type rejectNegatives struct{ *sumSquares }

func (u rejectNegatives) Update(c *Ctx, h int64, v Value) error {
	if v.I < 0 {
		return errors.New("negative")
	}
	return u.sumSquares.Update(c, h, v)
}

// TestFailingUserAggregateLeavesBuiltinsUnchanged: a record on which a
// user aggregate fails is dead-lettered; the built-in aggregates listed
// before it in the SELECT counted it.
func TestFailingUserAggregateLeavesBuiltinsUnchanged(t *testing.T) {
	x := stCol(1)
	cfg := GroupConfig{Keys: []Expr{stCol(0)}, Emit: EmitFinal, Aggs: []AggSpec{
		{Func: CountStar}, {Func: Sum, Arg: x, ResultType: TInt},
		{Func: UDF, Arg: x, ResultType: TDouble, UDF: rejectNegatives{newSumSquares()}},
	}}
	if err := ValidateGroupConfig(&cfg); err != nil {
		t.Fatal(err)
	}
	st := NewGroupStage(cfg)
	var sink stSink
	errs := 0
	for _, v := range []int64{2, -5, 3} {
		c := &Ctx{}
		st.Process(c, Row{stStr("a"), Int(v)}, 0, &sink)
		if c.Err != nil {
			errs++
		}
	}
	st.Advance(&Ctx{}, EndOfTime, &sink)
	if errs != 1 || len(sink.lines) != 1 || !strings.HasPrefix(sink.lines[0], "'a'|2|5|13|") {
		t.Errorf("%d errors, output %v; want 1 error and 'a'|2|5|13", errs, sink.lines)
	}
}

// TestFrameSum128Snapshot: a frame whose exact sum is beyond BIGINT when
// snapshotted continues exactly after restore (the high word survives).
func TestFrameSum128Snapshot(t *testing.T) {
	x := stCol(1)
	cfg := RowsConfig{PartitionBy: []Expr{stCol(0)}, Funcs: []RowFunc{
		{Func: RowSum, Arg: x, ArgType: TInt, ResultType: TInt, Preceding: 2},
		{Func: RowSum, Arg: x, ArgType: TInt, ResultType: TInt, Preceding: -1},
	}}
	if err := ValidateRowsConfig(&cfg); err != nil {
		t.Fatal(err)
	}
	var evs []stEvent
	for i, v := range []int64{1 << 62, 1 << 62, 1 << 62, -1 << 62, -1 << 62, -1 << 62, 7, -1 << 62, 3} {
		evs = append(evs, stEvent{row: Row{stStr("a"), Int(v)}, t: int64(i)})
	}
	mk := func() Stage { return NewRowsStage(cfg) }
	d := newSnDriver(0)
	st := mk()
	d.feed(st, evs)
	want := d.end(st)
	if !slices.ContainsFunc(want, func(l string) bool { return strings.HasPrefix(l, "ERR") }) {
		t.Fatalf("no out-of-range sum exercised: %v", want)
	}
	for cut := 1; cut < len(evs); cut++ {
		if got := snCheckpointed(t, mk, 0, evs, []int{cut}); !slices.Equal(got, want) {
			t.Fatalf("cut at %d:\ngot  %v\nwant %v", cut, got, want)
		}
	}
}
