package conformance

import (
	"encoding/json"
	"math"
	"math/big"
	"math/bits"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/velort/velort/runtime"
)

// acceptedDiff is a difference from MariaDB that is not a bug: a
// documented velort exception (SPEC §2, docs/sql.md), or a place where
// MariaDB differs from MySQL 8 (velort follows MySQL). Nothing else may
// differ. The pattern is matched against the expression with its string
// literals blanked (nil: any expression; `when` sees the expression as written); when, if set, narrows the entry
// to the rows where it holds.
type acceptedDiff struct {
	pattern *regexp.Regexp
	// approx: velort returns DOUBLE where MySQL returns DECIMAL; the
	// value must still be equal within a relative 1e-12.
	approx bool
	when   func(expr string, row []any, v vout, m mres) bool
	reason string
}

var accepted = []acceptedDiff{
	{pattern: regexp.MustCompile(`/|\bAVG\s*\(`), approx: true,
		reason: "documented: `/` and AVG return DOUBLE in velort (MySQL: DECIMAL with div_precision_increment more digits)"},
	{pattern: regexp.MustCompile(`/`), when: quotientRoundedByMariaDB,
		reason: "documented: `/` returns DOUBLE in velort; MariaDB's DECIMAL quotient is rounded at div_precision_increment (30) decimal places, so a quotient below 1e-18 keeps fewer than 12 significant digits (1 / -9223372036854775807 is -0.000000000000000000108420217249) — velort's DOUBLE must lie within half a unit of MariaDB's last digit"},
	{when: unrepresentable,
		reason: "documented types: BIGINT is signed 64-bit and DECIMAL has p ≤ 18, so a MySQL result outside them (BIGINT UNSIGNED above 2^63−1, DECIMAL of more digits) dead-letters the record instead of a wrong number"},
	{pattern: regexp.MustCompile(`^(FLOOR|CEIL|CEILING)\(`), when: floorOutOfBigint,
		reason: "documented: FLOOR/CEIL of a DOUBLE are BIGINT in velort (MySQL: DOUBLE), so a result outside BIGINT dead-letters the record"},
	{pattern: regexp.MustCompile(`\bj\b|JSON_PRETTY`), when: sameJSONText,
		reason: "JSON as text: MariaDB stores JSON as text and returns a JSON column's text as stored, and indents JSON_PRETTY by 4; MySQL 8 (and velort) write the normalized document (`[1, 2]`, JSON_PRETTY by 2) — the documents must be equal"},
	{when: subMillisecond,
		reason: "documented: velort's TIMESTAMP has millisecond precision, so a MySQL DATETIME with digits below the millisecond dead-letters the record"},
	{when: clampedAtBigint,
		reason: "a value outside BIGINT (the row's argument, e.g. the DOUBLE 2^63 or the string '9223372036854775808') is clamped or wrapped to ±2^63 by MySQL/MariaDB without an error (the DOUBLE 2^63 compares equal to the largest BIGINT); velort dead-letters it (strict mode: never a clamped number)"},
	{pattern: regexp.MustCompile(`^(VARIANCE|VAR_POP|VAR_SAMP|STDDEV|STD|STDDEV_POP|STDDEV_SAMP)\(d\)$`), when: varianceOverflows,
		reason: "a variance of DOUBLEs beyond the DOUBLE range: MariaDB returns 0; velort writes the infinite result as null (docs: NaN and ±Inf are written null)"},
	{pattern: regexp.MustCompile(`^UNIX_TIMESTAMP\(ts\)$`), when: unixTimestampRange,
		reason: "MariaDB 10.11's UNIX_TIMESTAMP is NULL outside 1970-01-01 00:00:01 … 2038-01-19 03:14:07; MySQL 8.0.28+ computes it up to 3001-01-18 and returns 0 outside its range"},
	{pattern: regexp.MustCompile(`^CONVERT_TZ\(ts, (''|CONCAT\(LEFT\(s, 0\), ''\)), ''\)$`), when: convertTZAfter2038,
		reason: "MariaDB 10.11's CONVERT_TZ leaves a value after 2038-01-19 03:14:07 unconverted (32-bit TIMESTAMP); MySQL 8.0.28+ converts up to 3001-01-18"},
	{pattern: regexp.MustCompile(`^JSON_CONTAINS\(j, '', ''\)$`), when: func(expr string, row []any, v vout, m mres) bool {
		return expr == "JSON_CONTAINS(j, '1', '$.a')" && v.json == "null" && !m.c.null && m.c.text == "0" && jsonKeyMissing(row, "a")
	}, reason: "JSON_CONTAINS with a path the document lacks: MySQL 8 returns NULL (as velort), MariaDB 0"},
	{pattern: regexp.MustCompile(`^JSON_ARRAY_APPEND\(j, '', 4\)$`), when: func(expr string, row []any, v vout, m mres) bool {
		j, _ := row[colIndex("j")].(js)
		return expr == "JSON_ARRAY_APPEND(j, '$.b', 4)" && m.c.null && v.err == "" && jsonKeyMissing(row, "b") && jsonEqual(v.json, string(j))
	}, reason: "JSON_ARRAY_APPEND with a path the document lacks: MySQL 8 ignores the pair and returns the document (as velort), MariaDB NULL"},
	{pattern: regexp.MustCompile(`^JSON_VALID\(s\)$`), when: func(_ string, row []any, v vout, m mres) bool {
		str, _ := row[colIndex("s")].(string)
		_, err := strconv.ParseFloat(str, 64)
		return v.json == "false" && m.c.text == "1" && err != nil && strings.Contains(err.Error(), "out of range") && json.Valid([]byte(str))
	}, reason: "JSON_VALID of a number beyond the DOUBLE range ('1.5e400'): MySQL 8 rejects it (\"Number too big to be stored in double\"), as velort does; MariaDB checks only the grammar"},
	{pattern: regexp.MustCompile(`^REGEXP_SUBSTR\(`), when: func(_ string, _ []any, v vout, m mres) bool {
		return v.json == "null" && !m.c.null && m.c.text == ""
	}, reason: "REGEXP_SUBSTR without a match: MariaDB returns '', MySQL 8 NULL"},
	{pattern: regexp.MustCompile(`^(d (<<|>>|&|\||\^) \d+|BIT_COUNT\(d\))$`), when: bitOpOn2p63,
		reason: "bit operations on the DOUBLE 2^63: MariaDB converts it imprecisely (2^63 >> 1 = 4611686018427388000, BIT_COUNT 3); MySQL 8 uses the exact integer 9223372036854775808"},
	{pattern: regexp.MustCompile(`^(AVG|SUM)\(d\) OVER \(PARTITION BY g ORDER BY id ROWS BETWEEN \d+ PRECEDING AND CURRENT ROW\)$`), when: exactFrame,
		reason: "MariaDB computes a sliding SUM/AVG of DOUBLEs by adding and subtracting, so a huge value leaving the frame wipes out the rest; MySQL 8 (windowing_use_high_precision, the default) does not — velort's value is the frame's own"},
	{pattern: regexp.MustCompile(`^STR_TO_DATE\(`), when: strToDateInvalidDay,
		reason: "documented: velort's TIMESTAMP holds valid dates only, so a STR_TO_DATE date-time with a day past its month's end ('2024-02-30 00:00:00', which MySQL keeps) dead-letters the record"},
	{pattern: regexp.MustCompile(`^(HOUR|MINUTE|SECOND)\(\d{11,14}\)$`), when: timeOfBadDatetimeNumber,
		reason: "HOUR/MINUTE/SECOND of a number of 11 to 14 digits that is no valid date-time (10000000000 is 2001-00-00 00:00:00): MySQL's number_to_time tries number_to_datetime, which rejects a zero month or day, and warns that the TIME is out of range (838:59:59), so velort dead-letters the record; MariaDB reads the zero date and gives its time without a warning"},
	{pattern: regexp.MustCompile(`^LOCATE\('', '', 1\)$`), when: func(expr string, _ []any, v vout, m mres) bool {
		return expr == "LOCATE('', '', 1)" && v.err == "" && v.json == "1" && !m.c.null && m.c.text == "0"
	}, reason: "LOCATE of '' at the position just past the end of the string (LOCATE('', '', 1)): MySQL's Item_func_locate::val_int tests start − 1 > length and returns the position (1), as velort; MariaDB 10.11 tests start > length and returns 0"},
	{pattern: regexp.MustCompile(`^(DATE_ADD|DATE_SUB|ADDDATE|SUBDATE)\(s, `), when: stringDateAddFraction,
		reason: "DATE_ADD/DATE_SUB of a date-time string without a fraction: MySQL 8's Item_temporal_hybrid_func::val_str_ascii writes 6 fraction digits only when the result has a nonzero fraction ('2024-01-16 10:00:00', as velort); MariaDB 10.11 writes the VARCHAR column's 6 digits ('2024-01-16 10:00:00.000000')"},
	{pattern: regexp.MustCompile(`AS FLOAT\)$`), when: func(_ string, _ []any, v vout, m mres) bool {
		return v.err == "" && !m.c.null && floatCloseTol(v.json, m.c.text, 1e-5)
	}, reason: "documented: velort's FLOAT is DOUBLE (docs/sql.md Types); MySQL's is single precision"},
}

// approxAllowed reports whether expr's DOUBLE result may be compared
// approximately with MariaDB's DECIMAL.
func approxAllowed(expr string) bool {
	e := stripStrings(expr)
	for _, a := range accepted {
		if a.approx && a.pattern.MatchString(e) {
			return true
		}
	}
	return false
}

// acceptedFor returns the accepted difference covering expr on this row,
// or nil.
func acceptedFor(expr string, row []any, v vout, m mres) *acceptedDiff {
	e := stripStrings(expr)
	for i, a := range accepted {
		if a.approx || (a.pattern != nil && !a.pattern.MatchString(e)) {
			continue
		}
		if a.when == nil || a.when(expr, row, v, m) {
			return &accepted[i]
		}
	}
	return nil
}

// unrepresentable: velort dead-letters a MariaDB value that no velort
// type holds exactly.
func unrepresentable(_ string, _ []any, v vout, m mres) bool {
	if v.err == "" || m.err != nil || m.c.null || mariaKind(m.c.typ) != "exact" {
		return false
	}
	r, ok := new(big.Rat).SetString(m.c.text)
	if !ok {
		return false
	}
	if r.IsInt() && !r.Num().IsInt64() {
		return true
	}
	if !strings.Contains(m.c.typ, "DECIMAL") {
		return false
	}
	// DECIMAL digits: integer part plus MariaDB's fraction digits.
	t := strings.TrimLeft(strings.TrimPrefix(m.c.text, "-"), "0")
	return len(strings.Replace(t, ".", "", 1)) > 18
}

func floorOutOfBigint(_ string, _ []any, v vout, m mres) bool {
	if v.err == "" || m.err != nil || m.c.null {
		return false
	}
	r, ok := new(big.Rat).SetString(m.c.text)
	return ok && !(r.IsInt() && r.Num().IsInt64())
}

func sameJSONText(_ string, _ []any, v vout, m mres) bool {
	if v.err != "" || v.typ != runtime.TString || m.c.null || mariaKind(m.c.typ) != "string" {
		return false
	}
	var s string
	return json.Unmarshal([]byte(v.json), &s) == nil && jsonEqual(s, m.c.text)
}

func unixTimestampRange(_ string, row []any, v vout, m mres) bool {
	if v.err != "" || !m.c.null {
		return false
	}
	ms, ok := row[colIndex("ts")].(tsMs)
	if !ok {
		return false
	}
	t := time.UnixMilli(int64(ms)).UTC()
	mysqlMax := time.Date(3001, 1, 18, 23, 59, 59, 999999999, time.UTC)
	if t.Before(time.Unix(1, 0)) || t.After(mysqlMax) {
		return numEqualExact(v.json, "0")
	}
	return numEqualExact(v.json, new(big.Rat).SetFrac64(int64(ms), 1000).FloatString(3))
}

// convertTZAfter2038: ts read in the constant offset from is an instant
// in MySQL 8's range but past MariaDB's, and velort shifted it from the
// first offset to the second.
func convertTZAfter2038(expr string, row []any, v vout, m mres) bool {
	ms, ok := row[colIndex("ts")].(tsMs)
	z := convertTZOffsets.FindStringSubmatch(expr)
	if !ok || z == nil || v.err != "" || v.typ != runtime.TTimestamp {
		return false
	}
	from, to := tzOffset(z[1]), tzOffset(z[2])
	u := time.UnixMilli(int64(ms)).UTC().Add(-from)
	if u.Before(time.Date(2038, 1, 19, 3, 14, 8, 0, time.UTC)) || !u.Before(time.Date(3001, 1, 19, 0, 0, 0, 0, time.UTC)) {
		return false
	}
	return v.json == u.Add(to).Format("\"2006-01-02T15:04:05.000Z\"")
}

var convertTZOffsets = regexp.MustCompile(`^CONVERT_TZ\(ts, (?:CONCAT\(LEFT\(s, 0\), )?'([+-]\d{1,2}:\d{2})'\)?, '([+-]\d{1,2}:\d{2})'\)$`)

// tzOffset reads '+05:30' as a duration.
func tzOffset(s string) time.Duration {
	h, m, _ := strings.Cut(s[1:], ":")
	hh, _ := strconv.Atoi(h)
	mm, _ := strconv.Atoi(m)
	d := time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute
	if s[0] == '-' {
		d = -d
	}
	return d
}

// strToDateInvalidDay: MariaDB's STR_TO_DATE DATETIME has a day past its
// month's end, which velort's TIMESTAMP cannot hold.
func strToDateInvalidDay(_ string, _ []any, v vout, m mres) bool {
	if !strings.Contains(v.err, "velort's TIMESTAMP holds valid dates only") || m.c.null || len(m.c.text) < 10 {
		return false
	}
	_, err := time.Parse("2006-01-02", m.c.text[:10])
	return err != nil && strings.Contains(err.Error(), "day out of range")
}

var framePreceding = regexp.MustCompile(`^(AVG|SUM)\(d\) .* ROWS BETWEEN (\d+) PRECEDING`)

// exactFrame: velort's value is the SUM/AVG of d over the row's frame
// (its partition g in id order, n preceding rows), summed directly.
func exactFrame(expr string, row []any, v vout, m mres) bool {
	f := framePreceding.FindStringSubmatch(expr)
	if f == nil || row == nil || v.err != "" || m.err != nil {
		return false
	}
	n, _ := strconv.Atoi(f[2])
	gc, dc := colIndex("g"), colIndex("d")
	var part [][]any
	for _, r := range rowsData() {
		if r[gc] == row[gc] {
			part = append(part, r)
		}
		if r[0] == row[0] {
			break
		}
	}
	if len(part) > n+1 {
		part = part[len(part)-n-1:]
	}
	sum, cnt := 0.0, 0
	for _, r := range part {
		if d, ok := r[dc].(float64); ok {
			sum += d
			cnt++
		}
	}
	if cnt == 0 {
		return false
	}
	want := sum
	if f[1] == "AVG" {
		want = sum / float64(cnt)
	}
	got, err := strconv.ParseFloat(v.json, 64)
	return err == nil && floatNear(got, want, 1e-12)
}

// bitOpOn2p63: d is 2^63 and velort's result is the exact unsigned one.
func bitOpOn2p63(expr string, row []any, v vout, m mres) bool {
	d, ok := row[colIndex("d")].(float64)
	if !ok || d != 9223372036854775808.0 || v.err != "" || m.err != nil {
		return false
	}
	const x = uint64(1) << 63
	var want uint64
	switch f := strings.Fields(expr); {
	case len(f) == 3:
		n, _ := strconv.ParseUint(f[2], 10, 64)
		switch f[1] {
		case "<<":
			want = x << n
		case ">>":
			want = x >> n
		case "&":
			want = x & n
		case "|":
			want = x | n
		case "^":
			want = x ^ n
		}
	default:
		want = uint64(bits.OnesCount64(x))
	}
	return numEqualExact(v.json, strconv.FormatUint(want, 10))
}

// subMillisecond: velort dead-letters a DATETIME result with non-zero
// digits below the millisecond.
func subMillisecond(_ string, _ []any, v vout, m mres) bool {
	if v.err == "" || m.err != nil || m.c.null || mariaKind(m.c.typ) != "temporal" {
		return false
	}
	i := strings.IndexByte(m.c.text, '.')
	return i >= 0 && len(m.c.text) > i+4 && strings.Trim(m.c.text[i+4:], "0") != ""
}

var numericPrefix = regexp.MustCompile(`^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?`)

// clampedAtBigint: velort dead-letters where MariaDB returns ±2^63(−1)
// and the expression's first column holds a value outside BIGINT.
func clampedAtBigint(expr string, row []any, v vout, m mres) bool {
	if v.err == "" || m.err != nil || row == nil || m.c.null ||
		(m.c.text != "9223372036854775807" && m.c.text != "-9223372036854775808") {
		return false
	}
	col := colRef.FindString(stripStrings(expr))
	if col == "" {
		return false
	}
	var r *big.Rat
	switch x := row[colIndex(col)].(type) {
	case float64:
		r = new(big.Rat)
		if r.SetFloat64(x) == nil {
			return false
		}
	case dec:
		r, _ = new(big.Rat).SetString(string(x))
	case string:
		if p := numericPrefix.FindString(x); p != "" {
			r, _ = new(big.Rat).SetString(strings.TrimSpace(p))
		}
	}
	if r == nil {
		return false
	}
	lo, hi := new(big.Rat).SetInt64(math.MinInt64), new(big.Rat).SetInt64(math.MaxInt64)
	return r.Cmp(lo) < 0 || r.Cmp(hi) > 0
}

// varianceOverflows: velort writes null where the group's exact variance of
// d (row carries the group key g) is beyond the DOUBLE range.
func varianceOverflows(_ string, row []any, v vout, m mres) bool {
	if v.json != "null" || m.err != nil || m.c.null || row == nil {
		return false
	}
	gc, dc := colIndex("g"), colIndex("d")
	var xs []*big.Float
	for _, r := range rowsData() {
		if d, ok := r[dc].(float64); ok && r[gc] == row[gc] {
			xs = append(xs, new(big.Float).SetPrec(2000).SetFloat64(d))
		}
	}
	if len(xs) == 0 {
		return false
	}
	mean := new(big.Float).SetPrec(2000)
	for _, x := range xs {
		mean.Add(mean, x)
	}
	mean.Quo(mean, new(big.Float).SetInt64(int64(len(xs))))
	ss := new(big.Float).SetPrec(2000)
	for _, x := range xs {
		dlt := new(big.Float).SetPrec(2000).Sub(x, mean)
		ss.Add(ss, dlt.Mul(dlt, dlt))
	}
	ss.Quo(ss, new(big.Float).SetInt64(int64(len(xs))))
	return ss.Cmp(big.NewFloat(math.MaxFloat64)) > 0
}

// jsonKeyMissing: the row's j is a document without the top-level key
// (an array, a scalar, or an object lacking it).
func jsonKeyMissing(row []any, key string) bool {
	j, ok := row[colIndex("j")].(js)
	if !ok {
		return false
	}
	var doc any
	if json.Unmarshal([]byte(j), &doc) != nil {
		return false
	}
	obj, isObj := doc.(map[string]any)
	if !isObj {
		return true
	}
	_, has := obj[key]
	return !has
}

func colIndex(name string) int {
	for i, c := range columns {
		if c.name == name {
			return i
		}
	}
	panic("no column " + name)
}

// quotientRoundedByMariaDB: velort's DOUBLE quotient is within half a unit
// of the last fraction digit of MariaDB's DECIMAL quotient (which has lost
// significant digits to that rounding).
func quotientRoundedByMariaDB(_ string, _ []any, v vout, m mres) bool {
	if v.err != "" || m.err != nil || m.c.null || m.c.typ != "DECIMAL" {
		return false
	}
	dot := strings.IndexByte(m.c.text, '.')
	if dot < 0 {
		return false
	}
	got, err1 := strconv.ParseFloat(v.json, 64)
	want, err2 := strconv.ParseFloat(m.c.text, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	half := 0.5 * math.Pow(10, -float64(len(m.c.text)-dot-1))
	return math.Abs(got-want) <= half*(1+1e-9)
}

// stringDateAddFraction: velort's text result is MariaDB's without its
// all-zero 6-digit fraction.
func stringDateAddFraction(_ string, _ []any, v vout, m mres) bool {
	var txt string
	if v.err != "" || v.typ != runtime.TString || m.c.null || json.Unmarshal([]byte(v.json), &txt) != nil {
		return false
	}
	return len(txt) == 19 && m.c.text == txt+".000000"
}

var timeOfNumberArg = regexp.MustCompile(`^(?:HOUR|MINUTE|SECOND)\((\d{11,14})\)$`)

// timeOfBadDatetimeNumber: velort dead-letters HOUR(n) for an n that
// MySQL's number_to_datetime (flags 0) rejects: n of 11-12 digits is
// YYMMDDhhmmss, a zero or invalid part fails.
func timeOfBadDatetimeNumber(expr string, _ []any, v vout, m mres) bool {
	a := timeOfNumberArg.FindStringSubmatch(expr)
	if a == nil || !strings.HasPrefix(v.err, "Incorrect TIME value") || m.err != nil || m.c.null {
		return false
	}
	n, err := strconv.ParseInt(a[1], 10, 64)
	if err != nil {
		return false
	}
	switch {
	case n <= 691231235959:
		n += 20000000000000
	case n < 700101000000:
		return true
	case n <= 991231235959:
		n += 19000000000000
	}
	mo, d := n/100000000%100, n/1000000%100
	h, mi, s := n/10000%100, n/100%100, n%100
	return mo == 0 || d == 0 || mo > 12 || d > 31 || h > 23 || mi > 59 || s > 59
}
