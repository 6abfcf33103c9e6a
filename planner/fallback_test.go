package planner

import (
	"strings"
	"testing"
)

// fbRec is a record with edge values for the fallback tests.
const fbRec fbRow = `{"i":-5,"d":-0.061,"s":"Hello wörld","ts":"2023-12-31T22:30:00.123Z","b":true,"m":12.50,"j":{"a":[1,2,{"b":3}]}}`

// TestFallbackPanicDeadLettersRecord: a panic inside go-mysql-server's
// Eval on one record used to kill the process; now the record gets the
// panic's message as its error and the next record is processed.
func TestFallbackPanicDeadLettersRecord(t *testing.T) {
	for _, expr := range []string{
		"FORMAT(-1.7e308,2)",
	} {
		got := fbEval(t, expr, fbRec)
		if !strings.HasPrefix(got, "ERR: ") {
			t.Errorf("%s = %s, want an error for the record", expr, got)
		}
	}
	// The same pipeline goes on with the next record.
	pl, err := Parse("e.sql", fbStream+"CREATE STREAM o WITH (subject = 'o') AS SELECT FORMAT(d, 2) AS x FROM t;", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fbRun(t, pl, `{"d":-1.7e308}`); !strings.HasPrefix(got, "ERR: internal error evaluating format") {
		t.Fatalf("FORMAT(-1.7e308, 2) = %s, want an error naming the panic", got)
	}
	if got := fbRun(t, pl, `{"d":1234.5}`); got != `"1,234.50"` {
		t.Fatalf("FORMAT(1234.5, 2) after a failed record = %s, want \"1,234.50\"", got)
	}
}

// TestFallbackResultConversion: values computed by go-mysql-server are
// converted to velort's types exactly (DATE as its text, unsigned never
// wrapped, IF/CASE typed by all their branches).
func TestFallbackResultConversion(t *testing.T) {
	runFbCases(t, []fbCase{
		{"DATE(ts)", fbRec, `"2023-12-31"`},
		{"IF(b, i, 0.5)", fbRec, `-5.0`},
		{"IF(NOT b, i, 0.5)", fbRec, `0.5`},
		{"IF(b, 'x', i)", fbRec, `"x"`},
		{"IF(b, ts, 'x')", fbRec, `"2023-12-31 22:30:00.123"`},
		{"CAST(5 AS UNSIGNED)", fbRec, `5`},
		{"-1 & 3", fbRec, `3`},
	})
	for _, expr := range []string{"CAST(-1 AS UNSIGNED)", "i | 0"} {
		if got := fbEval(t, expr, fbRec); !strings.Contains(got, "out of range") {
			t.Errorf("%s = %s, want an out-of-range error (never a wrapped number)", expr, got)
		}
	}
}

// TestFallbackPredicatesAreBoolean: boolean-valued expressions evaluated
// by go-mysql-server are written true/false like the compiled ones.
func TestFallbackPredicatesAreBoolean(t *testing.T) {
	runFbCases(t, []fbCase{
		{"ts IS TRUE", fbRec, `true`},
		{"i IS FALSE", fbRec, `false`},
		{"b XOR b", fbRec, `false`},
		{"JSON_VALID(s)", fbRec, `false`},
		{"JSON_VALID(j)", fbRec, `true`},
		{"s LIKE 'H%' ESCAPE '!'", fbRec, `true`},
		{"IS_IPV4(s)", fbRec, `false`},
	})
}

func fbRun(t *testing.T, pl *Plan, rec fbRow) string {
	t.Helper()
	return fbExec(t, pl, rec)
}
