package runtime

import (
	"testing"
	"unsafe"
)

// TestPrefetchIsOnlyAHint: prefetching nil and a live element neither
// faults nor changes what is there.
func TestPrefetchIsOnlyAHint(t *testing.T) {
	a := []int64{7, 8}
	prefetch(nil)
	prefetch(unsafe.Pointer(&a[1]))
	if a[0] != 7 || a[1] != 8 {
		t.Fatalf("prefetch changed memory: %v", a)
	}
}
