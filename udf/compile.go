package udf

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/velort/velort/udf/internal/wasmbin"
)

// Beyond these shape costs (wasmbin.Shape) a module goes to the interpreter
// without trying the optimizing compiler: one function of cost 1e7 takes it
// about 0.3 s (5 000 nested blocks with a br_if each, cost 5e7, 1.3 s; 20 000,
// 17 s; the interpreter compiles 100 000 in milliseconds). The deepest Go
// guest function seen (an 8 MB module with encoding/json, regexp, net/http and
// text/template) nests 549 deep at cost 8e5; the whole module costs 1.6e7.
const (
	maxFuncCost = 10_000_000
	maxCost     = 100_000_000
)

// Engines a module runs on (Module.Engine).
const (
	EngineCompiler    = "compiler"
	EngineInterpreter = "interpreter"
)

// tooHard says why the optimizing compiler would take too long on a module
// of this shape, or "".
func tooHard(s wasmbin.Shape) string {
	switch {
	case s.FuncCost > maxFuncCost:
		return fmt.Sprintf("function %d nests control structures %d deep (shape cost %.1e, over %.0e: the optimizing compiler's time grows with its square)",
			s.DeepFunc, s.MaxDepth, float64(s.FuncCost), float64(maxFuncCost))
	case s.Cost > maxCost:
		return fmt.Sprintf("its functions' nested control structures (shape cost %.1e, over %.0e) would take the optimizing compiler too long",
			float64(s.Cost), float64(maxCost))
	}
	return ""
}

// compileCode compiles a rewritten module on the optimizing compiler, unless
// its shape would make that too slow or it does not finish within
// Limits.CompileTimeout: then on the interpreter (slower calls, same
// results), with a warning. A damaged compilation-cache entry is replaced.
func (h *Host) compileCode(ctx context.Context, path string, bin []byte, shape wasmbin.Shape) (wazero.Runtime, wazero.CompiledModule, error) {
	if why := tooHard(shape); why != "" {
		slog.Warn("udf: module runs on the interpreter: "+why, "module", path)
		return h.interpret(ctx, bin)
	}
	cm, err, _ := h.compileBounded(ctx, path, h.rt, bin, nil)
	if err != nil && h.cacheDir != "" && isCacheError(err) {
		if err = h.repairCache(ctx, path, bin, err); err == nil {
			cm, err, _ = h.compileBounded(ctx, path, h.rt, bin, nil)
		}
	}
	if errors.Is(err, errCompileTimeout) {
		slog.Warn(fmt.Sprintf("udf: module runs on the interpreter: the optimizing compiler did not finish within %v (--udf-compile-timeout)", h.lim.CompileTimeout), "module", path)
		return h.interpret(ctx, bin)
	}
	if err != nil {
		return nil, nil, err
	}
	return h.rt, cm, nil
}

var errCompileTimeout = errors.New("compile timeout")

// compileBounded compiles bin on rt within Limits.CompileTimeout. A
// compilation cannot be interrupted: one that overruns is abandoned (it
// finishes in the background, stores its result in the compilation cache if
// any, and is then closed, followed by cleanup) and errCompileTimeout is
// returned at once (or ctx's error, when ctx ends first), with abandoned set.
func (h *Host) compileBounded(ctx context.Context, path string, rt wazero.Runtime, bin []byte, cleanup func()) (_ wazero.CompiledModule, _ error, abandoned bool) {
	if h.lim.CompileTimeout < 0 {
		cm, err := compileSafely(rt, bin)
		return cm, err, false
	}
	var (
		mu       sync.Mutex
		cm       wazero.CompiledModule
		err      error
		finished bool
		done     = make(chan struct{})
	)
	h.mu.Lock()
	h.pending++
	h.mu.Unlock()
	go func() {
		c, e := compileSafely(rt, bin)
		mu.Lock()
		cm, err, finished = c, e, true
		ab := abandoned
		mu.Unlock()
		close(done)
		if ab {
			if c != nil {
				c.Close(context.Background())
			}
			if cleanup != nil {
				cleanup()
			}
			slog.Info("udf: an abandoned compilation ended", "module", path, "err", e)
		}
		h.compileEnded()
	}()
	timer := time.NewTimer(h.lim.CompileTimeout)
	defer timer.Stop()
	select {
	case <-done:
		return cm, err, false
	case <-timer.C:
	case <-ctx.Done():
	}
	mu.Lock()
	defer mu.Unlock()
	if finished {
		return cm, err, false
	}
	abandoned = true
	if ctx.Err() != nil {
		return nil, ctx.Err(), true
	}
	return nil, errCompileTimeout, true
}

// compileSafely compiles bin on rt, turning a panic (which would end the
// process from this goroutine) into an error.
func compileSafely(rt wazero.Runtime, bin []byte) (cm wazero.CompiledModule, err error) {
	defer func() {
		if r := recover(); r != nil {
			cm, err = nil, fmt.Errorf("%w: %v", errCompilePanic, r)
		}
	}()
	return rt.CompileModule(context.Background(), bin)
}

// errCompilePanic: wazero panicked. Reading a damaged cache entry can do
// that (only its machine code is checksummed), so with a cache directory the
// entry is replaced as for a reported cache error; a fresh compilation that
// panics too fails the load.
var errCompilePanic = errors.New("wazero panicked while compiling")

// compileEnded closes the compilation cache after the last pending
// compilation of a closed host.
func (h *Host) compileEnded() {
	h.mu.Lock()
	h.pending--
	last := h.closed && h.pending == 0
	h.mu.Unlock()
	if last {
		h.cache.Close(context.Background())
	}
}

// interpret compiles bin on the interpreter runtime, made on first use.
func (h *Host) interpret(ctx context.Context, bin []byte) (wazero.Runtime, wazero.CompiledModule, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, nil, fmt.Errorf("the host is closed")
	}
	if h.interp == nil {
		rt := wazero.NewRuntimeWithConfig(ctx, h.runtimeConfig(wazero.NewRuntimeConfigInterpreter(), nil))
		if err := h.instantiateHostModules(ctx, rt); err != nil {
			rt.Close(ctx)
			return nil, nil, err
		}
		h.interp = rt
	}
	cm, err := h.interp.CompileModule(ctx, bin)
	if err != nil {
		return nil, nil, err
	}
	return h.interp, cm, nil
}

// isCacheError tells a failure to read a compilation-cache entry (wazero's
// "compilationcache: checksum mismatch", "error reading header", ...).
func isCacheError(err error) bool {
	return errors.Is(err, errCompilePanic) || strings.Contains(err.Error(), "compilationcache")
}

// repairCache replaces the damaged cache entry of bin. wazero names an entry
// by a hash of the module and the CPU's features, which it does not export:
// so bin is compiled afresh into an empty cache beside the real one (same
// configuration, hence the same entry name), and that entry is moved over
// the damaged one.
func (h *Host) repairCache(ctx context.Context, path string, bin []byte, cause error) error {
	tmp, err := os.MkdirTemp(h.cacheDir, ".repair-")
	if err != nil {
		return fmt.Errorf("%w (and cannot repair the compilation cache %s: %v)", cause, h.cacheDir, err)
	}
	cache, err := wazero.NewCompilationCacheWithDir(tmp)
	if err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("%w (and cannot repair the compilation cache %s: %v)", cause, h.cacheDir, err)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, h.runtimeConfig(wazero.NewRuntimeConfig(), cache))
	release := func() {
		rt.Close(context.Background())
		cache.Close(context.Background())
		os.RemoveAll(tmp)
	}
	cm, err, abandoned := h.compileBounded(ctx, path, rt, bin, release)
	if err != nil {
		if !abandoned {
			release()
		}
		return err
	}
	cm.Close(ctx)
	var moved []string
	werr := filepath.WalkDir(tmp, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(tmp, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(h.cacheDir, rel)
		if err := os.Remove(dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if err := os.Rename(p, dst); err != nil {
			return err
		}
		moved = append(moved, dst)
		return nil
	})
	release()
	if werr == nil && len(moved) == 0 {
		werr = errors.New("the fresh compilation wrote no entry")
	}
	if werr != nil {
		return fmt.Errorf("%w (and cannot repair the compilation cache %s: %v)", cause, h.cacheDir, werr)
	}
	slog.Warn("udf: replaced a damaged compilation-cache entry with a fresh compilation",
		"module", path, "entry", strings.Join(moved, ", "), "err", cause)
	return nil
}
