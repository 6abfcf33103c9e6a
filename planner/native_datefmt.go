package planner

import (
	"strconv"
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/sql"

	"github.com/velort/velort/runtime"
)

// DATE_FORMAT natively: GMS dropped the zero padding of %y and %X/%x
// for years before 1000 and could not format numbers (20240115) or
// NULL-safely; here every MySQL specifier, on velort's milliseconds.

func init() { nativeFuncs["date_format"] = nativeDateFormat }

func nativeDateFormat(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 2 {
		return compiled{}, false, nil
	}
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		ms, ok := timeArg(v[0])
		if !ok {
			return runtime.Null
		}
		f := textOf(c, v[1])
		start := len(c.Arena)
		c.Arena = appendDateFormat(c.Arena, ms, f)
		if !checkSize(c, "date_format", int64(len(c.Arena)-start)) {
			c.Arena = c.Arena[:start]
			return runtime.Null
		}
		return runtime.String(c.Arena[start:len(c.Arena):len(c.Arena)])
	}), true, nil
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

func init() { nativeFuncs["str_to_date"] = nativeStrToDate }

// nativeStrToDate refuses STR_TO_DATE with a constant format of time
// specifiers only ('%H:%i:%s'): MySQL returns a TIME ('10:30:00'),
// go-mysql-server a date-time in year -1 ('-0001-11-30 10:30:00').
// Other formats are left to go-mysql-server.
func nativeStrToDate(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	ch := f.Children()
	if len(ch) != 2 {
		return compiled{}, false, nil
	}
	fv, ok := isConst(ch[1])
	format, isStr := fv.(string)
	if !ok || !isStr {
		return compiled{}, false, nil
	}
	for i := 0; i+1 < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		if strings.IndexByte("abcDdejMmUuVvWwXxYy", format[i]) >= 0 {
			return compiled{}, false, nil // a date specifier: a DATE or DATETIME result
		}
	}
	return compiled{}, true, &nameError{"STR_TO_DATE", "STR_TO_DATE with a format of time specifiers only (" + format + ") is not supported: MySQL returns a TIME, velort's go-mysql-server a date-time; expected a format with the date ('%Y-%m-%d %H:%i:%s')"}
}
