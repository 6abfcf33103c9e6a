package runtime

// MySQL's readings of strings and numbers as date-times, for comparisons
// of a TIMESTAMP with a string or a number (MySQL converts the other side
// to a DATETIME). velort's TIMESTAMP is UTC with milliseconds, so digits
// past the millisecond are truncated.

// ParseDatetime reads s as MySQL reads a string as a DATETIME:
// 'YYYY-MM-DD[ HH:MM:SS[.fraction]]' with any punctuation as delimiters and
// one- or two-digit parts ('2024-1-5 1:2:3', '2024/01/15 10.00.00'), 'T'
// between date and time, the digits-only forms 'YYYYMMDD[HHMMSS[.fraction]]'
// and 'YYMMDD[HHMMSS]' (years 70-99 are 19xx, 00-69 20xx), and velort's own
// RFC 3339 text with a zone. ok is false for anything else, including
// impossible dates ('2024-02-32') and trailing text. exact is false for a
// fuzzy date such as '2024-02-30' (see datetimeMs).
func ParseDatetime(s []byte) (ms int64, exact, ok bool) {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	if len(s) == 0 {
		return 0, false, false
	}
	if ms, why := parseRFC3339(s); why == "" {
		return ms, true, true
	}
	// Digits only (with an optional fraction): positional form.
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	if n == len(s) || (s[n] == '.' && n >= 12) {
		return parseDigitsDatetime(s[:n], s[n:])
	}
	// Delimited form: year, month, day, then optionally hour, minute, second.
	var parts [6]int64
	i, k := 0, 0
	for k < 6 {
		start := i
		for i < len(s) && isDigit(s[i]) && i-start < 4 {
			parts[k] = parts[k]*10 + int64(s[i]-'0')
			i++
		}
		if i == start || (k > 0 && i-start > 2) {
			return 0, false, false
		}
		k++
		if i == len(s) || k == 6 {
			break
		}
		switch {
		case k == 3 && (s[i] == 'T' || s[i] == ' '):
			i++
			for i < len(s) && s[i] == ' ' {
				i++
			}
		case k != 3 && isPunct(s[i]):
			i++
		default:
			return 0, false, false
		}
	}
	if k < 3 {
		return 0, false, false
	}
	frac := int64(0)
	if i < len(s) && k == 6 && s[i] == '.' {
		var ok bool
		if frac, ok = fractionMs(s[i+1:]); !ok {
			return 0, false, false
		}
		i = len(s)
	}
	if i != len(s) {
		return 0, false, false
	}
	y := parts[0]
	if i := yearDigits(s); i <= 2 {
		y = twoDigitYear(y)
	}
	return datetimeMs(y, parts[1], parts[2], parts[3], parts[4], parts[5], frac)
}

// yearDigits counts the leading digits of s.
func yearDigits(s []byte) int {
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	return n
}

// parseDigitsDatetime reads YYYYMMDD[HHMMSS] or YYMMDD[HHMMSS] and an
// optional '.fraction'.
func parseDigitsDatetime(d, rest []byte) (int64, bool, bool) {
	var y int64
	switch len(d) {
	case 8, 14:
		y = digits(d[:4])
		d = d[4:]
	case 6, 12:
		y = twoDigitYear(digits(d[:2]))
		d = d[2:]
	default:
		return 0, false, false
	}
	var hh, mi, ss int64
	if len(d) == 10 {
		hh, mi, ss = digits(d[4:6]), digits(d[6:8]), digits(d[8:10])
	}
	frac := int64(0)
	if len(rest) > 0 {
		var ok bool
		if frac, ok = fractionMs(rest[1:]); !ok {
			return 0, false, false
		}
	}
	return datetimeMs(y, digits(d[0:2]), digits(d[2:4]), hh, mi, ss, frac)
}

// NumberToDatetime reads an integer as MySQL reads a number as a DATETIME
// (number_to_datetime): YYYYMMDDHHMMSS, YYMMDDHHMMSS, YYYYMMDD or YYMMDD,
// two-digit years 70-99 as 19xx and 00-69 as 20xx, 0 as the zero date;
// fracMs is added to date-time numbers. exact is as for ParseDatetime.
func NumberToDatetime(n int64, fracMs int64) (ms int64, exact, ok bool) {
	switch {
	case n == 0: // the zero date '0000-00-00', before every instant
		return daysFromCivil(0, 1, 1) * msPerDay, false, true
	case n < 101:
		return 0, false, false
	case n <= 691231:
		n, fracMs = (n+20000000)*1000000, 0
	case n < 700101:
		return 0, false, false
	case n <= 991231:
		n, fracMs = (n+19000000)*1000000, 0
	case n < 10000101:
		return 0, false, false
	case n <= 99991231:
		n *= 1000000
		fracMs = 0 // a date number's fraction is dropped (MySQL: a note)
	case n < 101000000:
		return 0, false, false
	case n <= 691231235959:
		n += 20000000000000
	case n < 700101000000:
		return 0, false, false
	case n <= 991231235959:
		n += 19000000000000
	case n > 99991231235959:
		return 0, false, false
	}
	return datetimeMs(n/10000000000, n/100000000%100, n/1000000%100, n/10000%100, n/100%100, n%100, fracMs)
}

// datetimeMs is the instant of a date-time. MySQL compares with "fuzzy"
// dates too: a zero month or day, or a day past the month's end up to 31
// ('2024-02-30', '2024-00-00'). Such a date is no instant; every real
// instant is before or after all of it, so it is returned as the first
// real instant after it with exact == false ("just before ms").
func datetimeMs(y, mo, d, h, mi, s, frac int64) (ms int64, exact, ok bool) {
	if y > 9999 || mo > 12 || d > 31 || h > 23 || mi > 59 || s > 59 {
		return 0, false, false
	}
	switch {
	case mo == 0:
		return daysFromCivil(y, 1, 1) * msPerDay, false, true
	case d == 0:
		return daysFromCivil(y, int(mo), 1) * msPerDay, false, true
	case d > int64(daysIn(y, int(mo))):
		if mo == 12 {
			return daysFromCivil(y+1, 1, 1) * msPerDay, false, true
		}
		return daysFromCivil(y, int(mo)+1, 1) * msPerDay, false, true
	}
	days := daysFromCivil(y, int(mo), int(d))
	return days*msPerDay + ((h*60+mi)*60+s)*1000 + frac, true, true
}

// fractionMs reads the digits of a fraction of a second as milliseconds,
// truncating past the third digit.
func fractionMs(s []byte) (int64, bool) {
	if len(s) == 0 {
		return 0, true
	}
	var ms int64
	for i, ch := range s {
		if !isDigit(ch) {
			return 0, false
		}
		if i < 3 {
			ms = ms*10 + int64(ch-'0')
		}
	}
	for n := len(s); n < 3; n++ {
		ms *= 10
	}
	return ms, true
}

func digits(s []byte) int64 {
	var n int64
	for _, ch := range s {
		n = n*10 + int64(ch-'0')
	}
	return n
}

func twoDigitYear(y int64) int64 {
	if y < 70 {
		return 2000 + y
	}
	return 1900 + y
}

func isSpace(ch byte) bool { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' }

func isPunct(ch byte) bool {
	return ch > ' ' && ch < 0x7f && !isDigit(ch) && !(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z')
}

// DatetimeDecimal is a TIMESTAMP as the DECIMAL(17,3) MySQL uses for a
// DATETIME(3) in numeric context, YYYYMMDDHHMMSS.fff: the unscaled value
// at scale 3.
func DatetimeDecimal(ms int64) int64 {
	days, rem := ms/msPerDay, ms%msPerDay
	if rem < 0 {
		rem += msPerDay
		days--
	}
	y, m, d := civilFromDays(days)
	secs := rem / 1000
	whole := ((y*100+int64(m))*100+int64(d))*1000000 + secs/3600*10000 + secs/60%60*100 + secs%60
	return whole*1000 + rem%1000
}
