package planner

import (
	"fmt"
	"strings"
	"testing"

	"github.com/velort/velort/runtime"
)

// fbStream declares the columns every expression test reads.
const fbStream = `CREATE STREAM t (i BIGINT, d DOUBLE, s VARCHAR, ts TIMESTAMP, b BOOLEAN, m DECIMAL(10,2), j JSON)
WITH (subject = 't');
`

// fbRow is one record of fbStream given as its JSON text.
type fbRow string

// fbEval compiles `SELECT expr AS x FROM t` and runs one record through
// the pipeline; it returns the output value as velort writes it in JSON
// (or "ERR: reason" when the record is dead-lettered).
func fbEval(t testing.TB, expr string, rec fbRow, opts ...Options) string {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	pl, err := Parse("e.sql", fbStream+"CREATE STREAM o WITH (subject = 'o') AS SELECT "+expr+" AS x FROM t;", o)
	if err != nil {
		return "CHECK: " + err.Error()
	}
	return fbExec(t, pl, rec)
}

// fbExec runs one record through the plan's first query.
func fbExec(t testing.TB, pl *Plan, rec fbRow) string {
	t.Helper()
	q := pl.Queries[0]
	pipe, err := q.NewPipeline(0, nil)
	if err != nil {
		return "CHECK: " + err.Error()
	}
	dec := runtime.NewDecoder(q.Source.Columns, q.Read)
	row := make(runtime.Row, len(q.Source.Columns))
	if err := dec.Decode([]byte(rec), row); err != nil {
		t.Fatalf("decode %s: %v", rec, err)
	}
	ctx := runtime.Ctx{MaxValueBytes: pl.MaxValueBytes}
	outs := pipe.Execute(&ctx, row, 0)
	if ctx.Err != nil {
		return "ERR: " + ctx.Err.Error()
	}
	if len(outs) != 1 {
		return fmt.Sprintf("%d outputs", len(outs))
	}
	enc := runtime.NewEncoder([]string{"x"})
	out := string(enc.Append(nil, outs[0]))
	return strings.TrimSuffix(strings.TrimPrefix(out, `{"x":`), "}")
}

// fbCase is one expression, its record and the value velort must write.
type fbCase struct {
	expr string
	rec  fbRow
	want string
}

func runFbCases(t *testing.T, cases []fbCase) {
	t.Helper()
	for _, c := range cases {
		rec := c.rec
		if rec == "" {
			rec = `{}`
		}
		if got := fbEval(t, c.expr, rec); got != c.want {
			t.Errorf("%s on %s = %s, want %s", c.expr, rec, got, c.want)
		}
	}
}
