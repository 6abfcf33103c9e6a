package udf

import (
	"strings"
	"testing"
)

// TestStats: calls through two instances are counted per function (to
// within the sampling period per instance) with a positive time, and
// functions not called stay at zero.
func TestStats(t *testing.T) {
	h := newHost(t, Limits{})
	m := load(t, h, "c_numeric.wasm")
	a, b := instance(t, m), instance(t, m)
	fee := fnIndex(t, m, "fee")
	for i := range 640 {
		call(t, a, fee, f64(float64(i)), i64(10))
		call(t, b, fee, f64(float64(i)), i64(10))
	}
	var found bool
	for _, s := range h.Stats() {
		if !strings.HasSuffix(s.Module, "c_numeric.wasm") {
			continue
		}
		switch s.Func {
		case "fee":
			found = true
			if s.Calls != 1280 || s.Time <= 0 {
				t.Errorf("fee: %d calls in %v, want 1280 calls and some time", s.Calls, s.Time)
			}
		default:
			if s.Calls != 0 || s.Time != 0 {
				t.Errorf("%s was not called but has %d calls, %v", s.Func, s.Calls, s.Time)
			}
		}
	}
	if !found {
		t.Fatalf("no stats for fee: %+v", h.Stats())
	}
}

// TestStatsBatch: batch calls count exactly, each row passed to the guest
// as a call; NULL rows and all-NULL batches never reach the guest.
func TestStatsBatch(t *testing.T) {
	h := newHost(t, Limits{})
	m := load(t, h, "c_numeric.wasm")
	in := instance(t, m)
	fee := fnIndex(t, m, "fee")
	feeStats := func() FuncStats {
		t.Helper()
		for _, s := range h.Stats() {
			if s.Func == "fee" {
				return s
			}
		}
		t.Fatalf("no stats for fee: %+v", h.Stats())
		return FuncStats{}
	}
	const n = 100
	price, qty, out := make([]Arg, n), make([]Arg, n), make([]Arg, n)
	for i := range price {
		price[i], qty[i] = f64(float64(i)), i64(3)
	}
	if err := in.CallBatch(fee, [][]Arg{price, qty}, out); err != nil {
		t.Fatal(err)
	}
	s := feeStats()
	if s.Calls != n || s.Batches != 1 || s.Time <= 0 {
		t.Fatalf("after one batch of %d rows: %d calls, %d batches, %v; want %d calls, 1 batch, some time", n, s.Calls, s.Batches, s.Time, n)
	}
	price[2], qty[7] = null, null
	if err := in.CallBatch(fee, [][]Arg{price, qty}, out[:10]); err != nil {
		t.Fatal(err)
	}
	if err := in.CallBatch(fee, [][]Arg{{null}, {i64(1)}}, out[:1]); err != nil {
		t.Fatal(err)
	}
	if s := feeStats(); s.Calls != n+8 || s.Batches != 2 {
		t.Errorf("after batches of %d, 8 (+2 NULL) and 0 (+1 NULL) rows: %d calls, %d batches; want %d, 2", n, s.Calls, s.Batches, n+8)
	}
	for _, s := range h.Stats() {
		if s.Func != "fee" && (s.Calls != 0 || s.Batches != 0 || s.Time != 0) {
			t.Errorf("%s was not called but has %+v", s.Func, s)
		}
	}
}
