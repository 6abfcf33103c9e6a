package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/velort/velort/udf"
)

func newExplainCmd() *cobra.Command {
	var plugins string
	cmd := &cobra.Command{
		Use:   "explain FILE.sql",
		Short: "Print the physical plan: partitions, operators, subjects, UDF bindings",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pl, host, err := loadPlan(cmd.Context(), args[0], plugins, udf.Limits{})
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			defer host.Close(cmd.Context())
			fmt.Fprint(cmd.OutOrStdout(), pl.Explain()) // stdout (cobra's Print writes to stderr)
			return nil
		},
	}
	cmd.Flags().StringVar(&plugins, "plugins", "", "directory of .wasm plugins whose functions the file may call")
	return cmd
}
