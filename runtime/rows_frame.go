package runtime

import (
	"math"
	"math/bits"
)

// rowFn is the state of one RowFunc for one PARTITION BY key. A bounded
// frame keeps the last size argument values in a ring (with owned copies
// of their bytes); sums are updated by subtract-on-evict and MIN/MAX by a
// monotonic deque of ring slots. LAG keeps a ring of Offset+1 values.
type rowFn struct {
	size  int64   // ring length: frame rows (bounded) or Offset+1 (LAG); 0 = unbounded
	ring  []Value // argument values by slot; row k lives in slot k % size
	bufs  [][]byte
	pos   int64 // slot of the current row
	dq    []int32
	dqh   int
	dqn   int
	nn    int64   // non-NULL values in the frame
	si    int64   // exact sum (unscaled at sc): its low 64 bits
	sf    float64 // float sum
	lost  float64 // bounded frames: bound on sf's rounding error since the last resum
	sc    uint8
	stale int64 // float evictions since the last resum
	// best is MIN/MAX/FIRST_VALUE's value. For the exact sums of SUM/AVG
	// (which have no best) best.I holds the sum's high 64 bits: the sum is
	// a two's-complement 128-bit number, exact under subtract-on-evict, and
	// snapshots keep it with best.
	best    Value
	bestBuf []byte
	over    bool // the last SUM result was out of BIGINT range
}

func newRowFn(f *RowFunc) rowFn {
	var fn rowFn
	switch f.Func {
	case RowLag:
		if f.Offset > 0 {
			fn.size = int64(f.Offset) + 1
		}
	case RowAvg, RowSum, RowCount, RowMin, RowMax, RowFirstValue:
		if f.Preceding >= 0 {
			fn.size = int64(f.Preceding) + 1
		}
	case RowCountStar:
		if f.Preceding >= 0 {
			fn.size = int64(f.Preceding) + 1
		}
		return fn
	}
	if fn.size > 0 {
		fn.ring = make([]Value, fn.size)
		if aggHasBytes(f.ArgType) {
			fn.bufs = make([][]byte, fn.size)
		}
		if f.Func == RowMin || f.Func == RowMax {
			fn.dq = make([]int32, fn.size)
		}
	}
	return fn
}

// set stores v (copying its bytes) in ring slot i.
func (fn *rowFn) set(i int64, v *Value) {
	slot := &fn.ring[i]
	*slot = *v
	if v.S != nil {
		if fn.bufs == nil {
			fn.bufs = make([][]byte, fn.size)
		}
		b := append(fn.bufs[i][:0], v.S...)
		fn.bufs[i] = b
		slot.S = b
	}
}

// floatPath reports whether v accumulates into sf rather than si.
func rowFloatPath(f *RowFunc, v *Value) bool {
	if f.Func == RowSum {
		return f.ResultType == TDouble
	}
	switch v.T {
	case TInt, TBool, TTimestamp, TDecimal:
		return false
	}
	return true
}

// add adds (sign 1) or subtracts (sign -1) a non-NULL value from the sums.
// Exact sums are 128-bit (si low, best.I high), so no frame of at most
// MaxFrameRows values, nor any realistic unbounded one, overflows them.
func (fn *rowFn) add(f *RowFunc, v *Value, sign int64) {
	if rowFloatPath(f, v) {
		x := v.F
		if v.T != TDouble {
			x = aggToFloat(*v)
		}
		x *= float64(sign)
		if fn.size == 0 { // unbounded: MySQL's running sum, in order
			fn.sf += x
			return
		}
		fn.addFloat(x)
		return
	}
	var x int64
	sc := uint8(0)
	if f.Func == RowSum && f.ResultType != TDecimal {
		x = aggToInt(*v)
	} else {
		x, sc = aggToScaled(*v, fn.sc)
	}
	xh, xl := x>>63, uint64(x)
	if sc > fn.sc {
		p := uint64(aggPow10[min(int(sc-fn.sc), 18)])
		h, l := bits.Mul64(uint64(fn.si), p)
		fn.best.I = fn.best.I*int64(p) + int64(h)
		fn.si, fn.sc = int64(l), sc
	} else if sc < fn.sc {
		p := uint64(aggPow10[min(int(fn.sc-sc), 18)])
		h, l := bits.Mul64(xl, p)
		if x < 0 {
			h -= p
		}
		xh, xl = int64(h), l
	}
	if sign > 0 {
		lo, carry := bits.Add64(uint64(fn.si), xl, 0)
		fn.best.I += xh + int64(carry)
		fn.si = int64(lo)
	} else {
		lo, borrow := bits.Sub64(uint64(fn.si), xl, 0)
		fn.best.I -= xh + int64(borrow)
		fn.si = int64(lo)
	}
}

// exact128 is the exact sum as a float, and whether it fits in int64.
func (fn *rowFn) exact128() (float64, bool) {
	if fn.best.I == fn.si>>63 {
		return float64(fn.si), true
	}
	return float64(fn.best.I)*(1<<64) + float64(uint64(fn.si)), false
}

// addFloat adds x to a bounded frame's float sum. A sliding sum subtracts
// what leaves the frame, so it tracks the exact rounding error of each
// addition (Fast2Sum) and step resums the frame when the errors may
// matter: a huge value passing through must not wipe out the small ones
// still in the frame.
func (fn *rowFn) addFloat(x float64) {
	t := fn.sf + x
	var e float64
	if math.Abs(fn.sf) >= math.Abs(x) {
		e = (fn.sf - t) + x
	} else {
		e = (x - t) + fn.sf
	}
	if t-t != 0 { // beyond DOUBLE: only the frame's own sum can say
		fn.stale = fn.size
	}
	fn.lost += math.Abs(e)
	fn.sf = t
}

// resum recomputes the float sum from the frame, oldest row first (what
// MySQL 8 computes: it sums each frame afresh, in order), shedding the
// rounding of adding and subtracting. Called after the current row is
// stored at pos, so the oldest row is at pos+1 (slots not filled yet are
// NULL).
func (fn *rowFn) resum(f *RowFunc) {
	fn.sf, fn.lost = 0, 0
	for i, j := int64(0), fn.pos+1; i < fn.size; i, j = i+1, j+1 {
		if j == fn.size {
			j = 0
		}
		if v := &fn.ring[j]; v.T != TNull && rowFloatPath(f, v) {
			fn.addFloat(aggToFloat(*v))
		}
	}
	fn.stale = 0
}

func (fn *rowFn) sumResult(f *RowFunc, dst *Value) {
	fn.over = false
	sf := fn.sf
	switch {
	case f.Func == RowCount:
		aggSetInt(dst, fn.nn)
	case fn.nn == 0:
		aggSetNull(dst)
	case f.Func == RowAvg:
		s, _ := fn.exact128()
		if fn.sc == 0 {
			aggSetDouble(dst, (s+sf)/float64(fn.nn))
		} else {
			aggSetDouble(dst, (s/aggPow10f(fn.sc)+sf)/float64(fn.nn))
		}
	case f.ResultType == TDouble:
		aggSetDouble(dst, sf)
	case fn.best.I != fn.si>>63: // beyond BIGINT: the record is dead-lettered
		fn.over = true
		aggSetNull(dst)
	case f.ResultType == TDecimal:
		*dst = Value{T: TDecimal, Scale: fn.sc, I: fn.si}
	default:
		aggSetInt(dst, fn.si)
	}
}

func (fn *rowFn) keepBest(v *Value) {
	fn.best = *v
	if v.S != nil {
		fn.bestBuf = append(fn.bestBuf[:0], v.S...)
		fn.best.S = fn.bestBuf
	}
}

// step folds row k (0-based within its partition) with argument v into the
// state and writes the function's value for that row to dst. def is the
// LAG/LEAD default for the row. Bytes in dst alias the state until the
// next step.
func (fn *rowFn) step(f *RowFunc, k int64, v, def, dst *Value) {
	switch f.Func {
	case RowNumber:
		aggSetInt(dst, k+1)
		return
	case RowCountStar:
		if fn.size > 0 && k >= fn.size {
			aggSetInt(dst, fn.size)
		} else {
			aggSetInt(dst, k+1)
		}
		return
	case RowLastValue:
		*dst = *v
		return
	case RowLead:
		if f.Offset == 0 {
			*dst = *v
		} else {
			*dst = *def
		}
		return
	case RowLag:
		if f.Offset == 0 {
			*dst = *v
			return
		}
	}
	if fn.size == 0 {
		fn.stepUnbounded(f, k, v, dst)
		return
	}
	if k > 0 {
		fn.pos++
		if fn.pos == fn.size {
			fn.pos = 0
		}
	}
	next := fn.pos + 1 // slot of the oldest row kept
	if next == fn.size {
		next = 0
	}
	switch f.Func {
	case RowLag:
		if k >= fn.size-1 {
			*dst = fn.ring[next]
		} else {
			*dst = *def
		}
		fn.set(fn.pos, v)
		return
	case RowFirstValue:
		fn.set(fn.pos, v)
		if k < fn.size {
			*dst = fn.ring[0]
		} else {
			*dst = fn.ring[next]
		}
		return
	case RowMin, RowMax:
		fn.stepMinMax(f, k, v, dst)
		return
	}
	// SUM, AVG, COUNT
	if k >= fn.size {
		if old := &fn.ring[fn.pos]; old.T != TNull {
			fn.nn--
			if f.Func != RowCount {
				fn.add(f, old, -1)
				if rowFloatPath(f, old) {
					fn.stale++
				}
			}
		}
	}
	fn.set(fn.pos, v)
	if v.T != TNull {
		fn.nn++
		if f.Func != RowCount {
			fn.add(f, v, 1)
		}
	}
	// Resum once per size evictions (drift), and as soon as the rounding
	// errors may exceed 2^-40 of the sum (cancellation): amortised O(1)
	// per row unless the frame's values keep cancelling out.
	if fn.stale >= fn.size || fn.lost > math.Abs(fn.sf)*0x1p-40 {
		fn.resum(f)
	}
	fn.sumResult(f, dst)
}

// stepMinMax keeps a deque of ring slots whose values increase (MIN) or
// decrease (MAX) from front to back; the front is the frame's extreme.
func (fn *rowFn) stepMinMax(f *RowFunc, k int64, v, dst *Value) {
	if k >= fn.size && fn.dqn > 0 && int64(fn.dq[fn.dqh]) == fn.pos {
		fn.dqh++
		if fn.dqh == len(fn.dq) {
			fn.dqh = 0
		}
		fn.dqn--
	}
	fn.set(fn.pos, v)
	if v.T != TNull {
		want := 1 // MIN pops back values >= v
		if f.Func == RowMax {
			want = -1
		}
		for fn.dqn > 0 {
			b := fn.dqh + fn.dqn - 1
			if b >= len(fn.dq) {
				b -= len(fn.dq)
			}
			if c := aggCompare(&fn.ring[fn.dq[b]], v); c != 0 && c != want {
				break
			}
			fn.dqn--
		}
		b := fn.dqh + fn.dqn
		if b >= len(fn.dq) {
			b -= len(fn.dq)
		}
		fn.dq[b] = int32(fn.pos)
		fn.dqn++
	}
	if fn.dqn == 0 {
		aggSetNull(dst)
		return
	}
	*dst = fn.ring[fn.dq[fn.dqh]]
}

func (fn *rowFn) stepUnbounded(f *RowFunc, k int64, v, dst *Value) {
	switch f.Func {
	case RowFirstValue:
		if k == 0 {
			fn.keepBest(v)
		}
		*dst = fn.best
		return
	case RowMin, RowMax:
		if v.T != TNull {
			c := 0
			if fn.nn > 0 {
				c = aggCompare(v, &fn.best)
			}
			if fn.nn == 0 || (f.Func == RowMin && c < 0) || (f.Func == RowMax && c > 0) {
				fn.keepBest(v)
			}
			fn.nn++
		}
		if fn.nn == 0 {
			aggSetNull(dst)
		} else {
			*dst = fn.best
		}
		return
	}
	if v.T != TNull {
		fn.nn++
		if f.Func != RowCount {
			fn.add(f, v, 1)
		}
	}
	fn.sumResult(f, dst)
}
