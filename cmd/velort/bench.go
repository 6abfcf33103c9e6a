package main

import (
	"fmt"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/velort/velort/internal/bench"
)

func newBenchCmd() *cobra.Command {
	var (
		mode    string
		records int
		runs    int
		asJSON  bool
		profile string
	)
	var names []string
	for _, s := range bench.Scenarios() {
		names = append(names, s.Name)
	}
	cmd := &cobra.Command{
		Use:   "bench [SCENARIO...]",
		Short: "Run the benchmark suite (SPEC §5) and print records/s with ratios",
		Long: `Run velort's benchmark suite: Velostream's scenarios S0, S1, S2, S3a, S3b,
the same with a WebAssembly UDF in the projection (S0-udf ...), and Nexmark
q0–q22, several queries each where Nexmark nests them, and the older reduced
forms q3-kv, q5-count, q7-max, q8-interval (all by default; their SQL is in
internal/bench/sql/).

Modes:
  engine  records pre-built in memory as typed rows, fed to one partition's
          synchronous pipeline on one core (GOMAXPROCS=1), as Velostream measured
  json    the same from JSON bytes in memory, with decode and encode
  nats    JSON over an embedded NATS server through a velort partition loop,
          beside the do-nothing relay ceiling measured in the same run
  both    engine and nats;  all: engine, json and nats

Each run checks the number of outputs against the scenario's expected count;
a Nexmark q0–q22 run checks its result row by row against an oracle computed
without the engine.
Scenarios: ` + strings.Join(names, ", "),
		RunE: func(cmd *cobra.Command, args []string) error {
			scs, err := bench.Select(args)
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			modes, err := bench.ParseModes(mode)
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			if records < 0 || runs < 1 {
				return &exitError{code: 2, err: fmt.Errorf("--records must be >= 0 and --runs >= 1")}
			}
			cfg := bench.Config{Scenarios: scs, Modes: modes, Records: records, Runs: runs, Logger: slog.Default()}
			var bar *progressbar.ProgressBar
			if benchIsTerminal(os.Stderr) {
				bar = progressbar.NewOptions(len(scs)*len(modes)*runs,
					progressbar.OptionSetWriter(os.Stderr),
					progressbar.OptionSetDescription("bench"),
					progressbar.OptionShowCount(),
					progressbar.OptionSetPredictTime(false),
					progressbar.OptionClearOnFinish())
				cfg.Progress = func(ev bench.Event) {
					if ev.Done {
						_ = bar.Add(1)
						return
					}
					bar.Describe(fmt.Sprintf("%-4s %-6s run %d/%d", ev.Scenario, ev.Mode, ev.Run, ev.Runs))
				}
			}
			stop, err := startCPUProfile(profile)
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			results, err := bench.Run(cmd.Context(), cfg)
			if perr := stop(); perr != nil && err == nil {
				err = perr
			}
			if bar != nil {
				_ = bar.Finish()
			}
			out := cmd.OutOrStdout()
			if asJSON {
				if werr := bench.WriteJSON(out, results); werr != nil {
					return werr
				}
			} else if len(results) > 0 {
				if werr := bench.WriteTable(out, results); werr != nil {
					return werr
				}
			}
			return err
		},
	}
	cmd.Flags().StringVar(&mode, "mode", "engine", "engine, json, nats, both (engine and nats) or all; or a comma-separated list")
	cmd.Flags().IntVar(&records, "records", 0, fmt.Sprintf("records per run (default %d in engine/json mode, %d in nats mode)", bench.DefaultRecords(bench.ModeEngine), bench.DefaultRecords(bench.ModeNATS)))
	cmd.Flags().IntVar(&runs, "runs", 3, "runs per scenario and mode; figures are medians")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per (scenario, mode) instead of the table")
	cmd.Flags().StringVar(&profile, "cpuprofile", "", "write a CPU profile of the runs (pprof format) to this file; cmd/velort/default.pgo is one (docs/architecture.md, \"Profile-guided build\")")
	return cmd
}

// startCPUProfile starts writing a CPU profile to path (nothing when path
// is empty); stop ends it and closes the file.
func startCPUProfile(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// benchIsTerminal reports whether f is a terminal (the progress bar is
// drawn only then).
func benchIsTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
