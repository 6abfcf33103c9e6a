package udf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/velort/velort/udf/internal/wasmbin"
)

func init() { wasmbin.KeepCustom(ManifestSection) }

// Module is a compiled, checked user-function module. Instances are made
// from it with NewInstance.
type Module struct {
	h        *Host
	rt       wazero.Runtime // the compiler's or the interpreter's
	path     string
	parsed   *wasmbin.Module // the module as written, before the rewrite
	compiled wazero.CompiledModule
	sigs     []Signature
	codecs   []CodecSpec // declared by the manifest, checked (codec.go)
	stats    []funcStats // per function, sampled (stats.go)
}

// Load compiles the module at path and reads its manifest: the custom
// section "velort.udf.v1", else the JSON that its exported velort_describe
// returns. Every declared function is checked against its exports.
func (h *Host) Load(ctx context.Context, path string) (*Module, error) {
	m, err := h.compile(ctx, path)
	if err != nil {
		return nil, err
	}
	in, err := m.start(ctx)
	if err != nil {
		m.Close(ctx)
		return nil, fmt.Errorf("udf: %s: %w", path, err)
	}
	data, err := m.manifestData(in)
	in.Close(ctx)
	var sigs []Signature
	if err == nil {
		sigs, err = parseManifest(data)
	}
	if err == nil && len(sigs) > 0 { // none: a module of codecs only (codec.go)
		err = m.setSignatures(sigs)
	}
	if err == nil {
		err = m.setCodecs(data)
	}
	if err != nil {
		m.Close(ctx)
		return nil, fmt.Errorf("udf: %s: %w", path, err)
	}
	h.track(m)
	return m, nil
}

// LoadWithSignatures compiles the module at path for functions declared by
// the caller (CREATE FUNCTION): no manifest is needed. When the module has
// one anyway, a declared scalar without a batch entry point takes the one
// the manifest declares for the same export, params, returns and
// handles_null (if that entry point passes the signature check).
func (h *Host) LoadWithSignatures(ctx context.Context, path string, sigs []Signature) (*Module, error) {
	m, err := h.compile(ctx, path)
	if err != nil {
		return nil, err
	}
	in, err := m.start(ctx)
	if err != nil {
		m.Close(ctx)
		return nil, fmt.Errorf("udf: %s: %w", path, err)
	}
	var batchErr error
	inherited, ok := m.inheritBatch(in, sigs)
	in.Close(ctx)
	if ok {
		batchErr = m.setSignatures(inherited)
	}
	if !ok || batchErr != nil {
		if err := m.setSignatures(sigs); err != nil {
			m.Close(ctx)
			return nil, fmt.Errorf("udf: %s: %w", path, err)
		}
		if ok {
			slog.Warn("udf: ignoring the batch entry points of the module's manifest", "module", path, "err", batchErr)
		}
	}
	h.track(m)
	return m, nil
}

// LoadDir loads every *.wasm file in dir (not its subdirectories), in name
// order. Two modules declaring the same function name is an error.
func LoadDir(ctx context.Context, h *Host, dir string) ([]*Module, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.wasm"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var mods []*Module
	owner := map[string]string{}
	fail := func(err error) ([]*Module, error) {
		for _, m := range mods {
			m.Close(ctx)
		}
		return nil, err
	}
	for _, f := range files {
		m, err := h.Load(ctx, f)
		if err != nil {
			return fail(err)
		}
		mods = append(mods, m)
		for _, s := range m.sigs {
			k := strings.ToLower(s.Name)
			if prev, ok := owner[k]; ok {
				return fail(fmt.Errorf("udf: function %q is declared by both %s and %s", s.Name, prev, f))
			}
			owner[k] = f
		}
	}
	return mods, nil
}

// Inspect returns the functions a module declares (velort udf inspect).
func Inspect(ctx context.Context, h *Host, path string) ([]Signature, error) {
	m, err := h.Load(ctx, path)
	if err != nil {
		return nil, err
	}
	defer m.Close(ctx)
	return m.Functions(), nil
}

// Functions returns the module's functions; Instance methods take an index
// into this slice.
func (m *Module) Functions() []Signature {
	out := make([]Signature, len(m.sigs))
	copy(out, m.sigs)
	return out
}

// Index returns the index in Functions of the function named name
// (case-insensitive), or -1.
func (m *Module) Index(name string) int {
	for i := range m.sigs {
		if strings.EqualFold(m.sigs[i].Name, name) {
			return i
		}
	}
	return -1
}

// Path is the file the module was loaded from.
func (m *Module) Path() string { return m.path }

// Engine is EngineCompiler, or EngineInterpreter for a module whose
// optimizing compilation would take too long (see Limits.CompileTimeout).
func (m *Module) Engine() string {
	if m.rt == m.h.rt {
		return EngineCompiler
	}
	return EngineInterpreter
}

// Close releases the compiled module.
func (m *Module) Close(ctx context.Context) error { return m.compiled.Close(ctx) }

// compile reads, checks and rewrites a module, then compiles it.
func (h *Host) compile(ctx context.Context, path string) (*Module, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("udf: %w", err)
	}
	parsed, err := wasmbin.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("udf: %s: %w", path, err)
	}
	if err := h.checkImports(parsed); err != nil {
		return nil, fmt.Errorf("udf: %s: %w", path, err)
	}
	var shape wasmbin.Shape
	rewritten, err := wasmbin.Instrument(parsed, wasmbin.Options{
		HostModule: hostModule, Yield: fnYield, GrowHook: fnGrowHook, Fuel: fuel, LoopFuel: loopFuel, MaxMemoryPages: h.lim.pages(),
		Shape: &shape,
	})
	if err != nil {
		return nil, fmt.Errorf("udf: %s: %w", path, err)
	}
	rt, cm, err := h.compileCode(ctx, path, rewritten, shape)
	if err != nil {
		return nil, fmt.Errorf("udf: %s: compile: %w", path, err)
	}
	return &Module{h: h, rt: rt, path: path, parsed: parsed, compiled: cm}, nil
}

// checkImports allows only what the sandbox provides: WASI preview 1
// functions and velort.result_null, with matching signatures.
func (h *Host) checkImports(p *wasmbin.Module) error {
	for _, im := range p.Imports {
		if im.Kind != wasmbin.KindFunc {
			return fmt.Errorf("forbidden import %q.%q: a module may import only functions, not a %v", im.Module, im.Name, im.Kind)
		}
		var want wasmbin.FuncType
		switch {
		case im.Module == wasiModule && h.wasiDefs[im.Name] != nil:
			d := h.wasiDefs[im.Name]
			want = wasmbin.FuncType{Params: valTypes(d.ParamTypes()), Results: valTypes(d.ResultTypes())}
		case im.Module == hostModule && im.Name == fnResultNull:
		default:
			return fmt.Errorf("forbidden import %q.%q: the sandbox provides only %s functions and %s.%s",
				im.Module, im.Name, wasiModule, hostModule, fnResultNull)
		}
		if int(im.Type) >= len(p.Types) {
			return fmt.Errorf("import %q.%q: bad type index", im.Module, im.Name)
		}
		if got := p.Types[im.Type]; !got.Equal(want) {
			return fmt.Errorf("import %q.%q has signature %v, the sandbox provides %v", im.Module, im.Name, got, want)
		}
	}
	return nil
}

func valTypes(v []api.ValueType) []wasmbin.ValType {
	out := make([]wasmbin.ValType, len(v))
	for i, t := range v {
		out[i] = wasmbin.ValType(t)
	}
	return out
}

// start instantiates the module once, as each partition will at run time:
// its start function and _initialize run within the same time (Limits'
// instantiation timeout) and memory limits, so a module that cannot start
// fails its load (velort check, udf inspect) instead of the run.
func (m *Module) start(ctx context.Context) (*Instance, error) {
	in, err := m.newInstance(ctx, nil)
	if err != nil {
		var ce *CallError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("instantiation (start function, _initialize) failed: %s: %s", ce.Kind, ce.Detail)
		}
		return nil, err
	}
	return in, nil
}

// manifest reads the custom section, else calls velort_describe on in.
func (m *Module) manifest(in *Instance) ([]Signature, error) {
	data, err := m.manifestData(in)
	if err != nil {
		return nil, err
	}
	return parseManifest(data)
}

// manifestData is the manifest's JSON: the custom section, else what
// velort_describe returns (a copy).
func (m *Module) manifestData(in *Instance) ([]byte, error) {
	if data, ok := m.parsed.Custom(ManifestSection); ok {
		return data, nil
	}
	const describe = "velort_describe"
	t, ok := m.parsed.ExportedFunc(describe)
	if !ok {
		return nil, fmt.Errorf("no manifest: the module has no %q custom section and no %s export (declare its functions with CREATE FUNCTION instead)", ManifestSection, describe)
	}
	if want := ft(nil, wasmbin.I64); !t.Equal(want) {
		return nil, fmt.Errorf("export %s has wasm signature %v, expected %v", describe, t, want)
	}
	stack := []uint64{0}
	in.begin(m.h.lim.initTimeout())
	err := in.mod.ExportedFunction(describe).CallWithStack(in.ctx, stack)
	in.release()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", describe, err)
	}
	if in.mem == nil {
		return nil, fmt.Errorf("%s: the module has no memory", describe)
	}
	data, ok := in.mem.Read(uint32(stack[0]>>32), uint32(stack[0]))
	if !ok {
		return nil, fmt.Errorf("%s returned (ptr, len) out of memory bounds", describe)
	}
	return append([]byte(nil), data...), nil
}

// setSignatures checks sigs against the module's exports and keeps them.
func (m *Module) setSignatures(sigs []Signature) error {
	sigs, err := normalize(sigs)
	if err != nil {
		return err
	}
	if len(sigs) == 0 {
		return fmt.Errorf("no functions declared")
	}
	var needAlloc, needMem bool
	for i := range sigs {
		s := &sigs[i]
		if s.Kind == Aggregate { // optional exports, found by their default names
			for _, o := range []struct {
				p      *string
				suffix string
			}{{&s.Retract, "_retract"}, {&s.Free, "_free"}} {
				if *o.p == "" {
					if _, ok := m.parsed.ExportedFunc(s.exportBase() + o.suffix); ok {
						*o.p = s.exportBase() + o.suffix // checked below like the others
					}
				}
			}
		}
		for _, e := range s.entries() {
			got, ok := m.parsed.ExportedFunc(e.export)
			if !ok {
				return fmt.Errorf("function %s: export %q not found (the module exports: %s)",
					s.Name, e.export, strings.Join(m.parsed.ExportNames(), ", "))
			}
			if !got.Equal(e.want) {
				what := "export"
				if e.role != "" {
					what = e.role + " export"
				}
				return fmt.Errorf("function %s: signature mismatch: %s %q has wasm signature %v, expected %v for %s",
					s, what, e.export, got, e.want, s.abiNote(e.role))
			}
		}
		a, mem := s.needsMemory()
		needAlloc, needMem = needAlloc || a, needMem || mem
	}
	if needMem && m.parsed.Memories == 0 {
		return fmt.Errorf("the module defines no memory, which VARCHAR, VARBINARY, JSON and batch values need")
	}
	if needAlloc {
		want := ft([]wasmbin.ValType{wasmbin.I32}, wasmbin.I32)
		got, ok := m.parsed.ExportedFunc(exportAlloc)
		if !ok {
			return fmt.Errorf("export %q not found: the host needs it to pass VARCHAR, VARBINARY, JSON and batch arguments", exportAlloc)
		}
		if !got.Equal(want) {
			return fmt.Errorf("export %s has wasm signature %v, expected %v", exportAlloc, got, want)
		}
	}
	m.sigs = sigs
	return nil
}

const exportAlloc = "velort_alloc"

// abiNote explains where an expected wasm signature comes from.
func (s *Signature) abiNote(role string) string {
	var parts []string
	switch role {
	case "update", "retract":
		parts = append(parts, "handle i32")
	case "merge":
		return "(handle i32, other i32)"
	case "init":
		return "() -> handle i32"
	case "result", "free":
		return "(handle i32)"
	case "batch":
		return "(n i32, one i32 column pointer per parameter, output pointer i32)"
	}
	if s.HandlesNull {
		parts = append(parts, "null-mask i32")
	}
	for _, t := range s.Params {
		parts = append(parts, t.String())
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
