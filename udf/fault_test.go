package udf

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// callFault calls fn and returns the *CallError it must fail with.
func callFault(t *testing.T, in *Instance, fn int, kind ErrorKind, args ...Arg) *CallError {
	t.Helper()
	var out Arg
	err := in.Call(fn, args, &out)
	var ce *CallError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v (%+v), want a *CallError", err, out)
	}
	if ce.Kind != kind {
		t.Fatalf("got %v, want kind %v", ce, kind)
	}
	return ce
}

// stillWorks checks that the same Instance serves calls after a fault, on a
// new wasm instance.
func stillWorks(t *testing.T, in *Instance, m *Module, genBefore uint32) {
	t.Helper()
	if got := call(t, in, fnIndex(t, m, "add1"), i64(41)); got.I != 42 {
		t.Errorf("add1(41) after the fault = %d", got.I)
	}
	if in.Generation() != genBefore+1 {
		t.Errorf("generation %d, want %d (instance replaced once)", in.Generation(), genBefore+1)
	}
}

// TestTimeoutWhileGC is the point of the load-time rewrite: an endless guest
// loop neither freezes the process (a stop-the-world GC completes while it
// runs) nor runs forever (the call stops at its timeout) — in a scalar call
// and in a batch call.
func TestTimeoutWhileGC(t *testing.T) {
	t.Run("scalar", func(t *testing.T) {
		testTimeoutWhileGC(t, func(in *Instance, spin int) error {
			var out Arg
			return in.Call(spin, []Arg{i64(1)}, &out)
		})
	})
	t.Run("batch", func(t *testing.T) {
		testTimeoutWhileGC(t, func(in *Instance, spin int) error {
			if !in.HasBatch(spin) {
				return errors.New("spin has no batch entry point (stale c_faults.wasm? run plugins/build.sh)")
			}
			out := make([]Arg, 3)
			return in.CallBatch(spin, [][]Arg{{i64(1), i64(2), i64(3)}}, out)
		})
	})
}

func testTimeoutWhileGC(t *testing.T, call func(in *Instance, spin int) error) {
	const timeout = time.Second
	m := load(t, newHost(t, Limits{Timeout: timeout}), "c_faults.wasm")
	in := instance(t, m)
	gen := in.Generation()
	spin := fnIndex(t, m, "spin")
	var returned atomic.Bool
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		err := call(in, spin)
		returned.Store(true)
		done <- err
	}()
	for in.Yields() == 0 && !returned.Load() { // the guest is in its loop
		runtime.Gosched()
	}
	runtime.GC() // stops the world: needs the looping goroutine to reach a yield
	if returned.Load() {
		t.Error("the call returned before the GC completed; the test proves nothing")
	}
	err := <-done
	elapsed := time.Since(start)
	var ce *CallError
	if !errors.As(err, &ce) || ce.Kind != Timeout || ce.Func != "spin" {
		t.Fatalf("got %v, want a timeout of spin", err)
	}
	// A sanity bound, not a benchmark: the loop stopped, near its deadline.
	if elapsed > timeout+10*time.Second {
		t.Errorf("stopped after %v", elapsed)
	}
	t.Logf("%v; stopped after %v", ce, elapsed)
	stillWorks(t, in, m, gen)
}

// TestTimeoutRecursion: exponential recursion without a loop is stopped by
// the fuel check at function entry.
func TestTimeoutRecursion(t *testing.T) {
	m := load(t, newHost(t, Limits{Timeout: 50 * time.Millisecond}), "c_faults.wasm")
	in := instance(t, m)
	gen := in.Generation()
	if got := call(t, in, fnIndex(t, m, "burn"), i64(20)); got.I != 6765 {
		t.Errorf("burn(20) = %d", got.I)
	}
	callFault(t, in, fnIndex(t, m, "burn"), Timeout, i64(90))
	stillWorks(t, in, m, gen)
}

func TestTrap(t *testing.T) {
	m := load(t, newHost(t, Limits{}), "c_faults.wasm")
	in := instance(t, m)
	gen := in.Generation()
	ce := callFault(t, in, fnIndex(t, m, "trap"), Trap, i64(1))
	wantErr(t, ce, "udf trap: trap:", "unreachable")
	if ce.Err == nil {
		t.Error("CallError.Err is empty")
	}
	stillWorks(t, in, m, gen)

	ce = callFault(t, in, fnIndex(t, m, "divide"), Trap, i64(1), i64(0))
	wantErr(t, ce, "integer divide by zero")
	stillWorks(t, in, m, gen+1)
	if got := call(t, in, fnIndex(t, m, "divide"), i64(42), i64(6)); got.I != 7 {
		t.Errorf("divide(42, 6) = %d", got.I)
	}
}

func TestMemoryLimit(t *testing.T) {
	m := load(t, newHost(t, Limits{MemoryLimitBytes: 1 << 20}), "c_faults.wasm")
	in := instance(t, m)
	gen := in.Generation()
	// 16 pages is the cap; the module starts with 2 (see TestLoadMemoryAboveLimit).
	if got := call(t, in, fnIndex(t, m, "grow"), i64(10)); got.I != 12 {
		t.Errorf("grow(10) = %d pages, want 12", got.I)
	}
	// A guest that checks memory.grow's result sees -1, and that is no fault.
	if got := call(t, in, fnIndex(t, m, "try_grow"), i64(5)); got.I != -1 {
		t.Errorf("try_grow(5) past the cap = %d, want -1", got.I)
	}
	ce := callFault(t, in, fnIndex(t, m, "grow"), MemoryLimit, i64(5))
	wantErr(t, ce, "memory limit", "1 MiB")
	stillWorks(t, in, m, gen)
	// The new instance starts again from the module's initial memory.
	if got := call(t, in, fnIndex(t, m, "grow"), i64(1)); got.I != 3 {
		t.Errorf("grow(1) on the new instance = %d pages, want 3", got.I)
	}
}

func writeSecret(t *testing.T) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("top secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestFileDenied: without AllowFS, opening a file fails inside the guest
// (ENOTCAPABLE); read_file traps on that, and the trap is reported as
// Forbidden. The same guest reads the file when the directory is granted.
func TestFileDenied(t *testing.T) {
	dir := writeSecret(t)
	name := str("secret.txt")

	m := load(t, newHost(t, Limits{}), "c_faults.wasm")
	in := instance(t, m)
	gen := in.Generation()
	if got := call(t, in, fnIndex(t, m, "try_open"), name); got.I != -errnoNotCapable {
		t.Errorf("try_open = %d, want -%d (ENOTCAPABLE)", got.I, errnoNotCapable)
	}
	ce := callFault(t, in, fnIndex(t, m, "read_file"), Forbidden, name)
	wantErr(t, ce, "denied path_open")
	stillWorks(t, in, m, gen)

	granted := load(t, newHost(t, Limits{AllowFS: []string{dir}}), "c_faults.wasm")
	if got := call(t, instance(t, granted), fnIndex(t, granted, "read_file"), name); got.I != int64(len("top secret")) {
		t.Errorf("read_file with AllowFS = %d bytes", got.I)
	}
}

// TestEnvAndClock: the guest sees no environment and a fake clock unless granted.
func TestEnvAndClock(t *testing.T) {
	t.Setenv("VELORT_UDF_TEST", "1")
	year2023 := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()

	m := load(t, newHost(t, Limits{}), "c_faults.wasm")
	in := instance(t, m)
	if got := call(t, in, fnIndex(t, m, "env_count")); got.I != 0 {
		t.Errorf("env_count = %d, want 0", got.I)
	}
	if got := call(t, in, fnIndex(t, m, "clock_ms")); got.I >= year2023 {
		t.Errorf("clock_ms = %d: the real clock leaked", got.I)
	}

	g := load(t, newHost(t, Limits{AllowEnv: true, AllowClock: true}), "c_faults.wasm")
	gin := instance(t, g)
	if got := call(t, gin, fnIndex(t, g, "env_count")); got.I != int64(len(os.Environ())) {
		t.Errorf("env_count with AllowEnv = %d, want %d", got.I, len(os.Environ()))
	}
	if got := call(t, gin, fnIndex(t, g, "clock_ms")); got.I < year2023 {
		t.Errorf("clock_ms with AllowClock = %d", got.I)
	}
}
