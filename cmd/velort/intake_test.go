package main

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

// TestWildcardIntake: a core NATS stream on a wildcard subject with
// partitions = 4 (plant.*.v, the device a subject token) is partitioned by
// velort's intake loop, and a GROUP BY over it gives the table of
// partitions = 1 (no intake) and of the sums computed here. Refused on the
// previous commit ("has 4 partitions but its subject has no {partition}").
func TestWildcardIntake(t *testing.T) {
	for _, parts := range []int{1, 4} {
		t.Run(fmt.Sprintf("partitions=%d", parts), func(t *testing.T) {
			nc, js, f, dir := nativeServer(t)
			sqlFile := filepath.Join(dir, "q.sql")
			os.WriteFile(sqlFile, []byte(fmt.Sprintf(`
CREATE STREAM readings (device VARCHAR METADATA FROM 'subject.2', v BIGINT)
  WITH (subject = 'plant.*.v', partitions = %d, key = 'device');
CREATE STREAM totals WITH (subject = 'wc.totals', jetstream = 'WC_TOTALS') AS
SELECT device, SUM(v) AS total, COUNT(*) AS n FROM readings GROUP BY device;
`, parts)), 0o644)
			stop, exited := runInBackground(t, sqlFile, f)
			// Core NATS drops what no one reads: publish to a warm-up device
			// until its row comes out, so the intake is subscribed.
			waitUntil(t, "the intake", exited, func() bool {
				nc.Publish("plant.warmup.v", []byte(`{"v":0}`))
				nc.Flush()
				return streamCount(js, "WC_TOTALS") > 0
			})
			rng := rand.New(rand.NewSource(int64(parts)))
			sum, n := map[string]int64{}, map[string]int64{}
			for range 4000 {
				d := fmt.Sprintf("d%d", rng.Intn(40))
				v := int64(rng.Intn(100))
				sum[d] += v
				n[d]++
				if err := nc.Publish("plant."+d+".v", []byte(fmt.Sprintf(`{"v":%d}`, v))); err != nil {
					t.Fatal(err)
				}
			}
			nc.Flush()
			want := map[string]string{}
			for d := range sum {
				want[d] = fmt.Sprintf(`{"device":"%s","total":%d,"n":%d}`, d, sum[d], n[d])
			}
			got := map[string]string{}
			waitUntil(t, "the totals", exited, func() bool {
				got = readChangelogTable(t, js, "WC_TOTALS")
				delete(got, "warmup")
				for d, row := range want {
					if got[d] != row {
						return false
					}
				}
				return true
			})
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			compareTables(t, "totals", got, want)
		})
	}
}
