//go:build !amd64 && !arm64

package runtime

import "unsafe"

// prefetch does nothing where velort has no prefetch instruction for the
// architecture: it is only ever a hint.
func prefetch(unsafe.Pointer) {}
