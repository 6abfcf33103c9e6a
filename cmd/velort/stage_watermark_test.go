package main

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"
)

// TestWindowsOverStagesOfSeveralWriters: event-time windows over a stage
// that several loops write — a UNION ALL of two 4-partition streams, a
// CTE over a stream partitioned by another key (the stage is now
// partitioned by sym, so each of its partitions has 4 writers), and a
// declared derived stream of 1 partition written from 4 — close
// only when every writer has passed them: each window's count equals the
// batch answer. Before stage watermarks (partition/stage_watermark.go) a
// repartition after the union's stage took the largest event time its
// interleaved writers reached as its progress: on e1e1926 `both` got 399
// of its ~400 windows wrong (records late, windows split), and `chained`,
// whose reader took its watermark from the largest event time its 4
// writers had reached, 396. `regrouped` reads a derived stream of 2
// partitions (4 writers) grouped by a column it is not partitioned by,
// through a core NATS repartition: on 05e0468 its first halves forwarded
// the interleaved records' event times as their progress, and 399 of its
// windows were wrong (2936 records late).
func TestWindowsOverStagesOfSeveralWriters(t *testing.T) {
	const n = 6000
	rng := rand.New(rand.NewSource(3))
	inputs := map[string][]string{}
	union, dear, chained := map[string]int{}, map[string]int{}, map[string]int{}
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
			if s == "a" {
				chained[w]++
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
SELECT sym, window_start, COUNT(*) AS n FROM d GROUP BY sym, TUMBLE(ts, INTERVAL '1' SECOND) EMIT FINAL;
CREATE STREAM x WITH (subject = 'sw.x', event_time = 'ts') AS SELECT sym, ts FROM a;
CREATE STREAM chained WITH (subject = 'sw.chained') AS
SELECT sym, window_start, COUNT(*) AS n FROM x GROUP BY sym, TUMBLE(ts, INTERVAL '1' SECOND) EMIT FINAL;
CREATE STREAM y WITH (subject = 'sw.y.{partition}', partitions = 2, key = 'id', event_time = 'ts') AS SELECT id, sym, ts FROM a;
CREATE STREAM regrouped WITH (subject = 'sw.regrouped') AS
SELECT sym, window_start, COUNT(*) AS n FROM y GROUP BY sym, TUMBLE(ts, INTERVAL '1' SECOND) EMIT FINAL;
CREATE STREAM ids WITH (subject = 'sw.ids') AS SELECT id FROM y WHERE id < 0;`,
		inputs, "=both", "=dear", "=chained", "=x", "=regrouped")
	// x (a derived stream of 1 partition, 4 writers) carries their
	// announcements; its capture shows its records only.
	records := 0
	for line, c := range got["x"] {
		if !strings.HasPrefix(line, `{"sym":"S`) {
			t.Errorf("x: a line that is no record: %q", line)
		}
		k, _ := strconv.Atoi(c)
		records += k
	}
	if records != n {
		t.Errorf("x: %d records captured, want %d", records, n)
	}
	for name, counts := range map[string]map[string]int{"both": union, "dear": dear, "chained": chained, "regrouped": chained} {
		want := map[string]string{}
		for w, c := range counts {
			want[fmt.Sprintf(`{%s,"n":%d}`, w, c)] = "1"
		}
		compareTables(t, name, got[name], want)
	}
}
