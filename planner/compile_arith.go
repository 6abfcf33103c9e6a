package planner

import (
	"fmt"
	"math"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/transform"
	"github.com/shopspring/decimal"

	"github.com/velort/velort/runtime"
)

// asFloat converts a non-NULL numeric-ish value to float64 as MySQL does.
func asFloat(v runtime.Value) float64 {
	switch v.T {
	case runtime.TDouble:
		return v.F
	case runtime.TDecimal:
		return runtime.DecimalToFloat(v.I, v.Scale)
	case runtime.TString, runtime.TJSON:
		f, _ := runtime.ParseFloatPrefix(v.S)
		return f
	}
	return float64(v.I)
}

var pow10f = func() (p [19]float64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return
}()

var pow10i = func() (p [19]int64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return
}()

func isIntLike(t runtime.Type) bool { return t == runtime.TInt || t == runtime.TBool }

// exprText is how an error message names the expression e (MySQL's error
// 1690 quotes the expression: "BIGINT value is out of range in '(i + 1)'").
func exprText(e sql.Expression) string {
	bare, _, err := transform.Expr(e, func(x sql.Expression) (sql.Expression, transform.TreeIdentity, error) {
		if f, ok := x.(*expression.GetField); ok && f.Table() != "" {
			return f.WithTable(""), transform.NewTree, nil
		}
		return x, transform.SameTree, nil
	})
	if err != nil {
		bare = e
	}
	return bare.String()
}

// arithmetic compiles + - * / DIV %; orig is the GMS node, for the fallback
// and for error messages. Overflow follows MySQL strict mode: an integer,
// DECIMAL or DOUBLE result out of its type's range is an error for the
// record (error 1690), never a wrapped value.
func (env *exprEnv) arithmetic(op string, le, re sql.Expression, orig sql.Expression) (compiled, error) {
	l, err := env.compile(le)
	if err != nil {
		return compiled{}, err
	}
	r, err := env.compile(re)
	if err != nil {
		return compiled{}, err
	}
	if isInterval(le) || isInterval(re) || l.typ == runtime.TJSON || r.typ == runtime.TJSON {
		return env.fallback(orig) // date arithmetic and JSON: MySQL's rules
	}
	l, r = numericTimestamp(l), numericTimestamp(r)
	text := exprText(orig)
	lf, rf := l.fn, r.fn
	exact := isExact(l.typ) && isExact(r.typ)
	switch op {
	case "+", "-", "*":
		if isIntLike(l.typ) && isIntLike(r.typ) {
			errRange := runtime.OutOfRange("BIGINT", text)
			if fn := columnIntArith(op, l, r, errRange); fn != nil {
				return compiled{fn: fn, typ: runtime.TInt}, nil
			}
			return compiled{fn: intOp(op, lf, rf, errRange), typ: runtime.TInt}, nil
		}
		if exact {
			_, lConst := isConst(le)
			_, rConst := isConst(re)
			return decimalOp(op, l, r, lConst, rConst, text)
		}
		errRange := runtime.OutOfRange("DOUBLE", text)
		if fn := columnFloatArith(op, l, r, errRange); fn != nil {
			return compiled{fn: fn, typ: runtime.TDouble}, nil
		}
		return compiled{fn: floatOp(op, lf, rf, errRange), typ: runtime.TDouble}, nil
	case "/":
		errRange := runtime.OutOfRange("DOUBLE", text)
		return compiled{fn: func(c *runtime.Ctx, row runtime.Row) runtime.Value {
			a := lf(c, row)
			if a.T == runtime.TNull {
				return runtime.Null
			}
			b := rf(c, row)
			if b.T == runtime.TNull {
				return runtime.Null
			}
			d := asFloat(b)
			if d == 0 {
				return runtime.Null // MySQL: division by zero is NULL
			}
			q := asFloat(a) / d
			if math.Abs(q) > math.MaxFloat64 {
				c.Err = errRange
				return runtime.Null
			}
			return runtime.Double(q)
		}, typ: runtime.TDouble}, nil
	case "div":
		return intDiv(l, r, exact, runtime.OutOfRange("BIGINT", text))
	case "%", "mod":
		if isIntLike(l.typ) && isIntLike(r.typ) {
			return compiled{fn: func(c *runtime.Ctx, row runtime.Row) runtime.Value {
				a := lf(c, row)
				if a.T == runtime.TNull {
					return runtime.Null
				}
				b := rf(c, row)
				if b.T == runtime.TNull || b.I == 0 {
					return runtime.Null
				}
				return runtime.Int(a.I % b.I) // Go: MinInt64 % -1 == 0, no trap
			}, typ: runtime.TInt}, nil
		}
		if exact {
			return decimalMod(l, r, runtime.OutOfRange("DECIMAL", text))
		}
		return compiled{fn: func(c *runtime.Ctx, row runtime.Row) runtime.Value {
			a := lf(c, row)
			if a.T == runtime.TNull {
				return runtime.Null
			}
			b := rf(c, row)
			if b.T == runtime.TNull {
				return runtime.Null
			}
			d := asFloat(b)
			if d == 0 {
				return runtime.Null
			}
			return runtime.Double(math.Mod(asFloat(a), d))
		}, typ: runtime.TDouble}, nil
	}
	return env.fallback(orig)
}

func isInterval(e sql.Expression) bool {
	_, ok := e.(*expression.Interval)
	return ok
}

// numericTimestamp makes a TIMESTAMP operand of arithmetic the number
// MySQL uses for it, YYYYMMDDHHMMSS.fff as a DECIMAL(17,3) (velort's
// TIMESTAMP is MySQL's DATETIME(3)); other operands are returned as they are.
func numericTimestamp(c compiled) compiled {
	if c.typ != runtime.TTimestamp {
		return c
	}
	f := c.fn
	return compiled{fn: func(ctx *runtime.Ctx, r runtime.Row) runtime.Value {
		v := f(ctx, r)
		if v.T == runtime.TNull {
			return v
		}
		return runtime.Decimal(runtime.DatetimeDecimal(v.I), 3)
	}, typ: runtime.TDecimal, scale: 3}
}

// isExact reports whether t is an exact numeric type (BIGINT, BOOLEAN,
// DECIMAL): arithmetic between exact operands is exact in MySQL.
func isExact(t runtime.Type) bool { return isIntLike(t) || t == runtime.TDecimal }

// rescale returns v's unscaled value at scale to (≥ v's own scale).
func rescale(v runtime.Value, to uint8) (int64, bool) {
	if v.Scale == to {
		return v.I, true
	}
	return runtime.MulInt64(v.I, pow10i[to-v.Scale])
}

// intDiv compiles DIV. MySQL computes it exactly: integers as integers,
// DECIMALs as DECIMALs, and DOUBLEs and strings converted to DECIMAL
// first (0.3e0 DIV 0.1e0 is 3, not the 2 of floating point). The
// quotient is truncated and must fit a BIGINT.
func intDiv(l, r compiled, exact bool, errRange error) (compiled, error) {
	lf, rf := l.fn, r.fn
	if exact {
		return compiled{fn: func(c *runtime.Ctx, row runtime.Row) runtime.Value {
			a := lf(c, row)
			if a.T == runtime.TNull {
				return runtime.Null
			}
			b := rf(c, row)
			if b.T == runtime.TNull || b.I == 0 {
				return runtime.Null
			}
			x, y := a.I, b.I
			if a.Scale != b.Scale { // Value.Scale is 0 for integers
				s := max(a.Scale, b.Scale)
				var ok1, ok2 bool
				x, ok1 = rescale(a, s)
				y, ok2 = rescale(b, s)
				if !ok1 || !ok2 {
					return bigDiv(c, decimal.New(a.I, -int32(a.Scale)), decimal.New(b.I, -int32(b.Scale)), errRange)
				}
			}
			if x == math.MinInt64 && y == -1 {
				c.Err = errRange
				return runtime.Null
			}
			return runtime.Int(x / y)
		}, typ: runtime.TInt}, nil
	}
	return compiled{fn: func(c *runtime.Ctx, row runtime.Row) runtime.Value {
		a := lf(c, row)
		if a.T == runtime.TNull {
			return runtime.Null
		}
		b := rf(c, row)
		if b.T == runtime.TNull {
			return runtime.Null
		}
		d := asDecimal(b)
		if d.IsZero() {
			return runtime.Null
		}
		return bigDiv(c, asDecimal(a), d, errRange)
	}, typ: runtime.TInt}, nil
}

// asDecimal converts a non-NULL value to an exact decimal as MySQL does
// for DIV: a DOUBLE through its shortest decimal representation.
func asDecimal(v runtime.Value) decimal.Decimal {
	switch v.T {
	case runtime.TDouble:
		// MySQL's DECIMAL keeps at most 38 fraction digits: 5e-324 is 0
		return decimal.NewFromFloat(v.F).Round(38)
	case runtime.TDecimal:
		return decimal.New(v.I, -int32(v.Scale))
	case runtime.TString, runtime.TJSON: // the numeric prefix, exactly
		f := asFloat(v)
		if math.Abs(f) >= math.MaxFloat64 || math.IsNaN(f) || math.Abs(f) < 1e-300 {
			// beyond DOUBLE (the quotient is out of range) or tiny (it is 0):
			// no exact decimal with a huge exponent is built
			return decimal.NewFromFloat(math.Max(-math.MaxFloat64, math.Min(f, math.MaxFloat64)))
		}
		d, err := decimal.NewFromString(strings.TrimPrefix(string(runtime.NumericPrefix(v.S)), "+"))
		if err != nil {
			return decimal.NewFromFloat(f)
		}
		return d
	}
	return decimal.New(v.I, 0)
}

// bigDiv is a DIV b truncated toward zero, with arbitrary precision; b ≠ 0.
func bigDiv(c *runtime.Ctx, a, b decimal.Decimal, errRange error) runtime.Value {
	q, _ := a.QuoRem(b, 0)
	if !q.BigInt().IsInt64() {
		c.Err = errRange
		return runtime.Null
	}
	return runtime.Int(q.IntPart())
}

// decimalMod compiles % of exact operands: a DECIMAL with the larger
// scale, as MySQL (0.3 % 0.1 is 0.0).
func decimalMod(l, r compiled, errRange error) (compiled, error) {
	scale := max(l.scale, r.scale)
	lf, rf := l.fn, r.fn
	return compiled{fn: func(c *runtime.Ctx, row runtime.Row) runtime.Value {
		a := lf(c, row)
		if a.T == runtime.TNull {
			return runtime.Null
		}
		b := rf(c, row)
		if b.T == runtime.TNull || b.I == 0 {
			return runtime.Null
		}
		x, ok1 := rescale(a, scale)
		y, ok2 := rescale(b, scale)
		if !ok1 || !ok2 {
			// |a % b| ≤ min(|a|, |b|) fits at scale when a and b do:
			// computed exactly in arbitrary precision (allocates; rare).
			m := decimal.New(a.I, -int32(a.Scale)).Mod(decimal.New(b.I, -int32(b.Scale)))
			u := m.Shift(int32(scale))
			if !u.IsInteger() || !u.BigInt().IsInt64() {
				c.Err = errRange
				return runtime.Null
			}
			return runtime.Decimal(u.IntPart(), scale)
		}
		return runtime.Decimal(x%y, scale) // Go: MinInt64 % -1 == 0, no trap
	}, typ: runtime.TDecimal, scale: scale}, nil
}

func intOp(op string, lf, rf runtime.Expr, errRange error) runtime.Expr {
	switch op {
	case "+":
		return func(c *runtime.Ctx, row runtime.Row) runtime.Value {
			a := lf(c, row)
			if a.T == runtime.TNull {
				return runtime.Null
			}
			b := rf(c, row)
			if b.T == runtime.TNull {
				return runtime.Null
			}
			s, ok := runtime.AddInt64(a.I, b.I)
			if !ok {
				c.Err = errRange
				return runtime.Null
			}
			return runtime.Value{T: runtime.TInt, I: s}
		}
	case "-":
		return func(c *runtime.Ctx, row runtime.Row) runtime.Value {
			a := lf(c, row)
			if a.T == runtime.TNull {
				return runtime.Null
			}
			b := rf(c, row)
			if b.T == runtime.TNull {
				return runtime.Null
			}
			s, ok := runtime.SubInt64(a.I, b.I)
			if !ok {
				c.Err = errRange
				return runtime.Null
			}
			return runtime.Value{T: runtime.TInt, I: s}
		}
	}
	return func(c *runtime.Ctx, row runtime.Row) runtime.Value {
		a := lf(c, row)
		if a.T == runtime.TNull {
			return runtime.Null
		}
		b := rf(c, row)
		if b.T == runtime.TNull {
			return runtime.Null
		}
		p, ok := runtime.MulInt64(a.I, b.I)
		if !ok {
			c.Err = errRange
			return runtime.Null
		}
		return runtime.Value{T: runtime.TInt, I: p}
	}
}

func floatOp(op string, lf, rf runtime.Expr, errRange error) runtime.Expr {
	var f func(a, b float64) float64
	switch op {
	case "+":
		f = func(a, b float64) float64 { return a + b }
	case "-":
		f = func(a, b float64) float64 { return a - b }
	default:
		return func(c *runtime.Ctx, row runtime.Row) runtime.Value {
			a := lf(c, row)
			if a.T == runtime.TNull {
				return runtime.Null
			}
			b := rf(c, row)
			if b.T == runtime.TNull {
				return runtime.Null
			}
			p := asFloat(a) * asFloat(b)
			if math.Abs(p) > math.MaxFloat64 {
				c.Err = errRange
				return runtime.Null
			}
			return runtime.Value{T: runtime.TDouble, F: p}
		}
	}
	return func(c *runtime.Ctx, row runtime.Row) runtime.Value {
		a := lf(c, row)
		if a.T == runtime.TNull {
			return runtime.Null
		}
		b := rf(c, row)
		if b.T == runtime.TNull {
			return runtime.Null
		}
		s := f(asFloat(a), asFloat(b))
		if math.Abs(s) > math.MaxFloat64 {
			c.Err = errRange
			return runtime.Null
		}
		return runtime.Value{T: runtime.TDouble, F: s}
	}
}

// decimalOp does exact fixed-point + - * on DECIMAL and integer operands;
// a result beyond the int64 unscaled range is an error for the record.
func decimalOp(op string, l, r compiled, lConst, rConst bool, text string) (compiled, error) {
	ls, rs := l.scale, r.scale
	var scale uint8
	if op == "*" {
		scale = ls + rs
	} else {
		scale = max(ls, rs)
	}
	if scale > maxDecimalDigits {
		return compiled{}, fmt.Errorf("DECIMAL result scale %d exceeds %d", scale, maxDecimalDigits)
	}
	errRange := runtime.OutOfRange("DECIMAL", text)
	if fn := columnConstDecimal(op, l, r, lConst, rConst, scale, errRange); fn != nil {
		return compiled{fn: fn, typ: runtime.TDecimal, scale: scale}, nil
	}
	lf, rf := l.fn, r.fn
	return compiled{fn: func(c *runtime.Ctx, row runtime.Row) runtime.Value {
		a := lf(c, row)
		if a.T == runtime.TNull {
			return runtime.Null
		}
		b := rf(c, row)
		if b.T == runtime.TNull {
			return runtime.Null
		}
		var v int64
		var ok bool
		if op == "*" {
			v, ok = runtime.MulInt64(a.I, b.I)
		} else {
			x, ok1 := runtime.MulInt64(a.I, pow10i[scale-ls])
			y, ok2 := runtime.MulInt64(b.I, pow10i[scale-rs])
			if op == "+" {
				v, ok = runtime.AddInt64(x, y)
			} else {
				v, ok = runtime.SubInt64(x, y)
			}
			ok = ok && ok1 && ok2
		}
		if !ok {
			c.Err = errRange
			return runtime.Null
		}
		return runtime.Decimal(v, scale)
	}, typ: runtime.TDecimal, scale: scale}, nil
}

// columnConstDecimal specializes exact + - * of a BIGINT or DECIMAL
// column and a constant (Nexmark q1's 0.908 * price): the column is read in
// place and the constant is scaled once, here. nil when the operands are
// not such, or the constant cannot be scaled.
func columnConstDecimal(op string, l, r compiled, lConst, rConst bool, scale uint8, errRange error) runtime.Expr {
	colSide, kSide, colLeft := l, r, true
	switch {
	case rConst && !lConst:
	case lConst && !rConst:
		colSide, kSide, colLeft = r, l, false
	default:
		return nil
	}
	col := colSide.column()
	if col < 0 || (colSide.typ != runtime.TInt && colSide.typ != runtime.TDecimal) {
		return nil
	}
	kv := kSide.fn(&runtime.Ctx{}, nil)
	if kv.T == runtime.TNull || (kv.T != runtime.TInt && kv.T != runtime.TDecimal && kv.T != runtime.TBool) {
		return nil
	}
	k := kv.I
	if op != "*" { // align the constant to the result's scale once
		var ok bool
		if k, ok = runtime.MulInt64(k, pow10i[scale-kSide.scale]); !ok {
			return nil
		}
	}
	p := pow10i[scale-colSide.scale] // the column's factor for + and -
	neg := op == "-" && !colLeft     // k - x
	return func(c *runtime.Ctx, row runtime.Row) runtime.Value {
		x := &row[col]
		if x.T == runtime.TNull {
			return runtime.Null
		}
		var v int64
		var ok bool
		if op == "*" {
			v, ok = runtime.MulInt64(x.I, k)
		} else {
			var ok1 bool
			if v, ok1 = runtime.MulInt64(x.I, p); !ok1 {
				c.Err = errRange
				return runtime.Null
			}
			switch {
			case op == "+":
				v, ok = runtime.AddInt64(v, k)
			case neg:
				v, ok = runtime.SubInt64(k, v)
			default:
				v, ok = runtime.SubInt64(v, k)
			}
		}
		if !ok {
			c.Err = errRange
			return runtime.Null
		}
		return runtime.Value{T: runtime.TDecimal, I: v, Scale: scale}
	}
}

// maxDecimalDigits is the most digits (precision, hence scale) velort's
// DECIMAL holds: its unscaled value is an int64.
const maxDecimalDigits = 18

// columnIntArith specializes + - * of two BIGINT columns: the operands
// are read from the row in place (no closure calls, no Value copies
// through return slots). nil when the operands are not such columns.
func columnIntArith(op string, l, r compiled, errRange error) runtime.Expr {
	a, b := l.column(), r.column()
	if a < 0 || b < 0 || l.typ != runtime.TInt || r.typ != runtime.TInt {
		return nil
	}
	return func(c *runtime.Ctx, row runtime.Row) runtime.Value {
		x, y := &row[a], &row[b]
		if x.T == runtime.TNull || y.T == runtime.TNull {
			return runtime.Null
		}
		var v int64
		var ok bool
		switch op {
		case "+":
			v, ok = runtime.AddInt64(x.I, y.I)
		case "-":
			v, ok = runtime.SubInt64(x.I, y.I)
		default:
			v, ok = runtime.MulInt64(x.I, y.I)
		}
		if !ok {
			c.Err = errRange
			return runtime.Null
		}
		return runtime.Value{T: runtime.TInt, I: v}
	}
}

// columnFloatArith specializes + - * of two columns of BIGINT/DOUBLE (at
// least one DOUBLE). nil when the operands are not such columns.
func columnFloatArith(op string, l, r compiled, errRange error) runtime.Expr {
	a, b := l.column(), r.column()
	num := func(t runtime.Type) bool { return t == runtime.TInt || t == runtime.TDouble }
	if a < 0 || b < 0 || !num(l.typ) || !num(r.typ) {
		return nil
	}
	lf, rf := l.typ == runtime.TDouble, r.typ == runtime.TDouble
	return func(c *runtime.Ctx, row runtime.Row) runtime.Value {
		x, y := &row[a], &row[b]
		if x.T == runtime.TNull || y.T == runtime.TNull {
			return runtime.Null
		}
		p, q := float64(x.I), float64(y.I)
		if lf {
			p = x.F
		}
		if rf {
			q = y.F
		}
		var v float64
		switch op {
		case "+":
			v = p + q
		case "-":
			v = p - q
		default:
			v = p * q
		}
		if math.Abs(v) > math.MaxFloat64 {
			c.Err = errRange
			return runtime.Null
		}
		return runtime.Value{T: runtime.TDouble, F: v}
	}
}

// negate compiles unary minus of a number natively: -(-2^63) is error
// 1690, as MySQL; other operands go to the fallback.
func (env *exprEnv) negate(e *expression.UnaryMinus) (compiled, bool, error) {
	x, err := env.compile(e.Child)
	if err != nil {
		return compiled{}, true, err
	}
	x = numericTimestamp(x)
	t := x.typ
	switch t {
	case runtime.TBool:
		t = runtime.TInt
	case runtime.TString: // MySQL: the string's numeric prefix as a DOUBLE (-'12abc' is -12)
		f := x.fn
		return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
			v := f(c, r)
			if v.T == runtime.TNull {
				return v
			}
			return runtime.Double(-asFloat(v))
		}, typ: runtime.TDouble}, true, nil
	}
	if !t.Numeric() {
		return compiled{}, false, nil
	}
	errRange := runtime.OutOfRange(t.String(), exprText(e))
	f := x.fn
	return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		v := f(c, r)
		switch {
		case v.T == runtime.TNull:
			return v
		case v.T == runtime.TDouble:
			v.F = -v.F
			return v
		case v.I == math.MinInt64:
			c.Err = errRange
			return runtime.Null
		case v.T == runtime.TBool:
			v.T = runtime.TInt
		}
		v.I = -v.I
		return v
	}, typ: t, scale: x.scale}, true, nil
}
