package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/velort/velort/planner"
	"github.com/velort/velort/udf"
)

func newCheckCmd() *cobra.Command {
	var plugins string
	cmd := &cobra.Command{
		Use:   "check FILE.sql",
		Short: "Parse, resolve and type-check a SQL file; exit non-zero with file:line:col on error",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pl, host, err := loadPlan(cmd.Context(), args[0], plugins, udf.Limits{})
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			defer host.Close(cmd.Context())
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s: ok (%d streams, %d queries, %d functions)\n", args[0], len(pl.Streams), len(pl.Queries), len(pl.Functions))
			for _, q := range pl.Queries {
				fmt.Fprintf(out, "query %s: %s → %s\n  input kind: %s\n  output kind: %s\n", q.Name, q.Source.Name, q.Sink.Name, q.InputKindText(), q.OutputKindText())
				for _, w := range q.Warnings() {
					fmt.Fprintf(out, "  warning: %s\n", w)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&plugins, "plugins", "", "directory of .wasm plugins whose functions the file may call")
	return cmd
}

// loadPlan plans a file: it loads the --plugins modules and registers
// their functions, then loads the modules of CREATE FUNCTION statements
// and verifies their signatures. The caller closes the returned host.
func loadPlan(ctx context.Context, file, plugins string, lim udf.Limits, maxValueBytes ...int) (*planner.Plan, *udf.Host, error) {
	cache := ""
	if dir, err := os.UserCacheDir(); err == nil {
		cache = filepath.Join(dir, "velort", "wazero")
	}
	host, err := udf.NewHost(ctx, lim, cache)
	if err != nil {
		return nil, nil, err
	}
	var opts planner.Options
	if len(maxValueBytes) > 0 {
		opts.MaxValueBytes = maxValueBytes[0]
	}
	if plugins != "" {
		fns, err := planner.PluginFunctions(ctx, host, plugins)
		if err != nil {
			host.Close(ctx)
			return nil, nil, fmt.Errorf("--plugins %s: %w", plugins, err)
		}
		opts.Functions = fns
	}
	pl, err := planner.ParseFile(file, opts)
	if err == nil {
		err = pl.LoadModules(ctx, host)
	}
	if err != nil {
		host.Close(ctx)
		return nil, nil, err
	}
	return pl, host, nil
}
