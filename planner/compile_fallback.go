package planner

import (
	"fmt"
	"math"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/velort/velort/runtime"
)

// fallback evaluates e with go-mysql-server's own Eval: correct for every
// function GMS implements, but it converts the row and allocates per call.
// Each compiled closure is used by one partition only, so its buffers and
// GMS context need no lock. Functions GMS gets wrong (or too slowly) are
// compiled natively by env.native first.
func (env *exprEnv) fallback(e sql.Expression) (compiled, error) {
	if c, ok, err := env.nativeFallback(e); ok || err != nil {
		return c, err
	}
	t, scale := resultType(e)
	isDate := types.IsDateType(e.Type())
	isPow := fnName(e) == "pow" || fnName(e) == "power"
	fr := &nativeFrame{}
	e, err := env.nativeIslands(e, fr)
	if err != nil {
		return compiled{}, err
	}
	// Functions GMS fails on a NULL argument ("invalid type: <nil>")
	// return NULL for one, as MySQL, without reaching GMS.
	var nullArgs []runtime.Expr
	onNull := runtime.Null
	if falseOnNullArg[fnName(e)] { // IS_IPV4(NULL) is 0 in MySQL (GMS: NULL)
		onNull = runtime.Bool(false)
	}
	if nullOnNullArg[fnName(e)] || falseOnNullArg[fnName(e)] {
		for _, ch := range e.Children() {
			c, err := env.compile(ch)
			if err != nil {
				return compiled{}, err
			}
			nullArgs = append(nullArgs, c.fn)
		}
	}
	slots := env.slots
	gctx := sql.NewEmptyContext()
	row := make(sql.Row, len(slots))
	fn := func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		for _, a := range nullArgs {
			if a(c, r).T == runtime.TNull {
				return onNull
			}
		}
		fr.c, fr.r = c, r
		for i, s := range slots {
			if s >= 0 {
				row[i] = toGMS(r[s])
			}
		}
		x, err := evalGMS(e, gctx, row)
		if err != nil {
			c.Err = err
			return runtime.Null
		}
		if tm, ok := x.(time.Time); ok && isDate && t == runtime.TString {
			x = tm.Format("2006-01-02") // a DATE is written as MySQL's text
		}
		v, err := fromGMS(c, x, t, scale)
		if err != nil {
			c.Err = fmt.Errorf("%v in '%s'", err, e)
		}
		if v.T == runtime.TDouble && (math.IsInf(v.F, 0) || math.IsNaN(v.F)) {
			// MySQL: error 1690 for an overflow (EXP(710), POW(0, -1),
			// POW(-8, 1/3)); NULL for a domain error (SQRT(-1)).
			if math.IsInf(v.F, 0) || isPow {
				c.Err = runtime.OutOfRange("DOUBLE", e.String())
			}
			return runtime.Null
		}
		return v
	}
	return compiled{fn: fn, typ: t, scale: scale}, nil
}

// nativeFrame is the record a fallback closure is evaluating, for the
// natively compiled subexpressions inside the tree GMS evaluates.
type nativeFrame struct {
	c *runtime.Ctx
	r runtime.Row
}

// nativeIslands replaces, inside a tree go-mysql-server will evaluate,
// every subexpression velort implements natively (REGEXP, REPEAT, LOCATE,
// the functions GMS lacks, ...) by a node evaluating velort's closure:
// `IF(s REGEXP p, ...)` must not reach GMS's regexp engine either.
func (env *exprEnv) nativeIslands(e sql.Expression, fr *nativeFrame) (sql.Expression, error) {
	ch := e.Children()
	if len(ch) == 0 {
		return e, nil
	}
	out := make([]sql.Expression, len(ch))
	changed := false
	for i, x := range ch {
		out[i] = x
		if x == nil {
			continue
		}
		if c, ok := env.groupKeyOf(x); ok { // the group's key, not GMS's evaluation of its columns
			out[i], changed = &nativeValue{Expression: x, fn: c.fn, typ: c.typ, fr: fr}, true
			continue
		}
		if hasNative(x) {
			c, ok, err := env.nativeFallback(x)
			if err != nil {
				return nil, err
			}
			if ok {
				out[i], changed = &nativeValue{Expression: x, fn: c.fn, typ: c.typ, fr: fr}, true
				continue
			}
		}
		y, err := env.nativeIslands(x, fr)
		if err != nil {
			return nil, err
		}
		if y != x {
			out[i], changed = y, true
		}
	}
	// Arguments GMS would convert its own way: a string used as a truth
	// value (MySQL reads its numeric prefix: IF('12abc', ...) is true),
	// a DOUBLE or TIMESTAMP given to a string function (MySQL's text).
	for i, x := range out {
		if x == nil {
			continue
		}
		var conv func(*runtime.Ctx, runtime.Value) runtime.Value
		var typ sql.Type
		xt := x.Type()
		isTS := types.IsDatetimeType(xt) || types.IsTimestampType(xt)
		switch {
		case i == 0 && isTruthTest(e) && types.IsText(xt):
			conv, typ = func(_ *runtime.Ctx, v runtime.Value) runtime.Value { return runtime.Double(numOf(v)) }, types.Float64
		case isTS && ((i == 0 && isTruthTest(e)) || isNumericFunction(e)):
			conv, typ = func(_ *runtime.Ctx, v runtime.Value) runtime.Value { return tsNumber(v.I) }, types.MustCreateDecimalType(17, 3)
		case i == 0 && dateFunctions[fnName(e)] && (types.IsNumber(xt) || types.IsBoolean(xt)) && !isTS:
			conv, typ = numberArgDatetime, types.DatetimeMaxPrecision
		case isTextFunction(e) && (types.IsFloat(xt) || isTS),
			textBranches(e, i) && (types.IsFloat(xt) || isTS || types.IsDecimal(xt)):
			conv, typ = func(c *runtime.Ctx, v runtime.Value) runtime.Value { return runtime.String(textOf(c, v)) }, types.LongText
		default:
			continue
		}
		cx, err := env.compile(x)
		if err != nil {
			return nil, err
		}
		xf := cx.fn
		out[i], changed = &nativeValue{Expression: x, typ: runtime.TString, fr: fr, gmsType: typ, fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
			v := xf(c, r)
			if v.T == runtime.TNull {
				return v
			}
			return conv(c, v)
		}}, true
	}
	if !changed {
		return e, nil
	}
	return e.WithChildren(out...)
}

// nullOnNullArg are GMS functions that fail on a NULL argument where
// MySQL returns NULL.
var nullOnNullArg = map[string]bool{"str_to_date": true}

// falseOnNullArg are GMS predicates that MySQL makes false (0), not
// NULL, for a NULL argument.
var falseOnNullArg = map[string]bool{"is_ipv4": true, "is_ipv6": true, "is_ipv4_compat": true, "is_ipv4_mapped": true}

// isTruthTest reports whether e's first argument is used as a truth
// value (IF, IS TRUE / IS FALSE).
func isTruthTest(e sql.Expression) bool {
	if _, ok := e.(*expression.IsTrue); ok {
		return true
	}
	return fnName(e) == "if"
}

// dateFunctions take a date-time: a number argument is MySQL's
// [YY]YYMMDD[hhmmss][.fraction] (GMS gave NULL or 0000-01-01).
var dateFunctions = map[string]bool{
	"date": true, "dayofweek": true, "dayofmonth": true, "day": true, "dayofyear": true,
	"month": true, "year": true, "quarter": true, "to_days": true, "weekday": true,
	"monthname": true, "dayname": true, "last_day": true, "weekofyear": true,
}

// numberArgDatetime reads a number as a date-time (NULL when it is not one).
func numberArgDatetime(_ *runtime.Ctx, v runtime.Value) runtime.Value {
	var whole, fracMs int64
	switch v.T {
	case runtime.TInt, runtime.TBool:
		whole = v.I
	case runtime.TDecimal:
		p := pow10i[v.Scale]
		whole, fracMs = v.I/p, (v.I%p)*1000/p
	default:
		f := numOf(v)
		if f < 0 || f > 99991231235959 {
			return runtime.Null
		}
		whole = int64(f)
		fracMs = int64((f - float64(whole)) * 1000)
	}
	if fracMs < 0 {
		return runtime.Null
	}
	ms, ok := intDatetimeMs(whole)
	if !ok {
		return runtime.Null
	}
	if whole <= 99991231 {
		fracMs = 0 // a date without a time has no fraction of a second
	}
	return runtime.Timestamp(ms + fracMs)
}

// textFunctions take strings: GMS would format a DOUBLE or date-time
// argument differently from MySQL.
var textFunctions = map[string]bool{
	"md5": true, "sha": true, "sha1": true, "sha2": true, "crc32": true, "to_base64": true,
	"soundex": true, "quote": true, "ascii": true, "ord": true, "bit_length": true,
	"replace": true, "substring_index": true, "find_in_set": true, "ltrim": true, "rtrim": true,
	"strcmp": true, "compress": true, "elt": true, "char_length": true, "length": true,
}

// numericFunctions take numbers: a TIMESTAMP argument is MySQL's
// YYYYMMDDhhmmss.fff, not what GMS makes of a time.
var numericFunctions = map[string]bool{
	"sqrt": true, "ln": true, "log": true, "log2": true, "log10": true, "exp": true, "pow": true,
	"power": true, "sin": true, "cos": true, "tan": true, "asin": true, "acos": true, "atan": true,
	"atan2": true, "cot": true, "degrees": true, "radians": true, "round": true, "bit_count": true,
	"mod": true, "ceil": true, "ceiling": true, "floor": true, "abs": true, "format": true,
}

func isNumericFunction(e sql.Expression) bool { return numericFunctions[fnName(e)] }

// textBranches reports whether argument i of e is a value e returns as
// text (IF/IFNULL/COALESCE typed VARCHAR): GMS would format a number or
// date-time its own way (12.5 for DECIMAL 12.50, no milliseconds).
func textBranches(e sql.Expression, i int) bool {
	switch fnName(e) {
	case "if":
		if i == 0 {
			return false
		}
	case "ifnull", "nvl", "coalesce":
	default:
		return false
	}
	t, _ := resultType(e)
	return t == runtime.TString
}

func isTextFunction(e sql.Expression) bool { return textFunctions[fnName(e)] }

// nativeValue is a natively compiled subexpression seen by GMS: it
// keeps the original's type and string, and evaluates velort's closure on
// the frame's record.
type nativeValue struct {
	sql.Expression
	fn      runtime.Expr
	typ     runtime.Type
	fr      *nativeFrame
	gmsType sql.Type // when set, the type GMS sees (a converted argument)
}

func (n *nativeValue) Type() sql.Type {
	if n.gmsType != nil {
		return n.gmsType
	}
	return n.Expression.Type()
}

func (n *nativeValue) Eval(*sql.Context, sql.Row) (any, error) {
	v := n.fn(n.fr.c, n.fr.r)
	if err := n.fr.c.Err; err != nil {
		return nil, err
	}
	return toGMS(v), nil
}

func (n *nativeValue) WithChildren(...sql.Expression) (sql.Expression, error) { return n, nil }

// evalGMS runs go-mysql-server's Eval, turning a panic inside it (GMS has
// several on edge values: CONV(”,16,10), LOCATE past the end, ...) into
// an error for this record, so that the record is dead-lettered with the
// panic's message and the query goes on.
func evalGMS(e sql.Expression, ctx *sql.Context, row sql.Row) (x any, err error) {
	defer func() {
		if r := recover(); r != nil {
			x, err = nil, fmt.Errorf("internal error evaluating %s: %v", e, r)
		}
	}()
	return e.Eval(ctx, row)
}

// isPredicate reports whether e is a boolean-valued expression (GMS types
// every predicate BOOLEAN: comparisons, IS TRUE, XOR, LIKE, REGEXP,
// JSON_VALID, IS_IPV4, ...), whose value velort writes as true/false.
func isPredicate(e sql.Expression) bool {
	if types.IsBoolean(e.Type()) {
		return true
	}
	_, isCmp := e.(interface {
		Compare(*sql.Context, sql.Row) (int, error)
	})
	return isCmp
}
