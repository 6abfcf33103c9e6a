package planner

import "testing"

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
	if _, err := Parse("q.sql", sql[:len(sql)-len("k1, window_start, COUNT(*) AS n FROM s GROUP BY k1, TUMBLE(ts, INTERVAL '1' MINUTE) EMIT CHANGES;")]+
		"window_start, COUNT(*) AS n FROM s GROUP BY k1, TUMBLE(ts, INTERVAL '1' MINUTE) EMIT CHANGES;", Options{}); err == nil {
		t.Fatalf("partitioned by k1, a key part o does not carry: want a refusal")
	}
}
