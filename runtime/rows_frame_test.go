package runtime

import (
	"math"
	"testing"
)

// A huge DOUBLE leaving a sliding frame must not wipe out the small values
// still in it: SUM/AVG over ROWS n PRECEDING are the frame's own sum (as
// MySQL 8 with windowing_use_high_precision), not the leftovers of adding
// and subtracting (velort gave 30.864 for the last row: 0.1 and 1e-07 lost
// to 1.7976931348623157e+308 and -1.7e+308 having passed through). The
// frame is summed oldest row first, as MySQL 8 does, so what that order
// itself loses (123.456 + 9.2e18 - 9.2e18) is lost alike.
func TestRowsSlidingDoubleSumAfterHugeValues(t *testing.T) {
	for _, ds := range [][]float64{
		{1e16, 9.007199254740992e15, -9.007199254740992e15, 1.7976931348623157e308,
			-1.7e308, 5e-324, 0.1, 1e-07, 123.456, 2.5, -0.1},
		{1e-07, 123.456, 9.223372036854776e18, -9.223372036854776e18, 3.14159, 0.5, -0.5, 1e21, 7, 8, 9},
	} {
		slidingSums(t, ds)
	}
}

func slidingSums(t *testing.T, ds []float64) {
	for _, kind := range []RowFuncKind{RowSum, RowAvg} {
		f := RowFunc{Func: kind, ArgType: TDouble, ResultType: TDouble, Preceding: 3}
		fn := newRowFn(&f)
		for k, d := range ds {
			v, def, dst := Double(d), Null, Value{}
			fn.step(&f, int64(k), &v, &def, &dst)
			lo := max(0, k-3)
			want := 0.0
			for _, x := range ds[lo : k+1] {
				want += x
			}
			if kind == RowAvg {
				want /= float64(k + 1 - lo)
			}
			if dst.T != TDouble || math.Abs(dst.F-want) > 1e-12*math.Abs(want) {
				t.Errorf("frame %v", ds[lo:k+1])
				t.Errorf("kind %v row %d: got %v (%v), want %v", kind, k, dst.F, dst.T, want)
			}
		}
	}
}
