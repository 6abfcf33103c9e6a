package bench

import (
	"context"
	"io"
	"log/slog"
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

// TestNexmarkAgainstOracle runs every full Nexmark query in engine and
// nats modes over 40,000 events (4 s of event time at least: several
// windows close); Run compares each run's result, row by row, with the
// oracle's.
func TestNexmarkAgainstOracle(t *testing.T) {
	for _, s := range nxScenarios() {
		t.Run(s.Name, func(t *testing.T) {
			res, err := Run(context.Background(), Config{Scenarios: []*Scenario{s}, Modes: []Mode{ModeEngine, ModeNATS}, Records: 40_000, Runs: 1,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				if r.Outputs != r.ExpectedOutputs || r.Outputs == 0 {
					t.Fatalf("%s: %d rows, the oracle %d", r.Mode, r.Outputs, r.ExpectedOutputs)
				}
				t.Logf("%s %s: %d rows, %.0f records/s", s.Name, r.Mode, r.Outputs, r.RecordsPerSec)
			}
		})
	}
}
