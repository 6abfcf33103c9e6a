package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/velort/velort/udf"
)

func newUDFCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "udf",
		Short: "Work with WebAssembly user-function modules",
	}
	var compileTimeout time.Duration
	inspect := &cobra.Command{
		Use:   "inspect FILE.wasm",
		Short: "List the functions a module declares, with their signatures (checked against the exports)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			host, err := udf.NewHost(ctx, udf.Limits{CompileTimeout: compileTimeout}, "")
			if err != nil {
				return err
			}
			defer host.Close(ctx)
			m, err := host.Load(ctx, args[0])
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			defer m.Close(ctx)
			sigs, engine := m.Functions(), m.Engine()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s (ABI %s)\n", args[0], udf.ABI)
			if engine != udf.EngineCompiler {
				fmt.Fprintf(out, "  runs on wazero's %s\n", engine)
			}
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
			for _, c := range m.Codecs() { // format = 'wasm' (docs/udf.md "Codecs")
				fmt.Fprintf(out, "  codec %s  [init %s, decode %s, encode %s]\n", c.Name, c.Init, or(c.Decode, "-"), or(c.Encode, "-"))
			}
			return nil
		},
	}
	inspect.Flags().DurationVar(&compileTimeout, "udf-compile-timeout", udf.DefaultCompileTimeout,
		"run the module on wazero's interpreter if its optimizing compilation takes longer (negative: no limit)")
	cmd.AddCommand(inspect)
	return cmd
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
