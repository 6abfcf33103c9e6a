package partition

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/planner"
)

// nativeLoops plans sql and returns a loop per query, on partition 0.
func nativeLoops(tb testing.TB, nc *nats.Conn, sql string) map[string]*Loop {
	tb.Helper()
	pl, err := planner.Parse("a.sql", sql, planner.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]*Loop{}
	for _, q := range pl.Queries {
		pipe, err := q.NewPipeline(0, planner.NewInstances(context.Background()))
		if err != nil {
			tb.Fatal(err)
		}
		names := make([]string, len(q.Columns))
		for i, c := range q.Columns {
			names[i] = c.Name
		}
		out[q.Name] = New(nc, Config{Query: q.Name, Subject: q.Source.PartitionSubject(0), Schema: q.Source.Columns, Read: q.Read,
			TimeIdx: q.TimeIdx, DLQ: q.Source.DLQ, Pipeline: pipe, Logger: quietLog, Format: q.Source.PayloadFormat,
			Sink: Sink{Subjects: []string{q.Sink.Subject}, Columns: names, Format: q.Sink.PayloadFormat, Schema: q.Columns}})
	}
	return out
}

const nativeSQL = `
CREATE STREAM s (k VARCHAR, v BIGINT, site VARCHAR METADATA FROM 'subject.2', dev VARCHAR METADATA FROM 'subject.4',
  trace VARCHAR METADATA FROM 'header.Trace-Id', n BIGINT METADATA FROM 'header.N') WITH (subject = 'plant.*.sensor.*');
CREATE STREAM proj WITH (subject = 'nat.proj') AS SELECT k, dev, trace, v * n AS w FROM s WHERE site = 'north' AND v > 0;
CREATE STREAM tokens WITH (subject = 'nat.tokens') AS SELECT k FROM s WHERE dev = 'nope';
CREATE STREAM sites WITH (subject = 'nat.sites') AS SELECT k FROM s WHERE site = 'nope';
CREATE STREAM plain WITH (subject = 'nat.plain') AS SELECT k FROM s WHERE k = 'nope';
CREATE STREAM c (k VARCHAR, v BIGINT, d DOUBLE) WITH (subject = 'nat.csv', format = 'csv');
CREATE STREAM csvout WITH (subject = 'nat.csvout', format = 'csv') AS SELECT k, v * 2 AS w, d FROM c WHERE v > 0;
`

// TestNativeRecordDoesNotAllocate: metadata columns (subject tokens, a
// header as text and as a BIGINT) and the csv format in and out add no
// allocation per record.
func TestNativeRecordDoesNotAllocate(t *testing.T) {
	nc := connectTo(t, startServer(t)).NC
	loops := nativeLoops(t, nc, nativeSQL)
	m := &nats.Msg{Subject: "plant.north.sensor.d7", Data: []byte(`{"k":"AAPL","v":7,"dev":"WRONG"}`),
		Header: nats.Header{"Trace-Id": []string{"t-1"}, "N": []string{"3"}}}
	for name, in := range map[string]*nats.Msg{"proj": m, "csvout": {Subject: "nat.csv", Data: []byte(`AAPL,7,"1.5"`)}} {
		l := loops[name]
		if err := l.process(in); err != nil {
			t.Fatal(err)
		}
		calls := 0
		if a := leastAllocsPerRun(1000, func() { calls++; _ = l.process(in) }); a != 0 && !raceOn {
			t.Errorf("%s: %v allocations per record", name, a)
		}
		if l.Stats.Out.Load() != uint64(calls)+1 || l.Stats.DeadLettered.Load() != 0 {
			t.Errorf("%s: %d outputs, %d dead letters", name, l.Stats.Out.Load(), l.Stats.DeadLettered.Load())
		}
	}
	l := loops["proj"]
	if err := l.decodeNative(m, l.row, false); err != nil {
		t.Fatal(err)
	}
	if got := string(l.row[3].S) + "/" + string(l.row[2].S) + "/" + string(l.row[4].S); got != "d7/north/t-1" || l.row[5].I != 3 {
		t.Errorf("metadata columns: %s, n = %v", got, l.row[5])
	}
}

// BenchmarkMetadataColumns: the cost per record of metadata columns is
// tokens minus plain (the same loop, filtering on a subject token instead
// of a payload field); BenchmarkMetadataDecode isolates the decode.
func BenchmarkMetadataColumns(b *testing.B) {
	nc := connectTo(b, startServerTB(b)).NC
	loops := nativeLoops(b, nc, nativeSQL)
	m := &nats.Msg{Subject: "plant.north.sensor.d7", Data: []byte(`{"k":"AAPL","v":7}`)}
	for _, name := range []string{"plain", "tokens"} {
		l := loops[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				_ = l.process(m)
			}
		})
	}
}

// BenchmarkMetadataDecode: the cost per record of a subject-token column
// through the loop's decode (decodeIn: count, decode the payload, fill the
// metadata columns, event time) is subject4 minus without: the same
// stream and payload, a query that reads the token column dev
// (`METADATA FROM 'subject.4'` of `plant.*.sensor.*`) and one that does
// not; both decode the same payload field. subject2 reads site (token 2,
// found from the start) instead.
func BenchmarkMetadataDecode(b *testing.B) {
	nc := connectTo(b, startServerTB(b)).NC
	loops := nativeLoops(b, nc, nativeSQL)
	m := &nats.Msg{Subject: "plant.north.sensor.d7", Data: []byte(`{"k":"AAPL","v":7}`)}
	for _, c := range []struct{ name, loop string }{{"without", "plain"}, {"subject4", "tokens"}, {"subject2", "sites"}} {
		l := loops[c.loop]
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if _, ok, _ := l.decodeIn(m); !ok {
					b.Fatal("dead letter")
				}
			}
		})
	}
}
