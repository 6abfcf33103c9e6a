package runtime

import (
	"testing"
	"time"
)

// TestParseDatetime: the string forms MySQL reads as a DATETIME (checked
// against MariaDB 10.11 comparisons), and what it does not.
func TestParseDatetime(t *testing.T) {
	at := func(s string) int64 {
		tm, err := time.Parse("2006-01-02 15:04:05.000", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMilli()
	}
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"2024-01-15 10:00:00", at("2024-01-15 10:00:00.000")},
		{"2024-01-15", at("2024-01-15 00:00:00.000")},
		{" 2024-1-5 1:2:3 ", at("2024-01-05 01:02:03.000")},
		{"2024/01/15 09.59.59", at("2024-01-15 09:59:59.000")},
		{"2024-01-15T10:00:00", at("2024-01-15 10:00:00.000")},
		{"2024-01-15 10:00:00.5", at("2024-01-15 10:00:00.500")},
		{"2024-01-15 10:00:00.123456", at("2024-01-15 10:00:00.123")},
		{"2024-01-15 10:00", at("2024-01-15 10:00:00.000")},
		{"20240115095959", at("2024-01-15 09:59:59.000")},
		{"20240115", at("2024-01-15 00:00:00.000")},
		{"240115", at("2024-01-15 00:00:00.000")},
		{"991231", at("1999-12-31 00:00:00.000")},
		{"240115100000", at("2024-01-15 10:00:00.000")},
		{"20240115100000.25", at("2024-01-15 10:00:00.250")},
		{"24-01-15", at("2024-01-15 00:00:00.000")},
		{"2024-02-29", at("2024-02-29 00:00:00.000")},
		{"2024-01-15T10:00:00Z", at("2024-01-15 10:00:00.000")},
		{"2024-01-15T10:00:00.001+01:00", at("2024-01-15 09:00:00.001")},
	} {
		got, exact, ok := ParseDatetime([]byte(c.in))
		if !ok || !exact || got != c.want {
			t.Errorf("ParseDatetime(%q) = %d, %v; want %d", c.in, got, ok, c.want)
		}
	}
	for _, in := range []string{"", "abc", "2024-01-15 abc", "2024-13-01", "2024-01-32", "2024-01-15 24:00:00",
		"2024-01", "12345", "2024-001-15"} {
		if got, _, ok := ParseDatetime([]byte(in)); ok {
			t.Errorf("ParseDatetime(%q) = %d, want not a date-time", in, got)
		}
	}
	// Fuzzy dates MySQL compares with: just before the next real instant.
	for _, c := range []struct {
		in   string
		next int64
	}{
		{"2023-02-29", at("2023-03-01 00:00:00.000")},
		{"2024-02-30 10:00:00", at("2024-03-01 00:00:00.000")},
		{"2024-12-31", at("2024-12-31 00:00:00.000")},
		{"2023-11-31", at("2023-12-01 00:00:00.000")},
		{"2024-12-00", at("2024-12-01 00:00:00.000")},
		{"2024-00-15", at("2024-01-01 00:00:00.000")},
		{"0000-00-00", at("0000-01-01 00:00:00.000")},
	} {
		got, exact, ok := ParseDatetime([]byte(c.in))
		if !ok || got != c.next || exact != (c.in == "2024-12-31") {
			t.Errorf("ParseDatetime(%q) = %d, %v, %v; want %d", c.in, got, exact, ok, c.next)
		}
	}
}

// TestNumberToDatetime: numbers as MySQL's number_to_datetime reads them.
func TestNumberToDatetime(t *testing.T) {
	at := func(s string) int64 {
		tm, _ := time.Parse("2006-01-02 15:04:05", s)
		return tm.UnixMilli()
	}
	for _, c := range []struct {
		in   int64
		want int64
	}{
		{20240115100000, at("2024-01-15 10:00:00")},
		{20240115, at("2024-01-15 00:00:00")},
		{240115, at("2024-01-15 00:00:00")},
		{991231, at("1999-12-31 00:00:00")},
		{240115100000, at("2024-01-15 10:00:00")},
		{991231235959, at("1999-12-31 23:59:59")},
	} {
		if got, exact, ok := NumberToDatetime(c.in, 0); !ok || !exact || got != c.want {
			t.Errorf("NumberToDatetime(%d) = %d, %v; want %d", c.in, got, ok, c.want)
		}
	}
	for _, in := range []int64{1, 100, 700000, 20241315, 20240115250000, 100000000000000, -20240115} {
		if got, _, ok := NumberToDatetime(in, 0); ok {
			t.Errorf("NumberToDatetime(%d) = %d, want not a date-time", in, got)
		}
	}
	if got, _, _ := NumberToDatetime(20240115, 500); got != at("2024-01-15 00:00:00") {
		t.Errorf("NumberToDatetime(20240115, 500) = %d: a date number's fraction is dropped", got)
	}
	if got, _, _ := NumberToDatetime(20240115100000, 500); got != at("2024-01-15 10:00:00")+500 {
		t.Errorf("NumberToDatetime(20240115100000, 500) = %d", got)
	}
	if got := DatetimeDecimal(at("2024-01-15 10:00:00") + 5); got != 20240115100000005 {
		t.Errorf("DatetimeDecimal = %d", got)
	}
}
