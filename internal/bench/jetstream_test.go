package bench

import (
	"context"
	"os"
	"strconv"
	"testing"
)

// TestDurableS0Small checks the durable runner end to end on a small
// input: velort and the relay each deliver every record once (counted
// by both).
func TestDurableS0Small(t *testing.T) {
	res, err := DurableS0(context.Background(), 3000, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.VelortMedian <= 0 || res.RelayMedian <= 0 {
		t.Fatalf("no throughput measured: %+v", res)
	}
}

// BenchmarkDurableS0 is the "Durable (JetStream)" figure of BENCHMARKS.md:
// S0 from a JetStream stream to a JetStream sink with message ids, against
// the do-nothing JetStream relay in the same run; medians of 3 runs.
//
//	go test -run XXX -bench DurableS0 -benchtime 1x ./internal/bench
//
// VELORT_BENCH_RECORDS overrides the 200,000 records per run.
func BenchmarkDurableS0(b *testing.B) {
	records := 200000
	if v, err := strconv.Atoi(os.Getenv("VELORT_BENCH_RECORDS")); err == nil && v > 0 {
		records = v
	}
	for range b.N {
		res, err := DurableS0(context.Background(), records, 3, nil)
		if err != nil {
			b.Fatal(err)
		}
		for i := range res.Velort {
			b.Logf("run %d: velort %.0f rec/s, relay %.0f rec/s, ratio %.2f", i+1, res.Velort[i], res.Relay[i], res.Velort[i]/res.Relay[i])
		}
		b.ReportMetric(res.VelortMedian, "velort_rec/s")
		b.ReportMetric(res.RelayMedian, "relay_rec/s")
		b.ReportMetric(res.RatioMedian, "ratio")
		b.ReportMetric(0, "ns/op")
	}
}
