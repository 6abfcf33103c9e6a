package planner

import (
	"strings"
	"testing"

	"github.com/velort/velort/runtime"
)

// TestNativeStringFunctions: the string functions go-mysql-server got
// wrong (case-insensitive and byte-counting LOCATE/INSTR/POSITION/FIELD,
// LPAD cutting UTF-8 characters, LEFT/SUBSTRING refusing numbers, TRIM
// panicking on NULL) give MySQL's values (checked against MariaDB with
// utf8mb4_bin).
func TestNativeStringFunctions(t *testing.T) {
	runFbCases(t, []fbCase{
		{"LOCATE('W', s)", fbRec, `0`},
		{"LOCATE('w', s)", fbRec, `7`},
		{"LOCATE('l', s, 5)", fbRec, `10`},
		{"LOCATE('a', s, -1)", fbRec, `0`},
		{"POSITION('ö' IN s)", fbRec, `8`},
		{"INSTR(s, 'r')", fbRec, `9`},
		{"FIELD('b', 'a', 'B', 'b')", fbRec, `3`},
		{"FIELD(2, 1, '2', 3)", fbRec, `2`},
		{"LPAD(s, 8, 'x')", fbRec, `"Hello wö"`},
		{"LPAD(s, 14, 'äb')", fbRec, `"äbäHello wörld"`},
		{"RPAD(s, 14, 'äb')", fbRec, `"Hello wörldäbä"`},
		{"LPAD(s, -1, 'x')", fbRec, `null`},
		{"LEFT(i, 1)", fbRec, `"-"`},
		{"RIGHT(s, 3)", fbRec, `"rld"`},
		{"SUBSTRING(s, -3)", fbRec, `"rld"`},
		{"SUBSTRING(s, 8, 2)", fbRec, `"ör"`},
		{"SUBSTRING(d, 2)", fbRec, `"0.061"`},
		{"SUBSTRING(s, 1.5)", fbRec, `"ello wörld"`},
		{"MID(s, 0, 2)", fbRec, `""`},
		{"TRIM(BOTH NULL FROM s)", fbRec, `null`},
		{"TRIM(LEADING 'He' FROM s)", fbRec, `"llo wörld"`},
		{"CONCAT(s, 1e15, i, d, m, ts, b)", fbRec, `"Hello wörld1e15-5-0.06112.502023-12-31 22:30:00.1231"`},
		{"CONCAT_WS('-', s, NULL, i)", fbRec, `"Hello wörld--5"`},
		{"CAST(d AS CHAR)", fbRec, `"-0.061"`},
		{"CAST(1e15 AS CHAR)", fbRec, `"1e15"`},
		{"CAST(ts AS CHAR)", fbRec, `"2023-12-31 22:30:00.123"`},
		{"CAST(i AS CHAR(1))", fbRec, `"-"`},
		{"IF(LOCATE('W', s) > 0, 'yes', 'no')", fbRec, `"no"`},
		{"REPEAT('ab', 3)", fbRec, `"ababab"`},
		{"SPACE(3)", fbRec, `"   "`},
	})
}

// TestValueSizeBound: functions producing values check max_value_bytes
// before allocating (issue 14: SPACE(2e9) spun, REPEAT(s, 3e8) took
// 1.7 GB, LPAD('x', 2^53, 'y') crashed).
func TestValueSizeBound(t *testing.T) {
	for _, expr := range []string{
		"REPEAT(s, 300000000)",
		"SPACE(2000000000)",
		"SPACE(9007199254740992)",
		"LPAD('x', 9007199254740992, 'y')",
		"RPAD(s, 20000000, 'y')",
		"CONCAT(REPEAT(s, 1000000), REPEAT(s, 1000000))",
		"CONCAT_WS(',', REPEAT(s, 1000000), REPEAT(s, 1000000))",
		"INSERT(REPEAT('a', 10000000), 1, 1, REPEAT('b', 10000000))",
		"EXPORT_SET(1, REPEAT('a', 1000000), 'b', ',', 64)",
	} {
		if got := fbEval(t, expr, fbRec); !strings.Contains(got, "larger than max_value_bytes (16777216 bytes)") {
			t.Errorf("%s = %.80s, want an error for the record", expr, got)
		}
	}
	small := Options{MaxValueBytes: 10}
	if got := fbEval(t, "REPEAT('ab', 5)", fbRec, small); got != `"ababababab"` {
		t.Errorf("REPEAT('ab', 5) with max_value_bytes 10 = %s", got)
	}
	if got := fbEval(t, "REPEAT('ab', 6)", fbRec, small); !strings.Contains(got, "larger than max_value_bytes (10 bytes)") {
		t.Errorf("REPEAT('ab', 6) with max_value_bytes 10 = %s, want an error", got)
	}
}

// TestMissingFunctions: MySQL functions go-mysql-server lacks are
// resolved and evaluated natively (values from MariaDB).
func TestMissingFunctions(t *testing.T) {
	runFbCases(t, []fbCase{
		{"TRUNCATE(1.999e0, 1)", fbRec, `1.9`},
		{"TRUNCATE(-1.999, 2)", fbRec, `-1.99`},
		{"TRUNCATE(123, -1)", fbRec, `120`},
		{"TRUNCATE(m, 1)", fbRec, `12.5`},
		{"OCT(8)", fbRec, `"10"`},
		{"OCT(-1)", fbRec, `"1777777777777777777777"`},
		{"INSERT('Quadratic', 3, 4, 'What')", fbRec, `"QuWhattic"`},
		{"INSERT('Quadratic', -1, 4, 'What')", fbRec, `"Quadratic"`},
		{"INSERT('Quadratic', 3, 100, 'What')", fbRec, `"QuWhat"`},
		{"MAKE_SET(5, 'a', 'b', 'c')", fbRec, `"a,c"`},
		{"MAKE_SET(3, 'a', NULL, 'c')", fbRec, `"a"`},
		{"EXPORT_SET(5, 'Y', 'N', ',', 4)", fbRec, `"Y,N,Y,N"`},
		{"TO_SECONDS(ts)", fbRec, `63871281000`},
		{"MAKEDATE(2024, 60)", fbRec, `"2024-02-29"`},
		{"MAKEDATE(2024, 0)", fbRec, `null`},
		{"MAKETIME(-1, 5, 6.5)", fbRec, `"-01:05:06.5"`},
		{"MAKETIME(900, 0, 0)", fbRec, `"838:59:59"`},
		{"SEC_TO_TIME(-3661)", fbRec, `"-01:01:01"`},
		{"SEC_TO_TIME(1.5)", fbRec, `"00:00:01.5"`},
		{"ADDTIME('2023-12-31 23:59:59', '0:0:1')", fbRec, `"2024-01-01 00:00:00"`},
		{"SUBTIME('01:00:00', '02:00:00')", fbRec, `"-01:00:00"`},
		{"ADDTIME(ts, '1:00:00.5')", fbRec, `"2023-12-31T23:30:00.623Z"`},
		{"ADDTIME(ts, '01:00:00')", `{"ts":"9999-12-31T23:59:59.999Z"}`, `null`},
		{"STR_TO_DATE(s, '%Y-%m-%d')", `{}`, `null`},
		{"PERIOD_ADD(202312, 1)", fbRec, `202401`},
		{"PERIOD_DIFF(202401, 202312)", fbRec, `1`},
		{"CONCAT(MAKEDATE(2024, 60), 'x')", fbRec, `"2024-02-29x"`},
	})
	if got := fbEval(t, "TRUNCATE(d)", fbRec); !strings.Contains(got, "TRUNCATE takes 2 arguments") {
		t.Errorf("TRUNCATE(d) = %s, want refused at check", got)
	}
}

// TestNativeFunctionsDoNotAllocate: the common natively compiled string
// functions run on the record's arena, allocating nothing per record.
func TestNativeFunctionsDoNotAllocate(t *testing.T) {
	for _, expr := range []string{
		"CONCAT(s, 'x', i)", "LOCATE('l', s)", "s REGEXP '^H.*d$'", "LPAD(s, 20, 'ab')",
		"SUBSTRING(s, 2, 3)", "REPLACE(s, 'l', 'L')", "DATE_FORMAT(ts, '%Y-%m-%d')", "ts + INTERVAL 1 HOUR",
	} {
		pl, err := Parse("e.sql", fbStream+"CREATE STREAM o WITH (subject = 'o') AS SELECT "+expr+" AS x FROM t;", Options{})
		if err != nil {
			t.Fatal(err)
		}
		q := pl.Queries[0]
		pipe, err := q.NewPipeline(0, nil)
		if err != nil {
			t.Fatal(err)
		}
		dec := runtime.NewDecoder(q.Source.Columns, q.Read)
		row := make(runtime.Row, len(q.Source.Columns))
		if err := dec.Decode([]byte(fbRec), row); err != nil {
			t.Fatal(err)
		}
		var ctx runtime.Ctx
		step := func() { ctx.Reset(); pipe.Execute(&ctx, row, 0) }
		step()
		if a := testing.AllocsPerRun(200, step); a != 0 && !strings.HasPrefix(expr, "REPLACE") {
			t.Errorf("%s: %.1f allocations per record", expr, a)
		}
	}
}
