package planner

import (
	"math"
	"math/bits"
	"strconv"
	"unicode/utf8"

	"github.com/dolthub/go-mysql-server/sql"

	"github.com/velort/velort/runtime"
)

// function compiles the most used scalar functions natively; ok is false
// for the rest, which go to the fallback evaluator.
func (env *exprEnv) function(f sql.FunctionExpression) (compiled, bool, error) {
	args := f.Children()
	name := lowerName(f)
	argc := make([]compiled, len(args))
	for i, a := range args {
		c, err := env.compile(a)
		if err != nil {
			return compiled{}, true, err
		}
		argc[i] = c
	}
	one := func() (runtime.Expr, runtime.Type, bool) {
		if len(argc) != 1 {
			return nil, 0, false
		}
		return argc[0].fn, argc[0].typ, true
	}
	switch name {
	case "upper", "ucase", "lower", "lcase":
		x, t, ok := one()
		if !ok || t != runtime.TString {
			return compiled{}, false, nil
		}
		upper := name == "upper" || name == "ucase"
		return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
			v := x(c, r)
			if v.T == runtime.TNull {
				return v
			}
			return runtime.String(mapCase(c, v.S, upper))
		}, typ: runtime.TString}, true, nil
	case "length", "octet_length", "char_length", "character_length":
		x, t, ok := one()
		if !ok || t != runtime.TString {
			return compiled{}, false, nil
		}
		chars := name == "char_length" || name == "character_length"
		return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
			v := x(c, r)
			if v.T == runtime.TNull {
				return v
			}
			if chars {
				return runtime.Int(int64(utf8.RuneCount(v.S)))
			}
			return runtime.Int(int64(len(v.S)))
		}, typ: runtime.TInt}, true, nil
	case "abs":
		if len(argc) == 1 {
			argc[0] = numericTimestamp(argc[0]) // ABS(ts) is ABS(YYYYMMDDHHMMSS.fff)
		}
		x, t, ok := one()
		if !ok || !(t.Numeric()) {
			return compiled{}, false, nil
		}
		errRange := runtime.OutOfRange(t.String(), exprText(f))
		return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
			v := x(c, r)
			switch {
			case v.T == runtime.TDouble:
				v.F = math.Abs(v.F)
			case v.I == math.MinInt64: // NULL has I == 0
				c.Err = errRange
				return runtime.Null
			case v.I < 0:
				v.I = -v.I
			}
			return v
		}, typ: t, scale: argc[0].scale}, true, nil
	case "floor", "ceil", "ceiling":
		x, t, ok := one()
		if !ok || t != runtime.TDouble {
			return compiled{}, false, nil
		}
		op := math.Floor
		if name != "floor" {
			op = math.Ceil
		}
		// FLOOR/CEIL of a DOUBLE are BIGINT in velort (MySQL: a DOUBLE
		// with an integral value): out of BIGINT's range is error 1690.
		errRange := runtime.OutOfRange("BIGINT", exprText(f))
		return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
			v := x(c, r)
			if v.T == runtime.TNull {
				return v
			}
			g := op(v.F)
			if !(g >= -(1<<63) && g < 1<<63) {
				c.Err = errRange
				return runtime.Null
			}
			return runtime.Int(int64(g))
		}, typ: runtime.TInt}, true, nil
	case "round":
		return roundFunc(f, args, argc)
	case "coalesce", "ifnull":
		if len(argc) == 0 {
			return compiled{}, false, nil
		}
		t, scale, ok := unifyTypes(argc)
		if !ok {
			return compiled{}, false, nil
		}
		fns := make([]runtime.Expr, len(argc))
		for i, a := range argc {
			fns[i] = coerceTo(a, t, scale)
		}
		return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
			for _, f := range fns {
				if v := f(c, r); v.T != runtime.TNull {
					return v
				}
			}
			return runtime.Null
		}, typ: t, scale: scale}, true, nil
	case "greatest", "least":
		if len(argc) < 2 {
			return compiled{}, false, nil
		}
		t, scale, ok := unifyTypes(argc)
		if !ok || !(t.Numeric() || t == runtime.TString || t == runtime.TTimestamp) {
			return compiled{}, false, nil
		}
		for _, a := range argc {
			if t == runtime.TString && a.typ != runtime.TString && a.typ != runtime.TNull {
				return compiled{}, false, nil // strings with numbers compare as numbers: GMS's rules
			}
		}
		fns := make([]runtime.Expr, len(argc))
		for i, a := range argc {
			fns[i] = coerceTo(a, t, scale)
		}
		cmp := comparator(t, t)
		greatest := name == "greatest"
		return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
			best := fns[0](c, r)
			if best.T == runtime.TNull {
				return runtime.Null
			}
			for _, f := range fns[1:] {
				v := f(c, r)
				if v.T == runtime.TNull {
					return runtime.Null
				}
				if d := cmp(v, best); (greatest && d > 0) || (!greatest && d < 0) {
					best = v
				}
			}
			return best
		}, typ: t, scale: scale}, true, nil
	case "concat":
		for _, a := range argc {
			if a.typ != runtime.TString {
				return compiled{}, false, nil
			}
		}
		fns := make([]runtime.Expr, len(argc))
		for i, a := range argc {
			fns[i] = a.fn
		}
		return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
			start := len(c.Arena)
			for _, f := range fns {
				end := len(c.Arena) // the result so far is Arena[start:end]
				v := f(c, r)
				if v.T == runtime.TNull {
					c.Arena = c.Arena[:start]
					return runtime.Null
				}
				c.Arena = appendPiece(c.Arena, end, v.S)
			}
			return runtime.String(c.Arena[start:len(c.Arena):len(c.Arena)])
		}, typ: runtime.TString}, true, nil
	}
	return compiled{}, false, nil
}

// appendPiece makes arena[:end] + piece the arena, where piece was just
// produced by an argument that may itself have built it in the arena past
// end (UPPER, CAST AS CHAR, a fallback function...): such a piece is
// already in place or is moved down over the argument's scratch bytes
// (copy handles the overlap); any other piece is appended.
func appendPiece(arena []byte, end int, piece []byte) []byte {
	if len(piece) > 0 && len(arena) > end && &arena[end] == &piece[0] {
		return arena[:end+len(piece)]
	}
	return append(arena[:end], piece...)
}

// roundFunc compiles ROUND(x[, d]) of a DOUBLE, a string (read as a
// DOUBLE) or an integer natively, with constant or per-record digits d;
// ok is false for the rest (DECIMAL: go-mysql-server).
func roundFunc(f sql.FunctionExpression, args []sql.Expression, argc []compiled) (compiled, bool, error) {
	if len(argc) == 0 || len(argc) > 2 {
		return compiled{}, false, nil
	}
	x, t := argc[0].fn, argc[0].typ
	switch t {
	case runtime.TString: // ROUND('2.5') rounds the DOUBLE 2.5, as MySQL
		s := x
		x = func(c *runtime.Ctx, r runtime.Row) runtime.Value {
			v := s(c, r)
			if v.T == runtime.TNull {
				return v
			}
			return runtime.Double(asFloat(v))
		}
		t = runtime.TDouble
	case runtime.TBool:
		t = runtime.TInt
	case runtime.TDouble, runtime.TInt:
	default:
		return compiled{}, false, nil
	}
	// The digits: none, a constant, or read per record.
	var digits int64
	var digitsFn runtime.Expr
	if len(argc) == 2 {
		if dv, ok := isConst(args[1]); ok {
			if dv == nil {
				return constant(runtime.Null, t, 0), true, nil
			}
			var scratch runtime.Ctx
			digits = roundDigits(argc[1].fn(&scratch, nil))
		} else if argc[1].typ.Numeric() || argc[1].typ == runtime.TBool {
			digitsFn = argc[1].fn
		} else {
			return compiled{}, false, nil
		}
	}
	if t == runtime.TInt {
		errRange := runtime.OutOfRange("BIGINT", exprText(f))
		return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
			v := x(c, r)
			if v.T == runtime.TNull {
				return v
			}
			d := digits
			if digitsFn != nil {
				dv := digitsFn(c, r)
				if dv.T == runtime.TNull {
					return runtime.Null
				}
				d = roundDigits(dv)
			}
			n, ok := roundInt(v.I, d)
			if !ok {
				c.Err = errRange
				return runtime.Null
			}
			return runtime.Int(n)
		}, typ: runtime.TInt}, true, nil
	}
	errRange := runtime.OutOfRange("DOUBLE", exprText(f))
	return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		v := x(c, r)
		if v.T == runtime.TNull {
			return v
		}
		d := digits
		if digitsFn != nil {
			dv := digitsFn(c, r)
			if dv.T == runtime.TNull {
				return runtime.Null
			}
			d = roundDigits(dv)
		}
		g := roundDouble(v.F, d, false)
		if math.Abs(g) > math.MaxFloat64 { // rounded up past the largest DOUBLE
			c.Err = errRange
			return runtime.Null
		}
		return runtime.Double(g)
	}, typ: runtime.TDouble}, true, nil
}

// roundDigits reads ROUND's digits as MySQL reads an integer: a DOUBLE
// rounds to nearest even (rint), a DECIMAL half away from zero.
func roundDigits(v runtime.Value) int64 {
	var d float64
	switch v.T {
	case runtime.TInt, runtime.TBool:
		return max(min(v.I, 1e9), -1e9)
	case runtime.TDecimal:
		return max(min(roundDecimal(v.I, v.Scale), 1e9), -1e9)
	case runtime.TDouble:
		d = math.RoundToEven(v.F)
	default:
		d = math.Round(asFloat(v))
	}
	if math.IsNaN(d) {
		return 0
	}
	return int64(max(min(d, 1e9), -1e9))
}

// roundInt is ROUND(n, d) of an integer: unchanged for d ≥ 0, otherwise
// to a multiple of 10^-d, half away from zero; ok is false when that
// multiple is beyond BIGINT (ROUND(9223372036854775807, -1)).
func roundInt(n, d int64) (int64, bool) {
	if d >= 0 {
		return n, true
	}
	if d < -19 {
		return 0, true
	}
	p := uint64(1)
	for range -d {
		p *= 10
	}
	u := uint64(n)
	if n < 0 {
		u = -u
	}
	q, rem := u/p, u%p
	if rem >= p-rem { // rem*2 >= p without overflow
		q++
	}
	hi, m := bits.Mul64(q, p)
	if hi != 0 || m > 1<<63 || (m == 1<<63 && n >= 0) {
		return 0, false
	}
	if n < 0 {
		return int64(-m), true
	}
	return int64(m), true
}

// roundHalfAway rounds to the nearest integer, halves away from zero
// (MySQL's rounding of DECIMAL values).
func roundHalfAway(f float64) float64 { return math.Round(f) }

// pow10exact[i] is 1e{i} correctly rounded, as C's literal table.
var pow10exact = func() (p [309]float64) {
	for i := range p {
		p[i], _ = strconv.ParseFloat("1e"+strconv.Itoa(i), 64)
	}
	return
}()

// roundDouble is MySQL's ROUND(v, dec) / TRUNCATE(v, dec) of a DOUBLE
// (my_double_round): scale by 10^|dec|, round to nearest even (rint) or
// truncate, and scale back; a value the scaling would overflow is kept,
// and a negative dec beyond the double range gives 0.
func roundDouble(v float64, dec int64, truncate bool) float64 {
	neg := dec < 0
	abs := dec
	if neg {
		abs = -dec
	}
	tmp := math.Inf(1)
	if abs < int64(len(pow10exact)) {
		tmp = pow10exact[abs]
	}
	div, mul := v/tmp, v*tmp
	switch {
	case neg && math.IsInf(tmp, 0):
		return 0
	case !neg && (math.IsInf(mul, 0) || math.IsNaN(mul)):
		return v
	case truncate:
		if neg {
			return math.Trunc(div) * tmp
		}
		return math.Trunc(mul) / tmp
	case neg:
		return math.RoundToEven(div) * tmp
	}
	return math.RoundToEven(mul) / tmp
}

// mapString maps every rune of s through m into arena space.
func mapString(c *runtime.Ctx, s []byte, m func(rune) rune) []byte {
	start := len(c.Arena)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && n <= 1 {
			c.Arena = append(c.Arena, s[i])
			i++
			continue
		}
		c.Arena = utf8.AppendRune(c.Arena, m(r))
		i += n
	}
	return c.Arena[start:len(c.Arena):len(c.Arena)]
}
