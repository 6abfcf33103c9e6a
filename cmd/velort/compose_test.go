package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestNestedQueriesAgainstSQLite checks the result rule of SPEC §2
// "Composed queries" end to end: each seed's random chain of
// TestChangelogChainsAgainstSQLite (the same data sets and 2–4 queries) is
// written as ONE statement — its earlier queries as CTEs (WITH q1 AS (…),
// q2 AS (…) SELECT …) on even seeds, as derived tables nested 1–3 deep
// (FROM (SELECT … FROM (SELECT …) AS q1) AS q2) on odd ones — and run
// through velort run --replay with one partition and with four. After end
// of input the statement's result must equal the chain's last query run by
// SQLite as a batch query (its views nest the same way).
//
// It runs 30 seeds (10 with -short); VELORT_SEEDS=N runs seeds 0 to N-1.
func TestNestedQueriesAgainstSQLite(t *testing.T) {
	seeds := 30
	if testing.Short() {
		seeds = 10
	}
	if os.Getenv("VELORT_SEEDS") != "" {
		seeds = testSeeds(t)
	}
	for i := 0; i < seeds; i++ {
		seed := int64(i)
		t.Run(fmt.Sprintf("seed=%d", i), func(t *testing.T) {
			c := genChangelogCase(t, seed)
			defer c.db.Close()
			last := c.deepest()
			derived := seed%2 == 1
			for _, parts := range []int{1, 4} {
				text := c.nestedFile(parts, derived, last)
				if testing.Verbose() {
					t.Logf("%s", text)
				}
				if !runChangelogFile(t, c, parts, text, []*clQuery{last}) {
					return
				}
			}
		})
	}
}

// deepest is the query of c's chain that reads through most queries (the
// latest of those).
func (c *clCase) deepest() *clQuery {
	best, depth := c.queries[len(c.queries)-1], -1
	for _, q := range c.queries {
		if d := len(c.reads(q)); d >= depth {
			best, depth = q, d
		}
	}
	return best
}

// reads are the queries whose outputs q reads, directly or not, innermost
// first.
func (c *clCase) reads(q *clQuery) []*clQuery {
	byOut := map[string]*clQuery{}
	for _, q := range c.queries {
		byOut[q.out.name] = q
	}
	var used []*clQuery
	for r := q.from; byOut[r.name] != nil; r = byOut[r.name].from {
		used = append([]*clQuery{byOut[r.name]}, used...)
	}
	return used
}

// nestedFile is c.sqlFile(parts) with the query last as one statement over
// the sources: the queries it reads (through from) become CTEs, or derived
// tables when derived is set; the queries after it are left out.
func (c *clCase) nestedFile(parts int, derived bool, last *clQuery) string {
	chain := c.sqlFile(parts)
	first := c.queries[0]
	cut := strings.Index(chain, "\nCREATE STREAM "+first.out.name+" ")
	if cut < 0 {
		panic("nestedFile: no CREATE STREAM " + first.out.name + " in\n" + chain)
	}
	head := chain[:cut]
	used := c.reads(last)
	body := last.velort
	if derived {
		for i := len(used) - 1; i >= 0; i-- {
			q := used[i]
			body = replaceFrom(body, q.out.name, "(\n"+q.velort+"\n) AS "+q.out.name)
		}
	} else if len(used) > 0 {
		var ctes []string
		for _, q := range used {
			ctes = append(ctes, q.out.name+" AS (\n"+q.velort+"\n)")
		}
		body = "WITH " + strings.Join(ctes, ",\n") + "\n" + body
	}
	// The last statement as the chain writes it, with its query replaced.
	stmt := chain[strings.LastIndex(chain, "\nCREATE STREAM "+last.out.name+" "):]
	if next := strings.Index(stmt[1:], "\nCREATE STREAM "); next >= 0 {
		stmt = stmt[:next+1]
	}
	if last.insert {
		i := strings.Index(stmt, "INSERT INTO "+last.out.name+"\n")
		stmt = stmt[:i] + "INSERT INTO " + last.out.name + "\n" + body + ";\n"
	} else {
		i := strings.Index(stmt, " AS\n")
		stmt = stmt[:i] + " AS\n" + body + ";\n"
	}
	return head + stmt
}

// replaceFrom replaces the stream name after FROM in query with with.
func replaceFrom(query, name, with string) string {
	re := regexp.MustCompile(`\bFROM ` + regexp.QuoteMeta(name) + `\b`)
	done := false
	return re.ReplaceAllStringFunc(query, func(m string) string {
		if done {
			return m
		}
		done = true
		return "FROM " + with
	})
}

// composedShape is a statement of TestComposedShapesAgainstSQLite: velort's
// SQL (its view, if any, declared before it), SQLite's, and its result's
// columns.
type composedShape struct {
	name, view, velort, sqlite string
	cols                       []clCol
	changelog, global          bool
}

// composedShapes cover what the random chains do not: UNION ALL, joins of
// derived tables (aggregates), views, a union inside a derived table, and
// a global aggregate over a HAVING, all over the append-only source s.
var composedShapes = []composedShape{
	{name: "o_union", velort: "SELECT k1, x FROM s WHERE x > 2 UNION ALL SELECT t, y FROM s WHERE y < 3",
		cols: []clCol{{name: "k1", typ: clString}, {name: "x", typ: clInt}}},
	{name: "o_join", velort: "SELECT a.k1, a.n, b.sx FROM (SELECT k1, COUNT(*) AS n FROM s GROUP BY k1) AS a " +
		"JOIN (SELECT k1, SUM(x) AS sx FROM s WHERE x > 0 GROUP BY k1) AS b ON a.k1 = b.k1",
		cols: []clCol{{name: "k1", typ: clString}, {name: "n", typ: clInt}, {name: "sx", typ: clInt}}, changelog: true},
	{name: "o_left", velort: "WITH a AS (SELECT k1, COUNT(*) AS n FROM s GROUP BY k1), b AS (SELECT k1, MAX(y) AS my FROM s WHERE y > 1 GROUP BY k1) " +
		"SELECT a.k1, a.n, b.my FROM a LEFT JOIN b ON a.k1 = b.k1",
		cols: []clCol{{name: "k1", typ: clString}, {name: "n", typ: clInt}, {name: "my", typ: clInt}}, changelog: true},
	{name: "o_view", view: "CREATE VIEW v AS SELECT k1, x + y AS e FROM s WHERE d > 0",
		velort: "SELECT k1, SUM(e) AS se, COUNT(*) AS n FROM v GROUP BY k1",
		sqlite: "SELECT k1, SUM(e) AS se, COUNT(*) AS n FROM (SELECT k1, x + y AS e FROM s WHERE d > 0) AS v GROUP BY k1",
		cols:   []clCol{{name: "k1", typ: clString}, {name: "se", typ: clInt}, {name: "n", typ: clInt}}, changelog: true},
	{name: "o_unionagg", velort: "SELECT k, COUNT(*) AS n FROM (SELECT k1 AS k FROM s WHERE x > 0 UNION ALL SELECT t FROM s WHERE y > 0) AS u GROUP BY k",
		cols: []clCol{{name: "k", typ: clString}, {name: "n", typ: clInt}}, changelog: true},
	{name: "o_global", velort: "SELECT COUNT(*) AS ng, SUM(n) AS total FROM (SELECT k1, COUNT(*) AS n FROM s GROUP BY k1 HAVING COUNT(*) > 1) AS g",
		cols: []clCol{{name: "ng", typ: clInt}, {name: "total", typ: clInt}}, changelog: true, global: true},
}

// TestComposedShapesAgainstSQLite runs each composed shape over the data
// sets of TestChangelogChainsAgainstSQLite's first seeds that have the
// append-only source s, with one partition and with four, and compares the
// result after end of input with SQLite's answer to the same SELECT.
func TestComposedShapesAgainstSQLite(t *testing.T) {
	cases := 6
	if testing.Short() {
		cases = 2
	}
	if os.Getenv("VELORT_SEEDS") != "" {
		cases = testSeeds(t)
	}
	for seed, n := int64(0), 0; n < cases; seed++ {
		c := genChangelogCase(t, seed)
		var src *clSource
		for _, s := range c.srcs {
			if s.rel.name == "s" {
				src = s
			}
		}
		if src == nil {
			c.db.Close()
			continue
		}
		n++
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			defer c.db.Close()
			for _, sh := range composedShapes {
				sq := sh.sqlite
				if sq == "" {
					sq = sh.velort
				}
				if _, err := c.db.Exec("CREATE VIEW " + sh.name + " AS " + sq); err != nil {
					t.Fatalf("sqlite %s: %v", sh.name, err)
				}
			}
			for _, parts := range []int{1, 4} {
				chain := c.sqlFile(parts)
				head := chain[:strings.Index(chain, "\nCREATE STREAM "+c.queries[0].out.name+" ")]
				var b strings.Builder
				b.WriteString(head)
				var queries []*clQuery
				for _, sh := range composedShapes {
					if sh.view != "" {
						b.WriteString("\n" + sh.view + ";\n")
					}
					fmt.Fprintf(&b, "\nCREATE STREAM %s WITH (subject = 'cl.%s') AS\n%s;\n", sh.name, sh.name, sh.velort)
					queries = append(queries, &clQuery{from: src.rel, global: sh.global,
						out: &clRel{name: sh.name, cols: sh.cols, changelog: sh.changelog}})
				}
				if !runChangelogFile(t, c, parts, b.String(), queries) {
					return
				}
			}
		})
	}
}
