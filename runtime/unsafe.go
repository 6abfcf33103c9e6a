package runtime

import "unsafe"

// unsafeString views b as a string without copying; the caller must not
// keep the string past b's lifetime.
func unsafeString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// UnsafeString is unsafeString for other packages of velort.
func UnsafeString(b []byte) string { return unsafeString(b) }
