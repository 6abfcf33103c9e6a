package planner

import (
	"strings"
	"testing"

	"github.com/velort/velort/runtime"
)

// TestStateTTLRefused: state_ttl where the statement keeps no state it
// bounds, on a declared stream or KV table, or with a bad duration, is
// refused at the option's value with why.
func TestStateTTLRefused(t *testing.T) {
	cases := []struct{ name, sql, want string }{
		{"filter", checkDecl + "CREATE STREAM o WITH (state_ttl = '1h') AS SELECT k FROM s WHERE x > 1;",
			"q.sql:2:35: state_ttl bounds the state of a GROUP BY without a window (SELECT DISTINCT too) and of a regular join, and the query of o has none: a filter or projection keeps no state; remove state_ttl"},
		{"windowed GROUP BY", checkDecl + "CREATE STREAM o WITH (state_ttl = '1h') AS SELECT k, COUNT(*) AS n FROM s GROUP BY k, TUMBLE(ts, INTERVAL 1 MINUTE);",
			"q.sql:2:35: state_ttl bounds the state of a GROUP BY without a window (SELECT DISTINCT too) and of a regular join, and the query of o has none: a windowed GROUP BY's state is already bounded by the watermark"},
		{"EMIT FINAL", checkDecl + "CREATE STREAM o WITH (state_ttl = '1h') AS SELECT k, COUNT(*) AS n FROM s GROUP BY k EMIT FINAL;",
			"q.sql:2:35: state_ttl bounds the state of a GROUP BY without a window (SELECT DISTINCT too) and of a regular join, and the query of o has none: a GROUP BY with EMIT FINAL emits each group once, at end of input"},
		{"over a view", checkDecl + "CREATE VIEW v AS SELECT k, COUNT(*) AS n FROM s GROUP BY k;\nCREATE STREAM o WITH (state_ttl = '1h') AS SELECT k, n FROM v WHERE n > 1;",
			"q.sql:3:35: state_ttl bounds the state of a GROUP BY without a window (SELECT DISTINCT too) and of a regular join, and the query of o has none: it reads view v, whose state is the view's own"},
		{"bad duration", checkDecl + "CREATE STREAM o WITH (state_ttl = 'soon') AS SELECT k, COUNT(*) AS n FROM s GROUP BY k;",
			"q.sql:2:35: expected a duration like '30m', '1h' or '90s' for state_ttl"},
		{"zero duration", checkDecl + "CREATE STREAM o WITH (state_ttl = '0s') AS SELECT DISTINCT k FROM s;",
			"q.sql:2:35: expected a duration like '30m', '1h' or '90s' for state_ttl"},
		{"declared stream", "CREATE STREAM s (k VARCHAR) WITH (subject = 'in', state_ttl = '1h');\n",
			"q.sql:1:63: state_ttl bounds the state of a query: it belongs in the WITH (...) of CREATE STREAM s ... AS SELECT"},
		{"KV table", "CREATE TABLE t (k VARCHAR PRIMARY KEY, v BIGINT) WITH (kv = 'b', state_ttl = '1h');\n",
			"q.sql:1:78: state_ttl bounds the state of a query: it belongs to CREATE TABLE t ... AS SELECT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("q.sql", c.sql, Options{})
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n  %s\nwant it to contain\n  %s", err, c.want)
			}
		})
	}
}

// TestStateTTLGroupBy: a GROUP BY without a window with state_ttl forgets
// a key idle for longer than the ttl (its COUNT restarts) and keeps one
// whose records are closer together; SELECT DISTINCT and a materialized
// table take the option too.
func TestStateTTLGroupBy(t *testing.T) {
	for _, stmt := range []string{
		"CREATE STREAM o WITH (state_ttl = '1m') AS SELECT k, COUNT(*) AS n FROM s GROUP BY k;",
		"CREATE TABLE o WITH (state_ttl = '1m') AS SELECT k, COUNT(*) AS n FROM s GROUP BY k;",
	} {
		_, pipe := checkPipeline(t, checkDecl+stmt)
		c := &runtime.Ctx{}
		at := func(k string, sec int64) string {
			outs := rowText(pipe.Execute(c, sRow(k, 1, 0, "", sec*1000), sec*1000))
			pipe.Advance(c, sec*1000)
			return strings.Join(outs, ",")
		}
		at("idle", 0)
		at("idle", 10)
		for sec := int64(30); sec <= 300; sec += 30 {
			at("busy", sec)
		}
		if got := at("busy", 330); got != `"busy"|11` {
			t.Errorf("%s: busy (gaps of 30s) = %s, want a count of 11", stmt, got)
		}
		if got := at("idle", 300); got != `"idle"|1` {
			t.Errorf("%s: idle after 290s = %s, want its count restarted at 1", stmt, got)
		}
	}
	_, pipe := checkPipeline(t, checkDecl+"CREATE STREAM o WITH (state_ttl = '1m') AS SELECT DISTINCT k FROM s;")
	c := &runtime.Ctx{}
	if outs := pipe.Execute(c, sRow("a", 1, 0, "", 0), 0); len(outs) != 1 {
		t.Fatalf("first a: %v", rowText(outs))
	}
	pipe.Advance(c, 200_000)
	if pipe.StateRows() != 0 || pipe.StateExpired() != 1 {
		t.Errorf("DISTINCT after the ttl: %d rows held, %d expired", pipe.StateRows(), pipe.StateExpired())
	}
}

// TestStateTTLComposed: the hidden stages of a statement inherit its
// state_ttl (a GROUP BY in a CTE under a filter), and a regular join gets
// it; a windowed stage beside it does not.
func TestStateTTLComposed(t *testing.T) {
	pl, err := Parse("q.sql", checkDecl+`CREATE STREAM o WITH (state_ttl = '90s') AS
WITH per AS (SELECT k, COUNT(*) AS n FROM s GROUP BY k)
SELECT k, n FROM per WHERE n > 2;`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, q := range pl.Queries {
		got = append(got, q.stateTTLMs())
	}
	if len(got) != 2 || got[0] != 90_000 || got[1] != 0 {
		t.Fatalf("ttl of the stage and of the statement's query: %v, want [90000 0]", got)
	}
	stage, err := pl.Queries[0].NewPipeline(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &runtime.Ctx{}
	stage.Execute(c, sRow("a", 1, 0, "", 0), 0)
	stage.Advance(c, 100_000)
	if stage.StateExpired() != 1 {
		t.Errorf("the stage's group did not expire: %d expired", stage.StateExpired())
	}

	pl, err = Parse("q.sql", `CREATE STREAM a (k BIGINT, x BIGINT) WITH (subject = 'a');
CREATE STREAM b (k BIGINT, y BIGINT) WITH (subject = 'b');
CREATE STREAM j WITH (state_ttl = '2h') AS SELECT a.k, a.x, b.y FROM a JOIN b ON a.k = b.k;`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := pl.Queries[len(pl.Queries)-1]
	pipe, err := q.NewPipeline(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if pipe.RegularJoin == nil || pipe.RegularJoin.TTL != 7_200_000 {
		t.Fatalf("regular join's TTL: %+v", pipe.RegularJoin)
	}
}
