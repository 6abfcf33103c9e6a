package udf

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countdownModule has count(n BIGINT) -> BIGINT, a loop of n iterations, and
// forever(BIGINT) -> BIGINT, a loop that never ends.
func countdownModule() *genModule {
	g := newGen()
	g.export("count", g.fn(typeI64I64, []byte{0,
		0x02, 0x40, 0x03, 0x40, // block loop
		0x20, 0, 0x50, 0x0d, 1, // local.get 0; i64.eqz; br_if 1
		0x20, 0, 0x42, 1, 0x7d, 0x21, 0, // local.get 0; i64.const 1; i64.sub; local.set 0
		0x0c, 0, 0x0b, 0x0b, // br 0; end; end
		0x20, 0, 0x0b}))
	g.export("forever", g.fn(typeI64I64, []byte{0, 0x03, 0x40, 0x0c, 0, 0x0b, 0x20, 0, 0x0b}))
	g.manifest(`{"functions": [
		{"name": "count", "params": ["BIGINT"], "returns": "BIGINT"},
		{"name": "forever", "params": ["BIGINT"], "returns": "BIGINT"}]}`)
	return g
}

// TestTimeoutCountsGuestTimeNotWaiting: under a burst, partitions wait for
// a CPU in the middle of their calls; the timeout counted that wait, so
// healthy calls timed out. A call that needs a quarter of the timeout's CPU
// time, made while 16 busy goroutines share one P with it (so it takes
// several timeouts of wall-clock time), succeeds; an endless one still times
// out.
func TestTimeoutCountsGuestTimeNotWaiting(t *testing.T) {
	if !haveThreadClock {
		t.Skip("no per-thread CPU clock here: the timeout counts wall-clock time")
	}
	const timeout = 100 * time.Millisecond
	m, err := newHost(t, Limits{Timeout: timeout}).Load(context.Background(), countdownModule().write(t, "count.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	in := instance(t, m)
	count, forever := fnIndex(t, m, "count"), fnIndex(t, m, "forever")

	// Size the healthy call: iterations per quarter timeout, measured alone
	// (a busy machine measures fewer, which only makes the call shorter).
	const probe = 1_000_000
	best := time.Duration(1 << 62)
	for range 5 {
		t0 := time.Now()
		call(t, in, count, i64(probe))
		best = min(best, time.Since(t0))
	}
	n := int64(float64(probe) * float64(timeout/4) / float64(best))
	t.Logf("%d iterations in %v: healthy call of %d iterations", probe, best, n)

	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
			}
		}()
	}
	var out Arg
	healthy := in.Call(count, []Arg{i64(n)}, &out)
	endless := in.Call(forever, []Arg{i64(1)}, &out)
	stop.Store(true)
	wg.Wait()
	if healthy != nil {
		t.Errorf("healthy call under contention: %v", healthy)
	}
	var ce *CallError
	if !errors.As(endless, &ce) || ce.Kind != Timeout {
		t.Errorf("endless call under contention: %v", endless)
	}
}

// TestSleepCountsTowardsTheTimeout: a real sleep (AllowClock) uses no CPU,
// but is the guest's time: a call sleeping 100 × 10 ms times out at 100 ms.
func TestSleepCountsTowardsTheTimeout(t *testing.T) {
	g := newGen()
	poll := g.importFn(wasiModule, "poll_oneoff", []byte{0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f})
	g.memory = true
	// One clock subscription at 0 (userdata 0, tag 0 = clock, at 16 the
	// clock id 1 = monotonic, at 24 the timeout in ns); the event goes to
	// 64, the event count to 128.
	body := []byte{1, 1, 0x7e} // one i64 local: the iterations left
	body = append(append(body, 0x42), sleb(100)...)
	body = append(body, 0x21, 1)
	body = append(body, 0x41, 16, 0x41, 1, 0x36, 2, 0) // i32.store
	body = append(append(body, 0x41, 24, 0x42), sleb(10_000_000)...)
	body = append(body, 0x37, 3, 0) // i64.store
	body = append(body, 0x02, 0x40, 0x03, 0x40, 0x20, 1, 0x50, 0x0d, 1)
	for _, v := range []int64{0, 64, 1, 128} {
		body = append(append(body, 0x41), sleb(v)...)
	}
	body = append(body, 0x10, byte(poll), 0x1a)
	body = append(body, 0x20, 1, 0x42, 1, 0x7d, 0x21, 1, 0x0c, 0, 0x0b, 0x0b, 0x20, 0, 0x0b)
	g.export("nap", g.fn(typeI64I64, body))
	g.manifest(`{"functions": [{"name": "nap", "params": ["BIGINT"], "returns": "BIGINT"}]}`)
	m, err := newHost(t, Limits{Timeout: 100 * time.Millisecond, AllowClock: true}).Load(context.Background(), g.write(t, "nap.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	var out Arg
	err = instance(t, m).Call(0, []Arg{i64(1)}, &out)
	var ce *CallError
	if !errors.As(err, &ce) || ce.Kind != Timeout {
		t.Errorf("a call sleeping 1 s: %v", err)
	}
}

func sleb(v int64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
