//go:build !wasip1

package velort

import "unsafe"

// These stand-ins let plugin code compile (and be vetted) on the build
// machine; they only work inside a wasm guest.

const notGuest = "velort: guest memory functions work only when built with GOOS=wasip1 GOARCH=wasm"

// ResultNull makes the result of the current call SQL NULL.
func ResultNull() { panic(notGuest) }

// View returns the argument bytes at (p, n) without copying.
func View(p, n uint32) []byte { panic(notGuest) }

// String returns a copy of the VARCHAR argument at (p, n).
func String(p, n uint32) string { panic(notGuest) }

// Bytes returns a copy of the VARBINARY argument at (p, n).
func Bytes(p, n uint32) []byte { panic(notGuest) }

// JSONArg returns a copy of the JSON argument at (p, n).
func JSONArg(p, n uint32) JSON { panic(notGuest) }

// ReturnString encodes a VARCHAR (or JSON) result as (ptr << 32) | len.
func ReturnString(s string) uint64 { panic(notGuest) }

// ReturnBytes encodes a VARBINARY result as (ptr << 32) | len.
func ReturnBytes(b []byte) uint64 { panic(notGuest) }

// addr is a guest memory address.
func addr(p unsafe.Pointer) uint32 { panic(notGuest) }
