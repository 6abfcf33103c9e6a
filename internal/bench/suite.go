package bench

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// Mode is how a scenario is run.
type Mode string

// Modes.
const (
	ModeEngine Mode = "engine" // typed rows in memory → pipeline, one core
	ModeJSON   Mode = "json"   // JSON bytes in memory → decode → pipeline → encode, one core
	ModeNATS   Mode = "nats"   // JSON over the embedded NATS server, beside the relay ceiling
)

// ParseModes reads --mode: engine, json, nats, both (engine and nats),
// all, or a comma-separated list of these.
func ParseModes(s string) ([]Mode, error) {
	var out []Mode
	add := func(ms ...Mode) {
		for _, m := range ms {
			if !containsMode(out, m) {
				out = append(out, m)
			}
		}
	}
	for _, p := range strings.Split(s, ",") {
		switch strings.ToLower(strings.TrimSpace(p)) {
		case "engine":
			add(ModeEngine)
		case "json":
			add(ModeJSON)
		case "nats":
			add(ModeNATS)
		case "both":
			add(ModeEngine, ModeNATS)
		case "all":
			add(ModeEngine, ModeJSON, ModeNATS)
		default:
			return nil, fmt.Errorf("unknown mode %q: expected engine, json, nats, both or all", p)
		}
	}
	return out, nil
}

func containsMode(ms []Mode, m Mode) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

// DefaultRecords is the number of records per run when --records is not given.
func DefaultRecords(m Mode) int {
	if m == ModeNATS {
		return 500_000
	}
	return 1_000_000
}

// Config selects what Run measures.
type Config struct {
	Scenarios []*Scenario // nil: all
	Modes     []Mode      // nil: engine
	Records   int         // per run; 0: DefaultRecords of the mode
	Runs      int         // per (scenario, mode); 0: 3
	Logger    *slog.Logger
	// Progress, when set, is called before and after each run.
	Progress func(Event)
}

// Event reports a run starting (Done false) or finished (Done true).
type Event struct {
	Scenario   string
	Mode       Mode
	Run, Runs  int // 1-based run of Runs
	Step       int // runs finished so far, of Steps
	Steps      int
	Done       bool
	RecordsPer float64 // the finished run's records/s
}

// Run measures every (scenario, mode) and returns one Result each, in
// order. Each run's output count is checked against the expected count;
// a mismatch is an error.
func Run(ctx context.Context, cfg Config) ([]Result, error) {
	if cfg.Scenarios == nil {
		cfg.Scenarios = Scenarios()
	}
	if cfg.Modes == nil {
		cfg.Modes = []Mode{ModeEngine}
	}
	if cfg.Runs <= 0 {
		cfg.Runs = 3
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	progress := cfg.Progress
	if progress == nil {
		progress = func(Event) {}
	}
	var env *natsEnv
	if containsMode(cfg.Modes, ModeNATS) {
		var err error
		if env, err = startNATS(cfg.Logger); err != nil {
			return nil, err
		}
		defer env.close()
	}
	steps := len(cfg.Scenarios) * len(cfg.Modes) * cfg.Runs
	step := 0
	var results []Result
	for _, s := range cfg.Scenarios {
		if s.nx != nil { // several queries, checked against an oracle (nexmark_run.go)
			rs, err := runNexmark(ctx, cfg, env, s, progress, &step, steps)
			results = append(results, rs...)
			if err != nil {
				return results, err
			}
			continue
		}
		q, err := s.plan(ctx)
		if err != nil {
			return results, fmt.Errorf("scenario %s: %w", s.Name, err)
		}
		rs, err := runScenario(ctx, cfg, env, s, q, progress, &step, steps)
		q.close()
		results = append(results, rs...)
		if err != nil {
			return results, err
		}
	}
	return results, nil
}

// runScenario measures one scenario in every mode; *step counts the runs
// done so far, of steps.
func runScenario(ctx context.Context, cfg Config, env *natsEnv, s *Scenario, q *query, progress func(Event), step *int, steps int) ([]Result, error) {
	var results []Result
	for _, mode := range cfg.Modes {
		n := cfg.Records
		if n <= 0 {
			n = DefaultRecords(mode)
		}
		ds, err := buildDataset(s, q, n, mode != ModeEngine)
		if err != nil {
			return results, err
		}
		var runs []measurement
		for k := 1; k <= cfg.Runs; k++ {
			if err := ctx.Err(); err != nil {
				return results, err
			}
			ev := Event{Scenario: s.Name, Mode: mode, Run: k, Runs: cfg.Runs, Step: *step, Steps: steps}
			progress(ev)
			var m measurement
			switch mode {
			case ModeEngine, ModeJSON:
				m, err = runEngine(q, ds, mode == ModeJSON)
			case ModeNATS:
				m, err = runNATS(env, q, ds)
			}
			if err == nil && m.outputs != ds.Expected {
				err = fmt.Errorf("%d outputs, expected %d", m.outputs, ds.Expected)
			}
			if err != nil {
				return results, fmt.Errorf("scenario %s, %s mode, run %d: %w", s.Name, mode, k, err)
			}
			runs = append(runs, m)
			*step++
			ev.Step, ev.Done, ev.RecordsPer = *step, true, float64(n)/m.elapsed.Seconds()
			progress(ev)
			cfg.Logger.Debug("bench run", "scenario", s.Name, "mode", mode, "run", k, "records", n, "seconds", m.elapsed.Seconds(), "outputs", m.outputs)
		}
		results = append(results, summarize(s, mode, n, ds.Expected, runs))
	}
	return results, nil
}
