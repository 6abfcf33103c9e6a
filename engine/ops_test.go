package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/transport"
	"github.com/velort/velort/udf"
)

// The operations endpoint (--http, ops.go) against real runs: a stateless
// query, a checkpointed GROUP BY, a repartitioned one and a composed one (a
// CTE stage) over a JetStream source on the embedded server, fed real
// records (one of them bad). The repartitioned one reads the same subjects
// over core NATS (ctrades): over JetStream a GROUP BY by another key reads
// its source through a stage instead of two halves (planner/exchange.go).

const opsSQL = `
CREATE STREAM trades (sym VARCHAR, qty BIGINT, ts TIMESTAMP)
WITH (subject = 'ops.trades.{partition}', partitions = 2, key = 'sym', event_time = 'ts', jetstream = 'OPS_TRADES');
CREATE STREAM big WITH (subject = 'ops.big') AS SELECT sym, qty FROM trades WHERE qty > 10;
CREATE STREAM totals WITH (subject = 'ops.totals', jetstream = 'OPS_TOTALS') AS
SELECT sym, COUNT(*) AS n, SUM(qty) AS volume FROM trades GROUP BY sym EMIT CHANGES;
CREATE STREAM ctrades (sym VARCHAR, qty BIGINT, ts TIMESTAMP)
WITH (subject = 'ops.trades.{partition}', partitions = 2, key = 'sym', event_time = 'ts');
CREATE STREAM bysize WITH (subject = 'ops.bysize') AS
SELECT qty, COUNT(*) AS n FROM ctrades GROUP BY qty EMIT CHANGES;
CREATE STREAM heavy WITH (subject = 'ops.heavy') AS
WITH t AS (SELECT sym, SUM(qty) AS vol FROM trades GROUP BY sym EMIT CHANGES)
SELECT sym, vol FROM t WHERE vol > 1000;
`

// opsBadRecord is a record whose qty is not a number, with markup in it
// (the page must show it as text).
const opsBadRecord = `{"sym":"BAD","qty":"lots","ts":"2026-01-01T00:00:00.000Z","note":"<img src=x onerror=alert(1)>"}`

// startOpsRun runs sqlText with --http on the process's own embedded NATS
// server (no --nats) until the test ends, and returns the HTTP address and
// a JetStream context on that server (its URL read from /api/state).
func startOpsRun(t *testing.T, sqlText string, f Options) (string, nats.JetStreamContext) {
	t.Helper()
	t.Setenv("NATS_URL", "")
	sqlFile := filepath.Join(t.TempDir(), "ops.sql")
	if err := os.WriteFile(sqlFile, []byte(sqlText), 0o644); err != nil {
		t.Fatal(err)
	}
	f.HTTPAddr = "127.0.0.1:" + freePort(t)
	f.InstanceID = "ops-test"
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runFile(ctx, sqlFile, f, io.Discard) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run returned %v after cancel", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("run did not stop after cancel")
		}
	})
	st := waitState(t, f.HTTPAddr, "the server answers", func(st opsState) bool { return st.NATS != "" })
	nc := natsConnect(t, st.NATS)
	js, err := nc.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	return f.HTTPAddr, js
}

// publishTrades publishes n good trades, numbered from first, over 4
// symbols, each to its key's partition subject.
func publishTrades(t *testing.T, js nats.JetStreamContext, first, n int) {
	t.Helper()
	syms := []string{"AAPL", "MSFT", "NVDA", "TSLA"}
	for i := first; i < first+n; i++ {
		sym := syms[i%4]
		rec := fmt.Sprintf(`{"sym":%q,"qty":%d,"ts":%q}`, sym, i%25, rfc3339ms(time.Now().UnixMilli()))
		subj := fmt.Sprintf("ops.trades.%d", transport.PartitionOf([]byte(sym), 2))
		if _, err := js.Publish(subj, []byte(rec)); err != nil {
			t.Fatal(err)
		}
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// waitState polls /api/state until ok accepts it (or 30 s pass: fatal).
func waitState(t *testing.T, addr, what string, ok func(opsState) bool) opsState {
	t.Helper()
	var st opsState
	var last string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/api/state")
		if err != nil {
			last = err.Error()
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		st = opsState{}
		if err := json.Unmarshal(b, &st); err != nil {
			t.Fatalf("/api/state is not JSON: %v\n%s", err, b)
		}
		if last = string(b); ok(st) {
			return st
		}
	}
	t.Fatalf("/api/state: %s not seen within 30 s; last:\n%s", what, last)
	return st
}

func opsQueryOf(st opsState, name string) *opsQueryState {
	for i := range st.Queries {
		if st.Queries[i].Name == name {
			return &st.Queries[i]
		}
	}
	return nil
}

// TestOpsEndpoints: /healthz, /readyz, /metrics and /api/state of a real
// `velort run --http` with traffic: exact counts, consumer lag, watermark
// age, checkpoints, the repartition's halves, the plan's graph, and a bad
// record's dead letter with its reason and payload.
func TestOpsEndpoints(t *testing.T) {
	addr, js := startOpsRun(t, opsSQL, Options{CheckpointInterval: 200 * time.Millisecond, UDFLimits: udf.Limits{Timeout: time.Second}})
	base := "http://" + addr

	if code, body := httpGet(t, base+"/healthz"); code != 200 || strings.TrimSpace(body) != "ok" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	st := waitState(t, addr, "ready", func(st opsState) bool { return st.Ready })
	if code, body := httpGet(t, base+"/readyz"); code != 200 || !strings.Contains(body, "ready: 10 partitions running") {
		t.Errorf("/readyz once running: %d %q", code, body)
	}
	if st.Instance != "ops-test" || st.Cluster != nil {
		t.Errorf("instance %q, cluster %+v: want ops-test, not shared", st.Instance, st.Cluster)
	}

	// The plan as the page draws it.
	var trades *opsStream
	for i := range st.Plan.Streams {
		if st.Plan.Streams[i].Name == "trades" {
			trades = &st.Plan.Streams[i]
		}
	}
	if trades == nil || trades.Kind != "source" || trades.Partitions != 2 || !slices.Equal(trades.Key, []string{"sym"}) ||
		trades.JetStream != "OPS_TRADES" || trades.Changelog != "append-only" {
		t.Errorf("stream trades: %+v", trades)
	}
	if len(st.Plan.Queries) != 5 {
		t.Fatalf("%d queries in the plan, want 5", len(st.Plan.Queries))
	}
	big, totals, stage, heavy := st.Plan.Queries[0], st.Plan.Queries[1], st.Plan.Queries[3], st.Plan.Queries[4]
	streamIDs := map[string]string{}
	for _, s := range st.Plan.Streams {
		streamIDs[s.Kind+" "+s.Name] = s.ID
	}
	if stage.Name != "heavy__t" || stage.Statement != "heavy" || stage.SinkID != streamIDs["stage t"] || stage.SinkID == "" ||
		heavy.Name != "heavy" || heavy.Statement != "" || !slices.Equal(heavy.InputIDs, []string{streamIDs["stage t"]}) ||
		heavy.SinkID != streamIDs["derived heavy"] || !slices.Equal(big.InputIDs, []string{streamIDs["source trades"]}) {
		t.Errorf("the composed statement's graph: stage %+v, query %+v, streams %v", stage, heavy, streamIDs)
	}
	ops := func(q opsQuery) []string {
		var out []string
		for _, o := range q.Operators {
			out = append(out, o.Op)
		}
		return out
	}
	if big.Name != "big" || !slices.Equal(big.Inputs, []string{"trades"}) || big.Sink != "big" || big.OutputKind != "append-only" ||
		!slices.Contains(ops(big), "filter") || len(big.Subjects) != 2 || !strings.HasPrefix(big.Subjects[1], "ops.trades.1 → ops.big") {
		t.Errorf("query big: %+v", big)
	}
	if totals.Name != "totals" || !slices.Equal(totals.Key, []string{"sym"}) || !strings.HasPrefix(totals.OutputKind, "changelog") ||
		!slices.Contains(ops(totals), "group") {
		t.Errorf("query totals: %+v", totals)
	}
	if !strings.Contains(st.Plan.Explain, "query bysize: ctrades → bysize") {
		t.Errorf("explain text missing:\n%s", st.Plan.Explain)
	}

	// Traffic, then one bad record.
	publishTrades(t, js, 0, 400)
	if _, err := js.Publish("ops.trades.1", []byte(opsBadRecord)); err != nil {
		t.Fatal(err)
	}
	st = waitState(t, addr, "all 401 records in, a checkpoint and consumer lag", func(st opsState) bool {
		q := opsQueryOf(st, "totals")
		if q == nil || q.RecordsIn != 401 || q.DeadLettered != 1 || len(q.Partitions) != 2 {
			return false
		}
		for _, p := range q.Partitions {
			if p.Checkpoint == nil || p.Checkpoint.AtMs == 0 || p.LagPending == nil || *p.LagPending != 0 {
				return false
			}
		}
		return true
	})
	for _, name := range []string{"big", "totals", "bysize", "heavy__t"} {
		q := opsQueryOf(st, name)
		if q.RecordsIn != 401 || q.DeadLettered != 1 {
			t.Errorf("query %s: %d records in, %d dead-lettered; want 401, 1", name, q.RecordsIn, q.DeadLettered)
		}
	}
	if q := opsQueryOf(st, "big"); q.RecordsOut != 400*14/25 {
		t.Errorf("query big: %d records out, want %d (qty > 10)", q.RecordsOut, 400*14/25)
	}
	var halves []string
	for _, p := range opsQueryOf(st, "bysize").Partitions {
		halves = append(halves, fmt.Sprint(p.Partition, p.Loop))
	}
	if !slices.Equal(halves, []string{"0forward", "0aggregate", "1forward", "1aggregate"}) {
		t.Errorf("bysize's loops: %v, want the forward and aggregate halves of each partition", halves)
	}
	for _, p := range opsQueryOf(st, "totals").Partitions {
		if !p.Running || p.WatermarkMs == nil || p.WatermarkAgeMs == nil || *p.WatermarkAgeMs != st.NowMs-*p.WatermarkMs ||
			p.Checkpoint.Seq == 0 || p.Checkpoint.Count == 0 || p.Checkpoint.AgeMs == nil {
			t.Errorf("totals partition %d: %+v (checkpoint %+v)", p.Partition, p, p.Checkpoint)
		}
	}
	if p := opsQueryOf(st, "big").Partitions[0]; p.Checkpoint != nil {
		t.Errorf("the stateless query big shows a checkpoint: %+v", p.Checkpoint)
	}
	if len(st.DeadLetters) != 4 { // one per query reading trades
		t.Fatalf("%d dead letters listed, want 4: %+v", len(st.DeadLetters), st.DeadLetters)
	}
	for _, d := range st.DeadLetters {
		if d.Partition != 1 || d.Subject != "ops.trades.1" || d.Payload != opsBadRecord || d.Size != len(opsBadRecord) ||
			!strings.Contains(d.Reason, "qty") || (d.Seq == 0) != (d.Query == "bysize") || d.AtMs == 0 { // bysize's source is core NATS: no sequence
			t.Errorf("dead letter %+v", d)
		}
	}

	// /metrics serves the registry of --metrics.
	code, body := httpGet(t, base+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d\n%s", code, body)
	}
	for _, want := range []string{
		`velort_records_in_total{partition="1",query="totals"}`,
		`velort_records_dead_lettered_total{partition="1",query="big"} 1`,
		`velort_consumer_pending_messages{partition="0",query="totals"} 0`,
		`velort_checkpoints_total{partition="0",query="totals"}`,
	} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("/metrics (%d) lacks %s", code, want)
		}
	}
	// Repartitioned: one series per (query, partition), its input the
	// forward half's, its output the aggregate half's (two series with the
	// same labels failed the whole scrape with a 500).
	for _, p := range opsQueryOf(st, "bysize").Partitions {
		name, v := "velort_records_in_total", p.RecordsIn
		if p.Loop == "aggregate" {
			name, v = "velort_records_out_total", p.RecordsOut
		}
		if want := fmt.Sprintf(`%s{partition="%d",query="bysize"} %d`+"\n", name, p.Partition, v); !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	code, body = httpGet(t, base+"/")
	if code != 200 || !strings.Contains(body, `fetch("api/state"`) || regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//|@import|url\(\s*["']?(https?:)?//`).MatchString(body) {
		t.Errorf("/: %d, or the page loads something from elsewhere", code)
	}
	if code, _ := httpGet(t, base+"/nothing"); code != 404 {
		t.Errorf("/nothing: %d, want 404", code)
	}

	// Throughput, sampled every second: with records flowing, it shows.
	next := 1000
	waitState(t, addr, "a throughput while records flow", func(st opsState) bool {
		publishTrades(t, js, next, 4)
		next += 4
		q := opsQueryOf(st, "big")
		return q.InPerSec > 0 && q.Partitions[0].InPerSec+q.Partitions[1].InPerSec == q.InPerSec
	})
}

// TestOpsReadiness: /readyz is 503 while the partitions are built but not
// yet running, 200 once every loop runs, and 503 again when they stop.
func TestOpsReadiness(t *testing.T) {
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Shutdown()
	conn, err := transport.Connect(transport.ConnOptions{URL: emb.ClientURL()})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sqlFile := filepath.Join(t.TempDir(), "ops.sql")
	os.WriteFile(sqlFile, []byte(opsSQL), 0o644)
	ctx := context.Background()
	pl, host, err := loadPlan(ctx, File(sqlFile), "", udf.Limits{Timeout: time.Second, MemoryLimitBytes: 64 << 20}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close(ctx)
	for _, s := range pl.Streams {
		if s.JetStream != "" {
			if err := conn.EnsureStream(s.JetStream, []string{transport.WildcardSubject(s.Subject)}, s.DedupWindow); err != nil {
				t.Fatal(err)
			}
		}
	}
	b, err := newUnitBuilder(slog.Default(), conn, newCheckpoints(conn, time.Second), pl, nil, false, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	running := &loopSet{}
	ops, err := startOps(slog.Default(), "127.0.0.1:0", pl, sqlFile, "ready-test", conn, running.all, host.Stats)
	if err != nil {
		t.Fatal(err)
	}
	defer ops.Close()
	readyz := func() (int, string) { return httpGet(t, "http://"+ops.addr+"/readyz") }
	if code, body := readyz(); code != 503 || !strings.Contains(body, "10 of 10 partitions not running") {
		t.Errorf("/readyz before any partition is built: %d %q", code, body)
	}
	var units []*unit
	for _, q := range pl.Queries {
		for p := range q.Source.Partitions {
			u, err := b.build(q, p)
			if err != nil {
				t.Fatal(err)
			}
			units = append(units, u)
			running.add(u.loops...)
		}
	}
	if code, body := readyz(); code != 503 || !strings.Contains(body, "10 of 10 partitions not running: big.0, big.1, bysize.0") {
		t.Errorf("/readyz with the partitions subscribed, not running: %d %q", code, body)
	}
	loopCtx, cancel := context.WithCancel(ctx)
	errs := make(chan error, 16)
	units[0].run(loopCtx, errs) // one partition runs: still not ready
	for deadline := time.Now().Add(10 * time.Second); !units[0].loops[0].Running() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if code, body := readyz(); code != 503 || !strings.Contains(body, "9 of 10 partitions not running: big.1,") {
		t.Errorf("/readyz with one partition running: %d %q", code, body)
	}
	for _, u := range units[1:] {
		u.run(loopCtx, errs)
	}
	var code int
	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if code, body = readyz(); code == 200 {
			break
		}
	}
	if code != 200 || strings.TrimSpace(body) != "ready: 10 partitions running" {
		t.Errorf("/readyz with every partition running: %d %q", code, body)
	}
	cancel()
	for _, u := range units {
		u.wg.Wait()
		u.close()
	}
	if code, body := readyz(); code != 503 || !strings.Contains(body, "10 of 10 partitions not running") {
		t.Errorf("/readyz after the loops stopped: %d %q", code, body)
	}
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
}

// TestOpsShared: with partitions shared through leases, the instance is
// ready once it runs every partition it holds, and /api/state lists them.
func TestOpsShared(t *testing.T) {
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Shutdown) // after the run stops
	addr, _ := startOpsRun(t, opsSQL, Options{NATS: transport.ConnOptions{URL: emb.ClientURL()}, LeaseTTL: 2 * time.Second, CheckpointInterval: time.Second, UDFLimits: udf.Limits{Timeout: time.Second}})
	st := waitState(t, addr, "ready, holding every partition", func(st opsState) bool { return st.Ready && st.Cluster != nil && len(st.Cluster.Held) == 10 })
	if !slices.Equal(st.Cluster.Held, []string{"big.0", "big.1", "bysize.0", "bysize.1", "heavy.0", "heavy.1", "heavy__t.0", "heavy__t.1", "totals.0", "totals.1"}) || st.Cluster.Units != 10 ||
		st.Cluster.LeaseTTLSeconds != 2 || st.ReadyText != "ready: 10 partitions running" {
		t.Errorf("cluster %+v, %q", st.Cluster, st.ReadyText)
	}
	st = waitState(t, addr, "the cluster's members and owners read", func(st opsState) bool { return len(st.Cluster.Owners) == 10 })
	if len(st.Cluster.Instances) != 1 || !st.Cluster.Instances[0].Self || st.Cluster.Instances[0].Instance != "ops-test" ||
		st.Cluster.Instances[0].Partitions != 10 || st.Cluster.Instances[0].PID != os.Getpid() {
		t.Errorf("cluster instances %+v", st.Cluster.Instances)
	}
	for u, owner := range st.Cluster.Owners {
		if owner != "ops-test" {
			t.Errorf("partition %s owned by %q", u, owner)
		}
	}
	if bin, err := exec.LookPath("chromium"); err == nil { // the page's cluster section (TestOpsPageInBrowser needs chromium)
		dom := string(headless(t, bin, "http://"+addr+"/", "--dump-dom"))
		for _, want := range []string{`<tr data-instance="ops-test"><td>ops-test (this one)</td>`, `data-unit="heavy__t.1">heavy__t.1 <b>ops-test</b>`} {
			if !strings.Contains(dom, want) {
				t.Errorf("the page's cluster section lacks %s", want)
			}
		}
	}
}

// TestHTTPAddr: an address without a host listens on loopback.
func TestHTTPAddr(t *testing.T) {
	for in, want := range map[string]string{"8080": "127.0.0.1:8080", ":8080": "127.0.0.1:8080", "0.0.0.0:8080": "0.0.0.0:8080",
		"[::1]:80": "[::1]:80", "localhost:1": "localhost:1"} {
		if got := httpAddr(in); got != want {
			t.Errorf("httpAddr(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestHTTPAndMetricsSameAddress: --metrics and --http at the same address
// are served once, by --http (two listeners would fail: address in use).
func TestHTTPAndMetricsSameAddress(t *testing.T) {
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Shutdown()
	sqlFile := filepath.Join(t.TempDir(), "q.sql")
	os.WriteFile(sqlFile, []byte(`CREATE STREAM s (a BIGINT) WITH (subject = 'same.in');
CREATE STREAM o WITH (subject = 'same.out') AS SELECT a FROM s;`), 0o644)
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runFile(ctx, sqlFile, Options{NATS: transport.ConnOptions{URL: emb.ClientURL()}, HTTPAddr: port, MetricsAddr: "127.0.0.1:" + port, LeaseTTL: -1}, io.Discard)
	}()
	body := waitMetrics(t, "127.0.0.1:"+port, func(b string) bool { return strings.Contains(b, `velort_records_in_total{partition="0",query="o"} 0`) })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(body, `velort_records_in_total{partition="0",query="o"} 0`) {
		t.Errorf("metrics not served:\n%s", body)
	}
}

// TestOpsNotReadyWhileTakingLeases: shared, /readyz says the instance is
// taking its leases until the ownership has made its first pass over the
// assignment. (Here none is held yet: without the check it would say "no
// partition leases acquired yet". The case the check is for — some units
// held and running, others not yet taken — is partition's
// TestOwnershipSettledAfterItsShare, and watchReady makes the same check.)
func TestOpsNotReadyWhileTakingLeases(t *testing.T) {
	own := &partition.Ownership{Instance: "solo", Units: []string{"q.0", "q.1"}} // never run: not settled
	o := &opsServer{loops: func() []*partition.Loop { return nil }, units: own.Units, own: own, leaseTTL: time.Minute, sharedSince: time.Now()}
	if ready, text := o.readiness(); ready || text != "not ready: taking this instance's partition leases" {
		t.Errorf("readiness before the first pass: %v %q", ready, text)
	}
}
