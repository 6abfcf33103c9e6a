// Package testseeds reads how many seeds velort's randomized differential
// tests run. CI runs each with its default (usually its one fixed seed);
// VELORT_SEEDS=N in the environment asks every such test for N, each a
// subtest named seed=i, so that a failure reproduces with
// -run 'TestX/seed=i' and the same VELORT_SEEDS.
package testseeds

import (
	"os"
	"strconv"
	"testing"
)

// N is the number of seeds a test runs: VELORT_SEEDS when set, def
// otherwise.
func N(t testing.TB, def int) int {
	t.Helper()
	if n, ok := Asked(t); ok {
		return n
	}
	return def
}

// NShort is N with the default short under go test -short.
func NShort(t testing.TB, def, short int) int {
	t.Helper()
	if testing.Short() {
		def = short
	}
	return N(t, def)
}

// Asked returns the number of seeds VELORT_SEEDS asks for, and whether it
// is set (a positive number; anything else fails t).
func Asked(t testing.TB) (int, bool) {
	t.Helper()
	s := os.Getenv("VELORT_SEEDS")
	if s == "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("VELORT_SEEDS=%q: want a positive number of seeds", s)
	}
	return n, true
}
