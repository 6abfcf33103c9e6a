package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"

	"github.com/velort/velort/runtime"
)

// STR_TO_DATE natively, as MySQL 8's Item_func_str_to_date and
// extract_date_time: go-mysql-server normalized an invalid date
// ('2024-02-30' became 2024-03-01; MySQL keeps it) and gave a date-time
// for a format of time specifiers only.

func init() { nativeFuncs["str_to_date"] = nativeStrToDate }

// strToDateKind is the result type MySQL derives from a constant format
// (Item_func_str_to_date::fix_from_format).
type strToDateKind int

const (
	strToDateDate     strToDateKind = iota // DATE: velort's text 'YYYY-MM-DD'
	strToDateDatetime                      // DATETIME: a TIMESTAMP
	strToDateTime                          // TIME: velort's text 'hh:mm:ss[.ffffff]'
)

func strToDateFormatKind(format string) (kind strToDateKind, frac bool) {
	dateUsed, timeUsed := false, false
	for i := 0; i+1 < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		switch ch := format[i]; {
		case ch == 'f':
			frac, timeUsed = true, true
		case strings.IndexByte("HISThiklrs", ch) >= 0:
			timeUsed = true
		case strings.IndexByte("MVUXYWabcjmvuxyw", ch) >= 0:
			dateUsed = true
		}
	}
	switch {
	case timeUsed && dateUsed:
		return strToDateDatetime, frac
	case timeUsed:
		return strToDateTime, frac
	}
	return strToDateDate, false
}

// nativeStrToDate compiles STR_TO_DATE(s, format). With a format read
// from the record the result is a DATETIME(6) in MySQL, whatever the
// format: a TIMESTAMP here (a format of time specifiers only gives the
// zero date: NULL).
func nativeStrToDate(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	ch := f.Children()
	if len(ch) != 2 {
		return compiled{}, false, nil
	}
	kind, frac := strToDateDatetime, true // a format read from the record: DATETIME(6)
	var fbytes []byte
	fv, constFormat := isConst(ch[1])
	if !constFormat && stringFunctionsOfLiterals(ch[1]) {
		// constant to MySQL (CONCAT('%Y', '-%m')): the format decides the type
		var c runtime.Ctx
		if v := args[1].fn(&c, nil); c.Err == nil && v.T == runtime.TString {
			fv, constFormat = string(v.S), true
		} else if c.Err == nil && v.T == runtime.TNull {
			fv, constFormat = nil, true
		} else {
			return compiled{}, false, nil
		}
	} else if !constFormat && !readsColumn(ch[1]) {
		return compiled{}, false, nil // NOW(), RAND(): left to go-mysql-server
	}
	if constFormat {
		format, isStr := fv.(string)
		if fv != nil && !isStr { // a number: its text
			var c runtime.Ctx
			format = string(textOf(&c, args[1].fn(&c, nil)))
		}
		kind, frac = strToDateFormatKind(format)
		fbytes = []byte(format)
	}
	typ := runtime.TString
	if kind == strToDateDatetime {
		typ = runtime.TTimestamp
	}
	return numFunc(args, typ, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		f := fbytes
		if !constFormat {
			f = textOf(c, v[1])
		}
		var p dtParts
		if !extractDateTime(&p, textOf(c, v[0]), f, false) {
			return runtime.Null
		}
		if kind != strToDateTime && (p.year == 0 || p.month == 0 || p.day == 0) {
			return runtime.Null // NO_ZERO_DATE, NO_ZERO_IN_DATE (MySQL 8's default sql_mode)
		}
		switch kind {
		case strToDateTime:
			us := ((p.day*24+p.hour)*3600+p.minute*60+p.second)*1e6 + p.us
			fsp := 0
			if frac {
				fsp = 6
			}
			return timeResult(c, timeValue{us: us, fsp: fsp})
		case strToDateDate:
			start := len(c.Arena)
			c.Arena = pad(c.Arena, p.year, 4)
			c.Arena = append(c.Arena, '-')
			c.Arena = pad(c.Arena, p.month, 2)
			c.Arena = append(c.Arena, '-')
			c.Arena = pad(c.Arena, p.day, 2)
			return runtime.String(c.Arena[start:len(c.Arena):len(c.Arena)])
		}
		if p.day > daysInMonth(p.year, p.month) {
			c.Err = fmt.Errorf("Incorrect datetime value: '%04d-%02d-%02d %02d:%02d:%02d' for function str_to_date: velort's TIMESTAMP holds valid dates only", p.year, p.month, p.day, p.hour, p.minute, p.second)
			return runtime.Null
		}
		if p.us%1000 != 0 {
			c.Err = fmt.Errorf("STR_TO_DATE result '%04d-%02d-%02d %02d:%02d:%02d.%06d' has digits below the millisecond: velort's TIMESTAMP has millisecond precision", p.year, p.month, p.day, p.hour, p.minute, p.second, p.us)
			return runtime.Null
		}
		ms := time.Date(int(p.year), time.Month(p.month), int(p.day), int(p.hour), int(p.minute), int(p.second), 0, time.UTC).UnixMilli() + p.us/1000
		return runtime.Timestamp(ms)
	}), true, nil
}

func daysInMonth(y, m int64) int64 {
	switch m {
	case 2:
		if daysInYear(int(y)) == 366 {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// dtParts is a date-time read by STR_TO_DATE (MySQL's MYSQL_TIME).
type dtParts struct {
	year, month, day, hour, minute, second, us int64
}

func isSpaceByte(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f'
}

// strtoll10 is MySQL's my_strtoll10 over val[:limit]: spaces, a sign,
// digits; n is the bytes read, ok false without a digit or with a minus
// sign (my_strtoll10 flags a negative number with error -1, which
// extract_date_time rejects: '-0' is no hour).
func strtoll10(val []byte, limit int) (v int64, n int, ok bool) {
	s := val[:min(limit, len(val))]
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	start := i
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		v = v*10 + int64(s[i]-'0')
	}
	if i == start || neg {
		return 0, 0, false
	}
	return v, i, true
}

// year2000 is MySQL's year_2000_handling of a two-digit year.
func year2000(y int64) int64 {
	if y < 70 {
		return y + 2000
	}
	if y < 100 {
		return y + 1900
	}
	return y
}

// checkWord matches the letters at val against names (case-insensitive,
// an unambiguous prefix will do): the 1-based index and the bytes read.
func checkWord(names []string, val []byte) (int, int) {
	n := 0
	for n < len(val) && (val[n]|0x20 >= 'a' && val[n]|0x20 <= 'z') {
		n++
	}
	if n == 0 {
		return 0, 0
	}
	w := val[:n]
	found := 0
	for i, name := range names {
		if len(w) > len(name) || !asciiEqualFold(w, name[:len(w)]) {
			continue
		}
		if len(w) == len(name) {
			return i + 1, n
		}
		if found != 0 {
			return 0, 0 // ambiguous
		}
		found = i + 1
	}
	return found, n
}

var (
	monthAbbr        = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	dayNamesMonFirst = [...]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	dayAbbrMonFirst  = [...]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
	timeAMPMFormat   = []byte("%I:%i:%S %p")
	time24Format     = []byte("%H:%i:%S")
)

// extractDateTime is MySQL's extract_date_time: it reads val by format
// into p; sub is a %r or %T inside another format (no final checks).
// Text after the value is ignored (MySQL warns).
func extractDateTime(p *dtParts, val, format []byte, sub bool) bool {
	_, ok := extractDateTimeN(p, val, format, sub)
	return ok
}

func extractDateTimeN(p *dtParts, val, format []byte, sub bool) (int, bool) {
	weekday, yearday, daypart := 0, int64(0), int64(0)
	weekNumber, strictYear := int64(-1), int64(-1)
	usaTime, sundayFirst, strictWeek, strictYearSunday := false, false, false, false
	pos := 0
	for fi := 0; fi < len(format) && pos < len(val); fi++ {
		for pos < len(val) && isSpaceByte(val[pos]) {
			pos++
		}
		if pos >= len(val) {
			break
		}
		rest := val[pos:]
		if format[fi] != '%' || fi+1 == len(format) {
			if !isSpaceByte(format[fi]) {
				if val[pos] != format[fi] {
					return 0, false
				}
				pos++
			}
			continue
		}
		fi++
		var n int
		var x int64
		ok := true
		switch spec := format[fi]; spec {
		case 'Y':
			x, n, ok = strtoll10(rest, 4)
			if n <= 2 {
				x = year2000(x)
			}
			p.year = x
		case 'y':
			x, n, ok = strtoll10(rest, 2)
			p.year = year2000(x)
		case 'm', 'c':
			p.month, n, ok = strtoll10(rest, 2)
		case 'M', 'b':
			names := monthNames[:]
			if spec == 'b' {
				names = monthAbbr[:]
			}
			var m int
			if m, n = checkWord(names, rest); m <= 0 {
				return 0, false
			}
			p.month = int64(m)
		case 'd', 'e':
			p.day, n, ok = strtoll10(rest, 2)
		case 'D':
			p.day, n, ok = strtoll10(rest, 2)
			n = min(n+2, len(rest)) // 'st', 'nd', 'th'
		case 'h', 'I', 'l', 'k', 'H':
			if spec == 'h' || spec == 'I' || spec == 'l' {
				usaTime = true
			}
			p.hour, n, ok = strtoll10(rest, 2)
		case 'i':
			p.minute, n, ok = strtoll10(rest, 2)
		case 's', 'S':
			p.second, n, ok = strtoll10(rest, 2)
		case 'f':
			x, n, ok = strtoll10(rest, 6)
			for k := n; k < 6; k++ {
				x *= 10
			}
			p.us = x
		case 'p':
			if len(rest) < 2 || !usaTime {
				return 0, false
			}
			switch {
			case asciiEqualFold(rest[:2], "PM"):
				daypart = 12
			case !asciiEqualFold(rest[:2], "AM"):
				return 0, false
			}
			n = 2
		case 'W', 'a':
			names := dayNamesMonFirst[:]
			if spec == 'a' {
				names = dayAbbrMonFirst[:]
			}
			if weekday, n = checkWord(names, rest); weekday <= 0 {
				return 0, false
			}
		case 'w':
			x, n, ok = strtoll10(rest, 1)
			if !ok || x >= 7 {
				return 0, false
			}
			if weekday = int(x); weekday == 0 {
				weekday = 7
			}
		case 'j':
			yearday, n, ok = strtoll10(rest, 3)
		case 'V', 'U', 'v', 'u':
			sundayFirst = spec == 'U' || spec == 'V'
			strictWeek = spec == 'V' || spec == 'v'
			weekNumber, n, ok = strtoll10(rest, 2)
			if !ok || (strictWeek && weekNumber == 0) || weekNumber > 53 {
				return 0, false
			}
		case 'X', 'x':
			strictYearSunday = spec == 'X'
			strictYear, n, ok = strtoll10(rest, 4)
		case 'r', 'T':
			f := time24Format
			if spec == 'r' {
				f = timeAMPMFormat
			}
			if n, ok = extractDateTimeN(p, rest, f, true); !ok {
				return 0, false
			}
		case '.':
			for n < len(rest) && isPunctByte(rest[n]) {
				n++
			}
		case '@':
			for n < len(rest) && (rest[n]|0x20 >= 'a' && rest[n]|0x20 <= 'z') {
				n++
			}
		case '#':
			for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
				n++
			}
		default:
			return 0, false
		}
		if !ok {
			return 0, false
		}
		pos += n
	}
	if usaTime {
		if p.hour > 12 || p.hour < 1 {
			return 0, false
		}
		p.hour = p.hour%12 + daypart
	}
	if sub { // %r, %T: done ('01:02:03 PM' by %r is 13:02:03)
		return pos, true
	}
	if yearday > 0 {
		days := mysqlDaynr(p.year, 1, 1) + yearday - 1
		if days <= 0 || days > maxDayNumber {
			return 0, false
		}
		p.year, p.month, p.day = dateFromDaynr(days)
	}
	if weekNumber >= 0 && weekday != 0 {
		if (strictWeek && (strictYear < 0 || strictYearSunday != sundayFirst)) || (!strictWeek && strictYear >= 0) {
			return 0, false
		}
		y := p.year
		if strictWeek {
			y = strictYear
		}
		days := mysqlDaynr(y, 1, 1)
		sunday := int64(0)
		if sundayFirst {
			sunday = 1
		}
		weekdayB := (days + 5 + sunday) % 7
		if sundayFirst {
			if weekdayB != 0 {
				days += 7
			}
			days += -weekdayB + (weekNumber-1)*7 + int64(weekday%7)
		} else {
			if weekdayB > 3 {
				days += 7
			}
			days += -weekdayB + (weekNumber-1)*7 + int64(weekday-1)
		}
		if days <= 0 || days > maxDayNumber {
			return 0, false
		}
		p.year, p.month, p.day = dateFromDaynr(days)
	}
	if p.month > 12 || p.day > 31 || p.hour > 23 || p.minute > 59 || p.second > 59 {
		return 0, false
	}
	return pos, true
}

// asciiEqualFold compares b with the ASCII letters s, ignoring case,
// without allocating.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if b[i]|0x20 != s[i]|0x20 {
			return false
		}
	}
	return true
}

func isPunctByte(b byte) bool {
	return b > ' ' && b < 0x7f && !(b >= '0' && b <= '9') && !(b|0x20 >= 'a' && b|0x20 <= 'z')
}

// maxDayNumber is MySQL's MAX_DAY_NUMBER, the day number of 9999-12-31.
const maxDayNumber = 3652424

// mysqlDaynr is MySQL's calc_daynr (TO_DAYS) of a date.
func mysqlDaynr(y, m, d int64) int64 {
	if y == 0 && m == 0 {
		return 0
	}
	delsum := 365*y + 31*(m-1) + d
	if m <= 2 {
		y--
	} else {
		delsum -= (m*4 + 23) / 10
	}
	temp := (y/100 + 1) * 3 / 4
	return delsum + y/4 - temp
}

// dateFromDaynr is MySQL's get_date_from_daynr: 0000-00-00 for a day
// number in year 0.
func dateFromDaynr(dn int64) (y, m, d int64) {
	if dn <= 365 || dn >= 3652500 {
		return 0, 0, 0
	}
	t := time.UnixMilli((dn - toDaysEpoch) * msPerDay).UTC()
	yy, mm, dd := t.Date()
	return int64(yy), int64(mm), int64(dd)
}

// foldableStringFuncs are deterministic functions of their arguments: a
// call of them on literals is a constant.
var foldableStringFuncs = map[string]bool{
	"concat": true, "concat_ws": true, "lower": true, "upper": true, "lcase": true, "ucase": true,
	"replace": true, "trim": true, "ltrim": true, "rtrim": true, "left": true, "right": true,
	"substring": true, "substr": true, "repeat": true, "lpad": true, "rpad": true, "reverse": true,
}

// stringFunctionsOfLiterals reports whether e is made of literals and
// deterministic string functions only (and is no literal itself).
func stringFunctionsOfLiterals(e sql.Expression) bool {
	f, ok := e.(sql.FunctionExpression)
	if !ok || !foldableStringFuncs[lowerName(f)] {
		return false
	}
	for _, c := range f.Children() {
		if _, lit := c.(*expression.Literal); !lit && !stringFunctionsOfLiterals(c) {
			return false
		}
	}
	return true
}

// readsColumn reports whether e reads a column of the record.
func readsColumn(e sql.Expression) bool {
	found := false
	sql.Inspect(e, func(x sql.Expression) bool {
		if _, ok := x.(*expression.GetField); ok {
			found = true
		}
		return !found
	})
	return found
}
