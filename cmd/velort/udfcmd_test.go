package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testModule is a wasm module exporting f(BIGINT) -> BIGINT with the given
// body (locals vector, instructions, end) and declaring it in its manifest;
// with a start body, it also has a start function () -> ().
func testModule(body, start []byte) []byte {
	uleb := func(b []byte, v int) []byte {
		for {
			c := byte(v & 0x7f)
			v >>= 7
			if v == 0 {
				return append(b, c)
			}
			b = append(b, c|0x80)
		}
	}
	sec := func(out []byte, id byte, p []byte) []byte { return append(uleb(append(out, id), len(p)), p...) }
	name := func(b []byte, s string) []byte { return append(uleb(b, len(s)), s...) }
	out := []byte("\x00asm\x01\x00\x00\x00")
	out = sec(out, 1, []byte{2, 0x60, 1, 0x7e, 1, 0x7e, 0x60, 0, 0}) // (i64) -> i64, () -> ()
	code := append(uleb(nil, len(body)), body...)
	if start == nil {
		out = sec(out, 3, []byte{1, 0})
	} else {
		out = sec(out, 3, []byte{2, 0, 1})
		code = append(uleb(code, len(start)), start...)
	}
	out = sec(out, 7, append(name([]byte{1}, "f"), 0, 0))
	if start != nil {
		out = sec(out, 8, []byte{1})
		out = sec(out, 10, append([]byte{2}, code...))
	} else {
		out = sec(out, 10, append([]byte{1}, code...))
	}
	manifest := `{"functions": [{"name": "f", "params": ["BIGINT"], "returns": "BIGINT"}]}`
	return sec(out, 0, append(name(nil, "velort.udf.v1"), manifest...))
}

// TestUDFInspectHostileModules: 100 000 nested blocks took wazero's
// optimizing compiler minutes in udf inspect; the module now runs on the
// interpreter, which inspect says. A module whose start function never
// returns passed inspect and failed at run time; inspect now refuses it,
// naming it.
func TestUDFInspectHostileModules(t *testing.T) {
	dir := t.TempDir()
	const n = 100_000
	deep := []byte{0}
	deep = append(deep, bytes.Repeat([]byte{0x02, 0x40, 0x20, 0, 0xa7, 0x0d, 0}, n)...) // block; br_if 0 on the argument
	deep = append(deep, bytes.Repeat([]byte{0x0b}, n)...)
	deep = append(deep, 0x20, 0, 0x0b)
	deepPath := filepath.Join(dir, "deep.wasm")
	spinPath := filepath.Join(dir, "spin.wasm")
	ident := []byte{0, 0x20, 0, 0x0b}
	spin := []byte{0, 0x03, 0x40, 0x0c, 0, 0x0b, 0x0b} // loop; br 0; end
	if os.WriteFile(deepPath, testModule(deep, nil), 0o644) != nil || os.WriteFile(spinPath, testModule(ident, spin), 0o644) != nil {
		t.Fatal("cannot write the modules")
	}

	out, errOut, code := velort(t, nil, "udf", "inspect", deepPath)
	if code != 0 || !strings.Contains(out, "runs on wazero's interpreter") || !strings.Contains(out, "f(BIGINT) -> BIGINT") || !strings.Contains(errOut, "100000 deep") {
		t.Errorf("deep: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = velort(t, nil, "udf", "inspect", spinPath)
	if code != 2 || !strings.Contains(errOut, spinPath) || !strings.Contains(errOut, "start function") || !strings.Contains(errOut, "timeout") {
		t.Errorf("spin: exit %d\n%s%s", code, out, errOut)
	}
}
