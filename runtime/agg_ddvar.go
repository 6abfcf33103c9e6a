package runtime

import (
	"encoding/binary"
	"math"
)

// Variances over a changelog keep Σx and Σx² exactly, as floating-point
// expansions (Shewchuk: sums of non-overlapping float64 components, grown
// by error-free additions) in the accum's byte buffer, so a retracted value
// leaves no residue in the sums of the values still counted. (Welford's
// step run backwards kept the rounding of a retracted 1e16 in a group of
// small values: the variance of {1.5, 0.25} came out 0, not 0.390625.)
// After each change the accum's f (mean) and m2 (Σx² − (Σx)²/n, in
// double-double from the exact sums) are recomputed, so results read them
// as for an append-only variance.

// dd is a double-double: the unevaluated sum hi + lo, |lo| ≤ ulp(hi)/2.
type dd struct{ hi, lo float64 }

// twoSum is Knuth's error-free sum: s + e = a + b exactly.
func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	e = (a - (s - bb)) + (b - bb)
	return
}

// ddAdd returns a + b.
func ddAdd(a, b dd) dd {
	s, e := twoSum(a.hi, b.hi)
	t, f := twoSum(a.lo, b.lo)
	e += t
	s, e = twoSum(s, e)
	e += f
	s, e = twoSum(s, e)
	return dd{s, e}
}

// ddSquare returns a².
func ddSquare(a dd) dd {
	p := a.hi * a.hi
	e := math.FMA(a.hi, a.hi, -p) + 2*a.hi*a.lo
	s, e := twoSum(p, e)
	return dd{s, e}
}

// ddDiv returns a / n for a count n > 0.
func ddDiv(a dd, n float64) dd {
	q := a.hi / n
	p := q * n
	r := (a.hi - p) - math.FMA(q, n, -p) + a.lo // a − q·n
	s, e := twoSum(q, r/n)
	return dd{s, e}
}

// maxExpansion bounds an expansion's components (float64's exponent range
// spans about 40 non-overlapping ones).
const maxExpansion = 48

// growExpansion adds b to the expansion e (increasing magnitudes, no
// zeros) exactly, in place (Shewchuk's GROW-EXPANSION with zero
// elimination).
func growExpansion(e []float64, b float64) []float64 {
	q := b
	h := e[:0]
	for _, c := range e {
		var r float64
		q, r = twoSum(q, c)
		if r != 0 {
			h = append(h, r)
		}
	}
	if q != 0 {
		h = append(h, q)
	}
	return h
}

// expansionDD approximates an expansion's value as a double-double.
func expansionDD(e []float64) dd {
	var v dd
	for _, c := range e {
		v = ddAdd(v, dd{c, 0})
	}
	return v
}

// varLoad decodes the sums' expansions from the byte buffer into buf.
func (a *accum) varLoad(buf *[2 * maxExpansion]float64) (sum, sq []float64) {
	if len(a.s) == 0 {
		return buf[:0], buf[maxExpansion:maxExpansion]
	}
	ns, nq := int(a.s[0]), int(a.s[1])
	for i := 0; i < ns+nq; i++ {
		x := math.Float64frombits(binary.LittleEndian.Uint64(a.s[2+8*i:]))
		if i < ns {
			buf[i] = x
		} else {
			buf[maxExpansion+i-ns] = x
		}
	}
	return buf[:ns], buf[maxExpansion : maxExpansion+nq]
}

func (a *accum) varStore(sum, sq []float64) {
	a.s = append(a.s[:0], byte(len(sum)), byte(len(sq)))
	for _, x := range sum {
		a.s = binary.LittleEndian.AppendUint64(a.s, math.Float64bits(x))
	}
	for _, x := range sq {
		a.s = binary.LittleEndian.AppendUint64(a.s, math.Float64bits(x))
	}
}

// varianceChange adds (sign 1) or removes (-1) x from a variance over a
// changelog and recomputes its mean and m2.
func (a *accum) varianceChange(x float64, sign int64) {
	var buf [2 * maxExpansion]float64
	sum, sq := a.varLoad(&buf)
	s := float64(sign)
	p := x * x
	pe := math.FMA(x, x, -p) // x² = p + pe exactly
	sum = growExpansion(sum, s*x)
	sq = growExpansion(growExpansion(sq, s*pe), s*p)
	if len(sum) >= maxExpansion-1 || len(sq) >= maxExpansion-2 || math.IsInf(p, 0) || math.IsNaN(p) {
		sum, sq = sum[:0], sq[:0] // cannot happen with finite values; keep the buffer bounded
	}
	a.n += sign
	if a.n <= 0 {
		a.n, a.f, a.m2 = 0, 0, 0
		a.s = a.s[:0]
		return
	}
	a.varStore(sum, sq)
	n := float64(a.n)
	S, Q := expansionDD(sum), expansionDD(sq)
	m2 := ddAdd(Q, ddDiv(ddSquare(S), -n)) // Σx² − (Σx)²/n
	a.f = (S.hi + S.lo) / n
	a.m2 = m2.hi + m2.lo
	if a.m2 < 0 || a.n == 1 { // one value deviates by nothing
		a.m2 = 0
	}
}
