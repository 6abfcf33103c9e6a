//go:build wasip1

package velort

import "unsafe"

var (
	manifest []byte
	area     []byte // the host's argument area, see velort_alloc
	keepS    string // the last string result, alive until the host reads it
	keepB    []byte
)

//go:wasmexport velort_describe
func describe() uint64 {
	manifest = Manifest()
	return ReturnBytes(manifest)
}

// alloc hands the host an argument area of at least n bytes. The host owns it
// until the next velort_alloc call, so it is allocated once and reused.
//
//go:wasmexport velort_alloc
func alloc(n uint32) uint32 {
	if int(n) > len(area) || area == nil {
		area = make([]byte, max(n, 64))
	}
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(area))))
}

//go:wasmimport velort result_null
func resultNull()

// ResultNull makes the result of the current call SQL NULL.
func ResultNull() { resultNull() }

// View returns the argument bytes at (p, n) without copying. They are valid
// only until the exported function returns.
func View(p, n uint32) []byte {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Add(nil, uintptr(p))), n)
}

// String returns a copy of the VARCHAR argument at (p, n).
func String(p, n uint32) string { return string(View(p, n)) }

// Bytes returns a copy of the VARBINARY argument at (p, n).
func Bytes(p, n uint32) []byte { return append([]byte(nil), View(p, n)...) }

// JSONArg returns a copy of the JSON argument at (p, n).
func JSONArg(p, n uint32) JSON { return JSON(View(p, n)) }

// ReturnString encodes a VARCHAR (or JSON) result as (ptr << 32) | len.
func ReturnString(s string) uint64 {
	keepS = s
	return uint64(uintptr(unsafe.Pointer(unsafe.StringData(s))))<<32 | uint64(len(s))
}

// ReturnBytes encodes a VARBINARY result as (ptr << 32) | len.
func ReturnBytes(b []byte) uint64 {
	keepB = b
	return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b))))<<32 | uint64(len(b))
}
