package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

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
	nc, err := nats.Connect(emb.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sub, _ := nc.SubscribeSync("out")
	var body string
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + addr + "/metrics"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, m := range []string{`{"a":1}`, `{"a":2}`, `{"a":3}`, `oops`} {
		nc.Publish("in", []byte(m))
	}
	for _, want := range []string{`{"b":4}`, `{"b":6}`} {
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil || string(m.Data) != want {
			t.Fatalf("output %v %v, want %s", m, err, want)
		}
	}
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		if strings.Contains(body, `velort_records_dead_lettered_total{partition="0",query="o"} 1`) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
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
