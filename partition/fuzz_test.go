package partition

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/planner"
)

// fuzzSQL: stateless projections (each record gives exactly one output or
// one dead letter) and a windowed aggregate (no panic, no error).
const fuzzSQL = `
CREATE STREAM fin (id BIGINT, s VARCHAR, n BIGINT, x DOUBLE, ts TIMESTAMP) WITH (subject = 'fz.in', event_time = 'ts');
CREATE STREAM fplain (id BIGINT, s VARCHAR, n BIGINT, x DOUBLE, b BOOLEAN) WITH (subject = 'fz.plain');
CREATE STREAM fproj WITH (subject = 'fz.proj') AS
  SELECT id, UPPER(s) AS u, CONCAT(s, '-', CAST(n AS CHAR)) AS c, n * 2 + 1 AS m, ROUND(x, 2) AS r,
         SUBSTRING(s, 2, 3) AS sub, LENGTH(s) AS len, ts FROM fin;
CREATE STREAM fcase WITH (subject = 'fz.case') AS
  SELECT id, CASE WHEN n > 10 THEN 'big' ELSE 'small' END AS k, COALESCE(s, 'none') AS s2,
         IF(b, x / n, x * n) AS q, ABS(n - id) AS d, CAST(s AS SIGNED) AS si, CAST(x AS DECIMAL(10,2)) AS dx FROM fplain;
CREATE STREAM fagg WITH (subject = 'fz.agg') AS
  SELECT s, window_start, COUNT(*) AS cnt, SUM(n) AS total, MAX(x) AS mx
  FROM fin GROUP BY s, TUMBLE(ts, INTERVAL '1' SECOND);
`

// FuzzRecordThroughLoop feeds arbitrary bytes as a record into compiled
// pipelines' partition loops (decode → execute → encode → publish over an
// embedded NATS server): no panic, no error that would stop the loop, and
// for stateless queries exactly one output (valid JSON) or one dead letter
// per record. `go test` runs the seed corpus; `go test -fuzz
// FuzzRecordThroughLoop ./partition` explores.
func FuzzRecordThroughLoop(f *testing.F) {
	for _, s := range []string{
		`{"id":1,"s":"abc","n":5,"x":1.5,"ts":1700000000000,"b":true}`,
		`{"id":2,"s":"12","n":0,"x":0,"ts":"2024-01-01T00:00:00Z","b":false}`,
		`{"id":9223372036854775807,"s":"é\u0000\"","n":-9223372036854775808,"x":1e308,"ts":-1}`,
		`{"id":null,"s":null,"n":null,"x":null,"ts":null,"b":null}`,
		`{"id":"7","n":"x","x":"NaN"}`,
		`{"s":{"nested":[1,2,{"a":null}]},"n":[1],"x":{}}`,
		`{"id":1e400,"n":1.5e19,"x":-0.0}`,
		`[1,2,3]`, `"str"`, `42`, `null`, `{`, `{"id":1,}`, `{"id":1}{"id":2}`, ``, ` `,
		"{\"s\":\"\xff\xfe\"}",
		`{"s":"` + string(make([]byte, 300)) + `"}`,
		`{"id":1,"id":2,"ID":3}`,
		`{"ts":99999999999999999999}`,
	} {
		f.Add([]byte(s))
	}
	nc := connectTo(f, startServerTB(f)).NC
	pl, err := planner.Parse("fuzz.sql", fuzzSQL, planner.Options{})
	if err != nil {
		f.Fatal(err)
	}
	type target struct {
		loop      *Loop
		stateless bool
	}
	var targets []target
	for _, q := range pl.Queries {
		pipe, err := q.NewPipeline(0, planner.NewInstances(context.Background()))
		if err != nil {
			f.Fatal(err)
		}
		names := make([]string, len(q.Columns))
		for i, c := range q.Columns {
			names[i] = c.Name
		}
		l := New(nc, Config{
			Query: q.Name, Subject: q.Source.Subject, Schema: q.Source.Columns, Read: q.Read, TimeIdx: q.TimeIdx,
			DLQ: q.Source.DLQ, Pipeline: pipe, Logger: quietLog,
			Sink: Sink{Subjects: []string{q.Sink.Subject}, Columns: names},
		})
		targets = append(targets, target{l, q.Kind == "stateless"})
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, tg := range targets {
			l := tg.loop
			before := l.Stats.Out.Load() + l.Stats.DeadLettered.Load()
			outBefore := l.Stats.Out.Load()
			if err := l.process(&nats.Msg{Subject: l.cfg.Subject, Data: data}); err != nil {
				t.Fatalf("%s: %q stopped the loop: %v", l.cfg.Query, data, err)
			}
			if !tg.stateless {
				continue
			}
			if got := l.Stats.Out.Load() + l.Stats.DeadLettered.Load() - before; got != 1 {
				t.Fatalf("%s: %q gave %d outputs and dead letters, want 1", l.cfg.Query, data, got)
			}
			if l.Stats.Out.Load() > outBefore && !json.Valid(l.out) {
				t.Fatalf("%s: %q gave an output that is not JSON: %q", l.cfg.Query, data, l.out)
			}
		}
	})
}
