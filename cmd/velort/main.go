// Command velort runs continuous SQL queries over NATS. See README.md.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "velort:", err)
		os.Exit(exitCode(err))
	}
}
