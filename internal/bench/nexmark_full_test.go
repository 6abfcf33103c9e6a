package bench

import (
	"context"
	"github.com/velort/velort/planner"
	"github.com/velort/velort/runtime"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
)

// nxScenarios are the multi-stage Nexmark scenarios.
func nxScenarios() []*Scenario {
	var out []*Scenario
	for _, s := range scenarios {
		if s.nx != nil {
			out = append(out, s)
		}
	}
	return out
}

// TestNexmarkAgainstOracle runs every full Nexmark query in engine mode
// over 40,000 events (4 s of event time at least: several windows close)
// and in nats mode over 10,000; Run compares each run's result, row by
// row, with the oracle's.
func TestNexmarkAgainstOracle(t *testing.T) {
	for _, s := range nxScenarios() {
		t.Run(s.Name, func(t *testing.T) {
			var res []Result
			for _, run := range []struct {
				mode Mode
				n    int
			}{{ModeEngine, 40_000}, {ModeNATS, 10_000}} {
				r, err := Run(context.Background(), Config{Scenarios: []*Scenario{s}, Modes: []Mode{run.mode}, Records: run.n, Runs: 1,
					Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
				if err != nil {
					t.Fatal(err)
				}
				res = append(res, r...)
			}
			for _, r := range res {
				if r.Outputs != r.ExpectedOutputs || r.Outputs == 0 {
					t.Fatalf("%s: %d rows, the oracle %d", r.Mode, r.Outputs, r.ExpectedOutputs)
				}
				// (at least the records; at most 50 events per record, a
				// query of people alone: 1 in 50)
				if r.NexmarkEvents < r.Records || r.NexmarkEvents > r.Records*50+50 || r.EventsPerSec < r.RecordsPerSec {
					t.Errorf("%s: %d records are %d Nexmark events (%v/s, records %v/s)", r.Mode, r.Records, r.NexmarkEvents, r.EventsPerSec, r.RecordsPerSec)
				}
				t.Logf("%s %s: %d rows, %.0f records/s", s.Name, r.Mode, r.Outputs, r.RecordsPerSec)
			}
		})
	}
}

// BenchmarkNexmarkGraph times engine mode of each full Nexmark query over
// NEXMARK_EVENTS events (default 200,000) per iteration: records/s per
// event of the streams it reads, wall clock and per CPU second of the
// process (load-independent on a shared machine), and events/cpu-s,
// Nexmark's count: every event the generator made up to the last record
// fed, of any kind (the people and auctions a bids-only query's stream
// never receives included); the result is checked against the oracle
// each time.
func BenchmarkNexmarkGraph(b *testing.B) {
	for _, s := range nxScenarios() {
		b.Run(s.Name, func(b *testing.B) {
			q, err := s.planNx(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			n := 200_000
			if v, err := strconv.Atoi(os.Getenv("NEXMARK_EVENTS")); err == nil && v > 0 {
				n = v
			}
			in, err := s.nxInput(q, n, false)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			var secs, cpu float64
			for range b.N {
				m, sink, err := runGraph(s, q, in, false, false)
				cpu += lastCPU.Seconds()
				if err == nil {
					err = checkResult(in, sink, func() (*outSink, error) {
						_, again, err := runGraph(s, q, in, false, true)
						return again, err
					})
				}
				if err != nil {
					b.Fatal(err)
				}
				secs += m.elapsed.Seconds()
			}
			b.ReportMetric(float64(b.N*len(in.ev.rows))/secs, "records/s")
			b.ReportMetric(float64(b.N*len(in.ev.rows))/cpu, "records/cpu-s")
			b.ReportMetric(float64(b.N*in.ev.generated)/cpu, "events/cpu-s")
		})
	}
}

// TestCanonCell: numbers of any type compare equal when equal, decimals
// exactly, without trailing zeros.
func TestCanonCell(t *testing.T) {
	for _, c := range []struct {
		v    runtime.Value
		want string
	}{
		{runtime.Decimal(123450, 3), "123.45"},
		{runtime.Decimal(-5, 2), "-0.05"},
		{runtime.Decimal(-100, 2), "-1"},
		{runtime.Decimal(7000, 3), "7"},
		{runtime.Decimal(1001, 3), "1.001"},
		{runtime.Int(42), "42"},
		{runtime.Double(42), "42"},
		{runtime.Double(0.1 + 0.2), "0.3"},
		{runtime.Timestamp(1705276800000), "1705276800000"},
		{runtime.Null, "\x00"},
	} {
		if got := string(canonCell(nil, c.v)); got != c.want {
			t.Errorf("canonCell(%+v) = %q, want %q", c.v, got, c.want)
		}
	}
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { buf = canonCell(buf[:0], runtime.Decimal(123456, 3)) }); n != 0 {
		t.Errorf("canonCell of a DECIMAL allocates %v times", n)
	}
}

// TestNexmarkCheckCatchesADifference: the check fails a run whose result
// differs from the oracle's by one row, or by one value of a changelog's
// row, and shows the row — in engine and nats modes.
func TestNexmarkCheckCatchesADifference(t *testing.T) {
	for _, c := range []struct {
		name   string
		mutate func([]string) []string
	}{
		{"q2", func(rows []string) []string { return rows[1:] }}, // append-only: a row missing
		{"q4", func(rows []string) []string { // changelog: a value changed
			rows[0] += "1"
			return rows
		}},
	} {
		orig, _ := Lookup(c.name)
		s := *orig
		nx := *orig.nx
		nx.oracle = func(ev *nxEvents) []string { return c.mutate(orig.nx.oracle(ev)) }
		s.nx = &nx
		for _, mode := range []Mode{ModeEngine, ModeNATS} {
			_, err := Run(context.Background(), Config{Scenarios: []*Scenario{&s}, Modes: []Mode{mode}, Records: 5000, Runs: 1,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err == nil || !strings.Contains(err.Error(), "differs from the oracle's") || !strings.Contains(err.Error(), "missing") {
				t.Errorf("%s %s with a mutated oracle: %v", c.name, mode, err)
			}
		}
	}
}

// TestNexmarkChainForms runs the chain form of each multi-stage query
// (testdata/nexmark_chain: one CREATE STREAM … AS SELECT per stage) in
// engine and nats modes against the oracle of the registered, nested form.
func TestNexmarkChainForms(t *testing.T) {
	files, err := os.ReadDir("testdata/nexmark_chain")
	if err != nil {
		t.Fatal(err)
	}
	env, err := startNATS(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer env.close()
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f.Name(), "nexmark_"), ".sql")
		t.Run(name, func(t *testing.T) {
			s, ok := Lookup(name)
			if !ok || s.nx == nil {
				t.Fatalf("no multi-stage scenario %s", name)
			}
			path := "testdata/nexmark_chain/" + f.Name()
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			pl, err := planner.Parse(path, string(text), planner.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(pl.Queries) < 2 {
				t.Fatalf("%d queries: not a chain", len(pl.Queries))
			}
			for _, q := range pl.Queries {
				if q.Sink.Hidden {
					t.Fatalf("query %s writes a hidden stage: the chain form must not nest", q.Name)
				}
			}
			q := &query{Query: pl.Queries[0], pl: pl, ctx: context.Background()}
			for _, mode := range []Mode{ModeEngine, ModeNATS} {
				in, err := s.nxInput(q, 10_000, mode == ModeNATS)
				if err != nil {
					t.Fatal(err)
				}
				var sink *outSink
				if mode == ModeNATS {
					_, sink, err = runGraphNATS(env, s, q, in, true)
				} else {
					_, sink, err = runGraph(s, q, in, false, true)
				}
				if err == nil {
					err = checkResult(in, sink, nil)
				}
				if err != nil {
					t.Fatalf("%s: %v", mode, err)
				}
			}
		})
	}
}
