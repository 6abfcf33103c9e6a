package planner

import (
	"bytes"
	"fmt"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"

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

// cmpFunc compares two non-NULL values of statically known types.
type cmpFunc func(a, b runtime.Value) int

// comparator picks how values of types lt and rt compare (MySQL rules:
// numbers numerically, strings byte-wise under the binary collation,
// timestamps by instant, a string against a number as numbers).
func comparator(lt, rt runtime.Type) cmpFunc {
	switch {
	case (isIntLike(lt) || lt == runtime.TTimestamp) && (isIntLike(rt) || rt == runtime.TTimestamp):
		return func(a, b runtime.Value) int { return cmpInt(a.I, b.I) }
	case lt == runtime.TDecimal && rt == runtime.TDecimal:
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

func cmpDecimal(a, b runtime.Value) int {
	x, y := a.I, b.I
	if a.Scale < b.Scale {
		x *= pow10i[b.Scale-a.Scale]
	} else if b.Scale < a.Scale {
		y *= pow10i[a.Scale-b.Scale]
	}
	return cmpInt(x, y)
}

// coerceTimestampLiteral turns a string literal compared with a TIMESTAMP
// into a TIMESTAMP constant, as MySQL does.
func coerceTimestampLiteral(c compiled, other runtime.Type) (compiled, error) {
	if other != runtime.TTimestamp || c.typ != runtime.TString {
		return c, nil
	}
	v := c.fn(&runtime.Ctx{}, nil)
	ms, err := parseDatetimeText(string(v.S))
	if err != nil {
		return c, err
	}
	return constant(runtime.Timestamp(ms), runtime.TTimestamp, 0), nil
}

var datetimeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"}

func parseDatetimeText(s string) (int64, error) {
	for _, l := range datetimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UnixMilli(), nil
		}
	}
	return 0, fmt.Errorf("cannot compare TIMESTAMP with %q: expected a date-time like '2024-01-15 10:00:00'", s)
}

func (env *exprEnv) comparison(op cmpOp, le, re sql.Expression) (compiled, error) {
	l, err := env.compile(le)
	if err != nil {
		return compiled{}, err
	}
	r, err := env.compile(re)
	if err != nil {
		return compiled{}, err
	}
	if _, ok := isConst(le); ok {
		if l, err = coerceTimestampLiteral(l, r.typ); err != nil {
			return compiled{}, err
		}
	}
	if _, ok := isConst(re); ok {
		if r, err = coerceTimestampLiteral(r, l.typ); err != nil {
			return compiled{}, err
		}
	}
	if fn := columnConstCompare(op, l, r, re); fn != nil {
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
	if isIntLike(l.typ) && isIntLike(r.typ) || l.typ == runtime.TTimestamp && r.typ == runtime.TTimestamp {
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

func (env *exprEnv) between(e *expression.Between) (compiled, error) {
	return env.logic(true, expression.NewGreaterThanOrEqual(e.Val, e.Lower), expression.NewLessThanOrEqual(e.Val, e.Upper))
}

// inTuple compiles x IN (literal, ...) with a linear scan over typed
// constants; a non-literal list goes to the fallback.
func (env *exprEnv) inTuple(e *expression.InTuple) (compiled, bool, error) {
	tuple, ok := e.Right().(expression.Tuple)
	if !ok {
		return compiled{}, false, nil
	}
	x, err := env.compile(e.Left())
	if err != nil {
		return compiled{}, true, err
	}
	var items []runtime.Value
	var cmps []cmpFunc
	hasNull := false
	for _, it := range tuple {
		if _, ok := isConst(it); !ok {
			return compiled{}, false, nil
		}
		ci, err := env.compile(it)
		if err != nil {
			return compiled{}, true, err
		}
		if ci, err = coerceTimestampLiteral(ci, x.typ); err != nil {
			return compiled{}, true, err
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
		if hasNull {
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
