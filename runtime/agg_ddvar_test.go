package runtime

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// exactM2 is Σ(x−mean)² over xs, computed with rationals.
func exactM2(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	sum := new(big.Rat)
	for _, x := range xs {
		sum.Add(sum, new(big.Rat).SetFloat64(x))
	}
	mean := new(big.Rat).Quo(sum, big.NewRat(int64(len(xs)), 1))
	m2 := new(big.Rat)
	for _, x := range xs {
		d := new(big.Rat).Sub(new(big.Rat).SetFloat64(x), mean)
		m2.Add(m2, d.Mul(d, d))
	}
	f, _ := m2.Float64()
	return f
}

// TestVarianceChangeAfterLargeRetraction: retracting a value far larger
// than the rest leaves the variance of the rest (backward Welford left
// 0 for {1.5, 0.25} after 1e16 left; the batch answer is 0.390625).
func TestVarianceChangeAfterLargeRetraction(t *testing.T) {
	var a accum
	for _, x := range []float64{1.5, 1e16, 0.25} {
		a.varianceChange(x, 1)
	}
	a.varianceChange(1e16, -1)
	if got := a.m2 / float64(a.n); a.n != 2 || got != 0.390625 {
		t.Fatalf("VAR_POP of {1.5, 0.25} after retracting 1e16 = %v (n %d), want 0.390625", got, a.n)
	}
}

// TestVarianceChangeRandom: random inserts and retractions of values of
// mixed magnitudes; m2 stays within 1e-12 (relative, or 1e-300 absolute)
// of the exact Σ(x−mean)² of the values still counted.
func TestVarianceChangeRandom(t *testing.T) {
	forSeeds(t, 11, 12, func(t *testing.T, rng *rand.Rand) {
		var a accum
		var live []float64
		for step := 0; step < 400; step++ {
			if len(live) > 0 && rng.IntN(3) == 0 {
				i := rng.IntN(len(live))
				a.varianceChange(live[i], -1)
				live = append(live[:i], live[i+1:]...)
			} else {
				x := float64(rng.IntN(2001)-1000) / 8 * math.Pow(10, float64(rng.IntN(5)*rng.IntN(5)))
				a.varianceChange(x, 1)
				live = append(live, x)
			}
			want := exactM2(live)
			if a.n != int64(len(live)) || math.Abs(a.m2-want) > 1e-12*math.Abs(want)+1e-300 {
				t.Fatalf("step %d: m2 %v over %d values, want %v over %d", step, a.m2, a.n, want, len(live))
			}
		}
	})
}
