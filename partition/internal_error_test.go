package partition

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/velort/velort/planner"
	"github.com/velort/velort/runtime"
)

// internalErrorSQL: a stateless query and a GROUP BY over one stream.
const internalErrorSQL = `CREATE STREAM s (a BIGINT, b VARCHAR) WITH (subject = 'ie.s');
CREATE STREAM o WITH (subject = 'ie.o') AS SELECT a, b FROM s WHERE a >= 0;
CREATE STREAM g WITH (subject = 'ie.g') AS SELECT b, COUNT(*) AS n FROM s WHERE a >= 0 GROUP BY b;
`

// panickyLoop is the loop of query name over a real compiled pipeline
// whose WHERE panics on the record with a = 3 — a stand-in for a bug in
// an operator (the real operators are tested for what they compute
// elsewhere).
func panickyLoop(t *testing.T, name string) (*Loop, func() []string, func() []string) {
	t.Helper()
	nc := connectTo(t, startServer(t)).NC
	pl, err := planner.Parse("ie.sql", internalErrorSQL, planner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var q *planner.Query
	for _, x := range pl.Queries {
		if x.Name == name {
			q = x
		}
	}
	pipe, err := q.NewPipeline(0, planner.NewInstances(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	where := pipe.Filter
	pipe.Filter = func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		if r[0].I == 3 {
			var m map[string]int
			m["bug"]++ // assignment to entry in nil map
		}
		return where(c, r)
	}
	names := make([]string, len(q.Columns))
	for i, c := range q.Columns {
		names[i] = c.Name
	}
	l := New(nc, Config{Query: q.Name, Subject: q.Source.PartitionSubject(0), Schema: q.Source.Columns, Read: q.Read,
		TimeIdx: q.TimeIdx, DLQ: q.Source.DLQ, Pipeline: pipe, Logger: quietLog, EOFWriters: 1, Replay: true,
		Sink: Sink{Subjects: []string{q.Sink.Subject}, KeyIdx: q.Sink.KeyIdx, Columns: names}})
	out, dlq := subscribe(t, nc, q.Sink.Subject), subscribe(t, nc, q.Source.DLQ)
	if err := l.Subscribe(); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		if err := nc.Publish("ie.s", fmt.Appendf(nil, `{"a":%d,"b":"k%d"}`, i, i%2)); err != nil {
			t.Fatal(err)
		}
	}
	if err := nc.PublishMsg(NewEOF("ie.s")); err != nil {
		t.Fatal(err)
	}
	records := func() []string { // the sink's records, without its end-of-input marker
		var rs []string
		for _, c := range collect(t, nc, out, HeaderControl) {
			if c == "" {
				rs = append(rs, c)
			}
		}
		return rs
	}
	return l, records, func() []string { return collect(t, nc, dlq, HeaderError) }
}

func runFor(l *Loop) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return l.Run(ctx)
}

// TestInternalErrorInStatelessLoopGoesOn: a panic while a stateless loop
// processes a record dead-letters that record ("internal error: …"),
// counts it, and the loop goes on with the next: the other five records
// come out and the input ends normally. Without the guard the panic
// killed the process.
func TestInternalErrorInStatelessLoopGoesOn(t *testing.T) {
	l, outputs, deadLetters := panickyLoop(t, "o")
	if err := runFor(l); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := len(outputs()); n != 5 {
		t.Errorf("%d outputs, want 5 (every record but the one that met the bug)", n)
	}
	dl := deadLetters()
	if len(dl) != 1 || !strings.HasPrefix(dl[0], "internal error: assignment to entry in nil map") {
		t.Errorf("dead letters %q, want one with reason internal error: assignment to entry in nil map", dl)
	}
	if n := l.Stats.InternalErrors.Load(); n != 1 {
		t.Errorf("Stats.InternalErrors = %d, want 1", n)
	}
}

// TestInternalErrorInStatefulLoopStops: in a GROUP BY's loop the same
// panic dead-letters the record and stops the loop with an error naming
// the query and partition — its groups may be half updated — instead of
// going on with them, or killing the process.
func TestInternalErrorInStatefulLoopStops(t *testing.T) {
	l, _, deadLetters := panickyLoop(t, "g")
	err := runFor(l)
	if err == nil || !strings.Contains(err.Error(), "query g partition 0: internal error: assignment to entry in nil map") ||
		!strings.Contains(err.Error(), "the partition stopped") {
		t.Fatalf("Run: %v, want the partition stopped by an internal error", err)
	}
	if dl := deadLetters(); len(dl) != 1 || !strings.HasPrefix(dl[0], "internal error: ") {
		t.Errorf("dead letters %q, want the record that met the bug", dl)
	}
	if in := l.Stats.In.Load(); in != 4 {
		t.Errorf("took in %d records, want 4 (it stopped at the fourth)", in)
	}
}
