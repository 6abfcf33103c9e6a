package runtime

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSumOverflowsPredictsUpdate: the check made before any aggregate
// changes (so that a dead-lettered record leaves every state as it was)
// says exactly when SUM's update fails, for BIGINT and DECIMAL sums of
// values of varied scales near the limits.
func TestSumOverflowsPredictsUpdate(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	vals := func() Value {
		switch rng.IntN(4) {
		case 0:
			return Int(rng.Int64N(math.MaxInt64/2) * (1 - 2*rng.Int64N(2)))
		case 1:
			return Decimal(rng.Int64N(math.MaxInt64/3)*(1-2*rng.Int64N(2)), uint8(rng.IntN(6)))
		case 2:
			return Double(float64(rng.Int64N(1e12)) / 3)
		}
		return Int(rng.Int64N(1000) - 500)
	}
	for _, rt := range []Type{TInt, TDecimal} {
		sp := AggSpec{Func: Sum, ResultType: rt}
		failed := 0
		for trial := 0; trial < 2000; trial++ {
			var a accum
			for k := 0; k < 6; k++ {
				v := vals()
				if rt == TInt && v.T == TDecimal {
					continue
				}
				before := a
				predicted := a.sumOverflows(&sp, &v, nil)
				c := &Ctx{}
				a.update(c, &sp, &v, nil, 0)
				if predicted != (c.Err != nil) {
					t.Fatalf("%v sum %+v + %+v: predicted overflow %v, update error %v", rt, before, v, predicted, c.Err)
				}
				if predicted {
					failed++
					a = before
				}
			}
		}
		if failed == 0 {
			t.Errorf("%v: no overflow exercised", rt)
		}
	}
}
