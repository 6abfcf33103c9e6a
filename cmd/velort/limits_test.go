package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/transport"
)

// Tests of docs/delivery.md#limits-and-overload: no record, burst or stuck
// call stops the process, and what is lost is counted.

// runInBackground runs runFile until the returned stop function cancels it;
// stop returns runFile's error. exited reports (without waiting) whether
// runFile has returned on its own.
func runInBackground(t *testing.T, file string, f runFlags) (stop func() error, exited func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runFile(ctx, file, f, io.Discard) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(time.Minute):
				err = fmt.Errorf("velort did not stop within a minute")
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	exited = func() error {
		select {
		case e := <-done:
			done <- e
			if e == nil {
				return fmt.Errorf("velort returned on its own")
			}
			return e
		default:
			return nil
		}
	}
	return stop, exited
}

// waitUntil polls cond (failing the test after 30 s) while checking that
// velort is still running.
func waitUntil(t *testing.T, what string, exited func() error, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if err := exited(); err != nil {
			t.Fatalf("velort stopped while waiting for %s: %v", what, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

func streamMsgs(t *testing.T, js nats.JetStreamContext, stream string) []*nats.RawStreamMsg {
	t.Helper()
	info, err := js.StreamInfo(stream)
	if err != nil {
		t.Fatal(err)
	}
	var out []*nats.RawStreamMsg
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := js.GetMsg(stream, seq)
		if err != nil {
			t.Fatal(err)
		}
		if m.Header.Get(partition.HeaderControl) == "" {
			out = append(out, m)
		}
	}
	return out
}

func streamCount(js nats.JetStreamContext, stream string) uint64 {
	info, err := js.StreamInfo(stream)
	if err != nil {
		return 0
	}
	return info.State.Msgs
}

// TestOversizedOutputsDeadLettered: on a server with max_payload 4096, a
// record whose output is larger is dead-lettered with the reason (the
// input record as payload), one whose dead letter would be larger too is
// dead-lettered with its payload truncated and Velort-Truncated giving the
// original size; velort stays up, the other records are processed, the
// JetStream inputs are all acknowledged, and a restart does not see them
// again (before: velort exited with "maximum payload exceeded", and over
// JetStream exited again on every restart).
func TestOversizedOutputsDeadLettered(t *testing.T) {
	dir := t.TempDir()
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{DataDir: filepath.Join(dir, "nats"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Configure: func(o *server.Options) { o.MaxPayload = 4096 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Shutdown)
	nc := natsConnect(t, emb.ClientURL())
	js, _ := nc.JetStream()
	if _, err := js.AddStream(&nats.StreamConfig{Name: "OV_DLQ", Subjects: []string{"velort.dlq.>"}}); err != nil {
		t.Fatal(err)
	}
	sqlFile := filepath.Join(dir, "q.sql")
	os.WriteFile(sqlFile, []byte(`CREATE STREAM docs (id BIGINT, body VARCHAR) WITH (subject = 'ov.in', jetstream = 'OV_IN');
CREATE STREAM echoed WITH (subject = 'ov.out', jetstream = 'OV_OUT') AS SELECT id, REPEAT(body, 4) AS body4 FROM docs;`), 0o644)
	f := runFlags{nats: emb.ClientURL()}

	stop, exited := runInBackground(t, sqlFile, f)
	waitUntil(t, "the input stream", exited, func() bool { _, err := js.StreamInfo("OV_IN"); return err == nil })
	records := []string{
		`{"id":1,"body":"small"}`,
		`{"id":2,"body":"` + strings.Repeat("m", 1500) + `"}`, // output 6000 B: dead letter = input
		`{"id":3,"body":"` + strings.Repeat("L", 3900) + `"}`, // its dead letter would exceed 4096 B: truncated
		`{"id":4,"body":"tiny"}`,
	}
	for _, r := range records {
		if _, err := js.Publish("ov.in", []byte(r)); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, "2 outputs and 2 dead letters", exited, func() bool {
		return streamCount(js, "OV_OUT") == 2 && streamCount(js, "OV_DLQ") == 2
	})
	waitUntil(t, "every input acknowledged", exited, func() bool {
		for info := range js.ConsumersInfo("OV_IN") {
			if info.AckFloor.Stream != 4 {
				return false
			}
		}
		return true
	})
	if err := stop(); err != nil {
		t.Fatalf("velort stopped with an error: %v", err)
	}
	dl := streamMsgs(t, js, "OV_DLQ")
	for i, m := range dl {
		reason := m.Header.Get(partition.HeaderError)
		if !strings.Contains(reason, "max_payload of 4096") || !strings.Contains(reason, "query echoed") || !strings.Contains(reason, "partition 0") {
			t.Errorf("dead letter %d: reason %q does not name the limit, query and partition", i, reason)
		}
		switch i {
		case 0:
			if string(m.Data) != records[1] || m.Header.Get(partition.HeaderTruncated) != "" {
				t.Errorf("dead letter of record 2: %d bytes, truncated %q; want the input record whole", len(m.Data), m.Header.Get(partition.HeaderTruncated))
			}
		case 1:
			if got := m.Header.Get(partition.HeaderTruncated); got != strconv.Itoa(len(records[2])) || !strings.HasPrefix(records[2], string(m.Data)) || len(m.Data) == 0 {
				t.Errorf("dead letter of record 3: Velort-Truncated %q (want %d), payload %d bytes of the record's prefix", got, len(records[2]), len(m.Data))
			}
		}
	}

	// A restart finds nothing to redo: no crash loop, nothing duplicated.
	stop, exited = runInBackground(t, sqlFile, f)
	js.Publish("ov.in", []byte(`{"id":5,"body":"after"}`))
	waitUntil(t, "the output of a record published after the restart", exited, func() bool { return streamCount(js, "OV_OUT") == 3 })
	if err := stop(); err != nil {
		t.Fatalf("the restarted velort stopped with an error: %v", err)
	}
	var got []string
	for _, m := range streamMsgs(t, js, "OV_OUT") {
		got = append(got, string(m.Data))
	}
	want := `{"id":1,"body4":"smallsmallsmallsmall"} {"id":4,"body4":"tinytinytinytiny"} {"id":5,"body4":"afterafterafterafter"}`
	if strings.Join(got, " ") != want {
		t.Errorf("outputs:\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
	if n := streamCount(js, "OV_DLQ"); n != 2 {
		t.Errorf("%d dead letters after the restart, want the same 2", n)
	}
}

// TestForeignControlHeadersAreRecords: records another program publishes
// with velort's control headers (end of input, watermark) are processed as
// ordinary records; before, they were silently dropped.
func TestForeignControlHeadersAreRecords(t *testing.T) {
	dir := t.TempDir()
	emb := persistentServer(t, dir)
	sqlFile := filepath.Join(dir, "q.sql")
	os.WriteFile(sqlFile, []byte(`CREATE STREAM s (id BIGINT) WITH (subject = 'fc.in');
CREATE STREAM o WITH (subject = 'fc.out') AS SELECT id FROM s;`), 0o644)
	nc := natsConnect(t, emb.ClientURL())
	out, _ := nc.SubscribeSync("fc.out")
	addr := "127.0.0.1:" + freePort(t)
	stop, exited := runInBackground(t, sqlFile, runFlags{nats: emb.ClientURL(), metrics: addr})
	waitMetrics(t, addr, func(body string) bool { return strings.Contains(body, "velort_records_in_total") })
	send := func(id int, headers ...string) {
		m := nats.NewMsg("fc.in")
		m.Data = fmt.Appendf(nil, `{"id":%d}`, id)
		for i := 0; i < len(headers); i += 2 {
			m.Header.Set(headers[i], headers[i+1])
		}
		if err := nc.PublishMsg(m); err != nil {
			t.Fatal(err)
		}
	}
	send(1)
	send(2, "Velort-Control", "eof")
	send(3, "Velort-Control", "watermark", "Velort-Watermark", "9999999999999")
	send(4, "Velort-Control", "eof", "Velort-Token", "guessed")
	send(5)
	nc.Flush()
	var got []string
	for _, m := range collectMsgs(t, out, 5) {
		got = append(got, string(m.Data))
	}
	if err := exited(); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if want := `{"id":1} {"id":2} {"id":3} {"id":4} {"id":5}`; strings.Join(got, " ") != want {
		t.Errorf("outputs %s, want %s", strings.Join(got, " "), want)
	}
}

// TestMisroutedRecordDeadLettered: a record of a keyed stateful query
// published on a partition subject its key does not hash to is
// dead-lettered with the reason and counted, instead of being aggregated
// as a second group with the same key.
func TestMisroutedRecordDeadLettered(t *testing.T) {
	dir := t.TempDir()
	emb := persistentServer(t, dir)
	sqlFile := filepath.Join(dir, "q.sql")
	os.WriteFile(sqlFile, []byte(`CREATE STREAM s (sym VARCHAR, qty BIGINT) WITH (subject = 'mr.in.{partition}', partitions = 2, key = 'sym');
CREATE STREAM totals WITH (subject = 'mr.out') AS SELECT sym, COUNT(*) AS n, SUM(qty) AS volume FROM s GROUP BY sym EMIT CHANGES;`), 0o644)
	nc := natsConnect(t, emb.ClientURL())
	out, _ := nc.SubscribeSync("mr.out")
	dlq, _ := nc.SubscribeSync("velort.dlq.>")
	addr := "127.0.0.1:" + freePort(t)
	stop, exited := runInBackground(t, sqlFile, runFlags{nats: emb.ClientURL(), metrics: addr})
	waitMetrics(t, addr, func(body string) bool { return strings.Contains(body, "velort_records_in_total") })
	right := transport.PartitionOfString("AAPL", 2)
	for i, p := range []int{right, 1 - right, right, 1 - right, right} {
		nc.Publish(fmt.Sprintf("mr.in.%d", p), fmt.Appendf(nil, `{"sym":"AAPL","qty":%d}`, 10*(i+1)))
	}
	nc.Flush()
	var got []string
	for _, m := range collectMsgs(t, out, 3) {
		got = append(got, string(m.Data))
	}
	if want := `{"sym":"AAPL","n":1,"volume":10} {"sym":"AAPL","n":2,"volume":40} {"sym":"AAPL","n":3,"volume":90}`; strings.Join(got, " ") != want {
		t.Errorf("outputs %s\nwant %s", strings.Join(got, " "), want)
	}
	for _, m := range collectMsgs(t, dlq, 2) {
		reason := m.Header.Get(partition.HeaderError)
		if !strings.Contains(reason, fmt.Sprintf("hashes to partition %d of 2, not %d", right, 1-right)) {
			t.Errorf("dead letter %s: reason %q", m.Data, reason)
		}
	}
	body := waitMetrics(t, addr, func(body string) bool { return metricSum(body, "velort_records_misrouted_total", "totals") == 2 })
	if n := metricSum(body, "velort_records_misrouted_total", "totals"); n != 2 {
		t.Errorf("velort_records_misrouted_total = %v, want 2", n)
	}
	if err := exited(); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// waitMetricsFor is waitMetrics with its own bound.
func waitMetricsFor(t *testing.T, addr string, d time.Duration, ok func(string) bool) string {
	t.Helper()
	var body string
	for deadline := time.Now().Add(d); time.Now().Before(deadline); {
		if body = waitMetrics(t, addr, ok); ok(body) {
			break
		}
	}
	return body
}

// metricSum adds a per-loop metric over the partitions of query.
func metricSum(body, name, query string) float64 {
	re := regexp.MustCompile(`(?m)^` + name + `\{partition="\d+",query="` + regexp.QuoteMeta(query) + `"\} (\S+)$`)
	sum := 0.0
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		v, _ := strconv.ParseFloat(m[1], 64)
		sum += v
	}
	return sum
}

// metricValue is a metric without labels.
func metricValue(body, name string) float64 {
	re := regexp.MustCompile(`(?m)^` + name + ` (\S+)$`)
	if m := re.FindStringSubmatch(body); m != nil {
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	return -1
}

// TestShutdownGraceWithStuckPartition: a partition stuck in a user
// function (it spins; --udf-timeout is an hour) does not hold SIGTERM
// past --shutdown-grace: velort exits (status 1, naming the stuck
// partition) while the other partitions shut down cleanly. The stuck
// record was not acknowledged: the next run (with a short --udf-timeout)
// gets it again and dead-letters it, and every other output is in the
// sink exactly once. Before, velort ignored SIGTERM until the call ended.
func TestShutdownGraceWithStuckPartition(t *testing.T) {
	dir := t.TempDir()
	emb := persistentServer(t, dir)
	wasm, err := os.ReadFile("../../testdata/plugins/c_faults.wasm")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "c_faults.wasm"), wasm, 0o644)
	sqlFile := filepath.Join(dir, "q.sql")
	os.WriteFile(sqlFile, []byte(`CREATE FUNCTION spin(x BIGINT) RETURNS BIGINT WITH (module = 'c_faults.wasm');
CREATE STREAM jobs (id BIGINT, k VARCHAR) WITH (subject = 'sg.in.{partition}', partitions = 2, key = 'k', jetstream = 'SG_IN');
CREATE STREAM done WITH (subject = 'sg.out', jetstream = 'SG_OUT') AS
SELECT id, k, CASE WHEN id = 13 THEN spin(id) ELSE id * 2 END AS r FROM jobs;`), 0o644)
	nc := natsConnect(t, emb.ClientURL())
	js, _ := nc.JetStream()
	if _, err := js.AddStream(&nats.StreamConfig{Name: "SG_DLQ", Subjects: []string{"velort.dlq.>"}}); err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + freePort(t)
	p := startVelort(t, "a", "run", sqlFile, "--nats", emb.ClientURL(), "--metrics", addr,
		"--udf-timeout", "1h", "--shutdown-grace", "1s")
	waitMetrics(t, addr, func(body string) bool { return strings.Contains(body, "velort_records_in_total") || !p.running() })
	if !p.running() {
		t.Fatalf("velort exited:\n%s", strings.Join(p.log.snapshot(), "\n"))
	}
	stuck := transport.PartitionOfString("busy", 2)
	publish := func(from, to int) {
		for i := from; i < to; i++ {
			k := "free"
			if i == 13 {
				k = "busy"
			}
			if _, err := js.Publish(fmt.Sprintf("sg.in.%d", transport.PartitionOfString(k, 2)), fmt.Appendf(nil, `{"id":%d,"k":"%s"}`, i, k)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if transport.PartitionOfString("free", 2) == stuck {
		t.Fatal("test keys hash to the same partition")
	}
	publish(0, 20)
	// The stuck partition has taken record 13 in; the other has processed its 19 records.
	waitMetrics(t, addr, func(body string) bool {
		return metricSum(body, "velort_records_in_total", "done") == 20 && metricSum(body, "velort_records_out_total", "done") == 19
	})
	if !p.running() {
		t.Fatalf("velort exited:\n%s", strings.Join(p.log.snapshot(), "\n"))
	}
	code, exited := p.stop(syscall.SIGTERM, time.Minute)
	logs := strings.Join(p.log.snapshot(), "\n")
	if !exited {
		t.Fatalf("velort still running a minute after SIGTERM with a stuck partition (--shutdown-grace 1s):\n%s", logs)
	}
	if code != 1 || !strings.Contains(logs, "--shutdown-grace 1s: done/"+strconv.Itoa(stuck)) {
		t.Fatalf("exit %d after SIGTERM with a stuck partition; want 1 and the stuck partition named:\n%s", code, logs)
	}

	// The next run: record 13 is redelivered and, with a short timeout, dead-lettered.
	publish(20, 30)
	_, errOut, code := velort(t, nil, "run", sqlFile, "--nats", emb.ClientURL(), "--udf-timeout", "200ms", "--replay", "jobs="+os.DevNull)
	if code != 0 {
		t.Fatalf("second run: exit %d:\n%s", code, errOut)
	}
	want := map[string]int{}
	for i := 0; i < 30; i++ {
		if i != 13 {
			want[fmt.Sprintf(`{"id":%d,"k":"free","r":%d}`, i, 2*i)] = 1
		}
	}
	checkStream(t, nc, "SG_OUT", want)
	dl := streamMsgs(t, js, "SG_DLQ")
	if len(dl) != 1 || string(dl[0].Data) != `{"id":13,"k":"busy"}` || !strings.Contains(dl[0].Header.Get(partition.HeaderError), "timeout") {
		t.Fatalf("%d dead letters, want record 13 once with a timeout", len(dl))
	}
}

// TestListenersBeyondLoopback: --mysql on a non-loopback address without
// --mysql-password exits 2 with a clear message (before, it served root
// without a password on every interface); --mysql-insecure allows it; a
// --metrics address beyond loopback is served with a warning.
func TestListenersBeyondLoopback(t *testing.T) {
	_, errOut, code := velort(t, []string{"NATS_URL="}, "run", quickSQL, "--replay", "trades="+quickIn, "--mysql", ":"+freePort(t))
	if code != 2 || !strings.Contains(errOut, "listens beyond this machine") || !strings.Contains(errOut, "--mysql-password") {
		t.Errorf("--mysql :PORT without a password: exit %d, stderr:\n%s", code, errOut)
	}
	// The address and option checks themselves: engine's TestListenerChecks.
	_, errOut, code = velort(t, []string{"NATS_URL="}, "run", quickSQL, "--replay", "trades="+quickIn, "--metrics", "0.0.0.0:"+freePort(t))
	if code != 0 || !strings.Contains(errOut, "--metrics listens beyond this machine") {
		t.Errorf("--metrics 0.0.0.0:PORT: exit %d, no warning:\n%s", code, errOut)
	}
}

// TestCoreOverloadCountsDrops: a burst published far faster than a query
// can process it (a user function that burns CPU per record) on a core
// NATS source, with a partition intake of 20 000 records: velort stays up,
// its memory stays bounded, and every record is either processed (one
// output each) or counted as dropped — published − processed − dropped = 0
// exactly. Then normal-rate input is processed with no drop. The same burst
// on a JetStream source loses nothing. Before, velort exited with "nats:
// slow consumer, messages dropped".
func TestCoreOverloadCountsDrops(t *testing.T) {
	if testing.Short() {
		t.Skip("a burst of 100 000 records twice")
	}
	const burst = 100_000
	dir := t.TempDir()
	emb := persistentServer(t, dir)
	wasm, err := os.ReadFile("../../testdata/plugins/c_faults.wasm")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "c_faults.wasm"), wasm, 0o644)
	sqlFile := filepath.Join(dir, "q.sql")
	os.WriteFile(sqlFile, []byte(`CREATE FUNCTION burn(n BIGINT) RETURNS BIGINT WITH (module = 'c_faults.wasm');
CREATE STREAM hot (id BIGINT, n BIGINT) WITH (subject = 'ol.core');
CREATE STREAM hot_js (id BIGINT, n BIGINT) WITH (subject = 'ol.js', jetstream = 'OL_JS');
CREATE STREAM core_out WITH (subject = 'ol.out.core') AS SELECT id, burn(n) AS f FROM hot;
CREATE STREAM js_out WITH (subject = 'ol.out.js', jetstream = 'OL_JS_OUT') AS SELECT id, burn(n) AS f FROM hot_js;`), 0o644)
	addr := "127.0.0.1:" + freePort(t)
	p := startVelort(t, "a", "run", sqlFile, "--nats", emb.ClientURL(), "--metrics", addr, "--lease-ttl", "0",
		"--intake-messages", "20000")
	waitMetrics(t, addr, func(body string) bool { return strings.Contains(body, "velort_records_in_total") || !p.running() })
	alive := func(what string) {
		t.Helper()
		if !p.running() {
			t.Fatalf("velort exited %s:\n%s", what, strings.Join(p.log.snapshot(), "\n"))
		}
	}
	alive("at start")
	nc := natsConnect(t, emb.ClientURL())
	const fib = 17 // burn(17): ~5 000 wasm calls per record
	record := func(i int) []byte { return fmt.Appendf(nil, `{"id":%d,"n":%d}`, i, fib) }

	// Memory: the process's resident size, sampled through the burst.
	var peak float64
	var sampling sync.WaitGroup
	stopSampling := make(chan struct{})
	sampling.Add(1)
	go func() {
		defer sampling.Done()
		for {
			body := waitMetrics(t, addr, func(string) bool { return true })
			peak = max(peak, metricValue(body, "process_resident_memory_bytes"))
			select {
			case <-stopSampling:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()

	start := time.Now()
	for i := range burst {
		if err := nc.Publish("ol.core", record(i)); err != nil {
			t.Fatal(err)
		}
	}
	nc.Flush()
	published := time.Since(start)
	var in, dropped, out float64
	body := waitMetricsFor(t, addr, 2*time.Minute, func(body string) bool {
		in, dropped = metricSum(body, "velort_records_in_total", "core_out"), metricSum(body, "velort_records_dropped_total", "core_out")
		out = metricSum(body, "velort_records_out_total", "core_out")
		return in+dropped >= burst && out == in || !p.running()
	})
	close(stopSampling)
	sampling.Wait()
	alive("after the burst")
	processedIn := time.Since(start)
	t.Logf("core burst: %d records published in %s (%.0f/s); %v processed, %v dropped, all done after %s (%.0f/s processed); peak RSS %.0f MiB",
		burst, published.Round(time.Millisecond), burst/published.Seconds(), in, dropped, processedIn.Round(time.Millisecond), in/processedIn.Seconds(), peak/(1<<20))
	if in+dropped != burst || out != in {
		t.Fatalf("published %d, processed %v (outputs %v), counted dropped %v: published − processed − dropped = %v, want 0\n%s",
			burst, in, out, dropped, burst-in-dropped, grepLines(body, "core_out"))
	}
	if dropped == 0 {
		t.Fatalf("the burst (%.0f records/s) did not overload the query: nothing dropped; the test proves nothing", burst/published.Seconds())
	}
	if peak > 512<<20 {
		t.Errorf("peak resident memory %.0f MiB, want under 512 MiB (intake bounded at 20 000 records)", peak/(1<<20))
	}
	if !strings.Contains(strings.Join(p.log.snapshot(), "\n"), "query falls behind its core NATS source: records dropped (use a JetStream source to lose nothing)") {
		t.Errorf("no warning about the dropped records:\n%s", strings.Join(p.log.snapshot(), "\n"))
	}

	// Normal input afterwards: processed, nothing more dropped.
	for b := 0; b < 20; b++ {
		for i := range 100 {
			nc.Publish("ol.core", record(burst+100*b+i))
		}
		nc.Flush()
		want := in + float64(100*(b+1))
		body = waitMetrics(t, addr, func(body string) bool {
			return metricSum(body, "velort_records_in_total", "core_out") >= want || !p.running()
		})
		alive("during normal input")
	}
	if got, d := metricSum(body, "velort_records_in_total", "core_out"), metricSum(body, "velort_records_dropped_total", "core_out"); got != in+2000 || d != dropped {
		t.Errorf("after 2 000 records at a normal rate: processed %v (want %v), dropped %v (want %v)", got, in+2000, d, dropped)
	}

	// The same burst on a JetStream source: nothing lost.
	js, _ := nc.JetStream(nats.PublishAsyncMaxPending(8192))
	start = time.Now()
	for i := range burst {
		if _, err := js.PublishAsync("ol.js", record(i), nats.StallWait(time.Minute)); err != nil { // a loaded machine stalls past the 200 ms default
			t.Fatal(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		t.Fatal("JetStream did not store the burst within a minute")
	}
	t.Logf("JetStream burst: %d records stored in %s", burst, time.Since(start).Round(time.Millisecond))
	body = waitMetricsFor(t, addr, 2*time.Minute, func(body string) bool {
		return metricSum(body, "velort_records_out_total", "js_out") >= burst || !p.running()
	})
	alive("after the JetStream burst")
	if in, out := metricSum(body, "velort_records_in_total", "js_out"), metricSum(body, "velort_records_out_total", "js_out"); in != burst || out != burst {
		t.Fatalf("JetStream source: %v processed, %v outputs; want %d each\n%s", in, out, burst, grepLines(body, "js_out"))
	}
	waitUntil(t, "the JetStream sink to hold every output", func() error { return nil }, func() bool { return streamCount(js, "OL_JS_OUT") == burst })
	t.Logf("JetStream burst processed after %s", time.Since(start).Round(time.Millisecond))
	if code, exited := p.stop(syscall.SIGTERM, time.Minute); !exited || code != 0 {
		t.Errorf("SIGTERM: exit %d (exited %v)", code, exited)
	}
}

// TestMaxValueBytesFlag: --max-value-bytes reaches the partition loops: a
// built-in result larger than it dead-letters its record with the limit
// named; smaller ones are output.
func TestMaxValueBytesFlag(t *testing.T) {
	dir := t.TempDir()
	sqlFile, in := filepath.Join(dir, "q.sql"), filepath.Join(dir, "in.jsonl")
	out, dlq := filepath.Join(dir, "out.jsonl"), filepath.Join(dir, "dlq.jsonl")
	os.WriteFile(sqlFile, []byte(`CREATE STREAM s (id BIGINT, w VARCHAR) WITH (subject = 'mv.in');
CREATE STREAM o WITH (subject = 'mv.out') AS SELECT id, REPEAT(w, 50) AS r FROM s;`), 0o644)
	os.WriteFile(in, []byte("{\"id\":1,\"w\":\"ab\"}\n{\"id\":2,\"w\":\"abc\"}\n"), 0o644)
	f := runFlags{replay: []string{"s=" + in}, capture: []string{"o=" + out, "velort.dlq.>=" + dlq}, maxValueBytes: 100}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := runFile(ctx, sqlFile, f, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := readLines(t, out); len(got) != 1 || got[0] != `{"id":1,"r":"`+strings.Repeat("ab", 50)+`"}` {
		t.Errorf("outputs %q", got)
	}
	if got := readLines(t, dlq); len(got) != 1 || !strings.Contains(got[0], "max_value_bytes (100 bytes)") || !strings.Contains(got[0], `{\"id\":2`) {
		t.Errorf("dead letters %q, want record 2 with the limit", got)
	}
}

// TestReplayOversizedLineSkipped: a --replay line larger than the server's
// max_payload is skipped with a warning (NATS cannot carry it); the other
// lines are processed and the run ends normally. Before, velort exited
// with "nats: maximum payload exceeded".
func TestReplayOversizedLineSkipped(t *testing.T) {
	dir := t.TempDir()
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Configure: func(o *server.Options) { o.MaxPayload = 1024 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Shutdown)
	sqlFile, in, out := filepath.Join(dir, "q.sql"), filepath.Join(dir, "in.jsonl"), filepath.Join(dir, "out.jsonl")
	os.WriteFile(sqlFile, []byte(`CREATE STREAM s (id BIGINT, w VARCHAR) WITH (subject = 'rs.in');
CREATE STREAM o WITH (subject = 'rs.out') AS SELECT id FROM s;`), 0o644)
	os.WriteFile(in, []byte(`{"id":1,"w":"a"}`+"\n"+`{"id":2,"w":"`+strings.Repeat("b", 2000)+`"}`+"\n"+`{"id":3,"w":"c"}`+"\n"), 0o644)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := runFile(ctx, sqlFile, runFlags{nats: emb.ClientURL(), replay: []string{"s=" + in}, capture: []string{"o=" + out}}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(readLines(t, out), " "); got != `{"id":1} {"id":3}` {
		t.Errorf("outputs %s, want records 1 and 3", got)
	}
}
