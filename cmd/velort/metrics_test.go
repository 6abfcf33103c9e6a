package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/velort/velort/transport"
)

// TestMetricsAndShutdown runs a query without replay (until cancelled, as
// on SIGTERM), feeds it over a separate connection, scrapes the Prometheus
// endpoint, then cancels and expects a clean return.
func TestMetricsAndShutdown(t *testing.T) {
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Shutdown()
	addr := "127.0.0.1:" + freePort(t)
	sqlFile := t.TempDir() + "/q.sql"
	os.WriteFile(sqlFile, []byte(`CREATE STREAM s (a BIGINT) WITH (subject = 'in');
CREATE STREAM o WITH (subject = 'out') AS SELECT a * 2 AS b FROM s WHERE a > 1;`), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runFile(ctx, sqlFile, runFlags{nats: emb.ClientURL(), metrics: addr}, io.Discard)
	}()
	nc := natsConnect(t, emb.ClientURL())
	sub, _ := nc.SubscribeSync("out")
	waitMetrics(t, addr, func(string) bool { return true })
	for _, m := range []string{`{"a":1}`, `{"a":2}`, `{"a":3}`, `oops`} {
		nc.Publish("in", []byte(m))
	}
	for _, want := range []string{`{"b":4}`, `{"b":6}`} {
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil || string(m.Data) != want {
			t.Fatalf("output %v %v, want %s", m, err, want)
		}
	}
	body := waitMetrics(t, addr, func(body string) bool {
		return strings.Contains(body, `velort_records_dead_lettered_total{partition="0",query="o"} 1`)
	})
	for _, want := range []string{
		`velort_records_in_total{partition="0",query="o"} 4`,
		`velort_records_out_total{partition="0",query="o"} 2`,
		`velort_records_dead_lettered_total{partition="0",query="o"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s:\n%s", want, body)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v after cancel", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop after cancel")
	}
}

// TestUDFMetrics: a user function's calls over all partitions and the time
// spent in it are exported (counted from one call in 64).
func TestUDFMetrics(t *testing.T) {
	wasm, err := filepath.Abs("../../testdata/plugins/c_numeric.wasm")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	var lines []string
	for i := range 640 {
		lines = append(lines, fmt.Sprintf(`{"sym":"s%d","price":%d,"qty":2}`, i%7, 100+i))
	}
	os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	sqlFile := filepath.Join(dir, "q.sql")
	os.WriteFile(sqlFile, []byte(`CREATE FUNCTION fee(price DOUBLE, qty BIGINT) RETURNS DOUBLE WITH (module = '`+wasm+`');
CREATE STREAM s (sym VARCHAR, price DOUBLE, qty BIGINT) WITH (subject = 'um.in.{partition}', partitions = 2, key = 'sym');
CREATE STREAM o WITH (subject = 'um.out') AS SELECT sym, fee(price, qty) AS f FROM s;`), 0o644)
	addr := "127.0.0.1:" + freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- runFile(ctx, sqlFile, runFlags{metrics: addr, replay: []string{"s=" + in}, mysql: "127.0.0.1:" + freePort(t)}, io.Discard)
	}()
	// With --mysql, run keeps serving after the replay: scrape then. Counts
	// are exact to within 63 calls per partition instance (2 partitions).
	callsRe := regexp.MustCompile(`velort_udf_calls_total\{function="fee",module="c_numeric.wasm"\} (\d+)`)
	secondsRe := regexp.MustCompile(`velort_udf_seconds_total\{function="fee",module="c_numeric.wasm"\} (\S+)`)
	calls := -1
	body := waitMetrics(t, addr, func(body string) bool {
		if m := callsRe.FindStringSubmatch(body); m != nil {
			calls, _ = strconv.Atoi(m[1])
		}
		return calls >= 640-2*63
	})
	if calls < 640-2*63 || calls > 640 {
		t.Fatalf("fee: %d calls counted for 640 made:\n%s", calls, grepLines(body, "velort_udf"))
	}
	if m := secondsRe.FindStringSubmatch(body); m == nil {
		t.Errorf("no time metric for fee:\n%s", grepLines(body, "velort_udf"))
	} else if secs, _ := strconv.ParseFloat(m[1], 64); secs <= 0 {
		t.Errorf("no time recorded for fee:\n%s", grepLines(body, "velort_udf"))
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// waitMetrics scrapes addr's /metrics until ok accepts the body (or 30 s
// pass) and returns the last body.
func waitMetrics(t *testing.T, addr string, ok func(string) bool) string {
	t.Helper()
	var body string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if body = string(b); ok(body) {
			return body
		}
	}
	return body
}
