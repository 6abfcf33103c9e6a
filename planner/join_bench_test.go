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
