package udf

import (
	"errors"
	"math"
	"testing"
)

func variance(xs []float64) float64 {
	var mean float64
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return ss / float64(len(xs)-1)
}

func TestAggregateC(t *testing.T) {
	m := load(t, newHost(t, Limits{}), "c_stats.wasm")
	in := instance(t, m)
	fn := fnIndex(t, m, "variance")
	a, err := in.AggInit(fn)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := in.AggInit(fn)
	xs, ys := []float64{1, 2, 3, 4, 10}, []float64{-5, 7.5, 0}
	for _, x := range xs {
		if err := in.AggUpdate(fn, a, []Arg{f64(x)}); err != nil {
			t.Fatal(err)
		}
	}
	in.AggUpdate(fn, a, []Arg{null}) // skipped, as SQL aggregates skip NULL
	for _, y := range ys {
		in.AggUpdate(fn, b, []Arg{f64(y)})
	}
	var out Arg
	if err := in.AggResult(fn, a, &out); err != nil || math.Abs(out.F-variance(xs)) > 1e-12 {
		t.Errorf("variance(a) = %+v, %v; want %v", out, err, variance(xs))
	}
	if err := in.AggMerge(fn, a, b); err != nil {
		t.Fatal(err)
	}
	in.AggResult(fn, a, &out)
	if all := append(xs, ys...); math.Abs(out.F-variance(all)) > 1e-12 {
		t.Errorf("variance(a+b) = %v, want %v", out.F, variance(all))
	}
	// Fewer than two rows: the guest returns NULL.
	c, _ := in.AggInit(fn)
	in.AggUpdate(fn, c, []Arg{f64(1)})
	if in.AggResult(fn, c, &out); !out.Null {
		t.Errorf("variance of one row = %+v, want NULL", out)
	}
	// A freed handle is reused for the next state, which starts empty.
	if err := in.AggFree(fn, c); err != nil {
		t.Fatal(err)
	}
	d, _ := in.AggInit(fn)
	if uint32(d) != uint32(c) {
		t.Errorf("freed handle %d not reused (got %d)", uint32(c), uint32(d))
	}
	in.AggUpdate(fn, d, []Arg{f64(2)})
	in.AggUpdate(fn, d, []Arg{f64(4)})
	if in.AggResult(fn, d, &out); out.F != 2 {
		t.Errorf("variance(2, 4) = %v", out.F)
	}
	var o Arg
	wantErr(t, in.Call(fn, []Arg{f64(1)}, &o), "aggregate")

	if n := testing.AllocsPerRun(100, func() { in.AggUpdate(fn, d, []Arg{f64(3)}) }); n != 0 {
		t.Errorf("AggUpdate: %v allocations", n)
	}
}

func TestAggregateGo(t *testing.T) {
	m := riskModule(t)
	in := instance(t, m)
	fn := fnIndex(t, m, "wavg")
	a, _ := in.AggInit(fn)
	var out Arg
	if err := in.AggResult(fn, a, &out); err != nil || !out.Null {
		t.Errorf("wavg of nothing = %+v, %v; want NULL", out, err)
	}
	for _, r := range [][2]float64{{10, 1}, {20, 3}} {
		if err := in.AggUpdate(fn, a, []Arg{f64(r[0]), f64(r[1])}); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := in.AggInit(fn)
	in.AggUpdate(fn, b, []Arg{f64(40), f64(4)})
	if err := in.AggMerge(fn, a, b); err != nil {
		t.Fatal(err)
	}
	in.AggResult(fn, a, &out)
	if want := (10*1 + 20*3 + 40*4) / 8.0; out.F != want {
		t.Errorf("wavg = %v, want %v", out.F, want)
	}
	if err := in.AggFree(fn, b); err != nil {
		t.Fatal(err)
	}
}

// TestAggregateStateLost: states live in the guest, so a fault (which
// replaces the instance) loses them, and using one says so.
func TestAggregateStateLost(t *testing.T) {
	m := load(t, newHost(t, Limits{}), "c_faults.wasm")
	in := instance(t, m)
	fn := fnIndex(t, m, "fragile_sum")
	st, _ := in.AggInit(fn)
	in.AggUpdate(fn, st, []Arg{i64(5)})
	var ce *CallError
	if err := in.AggUpdate(fn, st, []Arg{i64(-1)}); !errors.As(err, &ce) || ce.Kind != Trap {
		t.Fatalf("negative input: %v, want a trap", err)
	}
	var out Arg
	if err := in.AggResult(fn, st, &out); !errors.Is(err, ErrStateLost) {
		t.Errorf("old state after the fault: %v, want ErrStateLost", err)
	}
	fresh, err := in.AggInit(fn)
	if err != nil {
		t.Fatal(err)
	}
	in.AggUpdate(fn, fresh, []Arg{i64(7)})
	if err := in.AggResult(fn, fresh, &out); err != nil || out.I != 7 {
		t.Errorf("fresh state = %+v, %v", out, err)
	}
}
