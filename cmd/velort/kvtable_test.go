package main

import (
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/transport"
)

// TestKVTableChangesMidStream: an enrichment join against a KV-backed
// table sees puts and deletes made while the query runs — records published
// after a change get the new value (or, after a delete, no match).
func TestKVTableChangesMidStream(t *testing.T) {
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Shutdown()
	nc := natsConnect(t, emb.ClientURL())
	js, _ := nc.JetStream()
	kv, err := js.CreateKeyValue(&nats.KeyValueConfig{Bucket: "live_symbols"})
	if err != nil {
		t.Fatal(err)
	}
	kv.Put("AAPL", []byte(`{"symbol":"AAPL","sector":"Tech"}`))
	kv.Put("XOM", []byte(`{"sector":"Energy"}`)) // key column taken from the KV key

	sqlFile := t.TempDir() + "/q.sql"
	os.WriteFile(sqlFile, []byte(`
CREATE TABLE symbols (symbol VARCHAR PRIMARY KEY, sector VARCHAR) WITH (kv = 'live_symbols');
CREATE STREAM trades (symbol VARCHAR, qty BIGINT) WITH (subject = 'kv.trades');
CREATE STREAM enriched WITH (subject = 'kv.enriched') AS
SELECT t.symbol, s.sector, t.qty FROM trades t LEFT JOIN symbols s ON t.symbol = s.symbol;`), 0o644)
	out, _ := nc.SubscribeSync("kv.enriched")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runFile(ctx, sqlFile, runFlags{nats: emb.ClientURL()}, io.Discard) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	waitSubscribed(t, nc, "kv.trades")

	expect := func(trade, want string) {
		t.Helper()
		nc.Publish("kv.trades", []byte(trade))
		m, err := out.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatalf("no output for %s: %v", trade, err)
		}
		if string(m.Data) != want {
			t.Fatalf("for %s got %s, want %s", trade, m.Data, want)
		}
	}
	expect(`{"symbol":"AAPL","qty":1}`, `{"symbol":"AAPL","sector":"Tech","qty":1}`)
	expect(`{"symbol":"XOM","qty":2}`, `{"symbol":"XOM","sector":"Energy","qty":2}`)
	kv.Put("AAPL", []byte(`{"symbol":"AAPL","sector":"Consumer"}`))
	kv.Delete("XOM")
	time.Sleep(500 * time.Millisecond) // the watch delivers the changes asynchronously
	expect(`{"symbol":"AAPL","qty":3}`, `{"symbol":"AAPL","sector":"Consumer","qty":3}`)
	expect(`{"symbol":"XOM","qty":4}`, `{"symbol":"XOM","sector":null,"qty":4}`)
}

// waitSubscribed waits until some client has subscribed to subject.
func waitSubscribed(t *testing.T, nc *nats.Conn, subject string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		// The probe is not JSON: velort dead-letters it. A request to a subject
		// with a subscriber but no responder times
		// out; without any subscriber the server answers "no responders".
		_, err := nc.Request(subject, []byte("probe: not a record"), 50*time.Millisecond)
		if err != nats.ErrNoResponders {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nobody subscribed to %s", subject)
}
