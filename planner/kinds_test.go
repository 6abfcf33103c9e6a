package planner

import (
	"math"
	"strings"
	"testing"

	"github.com/velort/velort/runtime"
)

// kindsDecl declares an append-only source s and a changelog source c
// (changelog = 'upsert', key k, 4 partitions).
const kindsDecl = "CREATE STREAM s (k VARCHAR, x BIGINT, d DOUBLE, v VARCHAR, ts TIMESTAMP) WITH (subject = 'in', event_time = 'ts');\n" +
	"CREATE STREAM c (k VARCHAR, n BIGINT, ts TIMESTAMP) WITH (subject = 'c.{partition}', partitions = 4, key = 'k', changelog = 'upsert');\n"

// TestStreamKinds: every query's input and output kind and key (SPEC §2
// "Changelogs"), and the kind its derived sink takes.
func TestStreamKinds(t *testing.T) {
	cases := []struct {
		name, sql string
		in, out   string
		srcKey    []int // SourceKeyCols
	}{
		{"filter over append-only", "CREATE STREAM o AS SELECT k, x FROM s WHERE x > 1;", "append-only", "append-only", nil},
		{"GROUP BY without window", "CREATE STREAM o AS SELECT k, COUNT(*) AS n FROM s GROUP BY k;", "append-only", "changelog (key: k)", nil},
		{"GROUP BY EMIT FINAL", "CREATE STREAM o AS SELECT k, COUNT(*) AS n FROM s GROUP BY k EMIT FINAL;", "append-only", "append-only", nil},
		{"group key not selected", "CREATE STREAM o AS SELECT COUNT(*) AS n FROM s GROUP BY k, v;", "append-only", "changelog (key: k, v)", nil},
		{"computed group key", "CREATE STREAM o AS SELECT UPPER(k) AS u, COUNT(*) AS n FROM s GROUP BY UPPER(k);", "append-only", "changelog (key: u)", nil},
		{"window EMIT FINAL", "CREATE STREAM o AS SELECT k, COUNT(*) AS n FROM s GROUP BY k, TUMBLE(ts, INTERVAL 1 SECOND);", "append-only", "append-only", nil},
		{"window EMIT CHANGES", "CREATE STREAM o AS SELECT k, window_start AS ws, COUNT(*) AS n FROM s GROUP BY k, TUMBLE(ts, INTERVAL 1 SECOND) EMIT CHANGES;", "append-only", "changelog (key: k, ws, window_end)", nil},
		{"row frame", "CREATE STREAM o AS SELECT k, SUM(x) OVER (PARTITION BY k ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS w FROM s;", "append-only", "append-only", nil},
		{"global aggregate", "CREATE STREAM o AS SELECT COUNT(*) AS n FROM s;", "append-only", "changelog (key: the empty key — one row)", nil},
		{"filter over changelog", "CREATE STREAM o AS SELECT k AS kk, n + 1 AS m FROM c WHERE n > 1;", "changelog (key: k)", "changelog (key: kk)", []int{0}},
		{"projection dropping the key", "CREATE STREAM o AS SELECT n FROM c;", "changelog (key: k)", "changelog (key: k)", []int{0}},
		{"sum of a changelog", "CREATE STREAM o AS SELECT SUM(n) AS total FROM c;", "changelog (key: k)", "changelog (key: the empty key — one row)", []int{0}},
		{"GROUP BY over changelog", "CREATE STREAM o AS SELECT n, COUNT(*) AS cnt FROM c GROUP BY n;", "changelog (key: k)", "changelog (key: n)", []int{0}},
		{"EMIT FINAL over changelog", "CREATE STREAM o AS SELECT n, COUNT(*) AS cnt FROM c GROUP BY n EMIT FINAL;", "changelog (key: k)", "append-only", []int{0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pl, err := Parse("q.sql", kindsDecl+c.sql, Options{})
			if err != nil {
				t.Fatal(err)
			}
			q := pl.Queries[0]
			if got := q.InputKindText(); got != c.in {
				t.Errorf("input %q, want %q", got, c.in)
			}
			if got := q.OutputKindText(); got != c.out {
				t.Errorf("output %q, want %q", got, c.out)
			}
			if got := KindText(q.Sink.Changelog, q.Sink.ChangelogKey); got != c.out {
				t.Errorf("sink %s is %q, want %q", q.Sink.Name, got, c.out)
			}
			if got := q.SourceKeyCols(); !sameInts(got, c.srcKey) || (got == nil) != (c.srcKey == nil) {
				t.Errorf("SourceKeyCols %v, want %v", got, c.srcKey)
			}
			if q.InputChangelog() != strings.HasPrefix(c.in, "changelog") || q.OutputChangelog() != strings.HasPrefix(c.out, "changelog") {
				t.Errorf("InputChangelog %v OutputChangelog %v", q.InputChangelog(), q.OutputChangelog())
			}
			// The last row per key of a changelog input is state that
			// acknowledged input could not rebuild.
			if q.InputChangelog() && (!q.Stateful() || q.AckAfter(0) != math.MaxInt64) {
				t.Errorf("over a changelog: Stateful %v, AckAfter %d", q.Stateful(), q.AckAfter(0))
			}
		})
	}
}

// TestChangelogChains: a derived changelog read by a later query is a
// changelog input keyed like its writer; SourceKeyCols finds the key in
// its payload, or is nil (the key travels in Velort-Key only), or empty
// for the one row of a global aggregate.
func TestChangelogChains(t *testing.T) {
	for _, c := range []struct {
		name, sql string
		in        string
		srcKey    []int
	}{
		{"key in payload", "CREATE STREAM counts AS SELECT x, k, COUNT(*) AS cnt FROM s GROUP BY k;\nCREATE STREAM o AS SELECT SUM(cnt) AS total FROM counts;", "changelog (key: k)", []int{1}},
		{"key not in payload", "CREATE STREAM counts AS SELECT COUNT(*) AS cnt FROM s GROUP BY k;\nCREATE STREAM o AS SELECT SUM(cnt) AS total FROM counts;", "changelog (key: k)", nil},
		{"global aggregate", "CREATE STREAM counts AS SELECT COUNT(*) AS cnt FROM s;\nCREATE STREAM o AS SELECT cnt * 2 AS twice FROM counts;", "changelog (key: the empty key — one row)", []int{}},
		{"INSERT INTO a declared stream", "CREATE STREAM counts (key2 VARCHAR, cnt BIGINT) WITH (subject = 'counts');\nINSERT INTO counts SELECT k, COUNT(*) FROM s GROUP BY k;\nCREATE STREAM o AS SELECT SUM(cnt) AS total FROM counts;", "changelog (key: key2)", []int{0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pl, err := Parse("q.sql", kindsDecl+c.sql, Options{})
			if err != nil {
				t.Fatal(err)
			}
			q := pl.Queries[len(pl.Queries)-1]
			if got := q.InputKindText(); got != c.in {
				t.Errorf("input %q, want %q", got, c.in)
			}
			if got := q.SourceKeyCols(); !sameInts(got, c.srcKey) || (got == nil) != (c.srcKey == nil) {
				t.Errorf("SourceKeyCols %v, want %v", got, c.srcKey)
			}
		})
	}
}

// TestChangelogRefusals: what needs an append-only input is refused over
// a changelog at its position, with why and what to write; so are sinks
// whose writers or partitions disagree with their kind.
func TestChangelogRefusals(t *testing.T) {
	table := "CREATE TABLE names (k VARCHAR PRIMARY KEY, name VARCHAR) WITH (kv = 'names');\n"
	cases := []struct {
		name, sql, want string
	}{
		{"changelog without key", "CREATE STREAM c2 (k VARCHAR) WITH (subject = 'c2', changelog = 'upsert');\nCREATE STREAM o AS SELECT k FROM c2;",
			"q.sql:1:64: stream c2: changelog = 'upsert' needs key = 'column, ...'"},
		{"changelog value", "CREATE STREAM c2 (k VARCHAR) WITH (subject = 'c2', key = 'k', changelog = 'retract');\nCREATE STREAM o AS SELECT k FROM c2;",
			"q.sql:1:75: expected changelog = 'upsert'"},
		{"TUMBLE", kindsDecl + "CREATE STREAM o AS SELECT k, COUNT(*) FROM c\nGROUP BY k, TUMBLE(ts, INTERVAL 1 SECOND);",
			"q.sql:4:13: TUMBLE over a changelog: stream c is a changelog (key: k): its records update and delete rows, and a time window needs an append-only input"},
		{"HOP", kindsDecl + "CREATE STREAM o AS SELECT k, COUNT(*) FROM c GROUP BY k, HOP(ts, INTERVAL 1 SECOND, INTERVAL 2 SECOND);",
			"q.sql:3:58: HOP over a changelog"},
		{"SESSION", kindsDecl + "CREATE STREAM o AS SELECT k, COUNT(*) FROM c GROUP BY k, SESSION(ts, INTERVAL 1 SECOND) EMIT CHANGES;",
			"q.sql:3:58: SESSION over a changelog"},
		{"TUMBLING", kindsDecl + "CREATE STREAM o AS SELECT k, COUNT(*) FROM c GROUP BY k WINDOW TUMBLING(1m);",
			"q.sql:3:64: TUMBLING over a changelog"},
		{"row frame", kindsDecl + "CREATE STREAM o AS SELECT k,\n  SUM(n) OVER (PARTITION BY k ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS w FROM c;",
			"q.sql:4:3: row frames (OVER, LAG, LEAD, ROW_NUMBER) over a changelog"},
		{"LAG", kindsDecl + "CREATE STREAM o AS SELECT k, LAG(n) OVER (PARTITION BY k ORDER BY ts) AS p FROM c;",
			"q.sql:3:30: row frames (OVER, LAG, LEAD, ROW_NUMBER) over a changelog"},
		{"ROW_NUMBER", kindsDecl + "CREATE STREAM o AS SELECT k, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts) AS r FROM c;",
			"q.sql:3:30: row frames"},
		// A changelog joined with a KV table is a regular join over the
		// table's changelog (regular_join_table_test.go); keeping every
		// table row over a changelog of several partitions, refused.
		{"table join", table + kindsDecl + "CREATE STREAM o AS SELECT c.k, names.name FROM names\nLEFT JOIN c ON c.k = names.k;",
			"q.sql:5:6: an outer join keeping every row of table names, with c on 4 partitions"},
		// A join over a changelog is a regular join (regular_join_test.go;
		// a time bound is one more ON condition); partitioned unlike, it is
		// repartitioned, but not yet under a GROUP BY of its FROM stream.
		{"join partitioned unlike, grouped", kindsDecl + "CREATE STREAM o AS SELECT c.n, COUNT(*) AS m FROM c JOIN s ON c.n = s.x GROUP BY c.n;",
			"a GROUP BY over a join on 4 partitions whose FROM stream c is repartitioned by the join column"},
		// WASM aggregates without a retract export: TestWASMAggregateOverChangelog (checked when modules load).
		{"changelog sink partitioned off its key", kindsDecl + "CREATE STREAM o WITH (subject = 'o.{partition}', partitions = 2, key = 'v') AS\nSELECT k, v, COUNT(*) AS n FROM s GROUP BY k;",
			"q.sql:3:72: stream o is changelog (key: k) partitioned by v: the updates of one row would reach different partitions"},
		{"declared sink partitioned off its key", kindsDecl + "CREATE STREAM o (k VARCHAR, v VARCHAR, n BIGINT) WITH (subject = 'o.{partition}', partitions = 2, key = 'v');\nINSERT INTO o SELECT k, v, COUNT(*) FROM s GROUP BY k;",
			"q.sql:3:105: stream o is changelog (key: k) partitioned by v"},
		{"mixed writers", kindsDecl + "CREATE STREAM o (k VARCHAR, n BIGINT) WITH (subject = 'o');\nINSERT INTO o SELECT k, x FROM s;\nINSERT INTO o SELECT k, COUNT(*) FROM s GROUP BY k;",
			"q.sql:5:13: INSERT INTO o: this query's output is changelog (key: k) but query insert_o_1 writes append-only to the same stream"},
		{"changelog writer off the declared key", kindsDecl + "CREATE STREAM o (k VARCHAR, n BIGINT) WITH (subject = 'o', key = 'k', changelog = 'upsert');\nINSERT INTO o SELECT v, COUNT(*) FROM s GROUP BY k;",
			"q.sql:4:13: INSERT INTO o: stream o is changelog (key: k) but this query's rows are keyed by"},
		{"derived stream declared changelog", kindsDecl + "CREATE STREAM o WITH (changelog = 'upsert') AS SELECT k FROM s;",
			"q.sql:3:35: stream o: changelog = 'upsert', but its query's output is append-only"},
		{"read before it became a changelog", kindsDecl + "CREATE STREAM o (k VARCHAR, n BIGINT) WITH (subject = 'o');\nCREATE STREAM total AS SELECT SUM(n) AS t FROM o;\nINSERT INTO o SELECT k, COUNT(*) FROM s GROUP BY k;",
			"q.sql:4:24: query total reads stream o as append-only, but query insert_o_2, written after it, makes o changelog (key: k)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("q.sql", c.sql, Options{})
			if err == nil {
				t.Fatalf("no error; want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n  %s\nwant it to contain\n  %s", err, c.want)
			}
		})
	}
}

// changeText renders a changelog pipeline's last outputs as
// "op key row" lines.
func changeText(pipe *runtime.Pipeline, rows []runtime.Row) []string {
	var out []string
	ops, keys := pipe.Ops(), pipe.Keys()
	for i, r := range rowText(rows) {
		out = append(out, ops[i].String()+" "+string(keys[i])+" "+r)
	}
	return out
}

// TestChangelogWiring: the planner wires kinds into the runtime — a
// GROUP BY with EMIT CHANGES marks each output upsert with its group's key
// text (window bounds in epoch ms after the keys), a filter over a
// changelog passes its input key through, and a GROUP BY over a changelog
// retracts the old row of a key before adding the new one.
func TestChangelogWiring(t *testing.T) {
	var c runtime.Ctx
	t.Run("group keys", func(t *testing.T) {
		_, pipe := checkPipeline(t, kindsDecl+"CREATE STREAM o AS SELECT COUNT(*) AS n, v FROM s GROUP BY v, x;")
		got := changeText(pipe, pipe.Execute(&c, sRow("a", 7, 0, "b", 1), 1))
		wantLines(t, got, `upsert b|7 1|"b"`)
		if pipe.Ops() == nil {
			t.Error("Ops is nil: the output is not marked a changelog")
		}
	})
	t.Run("window bounds", func(t *testing.T) {
		_, pipe := checkPipeline(t, kindsDecl+"CREATE STREAM o AS SELECT k, COUNT(*) AS n FROM s GROUP BY k, TUMBLE(ts, INTERVAL 1 SECOND) EMIT CHANGES;")
		wantLines(t, changeText(pipe, pipe.Execute(&c, sRow("a", 7, 0, "b", 2500), 2500)), `upsert a|2000|3000 "a"|1`)
	})
	t.Run("append-only", func(t *testing.T) {
		_, pipe := checkPipeline(t, kindsDecl+"CREATE STREAM o AS SELECT k, COUNT(*) AS n FROM s GROUP BY k EMIT FINAL;")
		if pipe.Changelog || pipe.OutKey != nil {
			t.Error("EMIT FINAL output marked as a changelog")
		}
	})
	t.Run("filter over a changelog", func(t *testing.T) {
		_, pipe := checkPipeline(t, kindsDecl+"CREATE STREAM o AS SELECT k, n FROM c WHERE n > 1;")
		row := func(k string, n int64) runtime.Row {
			return runtime.Row{runtime.String([]byte(k)), runtime.Int(n), runtime.Null}
		}
		wantLines(t, changeText(pipe, pipe.ExecuteChange(&c, nil, row("a", 5), []byte("a"), 0)), `upsert a "a"|5`)
		wantLines(t, changeText(pipe, pipe.ExecuteChange(&c, row("a", 5), row("a", 0), []byte("a"), 0)), `delete a "a"|5`)
	})
	t.Run("GROUP_CONCAT over a changelog", func(t *testing.T) {
		_, pipe := checkPipeline(t, kindsDecl+"CREATE STREAM o AS SELECT n, GROUP_CONCAT(k ORDER BY k) AS ks FROM c GROUP BY n;")
		row := func(k string, n int64) runtime.Row {
			return runtime.Row{runtime.String([]byte(k)), runtime.Int(n), runtime.Null}
		}
		pipe.ExecuteChange(&c, nil, row("a", 1), []byte("a"), 0)
		wantLines(t, changeText(pipe, pipe.ExecuteChange(&c, nil, row("b", 1), []byte("b"), 0)), `upsert 1 1|"a,b"`)
		wantLines(t, changeText(pipe, pipe.ExecuteChange(&c, row("a", 1), row("a", 2), []byte("a"), 0)), `upsert 1 1|"b"`, `upsert 2 2|"a"`)
	})
	t.Run("sum of a changelog", func(t *testing.T) {
		_, pipe := checkPipeline(t, kindsDecl+"CREATE STREAM o AS SELECT SUM(n) AS total FROM c;")
		row := func(k string, n int64) runtime.Row {
			return runtime.Row{runtime.String([]byte(k)), runtime.Int(n), runtime.Null}
		}
		var last []string
		for _, ch := range []struct{ old, new runtime.Row }{
			{nil, row("a", 1)}, {nil, row("b", 2)}, {row("a", 1), row("a", 3)}, {row("b", 2), row("b", 4)},
		} {
			if out := changeText(pipe, pipe.ExecuteChange(&c, ch.old, ch.new, ch.new[0].S, 0)); len(out) > 0 {
				last = out
			}
			if c.Err != nil {
				t.Fatal(c.Err)
			}
		}
		wantLines(t, last, `upsert  7`) // 3 + 4, not 1 + 2 + 3 + 4
	})
}

// TestExplainKinds: explain shows each stream's kind and each query's
// input and output kinds and keys, and which half of a repartitioned
// query over a changelog keeps the last row per key.
func TestExplainKinds(t *testing.T) {
	pl, err := Parse("q.sql", "CREATE TABLE names (symbol VARCHAR PRIMARY KEY, name VARCHAR) WITH (kv = 'names');\n"+
		"CREATE STREAM trades (symbol VARCHAR, qty BIGINT) WITH (subject = 'trades.{partition}', partitions = 4, key = 'symbol');\n"+
		"CREATE STREAM counts WITH (subject = 'counts.{partition}', partitions = 4, key = 'symbol') AS SELECT symbol, COUNT(*) AS c FROM trades GROUP BY symbol;\n"+
		"CREATE STREAM total AS SELECT SUM(c) AS total FROM counts;\n", Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := pl.Explain()
	for _, want := range []string{
		"  columns: symbol VARCHAR, qty BIGINT\n  kind: append-only\n",
		"  columns: symbol VARCHAR, c BIGINT\n  kind: changelog (key: symbol)\n",
		"query counts: trades → counts, 4 partition loop(s)\n",
		"  input kind: append-only\n  output kind: changelog (key: symbol)\n",
		"query total: counts → total, 4 partition loop(s)\n",
		"  input kind: changelog (key: symbol)\n  output kind: changelog (key: the empty key — one row)\n",
		"  repartition, first half: keeps the last row per input key and forwards each change as a retraction of the old row",
		"  sink: total, encode json, headers Velort-Op (upsert|delete) and Velort-Key\n",
		"  kind: changelog (key: symbol) (a put upserts, a delete deletes)\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("explain lacks %q:\n%s", want, text)
		}
	}
}

// TestRepartitionOverChangelog: a GROUP BY over a changelog whose group
// keys do not contain the partition key runs in two halves; the first
// normalizes (RepartitionNormalizes) and routes the old row and the new
// row of a change by their own group keys, which ForwardPipeline's key
// expressions compute from either row; the second half retracts and
// inserts the forwarded rows.
func TestRepartitionOverChangelog(t *testing.T) {
	pl, err := Parse("q.sql", kindsDecl+"CREATE STREAM o AS SELECT n, COUNT(*) AS cnt FROM c WHERE k <> 'skip' GROUP BY n;\nCREATE STREAM o2 AS SELECT k, COUNT(*) AS cnt FROM c GROUP BY k;", Options{})
	if err != nil {
		t.Fatal(err)
	}
	q, byKey := pl.Queries[0], pl.Queries[1]
	if !q.NeedsRepartition() || !q.RepartitionNormalizes() {
		t.Fatalf("GROUP BY n over a changelog keyed by k: NeedsRepartition %v, RepartitionNormalizes %v", q.NeedsRepartition(), q.RepartitionNormalizes())
	}
	if byKey.NeedsRepartition() || byKey.RepartitionNormalizes() {
		t.Errorf("GROUP BY k over a changelog keyed by k repartitions")
	}
	fwd, keys, err := q.ForwardPipeline(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	row := func(k string, n int64) runtime.Row {
		return runtime.Row{runtime.String([]byte(k)), runtime.Int(n), runtime.Null}
	}
	old, new := row("a", 1), row("a", 2)
	var c runtime.Ctx
	if len(keys) != 1 || keys[0](&c, old).I != 1 || keys[0](&c, new).I != 2 {
		t.Fatalf("forward keys %d: want n of the old row (1) and of the new row (2)", len(keys))
	}
	if len(fwd.Execute(&c, old, 0)) != 1 || len(fwd.Execute(&c, row("skip", 1), 0)) != 0 {
		t.Error("the forwarder does not apply WHERE")
	}
	// Second half: the group partition of n = 1 gets the retraction, the
	// one of n = 2 the insertion.
	second, err := q.NewPipeline(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantLines(t, changeText(second, second.ExecuteChange(&c, nil, old, nil, 0)), `upsert 1 1|1`)
	wantLines(t, changeText(second, second.ExecuteChange(&c, nil, new, nil, 0)), `upsert 2 2|1`)
	wantLines(t, changeText(second, second.ExecuteChange(&c, old, nil, nil, 0)), `delete 1 1|1`)
}

// TestSelectDistinct: SELECT DISTINCT is a GROUP BY of its columns with
// no aggregate — a changelog keyed by all its columns; over a changelog
// input a row is deleted when its last occurrence is retracted.
func TestSelectDistinct(t *testing.T) {
	q, pipe := checkPipeline(t, kindsDecl+"CREATE STREAM o AS SELECT DISTINCT UPPER(k) AS u, x FROM s WHERE x > 0;")
	if got := q.OutputKindText(); got != "changelog (key: u, x)" {
		t.Errorf("output %q", got)
	}
	if want := "  group by [upper(s.k), s.x] (SELECT DISTINCT) no window, EMIT CHANGES\n"; !strings.Contains(q.plan.Explain(), want) {
		t.Errorf("explain lacks %q:\n%s", want, q.plan.Explain())
	}
	var c runtime.Ctx
	wantLines(t, changeText(pipe, pipe.Execute(&c, sRow("a", 1, 0, "", 0), 0)), `upsert A|1 "A"|1`)
	wantLines(t, changeText(pipe, pipe.Execute(&c, sRow("b", 2, 0, "", 0), 0)), `upsert B|2 "B"|2`)
	if out := pipe.Execute(&c, sRow("c", 0, 0, "", 0), 0); len(out) != 0 {
		t.Errorf("WHERE not applied: %v", rowText(out))
	}

	_, pipe = checkPipeline(t, kindsDecl+"CREATE STREAM o AS SELECT DISTINCT k FROM s EMIT FINAL;")
	wantLines(t, feed(t, pipe, sRow("a", 1, 0, "", 0), sRow("b", 1, 0, "", 0), sRow("a", 2, 0, "", 0)), `"a"`, `"b"`)

	// Over a changelog: the distinct n of the rows of c.
	q, pipe = checkPipeline(t, kindsDecl+"CREATE STREAM o AS SELECT DISTINCT n FROM c;")
	if !q.InputChangelog() || q.OutputKindText() != "changelog (key: n)" {
		t.Fatalf("input %s, output %s", q.InputKindText(), q.OutputKindText())
	}
	row := func(k string, n int64) runtime.Row {
		return runtime.Row{runtime.String([]byte(k)), runtime.Int(n), runtime.Null}
	}
	var got []string
	for _, ch := range []struct {
		old, new runtime.Row
		key      string
	}{
		{nil, row("a", 1), "a"}, {nil, row("b", 1), "b"}, {row("a", 1), row("a", 2), "a"}, {row("b", 1), nil, "b"},
	} {
		got = append(got, changeText(pipe, pipe.ExecuteChange(&c, ch.old, ch.new, []byte(ch.key), 0))...)
		if c.Err != nil {
			t.Fatal(c.Err)
		}
	}
	// 1 stays while b has it (its row is upserted again, unchanged); a
	// moving to 2 adds 2; b's delete takes the last 1 away.
	wantLines(t, got, "upsert 1 1", "upsert 1 1", "upsert 1 1", "upsert 2 2", "delete 1 1")
}
