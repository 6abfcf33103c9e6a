package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/velort/velort/internal/testseeds"
	"github.com/velort/velort/transport"
)

// TestChangelogGolden runs each case under testdata/changelog_golden with
// the golden harness (runGoldenCase: embedded NATS, --replay of every
// STREAM.jsonl, --capture of every expected/NAME.jsonl, compared line by
// line in order). A changelog capture line is
// {"op":"upsert"|"delete","key":"<Velort-Key>","row":{…}}, so the expected
// files pin each record's Velort-Op and Velort-Key headers as well as its
// payload. Each expected file was written by hand from the SQL (the
// comments in the case's query.sql and the shell that wrote them say how);
// the last row of each key that is not deleted is the batch answer.
//
// Cases: having (HAVING turning false deletes the group and turning true
// upserts it again, over append-only and changelog input), minmax (MIN/MAX
// retracting the current extreme), count_distinct (retracting the last
// occurrence of a value), filter (a declared changelog source with upserts
// and deletes, through WHERE: a row leaving the filter is a delete), chain
// (counts → SUM(c) gives 10, the batch answer, not the sum of updates),
// global_empty (a global aggregate emptied by deletes keeps its one row).
func TestChangelogGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/changelog_golden/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no changelog golden cases: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			runGoldenCase(t, dir)
		})
	}
}

// TestChangelogHeadersOverNATS publishes to a declared changelog source
// with a plain nats.go client — upserts with and without headers, a delete
// carrying its row, tombstones (empty payload, Velort-Op: delete and
// Velort-Key) — and reads what velort publishes with the headers: the
// filter's output is keyed by the source key, the GROUP BY's by the group
// key, every record of both carries Velort-Op and Velort-Key, and an
// append-only query's records carry no Velort-Op.
func TestChangelogHeadersOverNATS(t *testing.T) {
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Shutdown()
	nc := natsConnect(t, emb.ClientURL())

	sqlFile := filepath.Join(t.TempDir(), "q.sql")
	os.WriteFile(sqlFile, []byte(`
CREATE STREAM positions (id VARCHAR, sym VARCHAR, qty BIGINT)
WITH (subject = 'clh.pos', changelog = 'upsert', key = 'id');
CREATE STREAM live WITH (subject = 'clh.live') AS
SELECT id, sym, qty FROM positions WHERE qty > 0;
CREATE STREAM bysym WITH (subject = 'clh.bysym') AS
SELECT sym, SUM(qty) AS total, COUNT(*) AS n FROM positions GROUP BY sym;
CREATE STREAM ticks (id VARCHAR) WITH (subject = 'clh.ticks');
CREATE STREAM echo WITH (subject = 'clh.echo') AS SELECT id FROM ticks;`), 0o644)
	live, _ := nc.SubscribeSync("clh.live")
	bysym, _ := nc.SubscribeSync("clh.bysym")
	echo, _ := nc.SubscribeSync("clh.echo")
	dlq, _ := nc.SubscribeSync("velort.dlq.>")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runFile(ctx, sqlFile, runFlags{nats: emb.ClientURL()}, io.Discard) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	waitSubscribers(t, emb, "clh.pos", 2, done) // live and bysym
	waitSubscribers(t, emb, "clh.ticks", 1, done)

	pub := func(op, key, payload string) {
		t.Helper()
		m := nats.NewMsg("clh.pos")
		if op != "" {
			m.Header.Set("Velort-Op", op)
		}
		if key != "" {
			m.Header.Set("Velort-Key", key)
		}
		m.Data = []byte(payload)
		if err := nc.PublishMsg(m); err != nil {
			t.Fatal(err)
		}
	}
	// expect reads the next record of sub: its payload and its Velort-Op
	// and Velort-Key headers ("" = absent).
	expect := func(sub *nats.Subscription, op, key, data string) {
		t.Helper()
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatalf("%s: no record (want %s %q %s): %v", sub.Subject, op, key, data, err)
		}
		gotKey, hasKey := "", false
		if m.Header != nil {
			if v := m.Header.Values("Velort-Key"); len(v) > 0 {
				gotKey, hasKey = v[0], true
			}
		}
		if m.Header.Get("Velort-Op") != op || gotKey != key || hasKey != (op != "") || string(m.Data) != data {
			t.Fatalf("%s: got Velort-Op %q Velort-Key %q (present %v) %s\nwant Velort-Op %q Velort-Key %q %s",
				sub.Subject, m.Header.Get("Velort-Op"), gotKey, hasKey, m.Data, op, key, data)
		}
	}

	// An upsert with no headers: the key is the payload's id.
	pub("", "", `{"id":"p1","sym":"A","qty":5}`)
	expect(live, "upsert", "p1", `{"id":"p1","sym":"A","qty":5}`)
	expect(bysym, "upsert", "A", `{"sym":"A","total":5,"n":1}`)
	// An upsert with both headers.
	pub("upsert", "p2", `{"id":"p2","sym":"A","qty":3}`)
	expect(live, "upsert", "p2", `{"id":"p2","sym":"A","qty":3}`)
	expect(bysym, "upsert", "A", `{"sym":"A","total":8,"n":2}`)
	// p1 is replaced by a row that fails WHERE: a delete of what live had.
	pub("", "", `{"id":"p1","sym":"A","qty":-1}`)
	expect(live, "delete", "p1", `{"id":"p1","sym":"A","qty":5}`)
	expect(bysym, "upsert", "A", `{"sym":"A","total":2,"n":2}`)
	// A delete carrying its row, no Velort-Key: the key is read from it.
	pub("delete", "", `{"id":"p2","sym":"A","qty":3}`)
	expect(live, "delete", "p2", `{"id":"p2","sym":"A","qty":3}`)
	expect(bysym, "upsert", "A", `{"sym":"A","total":-1,"n":1}`)
	// A tombstone for p1 (not in live): group A is empty and deleted,
	// the delete carrying the row last upserted.
	pub("delete", "p1", "")
	expect(bysym, "delete", "A", `{"sym":"A","total":-1,"n":1}`)
	pub("", "", `{"id":"p3","sym":"B","qty":4}`)
	expect(live, "upsert", "p3", `{"id":"p3","sym":"B","qty":4}`)
	expect(bysym, "upsert", "B", `{"sym":"B","total":4,"n":1}`)
	pub("delete", "p3", "")
	expect(live, "delete", "p3", `{"id":"p3","sym":"B","qty":4}`)
	expect(bysym, "delete", "B", `{"sym":"B","total":4,"n":1}`)
	// A tombstone of a key never seen changes nothing, and a record with
	// an unknown Velort-Op is dead-lettered by each query (with the reason)
	// and changes nothing: the next records are those of p4 (the
	// tombstone for p1 published nothing on live either).
	pub("delete", "p9", "")
	pub("replace", "p4", `{"id":"p4","sym":"A","qty":100}`)
	for range 2 {
		m, err := dlq.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatalf("no dead letter for Velort-Op replace: %v", err)
		}
		if m.Subject != "velort.dlq.positions" || m.Header.Get("Velort-Error") == "" || string(m.Data) != `{"id":"p4","sym":"A","qty":100}` {
			t.Fatalf("dead letter: subject %s, headers %v, payload %s", m.Subject, m.Header, m.Data)
		}
	}
	pub("upsert", "p4", `{"id":"p4","sym":"A","qty":1}`)
	expect(live, "upsert", "p4", `{"id":"p4","sym":"A","qty":1}`)
	expect(bysym, "upsert", "A", `{"sym":"A","total":1,"n":1}`)

	// Append-only: no Velort-Op, no Velort-Key.
	nc.Publish("clh.ticks", []byte(`{"id":"t1"}`))
	expect(echo, "", "", `{"id":"t1"}`)
}

// waitSubscribers waits until n subscriptions match subject; it fails at
// once if the run ends first (its error is put back into done).
func waitSubscribers(t *testing.T, emb *transport.Embedded, subject string, n int, done chan error) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("velort ended before subscribing to %s: %v", subject, err)
		default:
		}
		sz, err := emb.Server().Subsz(&server.SubszOptions{Subscriptions: true, Test: subject})
		if err != nil {
			t.Fatal(err)
		}
		if sz.Total >= n {
			return
		}
	}
	t.Fatalf("fewer than %d subscribers to %s", n, subject)
}

// runTables runs sql to the end of its input (each inputs[stream] is
// replayed, one line each) with --capture of each named changelog stream,
// and returns each stream's table: the last row of every Velort-Key whose
// last record is not a delete. A stream named with a leading "=" is
// append-only: its "table" maps each record to its number of occurrences
// (a multiset). A capture line of the wrong kind fails the test. For
// every stream S, tables["~S"] is the multiset of its capture lines
// (line → number of occurrences).
func runTables(t *testing.T, sql string, inputs map[string][]string, streams ...string) map[string]map[string]string {
	t.Helper()
	dir := t.TempDir()
	query := filepath.Join(dir, "q.sql")
	os.WriteFile(query, []byte(sql), 0o644)
	var f runFlags
	for name, lines := range inputs {
		path := filepath.Join(dir, name+".jsonl")
		os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
		f.replay = append(f.replay, name+"="+path)
	}
	appendOnly := map[string]bool{}
	for i, s := range streams {
		if name, ok := strings.CutPrefix(s, "="); ok {
			streams[i], appendOnly[name] = name, true
		}
	}
	for _, s := range streams {
		f.capture = append(f.capture, s+"="+filepath.Join(dir, s+".out"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := runFile(ctx, query, f, io.Discard); err != nil {
		t.Fatalf("velort run: %v", err)
	}
	tables := map[string]map[string]string{}
	for _, s := range streams {
		table, lines := map[string]string{}, map[string]int{}
		for _, l := range readLines(t, filepath.Join(dir, s+".out")) {
			lines[l]++
		}
		tables["~"+s] = map[string]string{}
		for l, c := range lines {
			tables["~"+s][l] = strconv.Itoa(c)
		}
		if appendOnly[s] {
			n := map[string]int{}
			for _, l := range readLines(t, filepath.Join(dir, s+".out")) {
				if strings.HasPrefix(l, `{"op":`) {
					t.Fatalf("%s: a changelog record in an append-only stream: %s", s, l)
				}
				n[l]++
			}
			for l, c := range n {
				table[l] = strconv.Itoa(c)
			}
			tables[s] = table
			continue
		}
		for _, l := range readLines(t, filepath.Join(dir, s+".out")) {
			var rec struct {
				Op  string          `json:"op"`
				Key *string         `json:"key"`
				Row json.RawMessage `json:"row"`
			}
			if err := json.Unmarshal([]byte(l), &rec); err != nil || rec.Key == nil || (rec.Op != "upsert" && rec.Op != "delete") {
				t.Fatalf("%s: not a changelog record: %s", s, l)
			}
			if rec.Op == "upsert" {
				table[*rec.Key] = string(rec.Row)
			} else {
				delete(table, *rec.Key)
			}
		}
		tables[s] = table
		t.Logf("%s: %d live keys", s, len(table))
	}
	return tables
}

// doubleRetractionInput: DOUBLE rows over a changelog whose early values
// make running sums inexact, then are updated or deleted. The rows left:
// big {1}, frac {0.7}, mix {1.5, 0.25}; group "gone" emptied.
var doubleRetractionInput = map[string][]string{"vals": {
	`{"id":"b1","g":"big","x":1e20}`,
	`{"id":"b2","g":"big","x":1}`,
	`{"op":"delete","key":"b1","row":null}`,
	`{"id":"f1","g":"frac","x":0.1}`,
	`{"id":"f2","g":"frac","x":0.2}`,
	`{"id":"f3","g":"frac","x":0.3}`,
	`{"id":"f2","g":"frac","x":0.7}`,
	`{"op":"delete","key":"f1","row":null}`,
	`{"op":"delete","key":"f3","row":null}`,
	`{"id":"m1","g":"mix","x":1e16}`,
	`{"id":"m2","g":"mix","x":1.5}`,
	`{"id":"m3","g":"mix","x":-3}`,
	`{"id":"m1","g":"mix","x":0.25}`,
	`{"id":"m3","g":"gone","x":-3}`,
	`{"op":"delete","key":"m3","row":null}`,
}}

const doubleValsSQL = `
CREATE STREAM vals (id VARCHAR, g VARCHAR, x DOUBLE)
WITH (subject = 'cldbl.vals', changelog = 'upsert', key = 'id');
`

// TestChangelogDoubleRetraction: SUM and AVG of DOUBLEs over a changelog,
// after the rows that made the running sums inexact are retracted, equal
// the batch answer over the rows left: 1e20 then 1, 1e20 deleted, leaves
// 1 (a plain running sum says 0); 0.1, 0.2, 0.3 with 0.2 updated to 0.7
// and 0.1, 0.3 deleted leaves 0.7 (a plain running sum says
// 0.7000000000000001).
func TestChangelogDoubleRetraction(t *testing.T) {
	tables := runTables(t, doubleValsSQL+`
CREATE STREAM sums WITH (subject = 'cldbl.sums') AS
SELECT g, SUM(x) AS s, AVG(x) AS a, COUNT(*) AS n FROM vals GROUP BY g;`, doubleRetractionInput, "sums")
	compareTables(t, "sums", tables["sums"], map[string]string{
		"big":  `{"g":"big","s":1,"a":1,"n":1}`,
		"frac": `{"g":"frac","s":0.7,"a":0.7,"n":1}`,
		"mix":  `{"g":"mix","s":1.75,"a":0.875,"n":2}`,
	})
}

// TestChangelogPartitionedTables: chains over 4 partitions, with
// repartitions, on random data (fixed seed): GROUP BYs of an append-only
// stream by a column other than its key (one with a HAVING over a SUM of
// signed values, turning false and true again), a global aggregate over that
// 4-partition changelog, and over a declared changelog source with random
// upserts, deletes with their row and tombstones: a GROUP BY of another
// column with HAVING (rows move between groups held by other partitions)
// and a GROUP BY under WHERE (rows entering and leaving it), a global
// aggregate over the HAVING one (three queries deep), the same GROUP BY
// with EMIT FINAL (append-only: each group once at end of input), Top-N
// (ORDER BY … LIMIT over the changelog and over a GROUP BY, all partitions
// feeding one), and a filter. At end of input each table equals the batch answer
// computed here.
//
// CI runs seed 15; VELORT_SEEDS=N runs seeds 0 to N-1 as subtests.
func TestChangelogPartitionedTables(t *testing.T) {
	if n, ok := testseeds.Asked(t); ok {
		for seed := range n {
			t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { changelogPartitionedTables(t, int64(seed)) })
		}
		return
	}
	changelogPartitionedTables(t, 15)
}

func changelogPartitionedTables(t *testing.T, seed int64) {
	rng := rand.New(rand.NewSource(seed))
	var clicks, profiles []string
	type pageAgg struct {
		c, w  int64
		users map[int64]bool
	}
	pages := map[string]*pageAgg{}
	for range 3000 {
		uid, page, w := rng.Int63n(200), fmt.Sprintf("/p%d", rng.Intn(25)), rng.Int63n(11)-5
		clicks = append(clicks, fmt.Sprintf(`{"uid":%d,"page":"%s","w":%d}`, uid, page, w))
		p := pages[page]
		if p == nil {
			p = &pageAgg{users: map[int64]bool{}}
			pages[page] = p
		}
		p.c++
		p.w += w
		p.users[uid] = true
	}
	type profile struct {
		tier  string
		score int64
	}
	current := map[int64]profile{}
	for range 3000 {
		uid := rng.Int63n(100)
		switch r := rng.Intn(8); {
		case r == 0:
			profiles = append(profiles, fmt.Sprintf(`{"op":"delete","key":"%d","row":null}`, uid))
			delete(current, uid)
		case r == 1:
			p := current[uid]
			profiles = append(profiles, fmt.Sprintf(`{"op":"delete","key":"%d","row":{"uid":%d,"tier":"%s","score":%d}}`, uid, uid, p.tier, p.score))
			delete(current, uid)
		default:
			p := profile{fmt.Sprintf("t%d", rng.Intn(12)), rng.Int63n(101) - 50}
			if r%2 == 0 {
				profiles = append(profiles, fmt.Sprintf(`{"uid":%d,"tier":"%s","score":%d}`, uid, p.tier, p.score))
			} else {
				profiles = append(profiles, fmt.Sprintf(`{"op":"upsert","key":"%d","row":{"uid":%d,"tier":"%s","score":%d}}`, uid, uid, p.tier, p.score))
			}
			current[uid] = p
		}
	}

	want := map[string]map[string]string{"per_page": {}, "liked": {}, "summary": {}, "tiers": {}, "tier_summary": {}, "final_tiers": {}, "pos_tiers": {}, "keen": {}}
	var total, top int64
	for page, p := range pages {
		want["per_page"][page] = fmt.Sprintf(`{"page":"%s","c":%d,"users":%d}`, page, p.c, len(p.users))
		if p.w > 0 {
			want["liked"][page] = fmt.Sprintf(`{"page":"%s","w":%d}`, page, p.w)
		}
		total += p.c
		top = max(top, int64(len(p.users)))
	}
	want["summary"][""] = fmt.Sprintf(`{"s":%d,"pages":%d,"top":%d}`, total, len(pages), top)
	want["top5"], want["top_pages"] = map[string]string{}, map[string]string{}
	var uids []int64
	for uid := range current {
		uids = append(uids, uid)
	}
	sort.Slice(uids, func(i, j int) bool {
		a, b := current[uids[i]], current[uids[j]]
		return a.score > b.score || a.score == b.score && uids[i] < uids[j]
	})
	for _, uid := range uids[:min(5, len(uids))] {
		p := current[uid]
		want["top5"][strconv.FormatInt(uid, 10)] = fmt.Sprintf(`{"uid":%d,"tier":"%s","score":%d}`, uid, p.tier, p.score)
	}
	var names []string
	for page := range pages {
		names = append(names, page)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := pages[names[i]].c, pages[names[j]].c
		return a > b || a == b && names[i] < names[j]
	})
	for _, page := range names[:min(3, len(names))] {
		want["top_pages"][page] = fmt.Sprintf(`{"page":"%s","c":%d}`, page, pages[page].c)
	}
	type tierAgg struct{ n, total, lo, hi int64 }
	tiers := map[string]*tierAgg{}
	positive := map[string]int64{}
	for uid, p := range current {
		if p.score > 0 {
			positive[p.tier]++
		}
		a := tiers[p.tier]
		if a == nil {
			a = &tierAgg{lo: p.score, hi: p.score}
			tiers[p.tier] = a
		}
		a.n++
		a.total += p.score
		a.lo, a.hi = min(a.lo, p.score), max(a.hi, p.score)
		if p.score > 20 {
			want["keen"][strconv.FormatInt(uid, 10)] = fmt.Sprintf(`{"uid":%d,"tier":"%s","score":%d}`, uid, p.tier, p.score)
		}
	}
	for tier, n := range positive {
		want["pos_tiers"][tier] = fmt.Sprintf(`{"tier":"%s","n":%d}`, tier, n)
	}
	var members, ntiers int64
	lowest := "null"
	for tier, a := range tiers {
		want["final_tiers"][fmt.Sprintf(`{"tier":"%s","n":%d,"total":%d}`, tier, a.n, a.total)] = "1"
		if a.n > 5 {
			want["tiers"][tier] = fmt.Sprintf(`{"tier":"%s","n":%d,"total":%d,"lo":%d,"hi":%d}`, tier, a.n, a.total, a.lo, a.hi)
			members += a.n
			ntiers++
			if l, _ := strconv.ParseInt(lowest, 10, 64); lowest == "null" || a.lo < l {
				lowest = strconv.FormatInt(a.lo, 10)
			}
		}
	}
	want["tier_summary"][""] = fmt.Sprintf(`{"members":%d,"ntiers":%d,"lowest":%s}`, members, ntiers, lowest)

	got := runTables(t, `
CREATE STREAM clicks (uid BIGINT, page VARCHAR, w BIGINT)
WITH (subject = 'clp.clicks.{partition}', partitions = 4, key = 'uid');
CREATE STREAM liked WITH (subject = 'clp.liked') AS
SELECT page, SUM(w) AS w FROM clicks GROUP BY page HAVING SUM(w) > 0 EMIT CHANGES;
CREATE STREAM per_page WITH (subject = 'clp.per_page.{partition}', partitions = 4, key = 'page') AS
SELECT page, COUNT(*) AS c, COUNT(DISTINCT uid) AS users FROM clicks GROUP BY page;
CREATE STREAM summary WITH (subject = 'clp.summary') AS
SELECT SUM(c) AS s, COUNT(*) AS pages, MAX(users) AS top FROM per_page;
CREATE STREAM profiles (uid BIGINT, tier VARCHAR, score BIGINT)
WITH (subject = 'clp.profiles.{partition}', partitions = 4, changelog = 'upsert', key = 'uid');
CREATE STREAM tiers WITH (subject = 'clp.tiers') AS
SELECT tier, COUNT(*) AS n, SUM(score) AS total, MIN(score) AS lo, MAX(score) AS hi
FROM profiles GROUP BY tier HAVING COUNT(*) > 5;
CREATE STREAM tier_summary WITH (subject = 'clp.tier_summary') AS
SELECT SUM(n) AS members, COUNT(*) AS ntiers, MIN(lo) AS lowest FROM tiers;
CREATE STREAM final_tiers WITH (subject = 'clp.final_tiers') AS
SELECT tier, COUNT(*) AS n, SUM(score) AS total FROM profiles GROUP BY tier EMIT FINAL;
CREATE STREAM pos_tiers WITH (subject = 'clp.pos_tiers') AS
SELECT tier, COUNT(*) AS n FROM profiles WHERE score > 0 GROUP BY tier;
CREATE STREAM top5 WITH (subject = 'clp.top5') AS
SELECT uid, tier, score FROM profiles ORDER BY score DESC, uid LIMIT 5;
CREATE STREAM top_pages WITH (subject = 'clp.top_pages') AS
SELECT page, COUNT(*) AS c FROM clicks GROUP BY page ORDER BY c DESC, page LIMIT 3;
CREATE STREAM keen WITH (subject = 'clp.keen.{partition}', partitions = 4, key = 'uid') AS
SELECT uid, tier, score FROM profiles WHERE score > 20;`,
		map[string][]string{"clicks": clicks, "profiles": profiles}, "per_page", "liked", "summary", "tiers", "tier_summary", "=final_tiers", "pos_tiers", "keen", "top5", "top_pages")
	for _, s := range []string{"top5", "top_pages", "per_page", "liked", "summary", "tiers", "tier_summary", "final_tiers", "pos_tiers", "keen"} {
		compareTables(t, s, got[s], want[s])
	}
}

// TestChangelogKeysDistinguishGroups: distinct groups must have distinct
// Velort-Keys, or a consumer keeping the last row per key (and a query
// reading the changelog as a table) merges them. Groups ("x|y","z") and
// ("x","y|z"), and NULL, "" and the text \N as a key, are different groups
// in SQL; docs/sql.md: a '\' or '|' inside a key part is escaped by a
// backslash, a NULL part is \N. A query summing the counts of the one-key
// grouping gives 5, the batch answer over 5 records.
func TestChangelogKeysDistinguishGroups(t *testing.T) {
	got := runTables(t, `
CREATE STREAM ev (a VARCHAR, b VARCHAR) WITH (subject = 'clk.ev');
CREATE STREAM pairs WITH (subject = 'clk.pairs') AS SELECT a, b, COUNT(*) AS n FROM ev GROUP BY a, b;
CREATE STREAM singles WITH (subject = 'clk.singles') AS SELECT a, COUNT(*) AS n FROM ev GROUP BY a;
CREATE STREAM total WITH (subject = 'clk.total') AS SELECT SUM(n) AS s, COUNT(*) AS ngroups FROM singles;`,
		map[string][]string{"ev": {
			`{"a":"x|y","b":"z"}`,
			`{"a":"x","b":"y|z"}`,
			`{"a":null,"b":"q"}`,
			`{"a":"","b":"q"}`,
			`{"a":"\\N","b":"q"}`,
		}}, "pairs", "singles", "total")
	compareTables(t, "pairs", got["pairs"], map[string]string{
		`x\|y|z`: `{"a":"x|y","b":"z","n":1}`,
		`x|y\|z`: `{"a":"x","b":"y|z","n":1}`,
		`\N|q`:   `{"a":null,"b":"q","n":1}`,
		`|q`:     `{"a":"","b":"q","n":1}`,
		`\\N|q`:  `{"a":"\\N","b":"q","n":1}`,
	})
	compareTables(t, "singles", got["singles"], map[string]string{
		`x\|y`: `{"a":"x|y","n":1}`,
		`x`:    `{"a":"x","n":1}`,
		`\N`:   `{"a":null,"n":1}`,
		``:     `{"a":"","n":1}`,
		`\\N`:  `{"a":"\\N","n":1}`,
	})
	compareTables(t, "total", got["total"], map[string]string{"": `{"s":5,"ngroups":5}`})
}

// TestChangelogSessionChanges: SESSION windows with EMIT CHANGES publish a
// changelog keyed by the group key and the session's bounds; a session
// that is extended, or merged with another, deletes its row under the old
// bounds and upserts the new (docs/sql.md). The records (as a multiset:
// the order of two deletes of one merge is not specified) and the final
// table, the batch answer, are checked. watermark_delay keeps every
// session open until end of input.
func TestChangelogSessionChanges(t *testing.T) {
	const t0 = 1705312800000 // 2024-01-15T10:00:00Z
	ev := func(u string, s int64) string { return fmt.Sprintf(`{"u":"%s","ts":%d}`, u, t0+s*1000) }
	rec := func(op, u string, start, end, n int64) string {
		return fmt.Sprintf(`{"op":"%s","key":"%s|%d|%d","row":{"u":"%s","window_start":"%s","window_end":"%s","n":%d}}`,
			op, u, t0+start*1000, t0+end*1000, u, rfc3339ms(t0+start*1000), rfc3339ms(t0+end*1000), n)
	}
	got := runTables(t, `
CREATE STREAM clicks (u VARCHAR, ts TIMESTAMP) WITH (subject = 'clss.clicks', event_time = 'ts', watermark_delay = '1m');
CREATE STREAM sessions WITH (subject = 'clss.sessions') AS
SELECT u, window_start, window_end, COUNT(*) AS n FROM clicks GROUP BY u, SESSION(ts, INTERVAL '10' SECOND) EMIT CHANGES;`,
		map[string][]string{"clicks": {
			ev("u1", 0),  // [0,10)
			ev("u1", 5),  // extends: [0,15)
			ev("u1", 30), // a new session [30,40)
			ev("u1", 22), // 17 s after 5, 8 s before 30: [22,40)
			ev("u2", 50), // [50,60)
			ev("u2", 65), // [65,75)
			ev("u2", 58), // joins both: [50,75)
		}}, "sessions")
	want := map[string]string{}
	for _, r := range []string{
		rec("upsert", "u1", 0, 10, 1),
		rec("delete", "u1", 0, 10, 1),
		rec("upsert", "u1", 0, 15, 2),
		rec("upsert", "u1", 30, 40, 1),
		rec("delete", "u1", 30, 40, 1),
		rec("upsert", "u1", 22, 40, 2),
		rec("upsert", "u2", 50, 60, 1),
		rec("upsert", "u2", 65, 75, 1),
		rec("delete", "u2", 50, 60, 1),
		rec("delete", "u2", 65, 75, 1),
		rec("upsert", "u2", 50, 75, 3),
	} {
		want[r] = "1"
	}
	compareTables(t, "session records", got["~sessions"], want)
	table := map[string]string{}
	for _, r := range []string{rec("upsert", "u1", 0, 15, 2), rec("upsert", "u1", 22, 40, 2), rec("upsert", "u2", 50, 75, 3)} {
		var l struct {
			Key string
			Row json.RawMessage
		}
		json.Unmarshal([]byte(r), &l)
		table[l.Key] = string(l.Row)
	}
	compareTables(t, "sessions", got["sessions"], table)
}

// TestChangelogInsertIntoDeclaredChangelog: a GROUP BY with HAVING written
// by INSERT INTO into a stream declared with changelog = 'upsert' (3
// partitions by its key), and a global aggregate reading it (over a
// repartition): tot holds the groups whose SUM is positive (a: 1-3+5 = 3,
// c: 4; b: 2-2 = 0 deleted), overall their total, 7, over 2 rows.
func TestChangelogInsertIntoDeclaredChangelog(t *testing.T) {
	got := runTables(t, `
CREATE STREAM ev (k VARCHAR, v BIGINT) WITH (subject = 'clii.ev');
CREATE STREAM tot (k VARCHAR, s BIGINT) WITH (subject = 'clii.tot.{partition}', partitions = 3, changelog = 'upsert', key = 'k');
INSERT INTO tot SELECT k, SUM(v) FROM ev GROUP BY k HAVING SUM(v) > 0;
CREATE STREAM overall WITH (subject = 'clii.all') AS SELECT SUM(s) AS total, COUNT(*) AS n FROM tot;`,
		map[string][]string{"ev": {
			`{"k":"a","v":1}`, `{"k":"b","v":2}`, `{"k":"a","v":-3}`, `{"k":"c","v":4}`, `{"k":"a","v":5}`, `{"k":"b","v":-2}`,
		}}, "tot", "overall")
	compareTables(t, "tot", got["tot"], map[string]string{"a": `{"k":"a","s":3}`, "c": `{"k":"c","s":4}`})
	compareTables(t, "overall", got["overall"], map[string]string{"": `{"total":7,"n":2}`})
}

// TestChangelogDistinct: SELECT DISTINCT is a changelog keyed by the
// distinct columns; over a changelog a value is deleted when its last row
// goes (r when 2 moves away and 1 is deleted; g when 4 is deleted), kept
// while another row has it. The final tables are the batch answer.
func TestChangelogDistinct(t *testing.T) {
	got := runTables(t, `
CREATE STREAM ev (k VARCHAR, v BIGINT) WITH (subject = 'cldi.ev');
CREATE STREAM ks WITH (subject = 'cldi.ks') AS SELECT DISTINCT k FROM ev;
CREATE STREAM m (id VARCHAR, team VARCHAR, score BIGINT) WITH (subject = 'cldi.m', changelog = 'upsert', key = 'id');
CREATE STREAM teams WITH (subject = 'cldi.teams') AS SELECT DISTINCT team FROM m;`,
		map[string][]string{
			"ev": {`{"k":"a","v":1}`, `{"k":"b","v":2}`, `{"k":"a","v":3}`},
			"m": {
				`{"id":"1","team":"r","score":5}`,
				`{"id":"2","team":"r","score":7}`,
				`{"id":"3","team":"b","score":6}`,
				`{"id":"2","team":"b","score":1}`,
				`{"op":"delete","key":"1","row":null}`,
				`{"id":"4","team":"g","score":9}`,
				`{"op":"delete","key":"4","row":null}`,
			},
		}, "ks", "teams")
	compareTables(t, "ks", got["ks"], map[string]string{"a": `{"k":"a"}`, "b": `{"k":"b"}`})
	compareTables(t, "teams", got["teams"], map[string]string{"b": `{"team":"b"}`})
	for _, del := range []string{`{"op":"delete","key":"r","row":{"team":"r"}}`, `{"op":"delete","key":"g","row":{"team":"g"}}`} {
		if got["~teams"][del] != "1" {
			t.Errorf("teams: want one %s, got %s times", del, got["~teams"][del])
		}
	}
}
