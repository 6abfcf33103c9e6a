package udf

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
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
// With a 1 ns limit the compilation overruns unless the loading goroutine
// is descheduled for as long as the whole compilation takes (a loaded CI
// machine did that once, and a compilation that has finished is used):
// up to 5 fresh hosts are tried, and one must fall back.
func TestCompileTimeoutFallsBackToInterpreter(t *testing.T) {
	logs := captureLogs(t)
	var h *Host
	var m *Module
	for attempt := 0; attempt < 5; attempt++ {
		var err error
		if h != nil {
			h.Close(context.Background())
		}
		if h, err = NewHost(context.Background(), Limits{CompileTimeout: 1}, ""); err != nil {
			t.Fatal(err)
		}
		if m, err = h.Load(context.Background(), plugin("c_numeric.wasm")); err != nil {
			t.Fatal(err)
		}
		if m.Engine() == EngineInterpreter {
			break
		}
	}
	if m.Engine() != EngineInterpreter {
		t.Errorf("engine %s in 5 attempts", m.Engine())
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
// deepest functions among them, to the optimizing compiler. (No compile
// timeout here: a loaded machine may take long, which is another matter.)
func TestOrdinaryModulesAreCompiled(t *testing.T) {
	h := newHost(t, Limits{CompileTimeout: -1})
	for _, name := range []string{"risk.wasm", "c_strings.wasm"} {
		if e := load(t, h, name).Engine(); e != EngineCompiler {
			t.Errorf("%s engine %s", name, e)
		}
	}
}

// TestDamagedCacheEntryIsReplaced: a cache entry damaged on disk failed
// every later load ("compilationcache: checksum mismatch", naming no file)
// until the directory was deleted by hand. It is replaced by a fresh
// compilation, with a warning naming the entry.
func TestDamagedCacheEntryIsReplaced(t *testing.T) {
	damages := map[string]func([]byte) []byte{
		"flipped": func(b []byte) []byte { // the middle of the machine code
			for i := len(b) / 2; i < len(b)/2+16; i++ {
				b[i] ^= 0xff
			}
			return b
		},
		"truncated": func(b []byte) []byte { return b[:len(b)/3] },
		"header":    func(b []byte) []byte { return append(b[:0:0], b[:7]...) },
	}
	for name, damage := range damages {
		t.Run(name, func(t *testing.T) { testDamagedCacheEntry(t, damage) })
	}
}

func testDamagedCacheEntry(t *testing.T, damage func([]byte) []byte) {
	dir := t.TempDir()
	ctx := context.Background()
	h, err := NewHost(ctx, Limits{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Load(ctx, plugin("c_numeric.wasm")); err != nil {
		t.Fatal(err)
	}
	h.Close(ctx)
	var entries []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			entries = append(entries, p)
		}
		return err
	})
	if len(entries) == 0 {
		t.Fatal("nothing cached")
	}
	for _, e := range entries {
		b, err := os.ReadFile(e)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(e, damage(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	logs := captureLogs(t)
	for i := range 2 { // repaired, then served from the repaired entry
		m, err := newHostDir(t, dir).Load(ctx, plugin("c_numeric.wasm"))
		if err != nil {
			t.Fatalf("load %d: %v", i, err)
		}
		if got := call(t, instance(t, m), fnIndex(t, m, "fee"), f64(2000), i64(3)); got.F != 6 || m.Engine() != EngineCompiler {
			t.Errorf("load %d: fee(2000, 3) = %v on the %s", i, got.F, m.Engine())
		}
	}
	l := logs.String()
	if strings.Count(l, "damaged compilation-cache entry") != 1 || !strings.Contains(l, entries[0]) || !strings.Contains(l, "c_numeric.wasm") {
		t.Errorf("warning: %q (entries %v)", l, entries)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".repair-*")); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

func newHostDir(t *testing.T, dir string) *Host {
	t.Helper()
	h, err := NewHost(context.Background(), Limits{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	return h
}
