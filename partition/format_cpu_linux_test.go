//go:build linux

package partition

import (
	"os"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"unsafe"

	"github.com/nats-io/nats.go"
)

// threadCPU is the calling thread's CPU time in ns
// (CLOCK_THREAD_CPUTIME_ID): unlike the wall clock, time the thread
// waits for a core on a loaded machine does not count.
func threadCPU() int64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

// TestMetadataDecodeCPU measures what BenchmarkMetadataDecode does in
// thread CPU time, the two loops interleaved round by round, and logs the
// per-round difference (the cost per record of the subject-token column)
// and its median; subject2 is token 2 (site) instead of 4 (dev). It runs only with VELORT_CPU_ROUNDS set (a number of
// rounds); VELORT_CPU_N is records per round (default 2 000 000).
func TestMetadataDecodeCPU(t *testing.T) {
	rounds, _ := strconv.Atoi(os.Getenv("VELORT_CPU_ROUNDS"))
	if rounds == 0 {
		t.Skip("VELORT_CPU_ROUNDS not set")
	}
	n := 2_000_000
	if v, err := strconv.Atoi(os.Getenv("VELORT_CPU_N")); err == nil {
		n = v
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	nc := connectTo(t, startServer(t)).NC
	loops := nativeLoops(t, nc, nativeSQL)
	m := &nats.Msg{Subject: "plant.north.sensor.d7", Data: []byte(`{"k":"AAPL","v":7}`)}
	run := func(l *Loop) float64 {
		start := threadCPU()
		for range n {
			if _, ok, _ := l.decodeIn(m); !ok {
				t.Fatal("dead letter")
			}
		}
		return float64(threadCPU()-start) / float64(n)
	}
	var without, with, diff, with2, diff2 []float64
	for r := range rounds {
		var a, b, c float64
		if r%2 == 0 {
			a = run(loops["plain"])
			b = run(loops["tokens"])
			c = run(loops["sites"])
		} else {
			c = run(loops["sites"])
			b = run(loops["tokens"])
			a = run(loops["plain"])
		}
		without, with, diff = append(without, a), append(with, b), append(diff, b-a)
		with2, diff2 = append(with2, c), append(diff2, c-a)
		t.Logf("round %d: without %.2f ns, subject4 %.2f ns (difference %.2f), subject2 %.2f ns (difference %.2f)", r, a, b, b-a, c, c-a)
	}
	med := func(x []float64) float64 { x = slices.Clone(x); slices.Sort(x); return x[len(x)/2] }
	t.Logf("medians of %d rounds of %d records (thread CPU ns per record): without %.2f, subject4 %.2f (difference %.2f), subject2 %.2f (difference %.2f)",
		rounds, n, med(without), med(with), med(diff), med(with2), med(diff2))
}
