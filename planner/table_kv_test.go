package planner

import (
	"slices"
	"strings"
	"testing"
)

const kvTableDecl = "CREATE TABLE symbols (symbol VARCHAR PRIMARY KEY, sector VARCHAR, lot BIGINT) WITH (kv = 'symbols');\n" +
	"CREATE STREAM trades (symbol VARCHAR, qty BIGINT) WITH (subject = 'trades');\n"

// TestMaterializedKVTable: CREATE TABLE … WITH (kv = 'bucket') AS SELECT
// plans a materialized table whose changelog goes into the bucket (it was
// refused: "lives in memory; remove the column list and kv"); an EMIT
// FINAL query, whose rows have no key, is refused at the table's name.
func TestMaterializedKVTable(t *testing.T) {
	pl, err := Parse("t.sql", kvTableDecl+"CREATE TABLE volume_kv WITH (kv = 'volume') AS SELECT symbol, SUM(qty) AS volume FROM trades GROUP BY symbol;", Options{})
	if err != nil {
		t.Fatal(err)
	}
	tb := pl.Table("volume_kv")
	if tb == nil || !tb.Materialized() || tb.Bucket != "volume" || tb.Store == nil {
		t.Fatalf("table: %+v", tb)
	}
	if q := tb.Query; !q.OutputChangelog() || q.Sink.Materialized != tb {
		t.Fatalf("query output changelog %v", q.OutputChangelog())
	}
	if x := pl.Explain(); !strings.Contains(x, "table volume_kv (materialized by query volume_kv, in memory, and KV bucket volume: put/delete by Velort-Key)") ||
		!strings.Contains(x, "sink: table volume_kv (upsert and delete by group, and KV bucket volume") {
		t.Errorf("explain:\n%s", x)
	}
	_, err = Parse("t.sql", kvTableDecl+"CREATE TABLE v WITH (kv = 'v') AS SELECT symbol, SUM(qty) AS volume FROM trades GROUP BY symbol EMIT FINAL;", Options{})
	if err == nil || !strings.Contains(err.Error(), "EMIT FINAL") || !strings.Contains(err.Error(), "t.sql:3:") {
		t.Fatalf("EMIT FINAL into a KV table: %v", err)
	}
	_, err = Parse("t.sql", kvTableDecl+"CREATE TABLE v (a BIGINT) WITH (kv = 'v') AS SELECT symbol FROM trades GROUP BY symbol;", Options{})
	if err == nil || !strings.Contains(err.Error(), "remove the column list") {
		t.Fatalf("column list: %v", err)
	}
}

// TestQueryFromKVTable: SELECT … FROM a KV table reads the table's
// changelog (keyed by its primary key, one partition); a GROUP BY over it
// is a changelog keyed by the group keys. It was refused ("x is a table").
// FROM a materialized table stays refused.
func TestQueryFromKVTable(t *testing.T) {
	pl, err := Parse("t.sql", kvTableDecl+
		"CREATE STREAM by_sector AS SELECT sector, COUNT(*) AS n, SUM(lot) AS lots FROM symbols GROUP BY sector;\n"+
		"CREATE STREAM big AS SELECT symbol, lot FROM symbols WHERE lot > 100;", Options{})
	if err != nil {
		t.Fatal(err)
	}
	tb := pl.Table("symbols")
	for _, q := range pl.Queries {
		if q.Source != tb.ChangeStream() || pl.SourceTable(q.Source) != tb {
			t.Fatalf("query %s reads %s", q.Name, q.Source.Name)
		}
		if !q.InputChangelog() || !slices.Equal(q.SourceKeyCols(), []int{0}) || q.Source.Partitions != 1 {
			t.Fatalf("query %s: input changelog %v key %v", q.Name, q.InputChangelog(), q.SourceKeyCols())
		}
	}
	if got := pl.Queries[0].OutputKindText(); got != "changelog (key: sector)" {
		t.Fatalf("by_sector: %s", got)
	}
	if got := pl.Queries[1].OutputKindText(); got != "changelog (key: symbol)" {
		t.Fatalf("big: %s", got)
	}
	if s := pl.Stream("by_sector"); !s.Changelog {
		t.Fatal("by_sector is not a changelog")
	}
	if pl.SourceTable(pl.Stream("trades")) != nil || pl.Stream("symbols") != nil {
		t.Fatal("the table's changelog is a declared stream")
	}
	_, err = Parse("t.sql", kvTableDecl+
		"CREATE TABLE vol AS SELECT symbol, SUM(qty) AS q FROM trades GROUP BY symbol;\n"+
		"CREATE STREAM o AS SELECT q FROM vol;", Options{})
	if err == nil || !strings.Contains(err.Error(), "vol is a materialized table") || !strings.Contains(err.Error(), "t.sql:4:") {
		t.Fatalf("FROM a materialized table: %v", err)
	}
}
