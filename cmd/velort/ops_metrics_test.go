package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/velort/velort/transport"
)

// TestMetricsRepartitionedQuery: a query repartitioned by its group key
// runs two loops per partition; --metrics reports one series per (query,
// partition) — records in as its forward half reads them, records out as
// its aggregate half publishes them. Two series with the same labels made
// every scrape fail with a 500.
func TestMetricsRepartitionedQuery(t *testing.T) {
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Shutdown()
	addr := "127.0.0.1:" + freePort(t)
	sqlFile := filepath.Join(t.TempDir(), "q.sql")
	os.WriteFile(sqlFile, []byte(`CREATE STREAM s (k VARCHAR, v BIGINT) WITH (subject = 'rpm.in.{partition}', partitions = 2, key = 'k');
CREATE STREAM o WITH (subject = 'rpm.out') AS SELECT v, COUNT(*) AS n FROM s GROUP BY v EMIT CHANGES;`), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runFile(ctx, sqlFile, runFlags{nats: emb.ClientURL(), metrics: addr}, io.Discard) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}()
	waitMetrics(t, addr, func(body string) bool { return strings.Contains(body, "velort_records_in_total") })
	nc := natsConnect(t, emb.ClientURL())
	sub, _ := nc.SubscribeSync("rpm.out")
	nc.Flush()
	const n = 60
	var perPartition [2]int
	for i := range n {
		k := fmt.Sprintf("k%d", i%9)
		p := transport.PartitionOf([]byte(k), 2)
		perPartition[p]++
		nc.Publish(fmt.Sprintf("rpm.in.%d", p), []byte(fmt.Sprintf(`{"k":%q,"v":%d}`, k, i%5)))
	}
	for range n { // each record changes its group's count
		if _, err := sub.NextMsg(10 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	outRe := regexp.MustCompile(`velort_records_out_total\{partition="\d",query="o"\} (\d+)`)
	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		body = waitMetrics(t, addr, func(string) bool { return true })
		out := 0
		for _, m := range outRe.FindAllStringSubmatch(body, -1) {
			v, _ := strconv.Atoi(m[1])
			out += v
		}
		if out == n {
			break
		}
	}
	for p, want := range perPartition {
		if line := fmt.Sprintf(`velort_records_in_total{partition="%d",query="o"} %d`+"\n", p, want); !strings.Contains(body, line) {
			t.Errorf("metrics lack %s", line)
		}
	}
	out, series := 0, outRe.FindAllStringSubmatch(body, -1)
	for _, m := range series {
		v, _ := strconv.Atoi(m[1])
		out += v
	}
	if len(series) != 2 || out != n {
		t.Errorf("records out: %d series adding up to %d, want 2 series adding up to %d:\n%s", len(series), out, n, body)
	}
}
