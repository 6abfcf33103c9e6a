package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/velort/velort/engine"
)

func newCheckCmd() *cobra.Command {
	var plugins string
	cmd := &cobra.Command{
		Use:   "check FILE.sql",
		Short: "Parse, resolve and type-check a SQL file; exit non-zero with file:line:col on error",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := engine.Check(cmd.Context(), engine.File(args[0]), engine.Options{Plugins: plugins})
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s: ok (%d streams, %d queries, %d functions)\n", args[0], r.Streams, len(r.Queries), r.Functions)
			for _, q := range r.Queries {
				fmt.Fprintf(out, "query %s: %s → %s\n  input kind: %s\n  output kind: %s\n", q.Name, q.Source, q.Sink, q.InputKind, q.OutputKind)
				for _, w := range q.Warnings {
					fmt.Fprintf(out, "  warning: %s\n", w)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&plugins, "plugins", "", "directory of .wasm plugins whose functions the file may call")
	return cmd
}
