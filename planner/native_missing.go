package planner

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/velort/velort/runtime"
)

// MySQL functions go-mysql-server does not have: velort registers them
// with GMS's analyzer (so that queries using them resolve and are
// type-checked, with the argument count checked at the call) and
// compiles them natively.

// missingFunc is one such function: its argument counts and GMS result
// type (from the arguments' types).
type missingFunc struct {
	minArgs, maxArgs int
	typ              func(args []sql.Expression) sql.Type
}

func textType([]sql.Expression) sql.Type    { return types.LongText }
func intType([]sql.Expression) sql.Type     { return types.Int64 }
func timeType([]sql.Expression) sql.Type    { return types.Time }
func firstType(a []sql.Expression) sql.Type { return a[0].Type() }

var missingFuncs = map[string]missingFunc{
	"truncate":    {2, 2, firstType},
	"oct":         {1, 1, textType},
	"insert":      {4, 4, textType},
	"make_set":    {2, math.MaxInt, textType},
	"export_set":  {3, 5, textType},
	"to_seconds":  {1, 1, intType},
	"makedate":    {2, 2, func([]sql.Expression) sql.Type { return types.Date }},
	"maketime":    {3, 3, timeType},
	"sec_to_time": {1, 1, timeType},
	"addtime":     {2, 2, addtimeType},
	"subtime":     {2, 2, addtimeType},
	"period_add":  {2, 2, intType},
	"period_diff": {2, 2, intType},
}

func addtimeType(a []sql.Expression) sql.Type {
	if t := a[0].Type(); types.IsTime(t) && !types.IsDateType(t) {
		return types.DatetimeMaxPrecision
	}
	return types.LongText
}

func init() {
	for name, f := range map[string]nativeFunc{
		"truncate":    nativeTruncate,
		"oct":         nativeOct,
		"make_set":    nativeMakeSet,
		"export_set":  nativeExportSet,
		"to_seconds":  nativeToSeconds,
		"makedate":    nativeMakedate,
		"maketime":    nativeMaketime,
		"sec_to_time": nativeSecToTime,
		"addtime":     nativeAddtime,
		"subtime":     nativeAddtime,
		"period_add":  nativePeriod,
		"period_diff": nativePeriod,
	} {
		nativeFuncs[name] = f
	}
}

// isMissingFunction reports whether name is one of these built-ins.
func isMissingFunction(name string) bool {
	_, ok := missingFuncs[strings.ToLower(name)]
	return ok
}

// nativeGMSFunctions registers the functions GMS lacks with its analyzer.
func nativeGMSFunctions() []sql.Function {
	out := make([]sql.Function, 0, len(missingFuncs))
	for name, m := range missingFuncs {
		out = append(out, sql.FunctionN{Name: name, Fn: func(args ...sql.Expression) (sql.Expression, error) {
			if len(args) < m.minArgs || len(args) > m.maxArgs {
				want := strconv.Itoa(m.minArgs)
				if m.maxArgs == math.MaxInt {
					want = "at least " + want
				} else if m.maxArgs != m.minArgs {
					want += " to " + strconv.Itoa(m.maxArgs)
				}
				return nil, fmt.Errorf("function %s takes %s arguments, got %d", strings.ToUpper(name), want, len(args))
			}
			return &missingCall{name: name, args: args, fn: m}, nil
		}})
	}
	return out
}

// missingCall is a call of such a function in GMS's resolved tree.
type missingCall struct {
	name string
	args []sql.Expression
	fn   missingFunc
}

var _ sql.FunctionExpression = (*missingCall)(nil)

func (m *missingCall) Resolved() bool {
	for _, a := range m.args {
		if !a.Resolved() {
			return false
		}
	}
	return true
}
func (m *missingCall) String() string {
	parts := make([]string, len(m.args))
	for i, a := range m.args {
		parts[i] = a.String()
	}
	return m.name + "(" + strings.Join(parts, ",") + ")"
}
func (m *missingCall) Type() sql.Type             { return m.fn.typ(m.args) }
func (m *missingCall) IsNullable() bool           { return true }
func (m *missingCall) FunctionName() string       { return m.name }
func (m *missingCall) Description() string        { return "MySQL's " + m.name + ", evaluated by velort" }
func (m *missingCall) Children() []sql.Expression { return m.args }
func (m *missingCall) WithChildren(ch ...sql.Expression) (sql.Expression, error) {
	return &missingCall{name: m.name, args: ch, fn: m.fn}, nil
}
func (m *missingCall) Eval(*sql.Context, sql.Row) (any, error) {
	return nil, fmt.Errorf("%s is evaluated by velort, not go-mysql-server", m.name)
}

// numFunc builds a function of non-NULL arguments with result type t.
func numFunc(args []compiled, t runtime.Type, scale uint8, body func(c *runtime.Ctx, v []runtime.Value) runtime.Value) compiled {
	c := strFunc(args, body)
	c.typ, c.scale = t, scale
	return c
}

// nativeTruncate is TRUNCATE(x, d): x cut (toward zero) to d fraction
// digits, or to tens, hundreds... when d is negative.
func nativeTruncate(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	x := args[0]
	switch x.typ {
	case runtime.TDouble, runtime.TString:
		return numFunc(args, runtime.TDouble, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
			return runtime.Double(truncateFloat(numOf(v[0]), intOf(v[1])))
		}), true, nil
	case runtime.TInt, runtime.TBool:
		return numFunc(args, runtime.TInt, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
			return runtime.Int(truncateInt(v[0].I, intOf(v[1])))
		}), true, nil
	case runtime.TDecimal:
		scale := x.scale
		if dv, ok := isConst(f.Children()[1]); ok && dv != nil {
			if d, err := exactInt(dv); err == nil && d < int64(scale) {
				scale = uint8(max(d, 0))
			}
		}
		from := x.scale
		return numFunc(args, runtime.TDecimal, scale, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
			d := intOf(v[1])
			u := v[0].I
			// cut to d digits (in units of the input's scale), then rescale
			if cut := int64(from) - d; cut > 0 {
				if cut > 18 {
					u = 0
				} else {
					p := pow10i[cut]
					u = u / p * p
				}
			}
			return runtime.Decimal(u/pow10i[from-scale], scale)
		}), true, nil
	}
	return compiled{}, false, nil
}

func truncateFloat(x float64, d int64) float64 {
	switch {
	case d > 308:
		return x
	case d >= 0:
		p := math.Pow(10, float64(d))
		if math.IsInf(x*p, 0) {
			return x
		}
		return math.Trunc(x*p) / p
	case d < -308:
		return 0
	}
	p := math.Pow(10, float64(-d))
	return math.Trunc(x/p) * p
}

func truncateInt(x, d int64) int64 {
	if d >= 0 {
		return x
	}
	if d < -18 {
		return 0
	}
	p := pow10i[-d]
	return x / p * p
}

func nativeOct(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		n := intOf(v[0])
		if v[0].T == runtime.TDouble || v[0].T == runtime.TDecimal {
			n = int64(math.Trunc(numOf(v[0]))) // OCT truncates, as CONV does
		}
		start := len(c.Arena)
		c.Arena = strconv.AppendUint(c.Arena, uint64(n), 8)
		return runtime.String(c.Arena[start:len(c.Arena):len(c.Arena)])
	}), true, nil
}

// nativeMakeSet is MAKE_SET(bits, s1, s2, ...): the strings whose bit is
// set, comma-separated (NULL strings skipped).
func nativeMakeSet(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	fs := fns(args)
	vals := make([]runtime.Value, len(fs)-1)
	return strResult(func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		bv := fs[0](c, r)
		for i, f := range fs[1:] {
			vals[i] = f(c, r)
			if i >= 64 || bv.T == runtime.TNull || uint64(intOf(bv))&(1<<uint(i)) == 0 {
				vals[i] = runtime.Null
			}
		}
		if bv.T == runtime.TNull {
			return runtime.Null
		}
		return joinText(c, "make_set", []byte{','}, vals, true)
	}), true, nil
}

// nativeExportSet is EXPORT_SET(bits, on, off[, sep[, n]]).
func nativeExportSet(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		bits := uint64(intOf(v[0]))
		on, off, sep := textOf(c, v[1]), textOf(c, v[2]), []byte{','}
		if len(v) > 3 {
			sep = textOf(c, v[3])
		}
		n := int64(64)
		if len(v) > 4 {
			if n = intOf(v[4]); n < 0 || n > 64 {
				n = 64
			}
		}
		size := int64(max(len(on), len(off)))*n + int64(len(sep))*max(n-1, 0)
		if !checkSize(c, "export_set", size) {
			return runtime.Null
		}
		start := len(c.Arena)
		for i := int64(0); i < n; i++ {
			if i > 0 {
				c.Arena = append(c.Arena, sep...)
			}
			if bits&(1<<uint(i)) != 0 {
				c.Arena = append(c.Arena, on...)
			} else {
				c.Arena = append(c.Arena, off...)
			}
		}
		return runtime.String(c.Arena[start:len(c.Arena):len(c.Arena)])
	}), true, nil
}

// toDaysEpoch is MySQL's TO_DAYS of 1970-01-01.
const toDaysEpoch = 719528

// timeArg reads a date-time argument as epoch ms; ok is false (NULL in
// MySQL, with a warning) for text that is not a date-time.
func timeArg(v runtime.Value) (int64, bool) {
	switch v.T {
	case runtime.TTimestamp:
		return v.I, true
	case runtime.TString:
		return gmsDatetimeMs(string(v.S))
	case runtime.TInt:
		return intDatetimeMs(v.I)
	case runtime.TDouble, runtime.TDecimal, runtime.TBool:
		if t := numberArgDatetime(nil, v); t.T == runtime.TTimestamp {
			return t.I, true
		}
	}
	return 0, false
}

// intDatetimeMs reads a number as MySQL reads a date-time:
// [YY]YYMMDD or [YY]YYMMDDhhmmss, two-digit years 70-99 as 19xx and
// 00-69 as 20xx.
func intDatetimeMs(n int64) (int64, bool) {
	switch {
	case n < 101:
		return 0, false
	case n <= 691231:
		n += 20000000
	case n < 700101:
		return 0, false
	case n <= 991231:
		n += 19000000
	case n < 10000101:
		return 0, false
	case n <= 99991231:
	case n < 101000000:
		return 0, false
	case n <= 691231235959:
		n += 20000000000000
	case n < 700101000000:
		return 0, false
	case n <= 991231235959:
		n += 19000000000000
	case n < 10000101000000:
		return 0, false
	}
	var y, mo, d, h, mi, sec int64
	if n <= 99991231 {
		y, mo, d = n/10000, n/100%100, n%100
	} else {
		y, mo, d, h, mi, sec = n/10000000000, n/100000000%100, n/1000000%100, n/10000%100, n/100%100, n%100
	}
	if y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 {
		return 0, false
	}
	t := time.Date(int(y), time.Month(mo), int(d), int(h), int(mi), int(sec), 0, time.UTC)
	if t.Day() != int(d) {
		return 0, false
	}
	return t.UnixMilli(), true
}

func nativeToSeconds(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	return numFunc(args, runtime.TInt, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		ms, ok := timeArg(v[0])
		if !ok {
			return runtime.Null
		}
		return runtime.Int(floorDiv(ms, 1000) + toDaysEpoch*86400)
	}), true, nil
}

// nativeMakedate is MAKEDATE(year, dayofyear): a DATE, written as text.
func nativeMakedate(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		y, doy := intOf(v[0]), intOf(v[1])
		if doy < 1 || y < 0 || y > 9999 || doy > 3660000 {
			return runtime.Null
		}
		switch {
		case y < 70:
			y += 2000
		case y < 100:
			y += 1900
		}
		t := time.Date(int(y), 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(doy-1))
		if t.Year() > 9999 {
			return runtime.Null
		}
		start := len(c.Arena)
		c.Arena = t.AppendFormat(c.Arena, "2006-01-02")
		return runtime.String(c.Arena[start:len(c.Arena):len(c.Arena)])
	}), true, nil
}

// timeValue is a MySQL TIME: microseconds and fraction digits shown.
type timeValue struct {
	us  int64
	fsp int
}

// maxTimeUs is TIME's range: ±838:59:59.
const maxTimeUs = (838*3600 + 59*60 + 59) * 1e6

// secondsArg reads seconds with their fraction digits (as MySQL shows them).
func secondsArg(v runtime.Value) (us int64, fsp int) {
	switch v.T {
	case runtime.TInt, runtime.TBool:
		if v.I > maxTimeUs/1e6 || v.I < -maxTimeUs/1e6 {
			return clampTime(v.I), 0
		}
		return v.I * 1e6, 0
	case runtime.TDecimal:
		fsp = min(int(v.Scale), 6)
		f := float64(v.I) / pow10f[v.Scale]
		return clampTimeF(f), fsp
	}
	f := numOf(v)
	if v.T == runtime.TDouble {
		fsp = 6
	} else if i := strings.IndexByte(string(v.S), '.'); i >= 0 {
		fsp = min(len(strings.TrimSpace(string(v.S)))-i-1, 6)
	}
	return clampTimeF(f), fsp
}

func clampTime(s int64) int64 {
	if s > 0 {
		return maxTimeUs
	}
	return -maxTimeUs
}

func clampTimeF(f float64) int64 {
	us := math.Round(f * 1e6)
	switch {
	case us > maxTimeUs:
		return maxTimeUs
	case us < -maxTimeUs:
		return -maxTimeUs
	}
	return int64(us)
}

// appendTime writes a TIME as MySQL does: [-]HH:MM:SS[.f...].
func appendTime(dst []byte, t timeValue) []byte {
	us := t.us
	if us < 0 {
		dst = append(dst, '-')
		us = -us
	}
	secs := us / 1e6
	h, m, s := secs/3600, secs/60%60, secs%60
	if h < 10 {
		dst = append(dst, '0')
	}
	dst = strconv.AppendInt(dst, h, 10)
	dst = append(dst, ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+s/10), byte('0'+s%10))
	if t.fsp > 0 {
		frac := us % 1e6
		var buf [6]byte
		for i := 5; i >= 0; i-- {
			buf[i] = byte('0' + frac%10)
			frac /= 10
		}
		dst = append(dst, '.')
		dst = append(dst, buf[:t.fsp]...)
	}
	return dst
}

func timeResult(c *runtime.Ctx, t timeValue) runtime.Value {
	start := len(c.Arena)
	c.Arena = appendTime(c.Arena, t)
	return runtime.String(c.Arena[start:len(c.Arena):len(c.Arena)])
}

func nativeSecToTime(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		us, fsp := secondsArg(v[0])
		return timeResult(c, timeValue{us, fsp})
	}), true, nil
}

// nativeMaketime is MAKETIME(h, m, s): NULL when m or s is out of range.
func nativeMaketime(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		h, m := intOf(v[0]), intOf(v[1])
		sus, fsp := secondsArg(v[2])
		if m < 0 || m > 59 || sus < 0 || sus >= 60e6 {
			return runtime.Null
		}
		neg := h < 0
		if neg {
			h = -h
		}
		var us int64
		if h > 838 {
			us = maxTimeUs
		} else {
			us = min((h*3600+m*60)*1e6+sus, maxTimeUs)
		}
		if neg {
			us = -us
		}
		return timeResult(c, timeValue{us, fsp})
	}), true, nil
}

// parseTimeText reads MySQL TIME text '[-][D ]HH:MM:SS[.f]', 'MM:SS',
// or a number HHMMSS[.f].
func parseTimeText(s string) (timeValue, bool) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var days int64
	if i := strings.IndexByte(s, ' '); i > 0 {
		d, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil {
			return timeValue{}, false
		}
		days, s = d, strings.TrimSpace(s[i+1:])
	}
	frac, fsp := int64(0), 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		f := s[i+1:]
		s = s[:i]
		fsp = min(len(f), 6)
		for k := 0; k < 6; k++ {
			frac *= 10
			if k < len(f) {
				if f[k] < '0' || f[k] > '9' {
					return timeValue{}, false
				}
				frac += int64(f[k] - '0')
			}
		}
	}
	var h, m, sec int64
	parts := strings.Split(s, ":")
	nums := make([]int64, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n < 0 {
			return timeValue{}, false
		}
		nums[i] = n
	}
	switch len(nums) {
	case 1:
		n := nums[0]
		h, m, sec = n/10000, n/100%100, n%100
	case 2:
		h, m = nums[0], nums[1]
	case 3:
		h, m, sec = nums[0], nums[1], nums[2]
	default:
		return timeValue{}, false
	}
	if m > 59 || sec > 59 {
		return timeValue{}, false
	}
	us := ((days*24+h)*3600+m*60+sec)*1e6 + frac
	if neg {
		us = -us
	}
	return timeValue{us, fsp}, true
}

// nativeAddtime is ADDTIME/SUBTIME(x, t): a TIMESTAMP x moved by the
// TIME t; a TIME x (text) gives a TIME.
func nativeAddtime(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	sign := int64(1)
	if lowerName(f) == "subtime" {
		sign = -1
	}
	durOf := func(v runtime.Value) (timeValue, bool) {
		switch v.T {
		case runtime.TString:
			return parseTimeText(string(v.S))
		case runtime.TTimestamp, runtime.TNull, runtime.TJSON:
			return timeValue{}, false
		}
		var c runtime.Ctx
		return parseTimeText(string(textOf(&c, v)))
	}
	if args[0].typ == runtime.TTimestamp {
		return numFunc(args, runtime.TTimestamp, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
			d, ok := durOf(v[1])
			if !ok {
				return runtime.Null
			}
			ms := v[0].I + sign*floorDiv(d.us, 1000)
			if ms < minMs || ms > maxMs { // past 9999-12-31: NULL, as MySQL
				return runtime.Null
			}
			return runtime.Timestamp(ms)
		}), true, nil
	}
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		d, ok := durOf(v[1])
		if !ok {
			return runtime.Null
		}
		text := string(textOf(c, v[0]))
		if strings.Count(text, "-") >= 2 {
			ms, ok := gmsDatetimeMs(text)
			if !ok {
				return runtime.Null
			}
			start := len(c.Arena)
			c.Arena = appendDatetimeText(c.Arena, ms+sign*floorDiv(d.us, 1000))
			if d.fsp == 0 && !strings.Contains(text, ".") {
				c.Arena = c.Arena[:len(c.Arena)-4] // no fraction in, none out
			}
			return runtime.String(c.Arena[start:len(c.Arena):len(c.Arena)])
		}
		t, ok := parseTimeText(text)
		if !ok {
			return runtime.Null
		}
		us := t.us + sign*d.us
		us = max(min(us, maxTimeUs), -maxTimeUs)
		return timeResult(c, timeValue{us, max(t.fsp, d.fsp)})
	}), true, nil
}

// nativePeriod is PERIOD_ADD(P, N) and PERIOD_DIFF(P1, P2) over periods
// YYMM or YYYYMM.
func nativePeriod(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	diff := lowerName(f) == "period_diff"
	months := func(p int64) int64 {
		y, m := p/100, p%100
		if y < 100 {
			if y < 70 {
				y += 2000
			} else {
				y += 1900
			}
		}
		return y*12 + m - 1
	}
	return numFunc(args, runtime.TInt, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		a, b := intOf(v[0]), intOf(v[1])
		if diff {
			return runtime.Int(months(a) - months(b))
		}
		if a == 0 {
			return runtime.Int(0)
		}
		n := months(a) + b
		return runtime.Int(n/12*100 + n%12 + 1)
	}), true, nil
}
