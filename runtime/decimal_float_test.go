package runtime

import (
	"math/rand"
	"strconv"
	"testing"
)

// TestDecimalToFloatCorrectlyRounded compares with strconv's correctly
// rounded reading of the decimal's text, over unscaled values on both
// sides of 2^53 (the old float64(i)/10^sc was off for
// -0.23333333333333334, so a DOUBLE column never equalled that literal).
func TestDecimalToFloatCorrectlyRounded(t *testing.T) {
	check := func(i int64, sc uint8) {
		t.Helper()
		want, err := strconv.ParseFloat(strconv.FormatInt(i, 10)+"e-"+strconv.Itoa(int(sc)), 64)
		if err != nil {
			t.Fatal(err)
		}
		if got := DecimalToFloat(i, sc); got != want {
			t.Errorf("DecimalToFloat(%d, %d) = %v, want %v", i, sc, got, want)
		}
	}
	check(-23333333333333334, 17)
	check(1<<62, 18)
	check(-1<<63, 0)
	check(123, 2)
	rng := rand.New(rand.NewSource(1))
	for range 20000 {
		check(rng.Int63()>>uint(rng.Intn(63))*int64(1-2*rng.Intn(2)), uint8(rng.Intn(19)))
	}
	if n := testing.AllocsPerRun(100, func() { DecimalToFloat(-23333333333333334, 17) }); n != 0 {
		t.Errorf("%v allocations per conversion, want 0", n)
	}
}
