package mysqlserve

import (
	"database/sql"
	"reflect"
	"testing"
	"time"
)

// queryStrings runs q and returns every row as strings (NULL as "NULL").
func queryStrings(t *testing.T, db *sql.DB, q string, args ...any) [][]string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = "NULL"
			if v.Valid {
				row[i] = v.String
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

func expectRows(t *testing.T, db *sql.DB, q string, want [][]string, args ...any) {
	t.Helper()
	if got := queryStrings(t, db, q, args...); !reflect.DeepEqual(got, want) {
		t.Errorf("%s\n got %q\nwant %q", q, got, want)
	}
}

func TestShowTablesDatabasesAndLateTables(t *testing.T) {
	vol, sym := volumeTable(), symbolsTable()
	served := []Table{vol}
	var mu = make(chan struct{}, 1)
	mu <- struct{}{}
	s := startServer(t, Options{}, func() []Table {
		<-mu
		defer func() { mu <- struct{}{} }()
		return append([]Table(nil), served...)
	})
	db := open(t, s, "root", "")
	expectRows(t, db, "SHOW TABLES", [][]string{{"volume"}})
	<-mu
	served = append(served, sym)
	mu <- struct{}{}
	expectRows(t, db, "SHOW TABLES", [][]string{{"symbols"}, {"volume"}})
	expectRows(t, db, "SELECT COUNT(*) FROM symbols", [][]string{{"3"}})

	dbs := queryStrings(t, db, "SHOW DATABASES")
	found := false
	for _, r := range dbs {
		found = found || r[0] == "velort"
	}
	if !found {
		t.Errorf("SHOW DATABASES = %q, want velort among them", dbs)
	}
	expectRows(t, db, "SELECT DATABASE()", [][]string{{"velort"}})
	expectRows(t, db, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'velort' ORDER BY table_name",
		[][]string{{"symbols"}, {"volume"}})
	if _, err := db.Exec("USE velort"); err != nil {
		t.Fatal(err)
	}
	if got := queryStrings(t, db, "SELECT @@version"); len(got) != 1 || got[0][0] == "" {
		t.Errorf("SELECT @@version = %q", got)
	}
}

func TestDescribeMapsTypes(t *testing.T) {
	vol := volumeTable()
	s := startServer(t, Options{}, func() []Table { return []Table{vol} })
	db := open(t, s, "root", "")
	var got [][]string
	for _, r := range queryStrings(t, db, "DESCRIBE volume") {
		got = append(got, r[:2])
	}
	want := [][]string{
		{"symbol", "longtext"}, {"volume", "bigint"}, {"avg_price", "decimal(12,2)"},
		{"last_ts", "datetime(3)"}, {"active", "tinyint(1)"}, {"meta", "json"}, {"ratio", "double"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DESCRIBE volume\n got %q\nwant %q", got, want)
	}
}

func TestSelectValues(t *testing.T) {
	vol := volumeTable()
	s := startServer(t, Options{}, func() []Table { return []Table{vol} })
	db := open(t, s, "root", "")
	expectRows(t, db, "SELECT * FROM volume ORDER BY symbol", [][]string{
		{"AAPL", "300", "185.25", "2024-01-15T10:00:00.001Z", "1", `{"venue": "X"}`, "0.5"},
		{"GOOG", "75", "142.00", "2024-01-15T10:00:00.003Z", "1", "[1, 2]", "NULL"},
		{"MSFT", "120", "410.10", "2024-01-15T10:00:00.002Z", "0", "NULL", "1.25"},
		{"TSLA", "510", "250.10", "2024-01-15T10:00:00.004Z", "1", "NULL", "2"},
	})
	var ts time.Time
	if err := db.QueryRow("SELECT last_ts FROM volume WHERE symbol = 'MSFT'").Scan(&ts); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2024, 1, 15, 10, 0, 0, 2e6, time.UTC); !ts.Equal(want) {
		t.Errorf("last_ts = %v, want %v", ts, want)
	}
	expectRows(t, db, "SELECT meta->>'$.venue', active AND ratio < 1 FROM volume WHERE symbol = 'AAPL'", [][]string{{"X", "1"}})
}

func TestSelectWhereOrderByLimit(t *testing.T) {
	vol := volumeTable()
	s := startServer(t, Options{}, func() []Table { return []Table{vol} })
	db := open(t, s, "root", "")
	expectRows(t, db, "SELECT symbol, volume FROM volume WHERE volume > 100 ORDER BY volume DESC LIMIT 2",
		[][]string{{"TSLA", "510"}, {"AAPL", "300"}})
	expectRows(t, db, "SELECT symbol FROM volume WHERE last_ts >= '2024-01-15 10:00:00.003' ORDER BY symbol",
		[][]string{{"GOOG"}, {"TSLA"}})
	// With arguments go-sql-driver uses a server-side prepared statement.
	expectRows(t, db, "SELECT symbol FROM volume WHERE volume BETWEEN ? AND ? ORDER BY symbol LIMIT 1",
		[][]string{{"AAPL"}}, 100, 400)
}

func TestAggregatesAndJoins(t *testing.T) {
	vol, sym := volumeTable(), symbolsTable()
	s := startServer(t, Options{}, func() []Table { return []Table{vol, sym} })
	db := open(t, s, "root", "")
	expectRows(t, db, "SELECT COUNT(*), SUM(volume), MAX(avg_price) FROM volume WHERE active",
		[][]string{{"3", "885", "250.10"}})
	expectRows(t, db, "SELECT s.sector, SUM(v.volume) AS total FROM volume v JOIN symbols s ON v.symbol = s.symbol GROUP BY s.sector ORDER BY total DESC",
		[][]string{{"auto", "510"}, {"tech", "420"}})
	expectRows(t, db, "SELECT v.symbol, s.sector FROM volume v LEFT JOIN symbols s ON v.symbol = s.symbol WHERE s.sector IS NULL",
		[][]string{{"GOOG", "NULL"}})
}
