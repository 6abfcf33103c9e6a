package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/partition"
)

// TestUDFBatchOverNATS: records arriving faster than the loop takes them
// are executed in micro-batches, with one call of each function's batch
// entry point per micro-batch — fee from a --plugins module's manifest,
// divide declared by CREATE FUNCTION (inheriting divide_batch from its
// module's manifest). A zero divisor traps the whole batch call; the
// micro-batch is then computed row by row, so only those records go to
// the dead-letter subject and every other output is exact. A second query
// calls spin, which never returns, for one record: the batch call and then
// the row's own call are stopped at the timeout, that record is
// dead-lettered, and the run goes on. The same over a core NATS source
// (micro-batch = the messages already pending) and a JetStream one (the
// rest of the fetched batch).
func TestUDFBatchOverNATS(t *testing.T) {
	for _, source := range []string{"core", "jetstream"} {
		t.Run(source, func(t *testing.T) { testUDFBatch(t, source == "jetstream") })
	}
}

func testUDFBatch(t *testing.T, jetstream bool) {
	dir := t.TempDir()
	emb := persistentServer(t, dir)
	durable := ""
	if jetstream {
		durable = ", jetstream = 'UB_IN'"
	}
	plugins := filepath.Join(dir, "plugins")
	os.Mkdir(plugins, 0o755)
	for _, f := range []struct{ from, to string }{
		{"c_numeric.wasm", filepath.Join(plugins, "c_numeric.wasm")},
		{"c_faults.wasm", filepath.Join(dir, "c_faults.wasm")},
	} {
		b, err := os.ReadFile("../../testdata/plugins/" + f.from)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(f.to, b, 0o644)
	}
	sqlFile := filepath.Join(dir, "q.sql")
	os.WriteFile(sqlFile, []byte(`CREATE FUNCTION divide(a BIGINT, b BIGINT) RETURNS BIGINT WITH (module = 'c_faults.wasm');
CREATE FUNCTION spin(x BIGINT) RETURNS BIGINT WITH (module = 'c_faults.wasm');
CREATE STREAM s (id BIGINT, sym VARCHAR, price DOUBLE, qty BIGINT, d BIGINT)
WITH (subject = 'ub.in.{partition}', partitions = 2, key = 'sym'`+durable+`);
CREATE STREAM o WITH (subject = 'ub.out') AS
SELECT id, fee(price, qty) AS f, divide(id, d) AS q FROM s WHERE id % 10 <> 9;
CREATE STREAM hang WITH (subject = 'ub.hang') AS SELECT id, spin(id) AS never FROM s WHERE id = 777;`), 0o644)

	const n = 20000
	var want []string
	wantDLQ := map[string]string{"777": "hang: timeout"} // record id → query: reason
	var msgs [][]byte
	passing := 0
	for i := range n {
		d := int64(1 + i%3)
		if i%997 == 500 {
			d = 0 // divide traps
		}
		price, qty := float64(100+i%50), int64(1+i%40)
		msgs = append(msgs, fmt.Appendf(nil, `{"id":%d,"sym":"s%d","price":%g,"qty":%d,"d":%d}`, i, i%11, price, qty, d))
		if i%10 == 9 {
			continue
		}
		passing++
		if d == 0 {
			wantDLQ[strconv.Itoa(i)] = "o: trap"
			continue
		}
		want = append(want, fmt.Sprintf(`{"id":%d,"f":%s,"q":%d}`, i, strconv.FormatFloat(max(1, price*float64(qty)*0.001), 'g', -1, 64), int64(i)/d))
	}

	addr := "127.0.0.1:" + freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- runFile(ctx, sqlFile, runFlags{nats: emb.ClientURL(), plugins: plugins, metrics: addr, udfTimeout: 200 * time.Millisecond}, io.Discard)
	}()
	nc := natsConnect(t, emb.ClientURL())
	out, _ := nc.SubscribeSync("ub.out")
	out.SetPendingLimits(-1, -1)
	dlq, _ := nc.SubscribeSync("velort.dlq.>")
	waitMetrics(t, addr, func(body string) bool { return strings.Contains(body, "velort_records_in_total") })
	for i, m := range msgs {
		nc.Publish(fmt.Sprintf("ub.in.%d", i%2), m)
	}
	nc.Flush()

	var got []string
	for _, m := range collectMsgs(t, out, len(want)) {
		got = append(got, string(m.Data))
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("outputs differ from the row-at-a-time computation (%d vs %d lines); first difference:\n%s", len(got), len(want), firstDiff(got, want))
	}
	for _, m := range collectMsgs(t, dlq, len(wantDLQ)) {
		var id int
		fmt.Sscanf(string(m.Data), `{"id":%d`, &id)
		q, reason, _ := strings.Cut(wantDLQ[strconv.Itoa(id)], ": ")
		if got := m.Header.Get(partition.HeaderError); reason == "" || m.Header.Get(partition.HeaderQuery) != q || !strings.Contains(got, reason) {
			t.Errorf("record %d dead-lettered by query %q with %q; want %q", id, m.Header.Get(partition.HeaderQuery), got, wantDLQ[strconv.Itoa(id)])
		}
	}

	calls := func(body, fn string) (rows, batches int) {
		for _, m := range []struct {
			name string
			dst  *int
		}{{"velort_udf_calls_total", &rows}, {"velort_udf_batch_calls_total", &batches}} {
			re := regexp.MustCompile(m.name + `\{function="` + fn + `",module="[^"]+"\} (\d+)`)
			if s := re.FindStringSubmatch(body); s != nil {
				*m.dst, _ = strconv.Atoi(s[1])
			}
		}
		return
	}
	body := waitMetrics(t, addr, func(body string) bool { r, _ := calls(body, "fee"); return r >= passing })
	feeRows, feeBatches := calls(body, "fee")
	_, divBatches := calls(body, "divide")
	// fee never fails: every row that passed went through its batch entry
	// point, exactly once (batch rows are counted exactly, scalar calls
	// from one in 64 — there were none), and records were grouped: more
	// than two per micro-batch on average (the input arrives much faster
	// than the loop takes it).
	if feeRows != passing || feeBatches == 0 || feeBatches > passing/2 || divBatches == 0 {
		t.Fatalf("fee: %d rows in %d batch calls (want %d rows); divide: %d batch calls\n%s", feeRows, feeBatches, passing, divBatches, grepLines(body, "velort_udf"))
	}
	t.Logf("%d records passed the filter in %d micro-batches (%.1f per batch)", passing, feeBatches, float64(passing)/float64(feeBatches))
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// collectMsgs reads n messages (and checks for an extra one).
func collectMsgs(t *testing.T, sub *nats.Subscription, n int) []*nats.Msg {
	t.Helper()
	var got []*nats.Msg
	for len(got) < n {
		m, err := sub.NextMsg(20 * time.Second)
		if err != nil {
			t.Fatalf("%d of %d messages on %s: %v", len(got), n, sub.Subject, err)
		}
		got = append(got, m)
	}
	if m, err := sub.NextMsg(500 * time.Millisecond); err == nil {
		t.Fatalf("more than %d messages on %s: %s", n, sub.Subject, m.Data)
	}
	return got
}

func firstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return "got  " + got[i] + "\nwant " + want[i]
		}
	}
	return fmt.Sprintf("one is a prefix of the other (%d vs %d)", len(got), len(want))
}
