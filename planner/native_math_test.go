package planner

import (
	"strings"
	"testing"
)

// TestNativeMathAndText: SIGN, CONV/BIN/HEX, REVERSE/UPPER/LENGTH of
// numbers, GREATEST/LEAST of mixed types, TIME/TIME_TO_SEC of a
// TIMESTAMP, strings read by their numeric prefix, and GMS-evaluated
// string functions given MySQL's text of a DOUBLE or TIMESTAMP (values
// from MariaDB).
func TestNativeMathAndText(t *testing.T) {
	runFbCases(t, []fbCase{
		{"SIGN(d)", fbRec, `-1`},
		{"SIGN(m)", fbRec, `1`},
		{"SIGN(' 42')", fbRec, `1`},
		{"ABS('12abc')", fbRec, `12`},
		{"FLOOR('-1.5x')", fbRec, `-2`},
		{"ABS('-1.5e400')", fbRec, `1.7976931348623157e+308`},
		{"FORMAT('1.5e400', 0) = FORMAT(1.7976931348623157e308, 0)", fbRec, `true`},
		{"BIN(-1)", fbRec, `"1111111111111111111111111111111111111111111111111111111111111111"`},
		{"BIN(2.7)", fbRec, `"10"`},
		{"HEX(-0.061e0)", fbRec, `"0"`},
		{"HEX(1e21)", fbRec, `"FFFFFFFFFFFFFFFF"`},
		{"HEX(2.5)", fbRec, `"3"`},
		{"HEX('ab')", fbRec, `"6162"`},
		{"CONV(' 42', 16, 10)", fbRec, `"66"`},
		{"CONV('-12.5e1', 16, 10)", fbRec, `"18446744073709551598"`},
		{"CONV('-12.5e1', 10, 36)", fbRec, `"3W5E11264SGS4"`},
		{"CONV('-ff', -16, 10)", fbRec, `"18446744073709551361"`},
		{"CONV('', 16, 10)", fbRec, `null`},
		{"REVERSE(-7)", fbRec, `"7-"`},
		{"REVERSE(s)", fbRec, `"dlröw olleH"`},
		{"UPPER(i)", fbRec, `"-5"`},
		{"LENGTH(1e16)", fbRec, `4`},
		{"CHAR_LENGTH(ts)", fbRec, `23`},
		{"TIME(ts)", fbRec, `"22:30:00.123"`},
		{"TIME_TO_SEC(ts)", fbRec, `81000.123`},
		{"GREATEST(ts, '2024-01-01')", fbRec, `"2024-01-01T00:00:00.000Z"`},
		{"LEAST(i, s)", fbRec, `-5`},
		{"GREATEST(1, 'a', 2.5)", fbRec, `2.5`},
		{"IF('12abc', 1, 0)", fbRec, `1`},
		{"'12abc' IS TRUE", fbRec, `true`},
		{"SHA1(d)", fbRec, `"aa031e228c2ab90d43fb896ffe3c64133eae42d8"`},
		{"MD5(ts)", fbRec, `"2cc49fb6b0aa70462fe61b99542ea437"`},
	})
}

// TestNativeCastAndFormat: CAST of strings reads their numeric prefix
// (GMS gave 0), a TIMESTAMP cast to a number is YYYYMMDDhhmmss, to
// DATETIME drops the fraction, to DATE/TIME is MySQL's text; FORMAT is
// exact for BIGINT/DECIMAL (GMS went through float64: 9,223,...,616) and
// TIMESTAMP values compute as MySQL's numbers (values from MariaDB).
func TestNativeCastAndFormat(t *testing.T) {
	runFbCases(t, []fbCase{
		{"CAST('12abc' AS SIGNED)", fbRec, `12`},
		{"CAST('1e3' AS SIGNED)", fbRec, `1`},
		{"CAST(' 42' AS UNSIGNED)", fbRec, `42`},
		{"CAST('12abc' AS DOUBLE)", fbRec, `12`},
		{"CAST(d AS FLOAT)", fbRec, `-0.061`},
		{"CAST(0.1 AS FLOAT)", fbRec, `0.1`},
		{"CAST(1e-50 AS FLOAT)", fbRec, `0`},
		{"CAST(16777217 AS FLOAT)", fbRec, `16777216`},
		{"CAST('1e39' AS FLOAT)", fbRec, `ERR: FLOAT value is out of range in 'convert('1e39', float)'`},
		{"CAST(ts AS SIGNED)", fbRec, `20231231223000`},
		{"CAST(ts AS DATETIME)", fbRec, `"2023-12-31T22:30:00.000Z"`},
		{"CAST(ts AS DATE)", fbRec, `"2023-12-31"`},
		{"CAST(ts AS TIME)", fbRec, `"22:30:00"`},
		{"CAST(123.456 AS DATETIME)", fbRec, `"2000-01-23T00:00:00.000Z"`},
		{"CAST(20240115.5 AS DATE)", fbRec, `"2024-01-15"`},
		{"CAST('12abc' AS TIME)", fbRec, `"00:00:12"`},
		{"CAST('3.5' AS TIME)", fbRec, `"00:00:03"`},
		{"CAST('2024-01-15 10:00:00' AS TIME)", fbRec, `"10:00:00"`},
		{"CAST('abc' AS TIME)", fbRec, `null`},
		{"CAST('10:30:00.25' AS TIME(2))", fbRec, `"10:30:00.25"`},
		{"FORMAT(1234567.891e0, 2)", fbRec, `"1,234,567.89"`},
		{"FORMAT(0.125e0, 2)", fbRec, `"0.12"`},
		{"FORMAT(-1234.5, 0)", fbRec, `"-1,235"`},
		{"FORMAT(9223372036854775807, 3)", fbRec, `"9,223,372,036,854,775,807.000"`},
		{"FORMAT(m, 3)", fbRec, `"12.500"`},
		{"FORMAT('12abc', 1)", fbRec, `"12.0"`},
		{"FORMAT(123456789, 2, 'de_DE')", fbRec, `"123.456.789,00"`},
		{"SIGN(ts)", fbRec, `1`},
		{"ABS(ts)", fbRec, `20231231223000.123`},
		{"IF(ts, 'y', 'n')", fbRec, `"y"`},
		{"IFNULL(m, 'z')", fbRec, `"12.50"`},
		{"COALESCE(ts, 0)", fbRec, `"2023-12-31 22:30:00.123"`},
		{"UPPER(1e16)", fbRec, `"1E16"`},
		{"HEX(ts)", fbRec, `"323032332D31322D33312032323A33303A30302E313233"`},
	})
	for _, expr := range []string{"CAST('-5' AS UNSIGNED)", "CAST('9223372036854775808' AS SIGNED)"} {
		if got := fbEval(t, expr, fbRec); !strings.Contains(got, "out of range") {
			t.Errorf("%s = %s, want out of range", expr, got)
		}
	}
}

// TestNativeBitsQuoteCRC: bit operators on MySQL's unsigned 64-bit
// operands (GMS computed DOUBLE and wrapped), QUOTE of NULL and numbers,
// CRC32 of a DECIMAL (GMS dead-lettered); values from MariaDB.
func TestNativeBitsQuoteCRC(t *testing.T) {
	runFbCases(t, []fbCase{
		{"2.5e0 << 1", fbRec, `6`},
		{"-0.5e0 & 1", fbRec, `1`},
		{"'12abc' << 1", fbRec, `24`},
		{"5 >> 64", fbRec, `0`},
		{"2.5 | 0", fbRec, `3`},
		{"1e21 & 3", fbRec, `3`},
		{"-1e21 & 3", fbRec, `0`},
		{"3 ^ 5", fbRec, `6`},
		{"i & 3", fbRec, `3`},
		{"CAST(-0.5e0 AS UNSIGNED)", fbRec, `0`},
		{"CAST(2.5e0 AS UNSIGNED)", fbRec, `2`},
		{"CAST(2.5 AS UNSIGNED)", fbRec, `3`},
		{"QUOTE('a''b\\\\c')", fbRec, `"'a\\'b\\\\c'"`},
		{"QUOTE(s)", `{}`, `"NULL"`},
		{"QUOTE(d)", fbRec, `"'-0.061'"`},
		{"CRC32(-2.5000)", fbRec, `507796413`},
		{"FIELD(ts, 1, 'abc')", fbRec, `0`},
		{"NULLIF('12abc', 0)", fbRec, `"12abc"`},
		{"NULLIF('0', 0)", fbRec, `null`},
		{"NULLIF(m, 12.5)", fbRec, `null`},
		{"NULLIF(ts, '2023-12-31 22:30:00.123')", fbRec, `null`},
		{"NULLIF(d, 1)", fbRec, `-0.061`},
	})
	for _, expr := range []string{"1 << 63", "i | 0", "CAST(-3 AS UNSIGNED)"} {
		if got := fbEval(t, expr, fbRec); !strings.Contains(got, "out of range") {
			t.Errorf("%s = %s, want out of range (no unsigned type)", expr, got)
		}
	}
}

// TestNativeRoundDecimalAndUnixTimestamp: ROUND of a DECIMAL is exact
// with MySQL's result scale (GMS kept the argument's: 2.5000 for
// ROUND(m, 2)), UNIX_TIMESTAMP of a TIMESTAMP keeps its three digits,
// of text or numbers read as date-times, NULL for others (GMS gave 0).
func TestNativeRoundDecimalAndUnixTimestamp(t *testing.T) {
	runFbCases(t, []fbCase{
		{"ROUND(-2.5000, 2)", fbRec, `-2.50`},
		{"ROUND(-2.5000)", fbRec, `-3`},
		{"ROUND(-2.5000, -1)", fbRec, `0`},
		{"ROUND(1.005, 2)", fbRec, `1.01`},
		{"ROUND(-2.5000, 10)", fbRec, `-2.5000000000`},
		{"ROUND(m, 1)", fbRec, `12.5`},
		{"UNIX_TIMESTAMP(ts)", fbRec, `1704061800.123`},
		{"UNIX_TIMESTAMP('2024-01-15 10:00:00')", fbRec, `1705312800`},
		{"UNIX_TIMESTAMP(20240115)", fbRec, `1705276800`},
		{"UNIX_TIMESTAMP('12abc')", fbRec, `null`},
	})
}

// TestDoubleOverflowIsAnError: EXP, POW and other GMS math functions whose
// result leaves DOUBLE are MySQL's error 1690 for the record (GMS gave
// NULL); a domain error (SQRT(-1)) stays NULL; values from MariaDB.
func TestDoubleOverflowIsAnError(t *testing.T) {
	for _, expr := range []string{"POW(-8, 1/3)", "POW(0, -1)", "EXP(710)", "DEGREES(1.7e308)"} {
		if got := fbEval(t, expr, fbRec); !strings.Contains(got, "DOUBLE value is out of range") {
			t.Errorf("%s = %s, want error 1690", expr, got)
		}
	}
	runFbCases(t, []fbCase{
		{"SQRT(-1)", fbRec, `null`},
		{"POW(2, 0.5)", fbRec, `1.4142135623730951`},
		{"EXP(-1000)", fbRec, `0`},
		{"POW(-2, 3)", fbRec, `-8`},
		{"RADIANS(1.7976931348623157e308)", fbRec, `3.1375664143845866e+306`},
		{"DEGREES(PI())", fbRec, `180`},
		{"LN(d)", `{"d":5e-324}`, `-744.4400719213812`},
		{"LOG(2, d)", `{"d":5e-324}`, `-1074`},
		{"LOG10(d)", `{"d":5e-324}`, `-323.3062153431158`},
		{"LN(0)", fbRec, `null`},
		{"LOG(1, 5)", fbRec, `null`},
	})
}
