package planner

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"

	"github.com/velort/velort/runtime"
)

// String functions velort evaluates itself. go-mysql-server's versions
// count bytes, compare case-insensitively, cut UTF-8 characters, refuse
// numbers, or allocate without bound (SPACE(2e9) never returned). Here
// strings use velort's binary collation (case-sensitive), positions and
// lengths count characters, any argument is converted to its MySQL text,
// and a result larger than max_value_bytes is an error for the record,
// detected before anything is allocated.

func init() {
	for name, f := range map[string]nativeFunc{
		"repeat":          nativeRepeat,
		"space":           nativeSpace,
		"lpad":            nativePad,
		"rpad":            nativePad,
		"concat":          nativeConcat,
		"concat_ws":       nativeConcatWS,
		"insert":          nativeInsert,
		"left":            nativeLeftRight,
		"right":           nativeLeftRight,
		"substring":       nativeSubstring,
		"substr":          nativeSubstring,
		"mid":             nativeSubstring,
		"locate":          nativeLocate,
		"position":        nativeLocate,
		"instr":           nativeLocate,
		"field":           nativeField,
		"trim":            nativeTrim,
		"substring_index": nativeSubstringIndex,
		"replace":         nativeReplace,
	} {
		nativeFuncs[name] = f
	}
}

// anyNull evaluates every closure on the row into vals, reporting
// whether one is NULL (all are evaluated: their errors count).
func evalAll(c *runtime.Ctx, r runtime.Row, fs []runtime.Expr, vals []runtime.Value) bool {
	null := false
	for i, f := range fs {
		vals[i] = f(c, r)
		if vals[i].T == runtime.TNull {
			null = true
		}
	}
	return null
}

// strFunc builds a string function over non-NULL arguments (NULL if any is).
func strFunc(args []compiled, body func(c *runtime.Ctx, v []runtime.Value) runtime.Value) compiled {
	fs := fns(args)
	vals := make([]runtime.Value, len(fs))
	return strResult(func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		if evalAll(c, r, fs, vals) {
			return runtime.Null
		}
		return body(c, vals)
	})
}

func nativeRepeat(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 2 {
		return compiled{}, false, nil
	}
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		s, n := textOf(c, v[0]), intOf(v[1])
		if n < 1 || len(s) == 0 {
			return runtime.String(c.Arena[:0:0])
		}
		if n > int64(c.ValueLimit())/int64(len(s)) {
			checkSize(c, "repeat", math.MaxInt64)
			return runtime.Null
		}
		out := c.Alloc(len(s) * int(n))
		for i := 0; i < len(out); i += len(s) {
			copy(out[i:], s)
		}
		return runtime.String(out)
	}), true, nil
}

func nativeSpace(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 {
		return compiled{}, false, nil
	}
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		n := intOf(v[0])
		if n < 1 {
			return runtime.String(c.Arena[:0:0])
		}
		if !checkSize(c, "space", n) {
			return runtime.Null
		}
		out := c.Alloc(int(n))
		for i := range out {
			out[i] = ' '
		}
		return runtime.String(out)
	}), true, nil
}

// nativePad is LPAD/RPAD(s, len, pad): s cut or padded to len characters.
func nativePad(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 3 {
		return compiled{}, false, nil
	}
	left := lowerName(f) == "lpad"
	name := lowerName(f)
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		s, n, pad := textOf(c, v[0]), intOf(v[1]), textOf(c, v[2])
		if n < 0 {
			return runtime.Null
		}
		chars := int64(utf8.RuneCount(s))
		if n <= chars {
			return runtime.String(s[:charOffset(s, n+1)])
		}
		if len(pad) == 0 {
			return runtime.Null
		}
		k := n - chars // pad characters needed
		pc := int64(utf8.RuneCount(pad))
		full, rem := k/pc, k%pc
		remBytes := int64(charOffset(pad, rem+1))
		lim := int64(c.ValueLimit())
		if full > lim/int64(len(pad)) || full*int64(len(pad))+remBytes+int64(len(s)) > lim {
			checkSize(c, name, math.MaxInt64)
			return runtime.Null
		}
		size := int(full*int64(len(pad)) + remBytes + int64(len(s)))
		start := len(c.Arena)
		out := c.Alloc(size)[:0]
		if !left {
			out = append(out, s...)
		}
		for i := int64(0); i < full; i++ {
			out = append(out, pad...)
		}
		out = append(out, pad[:remBytes]...)
		if left {
			out = append(out, s...)
		}
		_ = start
		return runtime.String(out[:len(out):len(out)])
	}), true, nil
}

// nativeConcat is CONCAT over arguments of any type (velort's compiled
// CONCAT takes only strings): each as its MySQL text.
func nativeConcat(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) == 0 {
		return compiled{}, false, nil
	}
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		return joinText(c, "concat", nil, v, false)
	}), true, nil
}

// joinText writes the texts of vals separated by sep (skipping NULLs
// when skipNull), checking the size first.
func joinText(c *runtime.Ctx, name string, sep []byte, vals []runtime.Value, skipNull bool) runtime.Value {
	// Texts of non-string values go to the arena first; measure them all.
	var total int64
	n := 0
	for i := range vals {
		if vals[i].T == runtime.TNull {
			continue
		}
		if vals[i].T != runtime.TString && vals[i].T != runtime.TJSON {
			vals[i] = runtime.String(textOf(c, vals[i]))
		}
		total += int64(len(vals[i].S))
		n++
	}
	if n > 1 {
		total += int64(n-1) * int64(len(sep))
	}
	if !checkSize(c, name, total) {
		return runtime.Null
	}
	out := c.Alloc(int(total))[:0]
	first := true
	for _, v := range vals {
		if v.T == runtime.TNull {
			continue
		}
		if !first {
			out = append(out, sep...)
		}
		first = false
		out = append(out, v.S...)
	}
	return runtime.String(out[:len(out):len(out)])
}

func nativeConcatWS(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) < 2 {
		return compiled{}, false, nil
	}
	fs := fns(args)
	vals := make([]runtime.Value, len(fs)-1)
	return strResult(func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		sep := fs[0](c, r)
		for i, f := range fs[1:] {
			vals[i] = f(c, r)
		}
		if sep.T == runtime.TNull {
			return runtime.Null
		}
		return joinText(c, "concat_ws", textOf(c, sep), vals, true)
	}), true, nil
}

// nativeInsert is INSERT(s, pos, len, new): s with len characters from
// pos replaced by new (s unchanged when pos is outside it).
func nativeInsert(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 4 {
		return compiled{}, false, nil
	}
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		s, pos, n, ins := textOf(c, v[0]), intOf(v[1]), intOf(v[2]), textOf(c, v[3])
		chars := int64(utf8.RuneCount(s))
		if pos < 1 || pos > chars {
			return runtime.String(s)
		}
		from := charOffset(s, pos)
		to := len(s)
		if n >= 0 && n < chars-pos+1 {
			to = charOffset(s, pos+n)
		}
		size := int64(from) + int64(len(ins)) + int64(len(s)-to)
		if !checkSize(c, "insert", size) {
			return runtime.Null
		}
		out := c.Alloc(int(size))[:0]
		out = append(out, s[:from]...)
		out = append(out, ins...)
		out = append(out, s[to:]...)
		return runtime.String(out[:len(out):len(out)])
	}), true, nil
}

func nativeLeftRight(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 2 {
		return compiled{}, false, nil
	}
	left := lowerName(f) == "left"
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		s, n := textOf(c, v[0]), intOf(v[1])
		if n < 1 {
			return runtime.String(s[:0:0])
		}
		chars := int64(utf8.RuneCount(s))
		if n >= chars {
			return runtime.String(s)
		}
		if left {
			return runtime.String(s[:charOffset(s, n+1)])
		}
		return runtime.String(s[charOffset(s, chars-n+1):])
	}), true, nil
}

// nativeSubstring is SUBSTRING(s, pos[, len]); a negative pos counts
// from the end, pos 0 gives the empty string.
func nativeSubstring(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 2 && len(args) != 3 {
		return compiled{}, false, nil
	}
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		s, pos := textOf(c, v[0]), intOf(v[1])
		n := int64(math.MaxInt64)
		if len(v) == 3 {
			n = intOf(v[2])
		}
		chars := int64(utf8.RuneCount(s))
		if pos < 0 {
			pos = chars + pos + 1
			if pos < 1 {
				return runtime.String(s[:0:0])
			}
		}
		if pos < 1 || pos > chars || n < 1 {
			return runtime.String(s[:0:0])
		}
		from := charOffset(s, pos)
		if n >= chars-pos+1 {
			return runtime.String(s[from:])
		}
		return runtime.String(s[from:charOffset(s, pos+n)])
	}), true, nil
}

// nativeLocate is LOCATE(sub, s[, pos]), POSITION(sub IN s) and
// INSTR(s, sub): the 1-based character position of sub in s, 0 if absent.
func nativeLocate(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 2 && len(args) != 3 {
		return compiled{}, false, nil
	}
	instr := lowerName(f) == "instr"
	if instr && len(args) != 2 {
		return compiled{}, false, nil
	}
	fs := fns(args)
	vals := make([]runtime.Value, len(fs))
	return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		if evalAll(c, r, fs, vals) {
			return runtime.Null
		}
		sub, s := vals[0], vals[1]
		if instr {
			sub, s = s, sub
		}
		subT, sT := textOf(c, sub), textOf(c, s)
		pos := int64(1)
		if len(vals) == 3 {
			pos = intOf(vals[2])
		}
		off := charOffset(sT, pos)
		if off < 0 {
			return runtime.Int(0)
		}
		i := bytes.Index(sT[off:], subT)
		if i < 0 {
			return runtime.Int(0)
		}
		return runtime.Int(int64(utf8.RuneCount(sT[:off+i])) + 1)
	}, typ: runtime.TInt}, true, nil
}

// nativeField is FIELD(x, a, b, ...): the index of the first argument
// equal to x, 0 if none or x is NULL. All strings compare as strings
// (binary collation), otherwise as numbers.
func nativeField(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) < 2 {
		return compiled{}, false, nil
	}
	asText := true
	for _, a := range args {
		if a.typ != runtime.TString && a.typ != runtime.TNull {
			asText = false
		}
	}
	fs := fns(args)
	return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		x := fs[0](c, r)
		if x.T == runtime.TNull {
			return runtime.Int(0)
		}
		for i, f := range fs[1:] {
			v := f(c, r)
			if v.T == runtime.TNull {
				continue
			}
			if asText {
				if bytes.Equal(x.S, v.S) {
					return runtime.Int(int64(i + 1))
				}
			} else if numOf(x) == numOf(v) {
				return runtime.Int(int64(i + 1))
			}
		}
		return runtime.Int(0)
	}, typ: runtime.TInt}, true, nil
}

// nativeTrim is TRIM([BOTH|LEADING|TRAILING] [pat] FROM s): NULL when s
// or pat is NULL.
func nativeTrim(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 2 {
		return compiled{}, false, nil
	}
	desc := strings.ToLower(f.(sql.Expression).String())
	lead, trail := true, true
	switch {
	case strings.HasPrefix(desc, "trim(leading"):
		trail = false
	case strings.HasPrefix(desc, "trim(trailing"):
		lead = false
	}
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		s, pat := textOf(c, v[0]), textOf(c, v[1])
		if len(pat) == 0 {
			return runtime.String(s)
		}
		if lead {
			for bytes.HasPrefix(s, pat) {
				s = s[len(pat):]
			}
		}
		if trail {
			for bytes.HasSuffix(s, pat) {
				s = s[:len(s)-len(pat)]
			}
		}
		return runtime.String(s)
	}), true, nil
}

// castTarget returns the type of CAST/CONVERT as written ("signed",
// "char", "datetime") and its length, -1 when none.
func castTarget(e *expression.Convert) (string, int) {
	str := e.String()
	i := strings.LastIndex(str, ", ")
	if i < 0 || !strings.HasSuffix(str, ")") {
		return "", -1
	}
	t := strings.ToLower(str[i+2 : len(str)-1])
	if j := strings.IndexByte(t, '('); j >= 0 {
		n, err := strconv.Atoi(strings.SplitN(strings.TrimSuffix(t[j+1:], ")"), ",", 2)[0])
		if err != nil {
			return "", -1
		}
		return t[:j], n
	}
	return t, -1
}

// nativeConvert compiles the casts velort's compiled CAST leaves to GMS:
// to CHAR (MySQL's text of doubles and date-times, CHAR(n) cutting to n
// characters), of strings to SIGNED/UNSIGNED/DOUBLE (their numeric
// prefix, as MySQL), of a TIMESTAMP to a number (YYYYMMDDhhmmss),
// DATETIME, DATE or TIME.
func (env *exprEnv) nativeConvert(e *expression.Convert) (compiled, bool, error) {
	target, n := castTarget(e)
	switch target {
	case "char", "signed", "unsigned", "double", "float", "datetime", "date", "time":
	default:
		return compiled{}, false, nil
	}
	x, err := env.compile(e.Child)
	if err != nil {
		return compiled{}, true, err
	}
	xf, xt := x.fn, x.typ
	if xt == runtime.TJSON || xt == runtime.TNull {
		return compiled{}, false, nil
	}
	unary := func(t runtime.Type, scale uint8, body func(c *runtime.Ctx, v runtime.Value) runtime.Value) (compiled, bool, error) {
		return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
			v := xf(c, r)
			if v.T == runtime.TNull {
				return v
			}
			return body(c, v)
		}, typ: t, scale: scale}, true, nil
	}
	switch target {
	case "char":
		return unary(runtime.TString, 0, func(c *runtime.Ctx, v runtime.Value) runtime.Value {
			s := textOf(c, v)
			if n >= 0 {
				if off := charOffset(s, int64(n)+1); off >= 0 {
					s = s[:off]
				}
			}
			return runtime.String(s)
		})
	case "signed", "unsigned":
		unsigned := target == "unsigned"
		if unsigned && xt != runtime.TString && xt != runtime.TTimestamp {
			return castUnsigned(e, xf, xt)
		}
		if xt != runtime.TString && xt != runtime.TTimestamp {
			return compiled{}, false, nil
		}
		return unary(runtime.TInt, 0, func(c *runtime.Ctx, v runtime.Value) runtime.Value {
			if v.T == runtime.TTimestamp {
				return runtime.Int(tsNumber(v.I).I / 1000)
			}
			i, ok := parseIntPrefix(v.S)
			if !ok || (unsigned && i < 0) {
				c.Err = fmt.Errorf("BIGINT%s value is out of range in '%s'", map[bool]string{true: " UNSIGNED"}[unsigned], e)
				return runtime.Null
			}
			return runtime.Int(i)
		})
	case "double", "float":
		if (xt != runtime.TString && xt != runtime.TTimestamp) || n >= 0 {
			return compiled{}, false, nil
		}
		return unary(runtime.TDouble, 0, func(c *runtime.Ctx, v runtime.Value) runtime.Value {
			f := numOf(v)
			if math.IsInf(f, 0) {
				c.Err = fmt.Errorf("DOUBLE value is out of range in '%s'", e)
				return runtime.Null
			}
			return runtime.Double(f)
		})
	case "datetime":
		if xt != runtime.TTimestamp && xt != runtime.TString && !xt.Numeric() && xt != runtime.TBool {
			return compiled{}, false, nil
		}
		keep := int64(1000) // DATETIME: whole seconds; DATETIME(1..3) keep digits
		switch {
		case n >= 3:
			keep = 1
		case n == 2:
			keep = 10
		case n == 1:
			keep = 100
		}
		return unary(runtime.TTimestamp, 0, func(c *runtime.Ctx, v runtime.Value) runtime.Value {
			ms, ok := timeArg(v)
			if !ok {
				return runtime.Null
			}
			return runtime.Timestamp(floorDiv(ms, keep) * keep)
		})
	case "date":
		if xt != runtime.TTimestamp && xt != runtime.TString && !xt.Numeric() && xt != runtime.TBool {
			return compiled{}, false, nil
		}
		return unary(runtime.TString, 0, func(c *runtime.Ctx, v runtime.Value) runtime.Value {
			ms, ok := timeArg(v)
			if !ok {
				return runtime.Null
			}
			start := len(c.Arena)
			c.Arena = appendDatetimeText(c.Arena, ms)[:start+10]
			return runtime.String(c.Arena[start:len(c.Arena):len(c.Arena)])
		})
	case "time":
		if xt != runtime.TTimestamp {
			fsp := max(min(n, 6), 0)
			return unary(runtime.TString, 0, func(c *runtime.Ctx, v runtime.Value) runtime.Value {
				us, ok := timeOfValue(v) // a TIME, a date-time's time, [H]HMMSS, '12abc' is 00:00:12
				if !ok {
					return runtime.Null
				}
				p := int64(math.Pow10(6 - fsp))
				return timeResult(c, timeValue{us: us / p * p, fsp: fsp})
			})
		}
		fsp := max(min(n, 3), 0)
		return unary(runtime.TString, 0, func(c *runtime.Ctx, v runtime.Value) runtime.Value {
			tod := v.I - floorDiv(v.I, msPerDay)*msPerDay
			p := int64(1000) / int64(math.Pow10(fsp))
			return timeResult(c, timeValue{us: tod / p * p * 1000, fsp: fsp})
		})
	}
	return compiled{}, false, nil
}

// parseIntPrefix reads MySQL's integer prefix of a string: spaces, a
// sign, digits ('1e3' is 1, '3.5' is 3, 'abc' is 0); ok is false when
// it overflows BIGINT.
func parseIntPrefix(s []byte) (int64, bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	var u uint64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if u > (1<<63)/10 {
			return 0, false
		}
		u = u*10 + uint64(s[i]-'0')
		if u > 1<<63 {
			return 0, false
		}
	}
	if neg {
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// castUnsigned is CAST(number AS UNSIGNED) as MariaDB computes it: a
// negative BIGINT wraps (an error here unless 0: velort has no unsigned
// type), a negative DOUBLE or DECIMAL is 0, a DOUBLE rounds half to even
// and a DECIMAL half away from zero.
func castUnsigned(e *expression.Convert, xf runtime.Expr, xt runtime.Type) (compiled, bool, error) {
	if !xt.Numeric() && xt != runtime.TBool {
		return compiled{}, false, nil
	}
	return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		v := xf(c, r)
		switch v.T {
		case runtime.TNull:
			return v
		case runtime.TDouble:
			f := math.RoundToEven(v.F)
			switch {
			case f <= 0 || math.IsNaN(f):
				return runtime.Int(0)
			case f < 9223372036854775808.0:
				return runtime.Int(int64(f))
			}
		case runtime.TDecimal:
			if v.I < 0 {
				return runtime.Int(0)
			}
			return runtime.Int(roundDecimal(v.I, v.Scale))
		default:
			if v.I >= 0 {
				return runtime.Int(v.I)
			}
		}
		c.Err = fmt.Errorf("BIGINT UNSIGNED value is out of range in '%s' (velort's BIGINT is signed)", e)
		return runtime.Null
	}, typ: runtime.TInt}, true, nil
}

// nativeSubstringIndex is SUBSTRING_INDEX(s, delim, n): s up to the n-th
// delim (from the right when n < 0); ” for an empty delim or n = 0.
func nativeSubstringIndex(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 3 {
		return compiled{}, false, nil
	}
	children := f.Children()
	_, c1 := isConst(children[1])
	_, c2 := isConst(children[2])
	if c1 && c2 {
		// A constant delimiter and count (Nexmark q22's
		// SUBSTRING_INDEX(url, '/', 4)): computed once, only the text
		// evaluated per record.
		var k runtime.Ctx
		dv, nv := args[1].fn(&k, nil), args[2].fn(&k, nil)
		if k.Err == nil && dv.T != runtime.TNull && nv.T != runtime.TNull {
			delim, n := append([]byte(nil), textOf(&k, dv)...), intOf(nv)
			x := args[0].fn
			return strResult(func(c *runtime.Ctx, r runtime.Row) runtime.Value {
				v := x(c, r)
				if v.T == runtime.TNull {
					return v
				}
				return substringIndex(textOf(c, v), delim, n)
			}), true, nil
		}
	}
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		return substringIndex(textOf(c, v[0]), textOf(c, v[1]), intOf(v[2]))
	}), true, nil
}

// substringIndex is SUBSTRING_INDEX(s, delim, n): s before the n-th delim
// (n > 0), or after the n-th from the end (n < 0).
func substringIndex(s, delim []byte, n int64) runtime.Value {
	if len(delim) == 0 || n == 0 {
		return runtime.String(s[:0:0])
	}
	if n > 0 {
		off := 0
		for ; n > 0; n-- {
			i := bytes.Index(s[off:], delim)
			if i < 0 {
				return runtime.String(s)
			}
			off += i + len(delim)
		}
		return runtime.String(s[: off-len(delim) : off-len(delim)])
	}
	end := len(s)
	for ; n < 0; n++ {
		i := bytes.LastIndex(s[:end], delim)
		if i < 0 {
			return runtime.String(s)
		}
		end = i
	}
	return runtime.String(s[end+len(delim):])
}

// mapCase is LOWER(s) (UPPER when upper is set): s itself when no
// character changes (an ASCII text already in the case: no copy), else
// the mapped text in arena space — ASCII by a byte test, other
// characters through unicode.ToLower/ToUpper as mapString does.
func mapCase(c *runtime.Ctx, s []byte, upper bool) []byte {
	lo, hi := byte('A'), byte('Z') // the bytes that change
	if upper {
		lo, hi = 'a', 'z'
	}
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf && (s[i] < lo || s[i] > hi) {
		i++
	}
	if i == len(s) {
		return s
	}
	start := len(c.Arena)
	c.Arena = append(c.Arena, s[:i]...)
	for ; i < len(s); i++ {
		b := s[i]
		if b >= utf8.RuneSelf {
			m := unicode.ToLower
			if upper {
				m = unicode.ToUpper
			}
			mapString(c, s[i:], m) // appends to the arena, after the ASCII part
			return c.Arena[start:len(c.Arena):len(c.Arena)]
		}
		if b >= lo && b <= hi {
			b ^= 0x20
		}
		c.Arena = append(c.Arena, b)
	}
	return c.Arena[start:len(c.Arena):len(c.Arena)]
}

// nativeReplace is REPLACE(str, from, to): every occurrence of from
// (bytes, case-sensitive: velort's binary collation) replaced by to,
// scanning left to right; an empty from changes nothing. str itself when
// from does not occur (Nexmark q14 counts the c's of extra as the
// characters REPLACE(extra, 'c', <empty string>) removes).
func nativeReplace(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 3 {
		return compiled{}, false, nil
	}
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		s := textOf(c, v[0])
		from := textOf(c, v[1])
		if len(from) == 0 {
			return runtime.String(s)
		}
		i := bytes.Index(s, from)
		if i < 0 {
			return runtime.String(s)
		}
		to := textOf(c, v[2])
		if len(to) > len(from) {
			n := int64(bytes.Count(s, from))
			if !checkSize(c, "replace", int64(len(s))+n*int64(len(to)-len(from))) {
				return runtime.Null
			}
		}
		start := len(c.Arena)
		out := c.Arena
		for i >= 0 {
			out = append(append(out, s[:i]...), to...)
			s = s[i+len(from):]
			i = bytes.Index(s, from)
		}
		out = append(out, s...)
		c.Arena = out
		return runtime.String(out[start:len(out):len(out)])
	}), true, nil
}
