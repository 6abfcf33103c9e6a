package testseeds

import (
	"fmt"
	"testing"
)

// fatals records Fatalf instead of ending the test, to see N refuse a
// value.
type fatals struct {
	testing.TB
	msg string
}

func (f *fatals) Helper()                        {}
func (f *fatals) Fatalf(format string, a ...any) { f.msg = fmt.Sprintf(format, a...) }

// TestN: the default when VELORT_SEEDS is unset (NShort's short one under
// -short), its number when set, and a failure for anything but a positive
// number.
func TestN(t *testing.T) {
	t.Setenv("VELORT_SEEDS", "")
	if n := N(t, 3); n != 3 {
		t.Errorf("unset: %d, want the default 3", n)
	}
	want := 5
	if testing.Short() {
		want = 2
	}
	if n := NShort(t, 5, 2); n != want {
		t.Errorf("unset, short %v: NShort(5, 2) = %d, want %d", testing.Short(), n, want)
	}
	if _, ok := Asked(t); ok {
		t.Error("unset: Asked reports it set")
	}
	t.Setenv("VELORT_SEEDS", "40")
	if n := N(t, 3); n != 40 {
		t.Errorf("VELORT_SEEDS=40: %d", n)
	}
	if n := NShort(t, 5, 2); n != 40 {
		t.Errorf("VELORT_SEEDS=40: NShort = %d", n)
	}
	for _, bad := range []string{"0", "-3", "x", "2.5"} {
		t.Setenv("VELORT_SEEDS", bad)
		f := &fatals{TB: t}
		N(f, 3)
		if f.msg == "" {
			t.Errorf("VELORT_SEEDS=%q: accepted", bad)
		}
	}
}
