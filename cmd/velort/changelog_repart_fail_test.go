package main

import (
	"testing"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
)

// TestChangelogFailedChangeRepartitioned: over a changelog on 4
// partitions, a GROUP BY whose keys do not contain the input's key is
// repartitioned (the source partition forwards each change to the
// partitions of its rows' groups, where they are aggregated). A change
// whose evaluation fails is dead-lettered and leaves every group as it
// was, and the key's next change is processed as usual.
//
// sums (a0, a4, a8 on one source partition, so their order is the
// input's): a4 moves within group x from 100 to 1000, whose insertion
// overflows x's BIGINT sum (9223372036854775000 + 50 + 1000); a8 then
// goes from 50 to 700 (fits only if a4 still counts 100), and a4 to 7. The
// batch answer over the rows left: 9223372036854775000 + 7 + 700, 3 rows.
// The first half forwarded the retraction of 100 on its own, so x lost it
// when 1000 failed, and a4's next change retracted 1000, which x never
// held.
//
// moved: c4 moves from group z to group p, on another partition
// (partition.AppendKeyText's hash: z → 1, p → 3), with a value that
// overflows p's sum: dead-lettered (z has let c4 go: the two partitions
// apply their halves on their own, docs/sql.md). Its next change, to 5 in
// p, inserts it there: p never held 1000, which the first half retracted.
//
// keyed: b2 moves from group 10 (v * 10) to v = 922337203685477581,
// whose group key overflows BIGINT: dead-lettered, b2 stays in group 10
// (the first half forwarded its retraction before the second half failed
// on the key). b3 does the same from group 20, then moves to 4.
func TestChangelogFailedChangeRepartitioned(t *testing.T) {
	for _, ids := range [][2]string{{"a0", "a4"}, {"a0", "a8"}, {"c0", "c4"}} {
		if transport.PartitionOf([]byte(ids[0]), 4) != transport.PartitionOf([]byte(ids[1]), 4) {
			t.Fatalf("%s and %s are on different partitions: pick other ids", ids[0], ids[1])
		}
	}
	if group := func(g string) int {
		return transport.PartitionOf(partition.AppendKeyText(nil, runtime.String([]byte(g))), 4)
	}; group("z") == group("p") {
		t.Fatal("groups z and p are on one partition: pick other names")
	}
	got := runTables(t, `
CREATE STREAM items (id VARCHAR, g VARCHAR, v BIGINT)
  WITH (subject = 'rpf.items.{partition}', partitions = 4, key = 'id', changelog = 'upsert');
CREATE STREAM sums WITH (subject = 'rpf.sums') AS
  SELECT g, SUM(v) AS s, COUNT(*) AS n FROM items WHERE g = 'x' GROUP BY g;
CREATE STREAM moved WITH (subject = 'rpf.moved') AS
  SELECT g, SUM(v) AS s, COUNT(*) AS n FROM items WHERE g IN ('p', 'z') GROUP BY g;
CREATE STREAM keyed WITH (subject = 'rpf.keyed') AS
  SELECT v * 10 AS k, COUNT(*) AS n, SUM(v) AS s FROM items WHERE g = 'y' GROUP BY v * 10;`,
		map[string][]string{"items": {
			`{"id":"a0","g":"x","v":9223372036854775000}`,
			`{"id":"a4","g":"x","v":100}`,
			`{"id":"a8","g":"x","v":50}`,
			`{"id":"a4","g":"x","v":1000}`,
			`{"id":"a8","g":"x","v":700}`,
			`{"id":"a4","g":"x","v":7}`,
			`{"id":"c0","g":"p","v":9223372036854775000}`,
			`{"id":"c4","g":"z","v":100}`,
			`{"id":"c4","g":"p","v":1000}`,
			`{"id":"c4","g":"p","v":5}`,
			`{"id":"b1","g":"y","v":1}`,
			`{"id":"b2","g":"y","v":1}`,
			`{"id":"b2","g":"y","v":922337203685477581}`,
			`{"id":"b3","g":"y","v":2}`,
			`{"id":"b3","g":"y","v":922337203685477581}`,
			`{"id":"b3","g":"y","v":4}`,
		}}, "sums", "moved", "keyed")
	compareTables(t, "sums", got["sums"], map[string]string{
		"x": `{"g":"x","s":9223372036854775707,"n":3}`,
	})
	compareTables(t, "moved", got["moved"], map[string]string{
		"p": `{"g":"p","s":9223372036854775005,"n":2}`,
	})
	compareTables(t, "keyed", got["keyed"], map[string]string{
		"10": `{"k":10,"n":2,"s":2}`,
		"40": `{"k":40,"n":1,"s":4}`,
	})
}
