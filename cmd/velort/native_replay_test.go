package main

import (
	"fmt"
	"path/filepath"
	"testing"
)

// TestReplayCSV: --replay publishes each line of a file as one payload of
// a csv stream, to the partition its key hashes to — the key read with the
// stream's format. Before, replay read the key as JSON, failed, and sent
// every line to partition 0, where the keyed GROUP BY dead-lettered those
// of partition 1 as misrouted.
func TestReplayCSV(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sums.jsonl")
	in := writeLines(t, "a,1", "b,2", "c,3", "a,4", "d,5", "b,6", `"e,f",7`)
	runSQL(t, `CREATE STREAM c (k VARCHAR, v BIGINT) WITH (subject = 'rc.{partition}', partitions = 2, key = 'k', format = 'csv');
CREATE STREAM sums WITH (subject = 'rc.sums') AS SELECT k, SUM(v) AS total FROM c GROUP BY k EMIT CHANGES;`,
		runFlags{replay: []string{"c=" + in}, capture: []string{"sums=" + out}})
	want := map[string]string{"a": `{"k":"a","total":5}`, "b": `{"k":"b","total":8}`, "c": `{"k":"c","total":3}`, "d": `{"k":"d","total":5}`,
		"e,f": `{"k":"e,f","total":7}`}
	if got := changelogTable(t, out); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("sums: %v, want %v", got, want)
	}
}
