package runtime

import (
	"errors"
	"math/bits"
)

// Overflow-checked 64-bit integer arithmetic for compiled expressions.
// Each returns ok == false when the exact result does not fit an int64;
// the checks are a few ALU instructions, no division.

// AddInt64 returns a + b.
func AddInt64(a, b int64) (int64, bool) {
	s := a + b
	return s, (a^s)&(b^s) >= 0
}

// SubInt64 returns a - b.
func SubInt64(a, b int64) (int64, bool) {
	s := a - b
	return s, (a^b)&(a^s) >= 0
}

// MulInt64 returns a * b.
func MulInt64(a, b int64) (int64, bool) {
	ua, ub := uint64(a), uint64(b)
	neg := false
	if a < 0 {
		ua, neg = -ua, true
	}
	if b < 0 {
		ub, neg = -ub, !neg
	}
	hi, lo := bits.Mul64(ua, ub)
	if hi != 0 {
		return 0, false
	}
	if neg {
		if lo > 1<<63 {
			return 0, false
		}
		return int64(-lo), true
	}
	if lo >= 1<<63 {
		return 0, false
	}
	return int64(lo), true
}

// OutOfRange is MySQL's error 1690 for a value that does not fit its type,
// e.g. "BIGINT value is out of range in '(i + 1)'". Build it once, when
// the expression is compiled, not per record.
func OutOfRange(typ, expr string) error {
	return errors.New(typ + " value is out of range in '" + expr + "'")
}
