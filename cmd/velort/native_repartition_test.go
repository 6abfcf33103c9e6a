package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/velort/velort/transport"
)

// TestMetadataThroughRepartition: a GROUP BY on metadata columns (a
// subject token and a header) of a stream partitioned by another key is
// repartitioned, and the second half reads the metadata the first half
// read (it travels in headers): the final sums are the batch answer.
// Before, velort run refused the query.
func TestMetadataThroughRepartition(t *testing.T) {
	_, js, f, dir := nativeServer(t)
	sqlFile := filepath.Join(dir, "q.sql")
	os.WriteFile(sqlFile, []byte(`
CREATE STREAM s (k VARCHAR, v BIGINT, dev VARCHAR METADATA FROM 'subject.3', region VARCHAR METADATA FROM 'header.Region',
                 seq BIGINT METADATA FROM 'jetstream.sequence')
WITH (subject = 'rp.{partition}.*', partitions = 2, key = 'k', jetstream = 'RP_IN');
CREATE STREAM sums WITH (subject = 'rp.sums', jetstream = 'RP_SUMS') AS
SELECT dev, region, SUM(v) AS total, COUNT(*) AS n, MAX(seq) AS last_seq FROM s GROUP BY dev, region EMIT CHANGES;
`), 0o644)
	stop, exited := runInBackground(t, sqlFile, f)
	waitUntil(t, "the input and output streams", exited, func() bool {
		_, err := js.StreamInfo("RP_IN")
		_, err2 := js.StreamInfo("RP_SUMS") // made after the input's (streamMsgs fails without it)
		return err == nil && err2 == nil
	})
	type key struct{ dev, region string }
	want := map[key][3]int64{}
	for i := 0; i < 40; i++ {
		k := fmt.Sprintf("k%d", i%7)
		dev, region := fmt.Sprintf("d%d", i%3), []string{"eu", "us"}[i%2]
		p := transport.PartitionOfString(k, 2)
		publishMsg(t, js, fmt.Sprintf("rp.%d.%s", p, dev), fmt.Sprintf(`{"k":%q,"v":%d}`, k, i), "Region", region)
		w := want[key{dev, region}]
		want[key{dev, region}] = [3]int64{w[0] + int64(i), w[1] + 1, int64(i + 1)}
	}
	got := map[key][3]int64{}
	waitUntil(t, "the final sums", exited, func() bool {
		for _, m := range streamMsgs(t, js, "RP_SUMS") {
			var r struct {
				Dev, Region        string
				Total, N, Last_seq int64
			}
			if err := json.Unmarshal(m.Data, &r); err != nil {
				t.Fatalf("%s: %v", m.Data, err)
			}
			got[key{r.Dev, r.Region}] = [3]int64{r.Total, r.N, r.Last_seq}
		}
		return fmt.Sprint(got) == fmt.Sprint(want)
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if n := streamCount(js, "NATIVE_DLQ"); n != 0 {
		t.Errorf("%d dead letters", n)
	}
}
