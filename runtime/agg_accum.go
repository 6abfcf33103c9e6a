package runtime

import (
	"errors"
	"math"
	"unicode/utf8"
)

// errSumOverflow is set in c.Err when an exact BIGINT/DECIMAL SUM overflows.
var errSumOverflow = errors.New("SUM: value out of range (BIGINT/DECIMAL overflow)")

// maxKeptDistinct bounds the COUNT(DISTINCT) set kept for reuse by a freed state.
const maxKeptDistinct = 1024

// accum is the state of one aggregate for one group (and window). Its
// memory (string buffer, distinct set) is kept when the state is reset so
// reused states allocate nothing.
//
// The fields an update or a result reads come first, within 64 bytes (n,
// the stored type, sum or value, the string, the set): a state takes one
// cache line more often than when they were spread over 112.
type accum struct {
	n   int64        // values accumulated (rows for COUNT(*))
	t   Type         // stored value's type (MIN/MAX/FIRST/LAST)
	sc  uint8        // scale of i
	vt  Type         // the type of the values in vc
	i   int64        // exact sum (unscaled at sc); stored value's I
	f   float64      // float sum; Welford mean; stored value's F
	s   []byte       // owned bytes of the stored value
	set *distinctSet // DISTINCT aggregates over an append-only input (agg_distinct.go)
	m2  float64      // Welford sum of squared deviations
	seq int64        // arrival of the stored FIRST/LAST value
	h   int64        // UDF state handle
	vc  []numCount   // MIN/MAX over a changelog: numeric value counts (group_change_num.go)
}

// reset empties the state for reuse, freeing UDF state. The string
// buffer is kept (store overwrites it); a small distinct set is cleared.
func (a *accum) reset(sp *AggSpec) {
	if sp.Func == UDF && sp.UDF != nil {
		sp.UDF.Free(a.h)
	}
	if a.set != nil {
		a.set.reset()
	}
	a.n, a.i, a.f, a.m2, a.seq, a.h, a.t, a.sc = 0, 0, 0, 0, 0, 0, TNull, 0
	a.s = a.s[:0]
	if a.vc != nil {
		a.vc = a.vc[:0]
		if cap(a.vc) > 2*numCountsMax {
			a.vc = nil
		}
	}
}

// init prepares a fresh state (UDF Init).
func (a *accum) init(c *Ctx, sp *AggSpec) error {
	if sp.Func == UDF {
		h, err := sp.UDF.Init(c)
		if err != nil {
			return err
		}
		a.h = h
	}
	return nil
}

func (a *accum) val() Value {
	v := Value{T: a.t, Scale: a.sc, I: a.i, F: a.f}
	if aggHasBytes(a.t) {
		v.S = a.s
	}
	return v
}

func (a *accum) store(v *Value) {
	a.t, a.sc, a.i, a.f = v.T, v.Scale, v.I, v.F
	a.s = append(a.s[:0], v.S...)
}

// addExact adds an unscaled value at scale sc to the exact sum.
func (a *accum) addExact(x int64, sc uint8) bool {
	if sc > a.sc {
		y, ok := aggRescale(a.i, a.sc, sc)
		if !ok {
			return false
		}
		a.i, a.sc = y, sc
	} else if sc < a.sc {
		y, ok := aggRescale(x, sc, a.sc)
		if !ok {
			return false
		}
		x = y
	}
	s, ok := aggAddExact(a.i, x)
	if !ok {
		return false
	}
	a.i = s
	return true
}

// avgAdd adds to AVG's sum: exact while it fits, else float.
func (a *accum) avgAdd(v *Value) {
	switch v.T {
	case TInt, TBool, TTimestamp:
		if a.sc == 0 {
			if s, ok := aggAddExact(a.i, v.I); ok {
				a.i = s
				return
			}
		} else if a.addExact(v.I, 0) {
			return
		}
	case TDecimal:
		if a.addExact(v.I, v.Scale) {
			return
		}
	case TDouble:
		a.f += v.F
		return
	}
	a.f += aggToFloat(*v)
}

// cmpStored compares v with the stored MIN/MAX value.
func (a *accum) cmpStored(v *Value) int {
	if v.T == a.t {
		switch v.T {
		case TDouble:
			return aggCmpFloat(v.F, a.f)
		case TInt, TTimestamp, TBool:
			return aggCmpInt(v.I, a.i)
		}
	}
	st := a.val()
	return aggCompare(v, &st)
}

// update folds one argument value into the state. dk is the distinct
// encoding of v (aggregates that keep a set); seq the record's arrival number.
func (a *accum) update(c *Ctx, sp *AggSpec, v *Value, dk []byte, seq int64) {
	switch sp.Func {
	case CountStar:
		a.n++
		return
	case UDF:
		if v.T == TNull && sp.Arg != nil {
			return
		}
		if err := sp.UDF.Update(c, a.h, *v); err != nil {
			c.Err = err
		}
		return
	}
	if v.T == TNull {
		if sp.AnyValue && a.n == 0 { // the first row's NULL
			a.store(v)
			a.seq = seq
			a.n++
		}
		return
	}
	if sp.keepsSet() {
		if a.set == nil {
			a.set = &distinctSet{}
		}
		if !a.set.add(v, dk) {
			return
		}
	}
	switch sp.Func {
	case Count, CountDistinct:
	case GroupConcat:
		if sp.Ordered {
			a.orderedInsert(sp, v.S)
			break
		}
		if a.i != 0 { // cut already
			return
		}
		if a.n > 0 {
			a.concatLimited(sp, sp.Separator)
		}
		a.concatLimited(sp, v.S)
	case Sum:
		switch sp.ResultType {
		case TDouble:
			if v.T == TDouble {
				a.f += v.F
			} else {
				a.f += aggToFloat(*v)
			}
		case TDecimal:
			x, sc := aggToScaled(*v, a.sc)
			if !a.addExact(x, sc) {
				c.Err = errSumOverflow
				return
			}
		default:
			x := v.I
			if v.T != TInt {
				x = aggToInt(*v)
			}
			s, ok := aggAddExact(a.i, x)
			if !ok {
				c.Err = errSumOverflow
				return
			}
			a.i = s
		}
	case Avg:
		a.avgAdd(v)
	case Min:
		if a.n == 0 || a.cmpStored(v) < 0 {
			a.store(v)
		}
	case Max:
		if a.n == 0 || a.cmpStored(v) > 0 {
			a.store(v)
		}
	case StddevPop, VarPop, StddevSamp, VarSamp:
		x := aggToFloat(*v)
		a.n++
		d := x - a.f
		a.f += d / float64(a.n)
		a.m2 += d * (x - a.f)
		return
	case FirstValue:
		if a.n == 0 {
			a.store(v)
			a.seq = seq
		}
	case LastValue:
		a.store(v)
		a.seq = seq
	}
	a.n++
}

// concatLimited appends b to GROUP_CONCAT's result, cutting it at the
// maximum length (at a UTF-8 character boundary) and marking it cut (i).
func (a *accum) concatLimited(sp *AggSpec, b []byte) {
	if a.i != 0 {
		return
	}
	limit := sp.MaxLen
	if limit <= 0 {
		limit = GroupConcatMaxLen
	}
	room := limit - len(a.s)
	if len(b) <= room {
		a.s = append(a.s, b...)
		return
	}
	for room > 0 && !utf8.RuneStart(b[room]) {
		room--
	}
	a.s = append(a.s, b[:max(room, 0)]...)
	a.i = 1
}

// sumOverflows reports whether update would fail with errSumOverflow,
// without changing the state.
func (a *accum) sumOverflows(sp *AggSpec, v *Value, dk []byte) bool {
	if sp.Func != Sum || sp.ResultType == TDouble || v.T == TNull {
		return false
	}
	if sp.Distinct {
		if a.set.has(v, dk) {
			return false
		}
	}
	if sp.ResultType == TDecimal {
		x, sc := aggToScaled(*v, a.sc)
		acc, asc := a.i, a.sc
		if sc > asc {
			y, ok := aggRescale(acc, asc, sc)
			if !ok {
				return true
			}
			acc = y
		} else if sc < asc {
			y, ok := aggRescale(x, sc, asc)
			if !ok {
				return true
			}
			x = y
		}
		_, ok := aggAddExact(acc, x)
		return !ok
	}
	x := v.I
	if v.T != TInt {
		x = aggToInt(*v)
	}
	_, ok := aggAddExact(a.i, x)
	return !ok
}

// merge folds the state b into a (session windows). b is left as is.
func (a *accum) merge(c *Ctx, sp *AggSpec, b *accum) {
	if sp.Distinct { // SUM/AVG(DISTINCT): fold b's values that a has not seen
		if b.set == nil {
			return
		}
		b.set.eachKey(func(k []byte) {
			if a.set.hasKey(k) {
				return
			}
			v := aggDistinctValue(string(k))
			a.update(c, sp, &v, k, b.seq)
		})
		return
	}
	switch sp.Func {
	case GroupConcat:
		if b.n == 0 {
			return
		}
		if sp.Ordered {
			for p := 0; p < len(b.s); {
				e, next := nextEntry(b.s, p)
				a.orderedInsert(sp, e)
				p = next
			}
			a.n += b.n
			return
		}
		if a.n > 0 {
			a.concatLimited(sp, sp.Separator)
		}
		a.concatLimited(sp, b.s)
		if b.i != 0 {
			a.i = 1
		}
		a.n += b.n
		return
	case UDF:
		if err := sp.UDF.(AggUDFMerger).Merge(c, a.h, b.h); err != nil {
			c.Err = err
		}
		return
	case CountStar, Count:
		a.n += b.n
		return
	case CountDistinct:
		if b.set == nil {
			return
		}
		if a.set == nil {
			a.set = &distinctSet{}
		}
		b.set.eachKey(func(k []byte) { a.set.addKey(k) })
		a.n = int64(a.set.len())
		return
	}
	if b.n == 0 {
		return
	}
	if a.n == 0 {
		s, set := a.s, a.set
		*a = *b
		a.s, a.set = append(s[:0], b.s...), set
		return
	}
	switch sp.Func {
	case Sum:
		switch sp.ResultType {
		case TDouble:
			a.f += b.f
		case TDecimal:
			if !a.addExact(b.i, b.sc) {
				c.Err = errSumOverflow
				return
			}
		default:
			s, ok := aggAddExact(a.i, b.i)
			if !ok {
				c.Err = errSumOverflow
				return
			}
			a.i = s
		}
	case Avg:
		if !a.addExact(b.i, b.sc) {
			a.f += DecimalToFloat(b.i, b.sc)
		}
		a.f += b.f
	case Min:
		if bv := b.val(); a.cmpStored(&bv) < 0 {
			a.store(&bv)
		}
	case Max:
		if bv := b.val(); a.cmpStored(&bv) > 0 {
			a.store(&bv)
		}
	case StddevPop, VarPop, StddevSamp, VarSamp:
		na, nb := float64(a.n), float64(b.n)
		n := na + nb
		d := b.f - a.f
		a.f += d * nb / n
		a.m2 += b.m2 + d*d*na*nb/n
	case FirstValue:
		if b.seq < a.seq {
			bv := b.val()
			a.store(&bv)
			a.seq = b.seq
		}
	case LastValue:
		if b.seq > a.seq {
			bv := b.val()
			a.store(&bv)
			a.seq = b.seq
		}
	}
	a.n += b.n
}

// result is the aggregate's current value. Byte slices alias the state.
func (a *accum) result(c *Ctx, sp *AggSpec) Value {
	var v Value
	a.resultInto(c, sp, &v)
	return v
}

// resultInto writes the aggregate's current value to dst.
func (a *accum) resultInto(c *Ctx, sp *AggSpec, dst *Value) {
	switch sp.Func {
	case CountStar, Count, CountDistinct:
		aggSetInt(dst, a.n)
		return
	case UDF:
		*dst = sp.UDF.Result(c, a.h)
		return
	}
	if a.n == 0 {
		aggSetNull(dst)
		return
	}
	switch sp.Func {
	case GroupConcat:
		if sp.Ordered {
			a.orderedResult(c, sp, dst)
			return
		}
		*dst = Value{T: TString, S: a.s}
	case Sum:
		switch sp.ResultType {
		case TDouble: // m2: the compensation of a sum over a changelog (else 0)
			aggSetDouble(dst, a.f+a.m2)
		case TDecimal:
			*dst = Value{T: TDecimal, Scale: a.sc, I: a.i}
		default:
			aggSetInt(dst, a.i)
		}
	case Avg:
		if a.sc == 0 {
			aggSetDouble(dst, (float64(a.i)+(a.f+a.m2))/float64(a.n))
		} else {
			aggSetDouble(dst, (DecimalToFloat(a.i, a.sc)+(a.f+a.m2))/float64(a.n))
		}
	case Min, Max, FirstValue, LastValue:
		*dst = Value{T: a.t, Scale: a.sc, I: a.i, F: a.f}
		if aggHasBytes(a.t) {
			dst.S = a.s
		}
	case VarPop:
		aggSetDouble(dst, a.m2/float64(a.n))
	case StddevPop:
		aggSetDouble(dst, math.Sqrt(a.m2/float64(a.n)))
	case VarSamp, StddevSamp:
		if a.n < 2 {
			aggSetNull(dst)
			return
		}
		v := a.m2 / float64(a.n-1)
		if sp.Func == StddevSamp {
			v = math.Sqrt(v)
		}
		aggSetDouble(dst, v)
	default:
		aggSetNull(dst)
	}
}
