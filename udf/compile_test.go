package udf

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// logBuffer collects what slog writes during a test.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func captureLogs(t *testing.T) *logBuffer {
	t.Helper()
	buf := &logBuffer{}
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(buf, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })
	return buf
}

// branchyNesting is nestedBlocks with a br_if out of every block: the shape
// whose optimizing compilation grows with the square of the depth (100 000
// deep: minutes).
func branchyNesting(n int) *genModule {
	g := newGen()
	body := []byte{0}
	for range n {
		body = append(body, 0x02, 0x40, 0x20, 0, 0xa7, 0x0d, 0) // block; local.get 0; i32.wrap_i64; br_if 0
	}
	body = append(body, bytes.Repeat([]byte{0x0b}, n)...)
	body = append(body, 0x20, 0, 0x0b)
	g.export("deep", g.fn(typeI64I64, body))
	g.manifest(`{"functions": [{"name": "deep", "params": ["BIGINT"], "returns": "BIGINT"}]}`)
	return g
}

// TestDeepNestingRunsOnInterpreter loads modules with 100 000 nested blocks:
// the optimizing compiler would take minutes (the load took 62 s in velort
// udf inspect); they run on the interpreter, with a warning, and compute the
// same.
func TestDeepNestingRunsOnInterpreter(t *testing.T) {
	for name, g := range map[string]*genModule{"plain": nestedBlocks(100_000), "br_if": branchyNesting(100_000)} {
		t.Run(name, func(t *testing.T) {
			logs := captureLogs(t)
			path := g.write(t, "deep.wasm")
			m, err := newHost(t, Limits{}).Load(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			if m.Engine() != EngineInterpreter {
				t.Errorf("engine %s", m.Engine())
			}
			if got := call(t, instance(t, m), 0, i64(7)); got.I != 7 {
				t.Errorf("deep(7) = %d", got.I)
			}
			if l := logs.String(); !strings.Contains(l, "runs on the interpreter") || !strings.Contains(l, path) || !strings.Contains(l, "100000 deep") {
				t.Errorf("warning: %q", l)
			}
		})
	}
}

// TestCompileTimeoutFallsBackToInterpreter: a module whose optimizing
// compilation overruns Limits.CompileTimeout runs on the interpreter at once;
// the abandoned compilation ends on its own after the host is closed.
func TestCompileTimeoutFallsBackToInterpreter(t *testing.T) {
	logs := captureLogs(t)
	h, err := NewHost(context.Background(), Limits{CompileTimeout: 1}, "")
	if err != nil {
		t.Fatal(err)
	}
	m, err := h.Load(context.Background(), plugin("c_numeric.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Engine() != EngineInterpreter {
		t.Errorf("engine %s", m.Engine())
	}
	in, err := m.NewInstance(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := call(t, in, fnIndex(t, m, "fee"), f64(2000), i64(3)); got.F != 6 {
		t.Errorf("fee(2000, 3) = %v", got.F)
	}
	if l := logs.String(); !strings.Contains(l, "did not finish within 1ns") || !strings.Contains(l, "c_numeric.wasm") {
		t.Errorf("warning: %q", l)
	}
	h.Close(context.Background())
}

// TestOrdinaryModulesAreCompiled: the shape bounds leave real guests, Go's
// deepest functions among them, to the optimizing compiler.
func TestOrdinaryModulesAreCompiled(t *testing.T) {
	if e := riskModule(t).Engine(); e != EngineCompiler {
		t.Errorf("risk.wasm engine %s", e)
	}
	if e := load(t, newHost(t, Limits{}), "c_strings.wasm").Engine(); e != EngineCompiler {
		t.Errorf("c_strings.wasm engine %s", e)
	}
}
