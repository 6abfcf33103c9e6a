package partition

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/planner"
)

// TestAnnouncedProgressCountsEveryOutput: a stage writer announcing the
// largest event time it published (Sink.Announce with a TimeIdx) counts
// the outputs of every processor, the plain one's per-record outputs
// included, since the announcing outlet sees every publish.
func TestAnnouncedProgressCountsEveryOutput(t *testing.T) {
	nc := connectTo(t, startServer(t)).NC
	pl, err := planner.Parse("a.sql", `CREATE STREAM s (k VARCHAR, ts BIGINT) WITH (subject = 'an.in', event_time = 'ts');
CREATE STREAM o WITH (subject = 'an.out') AS SELECT k, ts FROM s WHERE ts > 0;`, planner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := pl.Queries[0]
	pipe, err := q.NewPipeline(0, planner.NewInstances(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	l := New(nc, Config{Query: q.Name, Subject: q.Source.Subject, Schema: q.Source.Columns, Read: q.Read,
		TimeIdx: q.TimeIdx, DLQ: q.Source.DLQ, Pipeline: pipe, Logger: quietLog,
		Sink: Sink{Subjects: []string{q.Sink.Subject}, Columns: []string{"k", "ts"}, Announce: &Announce{TimeIdx: 1}}})
	for _, rec := range []string{`{"k":"a","ts":1000}`, `{"k":"b","ts":3000}`, `{"k":"c","ts":2000}`, `{"k":"d","ts":-5}`} {
		if err := l.process(&nats.Msg{Subject: q.Source.Subject, Data: []byte(rec)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := l.progress(); got != 3000 || l.Stats.Out.Load() != 3 {
		t.Errorf("announced progress %d after %d outputs, want 3000 after 3", got, l.Stats.Out.Load())
	}
}
