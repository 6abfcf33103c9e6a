package udf

import (
	"fmt"
	"time"
)

// Defaults for Limits' zero fields.
const (
	DefaultMemoryLimitBytes = 64 << 20
	DefaultTimeout          = 100 * time.Millisecond
	DefaultCompileTimeout   = 10 * time.Second
)

// Limits is the sandbox every instance of a Host runs in. The zero value
// grants nothing and applies the defaults.
type Limits struct {
	// MemoryLimitBytes caps each instance's linear memory (rounded up to
	// 64 KiB pages); 0 means DefaultMemoryLimitBytes.
	MemoryLimitBytes uint64
	// Timeout bounds one call; 0 means DefaultTimeout, negative means none
	// (a runaway guest then still yields to the Go scheduler, but never stops).
	Timeout time.Duration
	// CompileTimeout bounds the optimizing compilation of one module; a
	// module not compiled by then runs on wazero's interpreter (compile.go).
	// 0 means DefaultCompileTimeout (20 times that in a binary built with
	// -race), negative means none.
	CompileTimeout time.Duration
	// AllowFS mounts host directories read-only: "DIR" at the same path in
	// the guest, or "DIR:GUESTPATH". The first becomes WASI preopen fd 3.
	AllowFS []string
	// AllowEnv passes the host process's environment variables.
	AllowEnv bool
	// AllowClock gives real wall and monotonic clocks and a real sleep
	// (otherwise the clocks are fake and deterministic, and sleep returns at once).
	AllowClock bool
	// AllowNetwork is not supported: WASI preview 1 has no way to open a
	// socket. NewHost fails when it is set.
	AllowNetwork bool
}

func (l Limits) withDefaults() (Limits, error) {
	if l.MemoryLimitBytes == 0 {
		l.MemoryLimitBytes = DefaultMemoryLimitBytes
	}
	if l.MemoryLimitBytes > 4<<30 {
		return l, fmt.Errorf("udf: memory limit %d bytes exceeds the 4 GiB of 32-bit wasm", l.MemoryLimitBytes)
	}
	if l.Timeout == 0 {
		l.Timeout = DefaultTimeout
	}
	if l.CompileTimeout == 0 {
		l.CompileTimeout = DefaultCompileTimeout * raceSlowdown
	}
	if l.AllowNetwork {
		return l, fmt.Errorf("udf: network access cannot be granted: WASI preview 1 guests cannot open sockets")
	}
	return l, nil
}

func (l Limits) pages() uint32 { return uint32((l.MemoryLimitBytes + 65535) / 65536) }

// initTimeout bounds instantiation, which runs a guest's initializers
// (a Go guest's runtime start-up among them).
func (l Limits) initTimeout() time.Duration {
	if l.Timeout < 0 {
		return l.Timeout
	}
	return max(10*l.Timeout, time.Second)
}
