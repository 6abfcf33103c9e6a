package main

import (
	"context"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/transport"
)

// Fault tests of the durable pipeline (issue 6): SIGKILL with operator
// state, a NATS server restart, a slow sink, malformed input. Each runs
// the real CLI in child processes against a real server on loopback and
// compares the sinks' exact contents with what the input implies.

const statefulSQL = `
CREATE STREAM trades (sym VARCHAR, qty BIGINT, ts TIMESTAMP)
WITH (subject = 'dk.trades.{partition}', partitions = 4, key = 'sym', event_time = 'ts', jetstream = 'DK_TRADES');
CREATE STREAM sessions WITH (subject = 'dk.sessions', jetstream = 'DK_SESSIONS') AS
SELECT sym, window_start, window_end, COUNT(*) AS n, SUM(qty) AS volume FROM trades GROUP BY sym, SESSION(ts, INTERVAL '1' SECOND);
CREATE STREAM totals WITH (subject = 'dk.totals', jetstream = 'DK_TOTALS') AS
SELECT sym, COUNT(*) AS n, SUM(qty) AS volume FROM trades GROUP BY sym EMIT CHANGES;
CREATE STREAM moving WITH (subject = 'dk.moving', jetstream = 'DK_MOVING') AS
SELECT sym, ts, SUM(qty) OVER (PARTITION BY sym ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS last10 FROM trades;
`

func rfc3339ms(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z") }

// statefulInput writes n trades (13 symbols, 10 ms apart, with a 3 s
// pause every 4,000 records so that sessions end) and returns the path
// and the exact multiset each sink of statefulSQL must hold.
func statefulInput(t *testing.T, dir string, n int) (string, map[string]map[string]int) {
	type sess struct {
		start, last, n, vol int64
	}
	want := map[string]map[string]int{"DK_SESSIONS": {}, "DK_TOTALS": {}, "DK_MOVING": {}}
	open := map[string]*sess{}
	count, vol := map[string]int64{}, map[string]int64{}
	recent := map[string][]int64{}
	var lines []string
	ts := int64(1_700_000_000_000)
	closeSession := func(sym string) {
		s := open[sym]
		want["DK_SESSIONS"][fmt.Sprintf(`{"sym":"%s","window_start":"%s","window_end":"%s","n":%d,"volume":%d}`,
			sym, rfc3339ms(s.start), rfc3339ms(s.last+1000), s.n, s.vol)]++
		delete(open, sym)
	}
	for i := 0; i < n; i++ {
		if i > 0 && i%4000 == 0 {
			ts += 3000
		}
		ts += 10
		sym := fmt.Sprintf("S%d", i%13)
		qty := int64(i*7)%100 + 1
		lines = append(lines, fmt.Sprintf(`{"sym":"%s","qty":%d,"ts":%d}`, sym, qty, ts))
		if s := open[sym]; s != nil && ts-s.last > 1000 {
			closeSession(sym)
		}
		if open[sym] == nil {
			open[sym] = &sess{start: ts}
		}
		s := open[sym]
		s.last, s.n, s.vol = ts, s.n+1, s.vol+qty
		count[sym]++
		vol[sym] += qty
		want["DK_TOTALS"][fmt.Sprintf(`{"sym":"%s","n":%d,"volume":%d}`, sym, count[sym], vol[sym])]++
		r := append(recent[sym], qty)
		if len(r) > 10 {
			r = r[1:]
		}
		recent[sym] = r
		var sum int64
		for _, q := range r {
			sum += q
		}
		want["DK_MOVING"][fmt.Sprintf(`{"sym":"%s","ts":"%s","last10":%d}`, sym, rfc3339ms(ts), sum)]++
	}
	for sym := range open {
		closeSession(sym)
	}
	path := filepath.Join(dir, "trades.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, want
}

// killWhen starts the CLI, waits until ready() holds (polled), then d
// more, and SIGKILLs it; it reports whether the process was still running
// (killed mid-stream).
func killWhen(t *testing.T, ready func() bool, d time.Duration, args ...string) bool {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "VELORT_AS_CLI=1", "VELORT_ARGS="+strings.Join(args, " "))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for deadline := time.Now().Add(time.Minute); !ready() && time.Now().Before(deadline); {
		select {
		case <-exited:
			return false
		case <-time.After(5 * time.Millisecond):
		}
	}
	time.Sleep(d)
	_ = cmd.Process.Signal(syscall.SIGKILL)
	err := <-exited
	return err != nil && strings.Contains(err.Error(), "killed")
}

// storedGrows returns a condition that holds once stream holds `by` more
// messages than when the condition was made.
func storedGrows(t *testing.T, nc *nats.Conn, stream string, by uint64) func() bool {
	js, _ := nc.JetStream()
	stored := func() uint64 {
		if info, err := js.StreamInfo(stream); err == nil {
			return info.State.Msgs
		}
		return 0
	}
	from := stored()
	return func() bool { return stored() >= from+by }
}

// TestStatefulQueriesSurviveKills: SESSION windows, a windowless GROUP BY
// (EMIT CHANGES) and a ROWS frame over a JetStream source into JetStream
// sinks, with velort SIGKILLed four times mid-stream and restarted: the
// sinks hold exactly the output of an uninterrupted run, and the restarts
// resumed from operator-state checkpoints.
func TestStatefulQueriesSurviveKills(t *testing.T) {
	if testing.Short() {
		t.Skip("starts velort processes")
	}
	dir := t.TempDir()
	emb := persistentServer(t, dir)
	in, want := statefulInput(t, dir, 60000)
	query := filepath.Join(dir, "q.sql")
	os.WriteFile(query, []byte(statefulSQL), 0o644)
	args := []string{"run", query, "--nats", emb.ClientURL(), "--replay", "trades=" + in, "--checkpoint-interval", "150ms"}
	nc := natsConnect(t, emb.ClientURL())

	// Each run is killed a random while after it has added an eighth of
	// the outputs: mid-stream, with checkpoints taken, whatever the speed.
	rng := rand.New(rand.NewSource(7))
	interrupted := 0
	for range 4 {
		if killWhen(t, storedGrows(t, nc, "DK_TOTALS", 60000/8), time.Duration(rng.Intn(300))*time.Millisecond, args...) {
			interrupted++
		}
	}
	if interrupted == 0 {
		t.Fatal("every run finished before it could be killed: the test proves nothing; raise n")
	}
	t.Logf("%d of 4 runs killed mid-stream", interrupted)
	_, errOut, code := velort(t, nil, args...)
	if code != 0 {
		t.Fatalf("final run: exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "restored checkpoint") {
		t.Errorf("the final run restored no checkpoint:\n%s", errOut)
	}
	for stream, w := range want {
		checkStream(t, nc, stream, w)
	}
	// One checkpoint per (query, partition).
	js, _ := nc.JetStream()
	kv, err := js.KeyValue(transport.CheckpointBucket)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"sessions", "totals", "moving"} {
		for p := range 4 {
			if _, err := kv.Get(fmt.Sprintf("%s.%d", q, p)); err != nil {
				t.Errorf("checkpoint %s.%d: %v", q, p, err)
			}
		}
	}
}

// TestSigtermCheckpointsAndResumes: SIGTERM mid-stream makes velort stop
// intake, checkpoint its open sessions, groups and frames without emitting
// them, and exit 0; the next run resumes from the checkpoints and the
// sinks hold exactly the output of an uninterrupted run.
func TestSigtermCheckpointsAndResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts velort processes")
	}
	dir := t.TempDir()
	emb := persistentServer(t, dir)
	nc := natsConnect(t, emb.ClientURL())
	const n = 30000
	in, want := statefulInput(t, dir, n)
	query := filepath.Join(dir, "q.sql")
	os.WriteFile(query, []byte(statefulSQL), 0o644)
	args := []string{"run", query, "--nats", emb.ClientURL(), "--replay", "trades=" + in, "--checkpoint-interval", "1h"}

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "VELORT_AS_CLI=1", "VELORT_ARGS="+strings.Join(args, " "))
	var errb strings.Builder
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	grown := storedGrows(t, nc, "DK_TOTALS", n/3)
	for deadline := time.Now().Add(time.Minute); !grown(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no progress")
		}
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("SIGTERM: %v\n%s", err, errb.String())
	}
	js, _ := nc.JetStream()
	if info, err := js.StreamInfo("DK_TOTALS"); err != nil || info.State.Msgs >= n {
		t.Fatalf("the first run was not stopped mid-stream (%v)", err)
	}
	// With an hour between checkpoints, only the shutdown saved them.
	_, errOut, code := velort(t, nil, args...)
	if code != 0 {
		t.Fatalf("second run: exit %d: %s", code, errOut)
	}
	if strings.Count(errOut, "restored checkpoint") != 12 {
		t.Errorf("the second run did not restore 12 checkpoints (3 queries × 4 partitions):\n%s", errOut)
	}
	for stream, w := range want {
		checkStream(t, nc, stream, w)
	}
}

// TestDurableMetrics: with a JetStream source, --metrics reports the
// consumer's lag (polled), checkpoints and their size and age.
func TestDurableMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("starts velort processes")
	}
	dir := t.TempDir()
	emb := persistentServer(t, dir)
	nc := natsConnect(t, emb.ClientURL())
	js, _ := nc.JetStream()
	if _, err := js.AddStream(&nats.StreamConfig{Name: "RS_TRADES", Subjects: []string{"rs.trades.*"}, Storage: nats.FileStorage}); err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		sym := fmt.Sprintf("S%d", i%13)
		data := fmt.Appendf(nil, `{"sym":"%s","qty":%d,"ts":%d}`, sym, i%100, 1_700_000_000_000+int64(i))
		if _, err := js.Publish(fmt.Sprintf("rs.trades.%d", transport.PartitionOf([]byte(sym), 4)), data); err != nil {
			t.Fatal(err)
		}
	}
	query := filepath.Join(dir, "q.sql")
	os.WriteFile(query, []byte(restartSQL), 0o644)
	addr := "127.0.0.1:" + freePort(t)
	args := []string{"run", query, "--nats", emb.ClientURL(), "--metrics", addr, "--checkpoint-interval", "100ms"}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "VELORT_AS_CLI=1", "VELORT_ARGS="+strings.Join(args, " "))
	var errb strings.Builder
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	want := []string{
		`velort_consumer_pending_messages{partition="0",query="totals"} 0`,
		`velort_consumer_pending_messages{partition="3",query="big"} 0`,
		`velort_records_in_total{partition="1",query="totals"}`,
		`velort_checkpoint_bytes{partition="2",query="totals"}`,
		`velort_checkpoint_age_seconds{partition="2",query="totals"}`,
		`velort_checkpoints_total{partition="0",query="totals"}`,
		`velort_redeliveries_total{partition="0",query="big"} 0`,
	}
	var body string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/metrics"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
		}
		missing := slices.IndexFunc(want, func(w string) bool { return !strings.Contains(body, w) })
		if missing < 0 && !strings.Contains(body, `velort_checkpoints_total{partition="0",query="totals"} 0`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics lack %v (or no checkpoint yet):\n%s\nstderr:\n%s", want, body, errb.String())
		}
	}
	if strings.Contains(body, `velort_checkpoints_total{partition="0",query="big"}`) {
		t.Error("a stateless query reports checkpoints")
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("SIGTERM: %v\n%s", err, errb.String())
	}
}

// natsServerBin builds nats-server from the module once per test binary.
var natsServerBin = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "velort-nats-server")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "nats-server")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/nats-io/nats-server/v2").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building nats-server: %v\n%s", err, out)
	}
	return bin, nil
})

// serverProc is a nats-server process that can be restarted on the same
// port and store.
type serverProc struct {
	t    *testing.T
	args []string
	cmd  *exec.Cmd
}

func startServerProc(t *testing.T, port, store string) *serverProc {
	bin, err := natsServerBin()
	if err != nil {
		t.Fatal(err)
	}
	s := &serverProc{t: t, args: []string{"-a", "127.0.0.1", "-p", port, "-js", "-sd", store}}
	s.cmd = exec.Command(bin, s.args...)
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *serverProc) start() {
	s.cmd = exec.Command(s.cmd.Path, s.args...)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	waitTCP(s.t, "127.0.0.1:"+s.args[3])
}

func (s *serverProc) stop() {
	if s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		_ = s.cmd.Wait()
	}
}

// filterAndTotalsSQL is a filter and a running aggregate over a JetStream
// source of trades: subjects <p>.…, JetStream streams <P>_TRADES, <P>_BIG
// and <P>_TOTALS, where P is p in upper case.
func filterAndTotalsSQL(p string, partitions int) string {
	return fmt.Sprintf(`
CREATE STREAM trades (sym VARCHAR, qty BIGINT, ts TIMESTAMP)
WITH (subject = '%[1]s.trades.{partition}', partitions = %[3]d, key = 'sym', event_time = 'ts', jetstream = '%[2]s_TRADES');
CREATE STREAM big WITH (subject = '%[1]s.big', jetstream = '%[2]s_BIG') AS
SELECT sym, qty, ts FROM trades WHERE qty >= 50;
CREATE STREAM totals WITH (subject = '%[1]s.totals', jetstream = '%[2]s_TOTALS') AS
SELECT sym, COUNT(*) AS n, SUM(qty) AS volume FROM trades GROUP BY sym EMIT CHANGES;
`, p, strings.ToUpper(p), partitions)
}

var restartSQL = filterAndTotalsSQL("rs", 4)

// TestServerRestartMidStream: the NATS server (a separate process with a
// file store) is stopped and started again on the same port while velort
// works through a backlog; velort reconnects, and the sinks are complete
// and free of duplicates.
func TestServerRestartMidStream(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and restarts nats-server")
	}
	dir := t.TempDir()
	port := freePort(t)
	srv := startServerProc(t, port, filepath.Join(dir, "js"))
	url := "nats://127.0.0.1:" + port
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := nc.JetStream()
	if _, err := js.AddStream(&nats.StreamConfig{Name: "RS_TRADES", Subjects: []string{"rs.trades.*"}, Storage: nats.FileStorage, Duplicates: 2 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	// The backlog, published by the test (partitioned as velort does).
	const n = 60000
	wantBig, wantTotals := map[string]int{}, map[string]int{}
	count, vol := map[string]int64{}, map[string]int64{}
	for i := range n {
		sym := fmt.Sprintf("S%d", i%13)
		qty := int64(i*7) % 100
		ts := int64(1_700_000_000_000) + int64(i)*10
		p := transport.PartitionOf([]byte(sym), 4)
		if _, err := js.PublishAsync(fmt.Sprintf("rs.trades.%d", p), fmt.Appendf(nil, `{"sym":"%s","qty":%d,"ts":%d}`, sym, qty, ts)); err != nil {
			t.Fatal(err)
		}
		if qty >= 50 {
			wantBig[fmt.Sprintf(`{"sym":"%s","qty":%d,"ts":"%s"}`, sym, qty, rfc3339ms(ts))]++
		}
		count[sym]++
		vol[sym] += qty
		wantTotals[fmt.Sprintf(`{"sym":"%s","n":%d,"volume":%d}`, sym, count[sym], vol[sym])]++
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(30 * time.Second):
		t.Fatal("backlog not stored")
	}
	query := filepath.Join(dir, "q.sql")
	os.WriteFile(query, []byte(restartSQL), 0o644)
	empty := filepath.Join(dir, "empty.jsonl") // replay nothing: input ends with the backlog
	os.WriteFile(empty, nil, 0o644)

	type result struct {
		errOut string
		code   int
	}
	done := make(chan result, 1)
	go func() {
		_, errOut, code := velort(t, nil, "run", query, "--nats", url, "--replay", "trades="+empty, "--checkpoint-interval", "200ms")
		done <- result{errOut, code}
	}()
	// Restart the server once a quarter of the outputs are stored.
	deadline := time.Now().Add(60 * time.Second)
	for {
		if info, err := js.StreamInfo("RS_TOTALS"); err == nil && info.State.Msgs >= n/4 {
			break
		}
		select {
		case r := <-done:
			t.Fatalf("velort ended before the restart (exit %d): the test proves nothing; raise n\n%s", r.code, r.errOut)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no progress before the restart")
		}
		time.Sleep(5 * time.Millisecond)
	}
	srv.stop()
	time.Sleep(500 * time.Millisecond)
	srv.start()
	var r result
	select {
	case r = <-done:
	case <-time.After(90 * time.Second):
		t.Fatal("velort did not finish after the server restart")
	}
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	if !strings.Contains(r.errOut, "reconnected to NATS") {
		t.Errorf("velort never reconnected: the server restart was not seen\n%s", r.errOut)
	}
	if !nc.IsConnected() {
		if err := nc.FlushTimeout(10 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	checkStream(t, nc, "RS_BIG", wantBig)
	checkStream(t, nc, "RS_TOTALS", wantTotals)
}

const slowSinkSQL = `
CREATE STREAM orders (id BIGINT, amount BIGINT)
WITH (subject = 'ss.orders.{partition}', partitions = 2, key = 'id', jetstream = 'SS_ORDERS');
CREATE STREAM out WITH (subject = 'ss.out', jetstream = 'SS_OUT') AS
SELECT id, amount * 2 AS doubled FROM orders;
`

// TestSlowSink: the sink stream holds at most 100 messages and refuses
// more (a work queue drained by a slow reader), so velort's publishes are
// refused again and again; every output still arrives exactly once.
func TestSlowSink(t *testing.T) {
	if testing.Short() {
		t.Skip("starts velort processes")
	}
	dir := t.TempDir()
	emb := persistentServer(t, dir)
	nc := natsConnect(t, emb.ClientURL())
	js, _ := nc.JetStream()
	if _, err := js.AddStream(&nats.StreamConfig{Name: "SS_OUT", Subjects: []string{"ss.out"}, Storage: nats.FileStorage,
		Retention: nats.WorkQueuePolicy, MaxMsgs: 100, Discard: nats.DiscardNew, Duplicates: 2 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	const n = 3000
	var lines []string
	want := map[string]int{}
	for i := range n {
		lines = append(lines, fmt.Sprintf(`{"id":%d,"amount":%d}`, i, i%97))
		want[fmt.Sprintf(`{"id":%d,"doubled":%d}`, i, 2*(i%97))]++
	}
	in := filepath.Join(dir, "orders.jsonl")
	os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	query := filepath.Join(dir, "q.sql")
	os.WriteFile(query, []byte(slowSinkSQL), 0o644)

	// The slow reader: 25 messages, then a pause.
	sub, err := js.PullSubscribe("ss.out", "reader", nats.BindStream("SS_OUT"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	total := 0
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for total < n && ctx.Err() == nil {
			msgs, _ := sub.Fetch(25, nats.MaxWait(200*time.Millisecond))
			for _, m := range msgs {
				if m.Header.Get(partition.HeaderControl) == "" {
					got[string(m.Data)]++
					total++
				}
				_ = m.Ack()
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	_, errOut, code := velort(t, nil, "run", query, "--nats", emb.ClientURL(), "--replay", "orders="+in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	select {
	case <-readerDone:
	case <-time.After(30 * time.Second):
		cancel()
		<-readerDone
	}
	if !strings.Contains(errOut, "JetStream sink did not store an output; retrying") {
		t.Errorf("the sink never refused an output: the test proves nothing\n%s", errOut)
	}
	compareMultisets(t, "SS_OUT as read", got, want)
}

var malformedSQL = filterAndTotalsSQL("mf", 3)

// TestMalformedInputDeadLettered: 10% of the input is malformed in four
// ways; a JetStream stream over velort.dlq.> ends up with each bad record
// once per query (exactly, across a kill and restart) with its headers,
// and the sinks hold exactly the results of the good records.
func TestMalformedInputDeadLettered(t *testing.T) {
	if testing.Short() {
		t.Skip("starts velort processes")
	}
	dir := t.TempDir()
	emb := persistentServer(t, dir)
	nc := natsConnect(t, emb.ClientURL())
	js, _ := nc.JetStream()
	if _, err := js.AddStream(&nats.StreamConfig{Name: "DLQ", Subjects: []string{"velort.dlq.>"}, Storage: nats.FileStorage, Duplicates: 2 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	const n = 30000
	var lines []string
	wantBig, wantTotals, wantDLQ := map[string]int{}, map[string]int{}, map[string]int{}
	count, vol := map[string]int64{}, map[string]int64{}
	for i := range n {
		sym := fmt.Sprintf("S%d", i%11)
		qty := int64(i*7) % 100
		ts := int64(1_700_000_000_000) + int64(i)*10
		var line string
		switch {
		case i%40 == 3:
			line = fmt.Sprintf(`not json %d`, i)
		case i%40 == 13:
			line = fmt.Sprintf(`{"sym":"%s","qty":"many","ts":%d}`, sym, ts)
		case i%40 == 23:
			line = fmt.Sprintf(`{"sym":"%s","qty":%d,"ts":null}`, sym, qty)
		case i%40 == 33:
			line = fmt.Sprintf(`{"sym":"%s","qty":%d,"ts":%d`, sym, qty, ts)
		default:
			line = fmt.Sprintf(`{"sym":"%s","qty":%d,"ts":%d}`, sym, qty, ts)
			if qty >= 50 {
				wantBig[fmt.Sprintf(`{"sym":"%s","qty":%d,"ts":"%s"}`, sym, qty, rfc3339ms(ts))]++
			}
			count[sym]++
			vol[sym] += qty
			wantTotals[fmt.Sprintf(`{"sym":"%s","n":%d,"volume":%d}`, sym, count[sym], vol[sym])]++
		}
		if i%10 == 3 {
			wantDLQ["big "+line]++
			wantDLQ["totals "+line]++
		}
		lines = append(lines, line)
	}
	in := filepath.Join(dir, "trades.jsonl")
	os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	query := filepath.Join(dir, "q.sql")
	os.WriteFile(query, []byte(malformedSQL), 0o644)
	args := []string{"run", query, "--nats", emb.ClientURL(), "--replay", "trades=" + in, "--checkpoint-interval", "200ms"}
	if !killWhen(t, storedGrows(t, nc, "MF_TOTALS", n/3), 0, args...) {
		t.Fatal("the first run finished before the kill")
	}
	if _, errOut, code := velort(t, nil, args...); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	checkStream(t, nc, "MF_BIG", wantBig)
	checkStream(t, nc, "MF_TOTALS", wantTotals)

	info, err := js.StreamInfo("DLQ")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for seq := uint64(1); seq <= info.State.LastSeq; seq++ {
		m, err := js.GetMsg("DLQ", seq)
		if err != nil {
			t.Fatal(err)
		}
		q := m.Header.Get(partition.HeaderQuery)
		got[q+" "+string(m.Data)]++
		if m.Subject != "velort.dlq.trades" || m.Header.Get(partition.HeaderError) == "" || m.Header.Get(partition.HeaderSeq) == "" ||
			!strings.HasPrefix(m.Header.Get(partition.HeaderSourceSubject), "mf.trades.") || m.Header.Get(partition.HeaderPartition) == "" {
			t.Fatalf("dead letter %d lacks headers: subject %s, headers %v", seq, m.Subject, m.Header)
		}
	}
	compareMultisets(t, "DLQ", got, wantDLQ)
}

// compareMultisets reports records missing from or extra in got.
func compareMultisets(t *testing.T, what string, got, want map[string]int) {
	t.Helper()
	var missing, extra []string
	for k, c := range want {
		for i := got[k]; i < c; i++ {
			missing = append(missing, k)
		}
	}
	for k, c := range got {
		for i := want[k]; i < c; i++ {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("%s: %d missing (e.g. %v), %d extra/duplicated (e.g. %v)", what, len(missing), head(missing), len(extra), head(extra))
	}
}

const recoverSQL = `
CREATE STREAM market (symbol VARCHAR, price DOUBLE, quantity BIGINT)
WITH (subject = 'rc.in.{partition}', partitions = 4, key = 'symbol', jetstream = 'RC_IN');
CREATE STREAM stats WITH (subject = 'rc.out', jetstream = 'RC_OUT') AS
SELECT symbol, COUNT(*) AS trade_count, AVG(price) AS avg_price, MIN(price) AS min_price,
       MAX(price) AS max_price, SUM(quantity) AS total_quantity
FROM market GROUP BY symbol;
`

// BenchmarkRecoverAfterKill is the recovery figure of BENCHMARKS.md: S2's
// GROUP BY (EMIT CHANGES, one output per input) over a 4-partition
// JetStream backlog into a JetStream sink, with default checkpoints (1 s).
// velort is SIGKILLed once half the outputs are stored and started again;
// the figures are the time from that restart to the first new output
// stored, and to all outputs stored (caught up). Medians of 3 runs.
//
//	go test -run XXX -bench RecoverAfterKill -benchtime 1x ./cmd/velort
func BenchmarkRecoverAfterKill(b *testing.B) {
	const n = 200000
	for range b.N {
		var cold, first, caught []float64
		for run := range 3 {
			r, err := recoverRun(b, n)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("run %d: fresh start → first output %s; killed with %d of %d outputs stored; restart → first new output %s, → caught up %s",
				run+1, r.cold, r.killedAt, n, r.first, r.caught)
			cold = append(cold, float64(r.cold.Milliseconds()))
			first = append(first, float64(r.first.Milliseconds()))
			caught = append(caught, float64(r.caught.Milliseconds()))
		}
		for _, xs := range [][]float64{cold, first, caught} {
			sort.Float64s(xs)
		}
		b.ReportMetric(cold[1], "ms_fresh_start_to_first_output")
		b.ReportMetric(first[1], "ms_restart_to_first_new_output")
		b.ReportMetric(caught[1], "ms_restart_to_caught_up")
		b.ReportMetric(0, "ns/op")
	}
}

type recovery struct {
	cold, first, caught time.Duration
	killedAt            uint64
}

func recoverRun(b *testing.B, n int) (r recovery, err error) {
	dir := b.TempDir()
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{DataDir: filepath.Join(dir, "nats")})
	if err != nil {
		return r, err
	}
	defer emb.Shutdown()
	nc, err := nats.Connect(emb.ClientURL())
	if err != nil {
		return r, err
	}
	defer nc.Close()
	js, _ := nc.JetStream(nats.PublishAsyncMaxPending(16384))
	if _, err := js.AddStream(&nats.StreamConfig{Name: "RC_IN", Subjects: []string{"rc.in.*"}, Storage: nats.FileStorage, Duplicates: 2 * time.Minute}); err != nil {
		return r, err
	}
	for i := range n {
		sym := fmt.Sprintf("SYM%d", i%200)
		p := transport.PartitionOf([]byte(sym), 4)
		data := fmt.Appendf(nil, `{"symbol":"%s","price":%d,"quantity":%d}`, sym, 100+i%100, i%1000)
		if _, err := js.PublishAsync(fmt.Sprintf("rc.in.%d", p), data); err != nil {
			return r, err
		}
	}
	<-js.PublishAsyncComplete()
	query := filepath.Join(dir, "q.sql")
	os.WriteFile(query, []byte(recoverSQL), 0o644)
	start := func() (*exec.Cmd, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "VELORT_AS_CLI=1", "VELORT_ARGS=run "+query+" --nats "+emb.ClientURL())
		return cmd, cmd.Start()
	}
	stored := func() uint64 {
		info, err := js.StreamInfo("RC_OUT")
		if err != nil {
			return 0
		}
		return info.State.Msgs
	}
	t0 := time.Now()
	cmd, err := start()
	if err != nil {
		return r, err
	}
	deadline := time.Now().Add(2 * time.Minute)
	for s := uint64(0); s < uint64(n/2) && time.Now().Before(deadline); s = stored() {
		if r.cold == 0 && s > 0 {
			r.cold = time.Since(t0)
		}
		time.Sleep(2 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	r.killedAt = stored()
	t0 = time.Now()
	if cmd, err = start(); err != nil {
		return r, err
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	for time.Now().Before(deadline) {
		s := stored()
		if r.first == 0 && s > r.killedAt {
			r.first = time.Since(t0)
		}
		if s >= uint64(n) {
			r.caught = time.Since(t0)
			return r, nil
		}
		time.Sleep(2 * time.Millisecond)
	}
	return r, fmt.Errorf("not caught up: %d of %d outputs stored", stored(), n)
}

// persistentServer starts an embedded server keeping JetStream under
// dir/nats; it is shut down when the test ends.
func persistentServer(t testing.TB, dir string) *transport.Embedded {
	t.Helper()
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{DataDir: filepath.Join(dir, "nats")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Shutdown)
	return emb
}

// natsConnect connects to url; the connection is closed when the test ends.
func natsConnect(t testing.TB, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}
