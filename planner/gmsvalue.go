package planner

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/shopspring/decimal"

	"github.com/velort/velort/runtime"
)

// How values of MySQL types velort has no runtime type for are written
// (docs/sql.md "Types"):
//   - DATE results are VARCHAR text 'YYYY-MM-DD', TIME results VARCHAR
//     'HH:MM:SS[.ffffff]', as MySQL writes them as text;
//   - DATETIME/TIMESTAMP results are TIMESTAMP (milliseconds);
//   - BIGINT UNSIGNED results are BIGINT; a value above 2^63-1 is an
//     error for the record (velort never writes a wrapped number);
//   - YEAR and BIT results are BIGINT.

// runtimeType maps a go-mysql-server result type to velort's.
func runtimeType(t sql.Type) (runtime.Type, uint8) {
	switch {
	case t == nil || t == types.Null:
		return runtime.TNull, 0
	case types.IsBoolean(t):
		return runtime.TBool, 0
	case types.IsJSON(t):
		return runtime.TJSON, 0
	case types.IsDecimal(t):
		return runtime.TDecimal, t.(sql.DecimalType).Scale()
	case types.IsFloat(t):
		return runtime.TDouble, 0
	case types.IsInteger(t) || types.IsYear(t) || types.IsBit(t):
		return runtime.TInt, 0
	case types.IsDateType(t) || types.IsTimespan(t):
		return runtime.TString, 0
	case types.IsTime(t):
		return runtime.TTimestamp, 0
	}
	return runtime.TString, 0
}

// resultType is the velort type of e's result when go-mysql-server
// evaluates it: boolean-valued expressions are BOOLEAN, and the functions
// whose GMS type is that of one argument (IF, IFNULL, COALESCE, CASE, ...)
// take the type MySQL gives them, common to all their branches.
func resultType(e sql.Expression) (runtime.Type, uint8) {
	if isPredicate(e) {
		return runtime.TBool, 0
	}
	var branches []sql.Expression
	switch x := e.(type) {
	case *expression.Case:
		for _, b := range x.Branches {
			branches = append(branches, b.Value)
		}
		if x.Else != nil {
			branches = append(branches, x.Else)
		}
	case sql.FunctionExpression:
		ch := x.Children()
		switch lowerName(x) {
		case "if":
			if len(ch) == 3 {
				branches = ch[1:]
			}
		case "ifnull", "nvl", "coalesce", "greatest", "least":
			branches = ch
		}
	}
	if len(branches) == 0 {
		return runtimeType(e.Type())
	}
	return unifyGMSTypes(branches)
}

// unifyGMSTypes is MySQL's result type of values of several expressions
// (IF, CASE, COALESCE): all BOOLEAN stay BOOLEAN, integers meet DECIMAL
// at DECIMAL and any DOUBLE at DOUBLE, anything mixed with text is text.
func unifyGMSTypes(es []sql.Expression) (runtime.Type, uint8) {
	t := runtime.TNull
	var scale uint8
	for _, e := range es {
		u, s := resultType(e)
		switch {
		case u == runtime.TNull:
		case t == runtime.TNull || t == u:
			t, scale = u, max(scale, s)
		case t.Numeric() || t == runtime.TBool:
			if !(u.Numeric() || u == runtime.TBool) {
				return runtime.TString, 0
			}
			switch {
			case t == runtime.TDouble || u == runtime.TDouble:
				t = runtime.TDouble
			case t == runtime.TDecimal || u == runtime.TDecimal:
				t, scale = runtime.TDecimal, max(scale, s)
			default:
				t = runtime.TInt
			}
		default:
			return runtime.TString, 0
		}
	}
	return t, scale
}

// toGMS converts a velort value to the Go value go-mysql-server expects.
func toGMS(v runtime.Value) any {
	switch v.T {
	case runtime.TBool:
		if v.I != 0 {
			return int8(1)
		}
		return int8(0)
	case runtime.TInt:
		return v.I
	case runtime.TDouble:
		return v.F
	case runtime.TDecimal:
		return decimal.New(v.I, -int32(v.Scale))
	case runtime.TString:
		return string(v.S)
	case runtime.TTimestamp:
		return time.UnixMilli(v.I).UTC()
	case runtime.TJSON:
		var doc any
		if err := json.Unmarshal(v.S, &doc); err != nil {
			return nil
		}
		return types.JSONDocument{Val: doc}
	}
	return nil
}

// errOutOfRange is MySQL's error 1690 for a value velort cannot hold.
func errOutOfRange(typ string, x any) error {
	return fmt.Errorf("%s value is out of range: %v", typ, x)
}

// fromGMS converts a go-mysql-server result to a velort value of type t,
// copying bytes into the context's arena. A value that type t cannot hold
// exactly is an error, never a truncated or wrapped number.
func fromGMS(c *runtime.Ctx, x any, t runtime.Type, scale uint8) (runtime.Value, error) {
	if x == nil {
		return runtime.Null, nil
	}
	switch t {
	case runtime.TBool:
		f, err := toFloat64(x)
		if err != nil {
			return runtime.Null, err
		}
		return runtime.Bool(f != 0), nil
	case runtime.TInt:
		n, err := exactInt(x)
		return runtime.Int(n), err
	case runtime.TDouble:
		f, err := toFloat64(x)
		return runtime.Double(f), err
	case runtime.TDecimal:
		var d decimal.Decimal
		switch n := x.(type) {
		case decimal.Decimal:
			d = n
		case string:
			p, err := decimal.NewFromString(strings.TrimSpace(n))
			if err != nil {
				f, _ := toFloat64(n)
				p = decimal.NewFromFloat(f)
			}
			d = p
		default:
			f, err := toFloat64(x)
			if err != nil {
				return runtime.Null, err
			}
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return runtime.Null, errOutOfRange("DECIMAL", f)
			}
			d = decimal.NewFromFloat(f)
		}
		u := d.Round(int32(scale)).Shift(int32(scale))
		if !u.IsInteger() || u.Cmp(maxInt64Dec) > 0 || u.Cmp(minInt64Dec) < 0 {
			return runtime.Null, errOutOfRange("DECIMAL", d)
		}
		return runtime.Decimal(u.IntPart(), scale), nil
	case runtime.TTimestamp:
		switch tm := x.(type) {
		case time.Time:
			return runtime.Timestamp(tm.UnixMilli()), nil
		case string:
			if ms, ok := gmsDatetimeMs(tm); ok {
				return runtime.Timestamp(ms), nil
			}
			return runtime.Null, fmt.Errorf("Incorrect datetime value: '%s'", tm)
		}
		return runtime.Null, fmt.Errorf("cannot convert %T to a TIMESTAMP", x)
	case runtime.TJSON:
		if w, ok := x.(sql.JSONWrapper); ok {
			doc, err := w.ToInterface()
			if err != nil {
				return runtime.Null, err
			}
			x = doc
		}
		b, err := json.Marshal(x)
		if err != nil {
			return runtime.Null, err
		}
		return runtime.Value{T: runtime.TJSON, S: arenaBytes(c, b)}, nil
	}
	return runtime.String(appendGMSText(c, x)), nil
}

var (
	maxInt64Dec = decimal.NewFromInt(math.MaxInt64)
	minInt64Dec = decimal.NewFromInt(math.MinInt64)
)

// exactInt converts an integral GMS value to int64: unsigned values above
// 2^63-1, fractions and non-finite numbers are errors.
func exactInt(x any) (int64, error) {
	switch n := x.(type) {
	case int64:
		return n, nil
	case int8:
		return int64(n), nil
	case int16:
		return int64(n), nil
	case int32:
		return int64(n), nil
	case int:
		return int64(n), nil
	case uint8:
		return int64(n), nil
	case uint16:
		return int64(n), nil
	case uint32:
		return int64(n), nil
	case uint64:
		if n > math.MaxInt64 {
			return 0, errOutOfRange("BIGINT UNSIGNED", n)
		}
		return int64(n), nil
	case uint:
		if uint64(n) > math.MaxInt64 {
			return 0, errOutOfRange("BIGINT UNSIGNED", n)
		}
		return int64(n), nil
	case bool:
		if n {
			return 1, nil
		}
		return 0, nil
	case decimal.Decimal:
		if !n.IsInteger() || n.Cmp(maxInt64Dec) > 0 || n.Cmp(minInt64Dec) < 0 {
			return 0, errOutOfRange("BIGINT", n)
		}
		return n.IntPart(), nil
	case string:
		s := strings.TrimSpace(n)
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, nil
		}
		f, _ := runtime.ParseFloatPrefix([]byte(s))
		return exactInt(f)
	case []byte:
		return exactInt(string(n))
	}
	f, err := toFloat64(x)
	if err != nil {
		return 0, err
	}
	if f != math.Trunc(f) || f >= 9223372036854775808.0 || f < -9223372036854775808.0 {
		return 0, errOutOfRange("BIGINT", formatDouble(nil, f))
	}
	return int64(f), nil
}

// appendGMSText writes a GMS value as the text MySQL gives it, into the
// arena: date-times with milliseconds (velort's TIMESTAMP is MySQL's
// DATETIME(3)), TIME as 'HH:MM:SS[.ffffff]', doubles in
// MySQL's shortest form (1e15).
func appendGMSText(c *runtime.Ctx, x any) []byte {
	start := len(c.Arena)
	switch s := x.(type) {
	case string:
		c.Arena = append(c.Arena, s...)
	case []byte:
		c.Arena = append(c.Arena, s...)
	case time.Time:
		c.Arena = s.AppendFormat(c.Arena, "2006-01-02 15:04:05.000")
	case types.Timespan:
		c.Arena = append(c.Arena, s.String()...)
	case float64:
		c.Arena = formatDouble(c.Arena, s)
	case float32:
		c.Arena = formatDouble(c.Arena, float64(s))
	case decimal.Decimal:
		if e := s.Exponent(); e < 0 {
			c.Arena = append(c.Arena, s.StringFixed(-e)...) // keep the scale: 12.50
		} else {
			c.Arena = append(c.Arena, s.String()...)
		}
	case int64:
		c.Arena = strconv.AppendInt(c.Arena, s, 10)
	case uint64:
		c.Arena = strconv.AppendUint(c.Arena, s, 10)
	case bool:
		if s {
			c.Arena = append(c.Arena, '1')
		} else {
			c.Arena = append(c.Arena, '0')
		}
	default:
		c.Arena = fmt.Append(c.Arena, x)
	}
	return c.Arena[start:len(c.Arena):len(c.Arena)]
}

// formatDouble appends f as MySQL/MariaDB write a DOUBLE as text: the
// shortest digits that round-trip, in plain notation unless the number
// is an integer of 16 or more digits or below 1e-15 (then 1e15, 1.5e-16).
func formatDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case f == 0:
		return append(dst, '0')
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	neg := e[0] == '-'
	if neg {
		e = e[1:]
	}
	k := 0
	for k < len(e) && e[k] != 'e' {
		k++
	}
	mant, exp := e[:k], e[k+1:]
	x, _ := strconv.Atoi(string(exp))
	digits := make([]byte, 0, 20)
	for _, ch := range mant {
		if ch != '.' {
			digits = append(digits, ch)
		}
	}
	n, decpt := len(digits), x+1
	plain := (decpt > 0 && decpt < n) || (n <= decpt && decpt <= 15) || (decpt <= 0 && decpt >= -14)
	if neg {
		dst = append(dst, '-')
	}
	if !plain {
		dst = append(dst, digits[0])
		if n > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'e')
		return strconv.AppendInt(dst, int64(x), 10)
	}
	switch {
	case decpt <= 0:
		dst = append(dst, "0."...)
		for i := 0; i < -decpt; i++ {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	case decpt >= n:
		dst = append(dst, digits...)
		for i := n; i < decpt; i++ {
			dst = append(dst, '0')
		}
		return dst
	}
	dst = append(dst, digits[:decpt]...)
	dst = append(dst, '.')
	return append(dst, digits[decpt:]...)
}

// gmsDatetimeMs reads 'YYYY-MM-DD[ HH:MM:SS[.fff]]' (or with a 'T'),
// returning epoch milliseconds.
func gmsDatetimeMs(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if tm, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return tm.UnixMilli(), true
		}
	}
	return 0, false
}

func toFloat64(x any) (float64, error) {
	switch n := x.(type) {
	case int8:
		return float64(n), nil
	case int16:
		return float64(n), nil
	case int32:
		return float64(n), nil
	case int64:
		return float64(n), nil
	case int:
		return float64(n), nil
	case uint8:
		return float64(n), nil
	case uint16:
		return float64(n), nil
	case uint32:
		return float64(n), nil
	case uint64:
		return float64(n), nil
	case float32:
		return float64(n), nil
	case float64:
		return n, nil
	case bool:
		if n {
			return 1, nil
		}
		return 0, nil
	case decimal.Decimal:
		f, _ := n.Float64()
		return f, nil
	case string:
		f, _ := runtime.ParseFloatPrefix([]byte(n))
		return f, nil
	case []byte:
		f, _ := runtime.ParseFloatPrefix(n)
		return f, nil
	case time.Time:
		return float64(n.UnixMilli()), nil
	}
	return math.NaN(), fmt.Errorf("cannot convert %T to a number", x)
}

func arenaString(c *runtime.Ctx, s string) []byte {
	b := c.Alloc(len(s))
	copy(b, s)
	return b
}

func arenaBytes(c *runtime.Ctx, s []byte) []byte {
	b := c.Alloc(len(s))
	copy(b, s)
	return b
}
