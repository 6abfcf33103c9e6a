package udf

import (
	"errors"
	"testing"
)

// TestCallBatchTrap: a zero divisor in one row traps the whole batch call,
// which returns a *CallError and replaces the instance; the next batch runs
// on the new instance.
func TestCallBatchTrap(t *testing.T) {
	h := newHost(t, Limits{})
	m := load(t, h, "c_faults.wasm")
	in := instance(t, m)
	divide := fnIndex(t, m, "divide")
	if !in.HasBatch(divide) {
		t.Fatal("divide has no batch entry point (stale c_faults.wasm? run plugins/build.sh)")
	}
	a := []Arg{i64(10), i64(20), i64(30), i64(-40)}
	out := make([]Arg, len(a))
	gen := in.Generation()
	err := in.CallBatch(divide, [][]Arg{a, {i64(2), i64(5), i64(0), i64(4)}}, out)
	var ce *CallError
	if !errors.As(err, &ce) || ce.Kind != Trap || ce.Func != "divide" {
		t.Fatalf("got %v, want a trap of divide", err)
	}
	wantErr(t, ce, "integer divide by zero")
	if in.Generation() != gen+1 {
		t.Errorf("generation %d, want %d (instance replaced once)", in.Generation(), gen+1)
	}
	if err := in.CallBatch(divide, [][]Arg{a, {i64(2), i64(5), i64(3), i64(4)}}, out); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int64{5, 4, 10, -10} {
		if out[i].Null || out[i].I != want {
			t.Errorf("row %d: %+v, want %d", i, out[i], want)
		}
	}
	for _, s := range h.Stats() {
		if s.Func == "divide" && (s.Batches != 1 || s.Calls != 4) {
			t.Errorf("divide: %d batches, %d calls; want only the batch that completed (1, 4)", s.Batches, s.Calls)
		}
	}
}
