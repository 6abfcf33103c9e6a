package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/velort/velort/udf"
)

func newUDFCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "udf",
		Short: "Work with WebAssembly user-function modules",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "inspect FILE.wasm",
		Short: "List the functions a module declares, with their signatures (checked against the exports)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			host, err := udf.NewHost(ctx, udf.Limits{}, "")
			if err != nil {
				return err
			}
			defer host.Close(ctx)
			sigs, err := udf.Inspect(ctx, host, args[0])
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s (ABI %s)\n", args[0], udf.ABI)
			for _, s := range sigs {
				fmt.Fprintf(out, "  %s", s)
				if s.Kind == udf.Scalar && s.Export != "" && s.Export != s.Name {
					fmt.Fprintf(out, "  [export %s]", s.Export)
				}
				if s.HandlesNull {
					fmt.Fprint(out, "  [handles NULL]")
				}
				if s.Batch != "" {
					fmt.Fprintf(out, "  [batch %s]", s.Batch)
				}
				fmt.Fprintln(out)
			}
			return nil
		},
	})
	return cmd
}
