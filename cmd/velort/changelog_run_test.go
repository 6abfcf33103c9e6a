package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// changelogTable reads a changelog capture (one {"op","key","row"} line per
// record) into the table it describes: the last row of each key that is
// not deleted.
func changelogTable(t *testing.T, path string) map[string]string {
	t.Helper()
	table := map[string]string{}
	for i, line := range readLines(t, path) {
		var e struct {
			Op  string          `json:"op"`
			Key *string         `json:"key"`
			Row json.RawMessage `json:"row"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil || e.Key == nil || (e.Op != "upsert" && e.Op != "delete") {
			t.Fatalf("%s line %d is not a changelog record: %s (%v)", path, i+1, line, err)
		}
		if e.Op == "delete" {
			delete(table, *e.Key)
		} else {
			table[*e.Key] = string(e.Row)
		}
	}
	return table
}

func runSQL(t *testing.T, sql string, f runFlags) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "q.sql")
	if err := os.WriteFile(file, []byte(sql), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := runFile(ctx, file, f, os.Stdout); err != nil {
		t.Fatalf("velort run: %v", err)
	}
}

func writeLines(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// chainSQL: counts is a GROUP BY k (EMIT CHANGES) on 4 partitions, a
// changelog keyed by k; total sums its c column — over a table, so the
// second query is repartitioned (all rows to the global group) with
// retractions of each key's previous count.
const chainSQL = `CREATE STREAM s (k VARCHAR, v BIGINT) WITH (subject = 'ch.s.{partition}', partitions = 4, key = 'k');
CREATE STREAM counts WITH (subject = 'ch.counts.{partition}', partitions = 4, key = 'k') AS
SELECT k, COUNT(*) AS c FROM s GROUP BY k EMIT CHANGES;
CREATE STREAM total WITH (subject = 'ch.total') AS SELECT SUM(c) AS total FROM counts;
`

// TestChangelogChainSumOfCounts: 10 records over 3 keys, counted per key
// on 4 partitions, then summed: the final total is 10, the batch answer
// (SELECT SUM(c) FROM (SELECT k, COUNT(*) c FROM s GROUP BY k)). The old
// code summed every update of counts and ended at 1+2+3+4 + 1+2+3 + 1+2+3
// = 22 (checked on ceac989, whose capture lines are plain rows).
func TestChangelogChainSumOfCounts(t *testing.T) {
	var in []string
	for i, k := range []string{"a", "b", "a", "c", "a", "b", "c", "a", "b", "c"} {
		in = append(in, fmt.Sprintf(`{"k":%q,"v":%d}`, k, i))
	}
	dir := t.TempDir()
	counts, total := filepath.Join(dir, "counts.jsonl"), filepath.Join(dir, "total.jsonl")
	runSQL(t, chainSQL, runFlags{replay: []string{"s=" + writeLines(t, in...)}, capture: []string{"counts=" + counts, "total=" + total}})
	if got, want := changelogTable(t, counts), map[string]string{"a": `{"k":"a","c":4}`, "b": `{"k":"b","c":3}`, "c": `{"k":"c","c":3}`}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("counts: %v, want %v", got, want)
	}
	if got := changelogTable(t, total); fmt.Sprint(got) != fmt.Sprint(map[string]string{"": `{"total":10}`}) {
		t.Errorf("total: %v, want the one row {\"total\":10} under the empty key", got)
	}
}

// TestChangelogCaptureReplayRoundTrip: what --capture writes of a
// changelog replays into a declared changelog source as the same table:
// envelope lines publish with Velort-Op and Velort-Key (a delete line
// deletes its key), plain JSON lines are upserts keyed by the source key.
// The filter's capture shows the deletes it passes on.
func TestChangelogCaptureReplayRoundTrip(t *testing.T) {
	dir := t.TempDir()
	counts := filepath.Join(dir, "counts.jsonl")
	in := []string{`{"k":"a","v":1}`, `{"k":"b","v":2}`, `{"k":"a","v":3}`, `{"k":"c","v":4}`}
	runSQL(t, chainSQL, runFlags{replay: []string{"s=" + writeLines(t, in...)}, capture: []string{"counts=" + counts}})
	lines := readLines(t, counts)
	if len(lines) != 4 || !strings.HasPrefix(lines[0], `{"op":"upsert","key":"`) {
		t.Fatalf("counts capture: %q", lines)
	}
	// Replayed into a declared changelog source: the captured lines, a
	// delete of b (written as a capture writes it) and a plain row for d.
	replay := writeLines(t, append(lines, `{"op":"delete","key":"b","row":{"k":"b","c":1}}`, `{"k":"d","c":5}`)...)
	sql := `CREATE STREAM counts (k VARCHAR, c BIGINT) WITH (subject = 'rt.counts.{partition}', partitions = 2, key = 'k', changelog = 'upsert');
CREATE STREAM total WITH (subject = 'rt.total') AS SELECT SUM(c) AS total, COUNT(*) AS n FROM counts;
CREATE STREAM big WITH (subject = 'rt.big.{partition}', partitions = 2, key = 'k') AS SELECT k, c FROM counts WHERE c >= 2;
`
	total, big := filepath.Join(dir, "total.jsonl"), filepath.Join(dir, "big.jsonl")
	runSQL(t, sql, runFlags{replay: []string{"counts=" + replay}, capture: []string{"total=" + total, "big=" + big}})
	if got := changelogTable(t, total); fmt.Sprint(got) != fmt.Sprint(map[string]string{"": `{"total":8,"n":3}`}) {
		t.Errorf("total: %v, want {\"total\":8,\"n\":3} (a 2, c 1, d 5)", got)
	}
	if got, want := changelogTable(t, big), map[string]string{"a": `{"k":"a","c":2}`, "d": `{"k":"d","c":5}`}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("big: %v, want %v", got, want)
	}
}
