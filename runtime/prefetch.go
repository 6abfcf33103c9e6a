//go:build amd64 || arm64

package runtime

import "unsafe"

// prefetch asks the CPU to bring the cache line at p into its caches
// without waiting for it (PREFETCHT0, PRFM PLDL1KEEP): a hint, never a
// fault, whatever p points at. Go has no prefetch of its own; this is a
// call of a few instructions, not inlined.
//
//go:noescape
func prefetch(p unsafe.Pointer)
