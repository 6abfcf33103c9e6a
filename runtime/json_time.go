package runtime

const msPerDay = 86400000

// FormatTimestamp appends epoch milliseconds ms as RFC 3339 UTC with
// milliseconds, e.g. 2024-01-15T10:00:00.000Z (no quotes). Years outside
// 0000–9999 are written as Go's time package writes them.
func FormatTimestamp(dst []byte, ms int64) []byte {
	days, rem := ms/msPerDay, ms%msPerDay
	if rem < 0 {
		rem += msPerDay
		days--
	}
	y, m, d := civilFromDays(days)
	switch {
	case y < 0:
		dst = append(dst, '-')
		dst = appendPadded(dst, uint64(-y), 4)
	default:
		dst = appendPadded(dst, uint64(y), 4)
	}
	secs := rem / 1000
	dst = append(dst, '-', byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10),
		'T', byte('0'+secs/36000), byte('0'+secs/3600%10),
		':', byte('0'+secs/600%6), byte('0'+secs/60%10),
		':', byte('0'+secs%60/10), byte('0'+secs%10),
		'.', byte('0'+rem/100%10), byte('0'+rem/10%10), byte('0'+rem%10), 'Z')
	return dst
}

// appendPadded appends u in decimal, zero-padded to at least width digits.
func appendPadded(dst []byte, u uint64, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for u >= 10 || width > 1 {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
		width--
	}
	i--
	buf[i] = byte('0' + u)
	return append(dst, buf[i:]...)
}

// civilFromDays converts days since 1970-01-01 to a proleptic Gregorian
// date (H. Hinnant's algorithm).
func civilFromDays(z int64) (y int64, m, d int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// daysFromCivil is the inverse of civilFromDays.
func daysFromCivil(y int64, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := int64((m + 9) % 12)
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func daysIn(y int64, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// num2 reads two ASCII digits; ok is false if either is not a digit.
func num2(s []byte) (int, bool) {
	a, b := s[0]-'0', s[1]-'0'
	return int(a)*10 + int(b), a <= 9 && b <= 9
}

// parseRFC3339 parses an RFC 3339 date-time
// (YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM), 'T' also 't' or ' ', 'Z' also
// 'z') to epoch milliseconds, truncating digits past the millisecond.
// why is "" on success, otherwise what is wrong.
func parseRFC3339(s []byte) (ms int64, why string) {
	const bad = "not an RFC 3339 date-time"
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' ||
		(s[10] != 'T' && s[10] != 't' && s[10] != ' ') {
		return 0, bad
	}
	yh, ok1 := num2(s[0:])
	yl, ok2 := num2(s[2:])
	month, ok3 := num2(s[5:])
	day, ok4 := num2(s[8:])
	hour, ok5 := num2(s[11:])
	minute, ok6 := num2(s[14:])
	sec, ok7 := num2(s[17:])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) {
		return 0, bad
	}
	year := int64(yh*100 + yl)
	i := 19
	frac := int64(0)
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		for i < len(s) && isDigit(s[i]) {
			if i-start < 3 {
				frac = frac*10 + int64(s[i]-'0')
			}
			i++
		}
		if i == start {
			return 0, bad
		}
		for n := i - start; n < 3; n++ {
			frac *= 10
		}
	}
	if i >= len(s) {
		return 0, "missing time zone (Z or ±hh:mm)"
	}
	offset := 0
	switch s[i] {
	case 'Z', 'z':
		i++
	case '+', '-':
		if len(s)-i != 6 || s[i+3] != ':' {
			return 0, bad
		}
		oh, okh := num2(s[i+1:])
		om, okm := num2(s[i+4:])
		if !okh || !okm {
			return 0, bad
		}
		if oh > 23 || om > 59 {
			return 0, "time zone offset out of range"
		}
		offset = oh*3600 + om*60
		if s[i] == '-' {
			offset = -offset
		}
		i += 6
	default:
		return 0, bad
	}
	switch {
	case i != len(s):
		return 0, bad
	case month < 1 || month > 12:
		return 0, "month out of range"
	case day < 1 || day > daysIn(year, month):
		return 0, "day out of range"
	case hour > 23:
		return 0, "hour out of range"
	case minute > 59:
		return 0, "minute out of range"
	case sec > 59:
		return 0, "second out of range"
	}
	secs := daysFromCivil(year, month, day)*86400 + int64(hour*3600+minute*60+sec-offset)
	return secs*1000 + frac, ""
}
