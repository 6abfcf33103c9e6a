package runtime

import (
	"bytes"
	"encoding/binary"
	"math"
)

// Value helpers shared by the aggregate, window and row-frame operators.

var aggPow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

func aggPow10f(scale uint8) float64 {
	if int(scale) < len(aggPow10) {
		return float64(aggPow10[scale])
	}
	return math.Pow10(int(scale))
}

// aggToFloat converts a non-NULL value to float64 as MySQL does in
// numeric context.
func aggToFloat(v Value) float64 {
	switch v.T {
	case TDouble:
		return v.F
	case TDecimal:
		return DecimalToFloat(v.I, v.Scale)
	case TString, TJSON:
		f, _ := ParseFloatPrefix(v.S)
		return f
	}
	return float64(v.I)
}

// aggToInt converts a non-NULL value to int64, rounding half away from zero.
func aggToInt(v Value) int64 {
	switch v.T {
	case TDouble, TString, TJSON:
		return int64(math.Round(aggToFloat(v)))
	case TDecimal:
		return int64(math.Round(aggToFloat(v)))
	}
	return v.I
}

// aggRescale multiplies the unscaled i from scale `from` up to `to`.
func aggRescale(i int64, from, to uint8) (int64, bool) {
	if to <= from {
		return i, true
	}
	d := int(to - from)
	if d >= len(aggPow10) {
		return 0, i == 0
	}
	p := aggPow10[d]
	r := i * p
	if i != 0 && (r/p != i) {
		return 0, false
	}
	return r, true
}

// aggAddExact adds two int64 and reports overflow.
func aggAddExact(a, b int64) (int64, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	return s, true
}

// aggToScaled returns v as an unscaled integer at its own scale (ints: 0).
func aggToScaled(v Value, scale uint8) (int64, uint8) {
	switch v.T {
	case TDecimal:
		return v.I, v.Scale
	case TInt, TBool, TTimestamp:
		return v.I, 0
	}
	return int64(math.Round(aggToFloat(v) * aggPow10f(scale))), scale
}

// aggNormDecimal strips trailing fraction zeros so equal decimals compare equal.
func aggNormDecimal(i int64, scale uint8) (int64, uint8) {
	for scale > 0 && i%10 == 0 {
		i /= 10
		scale--
	}
	return i, scale
}

func aggCmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func aggCmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// aggCompare orders two non-NULL values: same-type values natively
// (strings byte-wise), mixed types numerically.
func aggCompare(a, b *Value) int {
	if a.T == b.T {
		switch a.T {
		case TDouble:
			return aggCmpFloat(a.F, b.F)
		case TString, TJSON:
			return bytes.Compare(a.S, b.S)
		case TDecimal:
			if a.Scale == b.Scale {
				return aggCmpInt(a.I, b.I)
			}
			x, ok1 := aggRescale(a.I, a.Scale, max(a.Scale, b.Scale))
			y, ok2 := aggRescale(b.I, b.Scale, max(a.Scale, b.Scale))
			if ok1 && ok2 {
				return aggCmpInt(x, y)
			}
			return aggCmpFloat(aggToFloat(*a), aggToFloat(*b))
		}
		return aggCmpInt(a.I, b.I)
	}
	return aggCmpFloat(aggToFloat(*a), aggToFloat(*b))
}

// aggKeyEqual reports whether two values (NULLs included) are the same
// GROUP BY / PARTITION BY key part. NULL equals NULL.
func aggKeyEqual(a, b *Value) bool {
	if a.T != b.T {
		return false
	}
	switch a.T {
	case TNull:
		return true
	case TDouble:
		return a.F == b.F || (a.F != a.F && b.F != b.F)
	case TString, TJSON:
		return bytes.Equal(a.S, b.S)
	case TDecimal:
		if a.Scale == b.Scale {
			return a.I == b.I
		}
		x, xs := aggNormDecimal(a.I, a.Scale)
		y, ys := aggNormDecimal(b.I, b.Scale)
		return x == y && xs == ys
	}
	return a.I == b.I
}

// distinctFloatBits is f's bits with the DOUBLEs DISTINCT takes as equal
// made equal: -0 is +0, every NaN the one NaN.
func distinctFloatBits(f float64) uint64 {
	if f == 0 {
		f = 0 // -0 == +0
	}
	if f != f {
		f = math.NaN()
	}
	return math.Float64bits(f)
}

// aggDistinctKey appends a byte encoding of a non-NULL value such that two
// values encode equally exactly when they are equal.
func aggDistinctKey(dst []byte, v Value) []byte {
	dst = append(dst, byte(v.T))
	switch v.T {
	case TDouble:
		return binary.LittleEndian.AppendUint64(dst, distinctFloatBits(v.F))
	case TString, TJSON:
		return append(dst, v.S...)
	case TDecimal:
		i, sc := aggNormDecimal(v.I, v.Scale)
		dst = binary.LittleEndian.AppendUint64(dst, uint64(i))
		return append(dst, sc)
	}
	return binary.LittleEndian.AppendUint64(dst, uint64(v.I))
}

// aggHasBytes reports whether a value of type t carries bytes in S.
func aggHasBytes(t Type) bool { return t == TString || t == TJSON }

// Results are written through a pointer, field by field: returning a
// Value makes the compiler copy it through a stack temporary, whose wide
// reloads stall on store forwarding.

func aggSetNull(dst *Value) { *dst = Value{} }

func aggSetInt(dst *Value, i int64) { *dst = Value{T: TInt, I: i} }

func aggSetDouble(dst *Value, f float64) { *dst = Value{T: TDouble, F: f} }

// aggDistinctValue decodes a key written by aggDistinctKey.
func aggDistinctValue(k string) Value {
	v := Value{T: Type(k[0])}
	switch v.T {
	case TDouble:
		v.F = math.Float64frombits(binary.LittleEndian.Uint64([]byte(k[1:9])))
	case TString, TJSON:
		v.S = []byte(k[1:])
	case TDecimal:
		v.I = int64(binary.LittleEndian.Uint64([]byte(k[1:9])))
		v.Scale = k[9]
	default:
		v.I = int64(binary.LittleEndian.Uint64([]byte(k[1:9])))
	}
	return v
}

// TupleArg is the argument of COUNT(DISTINCT a, b, ...): NULL when any of
// args is NULL (MySQL counts only rows where all are non-NULL), else a
// string that two rows share exactly when all their values are equal.
// The result's bytes are reused by the next call.
func TupleArg(args []Expr) Expr {
	var buf, part []byte
	return func(c *Ctx, r Row) Value {
		buf = buf[:0]
		for _, e := range args {
			v := e(c, r)
			if v.T == TNull {
				return Null
			}
			part = aggDistinctKey(part[:0], v)
			buf = binary.AppendUvarint(buf, uint64(len(part)))
			buf = append(buf, part...)
		}
		return Value{T: TString, S: buf}
	}
}

// ConcatArg is the argument of GROUP_CONCAT(a, b, ...): NULL when any of
// args (strings) is NULL, else their concatenation. The result's bytes are
// reused by the next call.
func ConcatArg(args []Expr) Expr {
	var buf []byte
	return func(c *Ctx, r Row) Value {
		buf = buf[:0]
		for _, e := range args {
			v := e(c, r)
			if v.T == TNull {
				return Null
			}
			buf = append(buf, v.S...)
		}
		return Value{T: TString, S: buf}
	}
}
