package runtime

import (
	"testing"
	"unsafe"
)

// TestMaskSetSize: a maskSet is 128 bytes with its lookup fields in the
// first 64 (see maskSet).
func TestMaskSetSize(t *testing.T) {
	var d maskSet
	if n := unsafe.Sizeof(d); n != 128 {
		t.Fatalf("maskSet is %d bytes, want 128", n)
	}
	if end := unsafe.Offsetof(d.other) + unsafe.Sizeof(d.other); end > 64 {
		t.Fatalf("maskSet's lookup fields end at byte %d, want <= 64", end)
	}
}

// TestAccumHotFields: an accum's update and result fields end within its
// first 64 bytes (see accum).
func TestAccumHotFields(t *testing.T) {
	var a accum
	if end := unsafe.Offsetof(a.set) + unsafe.Sizeof(a.set); end > 64 {
		t.Fatalf("accum's hot fields end at byte %d, want <= 64", end)
	}
}
