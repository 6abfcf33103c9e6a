package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/planner"
	velrt "github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
)

// ijDurableSQL: an interval join of two JetStream streams co-partitioned
// by the join key, into a JetStream sink, and a GROUP BY over the same
// join (a stage after the join, checkpointed with it).
const ijDurableSQL = `
CREATE STREAM a (k BIGINT, t TIMESTAMP, v BIGINT)
WITH (subject = 'ijd.a.{partition}', partitions = 4, key = 'k', jetstream = 'IJD_A', event_time = 't', watermark_delay = '1s');
CREATE STREAM b (k BIGINT, t TIMESTAMP, w BIGINT)
WITH (subject = 'ijd.b.{partition}', partitions = 4, key = 'k', jetstream = 'IJD_B', event_time = 't', watermark_delay = '1s');
CREATE STREAM pairs WITH (subject = 'ijd.pairs', jetstream = 'IJD_PAIRS') AS
SELECT a.k, a.v, b.w FROM a JOIN b ON a.k = b.k AND b.t BETWEEN a.t AND a.t + INTERVAL '2' SECOND;
CREATE STREAM counts WITH (subject = 'ijd.counts', jetstream = 'IJD_COUNTS') AS
SELECT a.k, COUNT(*) AS n FROM a JOIN b ON a.k = b.k AND b.t BETWEEN a.t AND a.t + INTERVAL '2' SECOND GROUP BY a.k;
`

// ijDurableInput writes n records of each stream (500 keys, 5 ms apart,
// each up to 800 ms late, within the watermark delay) to a.jsonl and
// b.jsonl and returns the batch answer, computed by brute force: pairs
// (a, b) with equal keys and b.t − a.t in [0, 2 s], as {"k","v","w"}
// rows, and the number of pairs per key.
func ijDurableInput(t *testing.T, dir string, n int) (pairs map[string]int, counts map[string]string) {
	type rec struct{ k, t, id int64 }
	rng := rand.New(rand.NewSource(21))
	base := int64(1_700_000_000_000)
	var sides [2][]rec
	for s, name := range []string{"a", "b"} {
		var lines []string
		col := [2]string{"v", "w"}[s]
		for i := range n {
			r := rec{k: int64(rng.Intn(500)), t: base + int64(i)*5 + int64(rng.Intn(800)), id: int64(i)}
			sides[s] = append(sides[s], r)
			lines = append(lines, fmt.Sprintf(`{"k":%d,"t":%d,"%s":%d}`, r.k, r.t, col, r.id))
		}
		if err := os.WriteFile(filepath.Join(dir, name+".jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	byKey := map[int64][]rec{}
	for _, r := range sides[1] {
		byKey[r.k] = append(byKey[r.k], r)
	}
	pairs, perKey := map[string]int{}, map[int64]int{}
	for _, l := range sides[0] {
		for _, r := range byKey[l.k] {
			if d := r.t - l.t; d >= 0 && d <= 2000 {
				pairs[fmt.Sprintf(`{"k":%d,"v":%d,"w":%d}`, l.k, l.id, r.id)]++
				perKey[l.k]++
			}
		}
	}
	counts = map[string]string{}
	for k, c := range perKey {
		counts[strconv.FormatInt(k, 10)] = fmt.Sprintf(`{"k":%d,"n":%d}`, k, c)
	}
	return pairs, counts
}

// ijStoreInterleaved stores a.jsonl and b.jsonl into their JetStream
// streams alternately, record by record, with the message ids --replay
// gives them (replay/<stream>/<n>), so the --replay of each run stores
// nothing again but its end-of-input markers.
func ijStoreInterleaved(t *testing.T, url, sqlPath, dir string) {
	t.Helper()
	text, err := os.ReadFile(sqlPath)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := planner.Parse(sqlPath, string(text), planner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := transport.Connect(transport.ConnOptions{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var msgs [2][]*nats.Msg
	for i, name := range []string{"a", "b"} {
		s := pl.Stream(name)
		if err := conn.EnsureStream(s.JetStream, []string{transport.WildcardSubject(s.Subject)}, s.DedupWindow); err != nil {
			t.Fatal(err)
		}
		dec := velrt.NewDecoder(s.Columns, nil)
		row := make(velrt.Row, len(s.Columns))
		keyer := partition.NewKeyer(s.KeyIdx, s.Partitions)
		for n, line := range readLines(t, filepath.Join(dir, name+".jsonl")) {
			if err := dec.Decode([]byte(line), row); err != nil {
				t.Fatal(err)
			}
			m := nats.NewMsg(s.PartitionSubject(keyer.Partition(row)))
			m.Data = []byte(line)
			m.Header.Set(nats.MsgIdHdr, "replay/"+s.Name+"/"+strconv.Itoa(n+1))
			msgs[i] = append(msgs[i], m)
		}
	}
	js, _ := conn.NC.JetStream(nats.PublishAsyncMaxPending(1024))
	for i := range max(len(msgs[0]), len(msgs[1])) {
		for s := range msgs {
			if i < len(msgs[s]) {
				if _, err := js.PublishMsgAsync(msgs[s][i], nats.StallWait(time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		t.Fatal("storing the input did not finish within a minute")
	}
}

// TestIntervalJoinOverJetStreamSurvivesKills: the interval join above,
// over two JetStream streams stored interleaved, SIGKILLed 3 times
// mid-stream and restarted: the pairs sink holds each pair of the batch
// join exactly once, the counts sink ends with each key's number of
// pairs, and its changelog holds each count 1..N of each key exactly
// once. Before interval joins read JetStream consumers and checkpointed
// their state, `velort run` refused the file ("stream–stream joins run
// on core NATS streams only for now").
func TestIntervalJoinOverJetStreamSurvivesKills(t *testing.T) {
	if testing.Short() {
		t.Skip("starts velort processes")
	}
	const n = 20000
	dir := t.TempDir()
	emb := persistentServer(t, dir)
	nc := natsConnect(t, emb.ClientURL())
	pairs, counts := ijDurableInput(t, dir, n)
	query := filepath.Join(dir, "q.sql")
	os.WriteFile(query, []byte(ijDurableSQL), 0o644)
	ijStoreInterleaved(t, emb.ClientURL(), query, dir)
	args := []string{"run", query, "--nats", emb.ClientURL(), "--replay", "a=" + filepath.Join(dir, "a.jsonl"),
		"--replay", "b=" + filepath.Join(dir, "b.jsonl"), "--checkpoint-interval", "100ms"}
	rng := rand.New(rand.NewSource(8))
	interrupted := 0
	for range 3 {
		if killWhen(t, storedGrows(t, nc, "IJD_PAIRS", uint64(len(pairs)/6)), time.Duration(rng.Intn(200))*time.Millisecond, args...) {
			interrupted++
		}
	}
	if interrupted == 0 {
		t.Fatal("every run finished before it could be killed: the test proves nothing; raise n")
	}
	t.Logf("%d of 3 runs killed mid-stream; %d pairs expected", interrupted, len(pairs))
	_, errOut, code := velort(t, nil, args...)
	if code != 0 {
		t.Fatalf("final run: exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "restored checkpoint") {
		t.Errorf("the final run restored no checkpoint:\n%s", errOut)
	}
	js, _ := nc.JetStream()
	checkStream(t, nc, "IJD_PAIRS", pairs)
	compareTables(t, "counts vs batch answer", readChangelogTable(t, js, "IJD_COUNTS"), counts)
	seen := map[int64]map[int64]int{}
	for rec, times := range readSink(t, js, "IJD_COUNTS") {
		var row struct{ K, N int64 }
		if err := json.Unmarshal([]byte(rec), &row); err != nil {
			t.Fatalf("%q: %v", rec, err)
		}
		if seen[row.K] == nil {
			seen[row.K] = map[int64]int{}
		}
		seen[row.K][row.N] += times
	}
	for key, want := range counts {
		var w struct{ K, N int64 }
		json.Unmarshal([]byte(want), &w)
		for c := int64(1); c <= w.N; c++ {
			if got := seen[w.K][c]; got != 1 {
				t.Errorf("counts: key %s reached count %d in %d records, want exactly 1", key, c, got)
				break
			}
		}
	}
}

// TestJoinOverJetStreamIntoTableRefused: a join of two JetStream streams
// written into a materialized table (held in memory, never checkpointed)
// is refused at start with a message saying what to write instead; it
// used to ask for --checkpoint-interval > 0, which was already set.
func TestJoinOverJetStreamIntoTableRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a velort process")
	}
	dir := t.TempDir()
	query := filepath.Join(dir, "q.sql")
	os.WriteFile(query, []byte(`
CREATE STREAM a (k BIGINT, t TIMESTAMP, v BIGINT) WITH (subject = 'ijt.a', jetstream = 'IJT_A', event_time = 't');
CREATE STREAM b (k BIGINT, t TIMESTAMP, w BIGINT) WITH (subject = 'ijt.b', jetstream = 'IJT_B', event_time = 't');
CREATE TABLE pairs AS
SELECT a.k, COUNT(*) AS n FROM a JOIN b ON a.k = b.k AND b.t BETWEEN a.t AND a.t + INTERVAL '2' SECOND GROUP BY a.k;
`), 0o644)
	_, errOut, code := velort(t, nil, "run", query, "--data", filepath.Join(dir, "nats"))
	if code == 0 || !strings.Contains(errOut, "query pairs: a join over JetStream streams keeps its state in checkpoints, and a materialized table") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// TestIntervalJoinCoreReplay: the interval join over core NATS, both
// streams replayed (one after the other, 6,000 records each): velort ends
// with each pair of the batch join once. The replay of the second stream
// used to wait forever: its flow control compared its count with the
// join loops' records taken in, which include the first stream's, and
// the unsigned difference wrapped.
func TestIntervalJoinCoreReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a velort process")
	}
	dir := t.TempDir()
	pairs, _ := ijDurableInput(t, dir, 6000)
	query := filepath.Join(dir, "q.sql")
	core := strings.NewReplacer(", jetstream = 'IJD_A'", "", ", jetstream = 'IJD_B'", "", ", jetstream = 'IJD_PAIRS'", "")
	os.WriteFile(query, []byte(core.Replace(ijDurableSQL[:strings.Index(ijDurableSQL, "CREATE STREAM counts")])), 0o644)
	out := filepath.Join(dir, "pairs.jsonl")
	_, errOut, code := velort(t, nil, "run", query, "--replay", "a="+filepath.Join(dir, "a.jsonl"), "--replay", "b="+filepath.Join(dir, "b.jsonl"),
		"--capture", "pairs="+out, "--data", filepath.Join(dir, "nats"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := map[string]int{}
	for _, line := range readLines(t, out) {
		got[line]++
	}
	compareMultisets(t, "pairs vs batch join", got, pairs)
}
