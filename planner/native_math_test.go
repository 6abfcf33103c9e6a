package planner

import "testing"

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
