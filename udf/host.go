package udf

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Names of the host module and its functions.
const (
	hostModule      = "velort"
	fnResultNull    = "result_null" // guests may import it
	fnYield         = "yield"       // added by the load-time rewrite
	fnGrowHook      = "grow_hook"   // added by the load-time rewrite
	wasiModule      = wasi_snapshot_preview1.ModuleName
	errnoNotCapable = 76 // WASI ENOTCAPABLE
)

// Between two calls of the yield host function a guest runs at most fuel
// function entries or fuel*loopFuel loop iterations (see wasmbin.Instrument).
const (
	fuel     = 1000
	loopFuel = 32
)

// Host is one wazero runtime with the sandbox's host modules; it loads and
// compiles modules. It is safe for concurrent use.
type Host struct {
	rt       wazero.Runtime // the optimizing compiler's
	cache    wazero.CompilationCache
	cacheDir string
	lim      Limits
	modCfg   wazero.ModuleConfig
	wasiDefs map[string]api.FunctionDefinition
	hostModules

	mu      sync.Mutex
	interp  wazero.Runtime // the interpreter's, made on first use (compile.go)
	pending int            // compilations abandoned at their deadline, still running
	closed  bool           // Close has run; the last pending compilation closes the cache
}

// NewHost starts a runtime. cacheDir, when not empty, keeps compiled
// modules on disk across processes; otherwise they are cached in memory.
func NewHost(ctx context.Context, lim Limits, cacheDir string) (*Host, error) {
	lim, err := lim.withDefaults()
	if err != nil {
		return nil, err
	}
	h := &Host{lim: lim, cacheDir: cacheDir}
	if cacheDir != "" {
		if h.cache, err = wazero.NewCompilationCacheWithDir(cacheDir); err != nil {
			return nil, fmt.Errorf("udf: compilation cache: %w", err)
		}
	} else {
		h.cache = wazero.NewCompilationCache()
	}
	h.rt = wazero.NewRuntimeWithConfig(ctx, h.runtimeConfig(wazero.NewRuntimeConfig(), h.cache))
	if err := h.instantiateHostModules(ctx, h.rt); err != nil {
		h.Close(ctx)
		return nil, err
	}
	if h.modCfg, err = lim.moduleConfig(); err != nil {
		h.Close(ctx)
		return nil, err
	}
	return h, nil
}

// Limits returns the sandbox limits in force, defaults filled in.
func (h *Host) Limits() Limits { return h.lim }

// runtimeConfig is base (the compiler's or the interpreter's) with the
// sandbox's settings. The compilation cache's key depends on them: a runtime
// that should share cache entries must be configured alike.
func (h *Host) runtimeConfig(base wazero.RuntimeConfig, cache wazero.CompilationCache) wazero.RuntimeConfig {
	cfg := base.WithMemoryLimitPages(h.lim.pages()).WithCloseOnContextDone(false)
	if cache != nil {
		cfg = cfg.WithCompilationCache(cache)
	}
	return cfg
}

func (h *Host) instantiateHostModules(ctx context.Context, rt wazero.Runtime) error {
	if err := h.instantiateWASI(ctx, rt); err != nil {
		return err
	}
	return h.instantiateVelort(ctx, rt)
}

// Close releases the runtimes and every module and instance of them. A
// compilation abandoned at its deadline keeps running; the compilation cache
// is closed when it ends.
func (h *Host) Close(ctx context.Context) error {
	err := h.rt.Close(ctx)
	h.mu.Lock()
	interp := h.interp
	h.closed = true
	pending := h.pending
	h.mu.Unlock()
	if interp != nil {
		if cerr := interp.Close(ctx); err == nil {
			err = cerr
		}
	}
	if pending == 0 {
		if cerr := h.cache.Close(ctx); err == nil {
			err = cerr
		}
	}
	return err
}

// instantiateWASI provides wasi_snapshot_preview1. Without AllowFS, the
// path_* functions answer ENOTCAPABLE and record the denial, so a guest that
// fails because of it is reported as Forbidden.
func (h *Host) instantiateWASI(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder(wasiModule)
	wasi_snapshot_preview1.NewFunctionExporter().ExportFunctions(b)
	cm, err := b.Compile(ctx)
	if err != nil {
		return fmt.Errorf("udf: wasi: %w", err)
	}
	h.wasiDefs = cm.ExportedFunctions()
	if len(h.lim.AllowFS) == 0 {
		for name, d := range h.wasiDefs {
			if strings.HasPrefix(name, "path_") {
				b.NewFunctionBuilder().WithGoModuleFunction(deny(name), d.ParamTypes(), d.ResultTypes()).Export(name)
			}
		}
	}
	if d := h.wasiDefs[fnPollOneoff]; h.lim.AllowClock && d != nil {
		if f, ok := d.GoFunction().(api.GoModuleFunction); ok {
			b.NewFunctionBuilder().WithGoModuleFunction(sleeping(f), d.ParamTypes(), d.ResultTypes()).Export(fnPollOneoff)
		}
	}
	if _, err := b.Instantiate(ctx); err != nil {
		return fmt.Errorf("udf: wasi: %w", err)
	}
	return nil
}

const fnPollOneoff = "poll_oneoff"

// sleeping wraps poll_oneoff, which really sleeps under AllowClock: the
// thread's CPU clock does not advance while it does, so the time it takes
// is counted into the call's guest time here.
func sleeping(f api.GoModuleFunction) api.GoModuleFunc {
	return func(ctx context.Context, mod api.Module, stack []uint64) {
		t0 := time.Since(epoch)
		f.Call(ctx, mod, stack)
		in := instanceOf(ctx)
		if in == nil {
			return
		}
		c := &in.cur
		if c.timeout < 0 {
			return
		}
		if c.seen != c.seq {
			in.startAccounting(t0)
		}
		now := time.Since(epoch)
		if c.wallOnly {
			in.account(now) // the window includes the sleep
			return
		}
		d := now - t0
		c.used += d
		if !c.locked {
			c.mark += d // the current window must not count it again
		}
		in.account(now)
	}
}

func deny(name string) api.GoModuleFunc {
	return func(ctx context.Context, _ api.Module, stack []uint64) {
		if in := instanceOf(ctx); in != nil {
			in.cur.denied = name
		}
		stack[0] = errnoNotCapable
	}
}

func (h *Host) instantiateVelort(ctx context.Context, rt wazero.Runtime) error {
	i32 := []api.ValueType{api.ValueTypeI32}
	_, err := rt.NewHostModuleBuilder(hostModule).
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(resultNull), nil, nil).Export(fnResultNull).
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(yield), nil, i32).Export(fnYield).
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(growHook), i32, i32).Export(fnGrowHook).
		Instantiate(ctx)
	if err != nil {
		return fmt.Errorf("udf: host module: %w", err)
	}
	return nil
}

func resultNull(ctx context.Context, _ api.Module, _ []uint64) {
	if in := instanceOf(ctx); in != nil {
		in.cur.resultNull = true
	}
}

// epoch anchors monotonic readings: time.Since(epoch) needs no wall clock.
var epoch = time.Now()

// yield runs every fuel ticks of guest code. Being Go code, it lets the
// scheduler and the garbage collector preempt the goroutine; it stops the call
// once the guest has run for its timeout. Accounting starts at the first
// yield of a call, so a call that never reaches one costs no clock reading;
// after that, a yield costs one monotonic clock reading until check.
//
// The timeout measures guest execution, not time spent waiting for a CPU:
// the first timeout/8 of wall-clock time counts in full (a wait within it is
// taken as running); then the goroutine is locked to its OS thread and the
// thread's CPU time counts (CLOCK_THREAD_CPUTIME_ID, read only at check
// times: a few times per timeout). Without a thread clock (not Linux), or
// while a call is between guest entries, wall-clock time counts.
func yield(ctx context.Context, _ api.Module, stack []uint64) {
	stack[0] = fuel
	in := instanceOf(ctx)
	if in == nil {
		return
	}
	in.yields.Add(1)
	c := &in.cur
	if c.timeout < 0 {
		return
	}
	now := time.Since(epoch)
	if c.seen != c.seq {
		in.startAccounting(now)
		return
	}
	if now > c.check {
		in.account(now)
	}
}

// startAccounting starts counting the current call's guest time at now.
func (in *Instance) startAccounting(now time.Duration) {
	c := &in.cur
	c.seen = c.seq
	c.used, c.mark, c.locked, c.wallOnly = 0, now, false, !haveThreadClock
	c.check = now + c.timeout/8
	if c.wallOnly {
		c.check = now + c.timeout
	}
}

// account counts the guest time since the last look and stops the call
// (panics with errTimeout) once it reaches the timeout.
func (in *Instance) account(now time.Duration) {
	c := &in.cur
	if c.locked {
		if cpu, ok := threadCPU(); ok {
			c.used += cpu - c.cpu0
			c.cpu0 = cpu
		}
	} else {
		w := now - c.mark
		if !c.wallOnly {
			w = min(w, c.timeout/8)
		}
		c.used += w
		c.mark = now
	}
	if c.used >= c.timeout {
		panic(errTimeout)
	}
	c.check = now + (c.timeout - c.used)
	if c.locked || c.wallOnly {
		return
	}
	runtime.LockOSThread()
	cpu, ok := threadCPU()
	if !ok {
		runtime.UnlockOSThread()
		c.wallOnly = true
		return
	}
	c.cpu0, c.locked = cpu, true
}

// growHook sees the result of every memory.grow.
func growHook(ctx context.Context, _ api.Module, stack []uint64) {
	if int32(uint32(stack[0])) == -1 {
		if in := instanceOf(ctx); in != nil {
			in.cur.growFailed = true
		}
	}
}

// callCtx is the context of every guest call: it carries the instance to
// the host functions. Its Value answers without walking a chain, since
// wazero asks it for a key on every call.
type callCtx struct {
	context.Context // Background: no deadline, never done
	in              *Instance
}

func (c *callCtx) Value(any) any { return nil }

func instanceOf(ctx context.Context) *Instance {
	if c, ok := ctx.(*callCtx); ok {
		return c.in
	}
	return nil
}

// moduleConfig is the configuration every instance starts from.
func (l Limits) moduleConfig() (wazero.ModuleConfig, error) {
	cfg := wazero.NewModuleConfig().WithName("").WithStartFunctions("_initialize")
	if l.AllowEnv {
		for _, kv := range os.Environ() {
			if k, v, ok := strings.Cut(kv, "="); ok {
				cfg = cfg.WithEnv(k, v)
			}
		}
	}
	if l.AllowClock {
		cfg = cfg.WithSysWalltime().WithSysNanotime().WithSysNanosleep()
	}
	if len(l.AllowFS) > 0 {
		fs := wazero.NewFSConfig()
		for _, d := range l.AllowFS {
			host, guest, ok := strings.Cut(d, ":")
			if !ok {
				guest = host
			}
			if st, err := os.Stat(host); err != nil || !st.IsDir() {
				return nil, fmt.Errorf("udf: AllowFS %q: not a directory", host)
			}
			fs = fs.WithReadOnlyDirMount(host, guest)
		}
		cfg = cfg.WithFSConfig(fs)
	}
	return cfg, nil
}
