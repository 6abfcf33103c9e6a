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
