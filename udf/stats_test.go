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
