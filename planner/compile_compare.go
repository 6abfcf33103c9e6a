package planner

import (
	"bytes"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/expression/function"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/velort/velort/runtime"
)

type cmpOp uint8

const (
	opEQ cmpOp = iota
	opNullSafeEQ
	opLT
	opLE
	opGT
	opGE
)

func (op cmpOp) holds(c int) bool {
	switch op {
	case opEQ, opNullSafeEQ:
		return c == 0
	case opLT:
		return c < 0
	case opLE:
		return c <= 0
	case opGT:
		return c > 0
	}
	return c >= 0
}

// comparisonOf returns the operator and operands of e when it is a
// comparison (=, <=>, <, <=, >, >=).
func comparisonOf(e sql.Expression) (cmpOp, sql.Expression, sql.Expression, bool) {
	switch e := e.(type) {
	case *expression.Equals:
		return opEQ, e.Left(), e.Right(), true
	case *expression.NullSafeEquals:
		return opNullSafeEQ, e.Left(), e.Right(), true
	case *expression.GreaterThan:
		return opGT, e.Left(), e.Right(), true
	case *expression.GreaterThanOrEqual:
		return opGE, e.Left(), e.Right(), true
	case *expression.LessThan:
		return opLT, e.Left(), e.Right(), true
	case *expression.LessThanOrEqual:
		return opLE, e.Left(), e.Right(), true
	}
	return 0, nil, nil, false
}

// cmpFunc compares two non-NULL values of statically known types.
type cmpFunc func(a, b runtime.Value) int

// comparator picks how values of types lt and rt compare (MySQL rules:
// numbers numerically, strings byte-wise under the binary collation,
// timestamps by instant, a string against a number as numbers).
func comparator(lt, rt runtime.Type) cmpFunc {
	switch {
	case (isIntLike(lt) || lt == runtime.TTimestamp) && (isIntLike(rt) || rt == runtime.TTimestamp):
		return func(a, b runtime.Value) int { return cmpInt(a.I, b.I) }
	case isExact(lt) && isExact(rt): // DECIMAL with DECIMAL or an integer: exactly
		return func(a, b runtime.Value) int { return cmpDecimal(a, b) }
	case (lt == runtime.TString || lt == runtime.TJSON) && (rt == runtime.TString || rt == runtime.TJSON):
		return func(a, b runtime.Value) int { return bytes.Compare(a.S, b.S) }
	}
	return func(a, b runtime.Value) int { return cmpFloat(asFloat(a), asFloat(b)) }
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpDecimal compares exact values (DECIMAL, or integers with Scale 0).
// Aligning scales cannot give a wrong answer on overflow: a value that
// overflows when scaled up is beyond any int64, so its sign decides.
func cmpDecimal(a, b runtime.Value) int {
	x, y := a.I, b.I
	ok := true
	if a.Scale < b.Scale {
		if x, ok = runtime.MulInt64(x, pow10i[b.Scale-a.Scale]); !ok {
			return cmpInt(a.I, 0)
		}
	} else if b.Scale < a.Scale {
		if y, ok = runtime.MulInt64(y, pow10i[a.Scale-b.Scale]); !ok {
			return -cmpInt(b.I, 0)
		}
	}
	return cmpInt(x, y)
}

// tsMode says how a comparison with a TIMESTAMP uses timestampOperand's
// result.
type tsMode uint8

const (
	tsAsIs   tsMode = iota // the operand is now a TIMESTAMP
	tsMillis               // the operand is epoch ms as a DOUBLE: compare the TIMESTAMP's ms as DOUBLE
)

// fuzzyNever is what a fuzzy date ('2024-02-30') becomes in an equality
// (=, IN, CASE WHEN): an instant no TIMESTAMP has, so it equals nothing.
const fuzzyNever = math.MinInt64

// timestampOperand converts c, compared with a TIMESTAMP, to a date-time
// the way MySQL (MariaDB) does: a string is read as a DATETIME literal
// ('2024-01-15 10:00:00', '2024-01-15', '20240115100000', ...), a number as
// a DATETIME number (20240115100000, 20240115, 240115). A value that is no
// date-time is refused by check when constant and is an error for the
// record otherwise (MySQL: a warning). MySQL's fuzzy dates ('2024-02-30',
// '2024-00-00', the number 1000 as '2000-10-00') lie between two instants:
// in an equality they equal nothing; in an ordering the operand is epoch
// ms as a DOUBLE, half a millisecond before the next real instant
// (tsMillis).
func timestampOperand(c compiled, isConstant, equality bool) (compiled, tsMode, error) {
	var conv func(runtime.Value) (int64, bool, bool)
	switch {
	case c.typ == runtime.TTimestamp || c.typ == runtime.TNull:
		return c, tsAsIs, nil
	case c.typ == runtime.TString || c.typ == runtime.TJSON:
		conv = func(v runtime.Value) (int64, bool, bool) { return runtime.ParseDatetime(v.S) }
	case c.typ.Numeric() || c.typ == runtime.TBool:
		conv = compareNumberAsDatetime
	default:
		return c, tsAsIs, fmt.Errorf("cannot compare TIMESTAMP with %s", c.typ)
	}
	if isConstant {
		v := c.fn(&runtime.Ctx{}, nil)
		if v.T == runtime.TNull {
			return constant(runtime.Null, runtime.TNull, 0), tsAsIs, nil
		}
		ms, exact, ok := conv(v)
		switch {
		case ok:
			return fuzzyConstant(ms, exact, equality)
		case v.T == runtime.TString || v.T == runtime.TJSON:
			return c, tsAsIs, fmt.Errorf("cannot compare TIMESTAMP with %q: expected a date-time like '2024-01-15 10:00:00' or '2024-01-15'", v.S)
		}
		return c, tsAsIs, fmt.Errorf("cannot compare TIMESTAMP with %s: expected a date-time number like 20240115100000 or 20240115", valueText(v))
	}
	f := c.fn
	if equality {
		return compiled{fn: func(ctx *runtime.Ctx, r runtime.Row) runtime.Value {
			v := f(ctx, r)
			if v.T == runtime.TNull {
				return v
			}
			ms, exact, ok := conv(v)
			if !ok {
				ctx.Err = fmt.Errorf("Incorrect DATETIME value: '%s'", valueText(v))
				return runtime.Null
			}
			if !exact {
				ms = fuzzyNever
			}
			return runtime.Timestamp(ms)
		}, typ: runtime.TTimestamp}, tsAsIs, nil
	}
	return compiled{fn: func(ctx *runtime.Ctx, r runtime.Row) runtime.Value {
		v := f(ctx, r)
		if v.T == runtime.TNull {
			return v
		}
		ms, exact, ok := conv(v)
		if !ok {
			ctx.Err = fmt.Errorf("Incorrect DATETIME value: '%s'", valueText(v))
			return runtime.Null
		}
		if !exact {
			return runtime.Double(float64(ms) - 0.5)
		}
		return runtime.Double(float64(ms))
	}, typ: runtime.TDouble}, tsMillis, nil
}

// compareNumberAsDatetime reads a number as a DATETIME (see runtime.NumberToDatetime):
// its fraction is the seconds' fraction.
func compareNumberAsDatetime(v runtime.Value) (int64, bool, bool) {
	var whole, frac int64
	switch v.T {
	case runtime.TDouble:
		if !(v.F >= 0 && v.F < 1e15) {
			return 0, false, false
		}
		whole = int64(v.F)
		frac = int64((v.F - float64(whole)) * 1000)
	case runtime.TDecimal:
		p := pow10i[v.Scale]
		whole, frac = v.I/p, v.I%p*1000/p
	default:
		whole = v.I
	}
	if whole < 0 || frac < 0 {
		return 0, false, false
	}
	return runtime.NumberToDatetime(whole, frac)
}

// fuzzyConstant is a constant date-time operand (see timestampOperand).
func fuzzyConstant(ms int64, exact, equality bool) (compiled, tsMode, error) {
	switch {
	case exact:
		return constant(runtime.Timestamp(ms), runtime.TTimestamp, 0), tsAsIs, nil
	case equality:
		return constant(runtime.Timestamp(fuzzyNever), runtime.TTimestamp, 0), tsAsIs, nil
	}
	return constant(runtime.Double(float64(ms)-0.5), runtime.TDouble, 0), tsMillis, nil
}

// timestampAsMillis turns a TIMESTAMP operand into its epoch ms as a
// DOUBLE (exact: below 2^53), to compare with a tsMillis operand.
func timestampAsMillis(c compiled) compiled {
	f := c.fn
	return compiled{fn: func(ctx *runtime.Ctx, r runtime.Row) runtime.Value {
		v := f(ctx, r)
		if v.T == runtime.TNull {
			return v
		}
		return runtime.Double(float64(v.I))
	}, typ: runtime.TDouble}
}

// valueText writes a value for an error message.
func valueText(v runtime.Value) string {
	switch v.T {
	case runtime.TString, runtime.TJSON:
		return string(v.S)
	case runtime.TDouble:
		return fmt.Sprint(v.F)
	case runtime.TDecimal:
		return decimalText(v)
	}
	return fmt.Sprint(v.I)
}

func decimalText(v runtime.Value) string {
	if v.Scale == 0 {
		return fmt.Sprint(v.I)
	}
	p := pow10i[v.Scale]
	sign, u := "", v.I
	if u < 0 {
		sign, u = "-", -u
	}
	return fmt.Sprintf("%s%d.%0*d", sign, u/p, int(v.Scale), u%p)
}

// timestampOperands makes a comparison of a TIMESTAMP with another type
// MySQL's (see timestampOperand).
func timestampOperands(l, r compiled, le, re sql.Expression, equality bool) (compiled, compiled, error) {
	lt, rt := l.typ == runtime.TTimestamp, r.typ == runtime.TTimestamp
	if lt == rt {
		return l, r, nil
	}
	if rt {
		r2, l2, err := timestampOperands(r, l, re, le, equality)
		return l2, r2, err
	}
	_, isConstant := isConst(re)
	r2, mode, err := timestampOperand(r, isConstant, equality)
	switch {
	case err != nil:
		return l, r, err
	case mode == tsMillis:
		return timestampAsMillis(l), r2, nil
	}
	return l, r2, nil
}

func (env *exprEnv) comparison(op cmpOp, le, re sql.Expression) (compiled, error) {
	if op == opEQ {
		x, k := le, re
		if _, isConstant := isConst(le); isConstant {
			x, k = re, le
		}
		if x, upper, k, ok, err := env.caseMapConst(x, []sql.Expression{k}); err != nil || ok {
			if err != nil {
				return compiled{}, err
			}
			k0 := k[0]
			return compiled{fn: func(c *runtime.Ctx, row runtime.Row) runtime.Value {
				v := x(c, row)
				if v.T == runtime.TNull {
					return runtime.Null
				}
				return runtime.Bool(caseMappedEquals(c, v.S, k0, upper))
			}, typ: runtime.TBool}, nil
		}
	}
	l, err := env.compile(le)
	if err != nil {
		return compiled{}, err
	}
	r, err := env.compile(re)
	if err != nil {
		return compiled{}, err
	}
	if l, r, err = timestampOperands(l, r, le, re, op == opEQ || op == opNullSafeEQ); err != nil {
		return compiled{}, err
	}
	if fn := columnConstCompare(op, l, r, re); fn != nil {
		return compiled{fn: fn, typ: runtime.TBool}, nil
	}
	if fn := columnsCompare(op, l, r); fn != nil {
		return compiled{fn: fn, typ: runtime.TBool}, nil
	}
	lf, rf := l.fn, r.fn
	if op == opNullSafeEQ {
		cmp := comparator(l.typ, r.typ)
		return compiled{fn: func(c *runtime.Ctx, row runtime.Row) runtime.Value {
			a, b := lf(c, row), rf(c, row)
			if a.T == runtime.TNull || b.T == runtime.TNull {
				return runtime.Bool(a.T == b.T)
			}
			return runtime.Bool(cmp(a, b) == 0)
		}, typ: runtime.TBool}, nil
	}
	// The common numeric cases get closures without the indirect compare.
	if intOrdered(l.typ, r.typ) {
		return compiled{fn: intCompare(op, lf, rf), typ: runtime.TBool}, nil
	}
	if l.typ.Numeric() && r.typ.Numeric() && l.typ != runtime.TDecimal && r.typ != runtime.TDecimal {
		return compiled{fn: floatCompare(op, lf, rf), typ: runtime.TBool}, nil
	}
	cmp := comparator(l.typ, r.typ)
	return compiled{fn: func(c *runtime.Ctx, row runtime.Row) runtime.Value {
		a := lf(c, row)
		if a.T == runtime.TNull {
			return runtime.Null
		}
		b := rf(c, row)
		if b.T == runtime.TNull {
			return runtime.Null
		}
		return runtime.Bool(op.holds(cmp(a, b)))
	}, typ: runtime.TBool}, nil
}

func intCompare(op cmpOp, lf, rf runtime.Expr) runtime.Expr {
	return func(c *runtime.Ctx, row runtime.Row) runtime.Value {
		a := lf(c, row)
		if a.T == runtime.TNull {
			return runtime.Null
		}
		b := rf(c, row)
		if b.T == runtime.TNull {
			return runtime.Null
		}
		var ok bool
		switch op {
		case opEQ:
			ok = a.I == b.I
		case opLT:
			ok = a.I < b.I
		case opLE:
			ok = a.I <= b.I
		case opGT:
			ok = a.I > b.I
		default:
			ok = a.I >= b.I
		}
		if ok {
			return runtime.Value{T: runtime.TBool, I: 1}
		}
		return runtime.Value{T: runtime.TBool}
	}
}

func floatCompare(op cmpOp, lf, rf runtime.Expr) runtime.Expr {
	return func(c *runtime.Ctx, row runtime.Row) runtime.Value {
		a := lf(c, row)
		if a.T == runtime.TNull {
			return runtime.Null
		}
		b := rf(c, row)
		if b.T == runtime.TNull {
			return runtime.Null
		}
		x, y := asFloat(a), asFloat(b)
		var ok bool
		switch op {
		case opEQ:
			ok = x == y
		case opLT:
			ok = x < y
		case opLE:
			ok = x <= y
		case opGT:
			ok = x > y
		default:
			ok = x >= y
		}
		if ok {
			return runtime.Value{T: runtime.TBool, I: 1}
		}
		return runtime.Value{T: runtime.TBool}
	}
}

// logic compiles AND (and=true) / OR with SQL's three-valued logic.
func (env *exprEnv) logic(and bool, le, re sql.Expression) (compiled, error) {
	if l, ok := env.columnComparison(le); ok {
		if r, ok := env.columnComparison(re); ok {
			return compiled{fn: columnsLogic(and, l, r), typ: runtime.TBool}, nil
		}
	}
	l, err := env.compile(le)
	if err != nil {
		return compiled{}, err
	}
	r, err := env.compile(re)
	if err != nil {
		return compiled{}, err
	}
	lf, rf := l.fn, r.fn
	return compiled{fn: func(c *runtime.Ctx, row runtime.Row) runtime.Value {
		a := lf(c, row)
		if a.T != runtime.TNull && runtime.Truthy(a) != and {
			return runtime.Bool(!and) // short-circuit: false AND x, true OR x
		}
		b := rf(c, row)
		if b.T != runtime.TNull && runtime.Truthy(b) != and {
			return runtime.Bool(!and)
		}
		if a.T == runtime.TNull || b.T == runtime.TNull {
			return runtime.Null
		}
		return runtime.Bool(and)
	}, typ: runtime.TBool}, nil
}

func (env *exprEnv) not(e sql.Expression) (compiled, error) {
	x, err := env.compile(e)
	if err != nil {
		return compiled{}, err
	}
	f := x.fn
	return compiled{fn: func(c *runtime.Ctx, row runtime.Row) runtime.Value {
		v := f(c, row)
		if v.T == runtime.TNull {
			return runtime.Null
		}
		return runtime.Bool(!runtime.Truthy(v))
	}, typ: runtime.TBool}, nil
}

func (env *exprEnv) isNull(e sql.Expression) (compiled, error) {
	x, err := env.compile(e)
	if err != nil {
		return compiled{}, err
	}
	f := x.fn
	return compiled{fn: func(c *runtime.Ctx, row runtime.Row) runtime.Value {
		return runtime.Bool(f(c, row).T == runtime.TNull)
	}, typ: runtime.TBool}, nil
}

// between compiles x BETWEEN lo AND hi as x >= lo AND x <= hi with one
// comparison type for all three, as MySQL: when numbers and strings mix,
// the strings are read as numbers in both comparisons ('12abc' BETWEEN 0
// AND '5' is false: 12 > 5, not '12abc' <= '5' as strings).
func (env *exprEnv) between(e *expression.Between) (compiled, error) {
	val, lo, hi, _ := betweenOperands(e.Val, e.Lower, e.Upper) // between_rule.go
	return env.logic(true, expression.NewGreaterThanOrEqual(val, lo), expression.NewLessThanOrEqual(val, hi))
}

// intOrdered reports whether values of types a and b compare by their I
// alone (intCompare's case: integers and booleans, or two TIMESTAMPs).
func intOrdered(a, b runtime.Type) bool {
	return isIntLike(a) && isIntLike(b) || a == runtime.TTimestamp && b == runtime.TTimestamp
}

// columnsCompare specializes `column op column` where both compare by
// their I (a join's or an interval's bound: b.t >= a.t): the two row
// slots are read in place, with no closure call for either.
func columnsCompare(op cmpOp, l, r compiled) runtime.Expr {
	k, ok := columnPair(op, l, r)
	if !ok {
		return nil
	}
	return func(_ *runtime.Ctx, row runtime.Row) runtime.Value {
		switch k.eval(row) {
		case triTrue:
			return runtime.Value{T: runtime.TBool, I: 1}
		case triFalse:
			return runtime.Value{T: runtime.TBool}
		}
		return runtime.Null
	}
}

// colCmp is `row[a] op row[b]` over values that compare by their I.
type colCmp struct {
	op   cmpOp
	a, b int
}

const (
	triFalse = iota
	triTrue
	triNull
)

// eval is the comparison's three-valued answer.
func (k colCmp) eval(row runtime.Row) int {
	x, y := &row[k.a], &row[k.b]
	if x.T == runtime.TNull || y.T == runtime.TNull {
		return triNull
	}
	if k.op.holds(cmpInt(x.I, y.I)) {
		return triTrue
	}
	return triFalse
}

func columnPair(op cmpOp, l, r compiled) (colCmp, bool) {
	a, b := l.column(), r.column()
	if a < 0 || b < 0 || op == opNullSafeEQ || !intOrdered(l.typ, r.typ) {
		return colCmp{}, false
	}
	return colCmp{op, a, b}, true
}

// columnComparison returns e as a colCmp when it compares two columns
// that compare by their I (ok false otherwise, or on an error).
func (env *exprEnv) columnComparison(e sql.Expression) (colCmp, bool) {
	op, le, re, ok := comparisonOf(e)
	if !ok {
		return colCmp{}, false
	}
	lf, lok := le.(*expression.GetField)
	rf, rok := re.(*expression.GetField)
	if !lok || !rok {
		return colCmp{}, false
	}
	l, lerr := env.getField(lf)
	r, rerr := env.getField(rf)
	if lerr != nil || rerr != nil {
		return colCmp{}, false // (the general path reports it)
	}
	return columnPair(op, l, r)
}

// columnsLogic specializes AND and OR of two column comparisons (x >= lo
// AND x <= hi: a BETWEEN of columns, which go-mysql-server splits so in a
// WHERE; Nexmark's b.date_time BETWEEN a.date_time AND a.expires) into
// one closure with logic's three-valued answer.
func columnsLogic(and bool, l, r colCmp) runtime.Expr {
	decides := triFalse // the answer of either side that decides: FALSE for AND, TRUE for OR
	if !and {
		decides = triTrue
	}
	return func(_ *runtime.Ctx, row runtime.Row) runtime.Value {
		a := l.eval(row)
		if a == decides {
			return runtime.Bool(!and)
		}
		b := r.eval(row)
		if b == decides {
			return runtime.Bool(!and)
		}
		if a == triNull || b == triNull {
			return runtime.Null
		}
		return runtime.Bool(and)
	}
}

// inTuple compiles x IN (item, ...): constants are compared in a linear
// scan over typed values, other items are evaluated per record (in order,
// after the constants). Each item compares with x as `x = item` would, so
// a TIMESTAMP x reads string items as date-times. The result is BOOLEAN,
// as is NOT IN's.
func (env *exprEnv) inTuple(e *expression.InTuple) (compiled, bool, error) {
	tuple, ok := e.Right().(expression.Tuple)
	if !ok {
		return compiled{}, false, nil
	}
	if x, upper, ks, ok, err := env.caseMapConst(e.Left(), tuple); err != nil || ok {
		if err != nil {
			return compiled{}, true, err
		}
		return compiled{fn: func(c *runtime.Ctx, row runtime.Row) runtime.Value {
			v := x(c, row)
			if v.T == runtime.TNull {
				return runtime.Null
			}
			for _, k := range ks {
				if caseMappedEquals(c, v.S, k, upper) {
					return runtime.Bool(true)
				}
			}
			return runtime.Bool(false)
		}, typ: runtime.TBool}, true, nil
	}
	x, err := env.compile(e.Left())
	if err != nil {
		return compiled{}, true, err
	}
	if x.typ == runtime.TJSON {
		return compiled{}, false, nil
	}
	var items []runtime.Value
	var cmps []cmpFunc
	var dyn []runtime.Expr
	var dynCmps []cmpFunc
	hasNull := false
	for _, it := range tuple {
		ci, err := env.compile(it)
		if err != nil {
			return compiled{}, true, err
		}
		_, isConstant := isConst(it)
		if ci.typ == runtime.TJSON || (x.typ == runtime.TTimestamp) != (ci.typ == runtime.TTimestamp) && ci.typ != runtime.TNull {
			if x.typ != runtime.TTimestamp {
				return compiled{}, false, nil // a TIMESTAMP item for a non-TIMESTAMP x: GMS's rules
			}
			var mode tsMode
			if ci, mode, err = timestampOperand(ci, isConstant, true); err != nil {
				return compiled{}, true, err
			} else if mode != tsAsIs {
				return compiled{}, false, nil
			}
		}
		if !isConstant {
			dyn = append(dyn, ci.fn)
			dynCmps = append(dynCmps, comparator(x.typ, ci.typ))
			continue
		}
		v := ci.fn(&runtime.Ctx{}, nil)
		if v.T == runtime.TNull {
			hasNull = true
			continue
		}
		items = append(items, v)
		cmps = append(cmps, comparator(x.typ, ci.typ))
	}
	xf := x.fn
	return compiled{fn: func(c *runtime.Ctx, row runtime.Row) runtime.Value {
		v := xf(c, row)
		if v.T == runtime.TNull {
			return runtime.Null
		}
		for i, it := range items {
			if cmps[i](v, it) == 0 {
				return runtime.Bool(true)
			}
		}
		null := hasNull
		for i, f := range dyn {
			it := f(c, row)
			if it.T == runtime.TNull {
				null = true
			} else if dynCmps[i](v, it) == 0 {
				return runtime.Bool(true)
			}
		}
		if null {
			return runtime.Null
		}
		return runtime.Bool(false)
	}, typ: runtime.TBool}, true, nil
}

// columnConstCompare specializes `column op constant` for BIGINT and
// DOUBLE columns against a numeric constant: the filter of most queries.
func columnConstCompare(op cmpOp, l, r compiled, re sql.Expression) runtime.Expr {
	a := l.column()
	if _, isConst := isConst(re); !isConst || a < 0 || op == opNullSafeEQ || !r.typ.Numeric() || r.typ == runtime.TDecimal {
		return nil
	}
	if l.typ != runtime.TInt && l.typ != runtime.TDouble {
		return nil
	}
	k := r.fn(&runtime.Ctx{}, nil)
	if k.T == runtime.TNull {
		return nil
	}
	kf := asFloat(k)
	isInt := l.typ == runtime.TInt
	if isInt && k.T == runtime.TInt { // exact, also beyond 2^53
		ki := k.I
		return func(_ *runtime.Ctx, row runtime.Row) runtime.Value {
			x := &row[a]
			if x.T == runtime.TNull {
				return runtime.Null
			}
			return runtime.Bool(op.holds(cmpInt(x.I, ki)))
		}
	}
	return func(_ *runtime.Ctx, row runtime.Row) runtime.Value {
		x := &row[a]
		if x.T == runtime.TNull {
			return runtime.Null
		}
		v := x.F
		if isInt {
			v = float64(x.I)
		}
		var ok bool
		switch op {
		case opEQ:
			ok = v == kf
		case opLT:
			ok = v < kf
		case opLE:
			ok = v <= kf
		case opGT:
			ok = v > kf
		default:
			ok = v >= kf
		}
		if ok {
			return runtime.Value{T: runtime.TBool, I: 1}
		}
		return runtime.Value{T: runtime.TBool}
	}
}

// caseMapConst recognizes LOWER(s) or UPPER(s) of a string s compared
// with constant strings (LOWER(channel) = 'apple', LOWER(channel) IN
// ('apple', 'google'): Nexmark q21's CASE and WHERE). It returns s's
// closure, whether the map is UPPER, and the constants' bytes; ok is
// false for anything else (a NULL or non-string constant, a non-string s).
func (env *exprEnv) caseMapConst(x sql.Expression, consts []sql.Expression) (runtime.Expr, bool, [][]byte, bool, error) {
	var child sql.Expression
	upper := false
	switch f := x.(type) {
	case *function.Lower:
		child = f.Child
	case *function.Upper:
		child, upper = f.Child, true
	default:
		return nil, false, nil, false, nil
	}
	if _, isKey := env.groupKeyOf(x); isKey || !types.IsText(child.Type()) {
		// LOWER(s) is a GROUP BY key read from the group (s may not be
		// there); a non-text s goes the general way (compiled once).
		return nil, false, nil, false, nil
	}
	ks := make([][]byte, len(consts))
	for i, k := range consts {
		v, isConstant := isConst(k)
		if !isConstant || v == nil {
			return nil, false, nil, false, nil
		}
		ck, err := env.compile(k)
		if err != nil || ck.typ != runtime.TString {
			return nil, false, nil, false, err
		}
		kv := ck.fn(&runtime.Ctx{}, nil)
		if kv.T != runtime.TString {
			return nil, false, nil, false, nil
		}
		ks[i] = bytes.Clone(kv.S)
	}
	cx, err := env.compile(child)
	if err != nil || cx.typ != runtime.TString {
		return nil, false, nil, false, err
	}
	return cx.fn, upper, ks, true, nil
}

// caseMappedEquals reports whether LOWER(s) (UPPER(s) when upper) is k,
// byte for byte, without building it while s is ASCII: an ASCII byte maps
// to one byte, so the first one that differs from k's byte at its place
// decides. At the first non-ASCII byte the whole mapping (mapCase) is
// built and compared (a non-ASCII character may map to ASCII: the Kelvin
// sign to 'k').
func caseMappedEquals(c *runtime.Ctx, s, k []byte, upper bool) bool {
	lo, hi := byte('A'), byte('Z') // the bytes that change
	if upper {
		lo, hi = 'a', 'z'
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= utf8.RuneSelf {
			start := len(c.Arena)
			eq := bytes.Equal(mapCase(c, s, upper), k)
			c.Arena = c.Arena[:start]
			return eq
		}
		if i >= len(k) {
			return false
		}
		if b >= lo && b <= hi {
			b ^= 0x20
		}
		if b != k[i] {
			return false
		}
	}
	return len(s) == len(k)
}
