package wasmbin

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

var plugins = filepath.Join("..", "..", "..", "testdata", "plugins")

func TestLEB128(t *testing.T) {
	for _, v := range []uint32{0, 1, 63, 64, 127, 128, 16383, 16384, 1<<32 - 1} {
		r := &reader{b: appendU32(nil, v)}
		if got := r.u32(); got != v || r.err != nil || r.pos != len(r.b) {
			t.Errorf("u32 %d: got %d, err %v", v, got, r.err)
		}
	}
	for _, c := range []struct {
		v    int32
		want []byte
	}{{0, []byte{0}}, {-1, []byte{0x7f}}, {63, []byte{0x3f}}, {64, []byte{0xc0, 0}}, {-64, []byte{0x40}}, {-65, []byte{0xbf, 0x7f}}, {10000, []byte{0x90, 0xce, 0x00}}} {
		if got := appendS32(nil, c.v); !bytes.Equal(got, c.want) {
			t.Errorf("s32 %d: got %x, want %x", c.v, got, c.want)
		}
	}
	r := &reader{b: []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x01}}
	if r.u32(); r.err == nil {
		t.Error("a 6-byte u32 LEB128 was accepted")
	}
}

func TestParseRejects(t *testing.T) {
	for name, b := range map[string][]byte{
		"magic":     []byte("\x00wasm\x01\x00\x00\x00"),
		"version":   []byte("\x00asm\x0d\x00\x01\x00"),
		"truncated": []byte("\x00asm\x01\x00\x00\x00\x01\x05\x01"),
		"order":     []byte("\x00asm\x01\x00\x00\x00\x03\x01\x00\x01\x01\x00"),
	} {
		if _, err := Parse(b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseOutline(t *testing.T) {
	m := parseFile(t, filepath.Join(plugins, "c_faults.wasm"))
	if _, ok := m.Custom("velort.udf.v1"); !ok {
		t.Error("manifest section not found")
	}
	ft, ok := m.ExportedFunc("divide")
	if !ok || ft.String() != "(i64, i64) -> i64" {
		t.Errorf("divide: %v %v", ft, ok)
	}
	var wasi int
	for _, im := range m.Imports {
		if im.Module == "wasi_snapshot_preview1" {
			wasi++
		}
	}
	if wasi == 0 || m.FuncImports != len(m.Imports) || m.Memories != 1 {
		t.Errorf("imports %+v, memories %d", m.Imports, m.Memories)
	}
}

func parseFile(t *testing.T, path string) *Module {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var opts = Options{HostModule: "velort", Yield: "yield", GrowHook: "grow_hook", Fuel: 5, LoopFuel: 8, MaxMemoryPages: 16}

// probe is a runtime with the host functions the rewrite imports; it counts
// yields and remembers the grow results it saw.
type probe struct {
	rt     wazero.Runtime
	yields int
	grows  []int32
}

func newProbe(t *testing.T) *probe {
	ctx := context.Background()
	p := &probe{rt: wazero.NewRuntime(ctx)}
	t.Cleanup(func() { p.rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, p.rt)
	_, err := p.rt.NewHostModuleBuilder("velort").
		NewFunctionBuilder().WithFunc(func() int32 { p.yields++; return opts.Fuel }).Export("yield").
		NewFunctionBuilder().WithFunc(func(v int32) int32 { p.grows = append(p.grows, v); return v }).Export("grow_hook").
		Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *probe) instantiate(t *testing.T, bin []byte) api.Module {
	t.Helper()
	mod, err := p.rt.InstantiateWithConfig(context.Background(), bin, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	return mod
}

func callI64(t *testing.T, mod api.Module, name string, args ...uint64) uint64 {
	t.Helper()
	res, err := mod.ExportedFunction(name).Call(context.Background(), args...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res[0]
}

// TestInstrumentFeatures runs every export of features.wasm before and after
// the rewrite: renumbered calls, tables, element segments, the start
// function and ref.func must still reach the same functions.
func TestInstrumentFeatures(t *testing.T) {
	path := filepath.Join(plugins, "wat", "features.wasm")
	orig, _ := os.ReadFile(path)
	m := parseFile(t, path)
	inst, err := Instrument(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	p := newProbe(t)
	a, b := p.instantiate(t, orig), p.instantiate(t, inst)
	calls := []struct {
		name string
		args []uint64
		want uint64
	}{
		{"started", nil, 100},
		{"double", []uint64{21}, 42},
		{"apply", []uint64{0, 5}, 10},
		{"apply", []uint64{1, 5}, 15},
		{"via_ref", []uint64{4}, 16 + 12},
		{"sum_to", []uint64{1000}, 500500},
		{"countdown", []uint64{700}, 0},
		{"yield_once", nil, 0},
	}
	for _, c := range calls {
		for i, mod := range []api.Module{a, b} {
			if got := callI64(t, mod, c.name, c.args...); got != c.want {
				t.Errorf("%s%v (instrumented=%v) = %d, want %d", c.name, c.args, i == 1, got, c.want)
			}
		}
	}
	// sum_to(1000) and countdown(700) alone run 1700 loop iterations: with
	// 8 loop fuel and 5 fuel that is at least 1700/8/5 = 42 yields.
	if p.yields < 42 {
		t.Errorf("%d yields, want >= 42", p.yields)
	}
	// The grow hook sees memory.grow's results; the declared maximum of
	// 65536 pages was lowered to MaxMemoryPages (16), so growing by 100 fails.
	if got := int32(callI64(t, b, "grow", 2)); got != 1 {
		t.Errorf("grow(2) = %d, want old size 1", got)
	}
	if got := int32(callI64(t, b, "grow", 100)); got != -1 {
		t.Errorf("grow(100) = %d, want -1 above the clamped maximum", got)
	}
	if len(p.grows) != 2 || p.grows[0] != 1 || p.grows[1] != -1 {
		t.Errorf("grow hook saw %v, want [1 -1]", p.grows)
	}
	// The name section follows the renumbering.
	for _, name := range []string{"double", "triple"} {
		if got := b.ExportedFunction(name).Definition().Name(); got != name {
			t.Errorf("export %s is named %q after the rewrite", name, got)
		}
	}
}

// TestInstrumentPlugins rewrites every prebuilt plugin (the Go one included:
// thousands of functions, every opcode the Go compiler emits) and checks that
// wazero accepts the result and that the rewrite imports the host functions.
// (The Go guest is not compiled here: udf's tests run it rewritten, and its
// compilation takes seconds under -race.)
func TestInstrumentPlugins(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(plugins, "*.wasm"))
	if len(files) < 5 {
		t.Fatalf("found %d plugins", len(files))
	}
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	for _, f := range files {
		m := parseFile(t, f)
		bin, err := Instrument(m, opts)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		re, err := Parse(bin)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := re.Custom("velort.udf.v1"); ok != hasCustom(m, "velort.udf.v1") {
			t.Errorf("%s: manifest section not kept", f)
		}
		for _, e := range m.Exports {
			if e.Kind == KindFunc {
				a, _ := m.ExportedFunc(e.Name)
				b, _ := re.ExportedFunc(e.Name)
				if !a.Equal(b) {
					t.Errorf("%s: export %s changed type %v -> %v", f, e.Name, a, b)
				}
			}
		}
		var names []string
		for _, im := range re.Imports {
			names = append(names, im.Module+"."+im.Name)
		}
		if !strings.HasSuffix(strings.Join(names, " "), "velort.yield velort.grow_hook") || re.FuncImports != m.FuncImports+2 {
			t.Errorf("%s: imports %v", f, names)
		}
		if len(bin) > 1<<20 {
			continue
		}
		cm, err := rt.CompileModule(ctx, bin)
		if err != nil {
			t.Fatalf("%s: wazero rejects the rewrite: %v", f, err)
		}
		cm.Close(ctx)
	}
}

func hasCustom(m *Module, name string) bool { _, ok := m.Custom(name); return ok }

func init() { KeepCustom("velort.udf.v1") }

// TestCorruptInput: damaged binaries give errors, never panics.
func TestCorruptInput(t *testing.T) {
	orig, err := os.ReadFile(filepath.Join(plugins, "c_faults.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(1)
	next := func(n int) int {
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		return int(seed % uint64(n))
	}
	for i := 0; i < 3000; i++ {
		b := append([]byte(nil), orig...)
		for k := 0; k < 1+next(4); k++ {
			b[8+next(len(b)-8)] = byte(next(256))
		}
		if i%5 == 0 {
			b = b[:8+next(len(b)-8)]
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("mutation %d panicked: %v", i, r)
				}
			}()
			if m, err := Parse(b); err == nil {
				Instrument(m, opts)
			}
		}()
	}
}
