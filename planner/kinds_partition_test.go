package planner

import (
	"strings"
	"testing"
)

// TestWindowedChangelogPartitionedByGroupKey: a windowed EMIT CHANGES
// changelog whose row key (k1, window_start, window_end) is partly outside
// its payload (window_end not selected) may still be partitioned by k1, a
// key column it carries (it was refused: "the updates of one row would
// reach different partitions").
func TestWindowedChangelogPartitionedByGroupKey(t *testing.T) {
	const sql = `CREATE STREAM s (k1 VARCHAR, ts TIMESTAMP) WITH (subject = 's', event_time = 'ts');
CREATE STREAM o WITH (subject = 'o.{partition}', partitions = 4, key = 'k1') AS
SELECT k1, window_start, COUNT(*) AS n FROM s GROUP BY k1, TUMBLE(ts, INTERVAL '1' MINUTE) EMIT CHANGES;`
	pl, err := Parse("q.sql", sql, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if o := pl.Stream("o"); !o.Changelog {
		t.Fatalf("o is not a changelog")
	}
	off := strings.Replace(sql, "key = 'k1'", "key = 'n'", 1)
	if _, err := Parse("q.sql", off, Options{}); err == nil || !strings.Contains(err.Error(), "the updates of one row would reach different partitions") {
		t.Fatalf("partitioned by n, no part of the row key: got %v, want the partitioning refusal", err)
	}
}
