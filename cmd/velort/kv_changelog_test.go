package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/transport"
)

// kvContents reads a KV bucket back with nats.go calls, as `nats kv ls`
// and `nats kv get` do: key → value.
func kvContents(t *testing.T, js nats.JetStreamContext, bucket string) map[string]string {
	t.Helper()
	kv, err := js.KeyValue(bucket)
	if err != nil {
		t.Fatalf("bucket %s: %v", bucket, err)
	}
	keys, err := kv.Keys()
	if err != nil && !errors.Is(err, nats.ErrNoKeysFound) {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, k := range keys {
		e, err := kv.Get(k)
		if err != nil {
			t.Fatalf("get %s: %v", k, err)
		}
		out[k] = string(e.Value())
	}
	return out
}

// lastOp is the operation of a key's last entry in the bucket's history.
func lastOp(t *testing.T, js nats.JetStreamContext, bucket, key string) nats.KeyValueOp {
	t.Helper()
	kv, _ := js.KeyValue(bucket)
	h, err := kv.History(key)
	if err != nil {
		t.Fatalf("history of %s in %s: %v", key, bucket, err)
	}
	return h[len(h)-1].Operation()
}

func writeFile(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestKVMaterializedTable: CREATE TABLE … WITH (kv = 'bucket') AS SELECT
// writes the query's changelog into the bucket — a put per upsert under
// the KV key of the row's Velort-Key, a delete when a group is emptied by
// deletes of its changelog source or when HAVING stops holding — read back
// with nats.go KeyValue calls; keys with a space, '|' between parts and
// the empty key of a global aggregate are encoded (appendKVKey). A second
// velort file reads the bucket as a KV table in a join. On the old code
// the planner refused kv on CREATE TABLE … AS SELECT. With 4 source
// partitions the GROUP BY repartitions, and the loops of every partition
// write the bucket.
func TestKVMaterializedTable(t *testing.T) {
	for _, n := range []int{1, 4} {
		t.Run(fmt.Sprintf("partitions=%d", n), func(t *testing.T) { kvMaterializedTable(t, n) })
	}
}

func kvMaterializedTable(t *testing.T, partitions int) {
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Shutdown()
	nc := natsConnect(t, emb.ClientURL())
	js, _ := nc.JetStream()
	// A leftover of an earlier run: a --replay run empties the bucket.
	old, err := js.CreateKeyValue(&nats.KeyValueConfig{Bucket: "kvm_volume"})
	if err != nil {
		t.Fatal(err)
	}
	old.Put("STALE", []byte(`{"symbol":"STALE","volume":1,"n":1}`))

	dir := t.TempDir()
	sqlA := writeFile(t, filepath.Join(dir, "a.sql"), `
CREATE STREAM trades (id BIGINT, symbol VARCHAR, venue VARCHAR, qty BIGINT)
WITH (subject = 'kvm.trades.{partition}', partitions = `+fmt.Sprint(partitions)+`, changelog = 'upsert', key = 'id');
CREATE TABLE volume WITH (kv = 'kvm_volume') AS
SELECT symbol, SUM(qty) AS volume, COUNT(*) AS n FROM trades GROUP BY symbol HAVING SUM(qty) < 100;
CREATE TABLE by_venue WITH (kv = 'kvm_venue') AS
SELECT symbol, venue, SUM(qty) AS volume FROM trades GROUP BY symbol, venue;
CREATE TABLE total WITH (kv = 'kvm_total') AS SELECT SUM(qty) AS volume, COUNT(*) AS n FROM trades;
`)
	trades := writeFile(t, filepath.Join(dir, "trades.jsonl"), strings.Join([]string{
		`{"id":1,"symbol":"AAPL","venue":"NYSE","qty":10}`,
		`{"id":2,"symbol":"AAPL","venue":"ARCA","qty":5}`,
		`{"id":3,"symbol":"BRK.A","venue":"NYSE","qty":7}`,
		`{"id":4,"symbol":"A B","venue":"NYSE","qty":3}`,
		`{"id":5,"symbol":"GONE","venue":"NYSE","qty":4}`,
		`{"id":6,"symbol":"BIG","venue":"NYSE","qty":60}`,
		`{"id":7,"symbol":"BIG","venue":"NYSE","qty":50}`, // HAVING SUM(qty) < 100 stops holding
		`{"op":"delete","key":"5","row":null}`,            // group GONE emptied
		`{"id":2,"symbol":"AAPL","venue":"ARCA","qty":8}`, // update
	}, "\n")+"\n")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := runFile(ctx, sqlA, runFlags{nats: emb.ClientURL(), replay: []string{"trades=" + trades}}, io.Discard); err != nil {
		t.Fatalf("velort run: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the --replay run did not end by itself")
	}

	want := map[string]string{
		"AAPL":  `{"symbol":"AAPL","volume":18,"n":2}`,
		"BRK.A": `{"symbol":"BRK.A","volume":7,"n":1}`,
		"A=20B": `{"symbol":"A B","volume":3,"n":1}`,
	}
	if got := kvContents(t, js, "kvm_volume"); !maps.Equal(got, want) {
		t.Errorf("bucket kvm_volume:\n got %v\nwant %v", got, want)
	}
	for _, k := range []string{"GONE", "BIG"} {
		if op := lastOp(t, js, "kvm_volume", k); op != nats.KeyValueDelete {
			t.Errorf("key %s: last operation %v, want a delete", k, op)
		}
	}
	wantVenue := map[string]string{
		"AAPL=7CNYSE":  `{"symbol":"AAPL","venue":"NYSE","volume":10}`,
		"AAPL=7CARCA":  `{"symbol":"AAPL","venue":"ARCA","volume":8}`,
		"BRK.A=7CNYSE": `{"symbol":"BRK.A","venue":"NYSE","volume":7}`,
		"A=20B=7CNYSE": `{"symbol":"A B","venue":"NYSE","volume":3}`,
		"BIG=7CNYSE":   `{"symbol":"BIG","venue":"NYSE","volume":110}`,
	}
	if got := kvContents(t, js, "kvm_venue"); !maps.Equal(got, wantVenue) {
		t.Errorf("bucket kvm_venue:\n got %v\nwant %v", got, wantVenue)
	}
	if got, want := kvContents(t, js, "kvm_total"), map[string]string{"=": `{"volume":138,"n":6}`}; !maps.Equal(got, want) {
		t.Errorf("bucket kvm_total:\n got %v\nwant %v", got, want)
	}

	// A second file reads the bucket as a KV table.
	sqlB := writeFile(t, filepath.Join(dir, "b.sql"), `
CREATE TABLE vol (symbol VARCHAR PRIMARY KEY, volume BIGINT, n BIGINT) WITH (kv = 'kvm_volume');
CREATE STREAM asks (symbol VARCHAR) WITH (subject = 'kvm.asks');
CREATE STREAM answers WITH (subject = 'kvm.answers') AS
SELECT a.symbol, v.volume, v.n FROM asks a LEFT JOIN vol v ON a.symbol = v.symbol;
`)
	asks := writeFile(t, filepath.Join(dir, "asks.jsonl"), `{"symbol":"AAPL"}
{"symbol":"A B"}
{"symbol":"BRK.A"}
{"symbol":"GONE"}
{"symbol":"BIG"}
`)
	out := filepath.Join(dir, "answers.out")
	if err := runFile(ctx, sqlB, runFlags{nats: emb.ClientURL(), replay: []string{"asks=" + asks}, capture: []string{"answers=" + out}}, io.Discard); err != nil {
		t.Fatalf("velort run b.sql: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the --replay run of b.sql did not end by itself")
	}
	got := readLines(t, out)
	wantLines := []string{
		`{"symbol":"A B","volume":3,"n":1}`,
		`{"symbol":"AAPL","volume":18,"n":2}`,
		`{"symbol":"BIG","volume":null,"n":null}`,
		`{"symbol":"BRK.A","volume":7,"n":1}`,
		`{"symbol":"GONE","volume":null,"n":null}`,
	}
	slices.Sort(got)
	if !slices.Equal(got, wantLines) {
		t.Errorf("join over the bucket:\n got %q\nwant %q", got, wantLines)
	}
}

// bySector is the batch answer of SELECT sector, COUNT(*), SUM(lot) FROM
// symbols GROUP BY sector over a bucket's rows (key → row).
func bySector(t *testing.T, rows map[string]string) map[string]string {
	type agg struct{ n, lots int64 }
	groups := map[string]*agg{}
	for k, v := range rows {
		var r struct {
			Sector string `json:"sector"`
			Lot    int64  `json:"lot"`
		}
		if err := json.Unmarshal([]byte(v), &r); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if groups[r.Sector] == nil {
			groups[r.Sector] = &agg{}
		}
		groups[r.Sector].n++
		groups[r.Sector].lots += r.Lot
	}
	out := map[string]string{}
	for s, g := range groups {
		out[s] = fmt.Sprintf(`{"sector":%q,"n":%d,"lots":%d}`, s, g.n, g.lots)
	}
	return out
}

const bySectorSQL = `
CREATE TABLE symbols (symbol VARCHAR PRIMARY KEY, sector VARCHAR, lot BIGINT) WITH (kv = 'kvc_symbols');
CREATE STREAM by_sector WITH (subject = 'kvc.by_sector') AS
SELECT sector, COUNT(*) AS n, SUM(lot) AS lots FROM symbols GROUP BY sector;
`

// TestKVTableChangelogSource: a query FROM a KV table reads the bucket as a
// changelog — its contents, then each put (an upsert: a symbol moving to
// another sector is retracted from the old one) and delete — and its
// result (last row per Velort-Key) equals the batch GROUP BY over the
// bucket's final contents. On the old code the planner refused it ("is a
// table").
func TestKVTableChangelogSource(t *testing.T) {
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Shutdown()
	nc := natsConnect(t, emb.ClientURL())
	js, _ := nc.JetStream()
	kv, err := js.CreateKeyValue(&nats.KeyValueConfig{Bucket: "kvc_symbols"})
	if err != nil {
		t.Fatal(err)
	}
	kv.Put("AAPL", []byte(`{"symbol":"AAPL","sector":"Tech","lot":100}`))
	kv.Put("MSFT", []byte(`{"symbol":"MSFT","sector":"Tech","lot":50}`))
	kv.Put("XOM", []byte(`{"sector":"Energy","lot":10}`)) // key column from the KV key
	kv.Put("BRK=2EA", []byte(`{"symbol":"BRK.A","sector":"Finance","lot":1}`))

	table := map[string]string{} // the changelog received: last row per Velort-Key
	sub, err := nc.SubscribeSync("kvc.by_sector")
	if err != nil {
		t.Fatal(err)
	}
	sqlFile := writeFile(t, filepath.Join(t.TempDir(), "q.sql"), bySectorSQL)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runFile(ctx, sqlFile, runFlags{nats: emb.ClientURL()}, io.Discard) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	// waitFor reads the changelog until its table equals want.
	waitFor := func(step string, want map[string]string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !maps.Equal(table, want) {
			m, err := sub.NextMsg(time.Until(deadline))
			if err != nil {
				t.Fatalf("%s: changelog table %v, want %v (%v)", step, table, want, err)
			}
			key := m.Header.Get("Velort-Key")
			switch m.Header.Get("Velort-Op") {
			case "upsert":
				table[key] = string(m.Data)
			case "delete":
				delete(table, key)
			default:
				t.Fatalf("%s: not a changelog record: %v %s", step, m.Header, m.Data)
			}
		}
	}
	waitFor("contents", bySector(t, kvContents(t, js, "kvc_symbols")))

	kv.Put("MSFT", []byte(`{"symbol":"MSFT","sector":"Software","lot":55}`)) // moves sector
	kv.Delete("XOM")                                                         // Energy emptied
	kv.Put("GOOG", []byte(`{"symbol":"GOOG","sector":"Tech","lot":7}`))
	kv.Put("AAPL", []byte(`{"symbol":"AAPL","sector":"Tech","lot":200}`))
	kv.Purge("BRK=2EA") // Finance emptied
	kv.Put("CVX", []byte(`{"symbol":"CVX","sector":"Energy","lot":3}`))
	final := kvContents(t, js, "kvc_symbols")
	if len(final) != 4 {
		t.Fatalf("bucket: %v", final)
	}
	waitFor("changes", bySector(t, final))
}

// TestKVTableChangelogReplay: in a --replay run a query FROM a KV table
// reads the bucket's contents (the table's replayed file included), then
// its input ends: the run stops by itself and the captured changelog's
// table equals the batch answer.
func TestKVTableChangelogReplay(t *testing.T) {
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Shutdown()
	nc := natsConnect(t, emb.ClientURL())
	js, _ := nc.JetStream()
	kv, err := js.CreateKeyValue(&nats.KeyValueConfig{Bucket: "kvc_symbols"})
	if err != nil {
		t.Fatal(err)
	}
	kv.Put("OLD", []byte(`{"symbol":"OLD","sector":"Tech","lot":1}`))
	kv.Put("DEL", []byte(`{"symbol":"DEL","sector":"Gone","lot":1}`))
	kv.Delete("DEL")
	dir := t.TempDir()
	sqlFile := writeFile(t, filepath.Join(dir, "q.sql"), bySectorSQL)
	symbols := writeFile(t, filepath.Join(dir, "symbols.jsonl"), `{"symbol":"AAPL","sector":"Tech","lot":100}
{"symbol":"XOM","sector":"Energy","lot":10}
{"symbol":"A B","sector":"Energy","lot":5}
{"symbol":"OLD","sector":"Retail","lot":2}
`)
	out := filepath.Join(dir, "by_sector.out")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := runFile(ctx, sqlFile, runFlags{nats: emb.ClientURL(), replay: []string{"symbols=" + symbols}, capture: []string{"by_sector=" + out}}, io.Discard); err != nil {
		t.Fatalf("velort run: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the --replay run did not end by itself")
	}
	table := map[string]string{}
	for _, l := range readLines(t, out) {
		var rec struct {
			Op, Key string
			Row     json.RawMessage
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		if rec.Op == "delete" {
			delete(table, rec.Key)
		} else {
			table[rec.Key] = string(rec.Row)
		}
	}
	contents := kvContents(t, js, "kvc_symbols")
	if _, ok := contents["A=20B"]; !ok || len(contents) != 4 {
		t.Fatalf("bucket after the table's replay: %v", contents)
	}
	if want := bySector(t, contents); !maps.Equal(table, want) {
		t.Errorf("by_sector:\n got %v\nwant %v", table, want)
	}
}
