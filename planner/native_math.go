package planner

import (
	"bytes"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/shopspring/decimal"

	"github.com/velort/velort/runtime"
)

// Numeric and conversion functions velort evaluates itself: GMS rounds
// before SIGN (SIGN(-0.061) was 0), turns strings it cannot parse
// strictly into NULL or 0 (MySQL reads the numeric prefix: ABS('12abc')
// is 12), prints negative BIN/HEX/CONV results from wrapped or truncated
// values, and formats numbers as text its own way.

func init() {
	for name, f := range map[string]nativeFunc{
		"sign":          nativeSign,
		"bin":           nativeConv,
		"conv":          nativeConv,
		"hex":           nativeHex,
		"reverse":       nativeReverse,
		"time":          nativeTimeOf,
		"time_to_sec":   nativeTimeOf,
		"bit_count":     nativeBitCount,
		"from_unixtime": nativeFromUnixtime,
	} {
		nativeFuncs[name] = f
	}
	// Compiled by compile_func.go for their usual argument types; these
	// take what it leaves to the fallback.
	for name, f := range map[string]nativeFunc{
		"abs":              nativeStringMath,
		"floor":            nativeStringMath,
		"ceil":             nativeStringMath,
		"ceiling":          nativeStringMath,
		"length":           nativeTextLength,
		"octet_length":     nativeTextLength,
		"char_length":      nativeTextLength,
		"character_length": nativeTextLength,
		"upper":            nativeTextCase,
		"ucase":            nativeTextCase,
		"lower":            nativeTextCase,
		"lcase":            nativeTextCase,
		"greatest":         nativeGreatest,
		"least":            nativeGreatest,
	} {
		nativeFallbackFuncs[name] = f
	}
}

func nativeSign(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 {
		return compiled{}, false, nil
	}
	return numFunc(args, runtime.TInt, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		var s int64
		switch x := v[0]; x.T {
		case runtime.TTimestamp:
			s = 1 // YYYYMMDDhhmmss of years 0000-9999 is positive
		case runtime.TInt, runtime.TBool, runtime.TDecimal:
			switch {
			case x.I > 0:
				s = 1
			case x.I < 0:
				s = -1
			}
		default:
			f := numOf(x)
			switch {
			case f > 0:
				s = 1
			case f < 0:
				s = -1
			}
		}
		return runtime.Int(s)
	}), true, nil
}

// nativeStringMath is ABS/FLOOR/CEIL of what velort's compiled versions
// do not take (strings, TIMESTAMP...): the value read as a DOUBLE
// (a string by its numeric prefix), result DOUBLE as in MySQL.
func nativeStringMath(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 || (args[0].typ != runtime.TString && args[0].typ != runtime.TTimestamp) {
		return compiled{}, false, nil
	}
	op := math.Abs
	switch lowerName(f) {
	case "floor":
		op = math.Floor
	case "ceil", "ceiling":
		op = math.Ceil
	}
	if args[0].typ == runtime.TTimestamp { // as the DECIMAL YYYYMMDDhhmmss.fff
		if lowerName(f) == "abs" {
			return numFunc(args, runtime.TDecimal, 3, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
				return tsNumber(v[0].I)
			}), true, nil
		}
		return numFunc(args, runtime.TInt, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
			return runtime.Int(int64(op(numOf(tsNumber(v[0].I)))))
		}), true, nil
	}
	return numFunc(args, runtime.TDouble, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		return runtime.Double(op(numOf(v[0])))
	}), true, nil
}

// nativeTextLength is LENGTH/CHAR_LENGTH of a non-string: of its MySQL
// text (a DOUBLE 1e16 is '1e16', a TIMESTAMP 'YYYY-MM-DD HH:MM:SS.fff').
func nativeTextLength(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 {
		return compiled{}, false, nil
	}
	name := lowerName(f)
	chars := name == "char_length" || name == "character_length"
	return numFunc(args, runtime.TInt, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		s := textOf(c, v[0])
		if chars {
			return runtime.Int(int64(utf8.RuneCount(s)))
		}
		return runtime.Int(int64(len(s)))
	}), true, nil
}

// nativeTextCase is UPPER/LOWER of a non-string: its text (VARCHAR).
func nativeTextCase(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 || args[0].typ == runtime.TJSON {
		return compiled{}, false, nil
	}
	upper := lowerName(f) == "upper" || lowerName(f) == "ucase"
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		start := len(c.Arena)
		c.Arena = appendText(c.Arena, v[0]) // ASCII only: digits, 'e', '-', ':'
		out := c.Arena[start:len(c.Arena):len(c.Arena)]
		for i, b := range out {
			switch {
			case upper && 'a' <= b && b <= 'z':
				out[i] = b - 'a' + 'A'
			case !upper && 'A' <= b && b <= 'Z':
				out[i] = b - 'A' + 'a'
			}
		}
		return runtime.String(out)
	}), true, nil
}

func nativeReverse(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 {
		return compiled{}, false, nil
	}
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		s := textOf(c, v[0])
		out := c.Alloc(len(s))
		i := len(out)
		for len(s) > 0 {
			_, w := utf8.DecodeRune(s)
			i -= w
			copy(out[i:], s[:w])
			s = s[w:]
		}
		return runtime.String(out)
	}), true, nil
}

// nativeGreatest is GREATEST/LEAST over mixed types: with a TIMESTAMP
// and strings, compared as date-times (result TIMESTAMP); numbers with
// strings compare as DOUBLE.
func nativeGreatest(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) < 2 {
		return compiled{}, false, nil
	}
	var hasTS, hasNum, hasStr bool
	for _, a := range args {
		switch a.typ {
		case runtime.TTimestamp:
			hasTS = true
		case runtime.TInt, runtime.TDouble, runtime.TDecimal, runtime.TBool:
			hasNum = true
		case runtime.TString:
			hasStr = true
		case runtime.TNull:
		default:
			return compiled{}, false, nil
		}
	}
	greatest := lowerName(f) == "greatest"
	if hasTS && hasNum {
		// MySQL and MariaDB disagree (MariaDB makes the number a
		// date-time with a warning, GMS compared them as text): refused.
		name := strings.ToUpper(lowerName(f))
		return compiled{}, true, &nameError{name, name + " of a TIMESTAMP and a number is not supported (MySQL's comparison rule for the pair is unclear): expected arguments of one kind, e.g. " + name + "(ts, CAST(x AS DATETIME)) or " + name + "(CAST(ts AS SIGNED), x)"}
	}
	better := func(a, b float64) bool { return (greatest && a > b) || (!greatest && a < b) }
	switch {
	case hasTS && !hasNum:
		return numFunc(args, runtime.TTimestamp, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
			var best int64
			for i, x := range v {
				ms, ok := timeArg(x)
				if !ok {
					return runtime.Null
				}
				if i == 0 || better(float64(ms), float64(best)) {
					best = ms
				}
			}
			return runtime.Timestamp(best)
		}), true, nil
	case hasNum && hasStr && !hasTS:
		return numFunc(args, runtime.TDouble, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
			best := numOf(v[0])
			for _, x := range v[1:] {
				if y := numOf(x); better(y, best) {
					best = y
				}
			}
			return runtime.Double(best)
		}), true, nil
	}
	return compiled{}, false, nil
}

// convDigits are the digits of bases up to 36.
const convDigits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// parseInBase reads MySQL CONV's input: leading spaces, an optional '-',
// then the longest run of digits of base |from| (saturating at 2^64-1).
// signed (from < 0) reads an int64, saturating at its bounds.
func parseInBase(s []byte, from int64) (uint64, bool) {
	base := uint64(from)
	signed := from < 0
	if signed {
		base = uint64(-from)
	}
	i := 0
	for i < len(s) && s[i] == ' ' {
		i++
	}
	neg := false
	if i < len(s) && s[i] == '-' {
		neg = true
		i++
	}
	var v uint64
	over := false
	for ; i < len(s); i++ {
		d := bytes.IndexByte([]byte(convDigits), upperASCII(s[i]))
		if d < 0 || uint64(d) >= base {
			break
		}
		if v > (math.MaxUint64-uint64(d))/base {
			over = true
		}
		v = v*base + uint64(d)
	}
	if over {
		v = math.MaxUint64
	}
	if signed {
		if neg {
			if v > 1<<63 {
				v = 1 << 63
			}
			return -v, true
		}
		if v > math.MaxInt64 {
			v = math.MaxInt64
		}
		return v, true
	}
	if neg {
		return -v, true
	}
	return v, true
}

func upperASCII(b byte) byte {
	if 'a' <= b && b <= 'z' {
		return b - 'a' + 'A'
	}
	return b
}

// nativeConv is CONV(n, from, to) and BIN(n) = CONV(n, 10, 2): n's text
// read in base from, written in base to (negative to: signed).
func nativeConv(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	bin := lowerName(f) == "bin"
	if (bin && len(args) != 1) || (!bin && len(args) != 3) {
		return compiled{}, false, nil
	}
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		from, to := int64(10), int64(2)
		if !bin {
			from, to = intOf(v[1]), intOf(v[2])
		}
		if from < -36 || from > 36 || (from > -2 && from < 2) || to < -36 || to > 36 || (to > -2 && to < 2) {
			return runtime.Null
		}
		s := textOf(c, v[0])
		if len(s) == 0 {
			return runtime.Null
		}
		n, _ := parseInBase(s, from)
		var buf [72]byte
		out := buf[:0]
		if to < 0 && int64(n) < 0 {
			out = append(out, '-')
			n = -n
			to = -to
		} else if to < 0 {
			to = -to
		}
		out = strconv.AppendUint(out, n, int(to))
		for i := range out {
			out[i] = upperASCII(out[i])
		}
		return runtime.String(arenaBytes(c, out))
	}), true, nil
}

// nativeHex is HEX(x): a string's bytes, or a number rounded to an
// integer (saturated to 64 bits, negatives as two's complement).
func nativeHex(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 {
		return compiled{}, false, nil
	}
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		x := v[0]
		var buf [20]byte
		switch x.T {
		case runtime.TString, runtime.TJSON:
			return hexOfBytes(c, x.S)
		case runtime.TDouble:
			f := math.Round(x.F)
			var u uint64
			switch {
			case f >= 18446744073709551615.0:
				u = math.MaxUint64
			case f >= 0:
				u = uint64(f)
			case f <= -9223372036854775808.0:
				u = math.MaxUint64 // MariaDB's value for out-of-range negatives
			default:
				u = uint64(int64(f))
			}
			return hexResult(c, strconv.AppendUint(buf[:0], u, 16))
		case runtime.TTimestamp: // MySQL: the hex of its text
			return hexOfBytes(c, textOf(c, x))
		}
		return hexResult(c, strconv.AppendUint(buf[:0], uint64(intOf(x)), 16))
	}), true, nil
}

func hexOfBytes(c *runtime.Ctx, s []byte) runtime.Value {
	if !checkSize(c, "hex", 2*int64(len(s))) {
		return runtime.Null
	}
	out := c.Alloc(2 * len(s))
	const hexUpper = "0123456789ABCDEF"
	for i, b := range s {
		out[2*i], out[2*i+1] = hexUpper[b>>4], hexUpper[b&15]
	}
	return runtime.String(out)
}

func hexResult(c *runtime.Ctx, b []byte) runtime.Value {
	for i := range b {
		b[i] = upperASCII(b[i])
	}
	return runtime.String(arenaBytes(c, b))
}

// nativeTimeOf is TIME(ts) and TIME_TO_SEC(ts) of a TIMESTAMP
// (MySQL's DATETIME(3): three fraction digits).
func nativeTimeOf(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) == 1 && args[0].typ == runtime.TString && lowerName(f) == "time_to_sec" {
		return numFunc(args, runtime.TInt, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
			t, ok := parseTimeText(string(v[0].S))
			if !ok {
				if ms, ok := gmsDatetimeMs(string(v[0].S)); ok { // a date-time: its time of day
					return runtime.Int((ms - floorDiv(ms, msPerDay)*msPerDay) / 1000)
				}
				return runtime.Null
			}
			if t.us%1000000 != 0 {
				c.Err = fmt.Errorf("TIME_TO_SEC('%s'): fractional seconds of a text TIME are not supported (velort returns BIGINT)", v[0].S)
				return runtime.Null
			}
			return runtime.Int(t.us / 1000000)
		}), true, nil
	}
	if len(args) != 1 || args[0].typ != runtime.TTimestamp {
		return compiled{}, false, nil
	}
	if lowerName(f) == "time_to_sec" {
		return numFunc(args, runtime.TDecimal, 3, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
			return runtime.Decimal(v[0].I-floorDiv(v[0].I, msPerDay)*msPerDay, 3)
		}), true, nil
	}
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		tod := v[0].I - floorDiv(v[0].I, msPerDay)*msPerDay
		return timeResult(c, timeValue{us: tod * 1000, fsp: 3})
	}), true, nil
}

func init() { nativeFuncs["format"] = nativeFormat }

// nativeFormat is FORMAT(x, d[, 'en_US']): x rounded to d decimals with
// ',' grouping (DOUBLE rounded on its exact binary value, as MariaDB;
// BIGINT and DECIMAL exactly, halves away from zero).
func nativeFormat(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 2 && len(args) != 3 {
		return compiled{}, false, nil
	}
	if len(args) == 3 {
		loc, ok := isConst(f.Children()[2])
		if s, isStr := loc.(string); !ok || !isStr || (s != "en_US" && s != "en_us") {
			return compiled{}, false, nil
		}
	}
	return strFunc(args[:2], func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		d := max(min(intOf(v[1]), 38), 0)
		x := v[0]
		if x.T == runtime.TTimestamp {
			x = tsNumber(x.I)
		}
		var digits []byte // plain decimal text, rounded to d places
		switch x.T {
		case runtime.TInt, runtime.TBool:
			digits = strconv.AppendInt(nil, x.I, 10)
			if d > 0 {
				digits = append(digits, '.')
				digits = append(digits, bytes.Repeat([]byte{'0'}, int(d))...)
			}
		case runtime.TDecimal:
			u, scale := x.I, int64(x.Scale)
			if d < scale {
				u = roundDecimal(u, uint8(scale-d)) // to d places, halves away from zero
				scale = d
			}
			digits = runtime.AppendValueJSON(nil, runtime.Decimal(u, uint8(scale)))
			if d > scale {
				if scale == 0 {
					digits = append(digits, '.')
				}
				digits = append(digits, bytes.Repeat([]byte{'0'}, int(d-scale))...)
			}
		default:
			fv := numOf(x)
			if math.IsInf(fv, 0) || math.IsNaN(fv) {
				return runtime.Null
			}
			digits = formatDoubleFixed(fv, d)
		}
		if !checkSize(c, "format", int64(len(digits))*4/3+1) {
			return runtime.Null
		}
		start := len(c.Arena)
		c.Arena = groupThousands(c.Arena, digits)
		return runtime.String(c.Arena[start:len(c.Arena):len(c.Arena)])
	}), true, nil
}

// formatDoubleFixed is FORMAT's text of a DOUBLE before grouping, as
// MySQL's Item_func_format: my_double_round(v, d) (2.675 is 2.68: 267.5
// rounds to even), then my_fcvt, whose dtoa mode 5 writes the shortest
// digits that read back as the rounded double, padded with zeros to d
// places (1e21 rounds to 9.999999999999999e20, written
// 999999999999999900000.00). A zero result loses its sign.
func formatDoubleFixed(v float64, d int64) []byte {
	r := roundDouble(v, d, false)
	if r == 0 {
		r = 0 // -0 is 0
	}
	digits := strconv.AppendFloat(nil, r, 'f', -1, 64)
	frac := 0
	if i := bytes.IndexByte(digits, '.'); i >= 0 {
		frac = len(digits) - i - 1
	}
	if int64(frac) > d { // more digits than d places: correctly rounded
		return strconv.AppendFloat(digits[:0], r, 'f', int(d), 64)
	}
	if d > 0 {
		if frac == 0 {
			digits = append(digits, '.')
		}
		digits = append(digits, bytes.Repeat([]byte{'0'}, int(d)-frac)...)
	}
	return digits
}

// groupThousands appends a plain decimal number with ',' between groups
// of three integer digits.
func groupThousands(dst, num []byte) []byte {
	if len(num) > 0 && num[0] == '-' {
		dst = append(dst, '-')
		num = num[1:]
	}
	intPart := num
	frac := []byte(nil)
	if i := bytes.IndexByte(num, '.'); i >= 0 {
		intPart, frac = num[:i], num[i:]
	}
	for i, ch := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, ch)
	}
	return append(dst, frac...)
}

// nativeBitCount is BIT_COUNT of MySQL's unsigned 64-bit operand.
func nativeBitCount(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 {
		return compiled{}, false, nil
	}
	return numFunc(args, runtime.TInt, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		return runtime.Int(int64(bits.OnesCount64(bitOperand(v[0]))))
	}), true, nil
}

// maxUnixtime is MySQL 8's FROM_UNIXTIME bound: 3001-01-18 23:59:59.999.
const maxUnixtimeMs = 32536771199999

// nativeFromUnixtime is FROM_UNIXTIME(seconds) as a TIMESTAMP, keeping
// milliseconds (GMS rounded to the second); a finer fraction is an error
// for the record, a negative or too large value NULL (MySQL 8's range).
func nativeFromUnixtime(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 || !(args[0].typ.Numeric() || args[0].typ == runtime.TString) {
		return compiled{}, false, nil
	}
	return numFunc(args, runtime.TTimestamp, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		var ms int64
		switch x := v[0]; x.T {
		case runtime.TInt:
			if x.I < 0 || x.I > maxUnixtimeMs/1000 {
				return runtime.Null
			}
			ms = x.I * 1000
		case runtime.TDecimal:
			if x.Scale > 3 {
				p := pow10i[x.Scale-3]
				if x.I%p != 0 {
					c.Err = fmt.Errorf("FROM_UNIXTIME: %s has digits below the millisecond (velort's TIMESTAMP)", runtime.AppendValueJSON(nil, x))
					return runtime.Null
				}
				ms = x.I / p
			} else {
				ms = x.I * pow10i[3-x.Scale]
			}
		default:
			f := numOf(x) * 1000
			r := math.Round(f)
			if math.Abs(f-r) > 1e-3 {
				c.Err = fmt.Errorf("FROM_UNIXTIME: %s has digits below the millisecond (velort's TIMESTAMP)", formatDouble(nil, numOf(x)))
				return runtime.Null
			}
			if r < 0 || r > maxUnixtimeMs {
				return runtime.Null
			}
			ms = int64(r)
		}
		if ms < 0 || ms > maxUnixtimeMs {
			return runtime.Null
		}
		return runtime.Timestamp(ms)
	}), true, nil
}

func init() {
	nativeFallbackFuncs["round"] = nativeRoundDecimal
	nativeFuncs["unix_timestamp"] = nativeUnixTimestamp
}

// nativeRoundDecimal is ROUND(x[, d]) of a DECIMAL (the compiled ROUND
// takes the other types): exact, halves away from zero, with MySQL's
// result scale — d for a constant d ≥ 0 (ROUND(2.5000, 2) is 2.50,
// ROUND(2.5, 4) is 2.5000), 0 for d < 0, x's scale for per-record d.
func nativeRoundDecimal(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) == 0 || len(args) > 2 || args[0].typ != runtime.TDecimal {
		return compiled{}, false, nil
	}
	from := int64(args[0].scale)
	scale, constD := int64(0), true
	var digits int64
	if len(args) == 2 {
		dv, ok := isConst(f.Children()[1])
		if !ok || dv == nil {
			constD = false
			scale = from
		} else {
			var scratch runtime.Ctx
			digits = roundDigits(args[1].fn(&scratch, nil))
			scale = max(min(digits, 30), 0)
		}
	}
	if scale > 18 {
		return compiled{}, false, nil // beyond velort's DECIMAL(18)
	}
	errRange := fmt.Errorf("DECIMAL value is out of range in '%s'", exprText(f))
	return numFunc(args, runtime.TDecimal, uint8(scale), func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		d := digits
		if !constD {
			d = roundDigits(v[1])
		}
		u := v[0].I
		// Round to d fraction digits, in units of the input's scale.
		if d < from {
			if d >= 0 {
				u = roundDecimal(u, uint8(from-d)) * pow10i[from-d]
			} else {
				n, ok := roundInt(roundDecimal(u, uint8(from)), d)
				if !ok || (from > 0 && (n > math.MaxInt64/pow10i[from] || n < math.MinInt64/pow10i[from])) {
					c.Err = errRange
					return runtime.Null
				}
				u = n * pow10i[from]
			}
		}
		// Express it at the result scale.
		switch {
		case scale < from:
			u /= pow10i[from-scale]
		case scale > from:
			p := pow10i[scale-from]
			if u > math.MaxInt64/p || u < math.MinInt64/p {
				c.Err = errRange
				return runtime.Null
			}
			u *= p
		}
		return runtime.Decimal(u, uint8(scale))
	}), true, nil
}

// nativeUnixTimestamp is UNIX_TIMESTAMP(x): of a TIMESTAMP, a DECIMAL
// with its milliseconds (MySQL gives DATETIME(3) three digits); of text
// or a number read as a date-time, seconds (NULL when not a date-time;
// an error for a fraction velort's BIGINT cannot hold). Outside MySQL
// 8's range (1970 to 3001-01-18) it is 0, as MySQL 8.
func nativeUnixTimestamp(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 {
		return compiled{}, false, nil
	}
	inRange := func(ms int64) bool { return ms >= 0 && ms <= maxUnixtimeMs }
	switch args[0].typ {
	case runtime.TTimestamp:
		return numFunc(args, runtime.TDecimal, 3, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
			if !inRange(v[0].I) {
				return runtime.Decimal(0, 3)
			}
			return runtime.Decimal(v[0].I, 3)
		}), true, nil
	case runtime.TString, runtime.TInt, runtime.TDouble, runtime.TDecimal, runtime.TBool:
		return numFunc(args, runtime.TInt, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
			ms, ok := timeArg(v[0])
			if !ok {
				return runtime.Null
			}
			if !inRange(ms) {
				return runtime.Int(0)
			}
			if ms%1000 != 0 {
				c.Err = fmt.Errorf("UNIX_TIMESTAMP(%s): a fraction of a second in text is not supported (velort returns BIGINT for text)", textOf(c, v[0]))
				return runtime.Null
			}
			return runtime.Int(ms / 1000)
		}), true, nil
	}
	return compiled{}, false, nil
}

func init() {
	nativeFuncs["pow"] = nativePowExp
	nativeFuncs["power"] = nativePowExp
	nativeFuncs["exp"] = nativePowExp
}

// nativePowExp is POW(x, y) and EXP(x): a result beyond DOUBLE (or not a
// number: POW(-8, 1/3)) is MySQL's error 1690 for the record (GMS gave
// NULL).
func nativePowExp(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	exp := lowerName(f) == "exp"
	if (exp && len(args) != 1) || (!exp && len(args) != 2) {
		return compiled{}, false, nil
	}
	errRange := runtime.OutOfRange("DOUBLE", exprText(f))
	return numFunc(args, runtime.TDouble, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		var r float64
		if exp {
			r = math.Exp(numOf(v[0]))
		} else {
			r = math.Pow(numOf(v[0]), numOf(v[1]))
		}
		if math.IsInf(r, 0) || math.IsNaN(r) {
			c.Err = errRange
			return runtime.Null
		}
		return runtime.Double(r)
	}), true, nil
}

func init() {
	nativeFuncs["radians"] = nativeDegRad
	nativeFuncs["degrees"] = nativeDegRad
}

// nativeDegRad is RADIANS(x) = x·(π/180) and DEGREES(x) = x·(180/π), as
// MySQL multiplies (GMS overflowed RADIANS(1.7e308) through x·π); a
// result beyond DOUBLE is error 1690.
func nativeDegRad(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 {
		return compiled{}, false, nil
	}
	k := math.Pi / 180
	if lowerName(f) == "degrees" {
		k = 180 / math.Pi
	}
	errRange := runtime.OutOfRange("DOUBLE", exprText(f))
	return numFunc(args, runtime.TDouble, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		r := numOf(v[0]) * k
		if math.IsInf(r, 0) {
			c.Err = errRange
			return runtime.Null
		}
		return runtime.Double(r)
	}), true, nil
}

func init() { nativeFuncs["nullif"] = nativeNullif }

// nativeNullif is NULLIF(a, b): NULL when a = b, else a. Strings compare
// byte-wise, a TIMESTAMP as a date-time, anything else as numbers
// (NULLIF('12abc', 0) is '12abc': GMS compared strictly and gave NULL).
func nativeNullif(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 2 || args[0].typ == runtime.TJSON || args[1].typ == runtime.TJSON {
		return compiled{}, false, nil
	}
	a, b := args[0].fn, args[1].fn
	return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		x, y := a(c, r), b(c, r)
		if x.T == runtime.TNull || y.T == runtime.TNull {
			return x
		}
		var eq bool
		switch {
		case x.T == runtime.TString && y.T == runtime.TString:
			eq = bytes.Equal(x.S, y.S)
		case x.T == runtime.TTimestamp || y.T == runtime.TTimestamp:
			xm, ok1 := timeArg(x)
			ym, ok2 := timeArg(y)
			eq = ok1 && ok2 && xm == ym
		case x.T == runtime.TDecimal && y.T == runtime.TDecimal:
			eq = compareDecimals(x, y) == 0
		default:
			eq = numOf(x) == numOf(y)
		}
		if eq {
			return runtime.Null
		}
		return x
	}, typ: args[0].typ, scale: args[0].scale}, true, nil
}

// compareDecimals compares two DECIMALs exactly.
func compareDecimals(x, y runtime.Value) int {
	xd := decimal.New(x.I, -int32(x.Scale))
	return xd.Cmp(decimal.New(y.I, -int32(y.Scale)))
}

func init() {
	for _, n := range []string{"ln", "log", "log2", "log10"} {
		nativeFuncs[n] = nativeLog
	}
}

// nativeLog is LN, LOG(x), LOG(b, x), LOG2 and LOG10, exact also for
// subnormal numbers (LN(5e-324) was -709.09); NULL for a non-positive
// argument or base 1, as MySQL.
func nativeLog(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	name := lowerName(f)
	if len(args) == 2 && name != "log" || len(args) == 0 || len(args) > 2 {
		return compiled{}, false, nil
	}
	return numFunc(args, runtime.TDouble, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		x := numOf(v[len(v)-1])
		if x <= 0 {
			return runtime.Null
		}
		switch {
		case len(v) == 2:
			b := numOf(v[0])
			if b <= 0 || b == 1 {
				return runtime.Null
			}
			return runtime.Double(lnExact(x) / lnExact(b))
		case name == "log2":
			return runtime.Double(math.Log2(x))
		case name == "log10":
			if x < 2.2250738585072014e-308 { // subnormal: scale into range first
				return runtime.Double(math.Log10(x*(1<<54)) - 54*math.Log10(2))
			}
			return runtime.Double(math.Log10(x))
		}
		return runtime.Double(lnExact(x))
	}), true, nil
}

// lnExact is the natural logarithm, also of subnormal numbers (Go's
// math.Log(5e-324) is -709.09, the logarithm of the smallest normal
// number; it is -744.44).
func lnExact(x float64) float64 {
	if x > 0 && x < 2.2250738585072014e-308 {
		return math.Log(x*(1<<54)) - 54*math.Ln2
	}
	return math.Log(x)
}
