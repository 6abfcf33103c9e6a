package planner

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/velort/velort/runtime"
)

// TestTopNPlans: ORDER BY … LIMIT n is a Top-N changelog (it was refused:
// "ORDER BY is not supported in a continuous query"), keyed by arrival
// number over an append-only stream, by the input key over a changelog,
// by the group key over a GROUP BY.
func TestTopNPlans(t *testing.T) {
	for _, c := range []struct {
		name, sql, out string
		repart         bool
	}{
		{"append-only", "CREATE STREAM o AS SELECT k, x FROM s WHERE x > 0 ORDER BY x DESC LIMIT 3;", "changelog (key: arrival number)", false},
		{"SELECT *", "CREATE STREAM o AS SELECT * FROM s ORDER BY x LIMIT 3;", "changelog (key: arrival number)", false},
		{"changelog", "CREATE STREAM o AS SELECT k, n FROM c ORDER BY n DESC LIMIT 2;", "changelog (key: k)", true},
		{"GROUP BY", "CREATE STREAM o AS SELECT k, SUM(x) AS t FROM s GROUP BY k ORDER BY t DESC LIMIT 3;", "changelog (key: k)", false},
		{"GROUP BY over changelog", "CREATE STREAM o AS SELECT n, COUNT(*) AS cnt FROM c GROUP BY n ORDER BY cnt DESC, n LIMIT 3;", "changelog (key: n)", true},
		{"GROUP BY EMIT FINAL", "CREATE STREAM o AS SELECT k, SUM(x) AS t FROM s GROUP BY k EMIT FINAL ORDER BY t DESC LIMIT 3;", "changelog (key: arrival number)", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			pl, err := Parse("q.sql", kindsDecl+c.sql, Options{})
			if err != nil {
				t.Fatal(err)
			}
			q := pl.Queries[0]
			if got := q.OutputKindText(); got != c.out {
				t.Errorf("output %q, want %q", got, c.out)
			}
			if q.NeedsRepartition() != c.repart {
				t.Errorf("NeedsRepartition %v, want %v", q.NeedsRepartition(), c.repart)
			}
			if q.Stateful() != true || q.AckAfter(0) != 1<<63-1 {
				t.Errorf("Stateful %v AckAfter %d", q.Stateful(), q.AckAfter(0))
			}
		})
	}
}

// TestTopNRefusals: shapes Top-N does not run are refused with a reason.
func TestTopNRefusals(t *testing.T) {
	for _, c := range []struct{ sql, want string }{
		{"CREATE STREAM o AS SELECT k FROM s ORDER BY x LIMIT 2, 3;", "OFFSET"},
		{"CREATE STREAM o AS SELECT k, SUM(x) OVER (PARTITION BY k ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS w FROM s ORDER BY w LIMIT 3;", "row frames"},
	} {
		_, err := Parse("q.sql", kindsDecl+c.sql, Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.sql, err, c.want)
		}
	}
}

// TestTopNGroupRandom: ORDER BY SUM(x) DESC, k LIMIT n over a GROUP BY of
// a changelog — the group stage's upserts and deletes (HAVING stopping to
// hold, groups emptied) feed the Top-N; its changelog applied as a table
// equals the batch answer after every change.
func TestTopNGroupRandom(t *testing.T) {
	_, pipe := checkPipeline(t, kindsDecl+"CREATE STREAM o AS SELECT k, SUM(n) AS t FROM c GROUP BY k HAVING COUNT(*) > 1 ORDER BY t DESC, k LIMIT 3;")
	rng := rand.New(rand.NewPCG(7, 11))
	type row struct {
		k string
		n int64
	}
	live := map[string]row{} // input key → row
	table := map[string]string{}
	var c runtime.Ctx
	full := 0 // changes after which the top 3 is full
	for i := 0; i < 2000; i++ {
		key := fmt.Sprint("id", rng.IntN(30))
		var old, new runtime.Row
		if o, ok := live[key]; ok {
			old = runtime.Row{runtime.String([]byte(o.k)), runtime.Int(o.n), runtime.Null}
		}
		if rng.IntN(4) == 0 {
			delete(live, key)
		} else {
			r := row{string(rune('a' + rng.IntN(8))), rng.Int64N(100)}
			live[key] = r
			new = runtime.Row{runtime.String([]byte(r.k)), runtime.Int(r.n), runtime.Null}
		}
		if old == nil && new == nil {
			continue
		}
		outs := pipe.ExecuteChange(&c, old, new, []byte(key), 0)
		if c.Err != nil {
			t.Fatal(c.Err)
		}
		for j, r := range rowText(outs) {
			k := string(pipe.Keys()[j])
			if pipe.Ops()[j] == runtime.OpDelete {
				delete(table, k)
			} else {
				table[k] = r
			}
		}
		// Batch: groups with more than one row, by SUM DESC then k.
		sums, counts := map[string]int64{}, map[string]int{}
		for _, r := range live {
			sums[r.k] += r.n
			counts[r.k]++
		}
		var groups []string
		for k := range sums {
			if counts[k] > 1 {
				groups = append(groups, k)
			}
		}
		slices.SortFunc(groups, func(a, b string) int {
			if sums[a] != sums[b] {
				return int(sums[b] - sums[a])
			}
			return strings.Compare(a, b)
		})
		want := map[string]string{}
		for _, k := range groups[:min(3, len(groups))] {
			want[k] = fmt.Sprintf("%q|%d", k, sums[k])
		}
		if len(want) == 3 {
			full++
		}
		if fmt.Sprint(table) != fmt.Sprint(want) {
			t.Fatalf("after change %d: got %v, want %v", i, table, want)
		}
	}
	if full < 1000 {
		t.Errorf("the top 3 was full after only %d changes", full)
	}
}

// TestTopNExplain: explain shows the Top-N, its key and the forwarding of
// every record to one partition.
func TestTopNExplain(t *testing.T) {
	pl, err := Parse("q.sql", kindsDecl+"CREATE STREAM o AS SELECT n, COUNT(*) AS cnt FROM c GROUP BY n ORDER BY cnt DESC, n LIMIT 3;", Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := pl.Explain()
	for _, want := range []string{
		"  output kind: changelog (key: n)\n",
		"  top-n: ORDER BY count(1) DESC, c.n LIMIT 3 over the groups (keyed by group key); ties: earlier arrival first\n",
		"  top-n over 4 partitions: every record forwarded to one partition through NATS",
		"  repartition, first half: keeps the last row per input key",
	} {
		if strings.Count(text, want) != 1 {
			t.Errorf("explain shows %q %d times:\n%s", want, strings.Count(text, want), text)
		}
		if !strings.Contains(text, want) {
			t.Errorf("explain lacks %q:\n%s", want, text)
		}
	}
}

// TestTopNShapes: ORDER BY an aggregate not selected, by position, by an
// unselected column, and LIMIT without ORDER BY (the first n rows to
// arrive, one of the answers SQL allows).
func TestTopNShapes(t *testing.T) {
	feedTop := func(sql string, rows ...runtime.Row) map[string]string {
		t.Helper()
		_, pipe := checkPipeline(t, kindsDecl+sql)
		table := map[string]string{}
		var c runtime.Ctx
		for _, r := range rows {
			outs := pipe.Execute(&c, r, 0)
			if c.Err != nil {
				t.Fatal(c.Err)
			}
			for j, line := range rowText(outs) {
				if pipe.Ops()[j] == runtime.OpDelete {
					delete(table, string(pipe.Keys()[j]))
				} else {
					table[string(pipe.Keys()[j])] = line
				}
			}
		}
		return table
	}
	in := []runtime.Row{sRow("a", 5, 1.5, "p", 0), sRow("b", 7, 0.5, "q", 0), sRow("a", 4, 2.5, "r", 0), sRow("c", 1, 9, "s", 0), sRow("b", -9, 3, "t", 0)}
	for _, c := range []struct {
		sql  string
		want map[string]string
	}{
		{"CREATE STREAM o AS SELECT k FROM s GROUP BY k ORDER BY SUM(x) DESC LIMIT 2;", map[string]string{"a": `"a"`, "c": `"c"`}},
		{"CREATE STREAM o AS SELECT v, x FROM s ORDER BY 2 LIMIT 2;", map[string]string{"4": `"s"|1`, "5": `"t"|-9`}},
		{"CREATE STREAM o AS SELECT v FROM s ORDER BY d DESC LIMIT 2;", map[string]string{"4": `"s"`, "5": `"t"`}},
		{"CREATE STREAM o AS SELECT v FROM s LIMIT 2;", map[string]string{"1": `"p"`, "2": `"q"`}},
		{"CREATE STREAM o AS SELECT DISTINCT k FROM s ORDER BY k DESC LIMIT 2;", map[string]string{"b": `"b"`, "c": `"c"`}},
		{"CREATE STREAM o AS SELECT UPPER(v) AS u FROM s WHERE x > 0 ORDER BY u DESC LIMIT 1;", map[string]string{"4": `"S"`}},
	} {
		if got := feedTop(c.sql, in...); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s\n got %v\nwant %v", c.sql, got, c.want)
		}
	}
}

// TestTopNGroupCheckpoint: a GROUP BY under a Top-N is checkpointed with
// it; the restored pipeline emits what the original does afterwards.
func TestTopNGroupCheckpoint(t *testing.T) {
	const q = "CREATE STREAM o AS SELECT k, SUM(n) AS t FROM c GROUP BY k HAVING COUNT(*) > 1 ORDER BY t DESC, k LIMIT 3;"
	_, a := checkPipeline(t, kindsDecl+q)
	_, b := checkPipeline(t, kindsDecl+q)
	rng := rand.New(rand.NewPCG(5, 9))
	live := map[string]runtime.Row{}
	var c runtime.Ctx
	run := func(p *runtime.Pipeline, old, new runtime.Row, key string) string {
		out := strings.Join(changeText(p, p.ExecuteChange(&c, old, new, []byte(key), 0)), "\n")
		if c.Err != nil {
			t.Fatal(c.Err)
		}
		return out
	}
	for i := 0; i < 1000; i++ {
		key := fmt.Sprint("id", rng.IntN(20))
		var new runtime.Row
		if rng.IntN(4) != 0 {
			new = runtime.Row{runtime.String([]byte{byte('a' + rng.IntN(6))}), runtime.Int(rng.Int64N(50)), runtime.Null}
		}
		old := live[key]
		if old == nil && new == nil {
			continue
		}
		if i == 500 {
			snap, err := a.Stage.(runtime.Checkpointer).Snapshot(nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Stage.(runtime.Checkpointer).Restore(snap); err != nil {
				t.Fatal(err)
			}
		}
		ga := run(a, old, new, key)
		if i >= 500 {
			if gb := run(b, old, new, key); ga != gb {
				t.Fatalf("change %d: restored pipeline emits\n%s\nthe original\n%s", i, gb, ga)
			}
		}
		if new == nil {
			delete(live, key)
		} else {
			live[key] = new
		}
	}
}

// TestOrderByWithoutLimitWarns: ORDER BY without LIMIT is accepted with a
// warning at the ORDER BY (SPEC §2 "Composed queries"; it was refused) and
// orders nothing: the query runs as without it.
func TestOrderByWithoutLimitWarns(t *testing.T) {
	q, pipe := checkPipeline(t, kindsDecl+"CREATE STREAM o AS SELECT k, x FROM s WHERE x > 0 ORDER BY x DESC;")
	want := []string{"q.sql:3:51: ORDER BY without LIMIT does not order a continuous query's output (rows are published as they are computed): ignored; expected ORDER BY … LIMIT n for the top n rows"}
	if fmt.Sprint(q.Warnings()) != fmt.Sprint(want) {
		t.Errorf("warnings %q, want %q", q.Warnings(), want)
	}
	if q.OutputChangelog() || q.Kind != "stateless" {
		t.Errorf("kind %s, output %s", q.Kind, q.OutputKindText())
	}
	wantLines(t, feed(t, pipe, sRow("a", 1, 0, "", 0), sRow("b", 0, 0, "", 0), sRow("c", 3, 0, "", 0)), `"a"|1`, `"c"|3`)
	q, _ = checkPipeline(t, kindsDecl+"CREATE STREAM o AS SELECT k, x FROM s ORDER BY x DESC LIMIT 2;")
	if len(q.Warnings()) != 0 {
		t.Errorf("a Top-N warns %q", q.Warnings())
	}
}

// TestTopNOverWindows: ORDER BY … LIMIT over a windowed GROUP BY ranks the
// rows of every window (the batch query's answer: one global top n), for
// EMIT FINAL (rows appended as windows close, keyed by arrival number) and
// EMIT CHANGES (rows keyed by group key and window bounds).
func TestTopNOverWindows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var in []runtime.Row
	type cell struct {
		k  string
		ws int64
	}
	counts := map[cell]int64{}
	ts := int64(0)
	for i := 0; i < 400; i++ {
		ts += rng.Int64N(40)
		k := string(rune('a' + rng.IntN(4)))
		in = append(in, sRow(k, 1, 0, "", ts))
		counts[cell{k, ts / 100 * 100}]++
	}
	var cells []cell
	for c := range counts {
		cells = append(cells, c)
	}
	slices.SortFunc(cells, func(a, b cell) int {
		if counts[a] != counts[b] {
			return int(counts[b] - counts[a])
		}
		if a.k != b.k {
			return strings.Compare(a.k, b.k)
		}
		return int(a.ws - b.ws)
	})
	var want []string
	for _, c := range cells[:4] {
		want = append(want, fmt.Sprintf("%q|%s|%d", c.k, runtime.AppendValueJSON(nil, runtime.Value{T: runtime.TTimestamp, I: c.ws}), counts[c]))
	}
	slices.Sort(want)
	for _, emit := range []string{"EMIT FINAL", "EMIT CHANGES"} {
		sql := "CREATE STREAM o AS SELECT k, window_start AS ws, COUNT(*) AS n FROM s GROUP BY k, TUMBLE(ts, INTERVAL '100' MILLISECOND) " + emit + " ORDER BY n DESC, k, ws LIMIT 4;"
		q, pipe := checkPipeline(t, kindsDecl+sql)
		table := map[string]string{}
		var c runtime.Ctx
		apply := func(outs []runtime.Row) {
			for j, line := range rowText(outs) {
				if pipe.Ops()[j] == runtime.OpDelete {
					delete(table, string(pipe.Keys()[j]))
				} else {
					table[string(pipe.Keys()[j])] = line
				}
			}
		}
		for _, r := range in {
			apply(pipe.Execute(&c, r, r[4].I))
			apply(pipe.Advance(&c, r[4].I))
		}
		apply(pipe.Advance(&c, runtime.EndOfTime))
		if c.Err != nil {
			t.Fatal(c.Err)
		}
		var got []string
		for _, line := range table {
			got = append(got, line)
		}
		slices.Sort(got)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s (%s): got %v, want %v", emit, q.OutputKindText(), got, want)
		}
		kind := map[string]string{"EMIT FINAL": "changelog (key: arrival number)", "EMIT CHANGES": "changelog (key: k, ws, window_end)"}[emit]
		if q.OutputKindText() != kind {
			t.Errorf("%s: output %s, want %s", emit, q.OutputKindText(), kind)
		}
	}
}
