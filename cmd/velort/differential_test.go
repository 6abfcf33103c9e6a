package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/velort/velort/internal/testseeds"
)

// TestDifferentialAgainstSQLite generates several thousand trades over four
// partitions, runs TUMBLE and HOP windows (EMIT FINAL) and a ROWS frame
// through velort, and checks every result row against the same
// aggregation computed as a batch query by SQLite.
func TestDifferentialAgainstSQLite(t *testing.T) {
	for i := range testseeds.N(t, 1) {
		t.Run(fmt.Sprintf("seed=%d", i), func(t *testing.T) { differentialAgainstSQLite(t, rand.New(rand.NewSource(7+int64(i)))) })
	}
}

func differentialAgainstSQLite(t *testing.T, rng *rand.Rand) {
	dir := t.TempDir()
	const n = 6000
	type trade struct {
		symbol, venue string
		price         float64
		qty, ts, seq  int64
	}
	trades := make([]trade, n)
	var lines []string
	ts := int64(1_700_000_000_000)
	for i := range trades {
		ts += int64(rng.Intn(900)) // in order, irregular gaps
		tr := trade{
			symbol: fmt.Sprintf("S%02d", rng.Intn(12)),
			venue:  []string{"XNAS", "XNYS", "BATS"}[rng.Intn(3)],
			price:  float64(100+rng.Intn(5000)) / 4,
			qty:    int64(1 + rng.Intn(300)),
			ts:     ts, seq: int64(i),
		}
		trades[i] = tr
		b, _ := json.Marshal(map[string]any{"symbol": tr.symbol, "venue": tr.venue, "price": tr.price, "qty": tr.qty, "ts": tr.ts})
		lines = append(lines, string(b))
	}
	in := filepath.Join(dir, "trades.jsonl")
	os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	query := filepath.Join(dir, "q.sql")
	os.WriteFile(query, []byte(`
CREATE STREAM trades (symbol VARCHAR, venue VARCHAR, price DOUBLE, qty BIGINT, ts TIMESTAMP)
WITH (subject = 'd.trades.{partition}', partitions = 4, key = 'symbol', event_time = 'ts');
CREATE STREAM tumble_out WITH (subject = 'd.tumble') AS
SELECT symbol, window_start, COUNT(*) AS n, SUM(qty) AS volume, AVG(price) AS avg_price, MIN(price) AS low, MAX(price) AS high
FROM trades GROUP BY symbol, TUMBLE(ts, INTERVAL '10' SECOND);
CREATE STREAM hop_out WITH (subject = 'd.hop') AS
SELECT venue, window_start, COUNT(*) AS n, SUM(qty) AS volume
FROM trades GROUP BY venue, HOP(ts, INTERVAL '5' SECOND, INTERVAL '20' SECOND);
CREATE STREAM rows_out WITH (subject = 'd.rows') AS
SELECT symbol, ts, AVG(price) OVER (PARTITION BY symbol ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS avg10,
       MIN(qty) OVER (PARTITION BY symbol ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS min10
FROM trades;
`), 0o644)
	outs := map[string]string{}
	var f runFlags
	f.replay = []string{"trades=" + in}
	for _, s := range []string{"tumble_out", "hop_out", "rows_out"} {
		outs[s] = filepath.Join(dir, s+".jsonl")
		f.capture = append(f.capture, s+"="+outs[s])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := runFile(ctx, query, f, os.Stdout); err != nil {
		t.Fatal(err)
	}

	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	mustExec(t, db, "CREATE TABLE trades (symbol TEXT, venue TEXT, price REAL, qty INTEGER, ts INTEGER, seq INTEGER)")
	tx, _ := db.Begin()
	for _, tr := range trades {
		if _, err := tx.Exec("INSERT INTO trades VALUES (?,?,?,?,?,?)", tr.symbol, tr.venue, tr.price, tr.qty, tr.ts, tr.seq); err != nil {
			t.Fatal(err)
		}
	}
	tx.Commit()

	compare(t, "tumble", outs["tumble_out"], db, `
SELECT symbol, (ts / 10000) * 10000 AS ws, COUNT(*), SUM(qty), AVG(price), MIN(price), MAX(price)
FROM trades GROUP BY symbol, ws`, []string{"symbol", "window_start", "n", "volume", "avg_price", "low", "high"})
	compare(t, "hop", outs["hop_out"], db, `
WITH k(k) AS (VALUES (0),(1),(2),(3))
SELECT venue, (ts / 5000) * 5000 - k * 5000 AS ws, COUNT(*), SUM(qty)
FROM trades, k GROUP BY venue, ws`, []string{"venue", "window_start", "n", "volume"})
	compare(t, "rows", outs["rows_out"], db, `
SELECT symbol, ts,
       AVG(price) OVER (PARTITION BY symbol ORDER BY seq ROWS BETWEEN 9 PRECEDING AND CURRENT ROW),
       MIN(qty) OVER (PARTITION BY symbol ORDER BY seq ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)
FROM trades`, []string{"symbol", "ts", "avg10", "min10"})
}

func mustExec(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatal(err)
	}
}

// compare checks velort's output file against SQLite's rows as multisets,
// with timestamps as epoch ms and doubles to 1e-9 relative.
func compare(t *testing.T, name, path string, db *sql.DB, query string, cols []string) {
	t.Helper()
	var velort []string
	for _, line := range readLines(t, path) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%s: %v in %s", name, err, line)
		}
		vals := make([]any, len(cols))
		for i, c := range cols {
			v := m[c]
			if s, ok := v.(string); ok && strings.HasSuffix(s, "Z") && len(s) == 24 {
				tm, err := time.Parse(time.RFC3339, s)
				if err != nil {
					t.Fatal(err)
				}
				v = float64(tm.UnixMilli())
			}
			vals[i] = v
		}
		velort = append(velort, canon(vals))
	}
	rows, err := db.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer rows.Close()
	var want []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		want = append(want, canon(vals))
	}
	sort.Strings(velort)
	sort.Strings(want)
	if len(want) < 100 {
		t.Fatalf("%s: only %d reference rows: the generator is too small to mean anything", name, len(want))
	}
	if len(velort) != len(want) {
		t.Fatalf("%s: velort produced %d rows, SQLite %d", name, len(velort), len(want))
	}
	bad := 0
	for i := range want {
		if velort[i] != want[i] {
			if bad++; bad <= 5 {
				t.Errorf("%s row %d:\n velort %s\n sqlite %s", name, i, velort[i], want[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d rows differ", name, bad, len(want))
	}
}

// canon renders values so that equal results compare equal as text.
func canon(vals []any) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		switch x := v.(type) {
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1e15 {
				parts[i] = fmt.Sprintf("%d", int64(x))
			} else {
				parts[i] = fmt.Sprintf("%.9g", x)
			}
		case int64:
			parts[i] = fmt.Sprintf("%d", x)
		case []byte:
			parts[i] = string(x)
		default:
			parts[i] = fmt.Sprint(x)
		}
	}
	return strings.Join(parts, "|")
}
