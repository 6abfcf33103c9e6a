package wasmbin

import (
	"bytes"
	"testing"
)

// TestShape measures a function nesting n blocks, each with a br_if, beside
// a flat one: depth n, n structures and n branches.
func TestShape(t *testing.T) {
	const n = 300
	deep := []byte{0}
	deep = append(deep, bytes.Repeat([]byte{0x02, 0x40, 0x41, 0, 0x0d, 0}, n)...) // block; i32.const 0; br_if 0
	deep = append(deep, bytes.Repeat([]byte{0x0b}, n)...)
	deep = append(deep, 0x0b)
	flat := []byte{0, 0x02, 0x40, 0x0b, 0x03, 0x40, 0x0b, 0x0b} // block end loop end
	code := []byte{2, byte(len(flat))}
	code = append(code, flat...)
	code = append(appendU32(code, uint32(len(deep))), deep...)
	bin := []byte("\x00asm\x01\x00\x00\x00")
	bin = appendSection(bin, secType, []byte{1, 0x60, 0, 0})
	bin = appendSection(bin, secFunction, []byte{2, 0, 0})
	bin = appendSection(bin, secCode, code)
	m, err := Parse(bin)
	if err != nil {
		t.Fatal(err)
	}
	var s Shape
	o := opts
	o.Shape = &s
	if _, err := Instrument(m, o); err != nil {
		t.Fatal(err)
	}
	want := Shape{MaxDepth: n, DeepFunc: 1, FuncCost: n * 2 * n, Cost: n*2*n + 1*2}
	if s != want {
		t.Errorf("got %+v, want %+v", s, want)
	}
}
