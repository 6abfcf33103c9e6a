//go:build !linux

package udf

import "time"

// haveThreadClock: without a per-thread CPU clock the timeout counts
// wall-clock time from the call's first yield, waits for a CPU included.
const haveThreadClock = false

func threadCPU() (time.Duration, bool) { return 0, false }
