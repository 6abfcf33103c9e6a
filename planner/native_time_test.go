package planner

import (
	"strings"
	"testing"
)

// TestNativeDateArithmetic: `ts ± INTERVAL`, DATE_ADD/DATE_SUB,
// TIMESTAMPDIFF, DATEDIFF and WEEK give MariaDB's values (GMS dropped the
// milliseconds, added two years for 12 months from December, panicked
// on a NULL interval, counted 30-day months, overflowed past ±292 years
// and got WEEK modes 6/7 wrong at year ends).
func TestNativeDateArithmetic(t *testing.T) {
	runFbCases(t, []fbCase{
		{"ts + INTERVAL 1 HOUR", fbRec, `"2023-12-31T23:30:00.123Z"`},
		{"ts - INTERVAL 1 SECOND", fbRec, `"2023-12-31T22:29:59.123Z"`},
		{"ts + INTERVAL NULL HOUR", fbRec, `null`},
		{"ts + INTERVAL i DAY", fbRec, `"2023-12-26T22:30:00.123Z"`},
		{"INTERVAL 1 DAY + ts", fbRec, `"2024-01-01T22:30:00.123Z"`},
		{"DATE_ADD(ts, INTERVAL 12 MONTH)", fbRec, `"2024-12-31T22:30:00.123Z"`},
		{"DATE_SUB(ts, INTERVAL 1 QUARTER)", fbRec, `"2023-09-30T22:30:00.123Z"`},
		{"DATE_ADD(ts, INTERVAL 2 MONTH)", fbRec, `"2024-02-29T22:30:00.123Z"`},
		{"ADDDATE(ts, 3)", fbRec, `"2024-01-03T22:30:00.123Z"`},
		{"DATE_ADD(ts, INTERVAL 1.5 DAY)", fbRec, `"2024-01-02T22:30:00.123Z"`},
		{"DATE_ADD(ts, INTERVAL 1.5 SECOND)", fbRec, `"2023-12-31T22:30:01.623Z"`},
		{"DATE_ADD(ts, INTERVAL 8000 YEAR)", fbRec, `null`},
		{"IF(b, ts + INTERVAL 1 HOUR, NULL)", fbRec, `"2023-12-31T23:30:00.123Z"`},
		{"'2024-01-15' + INTERVAL 1 DAY", fbRec, `"2024-01-16"`},
		{"DATE_ADD('2024-01-31', INTERVAL 1 MONTH)", fbRec, `"2024-02-29"`},
		{"DATE_ADD('2024-01-15 10:00:00', INTERVAL 1 DAY)", fbRec, `"2024-01-16 10:00:00"`},
		{"DATE_ADD('2024-01-15', INTERVAL 1 HOUR)", fbRec, `"2024-01-15 01:00:00"`},
		{"DATE_ADD(s, INTERVAL 1 DAY)", fbRec, `null`},
		{"DATE_ADD(20240115, INTERVAL 1 DAY)", fbRec, `"2024-01-16"`},
		{"DATE_ADD(20240115103000, INTERVAL 1 DAY)", fbRec, `"2024-01-16 10:30:00"`},
		{"DATE_ADD(0, INTERVAL 1 DAY)", fbRec, `null`},
		{"DATE_ADD(123.456, INTERVAL 1 DAY)", fbRec, `"2000-01-24"`},
		{"DATE_ADD(20240115, INTERVAL 1 HOUR)", fbRec, `"2024-01-15 01:00:00"`},
		{"TIMESTAMPDIFF(MONTH, ts, '2024-03-31')", fbRec, `2`},
		{"TIMESTAMPDIFF(MONTH, '2024-01-31', '2024-02-29')", fbRec, `0`},
		{"TIMESTAMPDIFF(DAY, '2024-01-31', ts)", fbRec, `-30`},
		{"TIMESTAMPDIFF(YEAR, '1000-01-01', ts)", fbRec, `1023`},
		{"DATEDIFF(ts, '1000-01-01')", fbRec, `374007`},
		{"WEEK(ts, 6)", fbRec, `1`},
		{"WEEK(ts)", fbRec, `53`},
		{"WEEK('1970-01-01', 2)", fbRec, `52`},
		{"WEEK('2021-01-03', 7)", fbRec, `52`},
		{"YEARWEEK(ts, 6)", fbRec, `202401`},
		{"WEEK(NULL, 2)", fbRec, `null`},
		{"FROM_DAYS(366)", fbRec, `"0001-01-01"`},
		{"FROM_DAYS(738000)", fbRec, `"2020-07-29"`},
		{"FROM_DAYS(3652424)", fbRec, `"9999-12-31"`},
		{"FROM_DAYS(3652500)", fbRec, `"0000-00-00"`},
	})
	if got := fbEval(t, "ts - INTERVAL 500 MICROSECOND", fbRec); !strings.Contains(got, "millisecond precision") {
		t.Errorf("ts - INTERVAL 500 MICROSECOND = %s, want an error (no sub-millisecond TIMESTAMP)", got)
	}
}

// TestNativeUnixtimeAndFriends: FROM_UNIXTIME keeps milliseconds (GMS
// rounded to the second), SUBSTRING_INDEX with an empty delimiter,
// TIME_TO_SEC of text, numbers read as dates ([YY]YYMMDD[hhmmss]),
// BIT_COUNT of any type (values from MariaDB).
func TestNativeUnixtimeAndFriends(t *testing.T) {
	runFbCases(t, []fbCase{
		{"FROM_UNIXTIME(1705312800.5)", fbRec, `"2024-01-15T10:00:00.500Z"`},
		{"FROM_UNIXTIME(-1)", fbRec, `null`},
		{"SUBSTRING_INDEX('a.b.c', '.', 2)", fbRec, `"a.b"`},
		{"SUBSTRING_INDEX('a.b.c', '.', -2)", fbRec, `"b.c"`},
		{"SUBSTRING_INDEX('aXbxc', 'x', 1)", fbRec, `"aXb"`},
		{"SUBSTRING_INDEX(s, '', 1)", fbRec, `""`},
		{"TIME_TO_SEC('10:30:00')", fbRec, `37800`},
		{"TIME_TO_SEC('-01:00:00')", fbRec, `-3600`},
		{"CAST(691231 AS DATE)", fbRec, `"2069-12-31"`},
		{"CAST(700101 AS DATE)", fbRec, `"1970-01-01"`},
		{"CAST(99 AS DATE)", fbRec, `null`},
		{"CAST(20240115103000 AS DATETIME)", fbRec, `"2024-01-15T10:30:00.000Z"`},
		{"BIT_COUNT(-1)", fbRec, `64`},
		{"BIT_COUNT(2.5)", fbRec, `2`},
		{"BIT_COUNT('12abc')", fbRec, `2`},
	})
	if got := fbEval(t, "FROM_UNIXTIME(1705312800.123456)", fbRec); !strings.Contains(got, "below the millisecond") {
		t.Errorf("FROM_UNIXTIME with microseconds = %s, want an error", got)
	}
}

// TestNativeDateFormat: every DATE_FORMAT specifier as MariaDB writes it
// (GMS dropped zero padding of %y and %X before year 1000 and could not
// format a number).
func TestNativeDateFormat(t *testing.T) {
	runFbCases(t, []fbCase{
		{"DATE_FORMAT(CAST('1000-01-01 00:00:00' AS DATETIME), '%a %b %e %j %U %u %V %v %X %x %f %y')", fbRec, `"Wed Jan 1 001 00 01 52 01 0999 1000 000000 00"`},
		{"DATE_FORMAT(CAST('2024-02-29 13:05:09.5' AS DATETIME(3)), '%W %M %D %p %r %T %y %c %k %l %h %I %S %w %% %q %f %i %s %H')", fbRec, `"Thursday February 29th PM 01:05:09 PM 13:05:09 24 2 13 1 01 01 09 4 % q 500000 05 09 13"`},
		{"DATE_FORMAT(20240115, '%Y-%m-%d')", fbRec, `"2024-01-15"`},
		{"DATE_FORMAT(CAST('2024-01-01' AS DATETIME), '%D %U %u %V %v %X %x')", fbRec, `"1st 00 01 53 01 2023 2024"`},
		{"DATE_FORMAT(ts, '%Y-%m-%d %H:%i:%s.%f')", fbRec, `"2023-12-31 22:30:00.123000"`},
		// numbers with a zero month or day (values from MariaDB 10.11)
		{"DATE_FORMAT(0, '%Y-%m-%d %H:%i:%s|%y|%c|%e|%k|%l|%p|%r|%T|%h|%D')", fbRec, `"0000-00-00 00:00:00|00|0|0|0|12|AM|12:00:00 AM|00:00:00|12|0th"`},
		{"DATE_FORMAT(i, '%Y-%m-%d')", `{"i":1000}`, `"2000-10-00"`},
		{"DATE_FORMAT(d, '%Y-%m-%d')", `{"d":0.125}`, `"0000-00-00"`},
		{"DATE_FORMAT(m, '%Y-%m-%d')", `{"m":0.50}`, `"0000-00-00"`},
		{"DATE_FORMAT(b, '%Y')", `{"b":false}`, `"0000"`},
		{"DATE_FORMAT(20240100103000, '%Y-%m-%d %T')", fbRec, `"2024-01-00 10:30:00"`},
		{"DATE_FORMAT(0, '%W')", fbRec, `null`},
		{"DATE_FORMAT(20241300, '%Y')", fbRec, `null`},
		{"DATE_FORMAT(50, '%Y')", fbRec, `null`},
		{"DATE_FORMAT(m, '%Y')", `{"m":-0.50}`, `null`},
		{"DATE_FORMAT(d, '%Y')", `{"d":-0.0}`, `"0000"`},
	})
}

// TestNumbersAsDates: a number given to a date function GMS evaluates is
// MySQL's [YY]YYMMDD[hhmmss] (GMS gave NULL or 0000-01-01); values from
// MariaDB.
func TestNumbersAsDates(t *testing.T) {
	runFbCases(t, []fbCase{
		{"DATE(123.456)", fbRec, `"2000-01-23"`},
		{"DATE(20240115)", fbRec, `"2024-01-15"`},
		{"MONTH(20240115103000)", fbRec, `1`},
		{"YEAR(d)", fbRec, `null`},
		{"DAYOFWEEK(20240115)", fbRec, `2`},
		{"TO_DAYS(20240115)", fbRec, `739265`},
		{"DATE(i)", fbRec, `null`},
		{"LAST_DAY(20240215)", fbRec, `"2024-02-29"`},
		{"YEAR(b)", `{"b":false}`, `0`},
		{"MONTH(d)", `{"d":-0.0}`, `0`},
		{"YEAR(ts)", fbRec, `2023`},
		{"QUARTER(ts)", fbRec, `4`},
		{"DAY(20240229)", fbRec, `29`},
		{"YEAR(1000)", fbRec, `2000`},
		{"MONTH(1000)", fbRec, `10`},
		{"DAY(1000)", fbRec, `0`},
		{"MONTH(0.125)", fbRec, `0`},
		{"YEAR(5)", fbRec, `null`},
		{"EXTRACT(WEEK FROM ts)", fbRec, `53`},
		{"HOUR(123456)", fbRec, `12`},
		{"HOUR(1000000)", fbRec, `100`},
		{"HOUR('12abc')", fbRec, `0`},
		{"HOUR('10:30:00')", fbRec, `10`},
		{"HOUR('2024-01-15 10:00:00')", fbRec, `10`},
		{"SECOND(123456.5)", fbRec, `56`},
		{"HOUR(126000)", fbRec, `null`},
		{"MICROSECOND('10:30:00.25')", fbRec, `250000`},
		{"HOUR('abc')", fbRec, `null`},
		{"HOUR(ts)", fbRec, `22`},
		{"MICROSECOND(ts)", fbRec, `123000`},
		{"IS_IPV4(s)", `{}`, `false`},
		{"HOUR(9223372036854775807)", fbRec, "ERR: Incorrect TIME value: '9223372036854775807'"}, // MariaDB: 838 with a warning
		{"HOUR(2147483648)", fbRec, "ERR: Incorrect TIME value: '2147483648'"},                   // MariaDB: NULL with a warning
		{"HOUR(1e16)", fbRec, "ERR: Incorrect TIME value: '1e16'"},                               // MariaDB: 838 with a warning
		{"HOUR(20240115103000)", fbRec, `10`},
		{"MINUTE(20240115103000e0)", fbRec, `30`},
		{"HOUR(8385959)", fbRec, `838`},
		{"HOUR('1e3')", fbRec, `null`},
		{"TIMEDIFF('2024-01-02 00:00:00', '2024-01-01 00:00:00.5')", fbRec, `"23:59:59.5"`},
		{"TIMEDIFF('10:00:00', '09:30:00.25')", fbRec, `"00:29:59.75"`},
		{"TIMEDIFF(ts, '1999-01-01 00:00:00')", fbRec, `"838:59:59.999"`},
		{"TIMESTAMP('2024-01-15')", fbRec, `"2024-01-15T00:00:00.000Z"`},
		{"TIMESTAMP('abc')", fbRec, `null`},
		{"IS_IPV6(s)", `{}`, `false`},
		{"EXTRACT(MICROSECOND FROM ts)", fbRec, `123000`},
		{"DATEDIFF(123.456, '2024-01-01')", fbRec, `-8744`},
		{"WEEK(123.456)", fbRec, `4`},
		{"UNIX_TIMESTAMP(20240115.5)", fbRec, `1705276800`},
		{"DATE_FORMAT(123.456, '%Y-%m-%d')", fbRec, `"2000-01-23"`},
	})
}
