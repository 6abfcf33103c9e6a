package mysqlserve

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/velort/velort/runtime"
)

// liveTable is a table whose rows the test changes while the server runs.
type liveTable struct {
	name      string
	schema    runtime.Schema
	mu        sync.Mutex
	rows      []runtime.Row
	snapshots int
}

func (t *liveTable) Name() string           { return t.name }
func (t *liveTable) Schema() runtime.Schema { return t.schema }
func (t *liveTable) Snapshot() []runtime.Row {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.snapshots++
	return append([]runtime.Row(nil), t.rows...)
}

func (t *liveTable) set(rows []runtime.Row) {
	t.mu.Lock()
	t.rows = rows
	t.mu.Unlock()
}

func str(s string) runtime.Value { return runtime.String([]byte(s)) }

// volumeTable is a materialized-table-like fixture covering every type.
func volumeTable() *liveTable {
	ts := time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC).UnixMilli()
	return &liveTable{
		name: "volume",
		schema: runtime.Schema{
			{Name: "symbol", Type: runtime.TString},
			{Name: "volume", Type: runtime.TInt},
			{Name: "avg_price", Type: runtime.TDecimal, Precision: 12, Scale: 2},
			{Name: "last_ts", Type: runtime.TTimestamp},
			{Name: "active", Type: runtime.TBool},
			{Name: "meta", Type: runtime.TJSON},
			{Name: "ratio", Type: runtime.TDouble},
		},
		rows: []runtime.Row{
			{str("AAPL"), runtime.Int(300), runtime.Decimal(18525, 2), runtime.Timestamp(ts + 1), runtime.Bool(true), {T: runtime.TJSON, S: []byte(`{"venue":"X"}`)}, runtime.Double(0.5)},
			{str("MSFT"), runtime.Int(120), runtime.Decimal(41010, 2), runtime.Timestamp(ts + 2), runtime.Bool(false), runtime.Null, runtime.Double(1.25)},
			{str("GOOG"), runtime.Int(75), runtime.Decimal(14200, 2), runtime.Timestamp(ts + 3), runtime.Bool(true), {T: runtime.TJSON, S: []byte(`[1,2]`)}, runtime.Null},
			{str("TSLA"), runtime.Int(510), runtime.Decimal(2501, 1), runtime.Timestamp(ts + 4), runtime.Bool(true), runtime.Null, runtime.Double(2)},
		},
	}
}

func symbolsTable() *liveTable {
	return &liveTable{
		name:   "symbols",
		schema: runtime.Schema{{Name: "symbol", Type: runtime.TString}, {Name: "sector", Type: runtime.TString}},
		rows: []runtime.Row{
			{str("AAPL"), str("tech")}, {str("MSFT"), str("tech")}, {str("TSLA"), str("auto")},
		},
	}
}

// startServer serves tables on a random loopback port until the test ends.
func startServer(t *testing.T, opts Options, tables func() []Table) *Server {
	t.Helper()
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := Serve(context.Background(), opts, tables)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// open connects with go-sql-driver/mysql.
func open(t *testing.T, s *Server, user, password string) *sql.DB {
	t.Helper()
	return openDSN(t, fmt.Sprintf("%s:%s@tcp(%s)/velort?parseTime=true", user, password, s.Addr()))
}

func openDSN(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
