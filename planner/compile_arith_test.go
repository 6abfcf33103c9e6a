package planner

import (
	"fmt"
	"strings"
	"testing"

	"github.com/velort/velort/runtime"
)

// arStream declares the columns the compiled-expression tests read.
const arStream = `CREATE STREAM t (i BIGINT, d DOUBLE, s VARCHAR, ts TIMESTAMP, b BOOLEAN, m DECIMAL(10,2), j JSON)
WITH (subject = 't');
`

// arEval compiles `SELECT expr AS x FROM t`, runs the record rec (JSON
// text) through it and returns the value velort writes, "ERR: reason" when
// the record is dead-lettered, or "CHECK: reason" when the query is refused.
func arEval(t testing.TB, expr, rec string) string {
	t.Helper()
	pl, err := Parse("e.sql", arStream+"CREATE STREAM o WITH (subject = 'o') AS SELECT "+expr+" AS x FROM t;", Options{})
	if err != nil {
		return "CHECK: " + err.Error()
	}
	q := pl.Queries[0]
	pipe, err := q.NewPipeline(0, nil)
	if err != nil {
		return "CHECK: " + err.Error()
	}
	dec := runtime.NewDecoder(q.Source.Columns, q.Read)
	row := make(runtime.Row, len(q.Source.Columns))
	if rec == "" {
		rec = "{}"
	}
	if err := dec.Decode([]byte(rec), row); err != nil {
		t.Fatalf("decode %s: %v", rec, err)
	}
	var ctx runtime.Ctx
	ctx.Arena = make([]byte, 0, 4) // small, so that growth paths run too
	outs := pipe.Execute(&ctx, row, 0)
	if ctx.Err != nil {
		return "ERR: " + ctx.Err.Error()
	}
	if len(outs) != 1 {
		return fmt.Sprintf("%d outputs", len(outs))
	}
	out := string(runtime.NewEncoder([]string{"x"}).Append(nil, outs[0]))
	return strings.TrimSuffix(strings.TrimPrefix(out, `{"x":`), "}")
}

// arCase is an expression, its record and what velort must write: a
// value, or a prefix "ERR: ..." / "CHECK: ..." the result must start with.
type arCase struct{ expr, rec, want string }

func arRun(t *testing.T, cases []arCase) {
	t.Helper()
	for _, c := range cases {
		got := arEval(t, c.expr, c.rec)
		ok := got == c.want
		if strings.HasPrefix(c.want, "ERR: ") || strings.HasPrefix(c.want, "CHECK: ") {
			ok = strings.HasPrefix(got, c.want)
		}
		if !ok {
			t.Errorf("%s on %s = %s, want %s", c.expr, c.rec, got, c.want)
		}
	}
}

// TestConcatOfArenaBuiltArguments: CONCAT's arguments that build their
// value in the arena (UPPER, CAST AS CHAR, a nested CONCAT) appear once
// (they appeared twice: `ABCABCx`).
func TestConcatOfArenaBuiltArguments(t *testing.T) {
	arRun(t, []arCase{
		{"CONCAT(UPPER('abc'), 'x')", "", `"ABCx"`},
		{"CONCAT(CAST(i AS CHAR), 'x')", `{"i":122}`, `"122x"`},
		{"CONCAT('a', LOWER(s), UPPER(s), s, CONCAT(UPPER(s), 'y'))", `{"s":"Ab"}`, `"aabABAbABy"`},
		{"CONCAT(s, UPPER(s), REPLACE(s, 'b', 'c'))", `{"s":"Ab"}`, `"AbABAc"`},
		{"CONCAT(UPPER(s), NULL)", `{"s":"Ab"}`, `null`},
		{"CONCAT(s, s)", `{"s":"Ab"}`, `"AbAb"`},
	})
}
