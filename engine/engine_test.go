package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/velort/velort/transport"
)

// The library's API against a real embedded NATS server: Open, Run,
// Shutdown, in-process table reads, statistics, a handover between two
// engines sharing partitions, and Check/Explain errors.

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// testServer starts an embedded NATS server with JetStream for the test
// and returns a connection to it.
func testServer(t *testing.T) (*transport.Embedded, *nats.Conn) {
	t.Helper()
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Shutdown)
	return emb, natsConnect(t, emb.ClientURL())
}

// waitFor polls cond until it holds or a deadline passes (then the test fails).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitShowing(t, what, cond, nil)
}

// waitShowing is waitFor that, on timeout, also reports show(): what was
// there instead.
func waitShowing(t *testing.T, what string, cond func() bool, show func() string) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	if show != nil {
		t.Fatalf("timed out waiting for %s; %s", what, show())
	}
	t.Fatalf("timed out waiting for %s", what)
}

// runEngine runs e until the test ends (or Shutdown) and returns Run's
// result channel.
func runEngine(t *testing.T, e *Engine) <-chan error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-e.Done():
		case <-time.After(30 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	})
	return done
}

const ordersSQL = `
CREATE STREAM orders (id BIGINT, customer VARCHAR, amount DOUBLE)
WITH (subject = 'api.orders.{partition}', partitions = 2, key = 'customer');
CREATE TABLE totals AS
SELECT customer, COUNT(*) AS n, SUM(amount) AS total FROM orders GROUP BY customer;
CREATE STREAM big WITH (subject = 'api.big') AS SELECT id, customer, amount FROM orders WHERE amount >= 100;
`

// TestOpenRunShutdown: an engine on the caller's connection runs a file
// given as text; the caller publishes, reads the materialized table in
// process (rows and lookups), sees the statistics move, and shuts it down
// gracefully — Run returns nil, the caller's connection stays open.
func TestOpenRunShutdown(t *testing.T) {
	_, nc := testServer(t)
	reg := prometheus.NewRegistry()
	e, err := Open(context.Background(), SQL("orders.sql", ordersSQL), Options{Conn: nc, Logger: quiet, Registerer: reg, InstanceID: "api-1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Tables(); !slices.Equal(got, []string{"totals"}) {
		t.Errorf("Tables() = %v", got)
	}
	if e.Table("nope") != nil || e.Table("orders") != nil {
		t.Error("Table of a missing table or of a stream is not nil")
	}
	if !strings.Contains(e.Explain(), "totals") {
		t.Errorf("Explain:\n%s", e.Explain())
	}
	runDone := runEngine(t, e)
	select {
	case <-e.Ready():
	case err := <-runDone:
		t.Fatalf("Run returned before it was ready: %v", err)
	}
	sub, err := nc.SubscribeSync("api.big")
	if err != nil {
		t.Fatal(err)
	}
	customers := []string{"ada", "bob", "cy"}
	want := map[string][2]float64{}
	for i := range 90 {
		c := customers[i%3]
		amount := float64(i % 7 * 30)
		rec := fmt.Sprintf(`{"id":%d,"customer":%q,"amount":%g}`, i, c, amount)
		if err := nc.Publish(fmt.Sprintf("api.orders.%d", transport.PartitionOf([]byte(c), 2)), []byte(rec)); err != nil {
			t.Fatal(err)
		}
		w := want[c]
		want[c] = [2]float64{w[0] + 1, w[1] + amount}
	}
	bad := `{"id":"x","customer":"ada","amount":"lots"}`
	if err := nc.Publish(fmt.Sprintf("api.orders.%d", transport.PartitionOf([]byte("ada"), 2)), []byte(bad)); err != nil {
		t.Fatal(err)
	}
	totals := e.Table("totals")
	if cols := totals.Columns(); !slices.Equal(cols, []string{"customer", "n", "total"}) {
		t.Errorf("Columns() = %v", cols)
	}
	waitShowing(t, "the table to hold every order", func() bool {
		rows := totals.Rows()
		if len(rows) != 3 {
			return false
		}
		for _, r := range rows {
			w := want[r["customer"].(string)]
			if r["n"] != int64(w[0]) || r["total"] != w[1] {
				return false
			}
		}
		return true
	}, func() string { // (once seen to time out under heavy load: what it held)
		return fmt.Sprintf("the table holds %v, want (n, total) %v; loops %+v", totals.Rows(), want, e.Stats())
	})
	r, ok := totals.Lookup("customer", "bob")
	if !ok || r["n"] != int64(30) || r["total"] != want["bob"][1] {
		t.Errorf("Lookup(customer, bob) = %v, %v; want n 30 total %v", r, ok, want["bob"][1])
	}
	if r, ok := totals.Lookup("n", 30); !ok || r["n"] != int64(30) {
		t.Errorf("Lookup(n, 30) with an int = %v, %v", r, ok)
	}
	if k := totals.Key(); !slices.Equal(k, []string{"customer"}) {
		t.Errorf("Key() = %v", k)
	}
	if r, ok := totals.Get("cy"); !ok || r["customer"] != "cy" || r["n"] != int64(30) {
		t.Errorf("Get(cy) = %v, %v", r, ok)
	}
	if _, ok := totals.Get("cy", 1); ok {
		t.Error("Get with two values of a one-column key found a row")
	}
	if _, ok := totals.Lookup("customer", "zed"); ok {
		t.Error("Lookup of a missing customer found a row")
	}
	if _, ok := totals.Lookup("nope", "bob"); ok {
		t.Error("Lookup on a missing column found a row")
	}
	var stats []PartitionStats
	waitFor(t, "statistics of every record and the dead letter", func() bool {
		stats = e.Stats()
		var in, dead uint64
		for _, s := range stats {
			if s.Query == "totals" {
				in += s.In
				dead += s.DeadLettered
			}
		}
		return in == 91 && dead == 1
	})
	var queries []string
	for _, s := range stats {
		queries = append(queries, fmt.Sprintf("%s/%d", s.Query, s.Partition))
		if !s.Running {
			t.Errorf("%s/%d not running", s.Query, s.Partition)
		}
		if s.Query == "totals" && s.DeadLettered == 1 && (len(s.DeadLetters) != 1 || !strings.Contains(s.DeadLetters[0].Payload, `"lots"`)) {
			t.Errorf("dead letters of totals/%d: %+v", s.Partition, s.DeadLetters)
		}
	}
	if !slices.Equal(queries, []string{"big/0", "big/1", "totals/0", "totals/1"}) {
		t.Errorf("Stats() units: %v", queries)
	}
	if got := e.Owned(); !slices.Equal(got, []string{"big.0", "big.1", "totals.0", "totals.1"}) {
		t.Errorf("Owned() = %v", got)
	}
	bigs := 0
	for i := range 90 {
		if i%7*30 >= 100 {
			bigs++
		}
	}
	for range bigs {
		if _, err := sub.NextMsg(10 * time.Second); err != nil {
			t.Fatalf("big: %v", err)
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	if !slices.Contains(names, "velort_records_in_total") || !slices.Contains(names, "velort_records_dead_lettered_total") {
		t.Errorf("registerer lacks velort's series: %v", names)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-runDone; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if nc.IsClosed() {
		t.Error("the caller's connection was closed")
	}
	if r, ok := totals.Lookup("customer", "cy"); !ok || r["n"] != int64(30) {
		t.Errorf("the table after Shutdown: %v %v", r, ok)
	}
	if err := e.Run(context.Background()); err == nil {
		t.Error("a second Run returned nil")
	}
	if mfs, _ := reg.Gather(); len(mfs) != 0 {
		t.Errorf("%d metric families still registered after Shutdown", len(mfs))
	}
}

// TestShutdownBeforeRun: an engine opened and shut down without running
// releases its embedded server; Run afterwards returns at once.
func TestShutdownBeforeRun(t *testing.T) {
	e, err := Open(context.Background(), SQL("orders.sql", ordersSQL), Options{Logger: quiet, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	url := e.ServerURL()
	if url == "" {
		t.Fatal("no embedded server")
	}
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(context.Background()); err != nil {
		t.Errorf("Run after Shutdown: %v", err)
	}
	if nc, err := nats.Connect(url, nats.Timeout(time.Second)); err == nil {
		nc.Close()
		t.Error("the embedded server still accepts connections")
	}
}

// TestReplayEndsRun: with a Replay, Run returns nil once every record has
// been processed, and a capture to "-" writes the sink's records to Stdout.
func TestReplayEndsRun(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "orders.jsonl")
	os.WriteFile(in, []byte(`{"id":1,"customer":"ada","amount":150}
{"id":2,"customer":"bob","amount":20}
{"id":3,"customer":"ada","amount":100}
`), 0o644)
	var out strings.Builder
	e, err := Open(context.Background(), SQL(filepath.Join(dir, "orders.sql"), ordersSQL), Options{Logger: quiet, DataDir: t.TempDir(),
		Replay: []Replay{{Stream: "orders", Path: in}}, Capture: []Capture{{Target: "big", Path: "-"}}, Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	slices.Sort(lines)
	if want := []string{`{"id":1,"customer":"ada","amount":150}`, `{"id":3,"customer":"ada","amount":100}`}; !slices.Equal(lines, want) {
		t.Errorf("captured:\n%s", out.String())
	}
	if r, ok := e.Table("totals").Lookup("customer", "ada"); !ok || r["n"] != int64(2) || r["total"] != 250.0 {
		t.Errorf("ada: %v %v", r, ok)
	}
}

// TestCheckAndExplainErrors: errors in SQL text name name:line:col, from
// Check, Explain and Open (a *ConfigError); a good file's report lists its
// queries with their kinds.
func TestCheckAndExplainErrors(t *testing.T) {
	ctx := context.Background()
	bad := "CREATE STREAM s (a BIGINT) WITH (subject = 'x');\n\nCREATE STREAM o WITH (subject = 'y') AS\n  SELECT nope FROM s;\n"
	_, err := Check(ctx, SQL("bad.sql", bad), Options{})
	if err == nil || !strings.Contains(err.Error(), "bad.sql:4:") {
		t.Errorf("Check: %v, want an error at bad.sql:4:col", err)
	}
	if _, err := Explain(ctx, SQL("bad.sql", bad), Options{}); err == nil || !strings.Contains(err.Error(), "bad.sql:4:") {
		t.Errorf("Explain: %v", err)
	}
	_, err = Open(ctx, SQL("bad.sql", bad), Options{Logger: quiet})
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "bad.sql:4:") {
		t.Errorf("Open: %v (%T), want a *ConfigError at bad.sql:4:col", err, err)
	}
	file := filepath.Join(t.TempDir(), "syntax.sql")
	os.WriteFile(file, []byte("CREATE STREAM s (a BIGINT) WITH (subject = 'x');\nSELEC a FROM s;\n"), 0o644)
	if _, err := Check(ctx, File(file), Options{}); err == nil || !strings.Contains(err.Error(), file+":2:1") {
		t.Errorf("Check of a file: %v, want %s:2:1", err, file)
	}
	if _, err := Check(ctx, File(filepath.Join(t.TempDir(), "missing.sql")), Options{}); err == nil {
		t.Error("Check of a missing file succeeded")
	}
	r, err := Check(ctx, SQL("orders.sql", ordersSQL), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Streams != 2 || len(r.Queries) != 2 || r.Queries[0].Name != "totals" || r.Queries[0].Source != "orders" || r.Queries[0].OutputKind == "" {
		t.Errorf("report: %+v", r)
	}
	text, err := Explain(ctx, SQL("orders.sql", ordersSQL), Options{})
	if err != nil || !strings.Contains(text, "api.orders.{partition}") {
		t.Errorf("Explain: %v\n%s", err, text)
	}
	_, err = Open(ctx, SQL("orders.sql", ordersSQL), Options{Logger: quiet, Replay: []Replay{{Stream: "nope", Path: file}}})
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "no stream or KV table nope") {
		t.Errorf("Open with a Replay of no stream: %v", err)
	}
}

const handoverSQL = `
CREATE STREAM events (k VARCHAR, v BIGINT)
WITH (subject = 'ho.events.{partition}', partitions = 2, key = 'k', jetstream = 'HO_EVENTS');
CREATE STREAM counts WITH (subject = 'ho.counts', jetstream = 'HO_COUNTS') AS
SELECT k, COUNT(*) AS n, SUM(v) AS total FROM events GROUP BY k EMIT CHANGES;
`

// TestHandover: two engines in one process share the partitions of one
// file through leases (as two `velort run` processes do): the first runs
// both alone, the second takes its share when it joins, and when the
// first shuts down it checkpoints and hands its partition over — the
// second then runs both, and the counts it publishes continue from the
// first's state (the last count of each key is the number of its records).
func TestHandover(t *testing.T) {
	_, nc := testServer(t)
	js, err := nc.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	open := func(id string) *Engine {
		e, err := Open(context.Background(), SQL("handover.sql", handoverSQL), Options{Conn: nc, Logger: quiet, InstanceID: id,
			LeaseTTL: time.Second, CheckpointInterval: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	keys := []string{"a", "b", "c", "d", "e", "f"}
	want := map[string]int{}
	publish := func(n int) {
		for i := range n {
			k := keys[i%len(keys)]
			if _, err := js.Publish(fmt.Sprintf("ho.events.%d", transport.PartitionOf([]byte(k), 2)), []byte(fmt.Sprintf(`{"k":%q,"v":%d}`, k, i))); err != nil {
				t.Fatal(err)
			}
			want[k]++
		}
	}
	all := []string{"counts.0", "counts.1"}
	a := open("a")
	aDone := runEngine(t, a)
	waitFor(t, "engine a to run both partitions", func() bool { return len(a.Stats()) == 2 && slices.Equal(a.Owned(), all) })
	publish(300)
	waitFor(t, "engine a to count the first records", func() bool { return totalIn(a) == 300 })

	b := open("b")
	bDone := runEngine(t, b)
	waitFor(t, "engine b to take its share", func() bool {
		if len(b.Stats()) != 1 {
			return false
		}
		owned := append(a.Owned(), b.Owned()...)
		slices.Sort(owned)
		return len(a.Owned()) == 1 && slices.Equal(owned, all)
	})
	publish(300)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := a.Shutdown(ctx); err != nil {
		t.Fatalf("a: Shutdown: %v", err)
	}
	if err := <-aDone; err != nil {
		t.Fatalf("a: Run: %v", err)
	}
	// A graceful stop left the cluster: its member key and leases are
	// gone at once (a crashed instance's stay until they expire).
	st, err := ReadStatus(ctx, nc, quiet)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range st.Instances {
		if m.Instance == "a" {
			t.Errorf("instance a still a member after Shutdown: %+v", m)
		}
	}
	for _, p := range st.Partitions {
		if p.Owner == "a" {
			t.Errorf("%s/%d still leased to a after Shutdown", p.Query, p.Partition)
		}
	}
	waitFor(t, "engine b to take over both partitions", func() bool { return len(b.Stats()) == 2 && slices.Equal(b.Owned(), all) })
	publish(300)
	got := map[string]int{}
	waitFor(t, "the last count of every key to be its number of records", func() bool {
		got = lastCounts(t, js)
		for k, n := range want {
			if got[k] != n {
				return false
			}
		}
		return true
	})
	waitFor(t, "the consumer lag of both partitions to be polled at 0", func() bool {
		st := b.Stats()
		return len(st) == 2 && st[0].Lag == 0 && st[1].Lag == 0 && st[0].AckPending >= 0 && st[1].AckPending >= 0
	})
	if err := b.Shutdown(ctx); err != nil {
		t.Fatalf("b: Shutdown: %v", err)
	}
	if err := <-bDone; err != nil {
		t.Fatalf("b: Run: %v", err)
	}
}

func totalIn(e *Engine) uint64 {
	var n uint64
	for _, s := range e.Stats() {
		n += s.In
	}
	return n
}

// lastCounts reads stream HO_COUNTS and returns each key's last n.
func lastCounts(t *testing.T, js nats.JetStreamContext) map[string]int {
	t.Helper()
	info, err := js.StreamInfo("HO_COUNTS")
	if err != nil {
		return nil
	}
	out := map[string]int{}
	for seq := uint64(1); seq <= info.State.LastSeq; seq++ {
		m, err := js.GetMsg("HO_COUNTS", seq)
		if err != nil {
			continue
		}
		var r struct {
			K string `json:"k"`
			N int    `json:"n"`
		}
		if json.Unmarshal(m.Data, &r) == nil && r.K != "" {
			out[r.K] = r.N
		}
	}
	return out
}
