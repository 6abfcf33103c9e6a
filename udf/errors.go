package udf

import (
	"errors"
	"fmt"
	"strings"
)

// ErrorKind classifies a fault in a call.
type ErrorKind uint8

// Fault kinds.
const (
	Trap        ErrorKind = iota // the guest trapped (unreachable, divide by zero, out-of-bounds, exit, ...)
	Timeout                      // the call ran longer than Limits.Timeout
	MemoryLimit                  // the guest failed after memory.grow hit Limits.MemoryLimitBytes
	Forbidden                    // the guest failed after the sandbox denied it a capability
)

func (k ErrorKind) String() string {
	switch k {
	case Timeout:
		return "timeout"
	case MemoryLimit:
		return "memory limit"
	case Forbidden:
		return "forbidden"
	}
	return "trap"
}

// CallError is a fault in a call. The Instance has already replaced its
// wasm instance when it returns one, so the next call runs on a fresh one.
type CallError struct {
	Kind   ErrorKind
	Func   string // the SQL function name
	Detail string // one-line description
	Output string // the tail of what the guest wrote to stdout/stderr during the call
	Err    error  // wazero's error, with the wasm stack trace
}

func (e *CallError) Error() string {
	s := "udf " + e.Func + ": " + e.Kind.String() + ": " + e.Detail
	if e.Output != "" {
		s += " (guest output: " + e.Output + ")"
	}
	return s
}

func (e *CallError) Unwrap() error { return e.Err }

// ErrStateLost is returned for an aggregate state created before the
// instance was replaced after a fault: states live in the guest and died with it.
var ErrStateLost = errors.New("udf: aggregate state lost: the instance was replaced after a fault")

// errTimeout is what the yield host function panics with.
var errTimeout = errors.New("udf: call deadline passed")

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSuffix(s, " (recovered by wazero)")
}

// tailBuffer keeps the last bytes a guest wrote to stdout and stderr.
type tailBuffer struct{ b []byte }

const tailMax = 1024

func (t *tailBuffer) Write(p []byte) (int, error) {
	if len(p) >= tailMax {
		t.b = append(t.b[:0], p[len(p)-tailMax:]...)
		return len(p), nil
	}
	if len(t.b)+len(p) > tailMax {
		t.b = append(t.b[:0], t.b[len(t.b)+len(p)-tailMax:]...)
	}
	t.b = append(t.b, p...)
	return len(p), nil
}

func (t *tailBuffer) String() string {
	return strings.Join(strings.Fields(string(t.b)), " ")
}

func mib(b uint64) string { return fmt.Sprintf("%d MiB", b>>20) }
