package conformance

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The test table. Each column is declared once for velort and once for
// MariaDB with the equivalent type: velort TIMESTAMP (epoch ms, UTC) is
// DATETIME(3) with time_zone '+00:00' (MariaDB's TIMESTAMP cannot hold
// dates before 1970 or after 2038), velort BOOLEAN is BOOLEAN (TINYINT(1)),
// strings are utf8mb4_nopad_bin (velort compares bytes: no PAD SPACE).
type column struct {
	name, velort, mariadb string
	vals                  []any // nil = NULL; see literal types below
	stride                int   // row r takes vals[(r*stride+offset) % len(vals)]
	offset                int
}

// Literal types for column values.
type (
	dec  string // a DECIMAL value as written, e.g. "12.3450"
	tsMs int64  // a TIMESTAMP, epoch milliseconds
	js   string // a JSON document's text
)

const nRows = 36

func ts(s string) any {
	t, err := time.Parse("2006-01-02 15:04:05.000", s)
	if err != nil {
		panic(err)
	}
	return tsMs(t.UnixMilli())
}

var columns = []column{
	{name: "id", velort: "BIGINT", mariadb: "BIGINT PRIMARY KEY"}, // the row number, set by rowsData
	{name: "g", velort: "VARCHAR", mariadb: "VARCHAR(8)", vals: []any{"a", "b", "c", nil}, stride: 1},
	{name: "i", velort: "BIGINT", mariadb: "BIGINT", stride: 1, vals: []any{
		int64(0), int64(1), int64(-1), int64(2), int64(42), int64(-7), int64(255), int64(1000),
		int64(1 << 53), int64(1<<53 + 1), -int64(1 << 53), int64(math.MaxInt64), int64(math.MinInt64),
		int64(math.MinInt64 + 1), int64(1 << 31), -int64(1 << 31), int64(12345), nil, int64(5), int64(2),
	}},
	{name: "k", velort: "BIGINT", mariadb: "BIGINT", stride: 5, offset: 3, vals: []any{
		int64(-2), int64(-1), int64(0), int64(1), int64(2), int64(3), int64(4), int64(10), int64(63), int64(64), int64(65), nil, int64(1000),
	}},
	{name: "d", velort: "DOUBLE", mariadb: "DOUBLE", stride: 7, offset: 1, vals: []any{
		0.0, math.Copysign(0, -1), 1.5, 2.5, -2.5, 0.125, -0.061, 1e15, 1e16, float64(1 << 53), -float64(1 << 53),
		math.MaxFloat64, -1.7e308, 5e-324, 0.1, 1e-7, 123.456, 9.223372036854775807e18, -9.223372036854775808e18,
		3.14159, nil, 0.5, -0.5, 1e21, 42.0, 1.005, 2.675,
	}},
	{name: "m", velort: "DECIMAL(18,4)", mariadb: "DECIMAL(18,4)", stride: 5, offset: 2, vals: []any{
		dec("0.0000"), dec("2.5000"), dec("-2.5000"), dec("0.1250"), dec("0.0050"), dec("12.3450"),
		dec("99999999999999.9999"), dec("-99999999999999.9999"), dec("1.0000"), dec("-0.0610"),
		dec("123456.7891"), nil, dec("0.5000"), dec("-0.5000"), dec("7.0000"), dec("1000000.0000"),
	}},
	{name: "s", velort: "VARCHAR", mariadb: "VARCHAR(64) COLLATE utf8mb4_nopad_bin", stride: 1, offset: 5, vals: []any{
		"", "abc", "ÄÖü", "😀x", "straße", "12abc", " 42", "1e3", "0x1F", "-0", "3.5", "Hello World",
		"a%b_c", `a\b`, "O'Reilly", "2024-01-15 10:00:00", "2024-02-30", "null", "İ", "  padded  ", "ABC", nil,
		"2024-01-15", "abcabc", "9223372036854775808", "-12.5e1", "x,y,z", "Ab", "10:30:00",
		"line\nbreak\t\"q\"", "\u00e9t\u00e9 ", "1.5e400",
	}},
	{name: "ts", velort: "TIMESTAMP", mariadb: "DATETIME(3)", stride: 7, offset: 4, vals: []any{
		ts("1970-01-01 00:00:00.000"), ts("1969-12-31 23:59:59.999"), ts("2000-02-29 00:00:00.000"),
		ts("2024-02-29 12:00:00.500"), ts("1999-12-31 23:59:59.999"), ts("2024-12-31 23:59:59.999"),
		ts("2025-01-01 00:00:00.000"), ts("2038-01-19 03:14:08.000"), ts("9999-12-31 23:59:59.999"),
		ts("1000-01-01 00:00:00.000"), ts("2021-01-03 08:30:15.250"), ts("2020-12-31 18:00:00.000"),
		ts("2026-01-01 00:00:00.001"), ts("2024-01-15 10:00:00.000"), nil, ts("2019-12-30 06:07:08.009"),
		ts("2024-03-10 02:30:00.000"), ts("1900-02-28 23:59:59.000"),
	}},
	{name: "b", velort: "BOOLEAN", mariadb: "BOOLEAN", stride: 1, vals: []any{true, false, nil, true, false}},
	// No JSON document `null`: velort reads a JSON null field as SQL NULL.
	{name: "j", velort: "JSON", mariadb: "JSON", stride: 5, offset: 1, vals: []any{
		js(`{"a":1,"b":[1,2,3],"c":{"d":"x"}}`), js(`[1,"two",3.5,null,true]`), js(`"str"`), js(`123`),
		js(`{}`), js(`[]`), js(`{"a":"ÄÖü","n":-0.5}`), js(`{"a":{"b":{"c":[10,20]}}}`), nil, js(`true`),
		js(`{"a":[{"b":1},{"b":2}],"s":"x y"}`), js(`-12.75`),
	}},
}

// rowsData returns the generated rows: rows[r][c] is column c's value.
func rowsData() [][]any {
	rows := make([][]any, nRows)
	for r := range rows {
		row := make([]any, len(columns))
		for c, col := range columns {
			if col.vals == nil {
				row[c] = int64(r + 1)
				continue
			}
			row[c] = col.vals[(r*col.stride+col.offset)%len(col.vals)]
		}
		rows[r] = row
	}
	return rows
}

// velortJSON is a row as a JSON message, as a producer would publish it.
func velortJSON(row []any) []byte {
	var b strings.Builder
	b.WriteByte('{')
	for c, v := range row {
		if c > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(columns[c].name))
		b.WriteByte(':')
		switch v := v.(type) {
		case nil:
			b.WriteString("null")
		case int64:
			b.WriteString(strconv.FormatInt(v, 10))
		case float64:
			b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		case dec:
			b.WriteString(string(v))
		case string:
			q, _ := json.Marshal(v)
			b.Write(q)
		case tsMs:
			b.WriteString(`"` + time.UnixMilli(int64(v)).UTC().Format("2006-01-02T15:04:05.000Z") + `"`)
		case bool:
			b.WriteString(strconv.FormatBool(v))
		case js:
			b.WriteString(string(v))
		default:
			panic("unknown literal type")
		}
	}
	b.WriteByte('}')
	return []byte(b.String())
}

// mariadbArg is a row value as a prepared-statement argument (doubles are
// sent in binary, exactly).
func mariadbArg(v any) any {
	switch v := v.(type) {
	case dec:
		return string(v)
	case tsMs:
		return time.UnixMilli(int64(v)).UTC().Format("2006-01-02 15:04:05.000")
	case js:
		return string(v)
	case bool:
		if v {
			return 1
		}
		return 0
	}
	return v
}

// velortSchemaSQL and mariadbTableSQL declare the table on each side.
func velortSchemaSQL() string {
	var b strings.Builder
	b.WriteString("CREATE STREAM t (")
	for c, col := range columns {
		if c > 0 {
			b.WriteString(", ")
		}
		b.WriteString(col.name + " " + col.velort)
	}
	b.WriteString(") WITH (subject = 't');\n")
	return b.String()
}

func mariadbTableSQL() string {
	var b strings.Builder
	b.WriteString("CREATE TABLE t (")
	for c, col := range columns {
		if c > 0 {
			b.WriteString(", ")
		}
		b.WriteString(col.name + " " + col.mariadb)
	}
	b.WriteString(") CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin")
	return b.String()
}

// TestEveryValueUsed: the strides reach every listed value of every column
// (a stride sharing a factor with the list's length skips values).
func TestEveryValueUsed(t *testing.T) {
	rows := rowsData()
	for c, col := range columns {
		for _, v := range col.vals {
			found := false
			for _, r := range rows {
				if r[c] == v {
					found = true
					break
				}
			}
			if !found {
				t.Errorf("column %s: value %v in no row (stride %d, %d values, %d rows)", col.name, literal(v), col.stride, len(col.vals), nRows)
			}
		}
	}
}
