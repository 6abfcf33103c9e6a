package udf

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// genModule builds a wasm binary in a test, so that pathological modules
// (too deep to write by hand, or built to misbehave) need no toolchain.
type genModule struct {
	types   [][]byte // encoded function types (0x60 params results)
	funcs   []uint32 // type index of each defined function
	bodies  [][]byte // each body: locals vector, instructions, end
	exports []genExport
	imports []genImport // functions only; add them before any fn
	start   int         // index of the start function, or -1
	memory  bool
	custom  map[string][]byte
}

type genImport struct {
	module, name string
	typ          uint32
}

type genExport struct {
	name string
	kind byte
	idx  uint32
}

func newGen() *genModule { return &genModule{start: -1, custom: map[string][]byte{}} }

// fn adds a function of the given type and body; it returns its index.
func (g *genModule) fn(typ []byte, body []byte) uint32 {
	g.funcs = append(g.funcs, g.typeIndex(typ))
	g.bodies = append(g.bodies, body)
	return uint32(len(g.imports) + len(g.funcs) - 1)
}

// importFn adds an imported function; it returns its index.
func (g *genModule) importFn(module, name string, typ []byte) uint32 {
	g.imports = append(g.imports, genImport{module, name, g.typeIndex(typ)})
	return uint32(len(g.imports) - 1)
}

func (g *genModule) typeIndex(typ []byte) uint32 {
	ti := -1
	for i, t := range g.types {
		if bytes.Equal(t, typ) {
			ti = i
		}
	}
	if ti < 0 {
		ti = len(g.types)
		g.types = append(g.types, typ)
	}
	return uint32(ti)
}

func (g *genModule) export(name string, fn uint32) {
	g.exports = append(g.exports, genExport{name, 0, fn})
}

func (g *genModule) manifest(json string) { g.custom[ManifestSection] = []byte(json) }

func uleb(b []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

func vec(n int, items []byte) []byte { return append(uleb(nil, uint64(n)), items...) }

func gname(b []byte, s string) []byte { return append(uleb(b, uint64(len(s))), s...) }

func section(out []byte, id byte, payload []byte) []byte {
	out = append(out, id)
	return append(uleb(out, uint64(len(payload))), payload...)
}

func (g *genModule) bytes() []byte {
	out := []byte("\x00asm\x01\x00\x00\x00")
	var p []byte
	for _, t := range g.types {
		p = append(p, t...)
	}
	out = section(out, 1, vec(len(g.types), p))
	if len(g.imports) > 0 {
		p = nil
		for _, im := range g.imports {
			p = append(gname(gname(p, im.module), im.name), 0)
			p = uleb(p, uint64(im.typ))
		}
		out = section(out, 2, vec(len(g.imports), p))
	}
	p = nil
	for _, f := range g.funcs {
		p = uleb(p, uint64(f))
	}
	out = section(out, 3, vec(len(g.funcs), p))
	if g.memory {
		out = section(out, 5, []byte{1, 0, 1})
	}
	p = nil
	for _, e := range g.exports {
		p = append(gname(p, e.name), e.kind)
		p = uleb(p, uint64(e.idx))
	}
	n := len(g.exports)
	if g.memory {
		p = append(gname(p, "memory"), 2, 0)
		n++
	}
	out = section(out, 7, vec(n, p))
	if g.start >= 0 {
		out = section(out, 8, uleb(nil, uint64(g.start)))
	}
	p = nil
	for _, b := range g.bodies {
		p = append(uleb(p, uint64(len(b))), b...)
	}
	out = section(out, 10, vec(len(g.bodies), p))
	for name, data := range g.custom {
		out = section(out, 0, append(gname(nil, name), data...))
	}
	return out
}

// write stores the module in a temporary directory and returns its path.
func (g *genModule) write(t testing.TB, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, g.bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Encoded function types.
var (
	typeVoid   = []byte{0x60, 0, 0}
	typeI64I64 = []byte{0x60, 1, 0x7e, 1, 0x7e}
)

// nestedBlocks is a module whose function deep(BIGINT) -> BIGINT returns its
// argument from inside n nested blocks.
func nestedBlocks(n int) *genModule {
	g := newGen()
	body := []byte{0} // no locals
	body = append(body, bytes.Repeat([]byte{0x02, 0x40}, n)...)
	body = append(body, 0x20, 0) // local.get 0
	body = append(body, 0x0f)    // return
	body = append(body, bytes.Repeat([]byte{0x0b}, n)...)
	body = append(body, 0x20, 0, 0x0b)
	g.export("deep", g.fn(typeI64I64, body))
	g.manifest(`{"functions": [{"name": "deep", "params": ["BIGINT"], "returns": "BIGINT"}]}`)
	return g
}
