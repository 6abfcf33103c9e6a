package planner

import (
	"fmt"
	"testing"

	"github.com/velort/velort/runtime"
)

const joinSQL = `CREATE TABLE symbols (symbol VARCHAR PRIMARY KEY, name VARCHAR, sector VARCHAR) WITH (kv = 'symbols');
CREATE STREAM trades (symbol VARCHAR, price DOUBLE, qty BIGINT) WITH (subject = 'trades');
CREATE STREAM enriched WITH (subject = 'enriched') AS
SELECT t.symbol, s.name, s.sector, t.price * t.qty AS notional
FROM trades t LEFT JOIN symbols s ON t.symbol = s.symbol;`

// BenchmarkStreamTableJoin is a stream–table enrichment in engine mode:
// pre-built rows through the compiled pipeline, a 1,000-row table, 1 in 10
// trades without a match.
func BenchmarkStreamTableJoin(b *testing.B) {
	pl, err := Parse("join.sql", joinSQL, Options{})
	if err != nil {
		b.Fatal(err)
	}
	tab := pl.Table("symbols").Store
	for i := 0; i < 1000; i++ {
		sym := []byte(fmt.Sprintf("SYM%d", i))
		tab.Put(sym, runtime.Row{runtime.String(sym), runtime.String([]byte("Name")), runtime.String([]byte("Sector"))})
	}
	pipe, err := pl.Queries[0].NewPipeline(0, nil)
	if err != nil {
		b.Fatal(err)
	}
	rows := make([]runtime.Row, 1100)
	for i := range rows {
		rows[i] = runtime.Row{runtime.String([]byte(fmt.Sprintf("SYM%d", i))), runtime.Double(100), runtime.Int(int64(i))}
	}
	var ctx runtime.Ctx
	outs := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx.Reset()
		outs += len(pipe.Execute(&ctx, rows[i%len(rows)], 0))
	}
	if outs != b.N {
		b.Fatalf("%d outputs for %d records", outs, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkIntervalJoin: impressions and clicks alternate on 1,000 ads,
// one click per impression 30 s later, 10-minute bound, watermark advanced
// per record (engine mode).
func BenchmarkIntervalJoin(b *testing.B) {
	pl, err := Parse("j.sql", `
CREATE STREAM impressions (ad BIGINT, shown TIMESTAMP) WITH (subject = 'imp', key = 'ad', event_time = 'shown');
CREATE STREAM clicks (ad BIGINT, clicked TIMESTAMP) WITH (subject = 'clk', key = 'ad', event_time = 'clicked');
CREATE STREAM conversions WITH (subject = 'conv') AS
SELECT i.ad, i.shown, c.clicked FROM impressions i JOIN clicks c
  ON i.ad = c.ad AND c.clicked BETWEEN i.shown AND i.shown + INTERVAL '10' MINUTE;`, Options{})
	if err != nil {
		b.Fatal(err)
	}
	q := pl.Queries[0]
	left, _, _, _, _ := q.IntervalJoin()
	pipe, err := q.NewPipeline(0, nil)
	if err != nil {
		b.Fatal(err)
	}
	imp, clk := runtime.LeftSide, runtime.RightSide
	if left.Name == "clicks" {
		imp, clk = clk, imp
	}
	var ctx runtime.Ctx
	row := make(runtime.Row, 2)
	outs := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx.Reset()
		n := int64(i / 2)
		ts := n * 1000
		side := imp
		if i%2 == 1 {
			side, ts = clk, ts+30_000
		}
		row[0], row[1] = runtime.Int(n%1000), runtime.Timestamp(ts)
		outs += len(pipe.ExecuteSide(&ctx, side, row, ts))
		pipe.Advance(&ctx, n*1000-60_000)
	}
	if outs < b.N/2-1 {
		b.Fatalf("%d joins for %d records", outs, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
