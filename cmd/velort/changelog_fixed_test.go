package main

// Changelog cases found failing by the golden tests (H6) and fixed since:
// VARIANCE after a large value is retracted (exact sums, fd4ddbe) and
// replayed tombstones whose keys hold escapes (routed by the key's hash
// text).

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestChangelogVarianceRetraction: VARIANCE and STDDEV over the same
// changelog equal the batch answer over the rows left, also after a large
// value (1e16) was retracted from a group: mix {1.5, 0.25} has variance
// 0.390625 and standard deviation 0.625.
func TestChangelogVarianceRetraction(t *testing.T) {
	tables := runTables(t, doubleValsSQL+`
CREATE STREAM spreads WITH (subject = 'cldbl.spreads') AS
SELECT g, VARIANCE(x) AS v, STDDEV(x) AS sd FROM vals GROUP BY g;`, doubleRetractionInput, "spreads")
	compareTables(t, "spreads", tables["spreads"], map[string]string{
		"big":  `{"g":"big","v":0,"sd":0}`,
		"frac": `{"g":"frac","v":0,"sd":0}`,
		"mix":  `{"g":"mix","v":0.390625,"sd":0.625}`,
	})
}

// TestChangelogEscapedKeyTombstones: a declared changelog source over 4
// partitions whose keys contain '|' and '\' (escaped in Velort-Key, as
// docs/sql.md says) receives each key's row, then a tombstone (no row,
// the escaped Velort-Key, as a capture writes it) for every key, through
// --replay. Every row is deleted: the filter's table is empty and the
// global aggregate is back to COUNT 0, SUM NULL — each tombstone must reach
// the partition its key's row went to (the unescaped text's hash).
func TestChangelogEscapedKeyTombstones(t *testing.T) {
	ids := []string{`a|b`, `c\d`, `e|f|g`, `h\|i`, `plain`, `x|`, `|y`, `\`}
	var lines []string
	for i, id := range ids {
		row, _ := json.Marshal(map[string]any{"id": id, "v": i + 1})
		lines = append(lines, string(row))
	}
	for _, id := range ids {
		key, _ := json.Marshal(strings.NewReplacer(`\`, `\\`, `|`, `\|`).Replace(id))
		lines = append(lines, fmt.Sprintf(`{"op":"delete","key":%s,"row":null}`, key))
	}
	got := runTables(t, `
CREATE STREAM items (id VARCHAR, v BIGINT)
WITH (subject = 'clek.items.{partition}', partitions = 4, key = 'id', changelog = 'upsert');
CREATE STREAM live WITH (subject = 'clek.live') AS SELECT id, v FROM items;
CREATE STREAM tot WITH (subject = 'clek.tot') AS SELECT COUNT(*) AS n, SUM(v) AS s FROM items;`,
		map[string][]string{"items": lines}, "live", "tot")
	compareTables(t, "live", got["live"], map[string]string{})
	compareTables(t, "tot", got["tot"], map[string]string{"": `{"n":0,"s":null}`})
}

// TestChangeFailingInProjectionLeavesGroup: a change whose group row fails
// in the output projection (SUM(v) * 2 overflows) is dead-lettered and
// leaves the group as it was, so the key's next change retracts the row
// the group holds: b:2, then b:5e18 (SUM*2 overflows: dead-lettered), then
// b:3 gives SUM(v) = 1 + 3 and s2 = 8, as the batch query over the last
// rows (a:1, b:3). Found by H-bugs: the group kept 5e18 (and gave 6).
func TestChangeFailingInProjectionLeavesGroup(t *testing.T) {
	got := runTables(t, `
CREATE STREAM items (id VARCHAR, g VARCHAR, v BIGINT)
  WITH (subject = 'cfp.items', changelog = 'upsert', key = 'id');
CREATE STREAM o WITH (subject = 'cfp.o') AS
  SELECT g, SUM(v) * 2 AS s2, COUNT(*) AS n FROM items GROUP BY g;`,
		map[string][]string{"items": {
			`{"id":"a","g":"x","v":1}`,
			`{"id":"b","g":"x","v":2}`,
			`{"id":"b","g":"x","v":5000000000000000000}`,
			`{"id":"b","g":"x","v":3}`,
		}}, "o")
	compareTables(t, "o", got["o"], map[string]string{`x`: `{"g":"x","s2":8,"n":2}`})
}
