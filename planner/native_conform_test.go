package planner

import "testing"

// TestConformanceFormatDouble: FORMAT of a DOUBLE rounds as MySQL's
// my_double_round (2.675 × 100 is 267.5, rounded to even: 2.68) and
// writes the shortest digits of the rounded double padded with zeros
// (my_fcvt, dtoa mode 5 in MySQL 8 and MariaDB); values from MariaDB.
func TestConformanceFormatDouble(t *testing.T) {
	runFbCases(t, []fbCase{
		{"FORMAT(1e21, 2)", fbRec, `"999,999,999,999,999,900,000.00"`},
		{"FORMAT(-1e21, 2)", fbRec, `"-999,999,999,999,999,900,000.00"`},
		{"FORMAT(2.675e0, 2)", fbRec, `"2.68"`},
		{"FORMAT(1.005e0, 2)", fbRec, `"1.00"`},
		{"FORMAT(1e15, 2)", fbRec, `"1,000,000,000,000,000.00"`},
		{"FORMAT(-0.001e0, 2)", fbRec, `"0.00"`},
		{"FORMAT(123.456e0, 5)", fbRec, `"123.45600"`},
		{"FORMAT(5e-324, 2)", fbRec, `"0.00"`},
	})
}

// TestConformanceCastAsTime: a date without a time, shorter than 12
// characters, is no date-time to MySQL's str_to_time: it is read by its
// numeric prefix (CAST('2024-01-15' AS TIME) is 00:20:24, with a
// truncation warning; velort gave 00:00:00); values from MariaDB.
func TestConformanceCastAsTime(t *testing.T) {
	runFbCases(t, []fbCase{
		{"CAST('2024-01-15' AS TIME)", fbRec, `"00:20:24"`},
		{"CAST('2024-02-30' AS TIME)", fbRec, `"00:20:24"`},
		{"CAST('2024-01-15 10:00:00' AS TIME)", fbRec, `"10:00:00"`},
		{"MINUTE('2024-01-15')", fbRec, `20`},
	})
}

// TestConformanceConvertTZ: CONVERT_TZ returns a value unchanged when its
// instant falls outside TIMESTAMP's range (MySQL 8 and MariaDB: "no
// conversion occurs"); go-mysql-server converted it (1970-01-01 00:00:00
// +00:00 to +05:30 gave 05:30). Values from MariaDB for the range's
// start; its end is MySQL 8.0.28's 3001-01-18.
func TestConformanceConvertTZ(t *testing.T) {
	runFbCases(t, []fbCase{
		{"CONVERT_TZ('1970-01-01 00:00:00', '+00:00', '+05:30')", fbRec, `"1970-01-01T00:00:00.000Z"`},
		{"CONVERT_TZ('1970-01-01 00:00:01', '+00:00', '+05:30')", fbRec, `"1970-01-01T05:30:01.000Z"`},
		{"CONVERT_TZ('1970-01-01 05:30:00', '+05:30', '+00:00')", fbRec, `"1970-01-01T05:30:00.000Z"`},
		{"CONVERT_TZ('1000-01-01 00:00:00', '+00:00', '+05:30')", fbRec, `"1000-01-01T00:00:00.000Z"`},
		{"CONVERT_TZ('9999-12-31 23:59:59', '+00:00', '+05:30')", fbRec, `"9999-12-31T23:59:59.000Z"`},
		{"CONVERT_TZ(ts, '+00:00', '-08:00')", fbRec, `"2023-12-31T14:30:00.123Z"`},
		{"CONVERT_TZ(ts, '+00:00', '+5:30')", fbRec, `"2024-01-01T04:00:00.123Z"`},
		{"CONVERT_TZ(ts, '+00:00', '+14:01')", fbRec, `null`},
		{"CONVERT_TZ(ts, '+00:00', '+05:60')", fbRec, `null`},
		{"CONVERT_TZ(ts, 'UTC', 'Europe/Paris')", fbRec, `"2023-12-31T23:30:00.123Z"`},
		{"CONVERT_TZ(ts, 'Nowhere/Else', '+00:00')", fbRec, `null`},
		{"CONVERT_TZ(NULL, '+00:00', '+01:00')", fbRec, `null`},
	})
}

// TestConformanceStrToDate: STR_TO_DATE natively, as MySQL 8's
// extract_date_time: an invalid day of the month is kept (MySQL's manual:
// STR_TO_DATE('04/31/2004', '%m/%d/%Y') is 2004-04-31; go-mysql-server
// gave 2024-03-01 for '2024-02-30'), a zero part is NULL under
// NO_ZERO_DATE, a format of time specifiers only gives a TIME, text after
// the value is ignored; examples from MySQL's manual and MariaDB.
func TestConformanceStrToDate(t *testing.T) {
	runFbCases(t, []fbCase{
		{"STR_TO_DATE('2024-02-30', '%Y-%m-%d')", fbRec, `"2024-02-30"`},
		{"STR_TO_DATE('04/31/2004', '%m/%d/%Y')", fbRec, `"2004-04-31"`},
		{"STR_TO_DATE('01,5,2013', '%d,%m,%Y')", fbRec, `"2013-05-01"`},
		{"STR_TO_DATE('May 1, 2013', '%M %d,%Y')", fbRec, `"2013-05-01"`},
		{"STR_TO_DATE('a09:30:17', 'a%h:%i:%s')", fbRec, `"09:30:17"`},
		{"STR_TO_DATE('a09:30:17', '%h:%i:%s')", fbRec, `null`},
		{"STR_TO_DATE('09:30:17a', '%h:%i:%s')", fbRec, `"09:30:17"`},
		{"STR_TO_DATE('9', '%s')", fbRec, `"00:00:09"`},
		{"STR_TO_DATE('9', '%m')", fbRec, `null`},
		{"STR_TO_DATE('abc', 'abc')", fbRec, `null`},
		{"STR_TO_DATE('200442 Monday', '%X%V %W')", fbRec, `"2004-10-18"`},
		{"STR_TO_DATE('2024 032', '%Y %j')", fbRec, `"2024-02-01"`},
		{"STR_TO_DATE('2024-01-15 10:00:00', '%Y-%m-%d')", fbRec, `"2024-01-15"`},
		{"STR_TO_DATE('12abc', '%Y-%m-%d')", fbRec, `null`},
		{"STR_TO_DATE('2024-01-15 10:00', '%Y-%m-%d %H:%i')", fbRec, `"2024-01-15T10:00:00.000Z"`},
		{"STR_TO_DATE('31/12/2024 23:59', '%d/%m/%Y %H:%i')", fbRec, `"2024-12-31T23:59:00.000Z"`},
		{"STR_TO_DATE('Jan 5th 24 3:04:05 PM', '%b %D %y %l:%i:%s %p')", fbRec, `"2024-01-05T15:04:05.000Z"`},
		{"STR_TO_DATE('2024-01-15 10:30:00.123', '%Y-%m-%d %H:%i:%s.%f')", fbRec, `"2024-01-15T10:30:00.123Z"`},
		{"STR_TO_DATE('10:30:00.5', '%H:%i:%s.%f')", fbRec, `"10:30:00.500000"`},
		{"STR_TO_DATE('10:30', '%H:%i:%s')", fbRec, `"10:30:00"`},
		{"STR_TO_DATE('24:00:00', '%H:%i:%s')", fbRec, `null`},
		{"STR_TO_DATE('-0', '%H:%i:%s')", fbRec, `null`},
		{"STR_TO_DATE('01:02:03 PM', '%r')", fbRec, `"13:02:03"`},
		{"STR_TO_DATE(NULL, '%Y')", fbRec, `null`},
		{"STR_TO_DATE('2024-01-15', NULL)", fbRec, `null`},
		{"STR_TO_DATE('2024-02-30 10:00', '%Y-%m-%d %H:%i')", fbRec, `ERR: Incorrect datetime value: '2024-02-30 10:00:00' for function str_to_date: velort's TIMESTAMP holds valid dates only`},
		{"STR_TO_DATE('2024-01-15 10:30:00.1234', '%Y-%m-%d %H:%i:%s.%f')", fbRec, `ERR: STR_TO_DATE result '2024-01-15 10:30:00.123400' has digits below the millisecond: velort's TIMESTAMP has millisecond precision`},
	})
}

// TestConformanceZeroDateFraction: DATE_FORMAT's %f of a number with a
// zero month or day is the number's fraction when it is below 1 (0.5 is
// 500000), 000000 otherwise; velort gave NULL. Values from MariaDB.
func TestConformanceZeroDateFraction(t *testing.T) {
	runFbCases(t, []fbCase{
		{"DATE_FORMAT(0.5, '%f')", fbRec, `"500000"`},
		{"DATE_FORMAT(0.0050, '%f')", fbRec, `"005000"`},
		{"DATE_FORMAT(0.125e0, '%f %Y')", fbRec, `"125000 0000"`},
		{"DATE_FORMAT(0, '%f')", fbRec, `"000000"`},
		{"DATE_FORMAT(1000, '%f')", fbRec, `"000000"`},
		{"DATE_FORMAT(1000.25, '%f')", fbRec, `"000000"`},
		{"DATE_FORMAT(0.5, '%M')", fbRec, `null`},
	})
}

// TestConformanceStrToDateRecordFormat: a format read from the record
// makes a DATETIME (MySQL types the result DATETIME(6) whatever the
// format); a format of string functions of literals is a constant, whose
// specifiers decide the type (MySQL's const_item). go-mysql-server gave
// 2024-03-01 for '2024-02-30'.
func TestConformanceStrToDateRecordFormat(t *testing.T) {
	runFbCases(t, []fbCase{
		{"STR_TO_DATE('2024-01-15', CONCAT('%Y-%m', '-%d'))", fbRec, `"2024-01-15"`},
		{"STR_TO_DATE('10:30:00', CONCAT('%H:%i', ':%s'))", fbRec, `"10:30:00"`},
		{"STR_TO_DATE('2024-01-15', CONCAT(LEFT(s, 0), '%Y-%m-%d'))", fbRec, `"2024-01-15T00:00:00.000Z"`},
		{"STR_TO_DATE('2024-02-30', CONCAT(LEFT(s, 0), '%Y-%m-%d'))", fbRec, `ERR: Incorrect datetime value: '2024-02-30 00:00:00' for function str_to_date: velort's TIMESTAMP holds valid dates only`},
		{"STR_TO_DATE('10:30:00', CONCAT(LEFT(s, 0), '%H:%i:%s'))", fbRec, `null`},
		{"STR_TO_DATE('2024', 2024)", fbRec, `null`},
		{"STR_TO_DATE('12', 12)", fbRec, `null`},
		{"STR_TO_DATE('2024-01-15 10:30:00.25', CONCAT(LEFT(s, 0), '%Y-%m-%d %H:%i:%s.%f'))", fbRec, `"2024-01-15T10:30:00.250Z"`},
	})
}

// TestConformanceConvertTZRecordZones: zones read from the record follow
// the same rules (go-mysql-server converted 1970-01-01 00:00:00 too).
func TestConformanceConvertTZRecordZones(t *testing.T) {
	runFbCases(t, []fbCase{
		{"CONVERT_TZ('1970-01-01 00:00:00', CONCAT(LEFT(s, 0), '+00:00'), '+05:30')", fbRec, `"1970-01-01T00:00:00.000Z"`},
		{"CONVERT_TZ(ts, CONCAT(LEFT(s, 0), '+00:00'), CONCAT(LEFT(s, 0), '-08:00'))", fbRec, `"2023-12-31T14:30:00.123Z"`},
		{"CONVERT_TZ(ts, '+00:00', CONCAT(LEFT(s, 0), 'x'))", fbRec, `null`},
	})
}

// FuzzStrToDate: STR_TO_DATE's reader never panics and never reads a
// date-time past its range checks.
func FuzzStrToDate(f *testing.F) {
	for _, s := range [][2]string{{"2024-02-30", "%Y-%m-%d"}, {"Jan 5th 24 3:04:05 PM", "%b %D %y %l:%i:%s %p"},
		{"200442 Monday", "%X%V %W"}, {"01:02:03 PM", "%r"}, {"2024 366", "%Y %j"}, {"-0", "%H"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, val, format string) {
		var p dtParts
		if extractDateTime(&p, []byte(val), []byte(format), false) {
			if p.month > 12 || p.day > 31 || p.hour > 23 || p.minute > 59 || p.second > 59 || p.us > 999999 {
				t.Fatalf("STR_TO_DATE(%q, %q) read %+v", val, format, p)
			}
		}
	})
}
