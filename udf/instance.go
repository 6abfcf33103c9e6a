package udf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
)

// Instance is one instantiation of a Module, for one partition: its calls
// take no lock and must come from one goroutine at a time.
type Instance struct {
	m   *Module
	ctx context.Context // carries the instance to the host functions
	mod api.Module
	mem api.Memory
	fns []binding

	alloc      api.Function
	allocStack [1]uint64
	area, cap  uint32 // the argument area velort_alloc handed out

	out    []byte // string results are copied here
	output tailBuffer
	cur    callState
	gen    uint32 // incremented by every (re)instantiation
	closed bool
	yields atomic.Uint64
}

// callState is what the host functions learn during one call.
type callState struct {
	seq, seen  uint64        // call number; the one whose accounting has started
	timeout    time.Duration // for the current call
	resultNull bool
	growFailed bool
	denied     string // a WASI function the sandbox refused

	// Guest time (yield): used is what has been counted; the wall-clock
	// window since mark is not counted yet. While locked, the goroutine is
	// locked to its thread and the thread's CPU time since cpu0 counts.
	// check is when yield next looks.
	used, mark, check time.Duration
	cpu0              time.Duration
	locked            bool
	wallOnly          bool // no thread clock: windows count in full
}

// binding holds one function's looked-up exports and its reusable stack.
type binding struct {
	sig                                               *Signature
	fn, init, update, merge, result, free, retract, b api.Function
	stack                                             []uint64
	varLen                                            bool   // some parameter passes through guest memory
	calls                                             uint64 // calls through this instance, for sampling
}

// NewInstance instantiates the module (running a Go guest's _initialize)
// and looks up every export once.
func (m *Module) NewInstance(ctx context.Context) (*Instance, error) {
	return m.newInstance(ctx, m.sigs)
}

func (m *Module) newInstance(ctx context.Context, sigs []Signature) (*Instance, error) {
	in := &Instance{m: m, fns: make([]binding, len(sigs))}
	in.ctx = &callCtx{Context: context.Background(), in: in}
	for i := range sigs {
		s := &sigs[i]
		n := 1
		for _, e := range s.entries() {
			n = max(n, len(e.want.Params), len(e.want.Results))
		}
		in.fns[i] = binding{sig: s, stack: make([]uint64, n), varLen: hasVarLen(s.Params)}
	}
	if err := in.instantiate(); err != nil {
		return nil, err
	}
	return in, nil
}

// Module returns the module this instance was made from.
func (in *Instance) Module() *Module { return in.m }

// Generation counts instantiations: it goes up by one each time a fault
// replaces the wasm instance (losing the guest's state).
func (in *Instance) Generation() uint32 { return in.gen }

// Yields is how many times the guest has yielded to the host (once per
// thousand function entries or 32 thousand loop iterations); it may be read
// from any goroutine.
func (in *Instance) Yields() uint64 { return in.yields.Load() }

// Close releases the wasm instance; later calls fail.
func (in *Instance) Close(ctx context.Context) error {
	in.closed = true
	return in.drop(ctx)
}

func (in *Instance) drop(ctx context.Context) error {
	if in.mod == nil {
		return nil
	}
	err := in.mod.Close(ctx)
	in.mod = nil
	return err
}

func (in *Instance) instantiate() error {
	h := in.m.h
	in.begin(h.lim.initTimeout())
	cfg := h.modCfg.WithStdout(&in.output).WithStderr(&in.output)
	mod, err := in.m.rt.InstantiateModule(in.ctx, in.m.compiled, cfg)
	in.release()
	if err != nil {
		if mod != nil {
			mod.Close(in.ctx)
		}
		return in.fault("instantiate "+in.m.path, err, false)
	}
	in.mod, in.mem = mod, mod.Memory()
	in.alloc = mod.ExportedFunction(exportAlloc)
	in.area, in.cap = 0, 0
	in.gen++
	for i := range in.fns {
		b := &in.fns[i]
		s := b.sig
		look := func(name string) api.Function {
			if name == "" {
				return nil
			}
			return mod.ExportedFunction(name)
		}
		b.fn, b.b = look(s.Export), look(s.Batch)
		if s.Kind == Aggregate {
			b.fn = nil
			b.init, b.update, b.merge, b.result, b.free = look(s.Init), look(s.Update), look(s.Merge), look(s.Result), look(s.Free)
			b.retract = look(s.Retract)
		}
	}
	return nil
}

// begin resets the per-call state; timeout applies to this call.
func (in *Instance) begin(timeout time.Duration) {
	c := &in.cur
	c.seq++
	c.timeout = timeout
	c.resultNull, c.growFailed, c.denied = false, false, ""
	in.output.b = in.output.b[:0]
}

// fault classifies a failed call into a *CallError and, when replace is
// set, replaces the wasm instance so that the next call starts afresh.
func (in *Instance) fault(name string, err error, replace bool) error {
	in.release()
	ce := &CallError{Func: name, Err: err, Output: in.output.String()}
	var exit *sys.ExitError
	switch {
	case errors.Is(err, errTimeout):
		ce.Kind, ce.Detail = Timeout, fmt.Sprintf("ran longer than the %v timeout", in.cur.timeout)
	case in.cur.growFailed:
		ce.Kind, ce.Detail = MemoryLimit, fmt.Sprintf("memory.grow failed at the %s limit, then: %s", mib(in.m.h.lim.MemoryLimitBytes), firstLine(err.Error()))
	case in.cur.denied != "":
		ce.Kind, ce.Detail = Forbidden, fmt.Sprintf("the sandbox denied %s, then: %s", in.cur.denied, firstLine(err.Error()))
	case errors.As(err, &exit):
		ce.Kind, ce.Detail = Trap, fmt.Sprintf("the guest exited with code %d", exit.ExitCode())
	default:
		ce.Kind, ce.Detail = Trap, firstLine(err.Error())
	}
	if replace {
		in.drop(in.ctx)
		if rerr := in.instantiate(); rerr != nil {
			slog.Error("udf: cannot replace a faulted instance", "module", in.m.path, "err", rerr)
		}
		slog.Warn("udf: instance replaced after a fault", "module", in.m.path, "func", name, "kind", ce.Kind.String(), "err", ce.Detail)
	}
	return ce
}

// release, called after every entry into the guest, unlocks the goroutine
// from its thread if yield locked it, counting the thread's CPU time so far;
// the call's accounting goes on in wall-clock windows (reserve's
// velort_alloc runs within its caller's call), so a goroutine never leaves
// the udf package locked.
func (in *Instance) release() {
	if in.cur.locked {
		in.unlock()
	}
}

func (in *Instance) unlock() {
	c := &in.cur
	now := time.Since(epoch)
	if cpu, ok := threadCPU(); ok {
		c.used += cpu - c.cpu0
	}
	c.locked = false
	runtime.UnlockOSThread()
	c.mark = now
	c.check = now + min(c.timeout/8, c.timeout-c.used)
}

// ready re-instantiates after a failed replacement.
func (in *Instance) ready() error {
	if in.mod != nil {
		return nil
	}
	if in.closed {
		return fmt.Errorf("udf: %s: instance is closed", in.m.path)
	}
	if err := in.instantiate(); err != nil {
		return fmt.Errorf("udf: %s: no usable instance: %w", in.m.path, err)
	}
	return nil
}
