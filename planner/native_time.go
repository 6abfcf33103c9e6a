package planner

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"

	"github.com/velort/velort/runtime"
)

// Date-time functions velort evaluates itself: go-mysql-server drops the
// milliseconds of `ts ± INTERVAL`, adds two years for 12 months from
// December, panics on a NULL interval, counts TIMESTAMPDIFF months as 30
// days and overflows time.Duration past ±292 years (DATEDIFF,
// TIMESTAMPDIFF), and gets WEEK modes 2/3/6/7 wrong at year ends.
// velort's TIMESTAMP is epoch milliseconds (MySQL's DATETIME(3)); a
// result outside years 0000-9999 is NULL, as in MySQL.

func init() {
	for name, f := range map[string]nativeFunc{
		"date_add":      nativeDateAdd,
		"date_sub":      nativeDateAdd,
		"timestampdiff": nativeTimestampDiff,
		"datediff":      nativeDatediff,
		"week":          nativeWeek,
		"yearweek":      nativeWeek,
	} {
		nativeFuncs[name] = f
	}
}

const msPerDay = 86400000

// minMs and maxMs bound MySQL's DATETIME: 0000-01-01 .. 9999-12-31 23:59:59.999.
var (
	minMs = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	maxMs = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli() - 1
)

// intervalUnitMs gives the length of the fixed-length units.
var intervalUnitMs = map[string]int64{
	"SECOND": 1000, "MINUTE": 60000, "HOUR": 3600000, "DAY": msPerDay, "WEEK": 7 * msPerDay,
}

// intervalUnitMonths gives the length of the calendar units.
var intervalUnitMonths = map[string]int64{"MONTH": 1, "QUARTER": 3, "YEAR": 12}

// addInterval compiles t ± INTERVAL n unit over a TIMESTAMP t; ok is
// false for what it leaves to GMS (text dates, compound units).
func (env *exprEnv) addInterval(date sql.Expression, iv *expression.Interval, sign int64) (compiled, bool, error) {
	unit := strings.ToUpper(iv.Unit)
	_, fixed := intervalUnitMs[unit]
	_, months := intervalUnitMonths[unit]
	if !fixed && !months && unit != "MICROSECOND" {
		return compiled{}, false, nil
	}
	d, err := env.compile(date)
	if err != nil {
		return compiled{}, true, err
	}
	// MySQL: text in, text out; a number ([YY]YYMMDD[hhmmss]) gives a
	// DATE or DATETIME, written as text too.
	numIn := d.typ.Numeric() || d.typ == runtime.TBool
	textIn := d.typ == runtime.TString || numIn
	if d.typ != runtime.TTimestamp && d.typ != runtime.TNull && !textIn {
		return compiled{}, false, nil
	}
	dayOrMore := months || unit == "DAY" || unit == "WEEK"
	n, err := env.compile(iv.Child)
	if err != nil {
		return compiled{}, true, err
	}
	df, nf := d.fn, n.fn
	unitMs, monthsPer := intervalUnitMs[unit], intervalUnitMonths[unit]
	return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		t, amt := df(c, r), nf(c, r)
		if t.T == runtime.TNull || amt.T == runtime.TNull {
			return runtime.Null
		}
		var text []byte
		switch {
		case numIn:
			orig := t
			if t = numberArgDatetime(c, t); t.T == runtime.TNull {
				return t
			}
			if n := numOf(orig); n > 99991231 || n < 0 {
				text = []byte(":") // the number had a time part
			}
		case textIn:
			text = t.S
			ms, ok := gmsDatetimeMs(strings.TrimSpace(string(text)))
			if !ok {
				return runtime.Null
			}
			t = runtime.Timestamp(ms)
		}
		var ms int64
		switch {
		case months:
			k := intOf(amt)
			if k > 120000 || k < -120000 {
				return runtime.Null
			}
			ms = addMonths(t.I, sign*k*monthsPer)
		case unit == "MICROSECOND":
			us := intOf(amt)
			if us%1000 != 0 {
				c.Err = fmt.Errorf("INTERVAL %d MICROSECOND: velort's TIMESTAMP has millisecond precision", us)
				return runtime.Null
			}
			ms = t.I + sign*(us/1000)
		case unit == "SECOND" && (amt.T == runtime.TDouble || amt.T == runtime.TDecimal || amt.T == runtime.TString):
			f := numOf(amt) * 1000
			if math.Abs(f) > 4e14 {
				return runtime.Null
			}
			if f != math.Trunc(f) {
				c.Err = fmt.Errorf("INTERVAL %s SECOND: velort's TIMESTAMP has millisecond precision", formatDouble(nil, f/1000))
				return runtime.Null
			}
			ms = t.I + sign*int64(f)
		default:
			k := intOf(amt)
			if k > 4e14/unitMs || k < -4e14/unitMs {
				return runtime.Null
			}
			ms = t.I + sign*k*unitMs
		}
		if ms < minMs || ms > maxMs {
			return runtime.Null
		}
		if textIn { // 'YYYY-MM-DD' stays a date for day units, else a date-time
			start := len(c.Arena)
			c.Arena = appendDatetimeText(c.Arena, ms)
			switch {
			case dayOrMore && !bytes.ContainsRune(text, ':'):
				c.Arena = c.Arena[:start+10]
			case ms%1000 == 0 && !bytes.ContainsRune(text, '.'):
				c.Arena = c.Arena[:len(c.Arena)-4]
			}
			return runtime.String(c.Arena[start:len(c.Arena):len(c.Arena)])
		}
		return runtime.Timestamp(ms)
	}, typ: map[bool]runtime.Type{true: runtime.TString, false: runtime.TTimestamp}[textIn]}, true, nil
}

// addMonths adds k calendar months to epoch ms, clamping the day to the
// new month's last day (MySQL: '2024-01-31' + 1 MONTH = '2024-02-29').
func addMonths(ms, k int64) int64 {
	days, tod := floorDiv(ms, msPerDay), ms-floorDiv(ms, msPerDay)*msPerDay
	t := time.UnixMilli(days * msPerDay).UTC()
	m := int64(t.Year())*12 + int64(t.Month()) - 1 + k
	y, mo := floorDiv(m, 12), m-floorDiv(m, 12)*12+1
	d := t.Day()
	if last := daysIn(int(y), time.Month(mo)); d > last {
		d = last
	}
	return time.Date(int(y), time.Month(mo), d, 0, 0, 0, 0, time.UTC).UnixMilli() + tod
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// nativeArithmetic compiles date-time ± INTERVAL natively; ok is false
// for other arithmetic.
func (env *exprEnv) nativeArithmetic(e *expression.Arithmetic) (compiled, bool, error) {
	if iv, ok := e.RightChild.(*expression.Interval); ok && (e.Op == "+" || e.Op == "-") {
		sign := int64(1)
		if e.Op == "-" {
			sign = -1
		}
		return env.addInterval(e.LeftChild, iv, sign)
	}
	if iv, ok := e.LeftChild.(*expression.Interval); ok && e.Op == "+" {
		return env.addInterval(e.RightChild, iv, 1)
	}
	return compiled{}, false, nil
}

// nativeDateAdd is DATE_ADD/DATE_SUB (and ADDDATE/SUBDATE, which GMS
// resolves to them) of a TIMESTAMP.
func nativeDateAdd(env *exprEnv, f sql.FunctionExpression, _ []compiled) (compiled, bool, error) {
	ch := f.Children()
	if len(ch) != 2 {
		return compiled{}, false, nil
	}
	iv, ok := ch[1].(*expression.Interval)
	if !ok {
		return compiled{}, false, nil
	}
	sign := int64(1)
	if lowerName(f) == "date_sub" {
		sign = -1
	}
	return env.addInterval(ch[0], iv, sign)
}

// mysqlUnitUs gives TIMESTAMPDIFF's fixed units in microseconds.
var mysqlUnitUs = map[string]int64{
	"MICROSECOND": 1, "SECOND": 1e6, "MINUTE": 60e6, "HOUR": 3600e6, "DAY": 86400e6, "WEEK": 7 * 86400e6,
}

// nativeTimestampDiff is TIMESTAMPDIFF(unit, a, b): b - a in whole units,
// truncated toward zero; months count calendar months (a month is
// complete when b's day and time reach a's).
func nativeTimestampDiff(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 3 {
		return compiled{}, false, nil
	}
	u, ok := isConst(f.Children()[0])
	us, isStr := u.(string)
	if !ok || !isStr {
		return compiled{}, false, nil
	}
	unit := strings.ToUpper(us)
	unitUs, fixed := mysqlUnitUs[unit]
	monthsPer, cal := intervalUnitMonths[unit]
	if !fixed && !cal {
		return compiled{}, false, nil
	}
	af, bf := args[1].fn, args[2].fn
	return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		av, bv := af(c, r), bf(c, r)
		if av.T == runtime.TNull || bv.T == runtime.TNull {
			return runtime.Null
		}
		a, ok1 := timeArg(av)
		b, ok2 := timeArg(bv)
		if !ok1 || !ok2 {
			return runtime.Null
		}
		if fixed {
			return runtime.Int((b - a) * 1000 / unitUs)
		}
		return runtime.Int(monthsBetween(a, b) / monthsPer)
	}, typ: runtime.TInt}, true, nil
}

// monthsBetween is MySQL's whole calendar months from a to b.
func monthsBetween(a, b int64) int64 {
	sign := int64(1)
	if b < a {
		a, b, sign = b, a, -1
	}
	ta, tb := time.UnixMilli(a).UTC(), time.UnixMilli(b).UTC()
	m := (int64(tb.Year())*12 + int64(tb.Month())) - (int64(ta.Year())*12 + int64(ta.Month()))
	dayMs := func(t time.Time, ms int64) int64 {
		return int64(t.Day())*msPerDay + ms - floorDiv(ms, msPerDay)*msPerDay
	}
	if dayMs(tb, b) < dayMs(ta, a) {
		m--
	}
	return sign * m
}

func nativeDatediff(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 2 {
		return compiled{}, false, nil
	}
	return numFunc(args, runtime.TInt, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		a, ok1 := timeArg(v[0])
		b, ok2 := timeArg(v[1])
		if !ok1 || !ok2 {
			return runtime.Null
		}
		return runtime.Int(floorDiv(a, msPerDay) - floorDiv(b, msPerDay))
	}), true, nil
}

// WEEK/YEARWEEK modes, as MySQL's calc_week.
const (
	weekMondayFirst = 1
	weekYear        = 2
	weekFirstDay    = 4
)

func weekMode(mode int64) int {
	f := int(mode & 7)
	if f&weekMondayFirst == 0 {
		f ^= weekFirstDay
	}
	return f
}

// daynr is MySQL's day number (TO_DAYS) of a civil date.
func daynr(y int, m time.Month, d int) int64 {
	return floorDiv(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).UnixMilli(), msPerDay) + toDaysEpoch
}

func daysInYear(y int) int64 {
	if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		return 366
	}
	return 365
}

// calcWeek is MySQL's calc_week: the week number of a date and the year
// it belongs to.
func calcWeek(t time.Time, behaviour int) (week int64, year int) {
	dnr := daynr(t.Year(), t.Month(), t.Day())
	first := daynr(t.Year(), 1, 1)
	mondayFirst := behaviour&weekMondayFirst != 0
	wy := behaviour&weekYear != 0
	firstWeekday := behaviour&weekFirstDay != 0
	sunday := int64(0)
	if !mondayFirst {
		sunday = 1
	}
	weekday := (first + 5 + sunday) % 7
	year = t.Year()
	if t.Month() == 1 && int64(t.Day()) <= 7-weekday {
		if !wy && ((firstWeekday && weekday != 0) || (!firstWeekday && weekday >= 4)) {
			return 0, year
		}
		wy = true
		year--
		days := daysInYear(year)
		first -= days
		weekday = (weekday + 53*7 - days) % 7
	}
	var days int64
	if (firstWeekday && weekday != 0) || (!firstWeekday && weekday >= 4) {
		days = dnr - (first + (7 - weekday))
	} else {
		days = dnr - (first - weekday)
	}
	if wy && days >= 52*7 {
		weekday = (weekday + daysInYear(year)) % 7
		if (!firstWeekday && weekday < 4) || (firstWeekday && weekday == 0) {
			return 1, year + 1
		}
	}
	return days/7 + 1, year
}

// nativeWeek is WEEK(date[, mode]) and YEARWEEK(date[, mode]).
func nativeWeek(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 && len(args) != 2 {
		return compiled{}, false, nil
	}
	yw := lowerName(f) == "yearweek"
	return numFunc(args, runtime.TInt, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		ms, ok := timeArg(v[0])
		if !ok {
			return runtime.Null
		}
		mode := int64(0)
		if len(v) == 2 {
			mode = intOf(v[1])
		}
		b := weekMode(mode)
		if yw {
			b |= weekYear
		}
		week, year := calcWeek(time.UnixMilli(ms).UTC(), b)
		if yw {
			return runtime.Int(int64(year)*100 + week)
		}
		return runtime.Int(week)
	}), true, nil
}

func init() { nativeFuncs["from_days"] = nativeFromDays }

// nativeFromDays is FROM_DAYS(n): the DATE n days after year 0, as text;
// MySQL's '0000-00-00' below day 366 and past 9999-12-31 (GMS wrote
// years past 9999).
func nativeFromDays(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 {
		return compiled{}, false, nil
	}
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		n := intOf(v[0])
		start := len(c.Arena)
		if n < 366 || n > 3652424 {
			c.Arena = append(c.Arena, "0000-00-00"...)
		} else {
			c.Arena = time.UnixMilli((n-toDaysEpoch)*msPerDay).UTC().AppendFormat(c.Arena, "2006-01-02")
		}
		return runtime.String(c.Arena[start:len(c.Arena):len(c.Arena)])
	}), true, nil
}

func init() {
	for _, n := range []string{"year", "month", "day", "dayofmonth", "quarter"} {
		nativeFuncs[n] = nativeDatePart
	}
}

// nativeDatePart is YEAR/MONTH/DAY/DAYOFMONTH/QUARTER of a TIMESTAMP or
// a number ([YY]YYMMDD[hhmmss]; 0 is MySQL's zero date, whose parts are
// 0; another invalid number NULL). Text is left to go-mysql-server.
func nativeDatePart(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 || !(args[0].typ == runtime.TTimestamp || args[0].typ.Numeric() || args[0].typ == runtime.TBool) {
		return compiled{}, false, nil
	}
	name := lowerName(f)
	return numFunc(args, runtime.TInt, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		var y, mo, d int64
		if x := v[0]; x.T == runtime.TTimestamp {
			t := time.UnixMilli(x.I).UTC()
			y, mo, d = int64(t.Year()), int64(t.Month()), int64(t.Day())
		} else {
			var ok bool
			if y, mo, d, ok = numberDateFields(numOf(x)); !ok {
				return runtime.Null
			}
		}
		switch name {
		case "year":
			return runtime.Int(y)
		case "month":
			return runtime.Int(mo)
		case "quarter":
			return runtime.Int((mo + 2) / 3)
		}
		return runtime.Int(d)
	}), true, nil
}

func init() { nativeFuncs["extract"] = nativeExtract }

// nativeExtract is EXTRACT(unit FROM ts) of a TIMESTAMP for the single
// units (WEEK is WEEK(ts, 0), as MySQL; GMS counted ISO weeks).
func nativeExtract(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 2 || args[1].typ != runtime.TTimestamp {
		return compiled{}, false, nil
	}
	u, ok := isConst(f.Children()[0])
	us, isStr := u.(string)
	if !ok || !isStr {
		return compiled{}, false, nil
	}
	unit := strings.ToUpper(us)
	switch unit {
	case "YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND", "MICROSECOND":
	default:
		return compiled{}, false, nil
	}
	x := args[1].fn
	return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		v := x(c, r)
		if v.T == runtime.TNull {
			return v
		}
		t := time.UnixMilli(v.I).UTC()
		var n int64
		switch unit {
		case "YEAR":
			n = int64(t.Year())
		case "QUARTER":
			n = int64(t.Month()+2) / 3
		case "MONTH":
			n = int64(t.Month())
		case "WEEK":
			n, _ = calcWeek(t, weekMode(0))
		case "DAY":
			n = int64(t.Day())
		case "HOUR":
			n = int64(t.Hour())
		case "MINUTE":
			n = int64(t.Minute())
		case "SECOND":
			n = int64(t.Second())
		case "MICROSECOND":
			n = (v.I - floorDiv(v.I, 1000)*1000) * 1000
		}
		return runtime.Int(n)
	}, typ: runtime.TInt}, true, nil
}

func init() {
	for _, n := range []string{"hour", "minute", "second", "microsecond"} {
		nativeFuncs[n] = nativeTimePart
	}
}

// timeOfValue reads v as MySQL reads a TIME argument: a TIMESTAMP's time
// of day; a number as [H...]HHMMSS[.frac]; text of 12 characters or
// more as a date-time, then as a TIME ('10:30:00'), or by its numeric
// prefix ('12abc' is 00:00:12, '2024-01-15' is 00:20:24). ok is
// false when it is no time (minutes or seconds past 59, no digits).
func timeOfValue(v runtime.Value) (us int64, ok bool) {
	switch v.T {
	case runtime.TTimestamp:
		return (v.I - floorDiv(v.I, msPerDay)*msPerDay) * 1000, true
	case runtime.TString:
		s := strings.TrimSpace(string(v.S))
		// MySQL's str_to_time tries a date-time only for 12 characters
		// or more: '2024-01-15' is read by its prefix 2024 (00:20:24).
		if ms, ok := gmsDatetimeMs(s); ok && len(s) >= 12 && strings.ContainsAny(s, "-") {
			return (ms - floorDiv(ms, msPerDay)*msPerDay) * 1000, true
		}
		if strings.Contains(s, ":") {
			t, ok := parseTimeText(s)
			return t.us, ok
		}
		f, ok := runtime.ParseFloatPrefix([]byte(s))
		if !ok || strings.ContainsAny(s, "eE") {
			return 0, false
		}
		return hhmmssUs(f, false)
	}
	return hhmmssUs(numOf(v), v.T == runtime.TInt || v.T == runtime.TBool)
}

// hhmmssUs reads a number [H...]HHMMSS[.frac] as a TIME in microseconds.
// An integer past TIME's range is clamped to 838:59:59 (MariaDB); a
// DECIMAL or DOUBLE past it is no time.
func hhmmssUs(f float64, clamp bool) (int64, bool) {
	neg := f < 0
	f = math.Abs(f)
	if f > 8385959.999999 && !clamp {
		return 0, false
	}
	if f > 8385959.999999 { // past TIME's range: 838:59:59
		if neg {
			return -maxTimeUs, true
		}
		return maxTimeUs, true
	}
	n := int64(f)
	h, m, s := n/10000, n/100%100, n%100
	if m > 59 || s > 59 {
		return 0, false
	}
	us := (h*3600+m*60+s)*1e6 + int64(math.Round((f-float64(n))*1e6))
	if neg {
		us = -us
	}
	return us, true
}

// nativeTimePart is HOUR/MINUTE/SECOND/MICROSECOND of a TIMESTAMP, a
// number or text read as a TIME (GMS gave NULL for numbers and most
// text). HOUR of a TIME may pass 23.
func nativeTimePart(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 || args[0].typ == runtime.TJSON {
		return compiled{}, false, nil
	}
	name := lowerName(f)
	return numFunc(args, runtime.TInt, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		var us int64
		if x := v[0]; x.T != runtime.TString && x.T != runtime.TTimestamp && math.Abs(numOf(x)) > 8385959.999999 {
			// A number past TIME's range: from 1e10 MariaDB reads a
			// date-time (HOUR(20240115103000) is 10); otherwise it warns
			// and gives 838 for one (HOUR(1e16)), NULL for another
			// (HOUR(2147483648)): an error for the record.
			ms, ok := timeArg(x)
			if numOf(x) < 1e10 || !ok {
				c.Err = fmt.Errorf("Incorrect TIME value: '%s'", textOf(c, x))
				return runtime.Null
			}
			us = (ms - floorDiv(ms, msPerDay)*msPerDay) * 1000
		} else {
			var ok bool
			if us, ok = timeOfValue(x); !ok {
				return runtime.Null
			}
		}
		if us < 0 {
			us = -us
		}
		secs := us / 1e6
		switch name {
		case "hour":
			return runtime.Int(secs / 3600)
		case "minute":
			return runtime.Int(secs / 60 % 60)
		case "second":
			return runtime.Int(secs % 60)
		}
		return runtime.Int(us % 1e6)
	}), true, nil
}

func init() {
	nativeFuncs["timediff"] = nativeTimediff
	nativeFuncs["timestamp"] = nativeTimestampFn
	nativeFuncs["datetime"] = nativeTimestampFn // GMS resolves TIMESTAMP(x) to DATETIME(x)
}

// textFsp is the number of fraction digits written in a date-time or
// TIME text (at most 6).
func textFsp(s []byte) int {
	if i := bytes.IndexByte(s, '.'); i >= 0 {
		return min(len(bytes.TrimSpace(s[i+1:])), 6)
	}
	return 0
}

// nativeTimediff is TIMEDIFF(a, b): a - b as a TIME (clamped to
// ±838:59:59 and the fraction digits of its arguments; a TIMESTAMP has
// three). Both must be date-times or both TIMEs; else NULL (MySQL 8).
func nativeTimediff(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 2 {
		return compiled{}, false, nil
	}
	for _, a := range args {
		if a.typ != runtime.TTimestamp && a.typ != runtime.TString {
			return compiled{}, false, nil
		}
	}
	// read returns microseconds, whether it is a date-time, fraction digits.
	read := func(v runtime.Value) (int64, bool, int, bool) {
		if v.T == runtime.TTimestamp {
			return v.I * 1000, true, 3, true
		}
		s := strings.TrimSpace(string(v.S))
		if strings.Count(s, "-") >= 2 {
			ms, ok := gmsDatetimeMs(s)
			if !ok {
				return 0, false, 0, false
			}
			if fsp := textFsp(v.S); fsp > 3 {
				return 0, false, 0, false // below velort's millisecond
			}
			return ms * 1000, true, textFsp(v.S), true
		}
		t, ok := parseTimeText(s)
		return t.us, false, t.fsp, ok
	}
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		a, aDT, aFsp, ok1 := read(v[0])
		b, bDT, bFsp, ok2 := read(v[1])
		if !ok1 || !ok2 || aDT != bDT {
			return runtime.Null
		}
		fsp := max(aFsp, bFsp)
		d := a - b
		limit := int64(maxTimeUs) + (1e6 - int64(math.Pow10(6-fsp)))
		d = max(min(d, limit), -limit)
		return timeResult(c, timeValue{us: d, fsp: fsp})
	}), true, nil
}

// nativeTimestampFn is TIMESTAMP(x[, t]): x as a TIMESTAMP (text parsed,
// NULL when it is no date-time), plus the TIME t.
func nativeTimestampFn(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 && len(args) != 2 {
		return compiled{}, false, nil
	}
	if args[0].typ != runtime.TTimestamp && args[0].typ != runtime.TString {
		return compiled{}, false, nil
	}
	return numFunc(args, runtime.TTimestamp, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		ms, ok := timeArg(v[0])
		if !ok {
			return runtime.Null
		}
		if len(v) == 2 {
			t, ok := parseTimeText(string(textOf(c, v[1])))
			if !ok {
				return runtime.Null
			}
			ms += floorDiv(t.us, 1000)
		}
		if ms < minMs || ms > maxMs {
			return runtime.Null
		}
		return runtime.Timestamp(ms)
	}), true, nil
}

// numberDateFields reads the date fields of a number as MySQL does,
// allowing zero parts (1000 is 2000-10-00, a number below 1 the zero date
// 0000-00-00); ok is false when it is no date.
func numberDateFields(f float64) (y, mo, d int64, ok bool) {
	if f < 0 || f >= 1e14 || math.IsNaN(f) {
		return 0, 0, 0, false
	}
	n := int64(f)
	switch {
	case n == 0:
		return 0, 0, 0, true
	case n < 101:
		return 0, 0, 0, false
	case n <= 691231:
		n += 20000000
	case n < 700101:
		return 0, 0, 0, false
	case n <= 991231:
		n += 19000000
	case n < 10000101:
		return 0, 0, 0, false
	case n <= 99991231:
	case n < 101000000:
		return 0, 0, 0, false
	case n <= 691231235959:
		n += 20000000000000
	case n < 700101000000:
		return 0, 0, 0, false
	case n <= 991231235959:
		n += 19000000000000
	case n < 10000101000000:
		return 0, 0, 0, false
	}
	if n > 99991231 {
		h, mi, s := n/10000%100, n/100%100, n%100
		if h > 23 || mi > 59 || s > 59 {
			return 0, 0, 0, false
		}
		n /= 1000000
	}
	y, mo, d = n/10000, n/100%100, n%100
	if mo > 12 || d > 31 {
		return 0, 0, 0, false
	}
	return y, mo, d, true
}
