package main

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/velort/velort/internal/testseeds"
)

// TestNestedQueriesAgainstSQLite checks the result rule of SPEC §2
// "Composed queries" end to end: each seed's random chain of
// TestChangelogChainsAgainstSQLite (the same data sets and 2–4 queries) is
// written as ONE statement — its earlier queries as CTEs (WITH q1 AS (…),
// q2 AS (…) SELECT …) on even seeds, as derived tables nested 1–3 deep
// (FROM (SELECT … FROM (SELECT …) AS q1) AS q2) on odd ones — and run
// through velort run --replay with one partition and with four. After end
// of input the statement's result must equal the chain's last query run by
// SQLite as a batch query (its views nest the same way).
//
// It runs 30 seeds (10 with -short); VELORT_SEEDS=N runs seeds 0 to N-1.
func TestNestedQueriesAgainstSQLite(t *testing.T) {
	seeds := testseeds.NShort(t, 30, 10)
	for i := 0; i < seeds; i++ {
		seed := int64(i)
		t.Run(fmt.Sprintf("seed=%d", i), func(t *testing.T) {
			c := genChangelogCase(t, seed)
			defer c.db.Close()
			last := c.deepest()
			derived := seed%2 == 1
			for _, parts := range []int{1, 4} {
				text := c.nestedFile(parts, derived, last)
				if testing.Verbose() {
					t.Logf("%s", text)
				}
				if !runChangelogFile(t, c, parts, text, []*clQuery{last}) {
					return
				}
			}
		})
	}
}

// deepest is the query of c's chain that reads through most queries (the
// latest of those).
func (c *clCase) deepest() *clQuery {
	best, depth := c.queries[len(c.queries)-1], -1
	for _, q := range c.queries {
		if d := len(c.reads(q)); d >= depth {
			best, depth = q, d
		}
	}
	return best
}

// reads are the queries whose outputs q reads, directly or not, innermost
// first.
func (c *clCase) reads(q *clQuery) []*clQuery {
	byOut := map[string]*clQuery{}
	for _, q := range c.queries {
		byOut[q.out.name] = q
	}
	var used []*clQuery
	for r := q.from; byOut[r.name] != nil; r = byOut[r.name].from {
		used = append([]*clQuery{byOut[r.name]}, used...)
	}
	return used
}

// nestedFile is c.sqlFile(parts) with the query last as one statement over
// the sources: the queries it reads (through from) become CTEs, or derived
// tables when derived is set; the queries after it are left out.
func (c *clCase) nestedFile(parts int, derived bool, last *clQuery) string {
	chain := c.sqlFile(parts)
	first := c.queries[0]
	cut := strings.Index(chain, "\nCREATE STREAM "+first.out.name+" ")
	if cut < 0 {
		panic("nestedFile: no CREATE STREAM " + first.out.name + " in\n" + chain)
	}
	head := chain[:cut]
	used := c.reads(last)
	body := last.velort
	if derived {
		for i := len(used) - 1; i >= 0; i-- {
			q := used[i]
			body = replaceFrom(body, q.out.name, "(\n"+q.velort+"\n) AS "+q.out.name)
		}
	} else if len(used) > 0 {
		var ctes []string
		for _, q := range used {
			ctes = append(ctes, q.out.name+" AS (\n"+q.velort+"\n)")
		}
		body = "WITH " + strings.Join(ctes, ",\n") + "\n" + body
	}
	// The last statement as the chain writes it, with its query replaced.
	stmt := chain[strings.LastIndex(chain, "\nCREATE STREAM "+last.out.name+" "):]
	if next := strings.Index(stmt[1:], "\nCREATE STREAM "); next >= 0 {
		stmt = stmt[:next+1]
	}
	if last.insert {
		i := strings.Index(stmt, "INSERT INTO "+last.out.name+"\n")
		stmt = stmt[:i] + "INSERT INTO " + last.out.name + "\n" + body + ";\n"
	} else {
		i := strings.Index(stmt, " AS\n")
		stmt = stmt[:i] + " AS\n" + body + ";\n"
	}
	return head + stmt
}

// replaceFrom replaces the stream name after FROM in query with with.
func replaceFrom(query, name, with string) string {
	re := regexp.MustCompile(`\bFROM ` + regexp.QuoteMeta(name) + `\b`)
	done := false
	return re.ReplaceAllStringFunc(query, func(m string) string {
		if done {
			return m
		}
		done = true
		return "FROM " + with
	})
}

// composedShape is a statement of TestComposedShapesAgainstSQLite: velort's
// SQL (its view, if any, declared before it), SQLite's, and its result's
// columns.
type composedShape struct {
	name, view, velort, sqlite string
	cols                       []clCol
	changelog, global          bool
}

// composedShapes cover what the random chains do not: UNION ALL, joins of
// derived tables (aggregates), views, a union inside a derived table and a
// union of two GROUP BYs (changelogs), IN,
// correlated EXISTS and NOT EXISTS and scalar subqueries, a window join of two windowed
// aggregates, regular INNER and LEFT joins of append-only streams (no time
// bound), and a global aggregate over a HAVING, all over the append-only
// source s.
var composedShapes = []composedShape{
	{name: "o_union", velort: "SELECT k1, x FROM s WHERE x > 2 UNION ALL SELECT t, y FROM s WHERE y < 3",
		cols: []clCol{{name: "k1", typ: clString}, {name: "x", typ: clInt}}},
	{name: "o_join", velort: "SELECT a.k1, a.n, b.sx FROM (SELECT k1, COUNT(*) AS n FROM s GROUP BY k1) AS a " +
		"JOIN (SELECT k1, SUM(x) AS sx FROM s WHERE x > 0 GROUP BY k1) AS b ON a.k1 = b.k1",
		cols: []clCol{{name: "k1", typ: clString}, {name: "n", typ: clInt}, {name: "sx", typ: clInt}}, changelog: true},
	{name: "o_left", velort: "WITH a AS (SELECT k1, COUNT(*) AS n FROM s GROUP BY k1), b AS (SELECT k1, MAX(y) AS my FROM s WHERE y > 1 GROUP BY k1) " +
		"SELECT a.k1, a.n, b.my FROM a LEFT JOIN b ON a.k1 = b.k1",
		cols: []clCol{{name: "k1", typ: clString}, {name: "n", typ: clInt}, {name: "my", typ: clInt}}, changelog: true},
	{name: "o_view", view: "CREATE VIEW v AS SELECT k1, x + y AS e FROM s WHERE d > 0",
		velort: "SELECT k1, SUM(e) AS se, COUNT(*) AS n FROM v GROUP BY k1",
		sqlite: "SELECT k1, SUM(e) AS se, COUNT(*) AS n FROM (SELECT k1, x + y AS e FROM s WHERE d > 0) AS v GROUP BY k1",
		cols:   []clCol{{name: "k1", typ: clString}, {name: "se", typ: clInt}, {name: "n", typ: clInt}}, changelog: true},
	{name: "o_unionagg", velort: "SELECT k, COUNT(*) AS n FROM (SELECT k1 AS k FROM s WHERE x > 0 UNION ALL SELECT t FROM s WHERE y > 0) AS u GROUP BY k",
		cols: []clCol{{name: "k", typ: clString}, {name: "n", typ: clInt}}, changelog: true},
	{name: "o_in", velort: "SELECT k1, x FROM s WHERE d > 0 AND x IN (SELECT y FROM s WHERE k2 > 1)",
		cols: []clCol{{name: "k1", typ: clString}, {name: "x", typ: clInt}}, changelog: true},
	{name: "o_exists", velort: "SELECT a.k1, a.x, a.y FROM s AS a WHERE EXISTS (SELECT 1 FROM s WHERE s.y = a.x AND s.d < 0) AND a.k2 > 0",
		cols: []clCol{{name: "k1", typ: clString}, {name: "x", typ: clInt}, {name: "y", typ: clInt}}, changelog: true},
	{name: "o_in_group", velort: "SELECT x, COUNT(*) AS n, SUM(y) AS sy FROM s WHERE x IN (SELECT y FROM s WHERE d < 0) GROUP BY x",
		cols: []clCol{{name: "x", typ: clInt}, {name: "n", typ: clInt}, {name: "sy", typ: clInt}}, changelog: true},
	{name: "o_notexists", velort: "SELECT a.k1, a.x, a.y FROM s AS a WHERE a.k2 > 0 AND NOT EXISTS (SELECT 1 FROM s WHERE s.y = a.x AND s.d < 0)",
		cols: []clCol{{name: "k1", typ: clString}, {name: "x", typ: clInt}, {name: "y", typ: clInt}}, changelog: true},
	{name: "o_notexists2", velort: "SELECT s.k1, s.t FROM s WHERE NOT EXISTS (SELECT 1 FROM s AS b WHERE b.k1 = s.t AND b.x > 3)",
		cols: []clCol{{name: "k1", typ: clString}, {name: "t", typ: clString}}, changelog: true},
	{name: "o_scalar", velort: "SELECT k1, x FROM s WHERE d > 0 AND x > (SELECT AVG(x) FROM s WHERE y > 1)",
		cols: []clCol{{name: "k1", typ: clString}, {name: "x", typ: clInt}}, changelog: true},
	{name: "o_wjoin", velort: "SELECT x.k, x.window_start AS ws, x.n, y.m FROM " +
		"(SELECT k1 AS k, COUNT(*) AS n, window_start, window_end FROM s GROUP BY k1, TUMBLE(ts, INTERVAL '10' SECOND)) AS x JOIN " +
		"(SELECT k1 AS k, SUM(x) AS m, window_start, window_end FROM s WHERE y > 1 GROUP BY k1, TUMBLE(ts, INTERVAL '10' SECOND)) AS y " +
		"ON x.k = y.k AND x.window_start = y.window_start",
		sqlite: "SELECT x.k, strftime('%Y-%m-%dT%H:%M:%fZ', x.ws / 1000.0, 'unixepoch') AS ws, x.n, y.m FROM " +
			"(SELECT k1 AS k, ts - ts % 10000 AS ws, COUNT(*) AS n FROM s GROUP BY k1, ts - ts % 10000) AS x JOIN " +
			"(SELECT k1 AS k, ts - ts % 10000 AS ws, SUM(x) AS m FROM s WHERE y > 1 GROUP BY k1, ts - ts % 10000) AS y " +
			"ON x.k = y.k AND x.ws = y.ws",
		cols: []clCol{{name: "k", typ: clString}, {name: "ws", typ: clTime}, {name: "n", typ: clInt}, {name: "m", typ: clInt}}},
	{name: "o_uchg", velort: "SELECT k1 AS k, COUNT(*) AS n FROM s GROUP BY k1 UNION ALL SELECT t, COUNT(*) FROM s WHERE x > 2 GROUP BY t",
		cols: []clCol{{name: "k", typ: clString}, {name: "n", typ: clInt}}, changelog: true},
	// An INNER join of append-only streams is append-only (its pairs are
	// never taken back); a LEFT one is a changelog (a padded row is
	// deleted when its match comes).
	{name: "o_aajoin", velort: "SELECT a.k1, a.x, b.k2 FROM s AS a JOIN s AS b ON a.x = b.y WHERE a.d > 5 AND b.d < 0",
		cols: []clCol{{name: "k1", typ: clString}, {name: "x", typ: clInt}, {name: "k2", typ: clInt}}},
	{name: "o_aaleft", velort: "SELECT a.k1, a.x, b.k2 FROM s AS a LEFT JOIN s AS b ON a.x = b.y AND b.d < -3 WHERE a.d > 4",
		cols: []clCol{{name: "k1", typ: clString}, {name: "x", typ: clInt}, {name: "k2", typ: clInt}}, changelog: true},
	{name: "o_global", velort: "SELECT COUNT(*) AS ng, SUM(n) AS total FROM (SELECT k1, COUNT(*) AS n FROM s GROUP BY k1 HAVING COUNT(*) > 1) AS g",
		cols: []clCol{{name: "ng", typ: clInt}, {name: "total", typ: clInt}}, changelog: true, global: true},
}

// TestComposedShapesAgainstSQLite runs each composed shape over the data
// sets of TestChangelogChainsAgainstSQLite's first seeds that have the
// append-only source s, with one partition and with four, and compares the
// result after end of input with SQLite's answer to the same SELECT.
func TestComposedShapesAgainstSQLite(t *testing.T) {
	cases := testseeds.NShort(t, 6, 2)
	for seed, n := int64(0), 0; n < cases; seed++ {
		c := genChangelogCase(t, seed)
		var src *clSource
		for _, s := range c.srcs {
			if s.rel.name == "s" {
				src = s
			}
		}
		if src == nil {
			c.db.Close()
			continue
		}
		n++
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			defer c.db.Close()
			for _, sh := range composedShapes {
				sq := sh.sqlite
				if sq == "" {
					sq = sh.velort
				}
				if _, err := c.db.Exec("CREATE VIEW " + sh.name + " AS " + sq); err != nil {
					t.Fatalf("sqlite %s: %v", sh.name, err)
				}
			}
			for _, parts := range []int{1, 4} {
				chain := c.sqlFile(parts)
				head := chain[:strings.Index(chain, "\nCREATE STREAM "+c.queries[0].out.name+" ")]
				var b strings.Builder
				b.WriteString(head)
				var queries []*clQuery
				for _, sh := range composedShapes {
					if sh.view != "" {
						b.WriteString("\n" + sh.view + ";\n")
					}
					fmt.Fprintf(&b, "\nCREATE STREAM %s WITH (subject = 'cl.%s') AS\n%s;\n", sh.name, sh.name, sh.velort)
					queries = append(queries, &clQuery{from: src.rel, global: sh.global,
						out: &clRel{name: sh.name, cols: sh.cols, changelog: sh.changelog}})
				}
				if !runChangelogFile(t, c, parts, b.String(), queries) {
					return
				}
			}
		})
	}
}

// composedDurableSQL: one statement of four stages over two JetStream
// sources — a join of the events with a changelog of weights per key, GROUP
// BY k (a changelog), GROUP BY a bucket of the weighted sum (another key:
// every update moves a key between buckets), and a Top-3 of the buckets —
// whose exchanges are JetStream streams velort creates.
const composedDurableSQL = `
CREATE STREAM events (k VARCHAR, v BIGINT)
WITH (subject = 'cmp.events.{partition}', partitions = 4, key = 'k', jetstream = 'CMP_EVENTS');
CREATE STREAM weights (k VARCHAR, w BIGINT)
WITH (subject = 'cmp.weights.{partition}', partitions = 4, key = 'k', changelog = 'upsert', jetstream = 'CMP_WEIGHTS');
CREATE STREAM top3 WITH (subject = 'cmp.top3', jetstream = 'CMP_TOP3') AS
WITH joined AS (SELECT e.k AS k, e.v * m.w AS v FROM events AS e JOIN weights AS m ON e.k = m.k),
     counts AS (SELECT k, COUNT(*) AS c, SUM(v) AS s FROM joined GROUP BY k),
     buckets AS (SELECT s % 40 AS bucket, SUM(c) AS total FROM counts GROUP BY s % 40)
SELECT bucket, total FROM buckets ORDER BY total DESC, bucket LIMIT 3;
`

// TestComposedStatementSurvivesKills: composedDurableSQL (join → GROUP BY
// → GROUP BY on another key → Top-N) run as a separate
// velort process, SIGKILLed 3 times mid-stream and restarted: the sink's
// final table equals that of an uninterrupted run and the batch answer.
// The join's 4 loops write the one partition of the counts stage's stream,
// which keeps every end-of-input marker: a loop restarted after a crash
// stores its marker again, and counted per marker the repeats ended the
// counts stage's input before the slowest loop's last outputs.
func TestComposedStatementSurvivesKills(t *testing.T) {
	if testing.Short() {
		t.Skip("starts velort processes")
	}
	const n = 12000
	run := func(dir string, kills int) map[string]string {
		emb := persistentServer(t, dir)
		nc := natsConnect(t, emb.ClientURL())
		in, weights, _ := composedDurableInput(t, dir, n)
		query := filepath.Join(dir, "q.sql")
		os.WriteFile(query, []byte(composedDurableSQL), 0o644)
		args := []string{"run", query, "--nats", emb.ClientURL(), "--replay", "events=" + in, "--replay", "weights=" + weights, "--checkpoint-interval", "150ms"}
		if kills > 0 {
			rng := rand.New(rand.NewSource(16))
			interrupted := 0
			for range kills {
				// The first stage's exchange: JetStream stream VELORT_X_TOP3_1.
				if killWhen(t, storedGrows(t, nc, "VELORT_X_TOP3_1", uint64(n/8)), time.Duration(rng.Intn(300))*time.Millisecond, args...) {
					interrupted++
				}
			}
			if interrupted == 0 {
				t.Fatal("every run finished before it could be killed: the test proves nothing; raise n")
			}
			t.Logf("%d of %d runs killed mid-stream", interrupted, kills)
		}
		_, errOut, code := velort(t, nil, args...)
		if code != 0 {
			t.Fatalf("final run: exit %d: %s", code, errOut)
		}
		if kills > 0 && !strings.Contains(errOut, "restored checkpoint") {
			t.Errorf("the final run restored no checkpoint:\n%s", errOut)
		}
		js, _ := nc.JetStream()
		return readChangelogTable(t, js, "CMP_TOP3")
	}
	_, _, totals := composedDurableInput(t, t.TempDir(), n)
	type bt struct{ bucket, total int64 }
	var all []bt
	for b, total := range totals {
		all = append(all, bt{b, total})
	}
	if len(all) < 6 {
		t.Fatalf("only %d buckets: the Top-3 would not change", len(all))
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].total != all[j].total {
			return all[i].total > all[j].total
		}
		return all[i].bucket < all[j].bucket
	})
	want := map[string]string{}
	for _, b := range all[:3] {
		want[strconv.FormatInt(b.bucket, 10)] = fmt.Sprintf(`{"bucket":%d,"total":%d}`, b.bucket, b.total)
	}
	killed := run(t.TempDir(), 3)
	clean := run(t.TempDir(), 0)
	compareTables(t, "top3, uninterrupted run vs batch answer", clean, want)
	compareTables(t, "top3, run killed 3 times vs uninterrupted", killed, clean)
}

// composedDurableInput writes n events over 60 keys with random values,
// and weights for 50 of the keys (each upserted 1–3 times), and returns
// the paths and the batch answer of composedDurableSQL's buckets over the
// last weight of each key: bucket → total.
func composedDurableInput(t *testing.T, dir string, n int) (string, string, map[int64]int64) {
	rng := rand.New(rand.NewSource(7))
	var wlines []string
	w := map[string]int64{}
	for range 100 {
		k := fmt.Sprintf("K%d", rng.Intn(50))
		w[k] = int64(1 + rng.Intn(3))
		wlines = append(wlines, fmt.Sprintf(`{"k":"%s","w":%d}`, k, w[k]))
	}
	count, sum := map[string]int64{}, map[string]int64{}
	var lines []string
	for range n {
		k := fmt.Sprintf("K%d", rng.Intn(60))
		v := int64(rng.Intn(100))
		lines = append(lines, fmt.Sprintf(`{"k":"%s","v":%d}`, k, v))
		if wk, ok := w[k]; ok { // the last weight: a key without one joins nothing
			count[k]++
			sum[k] += v * wk
		}
	}
	totals := map[int64]int64{}
	for k, c := range count {
		totals[sum[k]%40] += c
	}
	path, wpath := filepath.Join(dir, "events.jsonl"), filepath.Join(dir, "weights.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(wpath, []byte(strings.Join(wlines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, wpath, totals
}

// TestTopNPerKeyAgainstSQLite: ROW_NUMBER() OVER (PARTITION BY … ORDER BY
// …) <= n over a derived table or a CTE — over the append-only source s and
// over the changelog source cs (upserts and deletes) of
// TestChangelogChainsAgainstSQLite's data sets, with one partition and
// with four (partitioned by another column than PARTITION BY: the stage
// repartitions) — equals SQLite's answer to the same SELECT. The columns
// selected are those ordered by (and the key), so ties, which SQL leaves
// open, give equal rows.
func TestTopNPerKeyAgainstSQLite(t *testing.T) {
	shapes := map[string][]composedShape{
		"s": {{name: "o_top_s", velort: "SELECT k1, x, y FROM (SELECT k1, x, y, ROW_NUMBER() OVER (PARTITION BY k1 ORDER BY x DESC, y) AS rn FROM s WHERE d >= 0) AS t WHERE rn <= 3",
			cols: []clCol{{name: "k1", typ: clString}, {name: "x", typ: clInt}, {name: "y", typ: clInt}}, changelog: true},
			// SELECT * over it: the Top-N writes the statement's stream
			// itself (no stage); the row number is no output column.
			{name: "o_top_star", velort: "SELECT * FROM (SELECT k1, x, y, ROW_NUMBER() OVER (PARTITION BY k1 ORDER BY x DESC, y) AS rn FROM s WHERE d >= 0) AS t WHERE rn <= 2",
				sqlite: "SELECT k1, x, y FROM (SELECT k1, x, y, ROW_NUMBER() OVER (PARTITION BY k1 ORDER BY x DESC, y) AS rn FROM s WHERE d >= 0) AS t WHERE rn <= 2",
				cols:   []clCol{{name: "k1", typ: clString}, {name: "x", typ: clInt}, {name: "y", typ: clInt}}, changelog: true}},
		"cs": {{name: "o_top_cs", velort: "WITH r AS (SELECT id, g, v, ROW_NUMBER() OVER (PARTITION BY g ORDER BY v DESC, id) AS rn FROM cs) SELECT g, v, id FROM r WHERE rn < 3",
			cols: []clCol{{name: "g", typ: clString}, {name: "v", typ: clInt}, {name: "id", typ: clString}}, changelog: true}},
	}
	cases := testseeds.NShort(t, 8, 3)
	for seed := int64(0); seed < int64(cases); seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			c := genChangelogCase(t, seed)
			defer c.db.Close()
			var run []composedShape
			var from []*clRel
			for _, src := range c.srcs {
				for _, sh := range shapes[src.rel.name] {
					sq := sh.sqlite
					if sq == "" {
						sq = sh.velort
					}
					if _, err := c.db.Exec("CREATE VIEW " + sh.name + " AS " + sq); err != nil {
						t.Fatalf("sqlite %s: %v", sh.name, err)
					}
					run, from = append(run, sh), append(from, src.rel)
				}
			}
			for _, parts := range []int{1, 4} {
				chain := c.sqlFile(parts)
				var b strings.Builder
				b.WriteString(chain[:strings.Index(chain, "\nCREATE STREAM "+c.queries[0].out.name+" ")])
				var queries []*clQuery
				for i, sh := range run {
					fmt.Fprintf(&b, "\nCREATE STREAM %s WITH (subject = 'cl.%s') AS\n%s;\n", sh.name, sh.name, sh.velort)
					queries = append(queries, &clQuery{from: from[i], out: &clRel{name: sh.name, cols: sh.cols, changelog: true}})
				}
				if !runChangelogFile(t, c, parts, b.String(), queries) {
					return
				}
			}
		})
	}
}

// TestComposedCascadingWindows: GROUP BY over a window's output — by its
// window_start (a changelog per window), and a wider TUMBLE over it (the
// stage's window_start column as event time: append-only) — against the
// answer worked out by hand: per 10 s window the counts per key are
// [0,10s) a:2 b:1, [10s,20s) b:1, [60s,70s) a:1.
func TestComposedCascadingWindows(t *testing.T) {
	got := runTables(t, `
CREATE STREAM s (k VARCHAR, x BIGINT, ts TIMESTAMP) WITH (subject = 'cw.s', event_time = 'ts');
CREATE STREAM per_window WITH (subject = 'cw.o') AS
SELECT window_start AS ws, MAX(c) AS top, COUNT(*) AS nkeys
FROM (SELECT k, COUNT(*) AS c, window_start FROM s GROUP BY k, TUMBLE(ts, INTERVAL '10' SECOND)) AS t
GROUP BY window_start;
CREATE STREAM per_minute WITH (subject = 'cw.o2') AS
SELECT window_start, MAX(c) AS top, SUM(c) AS total
FROM (SELECT k, COUNT(*) AS c, window_start AS w FROM s GROUP BY k, TUMBLE(ts, INTERVAL '10' SECOND)) AS t
GROUP BY TUMBLE(w, INTERVAL '1' MINUTE);`,
		map[string][]string{"s": {
			`{"k":"a","x":1,"ts":1000}`, `{"k":"a","x":1,"ts":2000}`, `{"k":"b","x":1,"ts":3000}`,
			`{"k":"b","x":1,"ts":12000}`, `{"k":"a","x":1,"ts":65000}`,
		}}, "per_window", "=per_minute")
	compareTables(t, "per_window", got["per_window"], map[string]string{
		"0":     `{"ws":"1970-01-01T00:00:00.000Z","top":2,"nkeys":2}`,
		"10000": `{"ws":"1970-01-01T00:00:10.000Z","top":1,"nkeys":1}`,
		"60000": `{"ws":"1970-01-01T00:01:00.000Z","top":1,"nkeys":1}`,
	})
	compareTables(t, "per_minute", got["per_minute"], map[string]string{
		`{"window_start":"1970-01-01T00:00:00.000Z","top":2,"total":4}`: "1",
		`{"window_start":"1970-01-01T00:01:00.000Z","top":1,"total":1}`: "1",
	})
}

// TestWindowGroupWithoutAggregate: a windowed GROUP BY with no aggregate
// may select window_start (go-mysql-server refused it: "expression
// 'person.window_start' doesn't appear in the group by expressions"; found
// by H-nexmark for q8): each distinct (id, name) once per window.
func TestWindowGroupWithoutAggregate(t *testing.T) {
	got := runTables(t, `
CREATE STREAM person (id BIGINT, name VARCHAR, ts TIMESTAMP) WITH (subject = 'wga.p', event_time = 'ts');
CREATE STREAM o WITH (subject = 'wga.o') AS
SELECT id, name, window_start FROM person GROUP BY id, name, TUMBLE(ts, INTERVAL '10' SECOND);`,
		map[string][]string{"person": {
			`{"id":1,"name":"a","ts":1000}`, `{"id":1,"name":"a","ts":2000}`, `{"id":2,"name":"b","ts":3000}`, `{"id":1,"name":"a","ts":11000}`,
		}}, "=o")
	compareTables(t, "o", got["o"], map[string]string{
		`{"id":1,"name":"a","window_start":"1970-01-01T00:00:00.000Z"}`: "1",
		`{"id":2,"name":"b","window_start":"1970-01-01T00:00:00.000Z"}`: "1",
		`{"id":1,"name":"a","window_start":"1970-01-01T00:00:10.000Z"}`: "1",
	})
}
