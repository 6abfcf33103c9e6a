package planner

import (
	"strings"
	"testing"

	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/velort/velort/runtime"
)

// fbRec is a record with edge values for the fallback tests.
const fbRec fbRow = `{"i":-5,"d":-0.061,"s":"Hello wörld","ts":"2023-12-31T22:30:00.123Z","b":true,"m":12.50,"j":{"a":[1,2,{"b":3}]}}`

// TestFallbackPanicDeadLettersRecord: a panic inside go-mysql-server's
// Eval on one record used to kill the process; now the record gets the
// panic's message as its error and the next record is processed.
func TestFallbackPanicDeadLettersRecord(t *testing.T) {
	env := &exprEnv{slots: []int{0}, types: []runtime.Type{runtime.TInt}, scales: []uint8{0}}
	// GMS's Interval.Eval panics ("just a placeholder").
	e := expression.NewInterval(expression.NewGetField(0, types.Int64, "i", true), "DAY")
	c, err := env.fallback(e)
	if err != nil {
		t.Fatal(err)
	}
	var ctx runtime.Ctx
	c.fn(&ctx, runtime.Row{runtime.Int(1)})
	if ctx.Err == nil || !strings.Contains(ctx.Err.Error(), "internal error evaluating INTERVAL") {
		t.Fatalf("panicking GMS expression: err %v, want the panic as the record's error", ctx.Err)
	}
	ctx.Reset()
	add, err := env.fallback(expression.NewArithmetic(expression.NewGetField(0, types.Int64, "i", true), expression.NewLiteral(int64(1), types.Int64), "+"))
	if err != nil {
		t.Fatal(err)
	}
	if v := add.fn(&ctx, runtime.Row{runtime.Int(1)}); ctx.Err != nil || v.I != 2 {
		t.Fatalf("next evaluation: %v %v", v, ctx.Err)
	}
}

// TestIssueCrashersEvaluate: the expressions that killed velort (issue 13)
// give MySQL's value or an error for their record.
func TestIssueCrashersEvaluate(t *testing.T) {
	runFbCases(t, []fbCase{
		{"CONV('', 16, 10)", fbRec, `null`},
		{"LOCATE('a', s, -1)", fbRec, `0`},
		{"TRIM(BOTH NULL FROM s)", fbRec, `null`},
		{"ts + INTERVAL NULL HOUR", fbRec, `null`},
		{"FORMAT(9.223372036854776e18, 2)", fbRec, `"9,223,372,036,854,776,000.00"`},
	})
	if got := fbEval(t, "FORMAT(-1.7e308, 2)", fbRec); !strings.HasPrefix(got, `"-170,000,000,`) {
		t.Errorf("FORMAT(-1.7e308, 2) = %.40s", got)
	}
	if got := fbEval(t, "LPAD('x', 9007199254740992, 'y')", fbRec); !strings.Contains(got, "max_value_bytes") {
		t.Errorf("LPAD('x', 2^53, 'y') = %.40s, want an error for the record", got)
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
