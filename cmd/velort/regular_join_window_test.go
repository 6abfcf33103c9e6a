package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestWindowJoinAgainstSQLite: two windowed EMIT FINAL queries (TUMBLE 10 s
// per key) joined on key and window_start — a window join, which the old
// code refused ("a stream–stream join must be an INNER join with a time
// bound") — run with velort run --replay on 1 and 4 partitions. The join's
// output is append-only, and its records (a multiset) equal the same
// SELECT in SQLite over the windows of the inputs; a GROUP BY over the
// window join too.
func TestWindowJoinAgainstSQLite(t *testing.T) {
	for seed := range 3 {
		for _, parts := range []int{1, 4} {
			t.Run(fmt.Sprintf("seed=%d/partitions=%d", seed, parts), func(t *testing.T) { windowJoinCase(t, uint64(seed), parts) })
		}
	}
}

func windowJoinCase(t *testing.T, seed uint64, parts int) {
	rng := rand.New(rand.NewPCG(seed, 77))
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	db.Exec("CREATE TABLE bids (k TEXT, v INTEGER, ts INTEGER)")
	db.Exec("CREATE TABLE asks (k TEXT, w INTEGER, ts INTEGER)")
	write := func(name, col string, n int) string {
		var lines []string
		ts := base
		for range n {
			ts += int64(rng.IntN(700))
			k, x := string(rune('a'+rng.IntN(6))), rng.IntN(50)
			lines = append(lines, fmt.Sprintf(`{"k":%q,%q:%d,"ts":%d}`, k, col, x, ts))
			db.Exec("INSERT INTO "+name+" VALUES (?, ?, ?)", k, x, ts)
		}
		p := filepath.Join(t.TempDir(), name+".jsonl")
		os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
		return name + "=" + p
	}
	var f runFlags
	f.replay = []string{write("bids", "v", 400), write("asks", "w", 250)}
	part := func(subject string) string {
		if parts == 1 {
			return fmt.Sprintf("subject = '%s'", subject)
		}
		return fmt.Sprintf("subject = '%s.{partition}', partitions = %d, key = 'k'", subject, parts)
	}
	text := fmt.Sprintf(`
CREATE STREAM bids (k VARCHAR, v BIGINT, ts TIMESTAMP) WITH (%s, event_time = 'ts');
CREATE STREAM asks (k VARCHAR, w BIGINT, ts TIMESTAMP) WITH (%s, event_time = 'ts');
CREATE STREAM bw WITH (%s) AS SELECT k, window_start, window_end, COUNT(*) AS n, SUM(v) AS sv FROM bids GROUP BY k, TUMBLE(ts, INTERVAL '10' SECOND);
CREATE STREAM aw WITH (%s) AS SELECT k, window_start, window_end, MAX(w) AS mw FROM asks GROUP BY k, TUMBLE(ts, INTERVAL '10' SECOND);
CREATE STREAM wj WITH (subject = 'wj.j') AS SELECT x.k, x.window_start, x.n, x.sv, y.mw FROM bw x JOIN aw y ON x.k = y.k AND x.window_start = y.window_start WHERE y.mw > 5;
CREATE STREAM wg WITH (subject = 'wj.g') AS SELECT bw.k, COUNT(*) AS windows, SUM(bw.sv) AS total FROM bw JOIN aw ON bw.window_start = aw.window_start AND bw.k = aw.k GROUP BY bw.k;
`, part("wj.bids"), part("wj.asks"), part("wj.bw"), part("wj.aw"))
	dir := t.TempDir()
	sqlFile := filepath.Join(dir, "q.sql")
	os.WriteFile(sqlFile, []byte(text), 0o644)
	f.capture = []string{"wj=" + filepath.Join(dir, "wj.out"), "wg=" + filepath.Join(dir, "wg.out")}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := runFile(ctx, sqlFile, f, io.Discard); err != nil {
		t.Fatalf("velort run: %v\n%s", err, text)
	}
	var got []string
	for _, l := range readLines(t, filepath.Join(dir, "wj.out")) {
		if strings.Contains(l, `"op"`) {
			t.Fatalf("a window join's output is append-only, got a changelog record: %s", l)
		}
		got = append(got, rjJSONRow(t, l))
	}
	slices.Sort(got)
	windows := `WITH bw AS (SELECT k, ts - ts % 10000 AS ws, COUNT(*) AS n, SUM(v) AS sv FROM bids GROUP BY k, ws),
aw AS (SELECT k, ts - ts % 10000 AS ws, MAX(w) AS mw FROM asks GROUP BY k, ws) `
	var want []string
	for _, r := range rjSQLite(t, db, windows+"SELECT x.k, x.ws, x.n, x.sv, y.mw FROM bw x JOIN aw y ON x.k = y.k AND x.ws = y.ws WHERE y.mw > 5") {
		p := strings.Split(r, "|")
		var ms int64
		fmt.Sscan(p[1], &ms)
		p[1] = time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
		want = append(want, strings.Join(p, "|"))
	}
	slices.Sort(want)
	if len(want) < 10 || !slices.Equal(got, want) {
		t.Errorf("wj: velort %d rows:\n  %s\nSQLite %d rows:\n  %s", len(got), strings.Join(got, "\n  "), len(want), strings.Join(want, "\n  "))
	}
	gotG := rjCaptureTable(t, filepath.Join(dir, "wg.out"))
	wantG := rjSQLite(t, db, windows+"SELECT x.k, COUNT(*) AS windows, SUM(x.sv) AS total FROM bw x JOIN aw y ON x.ws = y.ws AND x.k = y.k GROUP BY x.k")
	if !slices.Equal(gotG, wantG) {
		t.Errorf("wg: velort %v\nSQLite %v", gotG, wantG)
	}
}
