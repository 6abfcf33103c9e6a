package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/velort/velort/engine"
)

func newExplainCmd() *cobra.Command {
	var plugins string
	cmd := &cobra.Command{
		Use:   "explain FILE.sql",
		Short: "Print the physical plan: partitions, operators, subjects, UDF bindings",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			text, err := engine.Explain(cmd.Context(), engine.File(args[0]), engine.Options{Plugins: plugins})
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			fmt.Fprint(cmd.OutOrStdout(), text) // stdout (cobra's Print writes to stderr)
			return nil
		},
	}
	cmd.Flags().StringVar(&plugins, "plugins", "", "directory of .wasm plugins whose functions the file may call")
	return cmd
}
