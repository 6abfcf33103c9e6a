package engine

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

const handoverJoinSQL = `
CREATE STREAM imp (ad BIGINT, t TIMESTAMP) WITH (subject = 'hj.imp', event_time = 't');
CREATE STREAM clk (ad BIGINT, t TIMESTAMP) WITH (subject = 'hj.clk', event_time = 't');
CREATE STREAM conv WITH (subject = 'hj.conv') AS
SELECT i.ad FROM imp i JOIN clk c ON i.ad = c.ad AND c.t BETWEEN i.t AND i.t + INTERVAL '1' SECOND;
`

// TestIntervalJoinHandover: an interval join of two core NATS streams
// shared by two engines. Engine a takes in the impressions, then shuts
// down and hands the partition over; engine b takes in the clicks, and
// each joins the impression a kept: the join's rows moved with the
// handover, as a GROUP BY's groups do. Before interval joins had
// checkpoints, b started empty and joined nothing.
func TestIntervalJoinHandover(t *testing.T) {
	_, nc := testServer(t)
	open := func(id string) *Engine {
		e, err := Open(context.Background(), SQL("hj.sql", handoverJoinSQL), Options{Conn: nc, Logger: quiet, InstanceID: id, LeaseTTL: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	out, err := nc.SubscribeSync("hj.conv")
	if err != nil {
		t.Fatal(err)
	}
	const n = 10
	base := int64(1_700_000_000_000)
	a := open("a")
	aDone := runEngine(t, a)
	waitFor(t, "engine a to run the join", func() bool {
		return slices.Equal(a.Owned(), []string{"conv.0"}) && totalIn(a) == 0 && len(a.Stats()) == 1
	})
	for i := range n {
		if err := nc.Publish("hj.imp", fmt.Appendf(nil, `{"ad":%d,"t":%d}`, i, base+int64(i)*1000)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "engine a to take in the impressions", func() bool { return totalIn(a) == n })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := a.Shutdown(ctx); err != nil {
		t.Fatalf("a: Shutdown: %v", err)
	}
	if err := <-aDone; err != nil {
		t.Fatalf("a: Run: %v", err)
	}
	b := open("b")
	runEngine(t, b)
	waitFor(t, "engine b to take the join over", func() bool { return slices.Equal(b.Owned(), []string{"conv.0"}) && len(b.Stats()) == 1 })
	for i := range n {
		if err := nc.Publish("hj.clk", fmt.Appendf(nil, `{"ad":%d,"t":%d}`, i, base+int64(i)*1000+500)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "engine b to take in the clicks", func() bool { return totalIn(b) == n })
	var got []string
	for {
		m, err := out.NextMsg(500 * time.Millisecond)
		if err != nil {
			break
		}
		got = append(got, string(m.Data))
	}
	var want []string
	for i := range n {
		want = append(want, fmt.Sprintf(`{"ad":%d}`, i))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("joined after the handover:\n %q\nwant %q", got, want)
	}
}
