package bench

import (
	"context"
	"testing"
)

// benchPayloads times json mode (messages in memory, decode, pipeline,
// encode) of a scenario, its messages in its streams' formats:
// BenchmarkPayloadsS0 (JSON) against BenchmarkPayloadsS0Wasm (the C
// MessagePack codec in and out). op = record.
func benchPayloads(b *testing.B, name string) {
	s, ok := Lookup(name)
	if !ok {
		b.Fatalf("no scenario %s", name)
	}
	q, err := s.plan(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer q.close()
	ds, err := buildDataset(s, q, 1<<16, true)
	if err != nil {
		b.Fatal(err)
	}
	e, err := newEngine(q, true)
	if err != nil {
		b.Fatal(err)
	}
	defer e.release()
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(len(ds.JSON), b.N-done)
		if err := e.feedJSON(ds.JSON[:n]); err != nil {
			b.Fatal(err)
		}
		done += n
	}
	b.StopTimer()
	if err := e.formatErr(); err != nil {
		b.Fatal(err)
	}
	if e.outs != int64(b.N) {
		b.Fatalf("%d outputs for %d records", e.outs, b.N)
	}
}

func BenchmarkPayloadsS0(b *testing.B)     { benchPayloads(b, "S0") }
func BenchmarkPayloadsS0Wasm(b *testing.B) { benchPayloads(b, "S0-wasm") }
