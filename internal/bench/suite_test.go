package bench

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
)

// TestEveryScenarioEveryMode runs each scenario once in each mode on a
// small input; Run fails when a run's output count differs from the
// count computed independently of the engine.
func TestEveryScenarioEveryMode(t *testing.T) {
	const n = 2000
	res, err := Run(context.Background(), Config{
		Modes:   []Mode{ModeEngine, ModeJSON, ModeNATS},
		Records: n,
		Runs:    1,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := len(scenarios) * 3; len(res) != want {
		t.Fatalf("%d results, want %d", len(res), want)
	}
	for _, r := range res {
		if r.Outputs != r.ExpectedOutputs || r.Outputs == 0 {
			t.Errorf("%s %s: %d outputs, expected %d", r.Scenario, r.Mode, r.Outputs, r.ExpectedOutputs)
		}
		if r.Records != n || r.RecordsPerSec <= 0 {
			t.Errorf("%s %s: records %d, records/s %v", r.Scenario, r.Mode, r.Records, r.RecordsPerSec)
		}
		if r.Mode == ModeNATS && (r.RelayRecordsPerSec <= 0 || r.RatioToRelay <= 0) {
			t.Errorf("%s nats: relay %v records/s, ratio %v", r.Scenario, r.RelayRecordsPerSec, r.RatioToRelay)
		}
		t.Logf("%s %s: %d outputs", r.Scenario, r.Mode, r.Outputs)
	}
}

// TestChangelogScenariosWithUpdates runs the changelog scenarios in every
// mode over more records than they have keys (10,000), so that records
// update keys, move them between groups and retract: each move is two
// outputs (the old group's row and the new one's), an update in place one.
// (TestEveryScenarioEveryMode's 2000 records only insert: a loop that read
// the changelog as facts passed it, with one output per record.)
func TestChangelogScenariosWithUpdates(t *testing.T) {
	const n = 25_000
	for _, name := range []string{"S2-changelog", "S2-changelog-sum"} {
		s, ok := Lookup(name)
		if !ok {
			t.Fatalf("no scenario %s", name)
		}
		res, err := Run(context.Background(), Config{Scenarios: []*Scenario{s}, Modes: []Mode{ModeEngine, ModeJSON, ModeNATS}, Records: n, Runs: 1,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 3 {
			t.Fatalf("%s: %d results, want one per mode (3)", name, len(res))
		}
		for _, r := range res {
			if r.ExpectedOutputs <= n || r.Outputs != r.ExpectedOutputs {
				t.Errorf("%s %s: %d outputs, expected %d (of %d records)", name, r.Mode, r.Outputs, r.ExpectedOutputs, n)
			}
		}
	}
}

// TestWindowedScenariosOverManyWindows runs the windowed scenarios in
// engine mode over enough records to close many windows.
func TestWindowedScenariosOverManyWindows(t *testing.T) {
	for _, name := range []string{"S3a", "q5-count", "q7-max"} {
		s, _ := Lookup(name)
		q, ds := planned(t, s, 250_000, false)
		m, err := runEngine(q, ds, false)
		if err != nil {
			t.Fatal(err)
		}
		if m.outputs != ds.Expected {
			t.Errorf("%s: %d outputs, expected %d", name, m.outputs, ds.Expected)
		}
		t.Logf("%s: %d outputs", name, m.outputs)
	}
}

func TestSelectAndModes(t *testing.T) {
	got, err := Select([]string{"s3A", "nexmark-q5"})
	if err != nil || len(got) != 2 || got[0].Name != "S3a" || got[1].Name != "q5" {
		t.Fatalf("Select = %v, %v", got, err)
	}
	if _, err := Select([]string{"S9"}); err == nil {
		t.Fatal("Select(S9) succeeded")
	}
	modes, err := ParseModes("both,json")
	if err != nil || len(modes) != 3 || modes[0] != ModeEngine || modes[1] != ModeNATS || modes[2] != ModeJSON {
		t.Fatalf("ParseModes = %v, %v", modes, err)
	}
	if _, err := ParseModes("fast"); err == nil {
		t.Fatal(`ParseModes("fast") succeeded`)
	}
}

// TestEverySQLFileIsAScenario keeps sql/ and the scenario list in step.
func TestEverySQLFileIsAScenario(t *testing.T) {
	files, err := sqlFiles.ReadDir("sql")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{"numeric.wasm": true, "c_msgpack.wasm": true, "s0.binpb": true}
	for _, s := range scenarios {
		used[s.File] = true
		plan := s.plan
		if s.nx != nil {
			plan = s.planNx
		}
		q, err := plan(context.Background())
		if err != nil {
			t.Errorf("%s: %v", s.Name, err)
			continue
		}
		q.close()
	}
	for _, f := range files {
		if !used[f.Name()] {
			t.Errorf("sql/%s belongs to no scenario", f.Name())
		}
	}
	// The UDF variants' module is a copy of the test plugin built from
	// plugins/examples/c/numeric.c.
	want, err := os.ReadFile("../../testdata/plugins/c_numeric.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := sqlFiles.ReadFile("sql/numeric.wasm"); !bytes.Equal(got, want) {
		t.Error("sql/numeric.wasm differs from testdata/plugins/c_numeric.wasm: copy it again")
	}
}
