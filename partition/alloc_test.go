package partition

import (
	"context"
	"runtime"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/planner"
	"github.com/velort/velort/transport"
)

// TestLoopRecordDoesNotAllocate: a record through a partition loop —
// decode, the partition-key check of a keyed stateful query, execute,
// encode, publish over NATS — allocates nothing, for a stateless
// projection and for a keyed GROUP BY on an existing group (whose
// changelog output allocates only inside nats.go's header encoding).
func TestLoopRecordDoesNotAllocate(t *testing.T) {
	nc := connectTo(t, startServer(t)).NC
	pl, err := planner.Parse("a.sql", `CREATE STREAM s (k VARCHAR, v BIGINT) WITH (subject = 'al.in.{partition}', partitions = 4, key = 'k');
CREATE STREAM proj WITH (subject = 'al.proj') AS SELECT k, v * 2 AS w FROM s WHERE v > 0;
CREATE STREAM agg WITH (subject = 'al.agg') AS SELECT k, COUNT(*) AS n, SUM(v) AS total FROM s GROUP BY k EMIT CHANGES;`, planner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := transport.PartitionOfString("AAPL", 4)
	for _, q := range pl.Queries {
		pipe, err := q.NewPipeline(p, planner.NewInstances(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
		names := make([]string, len(q.Columns))
		for i, c := range q.Columns {
			names[i] = c.Name
		}
		l := New(nc, Config{Query: q.Name, Partition: p, Subject: q.Source.PartitionSubject(p), Schema: q.Source.Columns, Read: q.Read,
			TimeIdx: q.TimeIdx, DLQ: q.Source.DLQ, Pipeline: pipe, Logger: quietLog,
			Sink:      Sink{Subjects: []string{q.Sink.Subject}, Columns: names},
			SourceKey: q.Source.KeyIdx, SourcePartitions: q.Source.Partitions})
		if q.Name == "agg" && l.route == nil {
			t.Fatal("the keyed GROUP BY does not check partition keys")
		}
		m := &nats.Msg{Subject: l.cfg.Subject, Data: []byte(`{"k":"AAPL","v":7}`)}
		if err := l.process(m); err != nil {
			t.Fatal(err)
		}
		// A changelog output (agg: GROUP BY … EMIT CHANGES) carries the
		// Velort-Op and Velort-Key headers, which nats.go's PublishMsg
		// encodes into buffers of its own (and the in-process server
		// allocates for, on its own goroutines: counted up to a flush): the
		// loop may allocate what a bare PublishMsg of such a message does,
		// and nothing more.
		calls := 0
		if q.OutputChangelog() {
			h := &nats.Msg{Subject: "al.bare", Data: []byte(`{"k":"AAPL","n":1,"total":7}`),
				Header: nats.Header{HeaderOp: []string{"upsert"}, HeaderKey: []string{"AAPL"}}}
			want := allocsFlushed(t, nc, func() { _ = nc.PublishMsg(h) })
			if a := allocsFlushed(t, nc, func() { calls++; _ = l.process(m) }); a > want {
				t.Errorf("%s: %v allocations per record, want at most %v (a bare PublishMsg)", q.Name, a, want)
			}
		} else if a := leastAllocsPerRun(1000, func() { calls++; _ = l.process(m) }); a != 0 {
			t.Errorf("%s: %v allocations per record", q.Name, a)
		}
		if l.Stats.Out.Load() != uint64(calls)+1 || l.Stats.DeadLettered.Load() != 0 {
			t.Errorf("%s: %d outputs, %d dead letters", q.Name, l.Stats.Out.Load(), l.Stats.DeadLettered.Load())
		}
	}
}

// leastAllocsPerRun is the least of 5 testing.AllocsPerRun(runs, f): the
// count is of the whole process, and the in-process NATS server's
// goroutines allocate now and then for the messages f publishes (on a
// loaded machine, once in a few dozen runs, enough for a whole allocation
// per call in one count). An allocation of f's own is in every count.
func leastAllocsPerRun(runs int, f func()) float64 {
	least := testing.AllocsPerRun(runs, f)
	for i := 1; i < 5 && least > 0; i++ {
		least = min(least, testing.AllocsPerRun(runs, f))
	}
	return least
}

// allocsFlushed is testing.AllocsPerRun(1000, f) counting, as well, what
// the in-process NATS server allocates for the messages f published: the
// count ends after a flush (the server has processed them), and whole
// allocations per call are reported (a flush's own few vanish in 1000).
func allocsFlushed(t *testing.T, nc *nats.Conn, f func()) uint64 {
	t.Helper()
	f() // warm up, as AllocsPerRun does
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 1000 {
		f()
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	return (after.Mallocs - before.Mallocs) / 1000
}

// BenchmarkLoopRecord is one record through a loop (see
// TestLoopRecordDoesNotAllocate): proj is a filter and projection, agg a
// keyed GROUP BY with the partition-key check; projnone and aggnone output
// nothing (the loop's own cost, without NATS).
func BenchmarkLoopRecord(b *testing.B) {
	nc := connectTo(b, startServerTB(b)).NC
	pl, err := planner.Parse("a.sql", `CREATE STREAM s (k VARCHAR, v BIGINT) WITH (subject = 'al.in.{partition}', partitions = 4, key = 'k');
CREATE STREAM proj WITH (subject = 'al.proj') AS SELECT k, v * 2 AS w FROM s WHERE v > 0;
CREATE STREAM projnone WITH (subject = 'al.none') AS SELECT k, v * 2 AS w FROM s WHERE v < 0;
CREATE STREAM agg WITH (subject = 'al.agg') AS SELECT k, COUNT(*) AS n, SUM(v) AS total FROM s GROUP BY k EMIT CHANGES;
CREATE STREAM aggnone WITH (subject = 'al.aggnone') AS SELECT k, COUNT(*) AS n FROM s GROUP BY k HAVING COUNT(*) < 0 EMIT CHANGES;`, planner.Options{})
	if err != nil {
		b.Fatal(err)
	}
	p := transport.PartitionOfString("AAPL", 4)
	for _, q := range pl.Queries {
		pipe, err := q.NewPipeline(p, planner.NewInstances(context.Background()))
		if err != nil {
			b.Fatal(err)
		}
		names := make([]string, len(q.Columns))
		for i, c := range q.Columns {
			names[i] = c.Name
		}
		l := New(nc, Config{Query: q.Name, Partition: p, Subject: q.Source.PartitionSubject(p), Schema: q.Source.Columns, Read: q.Read,
			TimeIdx: q.TimeIdx, DLQ: q.Source.DLQ, Pipeline: pipe, Logger: quietLog,
			Sink:      Sink{Subjects: []string{q.Sink.Subject}, Columns: names},
			SourceKey: q.Source.KeyIdx, SourcePartitions: q.Source.Partitions})
		m := &nats.Msg{Subject: l.cfg.Subject, Data: []byte(`{"k":"AAPL","v":7}`)}
		b.Run(q.Name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				_ = l.process(m)
			}
		})
	}
}
