package partition

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/planner"
	"github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
)

// changelogSQL declares a changelog source (upserts and deletes of users
// by id) and queries over it.
const changelogSQL = `CREATE STREAM users (id BIGINT, name VARCHAR, city VARCHAR, age BIGINT)
WITH (subject = 'cl.users', changelog = 'upsert', key = 'id');
CREATE STREAM adults WITH (subject = 'cl.adults') AS SELECT id, name FROM users WHERE age >= 18;
CREATE STREAM by_city WITH (subject = 'cl.by_city') AS SELECT city, COUNT(*) AS n, SUM(age) AS ages FROM users GROUP BY city;
`

// changelogLoop plans sql and returns the loop of query name on
// partition 0, as runner.go configures it, and the connection.
func changelogLoop(t testing.TB, nc *nats.Conn, sql, name string) *Loop {
	t.Helper()
	pl, err := planner.Parse("cl.sql", sql, planner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range pl.Queries {
		if q.Name != name {
			continue
		}
		pipe, err := q.NewPipeline(0, planner.NewInstances(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
		names := make([]string, len(q.Columns))
		for i, c := range q.Columns {
			names[i] = c.Name
		}
		if !q.InputChangelog() {
			t.Fatalf("%s: input is not a changelog", name)
		}
		return New(nc, Config{Query: q.Name, Subject: q.Source.PartitionSubject(0), Schema: q.Source.Columns, Read: q.Read,
			TimeIdx: q.TimeIdx, DLQ: q.Source.DLQ, Pipeline: pipe, Logger: quietLog,
			Sink:      Sink{Subjects: []string{q.Sink.Subject}, KeyIdx: q.Sink.KeyIdx, Columns: names},
			Changelog: true, ChangelogKey: q.SourceKeyCols()})
	}
	t.Fatalf("no query %s", name)
	return nil
}

// change is one input record: op and key headers ("" = absent) and payload.
type change struct{ op, key, data string }

func (c change) msg(subject string) *nats.Msg {
	m := nats.NewMsg(subject)
	m.Data = []byte(c.data)
	if c.op != "" {
		m.Header.Set(HeaderOp, c.op)
	}
	if c.key != "" {
		m.Header.Set(HeaderKey, c.key)
	}
	return m
}

// collect reads every message on sub until none arrives for a while,
// each as "op key payload" (or the dead letter's reason).
func collect(t *testing.T, nc *nats.Conn, sub *nats.Subscription, header string) []string {
	t.Helper()
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		m, err := sub.NextMsg(300 * time.Millisecond)
		if err != nil {
			return out
		}
		if header == HeaderOp {
			out = append(out, m.Header.Get(HeaderOp)+" "+m.Header.Get(HeaderKey)+" "+string(m.Data))
		} else {
			out = append(out, m.Header.Get(header))
		}
	}
}

func subscribe(t *testing.T, nc *nats.Conn, subject string) *nats.Subscription {
	sub, err := nc.SubscribeSync(subject)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n--- got\n%s\n--- want\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestChangelogThroughFilterAndProjection: records of a changelog source
// (no header = upsert, Velort-Op: delete by Velort-Key with or without a
// payload) through WHERE and a projection come out as upserts and deletes
// of the input key, with Velort-Op and Velort-Key headers; a row that stops
// passing WHERE is deleted. A bad op, an upsert that does not decode and a
// delete with neither key nor payload are dead-lettered and leave the
// table as it was.
func TestChangelogThroughFilterAndProjection(t *testing.T) {
	nc := connectTo(t, startServer(t)).NC
	l := changelogLoop(t, nc, changelogSQL, "adults")
	out, dlq := subscribe(t, nc, "cl.adults"), subscribe(t, nc, l.cfg.DLQ)
	for _, c := range []change{
		{"", "", `{"id":1,"name":"ann","city":"oslo","age":20}`},
		{"", "", `{"id":2,"name":"bob","city":"rome","age":10}`},       // not an adult: nothing
		{"upsert", "", `{"id":1,"name":"ann","city":"oslo","age":15}`}, // no longer passes: delete
		{"delete", "2", ``}, // its old row never passed: nothing
		{"", "", `{"id":2,"name":"bob","city":"rome","age":30}`},
		{"merge", "2", `{"id":2,"name":"x","city":"rome","age":40}`}, // dead letter
		{"delete", "", ``},          // dead letter: which key?
		{"", "", `{"id":2,"name":`}, // dead letter
		{"", "", `{"id":3,"name":"cy","city":"oslo","age":50}`},
		{"delete", "", `{"id":3}`}, // key from the payload
		{"DELETE", "2", `{"id":2}`},
	} {
		if err := l.process(c.msg(l.cfg.Subject)); err != nil {
			t.Fatal(err)
		}
	}
	sameLines(t, "outputs", collect(t, nc, out, HeaderOp), []string{
		`upsert 1 {"id":1,"name":"ann"}`,
		`delete 1 {"id":1,"name":"ann"}`,
		`upsert 2 {"id":2,"name":"bob"}`,
		`upsert 3 {"id":3,"name":"cy"}`,
		`delete 3 {"id":3,"name":"cy"}`,
		`delete 2 {"id":2,"name":"bob"}`,
	})
	dl := collect(t, nc, dlq, HeaderError)
	if len(dl) != 3 || !strings.Contains(dl[0], `"merge"`) || !strings.Contains(dl[1], "Velort-Key") {
		t.Errorf("dead letters: %q", dl)
	}
	if n := l.ChangeTable().Len(); n != 1 { // id 1 (age 15) is still a row of users
		t.Errorf("%d rows in the change table, want 1", n)
	}
}

// TestChangelogThroughGroupBy: a GROUP BY over a changelog counts each
// key's current row once: an update moving a user to another city
// retracts it from the old city (deleted when empty) and adds it to the
// new; outputs are keyed by the group key.
func TestChangelogThroughGroupBy(t *testing.T) {
	nc := connectTo(t, startServer(t)).NC
	l := changelogLoop(t, nc, changelogSQL, "by_city")
	out := subscribe(t, nc, "cl.by_city")
	for _, c := range []change{
		{"", "", `{"id":1,"name":"ann","city":"oslo","age":20}`},
		{"", "", `{"id":2,"name":"bob","city":"oslo","age":30}`},
		{"", "", `{"id":1,"name":"ann","city":"rome","age":21}`},
		{"delete", "2", ``},
	} {
		if err := l.process(c.msg(l.cfg.Subject)); err != nil {
			t.Fatal(err)
		}
	}
	got := collect(t, nc, out, HeaderOp)
	sameLines(t, "outputs", got, []string{
		`upsert oslo {"city":"oslo","n":1,"ages":20}`,
		`upsert oslo {"city":"oslo","n":2,"ages":50}`,
		`upsert oslo {"city":"oslo","n":1,"ages":30}`,
		`upsert rome {"city":"rome","n":1,"ages":21}`,
		`delete oslo {"city":"oslo","n":1,"ages":30}`,
	})
}

// TestChangelogGroupByIntKeys: a changelog keyed by one BIGINT column
// feeding a GROUP BY looks records without a Velort-Key header up by the
// key's number (no key text), and those with one by the text: both reach
// the same row of the table. A delete whose key comes from its payload
// removes the row (it does not store the payload as the key's row).
func TestChangelogGroupByIntKeys(t *testing.T) {
	nc := connectTo(t, startServer(t)).NC
	l := changelogLoop(t, nc, changelogSQL, "by_city")
	if l.chg.intCol < 0 {
		t.Fatal("the loop does not look BIGINT keys up by number")
	}
	out := subscribe(t, nc, "cl.by_city")
	for i, c := range []change{
		{"", "", `{"id":1,"name":"ann","city":"oslo","age":20}`},
		{"delete", "", `{"id":1}`},
		{"delete", "1", ``}, // no row left: nothing
		{"", "1", `{"id":1,"name":"ann","city":"rome","age":21}`},
		{"", "", `{"id":1,"name":"ann","city":"oslo","age":22}`},
		{"", "01", `{"id":1,"name":"ann","city":"bern","age":23}`}, // another key's text
	} {
		if err := l.process(c.msg(l.cfg.Subject)); err != nil {
			t.Fatal(err)
		}
		if want := []int{1, 0, 0, 1, 1, 2}[i]; l.ChangeTable().Len() != want {
			t.Fatalf("after record %d: %d rows in the table, want %d", i, l.ChangeTable().Len(), want)
		}
	}
	sameLines(t, "outputs", collect(t, nc, out, HeaderOp), []string{
		`upsert oslo {"city":"oslo","n":1,"ages":20}`,
		`delete oslo {"city":"oslo","n":1,"ages":20}`,
		`upsert rome {"city":"rome","n":1,"ages":21}`,
		`delete rome {"city":"rome","n":1,"ages":21}`,
		`upsert oslo {"city":"oslo","n":1,"ages":22}`,
		`upsert bern {"city":"bern","n":1,"ages":23}`,
	})
}

// TestChangelogCheckpointKeepsTable: a loop over a changelog JetStream
// source checkpoints its table of last rows (even without a stage); after
// a restart from the checkpoint, a delete by key alone still finds the row
// it deletes. Its JetStream sink stores each record with Velort-Op,
// Velort-Key and the per-input message id.
func TestChangelogCheckpointKeepsTable(t *testing.T) {
	conn := connectTo(t, startServer(t))
	nc := conn.NC
	for name, subj := range map[string]string{"CL_USERS": "cl.users", "CL_ADULTS": "cl.adults"} {
		if err := conn.EnsureStream(name, []string{subj}, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	js, _ := nc.JetStream()
	blobs, err := conn.OpenBlobs(transport.CheckpointBucket)
	if err != nil {
		t.Fatal(err)
	}
	out := subscribe(t, nc, "cl.adults")
	start := func() *Loop {
		l := changelogLoop(t, nc, changelogSQL, "adults")
		l.cfg.SinkJetStream = true
		l.outlet = l.newOutlet() // New picks the outlet from the configuration
		if !l.EnableCheckpoints(blobs, "adults.0", time.Hour) {
			t.Fatal("a changelog loop without a stage refused checkpoints")
		}
		o := transport.ConsumerOptions{}
		if seq, found, err := l.RestoreCheckpoint(); err != nil {
			t.Fatal(err)
		} else if found {
			o.StartSeq = seq + 1
		}
		sub, err := conn.DurableConsumerWith("CL_USERS", "velort_adults_0", "cl.users", o)
		if err != nil {
			t.Fatal(err)
		}
		l.SubscribePull(sub)
		return l
	}
	pub := func(c change) {
		if _, err := js.PublishMsg(c.msg("cl.users")); err != nil {
			t.Fatal(err)
		}
	}
	pub(change{"", "", `{"id":1,"name":"ann","city":"oslo","age":20}`})
	pub(change{"", "", `{"id":2,"name":"bob","city":"rome","age":40}`})
	runUntil(t, start(), 2) // stopped: checkpoints the table
	pub(change{"delete", "1", ``})
	l := start()
	if n := l.ChangeTable().Len(); n != 2 {
		t.Fatalf("restored %d rows, want 2", n)
	}
	runUntil(t, l, 1)
	sameLines(t, "outputs", collect(t, nc, out, HeaderOp), []string{
		`upsert 1 {"id":1,"name":"ann"}`,
		`upsert 2 {"id":2,"name":"bob"}`,
		`delete 1 {"id":1,"name":"ann"}`,
	})
	var stored []string
	for seq := uint64(1); seq <= 3; seq++ {
		m, err := js.GetMsg("CL_ADULTS", seq)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, m.Header.Get(HeaderOp)+" "+m.Header.Get(HeaderKey)+" "+m.Header.Get(nats.MsgIdHdr))
	}
	sameLines(t, "stored in the JetStream sink", stored, []string{"upsert 1 adults/0/1/0", "upsert 2 adults/0/2/0", "delete 1 adults/0/3/0"})
}

// TestChangeTableCheckpointEncoding: the table's entries survive the
// checkpoint record, whatever bytes keys and payloads hold.
func TestChangeTableCheckpointEncoding(t *testing.T) {
	tab := runtime.NewChangeTable()
	tab.Apply(runtime.OpUpsert, []byte("a|1"), []byte(`{"x":1}`))
	tab.Apply(runtime.OpUpsert, []byte(""), []byte(`{}`))
	tab.Apply(runtime.OpUpsert, []byte("b"), []byte{0, 1, 2})
	b := appendChanges([]byte(checkpointMagicChanges+"\x07\x02\x04\x06"), tab)
	b = append(b, "stage"...)
	rec, err := decodeCheckpoint(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(rec.stage) != "stage" || rec.seq != 7 {
		t.Fatalf("stage %q seq %d", rec.stage, rec.seq)
	}
	got := runtime.NewChangeTable()
	if err := restoreChanges(got, rec.changes); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	tab.Range(func(k string, p []byte) { want[k] = string(p) })
	got.Range(func(k string, p []byte) {
		if want[k] != string(p) {
			t.Errorf("key %q: %q, want %q", k, p, want[k])
		}
		delete(want, k)
	})
	if len(want) != 0 {
		t.Errorf("missing %v", want)
	}
	if _, err := decodeCheckpoint(b[:len(checkpointMagicChanges)+6]); err == nil {
		t.Error("a truncated table decoded")
	}
}

// TestChangelogIntoMaterializedTable: a materialized table fed by a GROUP
// BY over a changelog holds the current row of each group: a group whose
// last row is deleted leaves the table.
func TestChangelogIntoMaterializedTable(t *testing.T) {
	nc := connectTo(t, startServer(t)).NC
	pl, err := planner.Parse("cl.sql", changelogSQL+`CREATE TABLE city_counts AS SELECT city, COUNT(*) AS n FROM users GROUP BY city;`, planner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := pl.Queries[len(pl.Queries)-1]
	store := q.Sink.Materialized.Store
	pipe, err := q.NewPipeline(0, planner.NewInstances(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	l := New(nc, Config{Query: q.Name, Subject: q.Source.PartitionSubject(0), Schema: q.Source.Columns, Read: q.Read,
		TimeIdx: q.TimeIdx, DLQ: q.Source.DLQ, Pipeline: pipe, Logger: quietLog,
		Sink:      Sink{Table: store, Columns: []string{"city", "n"}},
		Changelog: q.InputChangelog(), ChangelogKey: q.SourceKeyCols()})
	for _, c := range []change{
		{"", "", `{"id":1,"name":"ann","city":"oslo","age":20}`},
		{"", "", `{"id":2,"name":"bob","city":"rome","age":30}`},
		{"", "", `{"id":3,"name":"cy","city":"rome","age":40}`},
		{"", "", `{"id":1,"name":"ann","city":"rome","age":21}`}, // oslo empties
		{"delete", "3", ``},
	} {
		if err := l.process(c.msg(l.cfg.Subject)); err != nil {
			t.Fatal(err)
		}
	}
	var rows []string
	for _, r := range store.Snapshot() {
		rows = append(rows, fmt.Sprint(string(r[0].S), " ", r[1].I))
	}
	sameLines(t, "table", rows, []string{"rome 2"})
}

// TestChangelogFailedChangeKeepsRow: a change whose evaluation fails (a
// BIGINT overflow) is dead-lettered and the key keeps its old row, in the
// loop's table as in the stage: a later delete takes back the old row —
// through a projection and through a GROUP BY whose SUM refused the new
// row.
func TestChangelogFailedChangeKeepsRow(t *testing.T) {
	nc := connectTo(t, startServer(t)).NC
	sql := `CREATE STREAM users (id BIGINT, city VARCHAR, age BIGINT)
WITH (subject = 'cf.users', changelog = 'upsert', key = 'id');
CREATE STREAM scaled WITH (subject = 'cf.scaled') AS SELECT id, age * 4611686018427387904 AS big FROM users;
CREATE STREAM sums WITH (subject = 'cf.sums') AS SELECT city, SUM(age * 4611686018427387904) AS big, COUNT(*) AS n FROM users GROUP BY city;
`
	for name, want := range map[string][]string{
		"scaled": {`upsert 1 {"id":1,"big":4611686018427387904}`, `delete 1 {"id":1,"big":4611686018427387904}`},
		"sums":   {`upsert oslo {"city":"oslo","big":4611686018427387904,"n":1}`, `delete oslo {"city":"oslo","big":4611686018427387904,"n":1}`},
	} {
		l := changelogLoop(t, nc, sql, name)
		out, dlq := subscribe(t, nc, l.cfg.Sink.Subjects[0]), subscribe(t, nc, l.cfg.DLQ)
		for _, c := range []change{
			{"", "", `{"id":1,"city":"oslo","age":1}`},
			{"", "", `{"id":1,"city":"oslo","age":3}`}, // overflows: dead letter
			{"delete", "1", ``},
		} {
			if err := l.process(c.msg(l.cfg.Subject)); err != nil {
				t.Fatal(err)
			}
		}
		sameLines(t, name, collect(t, nc, out, HeaderOp), want)
		if dl := collect(t, nc, dlq, HeaderError); len(dl) != 1 || !strings.Contains(dl[0], "out of range") {
			t.Errorf("%s: dead letters %q", name, dl)
		}
		if n := l.ChangeTable().Len(); n != 0 {
			t.Errorf("%s: %d rows left", name, n)
		}
	}
}

// BenchmarkChangelogLoopRecord is one update of an existing key of a
// changelog source through a loop (the old row retracted, the new one
// inserted): adults is a filter and projection, by_city a GROUP BY that
// moves nothing between groups, none a GROUP BY whose HAVING never holds
// (the intake's own cost, without publishing).
func BenchmarkChangelogLoopRecord(b *testing.B) {
	nc := connectTo(b, startServerTB(b)).NC
	sql := changelogSQL + `CREATE STREAM none WITH (subject = 'cl.none') AS SELECT city, COUNT(*) AS n FROM users GROUP BY city HAVING COUNT(*) < 0;`
	for _, name := range []string{"adults", "by_city", "none"} {
		l := changelogLoop(b, nc, sql, name)
		ms := []*nats.Msg{
			change{"", "", `{"id":1,"name":"ann","city":"oslo","age":20}`}.msg(l.cfg.Subject),
			change{"", "", `{"id":1,"name":"ann","city":"oslo","age":21}`}.msg(l.cfg.Subject),
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				_ = l.process(ms[i&1])
			}
		})
	}
}
