package planner

import (
	"fmt"
	"math"

	"github.com/dolthub/go-mysql-server/sql"

	"github.com/velort/velort/runtime"
)

// asFloat converts a non-NULL numeric-ish value to float64 as MySQL does.
func asFloat(v runtime.Value) float64 {
	switch v.T {
	case runtime.TDouble:
		return v.F
	case runtime.TDecimal:
		return float64(v.I) / pow10f[v.Scale]
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

// arithmetic compiles + - * / DIV %; orig is the GMS node, for the fallback.
func (env *exprEnv) arithmetic(op string, le, re sql.Expression, orig sql.Expression) (compiled, error) {
	l, err := env.compile(le)
	if err != nil {
		return compiled{}, err
	}
	r, err := env.compile(re)
	if err != nil {
		return compiled{}, err
	}
	if l.typ == runtime.TTimestamp || r.typ == runtime.TTimestamp || l.typ == runtime.TJSON || r.typ == runtime.TJSON {
		return env.fallback(orig) // date arithmetic and JSON: MySQL's rules
	}
	lf, rf := l.fn, r.fn
	switch op {
	case "+", "-", "*":
		if fn := columnArith(op, l, r); fn != nil {
			t := runtime.TDouble
			if isIntLike(l.typ) && isIntLike(r.typ) {
				t = runtime.TInt
			}
			return compiled{fn: fn, typ: t}, nil
		}
		if isIntLike(l.typ) && isIntLike(r.typ) {
			return compiled{fn: intOp(op, lf, rf), typ: runtime.TInt}, nil
		}
		if (l.typ == runtime.TDecimal || isIntLike(l.typ)) && (r.typ == runtime.TDecimal || isIntLike(r.typ)) {
			return decimalOp(op, l, r)
		}
		return compiled{fn: floatOp(op, lf, rf), typ: runtime.TDouble}, nil
	case "/":
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
			return runtime.Double(asFloat(a) / d)
		}, typ: runtime.TDouble}, nil
	case "div":
		intArgs := isIntLike(l.typ) && isIntLike(r.typ)
		return compiled{fn: func(c *runtime.Ctx, row runtime.Row) runtime.Value {
			a := lf(c, row)
			if a.T == runtime.TNull {
				return runtime.Null
			}
			b := rf(c, row)
			if b.T == runtime.TNull {
				return runtime.Null
			}
			if intArgs {
				if b.I == 0 {
					return runtime.Null
				}
				return runtime.Int(a.I / b.I)
			}
			d := asFloat(b)
			if d == 0 {
				return runtime.Null
			}
			return runtime.Int(int64(math.Trunc(asFloat(a) / d)))
		}, typ: runtime.TInt}, nil
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
				return runtime.Int(a.I % b.I)
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
			d := asFloat(b)
			if d == 0 {
				return runtime.Null
			}
			return runtime.Double(math.Mod(asFloat(a), d))
		}, typ: runtime.TDouble}, nil
	}
	return env.fallback(orig)
}

func intOp(op string, lf, rf runtime.Expr) runtime.Expr {
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
			return runtime.Value{T: runtime.TInt, I: a.I + b.I}
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
			return runtime.Value{T: runtime.TInt, I: a.I - b.I}
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
		return runtime.Value{T: runtime.TInt, I: a.I * b.I}
	}
}

func floatOp(op string, lf, rf runtime.Expr) runtime.Expr {
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
			return runtime.Value{T: runtime.TDouble, F: asFloat(a) * asFloat(b)}
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
		return runtime.Value{T: runtime.TDouble, F: f(asFloat(a), asFloat(b))}
	}
}

// decimalOp does exact fixed-point + - * on DECIMAL and integer operands.
func decimalOp(op string, l, r compiled) (compiled, error) {
	ls, rs := l.scale, r.scale
	var scale uint8
	if op == "*" {
		scale = ls + rs
	} else {
		scale = max(ls, rs)
	}
	if scale > 18 {
		return compiled{}, fmt.Errorf("DECIMAL result scale %d exceeds 18", scale)
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
		switch op {
		case "*":
			return runtime.Decimal(a.I*b.I, scale)
		case "+":
			return runtime.Decimal(a.I*pow10i[scale-ls]+b.I*pow10i[scale-rs], scale)
		}
		return runtime.Decimal(a.I*pow10i[scale-ls]-b.I*pow10i[scale-rs], scale)
	}, typ: runtime.TDecimal, scale: scale}, nil
}

// columnArith specializes + - * of two columns of BIGINT/DOUBLE: the
// operands are read from the row in place (no closure calls, no Value
// copies through return slots). nil when the operands are not such columns.
func columnArith(op string, l, r compiled) runtime.Expr {
	a, b := l.column(), r.column()
	num := func(t runtime.Type) bool { return t == runtime.TInt || t == runtime.TDouble }
	if a < 0 || b < 0 || !num(l.typ) || !num(r.typ) {
		return nil
	}
	if l.typ == runtime.TInt && r.typ == runtime.TInt {
		return func(_ *runtime.Ctx, row runtime.Row) runtime.Value {
			x, y := &row[a], &row[b]
			if x.T == runtime.TNull || y.T == runtime.TNull {
				return runtime.Null
			}
			switch op {
			case "+":
				return runtime.Value{T: runtime.TInt, I: x.I + y.I}
			case "-":
				return runtime.Value{T: runtime.TInt, I: x.I - y.I}
			}
			return runtime.Value{T: runtime.TInt, I: x.I * y.I}
		}
	}
	lf, rf := l.typ == runtime.TDouble, r.typ == runtime.TDouble
	return func(_ *runtime.Ctx, row runtime.Row) runtime.Value {
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
		switch op {
		case "+":
			return runtime.Value{T: runtime.TDouble, F: p + q}
		case "-":
			return runtime.Value{T: runtime.TDouble, F: p - q}
		}
		return runtime.Value{T: runtime.TDouble, F: p * q}
	}
}
