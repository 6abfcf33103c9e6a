package planner

import (
	"strings"
	"testing"
)

// composeDecl: a partitioned append-only source and a changelog source.
const composeDecl = "CREATE STREAM s (k VARCHAR, x BIGINT, d DOUBLE, ts TIMESTAMP) WITH (subject = 's.{partition}', partitions = 4, key = 'k', event_time = 'ts');\n" +
	"CREATE STREAM cs (id VARCHAR, g VARCHAR, v BIGINT) WITH (subject = 'cs.{partition}', partitions = 2, key = 'id', changelog = 'upsert');\n"

// TestComposedStages: each nested SELECT is a stage — a query of its own
// writing a hidden stream on _velort.x.<statement>.<n>.{partition},
// partitioned like its input by its row key — read by the SELECT around it
// under its name.
func TestComposedStages(t *testing.T) {
	pl, err := Parse("q.sql", composeDecl+
		"CREATE STREAM total AS SELECT SUM(c) AS total FROM (SELECT k, COUNT(*) AS c FROM s GROUP BY k) AS q;\n"+
		"CREATE STREAM hot AS WITH big AS (SELECT k, x * 2 AS x2, ts FROM s WHERE x > 1),\n"+
		"  per AS (SELECT k, SUM(x2) AS sx FROM big GROUP BY k)\n"+
		"SELECT k, sx FROM per WHERE sx > 10;\n", Options{})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		query, source, sink, subject, key, kind string
		parts                                   int
		statement                               string
	}
	wants := []want{
		{"total__q", "s", "q", "_velort.x.total.1.{partition}", "k", "changelog (key: k)", 4, "total"},
		{"total", "q", "total", "total", "", "changelog (key: the empty key — one row)", 1, ""},
		{"hot__big", "s", "big", "_velort.x.hot.1.{partition}", "k", "append-only", 4, "hot"},
		{"hot__per", "big", "per", "_velort.x.hot.2.{partition}", "k", "changelog (key: k)", 4, "hot"},
		{"hot", "per", "hot", "hot", "", "changelog (key: k)", 1, ""},
	}
	if len(pl.Queries) != len(wants) {
		t.Fatalf("%d queries, want %d", len(pl.Queries), len(wants))
	}
	for i, w := range wants {
		q := pl.Queries[i]
		got := want{q.Name, q.Source.Name, q.Sink.Name, q.Sink.Subject, strings.Join(q.Sink.Key, ","), q.OutputKindText(), q.Sink.Partitions, q.Statement}
		if got != w {
			t.Errorf("query %d:\n got %+v\nwant %+v", i, got, w)
		}
		if q.Sink.Hidden != (w.statement != "") {
			t.Errorf("query %s: sink hidden = %v", q.Name, q.Sink.Hidden)
		}
	}
	// The stage of big carries the event time through.
	if big := pl.Queries[2].Sink; big.EventTime != "ts" {
		t.Errorf("stage big: event time %q, want ts", big.EventTime)
	}
	// Stage names are the statement's own: not streams of the file.
	for _, n := range []string{"q", "big", "per"} {
		if pl.Stream(n) != nil {
			t.Errorf("stage %s is visible outside its statement", n)
		}
	}
}

// TestComposedUnionAll: each branch is a query writing the statement's
// stream; the first types it, the others must agree.
func TestComposedUnionAll(t *testing.T) {
	pl, err := Parse("q.sql", composeDecl+
		"CREATE STREAM u AS SELECT k, x FROM s WHERE x > 5 UNION ALL SELECT id, v + 1 FROM cs2 UNION ALL (SELECT k, x FROM s WHERE x < 0);\n",
		Options{})
	if err == nil || !strings.Contains(err.Error(), "unknown stream cs2") {
		t.Fatalf("err = %v, want unknown stream cs2", err)
	}
	pl, err = Parse("q.sql", composeDecl+
		"CREATE STREAM a (id VARCHAR, v BIGINT) WITH (subject = 'a');\n"+
		"CREATE STREAM u AS SELECT k, x FROM s WHERE x > 5 UNION ALL SELECT id, v + 1 FROM a UNION ALL (SELECT k, x FROM s WHERE x < 0);\n",
		Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, q := range pl.Queries {
		if q.Sink.Name == "u" {
			names = append(names, q.Name+"<-"+q.Source.Name)
		}
	}
	if got := strings.Join(names, " "); got != "u<-s u_2<-a u_3<-s" {
		t.Errorf("branches %s", got)
	}
	u := pl.Stream("u")
	if got := schemaText(u.Columns); got != "k VARCHAR, x BIGINT" {
		t.Errorf("u: %s", got)
	}
}

// TestComposedRefusals: shapes refused at their position with what to
// write instead.
func TestComposedRefusals(t *testing.T) {
	cases := []struct{ name, sql, want string }{
		{"no alias", "CREATE STREAM o AS SELECT * FROM (SELECT k FROM s) WHERE k > 'a';",
			"q.sql:3:52: a derived table needs a name: expected ( SELECT … ) AS name, found 'WHERE'"},
		{"recursive", "CREATE STREAM o AS WITH RECURSIVE r AS (SELECT k FROM s) SELECT k FROM r;",
			"q.sql:3:25: WITH RECURSIVE is not supported"},
		{"cte columns", "CREATE STREAM o AS WITH r (a) AS (SELECT k FROM s) SELECT a FROM r;",
			"q.sql:3:27: a column list after a WITH name is not supported"},
		{"cte twice", "CREATE STREAM o AS WITH r AS (SELECT k FROM s), r AS (SELECT k FROM s) SELECT k FROM r;",
			"q.sql:3:49: WITH names r twice"},
		{"union types", "CREATE STREAM o AS SELECT k, x FROM s UNION ALL SELECT k, d FROM s;",
			"q.sql:3:49: UNION ALL: column 2 (x) is BIGINT in the first SELECT and DOUBLE here: expected the same type (CAST one of them)"},
		{"union count", "CREATE STREAM o AS SELECT k, x FROM s UNION ALL SELECT k FROM s;",
			"q.sql:3:49: UNION ALL: this SELECT has 1 columns, the first has 2 (k, x)"},
		{"union order", "CREATE STREAM o AS SELECT k FROM s UNION ALL SELECT k FROM s ORDER BY k LIMIT 3;",
			"q.sql:3:62: ORDER after UNION ALL would apply to the whole union"},
		{"union of kinds", "CREATE STREAM o AS SELECT k FROM s UNION ALL SELECT g FROM cs;",
			"q.sql:3:46: UNION ALL of an append-only and a changelog branch (this one is changelog (key: id))"},
		{"union of changelogs partitioned", "CREATE STREAM o WITH (subject = 'o.{partition}', partitions = 2, key = 'id') AS SELECT id, g FROM cs UNION ALL SELECT id, g FROM cs;",
			"q.sql:3:81: stream o is a UNION ALL of changelogs, keyed by the branch and its key, which are not columns: expected partitions = 1"},
		{"error inside a stage", "CREATE STREAM o AS SELECT * FROM (\n  SELECT k, nope FROM s) AS t;",
			"q.sql:4:13: unknown column nope"},
		{"error inside a CTE", "CREATE STREAM o AS WITH a AS (SELECT k FROM s),\n b AS (SELECT k, COUNT(*) AS n FROM a WHERE nope = 1 GROUP BY k) SELECT k FROM b;",
			"q.sql:4:45: unknown column nope"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("q.sql", composeDecl+c.sql, Options{})
			if err == nil {
				t.Fatalf("no error; want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n  %s\nwant it to contain\n  %s", err, c.want)
			}
		})
	}
}

// TestComposedViews: a view is a stage any later statement reads by name;
// one that nothing reads does not run, nor do the views only it reads.
func TestComposedViews(t *testing.T) {
	pl, err := Parse("q.sql", composeDecl+
		"CREATE VIEW big AS SELECT k, x FROM s WHERE x > 10;\n"+
		"CREATE VIEW bigger AS SELECT k, x FROM big WHERE x > 100;\n"+
		"CREATE VIEW lonely AS SELECT k FROM s;\n"+
		"CREATE VIEW lonelier AS SELECT k FROM lonely;\n"+
		"CREATE STREAM o AS SELECT k, COUNT(*) AS n FROM bigger GROUP BY k;\n"+
		"CREATE STREAM p AS SELECT k, x FROM big;\n", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, q := range pl.Queries {
		got = append(got, q.Name+":"+q.Source.Name+"→"+q.Sink.Name)
	}
	if g := strings.Join(got, " "); g != "big:s→big bigger:big→bigger o:bigger→o p:big→p" {
		t.Errorf("queries %s", g)
	}
	if s := pl.Stream("big"); s == nil || !s.View || s.Subject != "_velort.x.big.0.{partition}" || s.Partitions != 4 {
		t.Errorf("view big: %+v", s)
	}
	if !strings.Contains(pl.Explain(), "stream lonely (view, read by no query: not run)") {
		t.Errorf("explain does not say lonely is not run:\n%s", pl.Explain())
	}
	for _, c := range []struct{ sql, want string }{
		{"CREATE VIEW s AS SELECT k FROM s;", "q.sql:3:13: s is already declared"},
		{"CREATE VIEW v WITH (subject = 'x') AS SELECT k FROM s;", "q.sql:3:15: a view has no options"},
		{"CREATE VIEW v AS SELECT k FROM s;", "the file declares no continuous query"},
	} {
		if _, err := Parse("q.sql", composeDecl+c.sql, Options{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.sql, err, c.want)
		}
	}
}

// TestTopNPerKeyReadsItsColumns: a Top-N per key over a changelog keeps
// every live row and emits it later, so it decodes every column its output
// shows — also one neither ordered nor partitioned by, selected in another
// order than the derived table's (u was NULL: the read set took the output
// projection's indexes for the source's).
func TestTopNPerKeyReadsItsColumns(t *testing.T) {
	pl, err := Parse("q.sql", "CREATE STREAM cs (id VARCHAR, g VARCHAR, v BIGINT, w DOUBLE, u VARCHAR) WITH (subject = 'cs', changelog = 'upsert', key = 'id');\n"+
		"CREATE STREAM o AS SELECT u, w, g FROM (SELECT u, w, v, g, ROW_NUMBER() OVER (PARTITION BY g ORDER BY v DESC) AS rn FROM cs) AS t WHERE rn <= 1;\n", Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := pl.Queries[0]
	var read []string
	for i, r := range q.Read {
		if r {
			read = append(read, q.Source.Columns[i].Name)
		}
	}
	if got := strings.Join(read, ","); got != "id,g,v,w,u" {
		t.Errorf("%s decodes %s, want id,g,v,w,u", q.Name, got)
	}
}

// TestComposedFusesFilters: a derived table that only filters and projects
// the one stream of the query around it is planned inside that query (no
// stage, no exchange): its WHERE goes below the projections, the outer
// WHERE with it, and a GROUP BY takes the projection's expressions. One
// with an aggregate, or joined, stays a stage.
func TestComposedFusesFilters(t *testing.T) {
	pl, err := Parse("q.sql", composeDecl+
		"CREATE STREAM o AS SELECT k, SUM(c) AS sc FROM (SELECT k, x + 1 AS c FROM s WHERE x > 1) AS t WHERE c > 5 GROUP BY k;\n"+
		"CREATE STREAM o2 AS SELECT k, c FROM (SELECT k, COUNT(*) AS c FROM s GROUP BY k) AS t WHERE c > 5;\n", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, q := range pl.Queries {
		got = append(got, q.Name+":"+q.Source.Name)
	}
	if g := strings.Join(got, " "); g != "o:s o2__t:s o2:t" {
		t.Fatalf("queries %s, want o fused (o:s) and o2 with a stage", g)
	}
	ex := pl.Explain()
	for _, want := range []string{"filter: ((s.x > 1) AND ((s.x + 1) > 5))", "group by [s.k]"} {
		if !strings.Contains(ex, want) {
			t.Errorf("explain lacks %q:\n%s", want, ex)
		}
	}
}

// TestComposedScalarSubquery: x > (SELECT AVG(x) FROM s) joins every row
// of the outer stream, read on one partition with a constant _one, to the
// one-row stage of the value; SELECT * shows the stream's own columns.
func TestComposedScalarSubquery(t *testing.T) {
	pl, err := Parse("q.sql", composeDecl+"CREATE STREAM o AS SELECT * FROM s WHERE x > (SELECT AVG(x) FROM s);\n", Options{})
	if err != nil {
		t.Fatal(err)
	}
	o := pl.Stream("o")
	if got := schemaText(o.Columns); got != "k VARCHAR, x BIGINT, d DOUBLE, ts TIMESTAMP" {
		t.Errorf("o: %s", got)
	}
	last := pl.Queries[len(pl.Queries)-1]
	if last.Name != "o" || !strings.Contains(pl.Explain(), "o: _sq1 ⋈ _sq3_by → o") && !strings.Contains(pl.Explain(), "o: _sq3_by ⋈ _sq1 → o") {
		t.Errorf("no join of the value stage and the outer stream:\n%s", pl.Explain())
	}
	for _, q := range pl.Queries {
		if q.Sink.Hidden && q.Sink.Partitions != 1 && q.Sink.Name != "_sq1_rows" {
			t.Errorf("stage %s has %d partitions: the join needs one", q.Sink.Name, q.Sink.Partitions)
		}
	}
}

// TestGroupByAliasedKeyNoRepartition: GROUP BY e.k over FROM events AS e,
// partitioned by k, groups by the partition key: no repartition (the alias
// was not recognised: "e.k" is not "events.k").
func TestGroupByAliasedKeyNoRepartition(t *testing.T) {
	pl, err := Parse("q.sql", composeDecl+"CREATE STREAM o AS SELECT e.k, COUNT(*) AS n FROM s AS e GROUP BY e.k;\n", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if q := pl.Queries[0]; q.NeedsRepartition() {
		t.Errorf("GROUP BY e.k over s AS e (partitioned by k) repartitions")
	}
}

// TestTopNPerKeyStarIsOneQuery: SELECT * over a Top-N per key is planned
// as the Top-N writing the statement's stream (one query, no exchange).
func TestTopNPerKeyStarIsOneQuery(t *testing.T) {
	pl, err := Parse("q.sql", composeDecl+"CREATE STREAM o AS SELECT * FROM (SELECT k, x, ROW_NUMBER() OVER (PARTITION BY k ORDER BY x DESC) AS rn FROM s) AS t WHERE rn <= 2;\n", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pl.Queries) != 1 || pl.Queries[0].Name != "o" || pl.Queries[0].Source.Name != "s" || pl.Queries[0].Kind != "topn" {
		t.Fatalf("queries: %d, first %s over %s (%s); want one Top-N o over s", len(pl.Queries), pl.Queries[0].Name, pl.Queries[0].Source.Name, pl.Queries[0].Kind)
	}
	if got := schemaText(pl.Stream("o").Columns); got != "k VARCHAR, x BIGINT" {
		t.Errorf("o: %s", got)
	}
	// The derived table's own columns in its order: one query too; a
	// different list keeps the stage.
	for sqlText, want := range map[string]int{
		"CREATE STREAM o AS SELECT k, x FROM (SELECT k, x, ROW_NUMBER() OVER (PARTITION BY k ORDER BY x DESC) AS rn FROM s) AS t WHERE rn <= 2;\n": 1,
		"CREATE STREAM o AS SELECT x, k FROM (SELECT k, x, ROW_NUMBER() OVER (PARTITION BY k ORDER BY x DESC) AS rn FROM s) AS t WHERE rn <= 2;\n": 2,
		"CREATE STREAM o AS SELECT k FROM (SELECT k, x, ROW_NUMBER() OVER (PARTITION BY k ORDER BY x DESC) AS rn FROM s) AS t WHERE rn <= 2;\n":    2,
	} {
		pl, err := Parse("q.sql", composeDecl+sqlText, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(pl.Queries) != want {
			t.Errorf("%s: %d queries, want %d", sqlText, len(pl.Queries), want)
		}
	}
}

// TestGroupByOverStageReadAsItsStream: a stream read through a stage the
// composer names AS the stream (FROM trades → FROM `_sqN_by` AS `trades`)
// keeps its name as the alias group keys are qualified by, so grouping
// by the stage's partition column needs no repartition. Both statements
// were refused ("must group by the partition key") before readAs.
func TestGroupByOverStageReadAsItsStream(t *testing.T) {
	for name, sql := range map[string]string{
		"JetStream join without aliases": `CREATE STREAM bids (id BIGINT, auction BIGINT, price BIGINT) WITH (subject = 'jb.{partition}', partitions = 4, key = 'id', jetstream = 'JB');
CREATE STREAM auctions (id BIGINT, seller VARCHAR) WITH (subject = 'ja.{partition}', partitions = 4, key = 'id', jetstream = 'JA');
CREATE STREAM per_auction WITH (subject = 'jo', jetstream = 'JO') AS
SELECT bids.auction, COUNT(*) AS n FROM bids JOIN auctions ON bids.auction = auctions.id GROUP BY bids.auction;`,
		"IN subquery on 4 partitions": `CREATE STREAM trades (id BIGINT, symbol VARCHAR, price DOUBLE) WITH (subject = 'trades.{partition}', partitions = 4, key = 'id');
CREATE STREAM totals WITH (subject = 'totals') AS
SELECT symbol, COUNT(*) AS n FROM trades WHERE symbol IN (SELECT symbol FROM trades WHERE price > 10) GROUP BY symbol;`,
	} {
		t.Run(name, func(t *testing.T) {
			pl, err := Parse("q.sql", sql, Options{})
			if err != nil {
				t.Fatal(err)
			}
			q := pl.Queries[len(pl.Queries)-1]
			if !q.Source.Hidden || q.NeedsRepartition() {
				t.Errorf("query %s reads %s (hidden %v), needs a repartition %v: want a stage partitioned by the group key", q.Name, q.Source.Name, q.Source.Hidden, q.NeedsRepartition())
			}
		})
	}
}
