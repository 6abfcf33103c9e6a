package main

import (
	"fmt"
	"math/rand"
	"testing"
)

// TestWindowsOverStagesOfSeveralWriters: event-time windows over a stage
// that several loops write — a UNION ALL of two 4-partition streams, and a
// CTE over a stream partitioned by another key (the stage is now
// partitioned by sym, so each of its partitions has 4 writers) — close
// only when every writer has passed them: each window's count equals the
// batch answer. Before stage watermarks (partition/stage_watermark.go) a
// repartition after the union's stage took the largest event time its
// interleaved writers reached as its progress: on e1e1926 `both` got 399
// of its ~400 windows wrong (records late, windows split).
func TestWindowsOverStagesOfSeveralWriters(t *testing.T) {
	const n = 6000
	rng := rand.New(rand.NewSource(3))
	inputs := map[string][]string{}
	union, dear := map[string]int{}, map[string]int{}
	for _, s := range []string{"a", "b"} {
		ts := int64(1_700_000_000_000)
		for i := range n {
			ts += int64(rng.Intn(20))
			sym := fmt.Sprintf("S%d", rng.Intn(7))
			qty := rng.Intn(100)
			inputs[s] = append(inputs[s], fmt.Sprintf(`{"id":%d,"sym":"%s","qty":%d,"ts":%d}`, i, sym, qty, ts))
			w := fmt.Sprintf(`"sym":"%s","window_start":"%s"`, sym, rfc3339ms(ts-ts%1000))
			union[w]++
			if s == "a" && qty > 20 {
				dear[w]++
			}
		}
	}
	got := runTables(t, `
CREATE STREAM a (id BIGINT, sym VARCHAR, qty BIGINT, ts TIMESTAMP)
WITH (subject = 'sw.a.{partition}', partitions = 4, key = 'id', event_time = 'ts');
CREATE STREAM b (id BIGINT, sym VARCHAR, qty BIGINT, ts TIMESTAMP)
WITH (subject = 'sw.b.{partition}', partitions = 4, key = 'id', event_time = 'ts');
CREATE STREAM both WITH (subject = 'sw.both') AS
WITH u AS (SELECT sym, ts FROM a UNION ALL SELECT sym, ts FROM b)
SELECT sym, window_start, COUNT(*) AS n FROM u GROUP BY sym, TUMBLE(ts, INTERVAL '1' SECOND) EMIT FINAL;
CREATE STREAM dear WITH (subject = 'sw.dear') AS
WITH d AS (SELECT * FROM a WHERE qty > 20)
SELECT sym, window_start, COUNT(*) AS n FROM d GROUP BY sym, TUMBLE(ts, INTERVAL '1' SECOND) EMIT FINAL;`,
		inputs, "=both", "=dear")
	for name, counts := range map[string]map[string]int{"both": union, "dear": dear} {
		want := map[string]string{}
		for w, c := range counts {
			want[fmt.Sprintf(`{%s,"n":%d}`, w, c)] = "1"
		}
		compareTables(t, name, got[name], want)
	}
}
