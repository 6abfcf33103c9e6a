package planner

import (
	"strings"
	"testing"
)

// rjtDecl: KV tables names and tags; a GROUP BY's changelog counts on 4
// partitions by k; a declared changelog d on 4 partitions by id (not the
// join column); a changelog e and an append-only s on one partition.
const rjtDecl = "CREATE TABLE names (k BIGINT PRIMARY KEY, name VARCHAR) WITH (kv = 'names');\n" +
	"CREATE TABLE tags (k BIGINT PRIMARY KEY, tag VARCHAR) WITH (kv = 'tags');\n" +
	"CREATE STREAM ev (k BIGINT, v BIGINT) WITH (subject = 'ev.{partition}', partitions = 4, key = 'k');\n" +
	"CREATE STREAM d (id VARCHAR, k BIGINT) WITH (subject = 'd.{partition}', partitions = 4, key = 'id', changelog = 'upsert');\n" +
	"CREATE STREAM e (id VARCHAR, k BIGINT) WITH (subject = 'e', key = 'id', changelog = 'upsert');\n" +
	"CREATE STREAM s (k BIGINT, x BIGINT) WITH (subject = 's');\n" +
	"CREATE STREAM counts WITH (subject = 'counts.{partition}', partitions = 4, key = 'k') AS SELECT k, COUNT(*) AS n FROM ev GROUP BY k;\n"

// TestRegularJoinTablePlans: a changelog joined with a KV table, either
// way round and as FROM, and a KV table joined with another, are regular
// joins over the table's changelog; the query runs on the partitions of
// its stream side. An append-only stream joined with a table stays a
// lookup. The old code refused the first three at the JOIN ("a
// stream–table join is not supported yet over a changelog") and the
// table–table join likewise.
func TestRegularJoinTablePlans(t *testing.T) {
	cases := []struct {
		name, sel, source, left, right, explain string
	}{
		{"changelog JOIN table", "SELECT c.k, c.n, t.name FROM counts c JOIN names t ON c.k = t.k", "counts", "counts", "names",
			"regular join (INNER) counts ⋈ names on c.k = t.k: both sides' live rows kept by join key, output keyed by left row key | right row key; also reads KV bucket names (table names: its contents, then each put and delete as upserts and deletes, fed whole to each of the 4 partitions)"},
		{"FROM table", "SELECT t.name, d.id FROM names t JOIN d ON t.k = d.k", "d", "names", "d", "regular join (INNER) names ⋈ d"},
		{"table RIGHT JOIN changelog", "SELECT t.name, d.id FROM names t RIGHT JOIN d ON t.k = d.k", "d", "d", "names", "regular join (LEFT) d ⋈ names"}, // go-mysql-server's LEFT JOIN
		{"table preserved, one partition", "SELECT t.name, e.id FROM names t LEFT JOIN e ON t.k = e.k", "e", "names", "e", "regular join (LEFT) names ⋈ e"},
		{"table JOIN table", "SELECT a.name, b.tag FROM names a LEFT JOIN tags b ON a.k = b.k", "names", "names", "tags",
			"also reads KV bucket tags (table tags: its contents, then each put and delete as upserts and deletes)\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pl, err := Parse("q.sql", rjtDecl+"CREATE STREAM o AS "+c.sel+";\n", Options{})
			if err != nil {
				t.Fatal(err)
			}
			q := pl.Queries[len(pl.Queries)-1]
			l, r, ok := q.RegularJoin()
			if !ok || l.Name != c.left || r.Name != c.right || q.Source.Name != c.source {
				t.Fatalf("RegularJoin() = %v, %v, %v; source %s", l, r, ok, q.Source.Name)
			}
			if !q.OutputChangelog() {
				t.Error("output is not a changelog")
			}
			if ex := pl.Explain(); !strings.Contains(ex, c.explain) {
				t.Errorf("explain:\n%s\nwant it to contain %q", ex, c.explain)
			}
		})
	}
	pl, err := Parse("q.sql", rjtDecl+"CREATE STREAM o AS SELECT s.k, t.name FROM s JOIN names t ON s.k = t.k;\n", Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := pl.Queries[len(pl.Queries)-1]
	if _, _, ok := q.RegularJoin(); ok || q.OutputChangelog() || !strings.Contains(pl.Explain(), "lookup join (INNER) with table names") {
		t.Errorf("an append-only stream JOIN a table is not a lookup:\n%s", pl.Explain())
	}
}

// TestRegularJoinTableRefusals: a join keeping every row of a KV table,
// whose other side has several partitions, is refused at the JOIN (each
// partition would NULL-pad the table's unmatched rows).
func TestRegularJoinTableRefusals(t *testing.T) {
	cases := []struct{ name, sql, want string }{
		{"table LEFT JOIN", "CREATE STREAM o AS SELECT t.name, c.n FROM names t LEFT JOIN counts c ON t.k = c.k;",
			"q.sql:8:57: an outer join keeping every row of table names, with counts on 4 partitions: the table's rows go to every partition, and a row without a match there would be NULL-padded by each of them; expected counts with partitions = 1, or a join that keeps the rows of counts (INNER JOIN, or counts LEFT JOIN names)"},
		{"RIGHT JOIN table", "CREATE STREAM o AS SELECT t.name, d.id FROM d RIGHT JOIN names t ON t.k = d.k;",
			"q.sql:8:53: an outer join keeping every row of table names, with d on 4 partitions"},
		{"FULL JOIN table", "CREATE STREAM o AS SELECT t.name, c.n FROM counts c FULL JOIN names t ON t.k = c.k;",
			"q.sql:8:58: an outer join keeping every row of table names, with counts on 4 partitions"},
		{"FROM table JOIN append-only", "CREATE STREAM o AS SELECT t.name, s.x FROM names t JOIN s ON t.k = s.k;",
			"q.sql:8:52: an append-only stream joined with a KV table is a lookup of each record as it arrives, which reads the query FROM the stream: expected FROM s JOIN names ON … (or s LEFT JOIN names)"},
		{"key types differ", "CREATE STREAM o AS SELECT t.name, d.id FROM d JOIN names t ON t.name = d.k;",
			"the join keys d.k (BIGINT) and t.name (VARCHAR) have different types"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("q.sql", rjtDecl+c.sql, Options{})
			if err == nil {
				t.Fatalf("no error; want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n  %s\nwant it to contain\n  %s", err, c.want)
			}
		})
	}
}
