package testseeds

import "testing"

func TestN(t *testing.T) {
	t.Setenv("VELORT_SEEDS", "")
	if n := N(t, 3); n != 3 {
		t.Errorf("unset: %d, want the default 3", n)
	}
	t.Setenv("VELORT_SEEDS", "40")
	if n := N(t, 3); n != 40 {
		t.Errorf("VELORT_SEEDS=40: %d", n)
	}
}
