package partition

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/velort/velort/planner"
)

// TestIntervalJoinDropsPassedRows: an interval join with nothing after it
// (no GROUP BY) drops the rows its watermark has passed, so it holds only
// the rows of the last interval. The loop's watermark moved only a stage,
// so such a join kept every row it was ever given.
func TestIntervalJoinDropsPassedRows(t *testing.T) {
	emb := startServer(t)
	conn := connectTo(t, emb)
	nc := conn.NC
	pl, err := planner.Parse("j.sql", `
CREATE STREAM a (k BIGINT, t TIMESTAMP, v BIGINT) WITH (subject = 'tj.a', event_time = 't');
CREATE STREAM b (k BIGINT, t TIMESTAMP, w BIGINT) WITH (subject = 'tj.b', event_time = 't');
CREATE STREAM o WITH (subject = 'tj.o') AS
SELECT a.k, a.v, b.w FROM a JOIN b ON a.k = b.k AND b.t BETWEEN a.t AND a.t + INTERVAL '1' SECOND;`, planner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := pl.Queries[0]
	pipe, err := q.NewPipeline(0, planner.NewInstances(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	left, right, lt, rt, _ := q.IntervalJoin()
	j := &Joined{Side: 0, TimeIdx: lt, OtherTime: rt, Schema: right.Columns, Read: q.SideRead(1), Subject: right.PartitionSubject(0)}
	if right == q.Source {
		j = &Joined{Side: 1, TimeIdx: rt, OtherTime: lt, Schema: left.Columns, Read: q.SideRead(0), Subject: left.PartitionSubject(0)}
	}
	l := New(nc, Config{Query: q.Name, Subject: q.Source.PartitionSubject(0), Schema: q.Source.Columns, Read: q.Read,
		TimeIdx: q.TimeIdx, Pipeline: pipe, Logger: quietLog, Joined: j, EOFWriters: 2, Replay: true,
		Sink: Sink{Subjects: []string{"tj.o"}, Columns: []string{"k", "v", "w"}}})
	if err := l.Subscribe(); err != nil {
		t.Fatal(err)
	}
	const n = 2000
	for i := range n { // 10 ms apart, 10 keys: each a row pairs with the b rows of its key in the next second
		for _, s := range []string{"a", "b"} {
			col := map[string]string{"a": "v", "b": "w"}[s]
			if err := nc.Publish("tj."+s, fmt.Appendf(nil, `{"k":%d,"t":%d,"%s":%d}`, i%10, 1_700_000_000_000+int64(i)*10, col, i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, s := range []string{"tj.a", "tj.b"} {
		if err := nc.PublishMsg(NewEOF(s)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := l.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if in := l.Stats.In.Load(); in != 2*n {
		t.Fatalf("took in %d records, want %d", in, 2*n)
	}
	// Pairs: an a row at i with the b rows of its key at i, i+10, …, i+100.
	if out, want := l.Stats.Out.Load(), uint64(11*n-(1+2+3+4+5+6+7+8+9+10)*10); out != want {
		t.Errorf("%d joined rows, want %d", out, want)
	}
	if held := pipe.Join.StateRows(); held > 2*110 {
		t.Errorf("%d rows held after 2 × %d records 10 ms apart, want at most those of the last 1.1 s (220)", held, n)
	}
}
