package planner

import (
	"strings"
	"testing"

	"github.com/velort/velort/runtime"
)

// rjDecl: append-only s and changelog c on 4 partitions keyed by k,
// changelog d on 4 partitions keyed by id, changelog e and append-only f
// on one partition, a JetStream changelog js and a JetStream append-only
// stream js2.
const rjDecl = "CREATE STREAM s (k VARCHAR, x BIGINT) WITH (subject = 's.{partition}', partitions = 4, key = 'k');\n" +
	"CREATE STREAM c (k VARCHAR, n BIGINT) WITH (subject = 'c.{partition}', partitions = 4, key = 'k', changelog = 'upsert');\n" +
	"CREATE STREAM d (id VARCHAR, k VARCHAR) WITH (subject = 'd.{partition}', partitions = 4, key = 'id', changelog = 'upsert');\n" +
	"CREATE STREAM e (id VARCHAR, k VARCHAR, n BIGINT) WITH (subject = 'e', key = 'id', changelog = 'upsert');\n" +
	"CREATE STREAM f (k VARCHAR, x BIGINT) WITH (subject = 'f');\n" +
	"CREATE STREAM js (k VARCHAR, n BIGINT) WITH (subject = 'js', key = 'k', changelog = 'upsert', jetstream = 'JS'); " +
	"CREATE STREAM js2 (k VARCHAR, x BIGINT) WITH (subject = 'js2', jetstream = 'JS2');\n"

// TestRegularJoinRefusals: joins over a changelog that one loop per
// partition cannot run are refused at the JOIN, saying what to write.
func TestRegularJoinRefusals(t *testing.T) {
	cases := []struct{ name, sql, want string }{
		{"GROUP BY over a repartitioned FROM stream", "CREATE STREAM o AS SELECT d.k, COUNT(*) AS m FROM d JOIN c ON d.k = c.k GROUP BY d.k;",
			"q.sql:7:53: a GROUP BY over a join on 4 partitions whose FROM stream d is repartitioned by the join column (partitions = 4, key = 'id') is not supported yet"},
		{"repartitioned JetStream changelog keyed otherwise", "CREATE STREAM js4 (k VARCHAR, y BIGINT) WITH (subject = 'js4.{partition}', partitions = 4, key = 'y', jetstream = 'JS4'); " +
			"CREATE STREAM js5 (id VARCHAR, k VARCHAR) WITH (subject = 'js5.{partition}', partitions = 4, key = 'id', changelog = 'upsert', jetstream = 'JS5'); CREATE STREAM o AS SELECT js5.id, js4.y FROM js4 JOIN js5 ON js4.k = js5.k;",
			"q.sql:7:319: a join of JetStream streams not partitioned alike by the join column reads each such side through a stage partitioned by its join column, which a changelog keyed by another column"},
		{"no equality", "CREATE STREAM o AS SELECT e.id, f.x FROM e JOIN f ON e.n < f.x;",
			"q.sql:7:44: a join over a changelog needs an equality of the two streams' columns in ON"},
		{"JetStream", "CREATE STREAM o AS SELECT e.id, js.n FROM e JOIN js ON e.k = js.k;",
			"q.sql:7:45: a join over a changelog reads both streams as JetStream consumers or both from core NATS: js is on JetStream and the other is not"},
		{"GROUP BY needing a repartition", "CREATE STREAM o AS SELECT c.n, COUNT(*) AS m FROM s JOIN c ON s.k = c.k GROUP BY c.n;",
			"q.sql:7:53: a GROUP BY over a join over a changelog on 4 partitions must group by the partition key (k)"},
		{"key types differ", "CREATE STREAM o AS SELECT e.id, f.x FROM e JOIN f ON e.n = f.k;",
			"q.sql:7:44: the join keys e.n (BIGINT) and f.k (VARCHAR) have different types"},
		{"row frame", "CREATE STREAM o AS SELECT e.id, ROW_NUMBER() OVER (PARTITION BY e.k ORDER BY f.x) AS r FROM e JOIN f ON e.k = f.k;",
			"row frames (OVER, LAG, LEAD, ROW_NUMBER) over a changelog"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("q.sql", rjDecl+c.sql, Options{})
			if err == nil {
				t.Fatalf("no error; want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n  %s\nwant it to contain\n  %s", err, c.want)
			}
		})
	}
}

// TestRegularJoinJetStreamSidesThroughStages: a join of JetStream streams
// partitioned otherwise than by the join column (was refused: "JetStream
// streams cannot use yet") reads each such side through a stage
// partitioned by its join column into the FROM stream's partitions — an
// append-only side, and a changelog keyed by the join column on another
// number of partitions — so the join needs no core-NATS forwarders.
func TestRegularJoinJetStreamSidesThroughStages(t *testing.T) {
	pl, err := Parse("q.sql", rjDecl+"CREATE STREAM js4 (k VARCHAR, y BIGINT) WITH (subject = 'js4.{partition}', partitions = 4, key = 'y', jetstream = 'JS4'); "+
		"CREATE STREAM o WITH (subject = 'o', jetstream = 'O') AS SELECT js.n, js4.y FROM js4 JOIN js ON js4.k = js.k;", Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := pl.Queries[len(pl.Queries)-1]
	if q.Name != "o" || q.regular == nil || q.regular.repart[0] || q.regular.repart[1] {
		t.Fatalf("query %s: the join still repartitions (%+v)", q.Name, q.regular)
	}
	for i, want := range []string{"js4_by_k", "js_by_k"} {
		side := [2]*Stream{q.regular.left, q.regular.right}[i]
		if side.Name != want || !side.Hidden || side.Partitions != 4 || side.JetStream == "" || len(side.Key) != 1 || side.Key[0] != "k" {
			t.Errorf("side %d: %s (hidden %v, %d partitions, key %v, jetstream %q), want stage %s on 4 partitions by k over JetStream",
				i, side.Name, side.Hidden, side.Partitions, side.Key, side.JetStream, want)
		}
	}
}

// TestRegularJoinFull: FULL [OUTER] JOIN over a changelog is a regular
// join keeping the rows without a match of both sides (was refused: "a
// FULL OUTER JOIN over a changelog is not supported yet").
func TestRegularJoinFull(t *testing.T) {
	pl, err := Parse("q.sql", rjDecl+"CREATE STREAM o AS SELECT e.id, f.x FROM e FULL OUTER JOIN f ON e.k = f.k;", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pl.Explain(), "regular join (FULL) e ⋈ f on e.k = f.k") {
		t.Errorf("explain:\n%s", pl.Explain())
	}
	j, err := pl.Queries[0].compileRegular(typeOnlyUDFs{})
	if err != nil || j.Preserve != runtime.BothSides {
		t.Errorf("compiled join %+v, %v: want Preserve = BothSides", j, err)
	}
}

// TestRegularJoinRepartitioned: a side not partitioned by its join column
// into the query's partitions is repartitioned by it (both were refused:
// "repartitioning for a join is not supported yet"); output keys then end
// in the join key.
func TestRegularJoinRepartitioned(t *testing.T) {
	cases := []struct{ sel, explain, kind string }{
		{"SELECT e.id, c.n FROM e JOIN c ON e.k = c.k", "c repartitioned by c.k into 1 partition(s) over _velort.repart.o.join1.<partition>.<c partition>",
			"changelog (key: e(id), c(k), join key)"},
		{"SELECT d.id, c.n FROM d LEFT JOIN c ON d.k = c.k", "d repartitioned by d.k into 4 partition(s) over _velort.repart.o.join0.<partition>.<d partition>",
			"changelog (key: d(id), c(k), join key)"},
		{"SELECT a.id, b.id AS id2 FROM d a FULL JOIN d b ON a.k = b.k", "; d repartitioned by a.k into 4 partition(s) over _velort.repart.o.join0.<partition>.<d partition>; d repartitioned by b.k", ""},
	}
	for _, c := range cases {
		pl, err := Parse("q.sql", rjDecl+"CREATE STREAM o AS "+c.sel+";", Options{})
		if err != nil {
			t.Errorf("%s: %v", c.sel, err)
			continue
		}
		if ex := pl.Explain(); !strings.Contains(ex, c.explain) || !strings.Contains(ex, "output keyed by left row key | right row key | join key") {
			t.Errorf("%s: explain\n%s\nwant %q", c.sel, ex, c.explain)
		}
		if got := pl.Queries[0].OutputKindText(); c.kind != "" && got != c.kind {
			t.Errorf("%s: output kind %q, want %q", c.sel, got, c.kind)
		}
		if j, err := pl.Queries[0].compileRegular(typeOnlyUDFs{}); err != nil || !j.JoinKeyInKey {
			t.Errorf("%s: compiled %+v, %v: want JoinKeyInKey", c.sel, j, err)
		}
	}
}

// TestWindowJoinPlan: two append-only streams with window_start and
// window_end joined ON … window_start = … window_start are a window join,
// append-only (was refused: "a stream–stream join must be an INNER join
// with a time bound"); the key equality on the partition key is picked
// whatever its place in ON; an outer window join is refused.
func TestWindowJoinPlan(t *testing.T) {
	decl := "CREATE STREAM w1 (k VARCHAR, window_start TIMESTAMP, window_end TIMESTAMP, n BIGINT) WITH (subject = 'w1.{partition}', partitions = 4, key = 'k');\n" +
		"CREATE STREAM w2 (k VARCHAR, window_start TIMESTAMP, window_end TIMESTAMP, m BIGINT) WITH (subject = 'w2.{partition}', partitions = 4, key = 'k');\n"
	pl, err := Parse("q.sql", decl+"CREATE STREAM o AS SELECT w1.k, w1.n, w2.m FROM w1 JOIN w2 ON w1.window_start = w2.window_start AND w1.k = w2.k;", Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := pl.Queries[0]
	if q.OutputChangelog() || !strings.Contains(pl.Explain(), "regular join (INNER, window join: a window's rows dropped once both inputs are past its window_end) w1 ⋈ w2 on w1.k = w2.k") ||
		!strings.Contains(pl.Explain(), "output append-only") {
		t.Errorf("explain:\n%s", pl.Explain())
	}
	j, err := q.compileRegular(typeOnlyUDFs{})
	if err != nil || !j.Window || j.WindowEnd != [2]int{2, 2} || j.JoinKeyInKey {
		t.Errorf("compiled %+v, %v", j, err)
	}
	_, err = Parse("q.sql", decl+"CREATE STREAM o AS SELECT w1.k, w2.m FROM w1 LEFT JOIN w2 ON w1.k = w2.k AND w1.window_start = w2.window_start;", Options{})
	if err == nil || !strings.Contains(err.Error(), "a window join (ON … window_start = … window_start) of two append-only streams is an INNER join for now") {
		t.Errorf("LEFT window join: %v", err)
	}
}

// TestRegularJoinJetStream: a join of two JetStream streams (their state
// and positions are checkpointed) and a self-join of one are accepted; it
// was refused ("runs over core NATS streams only for now").
func TestRegularJoinJetStream(t *testing.T) {
	for _, sql := range []string{
		"CREATE STREAM o AS SELECT js2.x, js.n FROM js2 JOIN js ON js2.k = js.k;",
		"CREATE STREAM o AS SELECT a.k, b.n FROM js a LEFT JOIN js b ON a.n = b.n;",
	} {
		if _, err := Parse("q.sql", rjDecl+sql, Options{}); err != nil {
			t.Errorf("%s: %v", sql, err)
		}
	}
}

// TestRegularJoinPlan: a LEFT JOIN of an append-only stream with a
// changelog partitioned alike is a changelog keyed by both row keys; its
// pipeline joins changes of either side, and a GROUP BY of the partition
// key over a join retracts.
func TestRegularJoinPlan(t *testing.T) {
	pl, err := Parse("q.sql", rjDecl+"CREATE STREAM o AS SELECT s.k, s.x, c.n FROM s LEFT JOIN c ON s.k = c.k WHERE s.x > 0;\n"+
		"CREATE STREAM g AS SELECT s.k, SUM(c.n) AS t FROM s JOIN c ON s.k = c.k GROUP BY s.k;", Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := pl.Queries[0]
	if got := q.OutputKindText(); got != "changelog (key: s arrival, c(k))" {
		t.Errorf("output kind %q", got)
	}
	if left, right, ok := q.RegularJoin(); !ok || left.Name != "s" || right.Name != "c" {
		t.Fatalf("RegularJoin() = %v, %v, %v", left, right, ok)
	}
	if !strings.Contains(pl.Explain(), "regular join (LEFT) s ⋈ c on s.k = c.k") {
		t.Errorf("explain:\n%s", pl.Explain())
	}
	pipe, err := q.NewPipeline(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &runtime.Ctx{}
	str := func(s string) runtime.Value { return runtime.Value{T: runtime.TString, S: []byte(s)} }
	var lines []string
	run := func(side int, key string, r runtime.Row) {
		outs := pipe.ExecuteJoinChange(c, side, []byte(key), r, 0)
		if c.Err != nil {
			t.Fatal(c.Err)
		}
		for i, o := range outs {
			lines = append(lines, pipe.Ops()[i].String()+" "+string(pipe.Keys()[i])+" "+rowString(o))
		}
	}
	run(runtime.LeftSide, "0.1", runtime.Row{str("a"), runtime.Int(5)})
	run(runtime.LeftSide, "0.2", runtime.Row{str("a"), runtime.Int(-1)}) // fails WHERE
	run(runtime.RightSide, "a", runtime.Row{str("a"), runtime.Int(7)})
	run(runtime.RightSide, "a", nil)
	want := []string{
		`upsert 0.1|\N a,5,NULL`,
		`delete 0.1|\N a,5,NULL`, `upsert 0.1|a a,5,7`,
		`delete 0.1|a a,5,7`, `upsert 0.1|\N a,5,NULL`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("outputs\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}

	g := pl.Queries[1]
	if got := g.OutputKindText(); got != "changelog (key: k)" {
		t.Errorf("grouped output kind %q", got)
	}
	gp, err := g.NewPipeline(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	var last string
	for _, ch := range []struct {
		side int
		key  string
		row  runtime.Row
	}{
		{runtime.LeftSide, "0.1", runtime.Row{str("a"), runtime.Int(1)}},
		{runtime.LeftSide, "0.2", runtime.Row{str("a"), runtime.Int(2)}},
		{runtime.RightSide, "a", runtime.Row{str("a"), runtime.Int(10)}},
		{runtime.RightSide, "a", runtime.Row{str("a"), runtime.Int(3)}},
	} {
		for i, o := range gp.ExecuteJoinChange(c, ch.side, []byte(ch.key), ch.row, 0) {
			last = gp.Ops()[i].String() + " " + string(gp.Keys()[i]) + " " + rowString(o)
		}
		if c.Err != nil {
			t.Fatal(c.Err)
		}
	}
	if last != "upsert a a,6" { // two rows of s joined with n = 3 (the update retracted 10 twice)
		t.Errorf("grouped: last output %q, want upsert a a,6", last)
	}
}

func rowString(r runtime.Row) string {
	parts := make([]string, len(r))
	for i, v := range r {
		switch v.T {
		case runtime.TNull:
			parts[i] = "NULL"
		case runtime.TString:
			parts[i] = string(v.S)
		default:
			parts[i] = string(runtime.AppendKeyText(nil, v))
		}
	}
	return strings.Join(parts, ",")
}

// TestRegularJoinTimeBoundOverChangelog: an interval-shaped join (a
// BETWEEN of the two time columns) over a changelog was refused; it is a
// regular join whose time bound is one more ON condition, so its result
// is the batch join's.
func TestRegularJoinTimeBoundOverChangelog(t *testing.T) {
	pl, err := Parse("q.sql", kindsDecl+"CREATE STREAM c1 (k VARCHAR, n BIGINT, ts TIMESTAMP) WITH (subject = 'c1', key = 'k', changelog = 'upsert');\n"+
		"CREATE STREAM o AS SELECT s.k, c1.n FROM s JOIN c1 ON s.k = c1.k AND c1.ts BETWEEN s.ts AND s.ts + INTERVAL '1' HOUR;", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ex := pl.Explain(); !strings.Contains(ex, "regular join (INNER)") || !strings.Contains(ex, "input kind: c1: changelog (key: k); s: append-only") || strings.Contains(ex, "interval join") {
		t.Errorf("explain:\n%s", ex)
	}
}
