package planner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse: planning never panics, whatever the file says; it returns a
// plan or a positioned error. The seed corpus is every SQL file of
// testdata plus the queries of the check tests; `go test` runs the seeds,
// `go test -fuzz=FuzzParse -fuzztime=20s ./planner` explores.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../testdata/*/*/*.sql")
	more, _ := filepath.Glob("../testdata/*/*.sql")
	for _, p := range append(files, more...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	for _, q := range []string{
		"CREATE STREAM o AS SELECT k, SUM(DISTINCT x), GROUP_CONCAT(DISTINCT v ORDER BY v SEPARATOR ';') FROM s GROUP BY k, TUMBLE(ts, INTERVAL 1 SECOND) HAVING SUM(x) > 1 EMIT FINAL;",
		"CREATE STREAM o AS SELECT k, LAG(x, 2, 0) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) FROM s;",
		"CREATE STREAM o AS SELECT k FROM s WHERE x IN (SELECT x FROM s) AND EXISTS (SELECT 1);",
		"CREATE STREAM o AS SELECT COUNT(*), BIT_AND(x), COUNT(DISTINCT x, v) FROM s WHERE 1 IN (2);",
		"CREATE FUNCTION f(a BIGINT) RETURNS BIGINT WITH (module = 'x.wasm');\nCREATE STREAM o AS SELECT f(x, 1) FROM s GROUP BY k, HOP(ts, INTERVAL 1 SECOND, INTERVAL 1 MINUTE);",
		"CREATE STREAM o AS SELECT k, AVG(x) OVER (ROWS WINDOW BUFFER 3 ROWS PARTITION BY k) FROM s WINDOW SESSION(ts, 5s) EMIT CHANGES;",
	} {
		f.Add(checkDecl + q)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		pl, err := Parse("f.sql", sql, Options{})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.sql:") {
				t.Fatalf("error without a position: %v", err)
			}
			return
		}
		for _, q := range pl.Queries {
			if _, err := q.NewPipeline(0, nil); err != nil && !strings.Contains(err.Error(), "module") {
				t.Fatalf("planned, then failed to compile: %v", err)
			}
		}
	})
}

// TestExamplesPlan: every example SQL file of the repository still plans
// (the checks added to `check` refuse nothing valid there).
func TestExamplesPlan(t *testing.T) {
	files, _ := filepath.Glob("../testdata/golden/*/query.sql")
	if len(files) == 0 {
		t.Fatal("no golden queries found")
	}
	for _, p := range files {
		if strings.Contains(p, "udf_") {
			continue // needs its modules or --plugins
		}
		if _, err := ParseFile(p, Options{}); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}
