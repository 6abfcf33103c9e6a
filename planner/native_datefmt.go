package planner

import (
	"math"
	"strconv"
	"time"

	"github.com/dolthub/go-mysql-server/sql"

	"github.com/velort/velort/runtime"
)

// DATE_FORMAT natively: GMS dropped the zero padding of %y and %X/%x
// for years before 1000 and could not format numbers (20240115) or
// NULL-safely; here every MySQL specifier, on velort's milliseconds.

func init() { nativeFuncs["date_format"] = nativeDateFormat }

func nativeDateFormat(_ *exprEnv, fe sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 2 {
		return compiled{}, false, nil
	}
	var cache dateFmtCache
	body := func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		ms, ok := timeArg(v[0])
		if !ok {
			// A number with a zero month or day (0, 1000 is 2000-10-00):
			// MySQL formats its digits where the format needs no calendar.
			parts, ok := zeroInDate(v[0])
			if !ok {
				return runtime.Null
			}
			start := len(c.Arena)
			out, done := appendZeroDateFormat(c.Arena, parts, zeroDateFrac(v[0], parts), textOf(c, v[1]))
			if !done || !checkSize(c, "date_format", int64(len(out)-start)) {
				c.Arena = out[:start]
				return runtime.Null
			}
			c.Arena = out
			return runtime.String(c.Arena[start:len(c.Arena):len(c.Arena)])
		}
		f := textOf(c, v[1])
		start := len(c.Arena)
		if text, ok := cache.get(ms, f); ok {
			c.Arena = append(c.Arena, text...)
			return runtime.String(c.Arena[start:len(c.Arena):len(c.Arena)])
		}
		c.Arena = appendDateFormat(c.Arena, ms, f)
		if !checkSize(c, "date_format", int64(len(c.Arena)-start)) {
			c.Arena = c.Arena[:start]
			return runtime.Null
		}
		cache.put(ms, f, c.Arena[start:])
		return runtime.String(c.Arena[start:len(c.Arena):len(c.Arena)])
	}
	if fe != nil {
		if ch := fe.Children(); len(ch) == 2 {
			if f := constText(ch[1]); f != nil {
				return dateFormatConst(args[0], *f, &cache, body), true, nil
			}
		}
	}
	return strFunc(args, body), true, nil
}

// dateFormatConst is DATE_FORMAT(t, 'format') with a constant format
// (Nexmark's '%Y-%m-%d' and '%H:%i'): a TIMESTAMP in the period of the
// cached text takes that text without the format being evaluated or
// compared; anything else goes through body.
func dateFormatConst(t compiled, format string, cache *dateFmtCache, body func(*runtime.Ctx, []runtime.Value) runtime.Value) compiled {
	arg, col := t.fn, t.column()
	fv := runtime.String([]byte(format))
	vals := make([]runtime.Value, 2)
	return strResult(func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		var v runtime.Value
		if col >= 0 {
			if cache.holds(&r[col]) { // (read in place: no copy of the column)
				return cache.lend()
			}
			v = r[col]
		} else if v = arg(c, r); cache.holds(&v) {
			return cache.lend()
		}
		if v.T == runtime.TNull {
			return runtime.Null
		}
		vals[0], vals[1] = v, fv
		return body(c, vals)
	})
}

// dateFmtCache keeps a DATE_FORMAT call's last result with the period of
// time it holds for: a format whose finest specifier is the day
// ('%Y-%m-%d') gives the same text for every instant of a UTC day, one
// with minutes ('%H:%i') for a minute. Records come roughly in time
// order, so most calls copy the last text instead of formatting — or,
// with a constant format, return it (lend).
type dateFmtCache struct {
	f      []byte // the format of text (owned)
	unit   int64  // the format's period in ms; 0: every millisecond differs (%f)
	period int64  // floor(ms / unit) of text
	ok     bool   // text holds a result
	text   []byte
	lo, hi int64 // the instants [lo, hi) of text's period (empty when !ok)
	lent   bool  // text was returned itself: put must not write over it
}

// holds reports whether v is a TIMESTAMP in the cached text's period.
func (k *dateFmtCache) holds(v *runtime.Value) bool {
	return v.T == runtime.TTimestamp && v.I >= k.lo && v.I < k.hi
}

// lend returns the cached text itself (no copy into the arena). A value
// that holds it stays valid: once lent, the bytes are never written again
// (put writes the next text into new memory), so lending costs one
// allocation per period, and none while periods only alternate (no hits).
func (k *dateFmtCache) lend() runtime.Value {
	k.lent = true
	return runtime.String(k.text[:len(k.text):len(k.text)])
}

// get returns the text of ms in format f when the cache holds it.
func (k *dateFmtCache) get(ms int64, f []byte) ([]byte, bool) {
	if !k.ok || k.unit == 0 || floorDiv(ms, k.unit) != k.period || string(f) != string(k.f) {
		return nil, false
	}
	return k.text, true
}

// put keeps text, the result of ms in format f.
func (k *dateFmtCache) put(ms int64, f, text []byte) {
	if string(f) != string(k.f) || !k.ok {
		k.f, k.unit = append(k.f[:0], f...), dateFmtUnit(f)
	}
	k.ok = k.unit != 0
	k.lo, k.hi = 0, 0
	if k.ok {
		if k.lent || k.text == nil { // (never nil: an empty text is a string)
			k.text, k.lent = make([]byte, 0, max(len(text), 16)), false
		}
		k.period, k.text = floorDiv(ms, k.unit), append(k.text[:0], text...)
		k.lo = k.period * k.unit
		k.hi = k.lo + k.unit
		if k.hi < k.lo { // the last period before the end of int64
			k.hi = math.MaxInt64
		}
		if ms < k.lo || ms >= k.hi { // wrapped at the start of int64
			k.lo, k.hi = 0, 0
		}
	}
}

// dateFmtUnit is the period in ms over which every specifier of f keeps
// its value (UTC: days, hours, minutes and seconds have fixed lengths),
// 0 when f shows fractions of a second.
func dateFmtUnit(f []byte) int64 {
	unit := int64(86_400_000)
	for i := 0; i+1 < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		switch f[i] {
		case 'H', 'h', 'I', 'k', 'l', 'p':
			unit = min(unit, 3_600_000)
		case 'i':
			unit = min(unit, 60_000)
		case 'S', 's', 'T', 'r':
			unit = min(unit, 1000)
		case 'f':
			return 0
		}
	}
	return unit
}

var (
	dayNames   = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	monthNames = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

func pad(dst []byte, n int64, width int) []byte {
	var buf [20]byte
	s := strconv.AppendInt(buf[:0], n, 10)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

func ordinalSuffix(d int) string {
	if d/10%10 == 1 {
		return "th"
	}
	switch d % 10 {
	case 1:
		return "st"
	case 2:
		return "nd"
	case 3:
		return "rd"
	}
	return "th"
}

// appendDateFormat formats epoch ms with MySQL's DATE_FORMAT specifiers.
func appendDateFormat(dst []byte, ms int64, f []byte) []byte {
	t := time.UnixMilli(ms).UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	frac := int64(ms - floorDiv(ms, 1000)*1000)
	wd := int(t.Weekday())
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 == len(f) {
			dst = append(dst, f[i])
			continue
		}
		i++
		switch f[i] {
		case 'a':
			dst = append(dst, dayNames[wd][:3]...)
		case 'b':
			dst = append(dst, monthNames[mo-1][:3]...)
		case 'c':
			dst = strconv.AppendInt(dst, int64(mo), 10)
		case 'D':
			dst = strconv.AppendInt(dst, int64(d), 10)
			dst = append(dst, ordinalSuffix(d)...)
		case 'd':
			dst = pad(dst, int64(d), 2)
		case 'e':
			dst = strconv.AppendInt(dst, int64(d), 10)
		case 'f':
			dst = pad(dst, frac*1000, 6)
		case 'H':
			dst = pad(dst, int64(h), 2)
		case 'h', 'I':
			dst = pad(dst, int64((h+11)%12+1), 2)
		case 'i':
			dst = pad(dst, int64(mi), 2)
		case 'j':
			dst = pad(dst, int64(t.YearDay()), 3)
		case 'k':
			dst = strconv.AppendInt(dst, int64(h), 10)
		case 'l':
			dst = strconv.AppendInt(dst, int64((h+11)%12+1), 10)
		case 'M':
			dst = append(dst, monthNames[mo-1]...)
		case 'm':
			dst = pad(dst, int64(mo), 2)
		case 'p':
			if h < 12 {
				dst = append(dst, "AM"...)
			} else {
				dst = append(dst, "PM"...)
			}
		case 'r':
			dst = pad(dst, int64((h+11)%12+1), 2)
			dst = append(dst, ':')
			dst = pad(dst, int64(mi), 2)
			dst = append(dst, ':')
			dst = pad(dst, int64(s), 2)
			if h < 12 {
				dst = append(dst, " AM"...)
			} else {
				dst = append(dst, " PM"...)
			}
		case 'S', 's':
			dst = pad(dst, int64(s), 2)
		case 'T':
			dst = pad(dst, int64(h), 2)
			dst = append(dst, ':')
			dst = pad(dst, int64(mi), 2)
			dst = append(dst, ':')
			dst = pad(dst, int64(s), 2)
		case 'U', 'u', 'V', 'v':
			mode := int64(0)
			switch f[i] {
			case 'u':
				mode = 1
			case 'V':
				mode = 2
			case 'v':
				mode = 3
			}
			b := weekMode(mode)
			if f[i] == 'V' || f[i] == 'v' {
				b |= weekYear
			}
			w, _ := calcWeek(t, b)
			dst = pad(dst, w, 2)
		case 'W':
			dst = append(dst, dayNames[wd]...)
		case 'w':
			dst = strconv.AppendInt(dst, int64(wd), 10)
		case 'X', 'x':
			mode := int64(2)
			if f[i] == 'x' {
				mode = 3
			}
			_, yr := calcWeek(t, weekMode(mode)|weekYear)
			dst = pad(dst, int64(yr), 4)
		case 'Y':
			dst = pad(dst, int64(y), 4)
		case 'y':
			dst = pad(dst, int64(y%100), 2)
		default:
			dst = append(dst, f[i]) // %% and unknown specifiers: the character
		}
	}
	return dst
}

// zeroInDate reads a number as MySQL's [YY]YYMMDD[hhmmss] whose month or
// day is zero (0 is 0000-00-00, 1000 is 2000-10-00, false is 0): the
// date-times velort's TIMESTAMP cannot hold; ok is false for the rest.
func zeroInDate(v runtime.Value) (p [6]int64, ok bool) {
	var n int64
	switch v.T {
	case runtime.TInt, runtime.TBool:
		n = v.I
	case runtime.TDecimal:
		if v.I < 0 { // -0.5 is no date-time; the DOUBLE -0 is 0
			return p, false
		}
		n = v.I / pow10i[v.Scale]
	case runtime.TDouble:
		if !(v.F >= 0 && v.F < 1e14) {
			return p, false
		}
		n = int64(v.F)
	default:
		return p, false
	}
	switch {
	case n < 0:
		return p, false
	case n == 0:
		return p, true
	case n < 101:
		return p, false
	case n <= 691231:
		n += 20000000
	case n < 700101:
		return p, false
	case n <= 991231:
		n += 19000000
	case n < 10000101:
		return p, false
	case n <= 99991231:
	case n < 101000000:
		return p, false
	case n <= 691231235959:
		n += 20000000000000
	case n < 700101000000:
		return p, false
	case n <= 991231235959:
		n += 19000000000000
	case n < 10000101000000, n > 99991231235959:
		return p, false
	}
	if n <= 99991231 {
		p = [6]int64{n / 10000, n / 100 % 100, n % 100}
	} else {
		p = [6]int64{n / 10000000000, n / 100000000 % 100, n / 1000000 % 100, n / 10000 % 100, n / 100 % 100, n % 100}
	}
	if p[1] > 12 || p[2] > 31 || p[3] > 23 || p[4] > 59 || p[5] > 59 || (p[1] != 0 && p[2] != 0) {
		return p, false
	}
	return p, true
}

// zeroDateFrac is the microseconds %f shows for a number zeroInDate
// read: the fraction of a number below 1 (0.5 is 500000, cut to 6
// digits), none for the others (1000.25 is 000000: MariaDB drops it with
// a note, MySQL warns).
func zeroDateFrac(v runtime.Value, p [6]int64) int64 {
	if p != ([6]int64{}) {
		return 0
	}
	switch v.T {
	case runtime.TDecimal:
		if v.Scale > 6 {
			return v.I / pow10i[v.Scale-6]
		}
		return v.I * pow10i[6-v.Scale]
	case runtime.TDouble:
		return int64(v.F * 1e6)
	}
	return 0
}

// appendZeroDateFormat formats a date with a zero month or day (year,
// month, day, hour, minute, second) and its fraction us with the
// specifiers that need no calendar; done is false for the others (names,
// weekdays, weeks, day of the year), left NULL.
func appendZeroDateFormat(dst []byte, p [6]int64, us int64, f []byte) ([]byte, bool) {
	y, mo, d, h, mi, s := p[0], p[1], p[2], p[3], p[4], p[5]
	h12 := (h+11)%12 + 1
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 == len(f) {
			dst = append(dst, f[i])
			continue
		}
		i++
		switch f[i] {
		case 'Y':
			dst = pad(dst, y, 4)
		case 'y':
			dst = pad(dst, y%100, 2)
		case 'm':
			dst = pad(dst, mo, 2)
		case 'c':
			dst = strconv.AppendInt(dst, mo, 10)
		case 'd':
			dst = pad(dst, d, 2)
		case 'e':
			dst = strconv.AppendInt(dst, d, 10)
		case 'D':
			dst = strconv.AppendInt(dst, d, 10)
			dst = append(dst, ordinalSuffix(int(d))...)
		case 'H':
			dst = pad(dst, h, 2)
		case 'k':
			dst = strconv.AppendInt(dst, h, 10)
		case 'h', 'I':
			dst = pad(dst, h12, 2)
		case 'l':
			dst = strconv.AppendInt(dst, h12, 10)
		case 'i':
			dst = pad(dst, mi, 2)
		case 's', 'S':
			dst = pad(dst, s, 2)
		case 'p':
			if h < 12 {
				dst = append(dst, "AM"...)
			} else {
				dst = append(dst, "PM"...)
			}
		case 'r':
			dst = appendClock(dst, h12, mi, s)
			if h < 12 {
				dst = append(dst, " AM"...)
			} else {
				dst = append(dst, " PM"...)
			}
		case 'T':
			dst = appendClock(dst, h, mi, s)
		case 'f':
			dst = pad(dst, us, 6)
		case 'a', 'b', 'j', 'M', 'U', 'u', 'V', 'v', 'W', 'w', 'X', 'x':
			return dst, false
		default: // %% and unknown specifiers: the character itself
			dst = append(dst, f[i])
		}
	}
	return dst, true
}

// appendClock appends hh:mm:ss, each part padded to two digits.
func appendClock(dst []byte, h, mi, s int64) []byte {
	dst = pad(dst, h, 2)
	dst = append(dst, ':')
	dst = pad(dst, mi, 2)
	dst = append(dst, ':')
	return pad(dst, s, 2)
}
