package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

const durableSQL = `
CREATE FUNCTION divide(a BIGINT, b BIGINT) RETURNS BIGINT WITH (module = 'c_faults.wasm');
CREATE STREAM trades (sym VARCHAR, qty BIGINT, ts TIMESTAMP)
WITH (subject = 'dur.trades.{partition}', partitions = 4, key = 'sym', event_time = 'ts', jetstream = 'DUR_TRADES');
CREATE STREAM big WITH (subject = 'dur.big', jetstream = 'DUR_BIG') AS
SELECT sym, qty, divide(qty * 10, 5) AS q2, ts FROM trades WHERE qty >= 50;
CREATE STREAM per_second WITH (subject = 'dur.per_second', jetstream = 'DUR_PER_SECOND') AS
SELECT sym, window_start, COUNT(*) AS n, SUM(qty) AS volume FROM trades GROUP BY sym, TUMBLE(ts, INTERVAL '1' SECOND);
`

// TestJetStreamSurvivesKills: velort is SIGKILLed mid-stream three times and
// restarted with the same command; afterwards the JetStream sinks hold
// exactly the output of an uninterrupted run — nothing lost, nothing
// duplicated — for a filter whose projection calls a user function a
// micro-batch at a time, and for a TUMBLE aggregate.
func TestJetStreamSurvivesKills(t *testing.T) {
	if testing.Short() {
		t.Skip("starts velort processes")
	}
	dir := t.TempDir()
	emb := persistentServer(t, dir)

	const n = 100000
	var lines []string
	wantBig := map[string]int{}
	type key struct {
		sym string
		ws  int64
	}
	windows := map[key][2]int64{}
	for i := 0; i < n; i++ {
		sym := fmt.Sprintf("S%d", i%13)
		qty := int64(i*7) % 100
		ts := int64(1_700_000_000_000) + int64(i)*10
		lines = append(lines, fmt.Sprintf(`{"sym":"%s","qty":%d,"ts":%d}`, sym, qty, ts))
		if qty >= 50 {
			wantBig[fmt.Sprintf(`{"sym":"%s","qty":%d,"q2":%d,"ts":"%s"}`, sym, qty, 2*qty, time.UnixMilli(ts).UTC().Format("2006-01-02T15:04:05.000Z"))]++
		}
		k := key{sym, ts / 1000 * 1000}
		w := windows[k]
		windows[k] = [2]int64{w[0] + 1, w[1] + qty}
	}
	wantWin := map[string]int{}
	for k, w := range windows {
		wantWin[fmt.Sprintf(`{"sym":"%s","window_start":"%s","n":%d,"volume":%d}`, k.sym, time.UnixMilli(k.ws).UTC().Format("2006-01-02T15:04:05.000Z"), w[0], w[1])]++
	}
	in := filepath.Join(dir, "trades.jsonl")
	os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	query := filepath.Join(dir, "q.sql")
	os.WriteFile(query, []byte(durableSQL), 0o644)
	wasm, err := os.ReadFile("../../testdata/plugins/c_faults.wasm") // divide has a batch entry point
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "c_faults.wasm"), wasm, 0o644)
	args := []string{"run", query, "--nats", emb.ClientURL(), "--replay", "trades=" + in}

	rng := rand.New(rand.NewSource(1))
	interrupted := 0
	for kill := 0; kill < 3; kill++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "VELORT_AS_CLI=1", "VELORT_ARGS="+strings.Join(args, " "))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(400+rng.Intn(800)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		if err := cmd.Wait(); err != nil && strings.Contains(err.Error(), "killed") {
			interrupted++
		}
	}
	if interrupted == 0 {
		t.Fatal("every run finished before it could be killed: the test proves nothing; raise n")
	}
	t.Logf("%d of 3 runs killed mid-stream", interrupted)
	start := time.Now()
	if _, errOut, code := velort(t, nil, args...); code != 0 {
		t.Fatalf("final run: exit %d: %s", code, errOut)
	}
	t.Logf("final run after 3 kills took %s", time.Since(start))

	nc := natsConnect(t, emb.ClientURL())
	checkStream(t, nc, "DUR_BIG", wantBig)
	checkStream(t, nc, "DUR_PER_SECOND", wantWin)
}

// checkStream reads every record stored in a JetStream stream (skipping
// end-of-input markers), checks that each is JSON, and compares the
// multiset with want.
func checkStream(t *testing.T, nc *nats.Conn, stream string, want map[string]int) {
	t.Helper()
	js, _ := nc.JetStream()
	got := readSink(t, js, stream)
	for rec := range got {
		var v any
		if err := json.Unmarshal([]byte(rec), &v); err != nil {
			t.Fatalf("%s: %q: %v", stream, rec, err)
		}
	}
	compareMultisets(t, stream, got, want)
}

func head(s []string) []string {
	if len(s) > 3 {
		return s[:3]
	}
	return s
}
