package planner

import (
	"testing"

	"github.com/velort/velort/runtime"
)

// TestWhereBetweenOneComparisonType: in a WHERE (where go-mysql-server's
// analyzer rewrites BETWEEN into >= AND <=), x BETWEEN lo AND hi still
// compares all three with one type, as MySQL: strings among numbers are
// read as numbers ('12abc' BETWEEN 0 AND '5' is false; it passed, as
// '12abc' <= '5' as strings). Expected values are MariaDB 10.11's.
func TestWhereBetweenOneComparisonType(t *testing.T) {
	for _, c := range []struct {
		where, rec string
		pass       bool
	}{
		{"s BETWEEN 0 AND '5'", `{"s":"12abc"}`, false},
		{"s BETWEEN 0 AND '5'", `{"s":"4.5x"}`, true},
		{"NOT (s BETWEEN 0 AND '5')", `{"s":"12abc"}`, true},
		{"s BETWEEN '0' AND '5'", `{"s":"12abc"}`, true},
		{"i BETWEEN '1' AND '20'", `{"i":5}`, true},
		{"d > 0 AND s BETWEEN 0 AND 5", `{"d":1,"s":"12abc"}`, false},
	} {
		pl, err := Parse("e.sql", arStream+"CREATE STREAM o WITH (subject = 'o') AS SELECT i FROM t WHERE "+c.where+";", Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.where, err)
		}
		q := pl.Queries[0]
		pipe, err := q.NewPipeline(0, nil)
		if err != nil {
			t.Fatal(err)
		}
		dec := runtime.NewDecoder(q.Source.Columns, q.Read)
		row := make(runtime.Row, len(q.Source.Columns))
		if err := dec.Decode([]byte(c.rec), row); err != nil {
			t.Fatal(err)
		}
		var ctx runtime.Ctx
		outs := pipe.Execute(&ctx, row, 0)
		if ctx.Err != nil {
			t.Fatalf("%s: %v", c.where, ctx.Err)
		}
		if got := len(outs) == 1; got != c.pass {
			t.Errorf("WHERE %s over %s: passed %v, want %v", c.where, c.rec, got, c.pass)
		}
	}
}
