package udf

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

//go:noinline
func nativeFee(price float64, qty int64) float64 {
	f := price * float64(qty) * 0.001
	if f < 1 {
		return 1
	}
	return f
}

func BenchmarkNativeF64(b *testing.B) {
	var s float64
	for i := 0; b.Loop(); i++ {
		s += nativeFee(float64(i), 3)
	}
	_ = s
}

func benchCall(b *testing.B, m *Module, fn string, args ...Arg) {
	in := instance(b, m)
	idx := fnIndex(b, m, fn)
	var out Arg
	call(b, in, idx, args...)
	b.ReportAllocs()
	for b.Loop() {
		if err := in.Call(idx, args, &out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCallF64(b *testing.B) {
	b.Run("c", func(b *testing.B) {
		benchCall(b, load(b, newHost(b, Limits{}), "c_numeric.wasm"), "fee", f64(100), i64(3))
	})
	b.Run("go", func(b *testing.B) { benchCall(b, riskModule(b), "risk", f64(100), i64(3)) })
	b.Run("c-interpreter", func(b *testing.B) { // where a module goes when its compilation would take too long
		h := newHost(b, Limits{CompileTimeout: 1})
		benchCall(b, load(b, h, "c_numeric.wasm"), "fee", f64(100), i64(3))
	})
}

func BenchmarkCallString(b *testing.B) {
	card := str("4111111111111111")
	b.Run("c", func(b *testing.B) { benchCall(b, load(b, newHost(b, Limits{}), "c_strings.wasm"), "mask_c", card) })
	b.Run("go", func(b *testing.B) { benchCall(b, riskModule(b), "mask", card) })
}

func BenchmarkAggUpdate(b *testing.B) {
	m := load(b, newHost(b, Limits{}), "c_stats.wasm")
	in := instance(b, m)
	st, _ := in.AggInit(0)
	args := []Arg{f64(1.5)}
	b.ReportAllocs()
	for b.Loop() {
		in.AggUpdate(0, st, args)
	}
}

// BenchmarkAggUpdateRetract: one change of a row over a changelog, an
// update then a retract of the same row (ns/op covers both calls).
func BenchmarkAggUpdateRetract(b *testing.B) {
	m := load(b, newHost(b, Limits{}), "c_stats.wasm")
	in := instance(b, m)
	st, _ := in.AggInit(0)
	in.AggUpdate(0, st, []Arg{f64(3)})
	args := []Arg{f64(1.5)}
	b.ReportAllocs()
	for b.Loop() {
		in.AggUpdate(0, st, args)
		in.AggRetract(0, st, args)
	}
}

// BenchmarkCallBatch: ns/op is per batch of 1024 rows.
func BenchmarkCallBatch(b *testing.B) {
	m := load(b, newHost(b, Limits{}), "c_numeric.wasm")
	in := instance(b, m)
	fee := fnIndex(b, m, "fee")
	price, qty, out := make([]Arg, 1024), make([]Arg, 1024), make([]Arg, 1024)
	for i := range price {
		price[i], qty[i] = f64(float64(i)), i64(3)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := in.CallBatch(fee, [][]Arg{price, qty}, out); err != nil {
			b.Fatal(err)
		}
	}
}

const loopIters = 1 << 20

// BenchmarkLoop measures the rewrite's cost per loop iteration, on the
// rewritten module (as the Host runs it) and on the original module in a
// plain wazero runtime: xorshift (c_numeric.wasm) has a 6-instruction
// dependent chain per iteration, sum_to (wat/features.wasm) a 1-cycle body.
func BenchmarkLoop(b *testing.B) {
	for _, c := range []struct{ file, fn string }{{"c_numeric.wasm", "xorshift"}, {"wat/features.wasm", "sum_to"}} {
		sig := Signature{Name: c.fn, Params: []Type{Int}, Returns: Int}
		args := []Arg{i64(loopIters)}
		if c.fn == "xorshift" {
			sig.Params = []Type{Int, Int}
			args = []Arg{i64(1), i64(loopIters)}
		}
		b.Run(c.fn+"/rewritten", func(b *testing.B) {
			h := newHost(b, Limits{Timeout: time.Minute})
			m, err := h.LoadWithSignatures(context.Background(), plugin(c.file), []Signature{sig})
			if err != nil {
				b.Fatal(err)
			}
			in := instance(b, m)
			var out Arg
			for b.Loop() {
				in.Call(0, args, &out)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/loopIters, "ns/iter")
		})
		b.Run(c.fn+"/original", func(b *testing.B) {
			f := plainFunc(b, c.file, c.fn)
			stack := make([]uint64, len(args))
			for b.Loop() {
				for i := range args {
					stack[i] = uint64(args[i].I)
				}
				f.CallWithStack(context.Background(), stack)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/loopIters, "ns/iter")
		})
	}
}

// plainFunc instantiates a prebuilt module, not rewritten, in a plain wazero runtime.
func plainFunc(b *testing.B, file, fn string) api.Function {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	b.Cleanup(func() { rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	rt.NewHostModuleBuilder(hostModule).NewFunctionBuilder().WithFunc(func() {}).Export(fnResultNull).Instantiate(ctx)
	bin, _ := os.ReadFile(plugin(file))
	mod, err := rt.Instantiate(ctx, bin)
	if err != nil {
		b.Fatal(err)
	}
	return mod.ExportedFunction(fn)
}

// BenchmarkCallF64Plain is the same scalar call on the original module in a
// plain wazero runtime: the per-call cost of the rewrite and of Call's
// bookkeeping is the difference with BenchmarkCallF64/c.
func BenchmarkCallF64Plain(b *testing.B) {
	f := plainFunc(b, "c_numeric.wasm", "fee")
	stack := make([]uint64, 2)
	b.ReportAllocs()
	for b.Loop() {
		stack[0], stack[1] = api.EncodeF64(100), 3
		f.CallWithStack(context.Background(), stack)
	}
}

// BenchmarkClock is what reading the deadline clock would cost per call;
// Call avoids it (the deadline is set at a call's first yield).
func BenchmarkClock(b *testing.B) {
	var d time.Duration
	for b.Loop() {
		d += time.Since(epoch)
	}
	_ = d
}
