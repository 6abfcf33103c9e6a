package planner

import (
	"testing"

	"github.com/velort/velort/runtime"
)

// BenchmarkArithmeticProjection is Nexmark q1's projection (a DECIMAL
// constant times a BIGINT column) plus BIGINT and DOUBLE column arithmetic
// and a DOUBLE filter: the checked arithmetic on the hot path.
func BenchmarkArithmeticProjection(b *testing.B) {
	pl, err := Parse("q1.sql", `CREATE STREAM bid (auction BIGINT, bidder BIGINT, price BIGINT, d DOUBLE) WITH (subject = 'bid');
CREATE STREAM o WITH (subject = 'o') AS
SELECT auction, 0.908 * price AS eur, auction + bidder AS s, d * 1.5 AS f FROM bid WHERE d > 1;`, Options{})
	if err != nil {
		b.Fatal(err)
	}
	pipe, err := pl.Queries[0].NewPipeline(0, nil)
	if err != nil {
		b.Fatal(err)
	}
	rows := make([]runtime.Row, 1024)
	for i := range rows {
		rows[i] = runtime.Row{runtime.Int(int64(i)), runtime.Int(int64(i * 7)), runtime.Int(int64(1000 + i)), runtime.Double(float64(2 + i%100))}
	}
	var ctx runtime.Ctx
	b.ReportAllocs()
	b.ResetTimer()
	outs := 0
	for i := 0; i < b.N; i++ {
		ctx.Reset()
		outs += len(pipe.Execute(&ctx, rows[i&1023], 0))
	}
	if outs != b.N {
		b.Fatalf("%d outputs for %d records", outs, b.N)
	}
}
