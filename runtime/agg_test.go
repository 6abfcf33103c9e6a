package runtime

import (
	"errors"
	"math"
	"slices"
	"testing"
)

// sumSquares is a user aggregate in Go (Σ x²) used to test the AggUDF path.
type sumSquares struct {
	states map[int64]float64
	next   int64
	inits  int
}

func newSumSquares() *sumSquares { return &sumSquares{states: map[int64]float64{}} }

func (u *sumSquares) Init(*Ctx) (int64, error) {
	u.next++
	u.inits++
	u.states[u.next] = 0
	return u.next, nil
}

func (u *sumSquares) Update(_ *Ctx, h int64, v Value) error {
	if _, ok := u.states[h]; !ok {
		return errors.New("update of a freed state")
	}
	x := aggToFloat(v)
	u.states[h] += x * x
	return nil
}

func (u *sumSquares) Result(_ *Ctx, h int64) Value { return Double(u.states[h]) }
func (u *sumSquares) Free(h int64)                 { delete(u.states, h) }

// mergingSumSquares adds Merge.
type mergingSumSquares struct{ *sumSquares }

func (u mergingSumSquares) Merge(_ *Ctx, dst, src int64) error {
	u.states[dst] += u.states[src]
	return nil
}

func stInts(xs ...any) []Value {
	out := make([]Value, len(xs))
	for i, x := range xs {
		switch x := x.(type) {
		case nil:
			out[i] = Null
		case int:
			out[i] = Int(int64(x))
		case float64:
			out[i] = Double(x)
		case string:
			out[i] = stStr(x)
		case Value:
			out[i] = x
		}
	}
	return out
}

// stAggregate runs one aggregate over vals as a global (no key) EMIT FINAL
// query and returns the single result (or the error).
func stAggregate(spec AggSpec, vals []Value) (string, error) {
	if spec.Func != CountStar && spec.Arg == nil {
		spec.Arg = stCol(0)
	}
	st := NewGroupStage(GroupConfig{Aggs: []AggSpec{spec}, Emit: EmitFinal})
	sink := &stSink{}
	c := &Ctx{}
	for i, v := range vals {
		c.Reset()
		st.Process(c, Row{v}, int64(i), sink)
		if c.Err != nil {
			return "", c.Err
		}
	}
	st.Advance(c, EndOfTime, sink)
	if len(sink.lines) != 1 {
		return "", errors.New("want exactly one output row")
	}
	return sink.lines[0], nil
}

func TestAggregates(t *testing.T) {
	ts := func(ms int64) Value { return Timestamp(ms) }
	dec := func(u int64, s uint8) Value { return Decimal(u, s) }
	cases := []struct {
		name string
		spec AggSpec
		in   []Value
		want string // value|window_start|window_end
	}{
		{"count star counts NULL rows", AggSpec{Func: CountStar}, stInts(1, nil, 3), "3|NULL|NULL"},
		{"count skips NULL", AggSpec{Func: Count}, stInts(1, nil, 3), "2|NULL|NULL"},
		{"count all NULL", AggSpec{Func: Count}, stInts(nil, nil), "0|NULL|NULL"},
		{"count distinct ints", AggSpec{Func: CountDistinct}, stInts(1, 2, 2, nil, 3, 1), "3|NULL|NULL"},
		{"count distinct strings case-sensitive", AggSpec{Func: CountDistinct}, stInts("a", "b", "a", "A"), "3|NULL|NULL"},
		{"count distinct -0 equals 0", AggSpec{Func: CountDistinct}, stInts(0.0, math.Copysign(0, -1), 1.5), "2|NULL|NULL"},
		{"count distinct decimal scale", AggSpec{Func: CountDistinct}, []Value{dec(150, 2), dec(15, 1), dec(2, 0)}, "2|NULL|NULL"},
		{"sum int exact", AggSpec{Func: Sum, ResultType: TInt}, stInts(1, nil, 2, 1<<60), "1152921504606846979|NULL|NULL"},
		{"sum all NULL", AggSpec{Func: Sum, ResultType: TInt}, stInts(nil, nil), "NULL|NULL|NULL"},
		{"sum int as double", AggSpec{Func: Sum, ResultType: TDouble}, stInts(1, 2), "3|NULL|NULL"},
		{"sum double", AggSpec{Func: Sum, ResultType: TDouble}, stInts(0.5, nil, 0.25), "0.75|NULL|NULL"},
		{"sum decimal widest scale", AggSpec{Func: Sum, ArgType: TDecimal, ResultType: TDecimal}, []Value{dec(125, 2), dec(25, 1), Null}, "3.75d|NULL|NULL"},
		{"sum decimal of ints", AggSpec{Func: Sum, ResultType: TDecimal}, stInts(2, 3), "5d|NULL|NULL"},
		{"avg int", AggSpec{Func: Avg, ResultType: TDouble}, stInts(1, 2, nil), "1.5|NULL|NULL"},
		{"avg double", AggSpec{Func: Avg, ResultType: TDouble}, stInts(1.0, 4.0), "2.5|NULL|NULL"},
		{"avg decimal", AggSpec{Func: Avg, ResultType: TDouble}, []Value{dec(10, 1), dec(200, 2)}, "1.5|NULL|NULL"},
		{"avg int beyond int64", AggSpec{Func: Avg, ResultType: TDouble}, stInts(math.MaxInt64, math.MaxInt64), "9.223372036854776e+18|NULL|NULL"},
		{"avg all NULL", AggSpec{Func: Avg, ResultType: TDouble}, stInts(nil), "NULL|NULL|NULL"},
		{"min int", AggSpec{Func: Min}, stInts(5, nil, -2, 7), "-2|NULL|NULL"},
		{"max double", AggSpec{Func: Max}, stInts(nil, 1.5, 9.25, 3.0), "9.25|NULL|NULL"},
		{"min string byte-wise", AggSpec{Func: Min}, stInts("b", "B", "a"), "'B'|NULL|NULL"},
		{"max string byte-wise", AggSpec{Func: Max}, stInts("b", "B", "ab"), "'b'|NULL|NULL"},
		{"max timestamp keeps type", AggSpec{Func: Max}, []Value{ts(5), ts(9), ts(1)}, "@9|NULL|NULL"},
		{"min decimal mixed scale", AggSpec{Func: Min}, []Value{dec(150, 2), dec(14, 1)}, "1.4d|NULL|NULL"},
		{"min all NULL", AggSpec{Func: Min}, stInts(nil, nil), "NULL|NULL|NULL"},
		{"var pop", AggSpec{Func: VarPop}, stInts(2, 4, 4, 4, 5, 5, 7, 9), "4|NULL|NULL"},
		{"stddev pop", AggSpec{Func: StddevPop}, stInts(2, 4, 4, nil, 4, 5, 5, 7, 9), "2|NULL|NULL"},
		{"var samp", AggSpec{Func: VarSamp}, stInts(1, 2, 3, 4), "1.6666666666666667|NULL|NULL"},
		{"stddev samp", AggSpec{Func: StddevSamp}, stInts(2.0, 4.0), "1.4142135623730951|NULL|NULL"},
		{"var samp single value", AggSpec{Func: VarSamp}, stInts(3), "NULL|NULL|NULL"},
		{"var pop single value", AggSpec{Func: VarPop}, stInts(3), "0|NULL|NULL"},
		{"stddev all NULL", AggSpec{Func: StddevPop}, stInts(nil), "NULL|NULL|NULL"},
		{"first value skips NULL", AggSpec{Func: FirstValue}, stInts(nil, "x", "y", nil), "'x'|NULL|NULL"},
		{"last value skips NULL", AggSpec{Func: LastValue}, stInts(nil, "x", "y", nil), "'y'|NULL|NULL"},
		{"first value all NULL", AggSpec{Func: FirstValue}, stInts(nil), "NULL|NULL|NULL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := stAggregate(tc.spec, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestAggregateStringArgIsCopied(t *testing.T) {
	// The input's bytes are only valid during Process: MIN must keep a copy.
	st := NewGroupStage(GroupConfig{Aggs: []AggSpec{{Func: Min, Arg: stCol(0)}, {Func: FirstValue, Arg: stCol(0)}}, Emit: EmitFinal})
	sink := &stSink{}
	c := &Ctx{}
	buf := []byte("mmm")
	st.Process(c, Row{String(buf)}, 0, sink)
	copy(buf, "zzz")
	st.Process(c, Row{String(buf)}, 1, sink)
	st.Advance(c, EndOfTime, sink)
	if want := []string{"'mmm'|'mmm'|NULL|NULL"}; !slices.Equal(sink.lines, want) {
		t.Fatalf("got %v, want %v", sink.lines, want)
	}
}

func TestAggregateSumOverflow(t *testing.T) {
	_, err := stAggregate(AggSpec{Func: Sum, ResultType: TInt}, stInts(math.MaxInt64, 1))
	if !errors.Is(err, errSumOverflow) {
		t.Fatalf("got %v, want overflow error", err)
	}
}

func TestAggregateUDF(t *testing.T) {
	u := newSumSquares()
	got, err := stAggregate(AggSpec{Func: UDF, UDF: u, ResultType: TDouble}, stInts(1, nil, 2, 3))
	if err != nil {
		t.Fatal(err)
	}
	if got != "14|NULL|NULL" {
		t.Fatalf("got %s", got)
	}
	if u.inits != 1 || len(u.states) != 0 {
		t.Fatalf("inits=%d live states=%d after end of input, want 1 and 0", u.inits, len(u.states))
	}
}

// TestAggregateMerge checks, for every aggregate, that merging the states
// of two halves equals accumulating the whole input.
func TestAggregateMerge(t *testing.T) {
	in := stInts(4, nil, 1, 7, 7, -3, nil, 12, 5, 1)
	strs := stInts("k", nil, "b", "zz", "b", "a")
	u := mergingSumSquares{newSumSquares()}
	specs := []struct {
		spec AggSpec
		vals []Value
	}{
		{AggSpec{Func: CountStar}, in}, {AggSpec{Func: Count}, in}, {AggSpec{Func: CountDistinct}, in},
		{AggSpec{Func: Sum, ResultType: TInt}, in}, {AggSpec{Func: Sum, ResultType: TDouble}, in},
		{AggSpec{Func: Sum, ResultType: TDecimal}, []Value{Decimal(5, 1), Decimal(25, 2), Null, Decimal(1, 0)}},
		{AggSpec{Func: Avg}, in}, {AggSpec{Func: Min}, in}, {AggSpec{Func: Max}, in},
		{AggSpec{Func: Min}, strs}, {AggSpec{Func: Max}, strs},
		{AggSpec{Func: StddevPop}, in}, {AggSpec{Func: VarPop}, in}, {AggSpec{Func: StddevSamp}, in}, {AggSpec{Func: VarSamp}, in},
		{AggSpec{Func: FirstValue}, strs}, {AggSpec{Func: LastValue}, strs},
		{AggSpec{Func: UDF, UDF: u}, in},
	}
	for _, sc := range specs {
		sp := sc.spec
		sp.Arg = stCol(0)
		for cut := 0; cut <= len(sc.vals); cut++ {
			c := &Ctx{}
			var whole, a, b accum
			for _, x := range []*accum{&whole, &a, &b} {
				if err := x.init(c, &sp); err != nil {
					t.Fatal(err)
				}
			}
			for i, v := range sc.vals {
				dk := aggDistinctKey(nil, v)
				whole.update(c, &sp, &v, dk, int64(i))
				if i < cut {
					a.update(c, &sp, &v, dk, int64(i))
				} else {
					b.update(c, &sp, &v, dk, int64(i))
				}
			}
			// merge in both directions: into the earlier and into the later state
			var ab, ba accum
			ab.init(c, &sp)
			ba.init(c, &sp)
			ab.merge(c, &sp, &a)
			ab.merge(c, &sp, &b)
			ba.merge(c, &sp, &b)
			ba.merge(c, &sp, &a)
			want := whole.result(c, &sp)
			for _, got := range []Value{ab.result(c, &sp), ba.result(c, &sp)} {
				if !stClose(got, want) {
					t.Errorf("%s cut %d: merged %s, whole %s", sp.Func, cut, stFmtValue(got), stFmtValue(want))
				}
			}
			for _, x := range []*accum{&whole, &a, &b, &ab, &ba} {
				x.reset(&sp)
			}
		}
	}
	if len(u.states) != 0 {
		t.Fatalf("%d UDF states leaked", len(u.states))
	}
}

// stClose compares values, allowing float rounding differences.
func stClose(a, b Value) bool {
	if a.T == TDouble && b.T == TDouble {
		return math.Abs(a.F-b.F) <= 1e-9*math.Max(1, math.Abs(b.F))
	}
	return stFmtValue(a) == stFmtValue(b)
}
