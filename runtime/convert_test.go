package runtime

import (
	"math"
	"testing"
)

// A numeral beyond DOUBLE's range reads as ±MaxFloat64 (MySQL, with a
// warning), not as "no number" (which made -'1.5e400' NULL and NOT
// '1.5e400' true).
func TestParseFloatPrefixOutOfRange(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
	}{
		{"1.5e400", math.MaxFloat64},
		{"-1.5e400", -math.MaxFloat64},
		{" +9e999xyz", math.MaxFloat64},
		{"1e-400", 0},
		{"12abc", 12},
	} {
		got, ok := ParseFloatPrefix([]byte(tc.in))
		if !ok || got != tc.want {
			t.Errorf("ParseFloatPrefix(%q) = %v, %v; want %v, true", tc.in, got, ok, tc.want)
		}
	}
	if _, ok := ParseFloatPrefix([]byte("abc")); ok {
		t.Errorf("ParseFloatPrefix(\"abc\") ok")
	}
}
