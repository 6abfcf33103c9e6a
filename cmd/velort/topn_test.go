package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/velort/velort/internal/testseeds"
)

// topnSQL: Top-N (ORDER BY … LIMIT n) over an append-only stream, over a
// GROUP BY of it, and over a declared changelog with deletes, each source
// on %d partitions. The ORDER BY ends in a unique column, so the batch
// answer has no ties to choose between.
const topnSQL = `CREATE STREAM s (id BIGINT, k VARCHAR, v BIGINT) WITH (subject = 'tn.s.{partition}', partitions = %[1]d, key = 'k');
CREATE STREAM c (k VARCHAR, n BIGINT) WITH (subject = 'tn.c.{partition}', partitions = %[1]d, key = 'k', changelog = 'upsert');
CREATE STREAM top_rows WITH (subject = 'tn.top_rows') AS SELECT id, k, v FROM s WHERE v > 10 ORDER BY v DESC, id LIMIT 5;
CREATE STREAM top_sums WITH (subject = 'tn.top_sums') AS SELECT k, SUM(v) AS t, COUNT(*) AS cnt FROM s GROUP BY k HAVING COUNT(*) > 2 ORDER BY t DESC, k LIMIT 3;
CREATE STREAM low_c WITH (subject = 'tn.low_c') AS SELECT k, n FROM c WHERE n < 90 ORDER BY n, k LIMIT 4;
CREATE STREAM top_counts WITH (subject = 'tn.top_counts') AS SELECT n %% 7 AS m, COUNT(*) AS cnt FROM c GROUP BY n %% 7 ORDER BY cnt DESC, m LIMIT 2;
CREATE STREAM top_total WITH (subject = 'tn.top_total') AS SELECT SUM(v) AS total, COUNT(*) AS rows_in FROM top_rows;
`

// TestTopNAgainstSQLite: each Top-N query's final table, run with velort
// run --replay over random data on 1 and 4 partitions, holds exactly the
// rows SQLite returns for the same SELECT … ORDER BY … LIMIT over what the
// sources received (the changelog source: the last row of each key not
// deleted); a query over a Top-N's changelog sums the top rows only. Fails
// on the old code: ORDER BY and LIMIT were refused.
//
// CI runs seed 0; VELORT_SEEDS=N runs seeds 0 to N-1.
func TestTopNAgainstSQLite(t *testing.T) {
	seeds := testseeds.N(t, 1)
	for seed := 0; seed < seeds; seed++ {
		for _, parts := range []int{1, 4} {
			t.Run(fmt.Sprintf("seed=%d/partitions=%d", seed, parts), func(t *testing.T) {
				topnAgainstSQLite(t, uint64(seed), parts)
			})
		}
	}
}

func topnAgainstSQLite(t *testing.T, seed uint64, parts int) {
	rng := rand.New(rand.NewPCG(uint64(parts)+seed*1000, 2026))
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE s (id INTEGER, k TEXT, v INTEGER); CREATE TABLE c (k TEXT PRIMARY KEY, n INTEGER)"); err != nil {
		t.Fatal(err)
	}
	var sIn, cIn []string
	for i := 1; i <= 400; i++ {
		k, v := fmt.Sprintf("k%d", rng.IntN(9)), rng.Int64N(200)-50
		sIn = append(sIn, fmt.Sprintf(`{"id":%d,"k":%q,"v":%d}`, i, k, v))
		if _, err := db.Exec("INSERT INTO s VALUES (?, ?, ?)", i, k, v); err != nil {
			t.Fatal(err)
		}
	}
	live := map[string]int64{}
	for i := 0; i < 400; i++ {
		k := fmt.Sprintf("c%d", rng.IntN(25))
		if rng.IntN(4) == 0 {
			cIn = append(cIn, fmt.Sprintf(`{"op":"delete","key":%q,"row":null}`, k))
			delete(live, k)
			continue
		}
		n := rng.Int64N(100)
		cIn = append(cIn, fmt.Sprintf(`{"k":%q,"n":%d}`, k, n))
		live[k] = n
	}
	for k, n := range live {
		if _, err := db.Exec("INSERT INTO c VALUES (?, ?)", k, n); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	queries := map[string]string{
		"top_rows":   "SELECT id, k, v FROM s WHERE v > 10 ORDER BY v DESC, id LIMIT 5",
		"top_sums":   "SELECT k, SUM(v) AS t, COUNT(*) AS cnt FROM s GROUP BY k HAVING COUNT(*) > 2 ORDER BY t DESC, k LIMIT 3",
		"low_c":      "SELECT k, n FROM c WHERE n < 90 ORDER BY n, k LIMIT 4",
		"top_counts": "SELECT n % 7 AS m, COUNT(*) AS cnt FROM c GROUP BY n % 7 ORDER BY cnt DESC, m LIMIT 2",
		// A query over a Top-N's changelog (keyed by arrival number,
		// in Velort-Key only) reads it as the table of the top rows.
		"top_total": "SELECT SUM(v) AS total, COUNT(*) AS rows_in FROM (SELECT id, k, v FROM s WHERE v > 10 ORDER BY v DESC, id LIMIT 5)",
	}
	var capture []string
	for name := range queries {
		capture = append(capture, name+"="+filepath.Join(dir, name+".jsonl"))
	}
	runSQL(t, fmt.Sprintf(topnSQL, parts), runFlags{
		replay:  []string{"s=" + writeLines(t, sIn...), "c=" + writeLines(t, cIn...)},
		capture: capture,
	})
	for name, q := range queries {
		var got []string
		for _, row := range changelogTable(t, filepath.Join(dir, name+".jsonl")) {
			got = append(got, row)
		}
		want := sqliteJSONRows(t, db, q)
		slices.Sort(got)
		slices.Sort(want)
		if len(want) == 0 {
			t.Fatalf("%s: SQLite returns no rows; the data do not exercise it", name)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: velort's table\n  %s\nSQLite\n  %s", name, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	}
}

// sqliteJSONRows runs q and writes each row as a JSON object with its
// columns in order (numbers and strings only).
func sqliteJSONRows(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		b.WriteByte('{')
		for i, c := range cols {
			if i > 0 {
				b.WriteByte(',')
			}
			name, _ := json.Marshal(c)
			v, _ := json.Marshal(vals[i])
			if s, ok := vals[i].([]byte); ok {
				v, _ = json.Marshal(string(s))
			}
			b.Write(name)
			b.WriteByte(':')
			b.Write(v)
		}
		b.WriteByte('}')
		out = append(out, b.String())
	}
	return out
}
