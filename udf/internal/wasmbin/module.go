package wasmbin

import (
	"bytes"
	"fmt"
	"strings"
)

// Section ids.
const (
	secCustom    = 0
	secType      = 1
	secImport    = 2
	secFunction  = 3
	secTable     = 4
	secMemory    = 5
	secGlobal    = 6
	secExport    = 7
	secStart     = 8
	secElement   = 9
	secCode      = 10
	secData      = 11
	secDataCount = 12
	secTag       = 13
)

// order is the position a known section must take in a module.
var order = map[byte]int{secType: 1, secImport: 2, secFunction: 3, secTable: 4, secMemory: 5, secTag: 6,
	secGlobal: 7, secExport: 8, secStart: 9, secElement: 10, secDataCount: 11, secCode: 12, secData: 13}

// ValType is a WebAssembly value type.
type ValType byte

// Value types.
const (
	I32       ValType = 0x7f
	I64       ValType = 0x7e
	F32       ValType = 0x7d
	F64       ValType = 0x7c
	V128      ValType = 0x7b
	FuncRef   ValType = 0x70
	ExternRef ValType = 0x6f
)

func (v ValType) String() string {
	switch v {
	case I32:
		return "i32"
	case I64:
		return "i64"
	case F32:
		return "f32"
	case F64:
		return "f64"
	case V128:
		return "v128"
	case FuncRef:
		return "funcref"
	case ExternRef:
		return "externref"
	}
	return fmt.Sprintf("valtype(0x%02x)", byte(v))
}

func validValType(v ValType) bool {
	switch v {
	case I32, I64, F32, F64, V128, FuncRef, ExternRef:
		return true
	}
	return false
}

// FuncType is a function signature.
type FuncType struct{ Params, Results []ValType }

// Equal reports whether two signatures are identical.
func (t FuncType) Equal(o FuncType) bool {
	return bytes.Equal(vtBytes(t.Params), vtBytes(o.Params)) && bytes.Equal(vtBytes(t.Results), vtBytes(o.Results))
}

func vtBytes(v []ValType) []byte {
	b := make([]byte, len(v))
	for i, t := range v {
		b[i] = byte(t)
	}
	return b
}

// String renders t as "(i32, i32) -> i64".
func (t FuncType) String() string {
	join := func(v []ValType) string {
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = x.String()
		}
		return strings.Join(s, ", ")
	}
	res := join(t.Results)
	if len(t.Results) != 1 {
		res = "(" + res + ")"
	}
	return "(" + join(t.Params) + ") -> " + res
}

// ExternKind is the kind of an import or export.
type ExternKind byte

// Extern kinds.
const (
	KindFunc   ExternKind = 0
	KindTable  ExternKind = 1
	KindMemory ExternKind = 2
	KindGlobal ExternKind = 3
	KindTag    ExternKind = 4
)

func (k ExternKind) String() string {
	switch k {
	case KindFunc:
		return "function"
	case KindTable:
		return "table"
	case KindMemory:
		return "memory"
	case KindGlobal:
		return "global"
	case KindTag:
		return "tag"
	}
	return fmt.Sprintf("kind(%d)", byte(k))
}

// Import is one entry of the import section.
type Import struct {
	Module, Name string
	Kind         ExternKind
	Type         uint32 // type index, for functions
}

// Export is one entry of the export section.
type Export struct {
	Name  string
	Kind  ExternKind
	Index uint32
}

// Section is one section of a module. For a custom section, Name is its name
// and Payload the bytes after the name.
type Section struct {
	ID      byte
	Name    string
	Payload []byte
}

// Module is the parsed outline of a binary module.
type Module struct {
	Sections    []Section
	Types       []FuncType
	Imports     []Import
	Funcs       []uint32 // type index of each defined function
	Exports     []Export
	FuncImports int // number of imported functions
	GlobalCount int // imported + defined globals
	Memories    int // memories defined in the module
}

// Parse reads a module's outline: sections, types, imports, functions and exports.
func Parse(b []byte) (*Module, error) {
	if len(b) < 8 || !bytes.Equal(b[:4], []byte("\x00asm")) {
		return nil, fmt.Errorf("not a WebAssembly binary (bad magic)")
	}
	if !bytes.Equal(b[4:8], []byte{1, 0, 0, 0}) {
		return nil, fmt.Errorf("unsupported WebAssembly binary version %x (want 1: components are not supported)", b[4:8])
	}
	m := &Module{}
	r := &reader{b: b, pos: 8}
	last := 0
	for !r.eof() {
		id := r.byte()
		size := int(r.u32())
		payload := r.bytes(size)
		if r.err != nil {
			return nil, fmt.Errorf("section %d: %w", id, r.err)
		}
		s := Section{ID: id, Payload: payload}
		if id == secCustom {
			pr := &reader{b: payload}
			s.Name = pr.name()
			if pr.err != nil {
				return nil, fmt.Errorf("custom section: %w", pr.err)
			}
			s.Payload = payload[pr.pos:]
		} else {
			o, ok := order[id]
			if !ok {
				return nil, fmt.Errorf("unknown section id %d", id)
			}
			if o <= last {
				return nil, fmt.Errorf("section %d out of order", id)
			}
			last = o
			if err := m.outline(id, payload); err != nil {
				return nil, fmt.Errorf("section %d: %w", id, err)
			}
		}
		m.Sections = append(m.Sections, s)
	}
	if r.err != nil {
		return nil, r.err
	}
	return m, nil
}

func (m *Module) outline(id byte, payload []byte) error {
	r := &reader{b: payload}
	switch id {
	case secType:
		for n := r.u32(); n > 0 && r.err == nil; n-- {
			if f := r.byte(); f != 0x60 {
				return fmt.Errorf("type form 0x%02x not supported (GC types)", f)
			}
			var t FuncType
			t.Params = r.valTypes()
			t.Results = r.valTypes()
			m.Types = append(m.Types, t)
		}
	case secImport:
		for n := r.u32(); n > 0 && r.err == nil; n-- {
			im := Import{Module: r.name(), Name: r.name(), Kind: ExternKind(r.byte())}
			switch im.Kind {
			case KindFunc:
				im.Type = r.u32()
				m.FuncImports++
			case KindTable:
				r.valType()
				r.limits()
			case KindMemory:
				r.limits()
			case KindGlobal:
				r.valType()
				r.byte()
				m.GlobalCount++
			case KindTag:
				r.byte()
				r.u32()
			default:
				return fmt.Errorf("bad import kind %d", im.Kind)
			}
			m.Imports = append(m.Imports, im)
		}
	case secFunction:
		for n := r.u32(); n > 0 && r.err == nil; n-- {
			m.Funcs = append(m.Funcs, r.u32())
		}
	case secGlobal:
		m.GlobalCount += int(r.u32())
		return r.err // entries are walked by Instrument
	case secMemory:
		m.Memories = int(r.u32())
		return r.err
	case secExport:
		for n := r.u32(); n > 0 && r.err == nil; n-- {
			m.Exports = append(m.Exports, Export{Name: r.name(), Kind: ExternKind(r.byte()), Index: r.u32()})
		}
	default:
		return nil
	}
	if r.err == nil && r.pos != len(r.b) {
		return fmt.Errorf("%d trailing bytes", len(r.b)-r.pos)
	}
	return r.err
}

func (r *reader) valType() ValType {
	v := ValType(r.byte())
	if r.err == nil && !validValType(v) {
		r.fail(fmt.Errorf("value type 0x%02x not supported", byte(v)))
	}
	return v
}

func (r *reader) valTypes() []ValType {
	n := r.u32()
	if r.err != nil || int(n) > len(r.b) {
		r.fail(errEOF)
		return nil
	}
	v := make([]ValType, n)
	for i := range v {
		v[i] = r.valType()
	}
	return v
}

// limits skips table or memory limits and returns min, max and whether max is present.
func (r *reader) limits() (min, max uint64, hasMax bool) {
	flag := r.byte()
	if flag > 7 {
		r.fail(fmt.Errorf("bad limits flag 0x%02x", flag))
		return
	}
	min = r.uleb(64)
	if flag&1 != 0 {
		max, hasMax = r.uleb(64), true
	}
	return
}

// Custom returns the payload of the first custom section with this name.
func (m *Module) Custom(name string) ([]byte, bool) {
	for _, s := range m.Sections {
		if s.ID == secCustom && s.Name == name {
			return s.Payload, true
		}
	}
	return nil, false
}

// FuncType returns the signature of function index idx (imports first).
func (m *Module) FuncType(idx uint32) (FuncType, bool) {
	var ti uint32
	if int(idx) < m.FuncImports {
		k := 0
		for _, im := range m.Imports {
			if im.Kind != KindFunc {
				continue
			}
			if k == int(idx) {
				ti = im.Type
				break
			}
			k++
		}
	} else if d := int(idx) - m.FuncImports; d < len(m.Funcs) {
		ti = m.Funcs[d]
	} else {
		return FuncType{}, false
	}
	if int(ti) >= len(m.Types) {
		return FuncType{}, false
	}
	return m.Types[ti], true
}

// ExportedFunc returns the signature of the function exported as name.
func (m *Module) ExportedFunc(name string) (FuncType, bool) {
	for _, e := range m.Exports {
		if e.Name == name && e.Kind == KindFunc {
			return m.FuncType(e.Index)
		}
	}
	return FuncType{}, false
}

// ExportNames lists the exported function names.
func (m *Module) ExportNames() []string {
	var s []string
	for _, e := range m.Exports {
		if e.Kind == KindFunc {
			s = append(s, e.Name)
		}
	}
	return s
}
