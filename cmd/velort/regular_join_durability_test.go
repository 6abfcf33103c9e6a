package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
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

// rjDurableSQL: two JetStream sources on 4 partitions by k — append-only
// events and a changelog of customers — joined twice by a prefix-named
// pair of queries: a LEFT JOIN (every event with its customer's name, or
// NULL; a customer's change re-emits its events' rows) and a GROUP BY k
// over an INNER JOIN (retracting a key's joined rows as its customer
// changes or leaves); and a LEFT JOIN of the customers with themselves.
func rjDurableSQL(prefix string) string {
	return fmt.Sprintf(`
CREATE STREAM events (k VARCHAR, v BIGINT)
WITH (subject = 'rjd.events.{partition}', partitions = 4, key = 'k', jetstream = 'RJD_EVENTS');
CREATE STREAM custs (k VARCHAR, name VARCHAR)
WITH (subject = 'rjd.custs.{partition}', partitions = 4, key = 'k', changelog = 'upsert', jetstream = 'RJD_CUSTS');
CREATE STREAM %[1]s_left WITH (subject = 'rjd.%[1]s_left', jetstream = 'RJD_%[2]s_LEFT') AS
SELECT e.k, e.v, c.name FROM events e LEFT JOIN custs c ON e.k = c.k;
CREATE STREAM %[1]s_group WITH (subject = 'rjd.%[1]s_group.{partition}', partitions = 4, key = 'k', jetstream = 'RJD_%[2]s_GROUP') AS
SELECT events.k, COUNT(*) AS n, SUM(events.v) AS t, MAX(custs.name) AS nm FROM events JOIN custs ON events.k = custs.k GROUP BY events.k;
CREATE STREAM %[1]s_self WITH (subject = 'rjd.%[1]s_self', jetstream = 'RJD_%[2]s_SELF') AS
SELECT a.k, a.name AS n1, b.name AS n2 FROM custs a LEFT JOIN custs b ON a.k = b.k AND a.name < 'n25';
`, prefix, strings.ToUpper(prefix))
}

// rjDurableInput writes n events over 40 keys and 60 changes of customers
// over 48 keys (upserts and deletes), and returns the replay arguments
// and the batch answers of the two queries from SQLite over the events
// and the customers' live rows (rows as rjCaptureTable writes them).
func rjDurableInput(t *testing.T, dir string, n int) (args []string, want map[string][]string) {
	rng := rand.New(rand.NewSource(16))
	var ev, cu []string
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	db.Exec("CREATE TABLE events (k TEXT, v INTEGER)")
	db.Exec("CREATE TABLE custs (k TEXT PRIMARY KEY, name TEXT)")
	for range n {
		k, v := fmt.Sprintf("K%d", rng.Intn(40)), rng.Intn(100)
		ev = append(ev, fmt.Sprintf(`{"k":%q,"v":%d}`, k, v))
		db.Exec("INSERT INTO events VALUES (?, ?)", k, v)
	}
	for range 60 {
		k := fmt.Sprintf("K%d", rng.Intn(48))
		if rng.Intn(4) == 0 {
			cu = append(cu, fmt.Sprintf(`{"op":"delete","key":%q,"row":null}`, k))
			db.Exec("DELETE FROM custs WHERE k = ?", k)
		} else {
			name := fmt.Sprintf("n%02d", rng.Intn(50))
			cu = append(cu, fmt.Sprintf(`{"k":%q,"name":%q}`, k, name))
			db.Exec("INSERT OR REPLACE INTO custs VALUES (?, ?)", k, name)
		}
	}
	for name, lines := range map[string][]string{"events": ev, "custs": cu} {
		p := filepath.Join(dir, name+".jsonl")
		if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--replay", name+"="+p)
	}
	return args, map[string][]string{
		"left":  rjSQLite(t, db, "SELECT e.k, e.v, c.name FROM events e LEFT JOIN custs c ON e.k = c.k"),
		"group": rjSQLite(t, db, "SELECT e.k, COUNT(*) AS n, SUM(e.v) AS t, MAX(c.name) AS nm FROM events e JOIN custs c ON e.k = c.k GROUP BY e.k"),
		"self":  rjSQLite(t, db, "SELECT a.k, a.name AS n1, b.name AS n2 FROM custs a LEFT JOIN custs b ON a.k = b.k AND a.name < 'n25'"),
	}
}

// TestRegularJoinSurvivesKills: regular joins of two JetStream streams
// (refused before: "runs over core NATS streams only for now"), run as a
// separate velort process SIGKILLed 3 times mid-stream and restarted with
// the same command. Each sink's final table equals the batch answer in
// SQLite and that of an uninterrupted run on a second server; and each
// sink holds exactly the records (op, key, row) of an uninterrupted run
// of the same queries under other names over the same stored streams on
// the killed server: the join reads both streams in the order JetStream
// stored them, so re-processing after a kill publishes the same outputs
// with the same message ids, and nothing is stored twice or lost.
func TestRegularJoinSurvivesKills(t *testing.T) {
	if testing.Short() {
		t.Skip("starts velort processes")
	}
	const n = 20000
	type result struct {
		tables  map[string][]string       // query → sorted rows of its final table
		records map[string]map[string]int // query → op|key|payload multiset
	}
	read := func(nc *nats.Conn, prefix string) result {
		js, _ := nc.JetStream()
		r := result{tables: map[string][]string{}, records: map[string]map[string]int{}}
		for _, q := range []string{"left", "group", "self"} {
			stream := "RJD_" + strings.ToUpper(prefix) + "_" + strings.ToUpper(q)
			r.tables[q] = rjTableRows(t, readChangelogTable(t, js, stream))
			r.records[q] = readChangeRecords(t, js, stream)
		}
		return r
	}
	start := func(dir, prefix string) (nc *nats.Conn, args, replay []string, url string) {
		emb := persistentServer(t, dir)
		nc = natsConnect(t, emb.ClientURL())
		query := filepath.Join(dir, prefix+".sql")
		os.WriteFile(query, []byte(rjDurableSQL(prefix)), 0o644)
		replay, _ = rjDurableInput(t, dir, n)
		return nc, append([]string{"run", query, "--nats", emb.ClientURL(), "--checkpoint-interval", "100ms"}, replay...), replay, emb.ClientURL()
	}
	_, want := rjDurableInput(t, t.TempDir(), n)

	// Killed 3 times, then run to the end: the inputs are stored first,
	// interleaved (a --replay stores one stream after the other).
	dir := t.TempDir()
	nc, args, replay, url := start(dir, "j")
	rjStoreInterleaved(t, url, filepath.Join(dir, "j.sql"), dir)
	rng := rand.New(rand.NewSource(15))
	interrupted := 0
	for range 3 {
		if killWhen(t, storedGrows(t, nc, "RJD_J_LEFT", 6000), time.Duration(rng.Intn(200))*time.Millisecond, args...) {
			interrupted++
		}
	}
	if interrupted == 0 {
		t.Fatal("every run finished before it could be killed: the test proves nothing; raise n")
	}
	t.Logf("%d of 3 runs killed mid-stream", interrupted)
	_, errOut, code := velort(t, nil, args...)
	if code != 0 {
		t.Fatalf("final run: exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "restored checkpoint") {
		t.Errorf("the final run restored no checkpoint:\n%s", errOut)
	}
	killed := read(nc, "j")

	// The same queries under other names, uninterrupted, over the streams
	// the killed runs stored.
	refDir := t.TempDir()
	refSQL := filepath.Join(refDir, "r.sql")
	os.WriteFile(refSQL, []byte(rjDurableSQL("r")), 0o644)
	refArgs := append([]string{"run", refSQL, "--nats", url, "--checkpoint-interval", "100ms"}, replay...)
	if _, errOut, code := velort(t, nil, refArgs...); code != 0 {
		t.Fatalf("reference run: exit %d: %s", code, errOut)
	}
	ref := read(nc, "r")

	// An uninterrupted run on a server of its own.
	cnc, cargs, _, _ := start(t.TempDir(), "j")
	if _, errOut, code := velort(t, nil, cargs...); code != 0 {
		t.Fatalf("uninterrupted run: exit %d: %s", code, errOut)
	}
	clean := read(cnc, "j")

	for _, q := range []string{"left", "group", "self"} {
		if !slices.Equal(clean.tables[q], want[q]) {
			t.Errorf("%s, uninterrupted run vs SQLite:\n got %d rows %v\nwant %d rows %v", q, len(clean.tables[q]), clean.tables[q], len(want[q]), want[q])
		}
		if !slices.Equal(killed.tables[q], want[q]) {
			t.Errorf("%s, run killed 3 times vs SQLite:\n got %d rows %v\nwant %d rows %v", q, len(killed.tables[q]), killed.tables[q], len(want[q]), want[q])
		}
		compareMultisets(t, q+" records, run killed 3 times vs uninterrupted over the same streams", killed.records[q], ref.records[q])
	}
}

// rjTableRows turns a changelog table (key → JSON row) into sorted rows
// of values joined by '|', as rjCaptureTable writes them.
func rjTableRows(t *testing.T, table map[string]string) []string {
	out := []string{}
	for _, row := range table {
		out = append(out, rjJSONRow(t, row))
	}
	slices.Sort(out)
	return out
}

// rjJSONRow is a JSON object's values in order, joined by '|'.
func rjJSONRow(t *testing.T, row string) string {
	dec := json.NewDecoder(strings.NewReader(row))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var vals []string
	for dec.More() {
		if _, err := dec.Token(); err != nil {
			t.Fatal(err)
		}
		v, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		vals = append(vals, rjText(v))
	}
	return strings.Join(vals, "|")
}

// readChangeRecords reads every changelog record of a JetStream stream as
// "op key payload", counted.
func readChangeRecords(t *testing.T, js nats.JetStreamContext, stream string) map[string]int {
	t.Helper()
	info, err := js.StreamInfo(stream)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	last := info.State.LastSeq
	if last == 0 {
		return got
	}
	sub, err := js.SubscribeSync("", nats.BindStream(stream), nats.OrderedConsumer(), nats.DeliverAll())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	for {
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatalf("%s: reading: %v", stream, err)
		}
		if m.Header.Get(partition.HeaderControl) == "" {
			got[m.Header.Get("Velort-Op")+" "+m.Header.Get("Velort-Key")+" "+string(m.Data)]++
		}
		if meta, err := m.Metadata(); err != nil || meta.Sequence.Stream >= last {
			return got
		}
	}
}

// rjStoreInterleaved stores the records of dir's events.jsonl and
// custs.jsonl into their JetStream streams as velort run --replay would
// (same subjects, headers and message ids, so that a --replay of the files
// afterwards stores only its end-of-input markers), interleaved: a
// customer change between every few events.
func rjStoreInterleaved(t *testing.T, url, sqlPath, dir string) {
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
	msgs := map[string][]*nats.Msg{}
	for _, name := range []string{"events", "custs"} {
		s := pl.Stream(name)
		if err := conn.EnsureStream(s.JetStream, []string{transport.WildcardSubject(s.Subject)}, s.DedupWindow); err != nil {
			t.Fatal(err)
		}
		dec := velrt.NewDecoder(s.Columns, nil)
		row := make(velrt.Row, len(s.Columns))
		keyer := partition.NewKeyer(s.KeyIdx, s.Partitions)
		for n, line := range readLines(t, filepath.Join(dir, name+".jsonl")) {
			data := []byte(line)
			env := parseChangeLine(data)
			if env != nil {
				data = env.row
			}
			p := 0
			if err := dec.Decode(data, row); err == nil {
				p = keyer.Partition(row)
			} else if env != nil && env.hasKey {
				p = transport.PartitionOf(velrt.ChangeKeyHashText(nil, []byte(env.key)), s.Partitions)
			}
			m := nats.NewMsg(s.PartitionSubject(p))
			m.Data = data
			if env != nil {
				m.Header.Set(partition.HeaderOp, env.op)
				if env.hasKey {
					m.Header.Set(partition.HeaderKey, env.key)
				}
			}
			m.Header.Set(nats.MsgIdHdr, "replay/"+s.Name+"/"+strconv.Itoa(n+1))
			msgs[name] = append(msgs[name], m)
		}
	}
	js, _ := conn.NC.JetStream()
	ev, cu := msgs["events"], msgs["custs"]
	every := len(ev)/len(cu) + 1
	for i, m := range ev {
		if i%every == every/2 && len(cu) > 0 {
			if _, err := js.PublishMsg(cu[0]); err != nil {
				t.Fatal(err)
			}
			cu = cu[1:]
		}
		if _, err := js.PublishMsg(m); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range cu {
		if _, err := js.PublishMsg(m); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRegularJoinDeadLettersOfBothStreams: a regular join of two
// JetStream streams dead-letters a malformed record of each, both at
// stream sequence 2, into a JetStream stream over velort.dlq.>: both are
// kept. Their message ids named only the query, partition and sequence,
// so the second was dropped as a duplicate of the first.
func TestRegularJoinDeadLettersOfBothStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a velort process")
	}
	dir := t.TempDir()
	emb := persistentServer(t, dir)
	nc := natsConnect(t, emb.ClientURL())
	js, _ := nc.JetStream()
	if _, err := js.AddStream(&nats.StreamConfig{Name: "DLQ", Subjects: []string{"velort.dlq.>"}, Storage: nats.FileStorage, Duplicates: 2 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	query := filepath.Join(dir, "q.sql")
	os.WriteFile(query, []byte(`
CREATE STREAM ev (k VARCHAR, v BIGINT) WITH (subject = 'rjdl.ev', jetstream = 'RJDL_EV');
CREATE STREAM cu (k VARCHAR, name VARCHAR) WITH (subject = 'rjdl.cu', key = 'k', changelog = 'upsert', jetstream = 'RJDL_CU');
CREATE STREAM named WITH (subject = 'rjdl.named', jetstream = 'RJDL_NAMED') AS
SELECT ev.k, ev.v, cu.name FROM ev LEFT JOIN cu ON ev.k = cu.k;
`), 0o644)
	files := map[string]string{"ev": `{"k":"a","v":1}` + "\n" + `{"k":"b","v":` + "\n" + `{"k":"a","v":3}` + "\n",
		"cu": `{"k":"a","name":"x"}` + "\n" + `{"k":"b","name":` + "\n"}
	args := []string{"run", query, "--nats", emb.ClientURL(), "--checkpoint-interval", "100ms"}
	for name, text := range files {
		p := filepath.Join(dir, name+".jsonl")
		os.WriteFile(p, []byte(text), 0o644)
		args = append(args, "--replay", name+"="+p)
	}
	if _, errOut, code := velort(t, nil, args...); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	info, err := js.StreamInfo("DLQ")
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 2 {
		t.Errorf("dead letters stored: %d, want 2 (one malformed record of each stream)", info.State.Msgs)
	}
	if got := rjTableRows(t, readChangelogTable(t, js, "RJDL_NAMED")); len(got) != 2 {
		t.Errorf("join rows %v, want the two events of key a", got)
	}
}

// changeLine is a line of a changelog capture, {"op","key","row"}, as
// --replay reads it (engine's parseChangeLine; nil: a plain row).
type changeLine struct {
	op, key string
	hasKey  bool
	row     []byte
}

func parseChangeLine(line []byte) *changeLine {
	var m struct {
		Op  *string         `json:"op"`
		Key *string         `json:"key"`
		Row json.RawMessage `json:"row"`
	}
	if json.Unmarshal(line, &m) != nil || m.Op == nil || len(m.Row) == 0 || m.Row[0] != '{' && string(m.Row) != "null" {
		return nil
	}
	e := &changeLine{op: *m.Op}
	if m.Row[0] == '{' {
		e.row = m.Row
	}
	if m.Key != nil {
		e.key, e.hasKey = *m.Key, true
	}
	return e
}
