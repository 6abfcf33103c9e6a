package udf

import (
	"sync"
	"sync/atomic"
	"time"
)

// statEvery is the sampling period of call statistics: one call in
// statEvery is timed (two clock reads), and counts for statEvery calls, so
// that the per-call path reads no clock and touches no shared memory.
const statEvery = 64

// FuncStats are a function's call statistics over all its instances.
// Scalar calls are estimated from one call in statEvery (exact to within
// statEvery calls per instance); batch calls are counted exactly, each row
// passed to the guest as one call.
type FuncStats struct {
	Module, Func string
	Calls        uint64        // scalar calls plus rows of batch calls
	Time         time.Duration // spent in scalar and batch calls
	Batches      uint64        // batch calls
}

// funcStats accumulates one function's calls (shared by the module's
// instances; written once per statEvery scalar calls and once per batch).
type funcStats struct {
	calls, nanos, batches atomic.Uint64
}

// sampled is called before a call with the binding's own call counter; it
// returns the start time of a call to time, or the zero time.
func (b *binding) sampled() time.Time {
	b.calls++
	if b.calls%statEvery != 0 {
		return time.Time{}
	}
	return time.Now()
}

// record adds a timed call (started at t0) to the module's statistics.
func (m *Module) record(fn int, t0 time.Time) {
	if t0.IsZero() {
		return
	}
	st := &m.stats[fn]
	st.calls.Add(statEvery)
	st.nanos.Add(uint64(time.Since(t0)) * statEvery)
}

// recordBatch adds a batch call of rows rows (started at t0) to the
// module's statistics.
func (m *Module) recordBatch(fn, rows int, t0 time.Time) {
	st := &m.stats[fn]
	st.calls.Add(uint64(rows))
	st.nanos.Add(uint64(time.Since(t0)))
	st.batches.Add(1)
}

// Stats returns the call statistics of every function of every module
// the host has loaded.
func (h *Host) Stats() []FuncStats {
	h.mu.Lock()
	mods := append([]*Module(nil), h.modules...)
	h.mu.Unlock()
	var out []FuncStats
	for _, m := range mods {
		for i, s := range m.sigs {
			st := &m.stats[i]
			out = append(out, FuncStats{Module: m.path, Func: s.Name, Calls: st.calls.Load(), Time: time.Duration(st.nanos.Load()),
				Batches: st.batches.Load()})
		}
	}
	return out
}

// hostModules is the list of loaded modules a Host keeps for Stats.
type hostModules struct {
	mu      sync.Mutex
	modules []*Module
}

func (h *Host) track(m *Module) {
	m.stats = make([]funcStats, len(m.sigs))
	h.mu.Lock()
	h.modules = append(h.modules, m)
	h.mu.Unlock()
}
