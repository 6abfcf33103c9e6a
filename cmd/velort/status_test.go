package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/velort/velort/transport"
)

const statusSQL = `
CREATE STREAM trades (sym VARCHAR, qty BIGINT, ts TIMESTAMP)
WITH (subject = 'st.trades.{partition}', partitions = 2, key = 'sym', event_time = 'ts', jetstream = 'ST_TRADES');
CREATE STREAM sym_totals WITH (subject = 'st.totals', jetstream = 'ST_TOTALS') AS
SELECT sym, COUNT(*) AS n, SUM(qty) AS volume FROM trades GROUP BY sym EMIT CHANGES;
`

// statusJSON mirrors `velort status --json`.
type statusJSON struct {
	Instances []struct {
		Instance, Host, File, Started string
		PID                           int
		Partitions                    int
	}
	Partitions []struct {
		Query           string
		Partition       int
		Owner           string
		Lag             *uint64
		AckPending      *uint64  `json:"ack_pending"`
		CheckpointSeq   *uint64  `json:"checkpoint_seq"`
		CheckpointSaved string   `json:"checkpoint_saved"`
		CheckpointAge   *float64 `json:"checkpoint_age_s"`
	}
}

// TestStatus: after a real run of a stateful JetStream query (which
// leaves checkpoints and durable consumers behind) and with members and
// leases written to velort_cluster, status shows the instances with the
// partitions they own, each partition's owner, lag and checkpoint.
func TestStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts velort processes")
	}
	dir := t.TempDir()
	emb := persistentServer(t, dir)
	url := emb.ClientURL()
	var lines []string
	for i := range 200 {
		lines = append(lines, fmt.Sprintf(`{"sym":"S%d","qty":%d,"ts":%d}`, i%7, i, 1_700_000_000_000+int64(i)*10))
	}
	in, query := filepath.Join(dir, "trades.jsonl"), filepath.Join(dir, "q.sql")
	os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	os.WriteFile(query, []byte(statusSQL), 0o644)
	before := time.Now().Add(-time.Second) // the clocks agree to a millisecond; this is slack for rounding
	if _, errOut, code := velort(t, nil, "run", query, "--nats", url, "--replay", "trades="+in, "--checkpoint-interval", "100ms"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, errOut)
	}

	conn, err := transport.Connect(transport.ConnOptions{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	js, _ := jetstream.New(conn.NC)
	ctx := context.Background()
	// The checkpoint of each partition reflects every input on its subject.
	stream, err := js.Stream(ctx, "ST_TRADES")
	if err != nil {
		t.Fatal(err)
	}
	var lastSeq [2]uint64
	for p := range lastSeq {
		m, err := stream.GetLastMsgForSubject(ctx, fmt.Sprintf("st.trades.%d", p))
		if err != nil {
			t.Fatal(err)
		}
		lastSeq[p] = m.Sequence
	}
	// Three inputs arrive for partition 1 after the run: its lag.
	for i := range 3 {
		if _, err := js.Publish(ctx, "st.trades.1", fmt.Appendf(nil, `{"sym":"late","qty":%d,"ts":1}`, i)); err != nil {
			t.Fatal(err)
		}
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "velort_cluster", TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	for key, val := range map[string]string{
		"member.host-1":      `{"instance":"host-1","host":"hostA","pid":101,"file":"/q/a.sql","started":"2026-11-26T01:02:03.456Z"}`,
		"member.host-2":      `{"instance":"host-2","host":"hostB","pid":202,"file":"/q/b.sql","started":"2026-11-26T01:02:04.000Z"}`,
		"lease.sym_totals.0": `{"owner":"host-1","since":"2026-11-26T01:02:05.000Z"}`,
		"lease.sym_totals.1": `{"owner":"host-1","since":"2026-11-26T01:02:05.000Z"}`,
		"lease.other_q.10":   `{"owner":"host-2","since":"2026-11-26T01:02:05.000Z"}`,
		"lease.other_q.9":    `{"owner":"host-2","since":"2026-11-26T01:02:05.000Z"}`,
		"lease.sym_totals.x": `{"owner":"junk"}`, // not a partition: ignored
		"unrelated.key":      `{}`,
	} {
		if _, err := kv.PutString(ctx, key, val); err != nil {
			t.Fatal(err)
		}
	}

	out, errOut, code := velort(t, nil, "status", "--nats", url)
	if code != 0 {
		t.Fatalf("status: exit %d: %s", code, errOut)
	}
	t.Logf("status:\n%s", out)
	rows := map[string][]string{}
	var order []string
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 1 {
			rows[f[0]+" "+f[1]] = f
			order = append(order, f[0]+" "+f[1])
		}
	}
	wantRows := map[string]string{
		"host-1 hostA": "host-1 hostA 101 /q/a.sql 2026-11-26T01:02:03.456Z 2",
		"host-2 hostB": "host-2 hostB 202 /q/b.sql 2026-11-26T01:02:04.000Z 2",
		"other_q 9":    "other_q 9 host-2 - - - -",
		"other_q 10":   "other_q 10 host-2 - - - -",
		"sym_totals 0": fmt.Sprintf("sym_totals 0 host-1 0 0 %d", lastSeq[0]),
		"sym_totals 1": fmt.Sprintf("sym_totals 1 host-1 3 0 %d", lastSeq[1]),
	}
	for k, want := range wantRows {
		got := strings.Join(rows[k], " ")
		if strings.HasPrefix(k, "sym_totals") && len(rows[k]) == 7 {
			if _, err := time.ParseDuration(rows[k][6]); err != nil {
				t.Errorf("%s: checkpoint age %q: %v", k, rows[k][6], err)
			}
			got = strings.Join(rows[k][:6], " ")
		}
		if got != want {
			t.Errorf("row %q:\n got %q\nwant %q", k, got, want)
		}
	}
	if got := strings.Join(filterPrefixed(order, "other_q", "sym_totals"), ","); got != "other_q 9,other_q 10,sym_totals 0,sym_totals 1" {
		t.Errorf("partition rows in order %s", got)
	}
	for _, h := range []string{"INSTANCE HOST PID FILE STARTED PARTITIONS", "QUERY PARTITION OWNER LAG ACK_PENDING CHECKPOINT_SEQ CHECKPOINT_AGE"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), h) {
			t.Errorf("no header %q", h)
		}
	}

	out, errOut, code = velort(t, nil, "status", "--json", "--nats", url)
	if code != 0 {
		t.Fatalf("status --json: exit %d: %s", code, errOut)
	}
	var st statusJSON
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	owned := map[string]int{}
	for _, m := range st.Instances {
		owned[m.Instance] = m.Partitions
		if m.Instance == "host-2" && (m.Host != "hostB" || m.PID != 202 || m.File != "/q/b.sql" || m.Started != "2026-11-26T01:02:04.000Z") {
			t.Errorf("instance host-2: %+v", m)
		}
	}
	if owned["host-1"] != 2 || owned["host-2"] != 2 {
		t.Errorf("partitions owned: %v", owned)
	}
	if len(st.Partitions) != 4 {
		t.Fatalf("%d partitions, want 4:\n%s", len(st.Partitions), out)
	}
	for i, p := range st.Partitions[2:] {
		if p.Query != "sym_totals" || p.Partition != i || p.Owner != "host-1" || p.Lag == nil || *p.Lag != uint64(3*i) ||
			p.AckPending == nil || *p.AckPending != 0 || p.CheckpointSeq == nil || *p.CheckpointSeq != lastSeq[i] || p.CheckpointAge == nil {
			t.Errorf("partition %d: %+v", i, p)
			continue
		}
		saved, err := time.Parse(time.RFC3339, p.CheckpointSaved)
		if err != nil || saved.Before(before) || saved.After(time.Now()) {
			t.Errorf("partition %d: checkpoint saved %q, not during the run (%v)", i, p.CheckpointSaved, err)
		}
	}
	if p := st.Partitions[1]; p.Query != "other_q" || p.Partition != 10 || p.Lag != nil || p.CheckpointSeq != nil || p.CheckpointAge != nil {
		t.Errorf("other_q 10: %+v", p)
	}
}

func filterPrefixed(keys []string, prefixes ...string) []string {
	var out []string
	for _, k := range keys {
		for _, p := range prefixes {
			if strings.HasPrefix(k, p+" ") {
				out = append(out, k)
			}
		}
	}
	return out
}

// TestStatusNoState: a server velort never used has nothing to show; it
// says so and exits 0.
func TestStatusNoState(t *testing.T) {
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Shutdown()
	out, errOut, code := velort(t, nil, "status", "--nats", emb.ClientURL())
	if code != 0 || !strings.Contains(out, "velort_cluster does not exist") || !strings.Contains(out, "partitions: none") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = velort(t, []string{"NATS_URL=" + emb.ClientURL()}, "status", "--json")
	if code != 0 || strings.Join(strings.Fields(out), "") != `{"instances":[],"partitions":[]}` {
		t.Errorf("--json with NATS_URL: exit %d\n%s%s", code, out, errOut)
	}
}

// TestStatusNeedsServer: without --nats and NATS_URL there is nothing to
// look at: a clear message and a non-zero exit.
func TestStatusNeedsServer(t *testing.T) {
	_, errOut, code := velort(t, []string{"NATS_URL="}, "status")
	if code == 0 || !strings.Contains(errOut, "status needs a NATS server URL: give --nats URL or set NATS_URL") {
		t.Errorf("exit %d, stderr %s", code, errOut)
	}
	out, _, code := velort(t, nil, "status", "--help")
	if code != 0 || !strings.Contains(out, "Usage:") || !strings.Contains(out, "--json") || !strings.Contains(out, "checkpoint") {
		t.Errorf("status --help: exit %d\n%s", code, out)
	}
}
