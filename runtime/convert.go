package runtime

import (
	"math"
	"strconv"
)

// ParseFloatPrefix parses the longest numeric prefix of s as MySQL does
// when a string is used as a number ("12abc" → 12). ok is false when s
// has no numeric prefix.
func ParseFloatPrefix(s []byte) (float64, bool) {
	num := NumericPrefix(s)
	if len(num) == 0 {
		return 0, false
	}
	f, err := strconv.ParseFloat(unsafeString(num), 64)
	if err != nil {
		// A numeral beyond DOUBLE ("1.5e400") is ±1.7976931348623157e+308
		// in MySQL (with a warning), never NULL or 0.
		if math.IsInf(f, 0) {
			return math.Copysign(math.MaxFloat64, f), true
		}
		return 0, false
	}
	return f, true
}

// DecimalFromFloat converts f to a DECIMAL's unscaled value at scale, as
// MySQL does: from f's shortest decimal representation (2.675e0 is
// 2.675, not 2.67499…), rounding half away from zero. ok is false when
// the result does not fit an int64 (or f is not finite).
func DecimalFromFloat(f float64, scale int) (unscaled int64, ok bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	var buf [32]byte
	b := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	u, st := toScaledSlow(b, scale, true)
	return u, st == convOK
}

// DecimalFromText converts the numeric prefix of s ("12.5abc" → 12.5; no
// prefix → 0, as MySQL) to a DECIMAL's unscaled value at scale, rounding
// half away from zero. ok is false when the result does not fit an int64.
func DecimalFromText(s []byte, scale int) (unscaled int64, ok bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var buf [64]byte
	b := buf[:0]
	if neg {
		b = append(b, '-')
	}
	digits, dot := 0, false
	for ; i < len(s); i++ {
		switch ch := s[i]; {
		case ch >= '0' && ch <= '9':
			digits++
		case ch == '.' && !dot:
			dot = true
		default:
			goto exp
		}
		if len(b) == cap(b) { // longer than any value that can fit: out of range or lost digits
			return 0, false
		}
		b = append(b, s[i])
	}
exp:
	if digits == 0 {
		return 0, true
	}
	if i+1 < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if s[j] == '+' || s[j] == '-' {
			j++
		}
		if j < len(s) && s[j] >= '0' && s[j] <= '9' && j-i+len(b) < cap(b) {
			b = append(b, 'e')
			b = append(b, s[i+1:j]...)
			for ; j < len(s) && s[j] >= '0' && s[j] <= '9' && len(b) < cap(b); j++ {
				b = append(b, s[j])
			}
		}
	}
	u, st := toScaledSlow(b, scale, true)
	return u, st == convOK
}

// NumericPrefix returns the longest prefix of s that MySQL reads as a
// number ("  -12.5e1xyz" → "-12.5e1"), without leading blanks; empty when
// there is none.
func NumericPrefix(s []byte) []byte {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
		i++
	}
	start := i
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return nil
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			i = j
		}
	}
	return s[start:i]
}

// FitsPrecision reports whether a DECIMAL's unscaled value x has at most
// p digits, as a DECIMAL(p,s) column requires (p of 0 or more than 18:
// only the int64 bound applies).
func FitsPrecision(x int64, p uint8) bool { return fitsPrecision(x, p) }
