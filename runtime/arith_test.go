package runtime

import (
	"math"
	"math/big"
	"testing"
)

// TestCheckedInt64 compares the overflow-checked operations with exact
// big-integer arithmetic on edge values.
func TestCheckedInt64(t *testing.T) {
	edges := []int64{0, 1, -1, 2, -2, 3, 1 << 31, -1 << 31, 1<<32 + 1, 3037000499, 3037000500, -3037000500,
		math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1, math.MaxInt64 / 2, math.MinInt64 / 2}
	ops := []struct {
		name  string
		f     func(a, b int64) (int64, bool)
		exact func(z, x, y *big.Int) *big.Int
	}{
		{"+", AddInt64, (*big.Int).Add}, {"-", SubInt64, (*big.Int).Sub}, {"*", MulInt64, (*big.Int).Mul},
	}
	for _, op := range ops {
		for _, a := range edges {
			for _, b := range edges {
				want := op.exact(new(big.Int), big.NewInt(a), big.NewInt(b))
				got, ok := op.f(a, b)
				if fits := want.IsInt64(); ok != fits || ok && got != want.Int64() {
					t.Errorf("%d %s %d = %d, %v; want %s (fits %v)", a, op.name, b, got, ok, want, fits)
				}
			}
		}
	}
}
