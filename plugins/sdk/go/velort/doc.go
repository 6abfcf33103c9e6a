// Package velort is the guest-side SDK for writing velort user functions in
// Go (ABI "velort/1"). A plugin is a main package built with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o risk.wasm .
//
// Each function is a Go func plus two lines: a Register call in init (which
// puts the function, with SQL types taken from its Go types, into the
// manifest that the exported velort_describe returns) and a //go:wasmexport
// directive. Functions whose parameters and result are float64, int64, bool
// or Timestamp are exported as they are:
//
//	func init() { velort.Register("risk", Risk) }
//
//	//go:wasmexport risk
//	func Risk(price float64, qty int64) float64 { return price * float64(qty) }
//
// A string, []byte or JSON parameter arrives as two uint32 (pointer, length)
// and a result of those types leaves as one uint64, so such a function needs
// a one-line shim:
//
//	func init() { velort.Register("mask", Mask) }
//
//	func Mask(s string) string { ... }
//
//	//go:wasmexport mask
//	func mask(p, n uint32) uint64 { return velort.ReturnString(Mask(velort.String(p, n))) }
//
// Aggregates keep their state in the guest, addressed by an int32 handle
// (see States and RegisterAggregate); RegisterAggregateRetract declares one
// that can also take a row back out of a state (a name_retract export),
// which velort needs to aggregate over a changelog. Go types map to SQL types as: int64 and
// int → BIGINT, float64 → DOUBLE, bool → BOOLEAN, Timestamp → TIMESTAMP,
// string → VARCHAR, []byte → VARBINARY, JSON → JSON.
//
// The package also exports velort_alloc, through which the host passes
// string arguments. On other platforms the functions that touch guest memory
// panic; Register and Manifest work everywhere, so manifests can be tested
// with a plain go test.
package velort
