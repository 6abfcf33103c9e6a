package runtime

import (
	"math"
	"strconv"
)

// convStatus is the outcome of converting a JSON number to a fixed-point integer.
type convStatus uint8

const (
	convOK      convStatus = iota
	convInexact            // digits would be lost and rounding was not allowed
	convRange              // the value does not fit in int64
)

var pow10u = [...]uint64{
	1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
}

var pow10f = [...]float64{
	1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
}

// toScaled converts the number n (scanned from b) to value×10^scale as an
// int64. With round, dropped digits round half away from zero; without,
// any non-zero dropped digit makes the result convInexact.
func toScaled(b []byte, n *number, scale int, round bool) (int64, convStatus) {
	if !n.exp && n.nd <= 19 && n.frac <= scale && scale-n.frac <= 19 {
		p := pow10u[scale-n.frac]
		if n.mant > math.MaxUint64/p {
			return 0, convRange
		}
		return signed(n.mant*p, n.neg)
	}
	return toScaledSlow(b[n.start:n.end], scale, round)
}

// toScaledSlow handles exponents, long digit strings and dropped digits.
func toScaledSlow(s []byte, scale int, round bool) (int64, convStatus) {
	neg := s[0] == '-'
	i := 0
	if neg {
		i = 1
	}
	intStart := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intEnd, fracStart, fracEnd := i, i, i
	if i < len(s) && s[i] == '.' {
		fracStart = i + 1
		i = fracStart
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		fracEnd = i
	}
	exp := 0
	if i < len(s) { // exponent
		i++
		expNeg := s[i] == '-'
		if s[i] == '+' || s[i] == '-' {
			i++
		}
		for ; i < len(s); i++ {
			if exp < 1e8 {
				exp = exp*10 + int(s[i]-'0')
			}
		}
		if expNeg {
			exp = -exp
		}
	}
	nInt := intEnd - intStart
	total := nInt + fracEnd - fracStart
	digit := func(j int) uint64 {
		if j < nInt {
			return uint64(s[intStart+j] - '0')
		}
		return uint64(s[fracStart+j-nInt] - '0')
	}
	first, last := -1, -1
	for j := 0; j < total; j++ {
		if digit(j) != 0 {
			if first < 0 {
				first = j
			}
			last = j
		}
	}
	if first < 0 {
		return 0, convOK
	}
	// value = D × 10^k where D is digits[first..last].
	sig := last - first + 1
	k := exp - (fracEnd - fracStart) + (total - 1 - last) + scale
	var u uint64
	if k >= 0 {
		if sig+k > 20 {
			return 0, convRange
		}
		for j := first; j <= last; j++ {
			u = u*10 + digit(j)
		}
		if sig+k == 20 || u > math.MaxUint64/pow10u[k] {
			return 0, convRange
		}
		return signed(u*pow10u[k], neg)
	}
	if !round {
		return 0, convInexact
	}
	keep := sig + k // digits left of the rounding point
	if keep < 0 {
		return 0, convOK
	}
	if keep > 19 {
		return 0, convRange
	}
	for j := first; j < first+keep; j++ {
		u = u*10 + digit(j)
	}
	if digit(first+keep) >= 5 {
		u++
	}
	return signed(u, neg)
}

func signed(u uint64, neg bool) (int64, convStatus) {
	if neg {
		if u > 1<<63 {
			return 0, convRange
		}
		return -int64(u), convOK
	}
	if u > math.MaxInt64 {
		return 0, convRange
	}
	return int64(u), convOK
}

// toFloat converts the number n (scanned from b) to the nearest float64;
// ok is false when it is beyond the float64 range.
func toFloat(b []byte, n *number) (float64, bool) {
	if !n.exp && n.nd <= 15 {
		// Exact operands and one correctly rounded division (Clinger's fast path).
		f := float64(n.mant)
		if n.frac > 0 {
			f /= pow10f[n.frac]
		}
		if n.neg {
			f = -f
		}
		return f, true
	}
	f, err := strconv.ParseFloat(unsafeString(b[n.start:n.end]), 64)
	return f, err == nil
}
