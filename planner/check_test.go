package planner

import (
	"fmt"
	"strings"
	"testing"

	"github.com/velort/velort/runtime"
)

// checkDecl is the source stream of the check tests: a key, numbers, a
// string and an event time.
const checkDecl = "CREATE STREAM s (k VARCHAR, x BIGINT, d DOUBLE, v VARCHAR, ts TIMESTAMP) WITH (subject = 'in', event_time = 'ts');\n"

// TestCheckRefuses: every query below passed `check` and then failed,
// hung or computed something else at run time. Each is refused at the
// position of its cause with what to write instead.
func TestCheckRefuses(t *testing.T) {
	cases := []struct {
		name, sql, want string
	}{
		{"scalar subquery of many rows", checkDecl + "CREATE STREAM o AS SELECT k FROM s WHERE x > (SELECT AVG(x) FROM s GROUP BY k);",
			"q.sql:2:47: a scalar subquery must return one row: expected an aggregate without GROUP BY"},
		{"two subqueries", checkDecl + "CREATE STREAM o AS SELECT k FROM s WHERE x > (SELECT AVG(x) FROM s) AND x IN (SELECT x FROM s);",
			"q.sql:2:79: one subquery per query for now"},
		{"NOT IN subquery", checkDecl + "CREATE STREAM o AS SELECT k FROM s\nWHERE x NOT IN (SELECT x FROM s);",
			"q.sql:3:9: NOT IN (SELECT …) is not supported yet"},
		{"uncorrelated EXISTS", checkDecl + "CREATE STREAM o AS SELECT k FROM s WHERE EXISTS (SELECT x FROM s);",
			"q.sql:2:50: an EXISTS subquery must be correlated"},
		{"subquery under OR", checkDecl + "CREATE STREAM o AS SELECT k FROM s WHERE x > 1 OR x IN (SELECT x FROM s);",
			"q.sql:2:57: subqueries are not supported yet here"},
		{"subquery in select", checkDecl + "CREATE STREAM o AS SELECT k, (SELECT 1) FROM s;",
			"q.sql:2:31: subqueries are not supported yet"},
		{"TUMBLE over VARCHAR", checkDecl + "CREATE STREAM o AS SELECT k, COUNT(*) FROM s GROUP BY k, TUMBLE(v, INTERVAL 1 SECOND);",
			"q.sql:2:65: time column v of TUMBLE is VARCHAR: expected a TIMESTAMP column"},
		{"CREATE FUNCTION named like a built-in", "CREATE FUNCTION upper(a VARCHAR) RETURNS VARCHAR WITH (module = 'x.wasm');\n" + checkDecl + "CREATE STREAM o AS SELECT upper(k) FROM s;",
			"q.sql:1:17: function upper has the name of a built-in function: choose another name"},
		{"CREATE FUNCTION twice", "CREATE FUNCTION f(a BIGINT) RETURNS BIGINT WITH (module = 'x.wasm');\nCREATE FUNCTION F(a BIGINT) RETURNS BIGINT WITH (module = 'x.wasm');\n" + checkDecl + "CREATE STREAM o AS SELECT f(x) FROM s;",
			"q.sql:2:17: function F is already declared"},
		{"UDF arity", "CREATE FUNCTION f(a BIGINT, b BIGINT) RETURNS BIGINT WITH (module = 'x.wasm');\n" + checkDecl + "CREATE STREAM o AS\nSELECT k, f(x) + 1 FROM s;",
			"q.sql:4:11: function f takes 2 argument(s), found 1: expected f(BIGINT, BIGINT)"},
		{"UDF arity nested", "CREATE FUNCTION f(a BIGINT) RETURNS BIGINT WITH (module = 'x.wasm');\n" + checkDecl + "CREATE STREAM o AS\nSELECT k, ABS(f(x, GREATEST(x, 1))) FROM s;",
			"q.sql:4:15: function f takes 1 argument(s), found 2"},
		{"SLEEP", checkDecl + "CREATE STREAM o AS SELECT k, SLEEP(30) FROM s;",
			"q.sql:2:30: SLEEP is refused in a continuous query: it blocks the partition"},
		{"LOAD_FILE", checkDecl + "CREATE STREAM o AS SELECT LOAD_FILE('/etc/passwd') AS f FROM s;",
			"q.sql:2:27: LOAD_FILE is refused in a continuous query: it reads files of the host"},
		{"BENCHMARK", checkDecl + "CREATE STREAM o AS SELECT k FROM s WHERE BENCHMARK(1000000, MD5(v)) = 0;",
			"q.sql:2:42: BENCHMARK is refused"},
		{"GET_LOCK", checkDecl + "CREATE STREAM o AS SELECT get_lock('a', 10) FROM s;",
			"q.sql:2:27: GET_LOCK is refused"},
		{"LAG offset", checkDecl + "CREATE STREAM o AS SELECT k, LAG(x, 999999999999) OVER (PARTITION BY k ORDER BY ts) AS p FROM s;",
			"q.sql:2:37: LAG offset 999999999999 is over the limit of 100000 rows"},
		{"LEAD offset", checkDecl + "CREATE STREAM o AS SELECT k, LEAD(x, 100001, 0) OVER (PARTITION BY k ORDER BY ts) AS p FROM s;",
			"q.sql:2:38: LEAD offset 100001 is over the limit of 100000 rows"},
		{"ROWS frame", checkDecl + "CREATE STREAM o AS SELECT k, SUM(x) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 999999999999 PRECEDING AND CURRENT ROW) AS w FROM s;",
			"q.sql:2:83: ROWS BETWEEN 999999999999 PRECEDING keeps too many rows per key: the limit is 100000"},
		{"BUFFER rows", checkDecl + "CREATE STREAM o AS SELECT k, AVG(x) OVER (ROWS WINDOW BUFFER 100001 ROWS PARTITION BY k ORDER BY ts) AS w FROM s;",
			"q.sql:2:62: expected a row count from 1 to 100000 after BUFFER"},
		{"HOP windows per record", checkDecl + "CREATE STREAM o AS SELECT k, COUNT(*) FROM s GROUP BY k, HOP(ts, INTERVAL 1 MILLISECOND, INTERVAL 1 DAY);",
			"q.sql:2:58: HOP with size 86400000 ms and slide 1 ms puts each record in 86400000 windows: the limit is 1000"},
		{"SLIDING windows per record", checkDecl + "CREATE STREAM o AS SELECT k, COUNT(*) FROM s GROUP BY k WINDOW SLIDING(ts, 1001s, 1s);",
			"q.sql:2:64: SLIDING with size 1001000 ms and slide 1000 ms puts each record in 1001 windows"},
		{"unsupported window function", checkDecl + "CREATE STREAM o AS SELECT k,\n  RANK() OVER (PARTITION BY k ORDER BY ts) AS r FROM s;",
			"q.sql:3:3: window function RANK is not supported: expected ROW_NUMBER, LAG, LEAD"},
		{"unsupported frame", checkDecl + "CREATE STREAM o AS SELECT k, SUM(x) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 FOLLOWING AND 2 FOLLOWING) AS r FROM s;",
			"q.sql:2:37: window frame ROWS BETWEEN 1 FOLLOWING AND 2 FOLLOWING is not supported"},
		{"INTO", checkDecl + "CREATE STREAM o AS SELECT k FROM s INTO OUTFILE '/tmp/x';",
			"q.sql:2:20: SELECT ... INTO (the query's rows go to its stream) is not supported"},
		{"UNION", checkDecl + "CREATE STREAM o AS SELECT k FROM s UNION SELECT v FROM s;",
			"q.sql:2:36: UNION without ALL is not supported yet: expected UNION ALL (for distinct rows, SELECT DISTINCT * FROM (… UNION ALL …) AS u)"},
		{"error in an output column", checkDecl + "CREATE STREAM o AS SELECT k,\n  CAST(x AS DECIMAL(30,20)) AS c FROM s;",
			"q.sql:3:3: output column 2 (c): DECIMAL(30,20)"},
		{"error in the first output column", checkDecl + "CREATE STREAM o AS SELECT CAST(x AS DECIMAL(30,20)) AS c FROM s;",
			"q.sql:2:27: output column 1 (c)"},
		{"error in WHERE", checkDecl + "CREATE STREAM o AS SELECT k FROM s\nWHERE v REGEXP '(a)\\\\1';",
			"q.sql:3:7: regular expression"},
		{"error in HAVING", checkDecl + "CREATE STREAM o AS SELECT k, COUNT(*) AS n FROM s GROUP BY k\nHAVING MAX(v) REGEXP '(a)\\\\1';",
			"q.sql:3:8: regular expression"},
		{"error in an aggregate's argument", checkDecl + "CREATE STREAM o AS SELECT k,\n  SUM(CAST(x AS DECIMAL(30,20))) AS c FROM s GROUP BY k;",
			"q.sql:3:3: SUM: DECIMAL(30,20)"},
		{"HOP slide over size", checkDecl + "CREATE STREAM o AS SELECT k, COUNT(*) AS n FROM s\nGROUP BY k, HOP(ts, INTERVAL 2 SECOND, INTERVAL 1 SECOND);",
			"q.sql:3:13: HOP: slide (2000 ms) larger than size (1000 ms) would skip records"},
		{"CAST of text AS CHAR(n)", checkDecl + "CREATE STREAM o AS SELECT x, CAST(x AS CHAR(3)) AS a,\n  CAST(v AS CHAR(2)) AS b FROM s;",
			"q.sql:3:3: CAST/CONVERT of text to CHAR(2): velort cannot cut text to a length this way; write LEFT(x, 2)"},
		{"CONVERT of text to CHAR(n)", checkDecl + "CREATE STREAM o AS SELECT k FROM s WHERE CONVERT(UPPER(v), CHAR(1)) = 'A';",
			"q.sql:2:42: CAST/CONVERT of text to CHAR(1)"},
		{"GREATEST of TIMESTAMP and number", checkDecl + "CREATE STREAM o AS SELECT k,\n  GREATEST(ts, 1) AS g FROM s;",
			"q.sql:3:3: GREATEST of a TIMESTAMP and a number is not supported"},
		{"LEAST of TIMESTAMP and number", checkDecl + "CREATE STREAM o AS SELECT k FROM s WHERE LEAST(x, ts, 2.5) > 0;",
			"q.sql:2:42: LEAST of a TIMESTAMP and a number is not supported"},
		{"interval overflow", checkDecl + "CREATE STREAM o AS SELECT k, COUNT(*) FROM s GROUP BY k, TUMBLE(ts, INTERVAL 9223372036854775 DAY);",
			"q.sql:2:78: interval 9223372036854775 DAY is too long: windows are limited to 100 years"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("q.sql", c.sql, Options{})
			if err == nil {
				t.Fatalf("no error; want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n  %s\nwant it to contain\n  %s", err, c.want)
			}
		})
	}
}

// checkPipeline plans sql and compiles its only query for partition 0.
func checkPipeline(t *testing.T, sql string) (*Query, *runtime.Pipeline) {
	t.Helper()
	pl, err := Parse("q.sql", sql, Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := pl.Queries[0]
	pipe, err := q.NewPipeline(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	return q, pipe
}

// rowText renders output rows as "a|b" lines.
func rowText(rows []runtime.Row) []string {
	var out []string
	for _, r := range rows {
		var parts []string
		for _, v := range r {
			parts = append(parts, string(runtime.AppendValueJSON(nil, v)))
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out
}

func sRow(k string, x int64, d float64, v string, ts int64) runtime.Row {
	return runtime.Row{runtime.String([]byte(k)), runtime.Int(x), runtime.Double(d), runtime.String([]byte(v)), {T: runtime.TTimestamp, I: ts}}
}

// TestCheckAcceptsValid: valid queries that `check` refused run and
// compute what MySQL computes.
func TestCheckAcceptsValid(t *testing.T) {
	t.Run("WHERE folding to false", func(t *testing.T) {
		for _, q := range []string{
			"CREATE STREAM o AS SELECT k, x FROM s WHERE 1 IN (2);",
			"CREATE STREAM o AS SELECT k, SUM(x) FROM s WHERE 1 = 0 GROUP BY k;",
		} {
			_, pipe := checkPipeline(t, checkDecl+q)
			var c runtime.Ctx
			if out := pipe.Execute(&c, sRow("a", 1, 0, "", 0), 0); len(out) != 0 || c.Err != nil {
				t.Errorf("%s: outputs %v, err %v; want none", q, rowText(out), c.Err)
			}
		}
	})
	t.Run("at the limits", func(t *testing.T) {
		for _, q := range []string{
			"CREATE STREAM o AS SELECT k, LAG(x, 100000) OVER (PARTITION BY k ORDER BY ts) AS p FROM s;",
			"CREATE STREAM o AS SELECT k, SUM(x) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 100000 PRECEDING AND CURRENT ROW) AS w FROM s;",
			"CREATE STREAM o AS SELECT k, COUNT(*) FROM s GROUP BY k, HOP(ts, INTERVAL 1 SECOND, INTERVAL 1000 SECOND);",
			"CREATE STREAM o AS SELECT k, COUNT(*) FROM s GROUP BY k, TUMBLE(ts, INTERVAL 36500 DAY);",
		} {
			checkPipeline(t, checkDecl+q)
		}
	})
	t.Run("HAVING over a computed select expression", func(t *testing.T) {
		_, pipe := checkPipeline(t, checkDecl+"CREATE STREAM o AS SELECT k, SUM(x)*2 AS s2 FROM s GROUP BY k HAVING s2 > 10;")
		var c runtime.Ctx
		var got []string
		for i, r := range []runtime.Row{sRow("a", 3, 0, "", 0), sRow("b", 6, 0, "", 0), sRow("a", 3, 0, "", 0)} {
			got = append(got, fmt.Sprint(i, rowText(pipe.Execute(&c, r, 0))))
		}
		want := []string{"0 []", `1 ["b"|12]`, `2 ["a"|12]`}
		if strings.Join(got, ";") != strings.Join(want, ";") {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

// TestPluginNames: a --plugins function named like a built-in, or
// declared by two modules, panicked check ("function 'variance' is
// already registered").
func TestPluginNames(t *testing.T) {
	for _, c := range []struct {
		fns  []*Function
		want string
	}{
		{[]*Function{{Name: "variance", Module: "c_stats.wasm", Kind: "aggregate"}}, "q.sql:1:1: plugin function variance (c_stats.wasm) has the name of a built-in function"},
		{[]*Function{{Name: "risk", Module: "a.wasm"}, {Name: "RISK", Module: "b.wasm"}}, "q.sql:1:1: plugin function RISK is declared by two modules (a.wasm and b.wasm)"},
	} {
		_, err := Parse("q.sql", checkDecl+"CREATE STREAM o AS SELECT k FROM s;", Options{Functions: c.fns})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}
