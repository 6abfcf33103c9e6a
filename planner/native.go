package planner

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"

	"github.com/velort/velort/runtime"
)

// nativeFunc compiles one function over its compiled arguments; ok is
// false when it leaves this call to go-mysql-server.
type nativeFunc func(env *exprEnv, f sql.FunctionExpression, args []compiled) (c compiled, ok bool, err error)

// nativeFuncs are the functions velort implements itself instead of going
// through go-mysql-server: those GMS gets wrong, evaluates too slowly or
// without bounds, and those it lacks (registered by nativeGMSFunctions).
// Filled by init functions of the native_*.go files.
var nativeFuncs = map[string]nativeFunc{}

// nativeFallbackFuncs are compiled natively only for the argument types
// velort's compiled versions (compile_func.go) leave to go-mysql-server:
// ABS of a string, GREATEST of mixed types, ...
var nativeFallbackFuncs = map[string]nativeFunc{}

// native compiles the functions go-mysql-server evaluates wrongly, too
// slowly or not at all to velort closures; ok is false for the rest.
// compile calls it before its own compiled functions.
func (env *exprEnv) native(e sql.Expression) (compiled, bool, error) {
	if n, ok := e.(namedFunction); ok { // e.g. QUOTE: a function without Description
		if _, isFn := e.(sql.FunctionExpression); !isFn {
			e = functionView{n}
		}
	}
	switch x := e.(type) {
	case sql.FunctionExpression:
		impl, ok := nativeFuncs[lowerName(x)]
		if !ok {
			return compiled{}, false, nil
		}
		args, err := env.compileArgs(x.Children())
		if err != nil {
			return compiled{}, true, err
		}
		return impl(env, x, args)
	case *expression.Arithmetic:
		return env.nativeArithmetic(x)
	case *expression.Convert:
		return env.nativeConvert(x)
	case *expression.BitOp:
		return env.nativeBitOp(x)
	}
	return compiled{}, false, nil
}

// nativeFallback is native plus, for what compile leaves to
// go-mysql-server, nativeFallbackFuncs.
func (env *exprEnv) nativeFallback(e sql.Expression) (compiled, bool, error) {
	if c, ok, err := env.native(e); ok || err != nil {
		return c, ok, err
	}
	n, ok := e.(namedFunction)
	if !ok {
		return compiled{}, false, nil
	}
	f, ok := e.(sql.FunctionExpression)
	if !ok {
		f = functionView{n}
	}
	impl, ok := nativeFallbackFuncs[lowerName(f)]
	if !ok {
		return compiled{}, false, nil
	}
	args, err := env.compileArgs(f.Children())
	if err != nil {
		return compiled{}, true, err
	}
	return impl(env, f, args)
}

// namedFunction is a GMS function call; a few (QUOTE, ...) do not
// implement sql.FunctionExpression's Description.
type namedFunction interface {
	sql.Expression
	FunctionName() string
}

// fnName is the lower-case name of a function call, "" for other
// expressions.
func fnName(e sql.Expression) string {
	if n, ok := e.(namedFunction); ok {
		return strings.ToLower(n.FunctionName())
	}
	return ""
}

// functionView presents a namedFunction as a sql.FunctionExpression.
type functionView struct{ namedFunction }

func (functionView) Description() string { return "" }

// hasNative reports whether native may compile e (cheaply, without
// compiling).
func hasNative(e sql.Expression) bool {
	if n, ok := e.(namedFunction); ok {
		if _, isFn := e.(sql.FunctionExpression); !isFn {
			e = functionView{n}
		}
	}
	switch x := e.(type) {
	case sql.FunctionExpression:
		_, ok := nativeFuncs[lowerName(x)]
		_, ok2 := nativeFallbackFuncs[lowerName(x)]
		return ok || ok2
	case *expression.Arithmetic, *expression.Convert, *expression.BitOp:
		return true
	}
	return false
}

func (env *exprEnv) compileArgs(es []sql.Expression) ([]compiled, error) {
	out := make([]compiled, len(es))
	for i, a := range es {
		c, err := env.compile(a)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// fns returns the closures of cs.
func fns(cs []compiled) []runtime.Expr {
	out := make([]runtime.Expr, len(cs))
	for i, c := range cs {
		out[i] = c.fn
	}
	return out
}

// textOf returns v as MySQL converts it to a string (numbers as their
// digits, doubles in MySQL's shortest form, TIMESTAMP as
// 'YYYY-MM-DD HH:MM:SS.fff'); bytes not aliasing v live in the arena.
func textOf(c *runtime.Ctx, v runtime.Value) []byte {
	switch v.T {
	case runtime.TString, runtime.TJSON:
		return v.S
	}
	start := len(c.Arena)
	c.Arena = appendText(c.Arena, v)
	return c.Arena[start:len(c.Arena):len(c.Arena)]
}

// appendText appends the MySQL text of v.
func appendText(dst []byte, v runtime.Value) []byte {
	switch v.T {
	case runtime.TBool, runtime.TInt:
		return strconv.AppendInt(dst, v.I, 10)
	case runtime.TDouble:
		return formatDouble(dst, v.F)
	case runtime.TDecimal:
		return runtime.AppendValueJSON(dst, v)
	case runtime.TTimestamp:
		return appendDatetimeText(dst, v.I)
	case runtime.TString, runtime.TJSON:
		return append(dst, v.S...)
	}
	return dst
}

// appendDatetimeText writes epoch milliseconds as MySQL's DATETIME(3)
// text 'YYYY-MM-DD HH:MM:SS.fff'.
func appendDatetimeText(dst []byte, ms int64) []byte {
	start := len(dst)
	dst = runtime.FormatTimestamp(dst, ms)
	dst = dst[:len(dst)-1] // Z
	if i := start + 10; i < len(dst) && dst[i] == 'T' {
		dst[i] = ' '
	} else {
		for j := start; j < len(dst); j++ {
			if dst[j] == 'T' {
				dst[j] = ' '
				break
			}
		}
	}
	return dst
}

// tsNumber is a TIMESTAMP used as a number, as MySQL reads a DATETIME(3):
// YYYYMMDDhhmmss.fff, returned as a DECIMAL with scale 3.
func tsNumber(ms int64) runtime.Value {
	days := floorDiv(ms, msPerDay)
	rem := ms - days*msPerDay
	t := time.UnixMilli(days * msPerDay).UTC()
	ymd := int64(t.Year())*10000 + int64(t.Month())*100 + int64(t.Day())
	secs := rem / 1000
	hms := secs/3600*10000 + secs/60%60*100 + secs%60
	return runtime.Decimal((ymd*1000000+hms)*1000+rem%1000, 3)
}

// numOf is v used as a DOUBLE (TIMESTAMP as YYYYMMDDhhmmss.fff).
func numOf(v runtime.Value) float64 {
	switch v.T {
	case runtime.TTimestamp:
		return asFloat(tsNumber(v.I))
	case runtime.TString, runtime.TJSON:
		f := asFloat(v)
		if math.IsInf(f, 0) { // '1.5e400': MySQL saturates (with a warning)
			return math.Copysign(math.MaxFloat64, f)
		}
		return f
	}
	return asFloat(v)
}

// intOf is v used as an integer argument (a count, a position, a
// length): doubles and decimals rounded half away from zero, strings by
// their numeric prefix, saturated to int64.
func intOf(v runtime.Value) int64 {
	switch v.T {
	case runtime.TInt, runtime.TBool:
		return v.I
	case runtime.TDecimal:
		return roundDecimal(v.I, v.Scale)
	case runtime.TDouble:
		return saturate(v.F)
	case runtime.TString, runtime.TJSON:
		if i, err := strconv.ParseInt(string(v.S), 10, 64); err == nil {
			return i
		}
		f, _ := runtime.ParseFloatPrefix(v.S)
		return saturate(f)
	case runtime.TTimestamp:
		return roundDecimal(tsNumber(v.I).I, 3)
	}
	return 0
}

func saturate(f float64) int64 {
	f = math.Round(f)
	switch {
	case math.IsNaN(f):
		return 0
	case f >= 9223372036854775807:
		return math.MaxInt64
	case f <= -9223372036854775808:
		return math.MinInt64
	}
	return int64(f)
}

// checkSize reports whether a result of n bytes fits max_value_bytes,
// setting the record's error when it does not. n is computed before
// anything is allocated.
func checkSize(c *runtime.Ctx, name string, n int64) bool {
	if lim := c.ValueLimit(); n > int64(lim) {
		c.Err = fmt.Errorf("Result of %s() was larger than max_value_bytes (%d bytes)", name, lim)
		return false
	}
	return true
}

// charOffset returns the byte offset of the 1-based character position
// pos in s, or -1 when s has fewer than pos-1 characters.
func charOffset(s []byte, pos int64) int {
	if pos < 1 {
		return -1
	}
	off := 0
	for n := int64(1); n < pos; n++ {
		if off >= len(s) {
			return -1
		}
		_, w := utf8.DecodeRune(s[off:])
		off += w
	}
	return off
}

// strFn is a function of string-typed result; fn sees non-NULL args.
func strResult(fn runtime.Expr) compiled {
	return compiled{fn: fn, typ: runtime.TString}
}
