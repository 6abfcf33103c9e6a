package mysqlserve

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/velort/velort/runtime"
)

// BenchmarkQuery100kRows measures whole queries over a 100 000-row table:
// the snapshot copy, the conversion to go-mysql-server rows and the engine.
func BenchmarkQuery100kRows(b *testing.B) {
	const n = 100_000
	rows := make([]runtime.Row, n)
	for i := range rows {
		rows[i] = runtime.Row{str(fmt.Sprintf("k%06d", i)), runtime.Int(int64(i)), runtime.Decimal(int64(i), 2), runtime.Timestamp(int64(i))}
	}
	schema := runtime.Schema{{Name: "k", Type: runtime.TString}, {Name: "v", Type: runtime.TInt},
		{Name: "d", Type: runtime.TDecimal, Precision: 12, Scale: 2}, {Name: "ts", Type: runtime.TTimestamp}}
	tbl := StaticTable("big", schema, func() []runtime.Row { return append([]runtime.Row(nil), rows...) })
	s, err := Serve(context.Background(), Options{Addr: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		func() []Table { return []Table{tbl} })
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	db, err := sql.Open("mysql", "root:@tcp("+s.Addr()+")/velort")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"SELECT COUNT(*), SUM(v) FROM big WHERE v % 2 = 0",
		"SELECT k, v FROM big ORDER BY v DESC LIMIT 10",
		"SELECT k FROM big LIMIT 10",
	} {
		b.Run(q, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				r, err := db.Query(q)
				if err != nil {
					b.Fatal(err)
				}
				for r.Next() {
				}
				r.Close()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/row")
		})
	}
}
