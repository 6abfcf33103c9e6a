package planner

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/velort/velort/runtime"
)

// caseExpr compiles CASE [x] WHEN ... THEN ... [ELSE ...] END.
func (env *exprEnv) caseExpr(e *expression.Case) (compiled, error) {
	var subject runtime.Expr
	var subjectType runtime.Type
	if e.Expr != nil {
		s, err := env.compile(e.Expr)
		if err != nil {
			return compiled{}, err
		}
		subject, subjectType = s.fn, s.typ
	}
	n := len(e.Branches)
	conds := make([]runtime.Expr, n)
	condCmp := make([]cmpFunc, n)
	vals := make([]compiled, 0, n+1)
	for i, b := range e.Branches {
		c, err := env.compile(b.Cond)
		if err != nil {
			return compiled{}, err
		}
		if subject != nil && subjectType == runtime.TTimestamp && c.typ != runtime.TTimestamp {
			// CASE ts WHEN '2024-01-15' ...: compared as ts = '2024-01-15'.
			_, isConstant := isConst(b.Cond)
			tc, mode, err := timestampOperand(c, isConstant, true)
			if err != nil {
				return compiled{}, err
			}
			if mode != tsAsIs {
				return env.fallback(e)
			}
			c = tc
		}
		conds[i] = c.fn
		if subject != nil {
			condCmp[i] = comparator(subjectType, c.typ)
		}
		v, err := env.compile(b.Value)
		if err != nil {
			return compiled{}, err
		}
		vals = append(vals, v)
	}
	var elseFn runtime.Expr
	if e.Else != nil {
		v, err := env.compile(e.Else)
		if err != nil {
			return compiled{}, err
		}
		vals = append(vals, v)
		elseFn = v.fn
	}
	typ, scale, ok := unifyTypes(vals)
	if !ok {
		return env.fallback(e)
	}
	valFns := make([]runtime.Expr, n)
	for i := range n {
		valFns[i] = coerceTo(vals[i], typ, scale)
	}
	if elseFn != nil {
		elseFn = coerceTo(vals[n], typ, scale)
	}
	return compiled{fn: func(c *runtime.Ctx, row runtime.Row) runtime.Value {
		var sv runtime.Value
		if subject != nil {
			sv = subject(c, row)
		}
		for i, cond := range conds {
			cv := cond(c, row)
			if cv.T == runtime.TNull {
				continue
			}
			if subject != nil {
				if sv.T != runtime.TNull && condCmp[i](sv, cv) == 0 {
					return valFns[i](c, row)
				}
			} else if runtime.Truthy(cv) {
				return valFns[i](c, row)
			}
		}
		if elseFn != nil {
			return elseFn(c, row)
		}
		return runtime.Null
	}, typ: typ, scale: scale}, nil
}

// unifyTypes finds the common result type of several branches: equal
// types stay, integers and DECIMALs meet at DECIMAL, numbers with a DOUBLE
// at DOUBLE, anything with a string at VARCHAR, NULLs adopt the rest.
func unifyTypes(cs []compiled) (runtime.Type, uint8, bool) {
	t := runtime.TNull
	var scale uint8
	for _, c := range cs {
		switch {
		case c.typ == runtime.TNull:
		case t == runtime.TNull:
			t, scale = c.typ, c.scale
		case t == c.typ:
			scale = max(scale, c.scale)
		case (t == runtime.TDecimal || c.typ == runtime.TDecimal) && isExact(t) && isExact(c.typ):
			// exact numbers meet at DECIMAL, as in MySQL (COALESCE(m, 0) keeps m's digits)
			t, scale = runtime.TDecimal, max(scale, c.scale)
		case t.Numeric() && c.typ.Numeric():
			t = runtime.TDouble
		case (t == runtime.TBool && c.typ == runtime.TInt) || (t == runtime.TInt && c.typ == runtime.TBool):
			t = runtime.TInt
		case (t == runtime.TString && textual(c.typ)) || (c.typ == runtime.TString && textual(t)):
			// a string branch makes the result a string: numbers and
			// date-times as MySQL writes them (1e16, -2.5000, 1)
			t, scale = runtime.TString, 0
		default:
			return 0, 0, false
		}
	}
	return t, scale, true
}

// textual reports whether values of type t become a string branch's text.
func textual(t runtime.Type) bool {
	return t.Numeric() || t == runtime.TBool || t == runtime.TTimestamp || t == runtime.TString
}

// coerceTo converts a branch's values to the unified type.
func coerceTo(c compiled, t runtime.Type, scale uint8) runtime.Expr {
	f := c.fn
	switch {
	case c.typ == t && c.scale == scale, c.typ == runtime.TNull:
		return f
	case t == runtime.TString && textual(c.typ):
		return func(ctx *runtime.Ctx, r runtime.Row) runtime.Value {
			v := f(ctx, r)
			if v.T == runtime.TNull {
				return v
			}
			return runtime.String(textOf(ctx, v))
		}
	case t == runtime.TDouble:
		return func(ctx *runtime.Ctx, r runtime.Row) runtime.Value {
			v := f(ctx, r)
			if v.T == runtime.TNull {
				return v
			}
			return runtime.Double(asFloat(v))
		}
	case t == runtime.TDecimal:
		return func(ctx *runtime.Ctx, r runtime.Row) runtime.Value {
			v := f(ctx, r)
			if v.T == runtime.TNull {
				return v
			}
			u, ok := toDecimal(v, scale)
			if !ok {
				ctx.Err = errDecimalRange
				return runtime.Null
			}
			return runtime.Decimal(u, scale)
		}
	case t == runtime.TInt && c.typ == runtime.TDouble:
		return func(ctx *runtime.Ctx, r runtime.Row) runtime.Value {
			v := f(ctx, r)
			if v.T == runtime.TNull {
				return v
			}
			g := math.RoundToEven(v.F) // MySQL stores a DOUBLE in an integer with rint
			if !(g >= -(1<<63) && g < 1<<63) {
				ctx.Err = errBigintRange
				return runtime.Null
			}
			return runtime.Int(int64(g))
		}
	case t == runtime.TInt && c.typ == runtime.TDecimal:
		return func(ctx *runtime.Ctx, r runtime.Row) runtime.Value {
			v := f(ctx, r)
			if v.T == runtime.TNull {
				return v
			}
			return runtime.Int(roundDecimal(v.I, v.Scale))
		}
	case t == runtime.TInt:
		return func(ctx *runtime.Ctx, r runtime.Row) runtime.Value {
			v := f(ctx, r)
			if v.T == runtime.TNull {
				return v
			}
			return runtime.Int(v.I)
		}
	}
	return f
}

// convert compiles CAST/CONVERT to numeric types natively. Out-of-range
// results are errors for the record (MySQL strict mode), not clamped.
func (env *exprEnv) convert(e *expression.Convert) (compiled, bool, error) {
	target := e.Type()
	isDecimal := types.IsDecimal(target)
	var prec, scale int
	if isDecimal {
		var err error
		if prec, scale, err = decimalCastType(e); err != nil {
			return compiled{}, true, err
		}
	}
	x, err := env.compile(e.Child)
	if err != nil {
		return compiled{}, true, err
	}
	xf := x.fn
	numeric := x.typ.Numeric() || x.typ == runtime.TBool
	switch {
	case types.IsSigned(target) && numeric:
		src := x.typ
		errRange := runtime.OutOfRange("BIGINT", exprText(e))
		return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
			v := xf(c, r)
			switch {
			case v.T == runtime.TNull:
				return v
			case src == runtime.TDouble:
				// MySQL converts a DOUBLE to an integer with rint: to
				// nearest, ties to even (CAST(2.5e0 AS SIGNED) is 2).
				g := math.RoundToEven(v.F)
				if !(g >= -(1<<63) && g < 1<<63) {
					c.Err = errRange
					return runtime.Null
				}
				return runtime.Int(int64(g))
			case src == runtime.TDecimal:
				return runtime.Int(roundDecimal(v.I, v.Scale))
			}
			return runtime.Int(v.I)
		}, typ: runtime.TInt}, true, nil
	case target == types.Float32 && (numeric || x.typ == runtime.TString):
		// CAST(x AS FLOAT): MySQL's single precision, published as the
		// DOUBLE of its shortest FLOAT text (0.1, not 0.10000000149...);
		// beyond ±3.4e38 an error (MariaDB clamps with a note), below
		// FLOAT's smallest value 0, as MySQL.
		errRange := runtime.OutOfRange("FLOAT", exprText(e))
		return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
			v := xf(c, r)
			if v.T == runtime.TNull {
				return v
			}
			f := float32(asFloat(v))
			if math.IsInf(float64(f), 0) {
				c.Err = errRange
				return runtime.Null
			}
			return runtime.Double(float32Double(f))
		}, typ: runtime.TDouble}, true, nil
	case types.IsFloat(target) && (numeric || x.typ == runtime.TString): // a string's numeric prefix, as MySQL
		return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
			v := xf(c, r)
			if v.T == runtime.TNull {
				return v
			}
			return runtime.Double(asFloat(v))
		}, typ: runtime.TDouble}, true, nil
	case isDecimal: // a TIMESTAMP as its number YYYYMMDDHHMMSS.fff
		return castDecimal(numericTimestamp(x), prec, scale, runtime.OutOfRange("DECIMAL", exprText(e)))
	}
	return compiled{}, false, nil
}

// decimalCastType returns the precision and scale of CAST(x AS
// DECIMAL[(M[,D])]) as MySQL defines them (DECIMAL is DECIMAL(10,0),
// DECIMAL(M) is DECIMAL(M,0)), refusing what velort's DECIMAL cannot hold.
// go-mysql-server keeps M and D private (its Type() says DECIMAL(65,30)
// unless both are given), so they are read by reflection.
func decimalCastType(e *expression.Convert) (prec, scale int, err error) {
	v := reflect.ValueOf(e).Elem()
	l, s := v.FieldByName("typeLength"), v.FieldByName("typeScale")
	if !l.IsValid() || !s.IsValid() {
		return 0, 0, fmt.Errorf("cannot read the precision of %s", e)
	}
	prec, scale = int(l.Int()), int(s.Int())
	if prec == 0 {
		prec = 10
	}
	switch {
	case scale > prec:
		return 0, 0, fmt.Errorf("DECIMAL(%d,%d): the precision must be at least the scale", prec, scale)
	case prec > maxDecimalDigits:
		return 0, 0, fmt.Errorf("DECIMAL(%d,%d): velort's DECIMAL holds at most %d digits", prec, scale, maxDecimalDigits)
	}
	return prec, scale, nil
}

// castDecimal compiles CAST(x AS DECIMAL(prec,scale)): rounding half away
// from zero (a DOUBLE from its shortest decimal form, a string from its
// numeric prefix), and a value of more than prec digits is an error.
func castDecimal(x compiled, prec, scale int, errRange error) (compiled, bool, error) {
	switch src := x.typ; src {
	case runtime.TNull, runtime.TBool, runtime.TInt, runtime.TDecimal, runtime.TDouble, runtime.TString:
	default:
		return compiled{}, true, fmt.Errorf("CAST of %s AS DECIMAL is not supported", src)
	}
	limit := pow10i[prec] // |unscaled| < 10^prec
	sc := uint8(scale)
	xf := x.fn
	return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		v := xf(c, r)
		if v.T == runtime.TNull {
			return v
		}
		u, ok := toDecimal(v, sc)
		if !ok || u >= limit || u <= -limit {
			c.Err = errRange
			return runtime.Null
		}
		return runtime.Decimal(u, sc)
	}, typ: runtime.TDecimal, scale: sc}, true, nil
}

var (
	errDecimalRange = errors.New("DECIMAL value is out of range")
	errBigintRange  = errors.New("BIGINT value is out of range")
)

// toDecimal converts a non-NULL value to a DECIMAL's unscaled value at
// scale as MySQL does: half away from zero, a DOUBLE from its shortest
// decimal form, a string from its numeric prefix; ok is false when the
// result does not fit an int64.
func toDecimal(v runtime.Value, scale uint8) (int64, bool) {
	switch v.T {
	case runtime.TDouble:
		return runtime.DecimalFromFloat(v.F, int(scale))
	case runtime.TString, runtime.TJSON:
		return runtime.DecimalFromText(v.S, int(scale))
	case runtime.TTimestamp:
		return 0, false
	}
	// BOOLEAN, BIGINT (Scale 0), DECIMAL
	if v.Scale <= scale {
		return runtime.MulInt64(v.I, pow10i[scale-v.Scale])
	}
	return roundDecimal(v.I, v.Scale-scale), true
}

// roundDecimal rounds unscaled/10^scale to an integer, half away from zero.
func roundDecimal(unscaled int64, scale uint8) int64 {
	if scale == 0 {
		return unscaled
	}
	p := pow10i[scale]
	q, r := unscaled/p, unscaled%p
	if r*2 >= p {
		q++
	} else if -r*2 >= p {
		q--
	}
	return q
}

var _ sql.Expression = (*expression.Case)(nil)

// float32Double is the DOUBLE nearest the shortest decimal text of f
// (float32 0.1 is 0.1, not 0.10000000149011612), without allocating.
func float32Double(f float32) float64 {
	var buf [32]byte
	b := strconv.AppendFloat(buf[:0], float64(f), 'g', -1, 32)
	d, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return float64(f)
	}
	return d
}
