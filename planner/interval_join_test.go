package planner

import (
	"strings"
	"testing"

	"github.com/velort/velort/runtime"
)

// TestIntervalJoinPipeline: impressions joined with the clicks that follow
// them within 10 minutes, fed out of order from both sides; state is
// dropped once the watermark passes the interval.
func TestIntervalJoinPipeline(t *testing.T) {
	pl, err := Parse("j.sql", `
CREATE STREAM impressions (ad BIGINT, shown TIMESTAMP) WITH (subject = 'imp', key = 'ad', event_time = 'shown');
CREATE STREAM clicks (ad BIGINT, clicked TIMESTAMP) WITH (subject = 'clk', key = 'ad', event_time = 'clicked');
CREATE STREAM conversions WITH (subject = 'conv') AS
SELECT i.ad, i.shown, c.clicked
FROM impressions i JOIN clicks c
  ON i.ad = c.ad AND c.clicked BETWEEN i.shown AND i.shown + INTERVAL '10' MINUTE;`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := pl.Queries[0]
	left, right, lt, rt, ok := q.IntervalJoin()
	if !ok || lt != 1 || rt != 1 || left == right {
		t.Fatalf("join sides %s %s %d %d %v", left.Name, right.Name, lt, rt, ok)
	}
	imp, clk := runtime.LeftSide, runtime.RightSide // go-mysql-server may put either first
	if left.Name == "clicks" {
		imp, clk = clk, imp
	}
	// Output columns are i.ad, i.shown, c.clicked whatever the join order.
	pipe, err := q.NewPipeline(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	min := int64(60_000)
	var ctx runtime.Ctx
	var got []string
	feed := func(side int, ad, ts int64) {
		ctx.Reset()
		for _, r := range pipe.ExecuteSide(&ctx, side, runtime.Row{runtime.Int(ad), runtime.Timestamp(ts)}, ts) {
			got = append(got, string(runtime.AppendValueJSON(nil, r[0]))+"@"+string(runtime.AppendValueJSON(nil, r[1]))[15:20]+">"+string(runtime.AppendValueJSON(nil, r[2]))[15:20])
		}
	}
	feed(imp, 1, 0)                                                   // impression ad 1 at 00:00
	feed(clk, 1, 5*min)                                               // click at 00:05: joins
	feed(clk, 1, 11*min)                                              // click at 00:11: too late for it
	feed(clk, 2, 3*min)                                               // click for ad 2 before its impression
	feed(imp, 2, 1*min)                                               // impression at 00:01: joins the earlier click
	feed(imp, 1, 2*min)                                               // impression at 00:02: joins clicks at 00:05 and 00:11
	want := "1@00:00>05:00 2@01:00>03:00 1@02:00>05:00 1@02:00>11:00" // minutes:seconds
	if g := strings.Join(got, " "); g != want {
		t.Errorf("joined\n %s\nwant\n %s", g, want)
	}
	pipe.Advance(&ctx, 30*min)
	if n := pipe.Join.StateRows(); n != 0 {
		t.Errorf("%d rows still held after the watermark passed every interval", n)
	}
}

// TestJoinReadSets: a join decodes and keeps only the columns the query
// references (projection, filter, condition, keys, event times), per side.
func TestJoinReadSets(t *testing.T) {
	pl, err := Parse("r.sql", `
CREATE STREAM person (id BIGINT, name VARCHAR, email VARCHAR, city VARCHAR, ts TIMESTAMP, extra VARCHAR)
  WITH (subject = 'p', key = 'id', event_time = 'ts');
CREATE STREAM auction (id BIGINT, item VARCHAR, descr VARCHAR, seller BIGINT, category BIGINT, ts TIMESTAMP, extra VARCHAR)
  WITH (subject = 'a', key = 'seller', event_time = 'ts');
CREATE TABLE sellers (id BIGINT PRIMARY KEY, rating DOUBLE, bio VARCHAR) WITH (kv = 'sellers');
CREATE STREAM q8 WITH (subject = 'q8') AS
SELECT p.id, p.name, a.id AS auction
FROM person p JOIN auction a
  ON p.id = a.seller AND a.ts BETWEEN p.ts AND p.ts + INTERVAL '10' SECOND
WHERE a.category = 3;
CREATE STREAM rated WITH (subject = 'rated') AS
SELECT a.id, s.rating FROM auction a LEFT JOIN sellers s ON a.seller = s.id;`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	names := func(cols runtime.Schema, read []bool) string {
		var out []string
		for i, r := range read {
			if r {
				out = append(out, cols[i].Name)
			}
		}
		return strings.Join(out, ",")
	}
	q := pl.Queries[0]
	left, right, _, _, _ := q.IntervalJoin()
	got := map[string]string{
		left.Name:  names(left.Columns, q.SideRead(0)),
		right.Name: names(right.Columns, q.SideRead(1)),
	}
	want := map[string]string{"person": "id,name,ts", "auction": "id,seller,category,ts"}
	for s, w := range want {
		if got[s] != w {
			t.Errorf("interval join reads %s of %s, want %s", got[s], s, w)
		}
	}
	if r := names(q.Source.Columns, q.Read); r != want[q.Source.Name] {
		t.Errorf("source %s decodes %s, want %s", q.Source.Name, r, want[q.Source.Name])
	}
	if r := names(pl.Queries[1].Source.Columns, pl.Queries[1].Read); r != "id,seller,ts" {
		t.Errorf("stream–table join decodes %s of auction, want id,seller,ts", r)
	}

	// The WHERE on one side (pushed below the join by go-mysql-server)
	// holds, and unread columns are not kept.
	pipe, err := q.NewPipeline(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	str := func(s string) runtime.Value { return runtime.String([]byte(s)) }
	person := func(id, ts int64) runtime.Row {
		return runtime.Row{runtime.Int(id), str("ann"), str("a@x"), str("Oslo"), runtime.Timestamp(ts), str("pad")}
	}
	auction := func(id, seller, cat, ts int64) runtime.Row {
		return runtime.Row{runtime.Int(id), str("item"), str("long description"), runtime.Int(seller), runtime.Int(cat), runtime.Timestamp(ts), str("pad")}
	}
	pSide, aSide := runtime.LeftSide, runtime.RightSide
	if left.Name == "auction" {
		pSide, aSide = aSide, pSide
	}
	var ctx runtime.Ctx
	var joined []string
	feed := func(side int, r runtime.Row, ts int64) {
		ctx.Reset()
		for _, o := range pipe.ExecuteSide(&ctx, side, r, ts) {
			joined = append(joined, string(runtime.AppendValueJSON(nil, o[0]))+"/"+string(o[1].S)+"/"+string(runtime.AppendValueJSON(nil, o[2])))
		}
	}
	feed(pSide, person(7, 1000), 1000)
	feed(aSide, auction(100, 7, 3, 2000), 2000) // category 3: joins
	feed(aSide, auction(101, 7, 4, 3000), 3000) // category 4: filtered out
	feed(aSide, auction(102, 8, 3, 3000), 3000) // another seller
	if g := strings.Join(joined, " "); g != "7/ann/100" {
		t.Errorf("joined %q, want 7/ann/100", g)
	}
	if n := pipe.Join.StateRows(); n != 3 {
		t.Errorf("%d rows held, want 3 (the filtered auction is not kept)", n)
	}
}

// TestIntervalJoinSidesOnJetStream: an interval join of two JetStream
// streams plans (its loops read both through durable consumers and
// checkpoint); one of a JetStream and a core NATS stream is refused at
// the statement, saying what to write; so is one whose sides are not
// partitioned by the join key.
func TestIntervalJoinSidesOnJetStream(t *testing.T) {
	streams := func(bJS, bKey string) string {
		return `CREATE STREAM a (k BIGINT, t TIMESTAMP, v BIGINT) WITH (subject = 'a.{partition}', partitions = 2, key = 'k', jetstream = 'A', event_time = 't');
CREATE STREAM b (k BIGINT, t TIMESTAMP, w BIGINT) WITH (subject = 'b.{partition}', partitions = 2, key = '` + bKey + `'` + bJS + `, event_time = 't');
CREATE STREAM o WITH (subject = 'o', jetstream = 'O') AS
SELECT a.k, a.v, b.w FROM a JOIN b ON a.k = b.k AND b.t BETWEEN a.t AND a.t + INTERVAL '10' SECOND;`
	}
	pl, err := Parse("j.sql", streams(", jetstream = 'B'", "k"), Options{})
	if err != nil {
		t.Fatalf("both on JetStream: %v", err)
	}
	if _, _, _, _, ok := pl.Queries[0].IntervalJoin(); !ok {
		t.Fatal("not planned as an interval join")
	}
	for _, c := range []struct{ name, sql, want string }{
		{"mixed", streams("", "k"), "j.sql:4:1: an interval join reads both streams from JetStream or both from core NATS: a is on JetStream (A), b on core NATS; give b a jetstream = '…' too"},
		{"keyed otherwise", streams(", jetstream = 'B'", "w"), "must both be partitioned by the join key to be joined by an interval join"},
	} {
		_, err := Parse("j.sql", c.sql, Options{})
		if err == nil || !strings.HasPrefix(err.Error(), "j.sql:4:1: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v\nwant %s", c.name, err, c.want)
		}
	}
}
