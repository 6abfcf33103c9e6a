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
