package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The generator of TestChangelogChainsAgainstSQLite: a random data set for
// an append-only source stream s or a changelog source cs (upserts and
// deletes in the capture envelope), and a random chain of 2–4 queries over
// it, each written twice — in velort's SQL and as a SQLite view with the
// same result under MySQL semantics. Constants in WHERE and HAVING are
// values drawn from the data (through SQLite) so that filters keep some
// rows and drop others.

type clType uint8

const (
	clInt clType = iota
	clDouble
	clString
	// clTime: s's event time ts (epoch ms in SQLite), window_start and
	// window_end (the ISO text velort publishes, in SQLite too); used only
	// as a column or a key, never in an expression.
	clTime
	// clTs: s.ts, the event time (epoch ms in SQLite): only windows use it.
	clTs
)

var clTypeNames = []string{"BIGINT", "DOUBLE", "VARCHAR", "TIMESTAMP", "TIMESTAMP"}

type clCol struct {
	name string
	typ  clType
	// frac: a DOUBLE that may not be a multiple of 1/4 (an AVG); inexact:
	// a DOUBLE that two engines may round differently (a SUM or AVG over
	// frac values, or anything computed from one). Conditions, DISTINCT and
	// group keys avoid inexact columns; all source values are multiples
	// of 1/4, so every other sum is exact in both engines.
	frac, inexact bool
	// rough: a standard deviation, or computed from one. Near 0 the square
	// root turns the rounding of its variance (velort removes values by
	// running Welford's update backwards) into ~1e-8, so it is compared to
	// 1e-6 (a wrong retraction is off by far more).
	rough bool
}

// clRel is what a query reads: a source stream or an earlier query's output.
type clRel struct {
	name      string
	cols      []clCol
	changelog bool
	// key: the columns of the row key of a changelog that are in its
	// payload under these names (nil for a global aggregate's key "").
	key []string
	// partKeys: columns the stream may be partitioned by in the
	// 4-partition run (none: it keeps one partition).
	partKeys []string
}

func (r *clRel) colsOf(typ clType) []clCol {
	var out []clCol
	for _, c := range r.cols {
		if c.typ == typ {
			out = append(out, c)
		}
	}
	return out
}

func (r *clRel) has(name string) bool {
	for _, c := range r.cols {
		if c.name == name {
			return true
		}
	}
	return false
}

// clQuery is one query of the chain; its output stream is out.
type clQuery struct {
	from, out *clRel
	velort    string // SELECT … FROM from …
	sqlite    string // the same as a SQLite SELECT (the body of view out.name)
	group     bool   // has aggregates
	global    bool   // aggregates without GROUP BY keys
	emitFinal bool
	p4key     string // partition key in the 4-partition run ("" = 1 partition)
	// insert: the output is a declared stream (its columns typed from the
	// query's) that INSERT INTO writes, not a derived stream.
	insert bool
}

// clSource is a source stream and its replay file.
type clSource struct {
	rel   *clRel
	lines []string
	p4key string // partition key in the 4-partition run
}

// clCase is one seed's data set and chain.
type clCase struct {
	seed    int64
	srcs    []*clSource // s, cs, or both
	queries []*clQuery
	db      *sql.DB // SQLite with src's table and one view per query
}

type clGen struct {
	t   *testing.T
	rng *rand.Rand
	db  *sql.DB
	n   int // alias counter
	// frng draws the FILTER-like aggregate arguments (CASE WHEN p THEN x
	// END, filterArg) apart from rng, so that each seed's queries are
	// otherwise those it had before they were added.
	frng *rand.Rand
}

// genChangelogCase builds seed's case; the SQLite database it returns holds
// the source's table (for cs: the last row of each live key) and a view per
// query.
func genChangelogCase(t *testing.T, seed int64) *clCase {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // one connection: one :memory: database
	g := &clGen{t: t, rng: rand.New(rand.NewSource(seed)), db: db, frng: rand.New(rand.NewSource(seed + 1<<40))}
	c := &clCase{seed: seed, db: db}
	// One source, or (one case in four) both: a chain can then read the
	// other source further down.
	both := g.rng.Intn(4) == 0
	if g.rng.Intn(3) == 0 {
		g.changelogSource(c)
		if both {
			g.appendSource(c)
		}
	} else {
		g.appendSource(c)
		if both {
			g.changelogSource(c)
		}
	}
	var rels []*clRel
	for _, src := range c.srcs {
		rels = append(rels, src.rel)
	}
	depth := 2 + g.rng.Intn(3)
	readsChangelog := false
	for i := 1; i <= 6 && (len(c.queries) < depth || !readsChangelog); i++ {
		from := rels[len(rels)-1]
		if len(rels) > 1 && (g.rng.Intn(5) == 0 || len(c.queries) > 0 && c.queries[len(c.queries)-1].global && g.rng.Intn(3) != 0) {
			from = rels[g.rng.Intn(len(rels)-1)] // an earlier one, now and then (mostly after a one-row global aggregate)
		}
		last := len(c.queries) >= depth-1
		if last && !readsChangelog && !from.changelog {
			for _, r := range rels { // every chain has a query over a changelog
				if r.changelog {
					from = r
				}
			}
		}
		var q *clQuery
		name := fmt.Sprintf("q%d", i)
		switch k := g.rng.Intn(10); {
		case last && !readsChangelog && !from.changelog:
			q = g.groupQuery(name, from, false, true, nil) // a changelog for the next query
		case k < 1 || k < 2 && g.rng.Intn(3) != 0:
			q = g.statelessQuery(name, from)
		case k < 2:
			q = g.topNQuery(name, from)
		case k < 3:
			q = g.distinctQuery(name, from)
		case k < 4 || k < 5 && !from.changelog:
			q = g.groupQuery(name, from, true, false, nil)
		case from.name == "s" && k < 8:
			// Windows (over the append-only source only): EMIT CHANGES
			// makes a changelog keyed by the group keys and the bounds.
			w := &clWindow{size: []int64{5000, 10000, 30000}[g.rng.Intn(3)]}
			switch g.rng.Intn(3) {
			case 0:
				w.hop = true
			case 1:
				w.session, w.size = true, []int64{1000, 2000, 5000}[g.rng.Intn(3)]
			}
			w.slide = w.size
			if w.hop {
				w.size = []int64{10000, 30000}[g.rng.Intn(2)]
				w.slide = w.size / []int64{2, 5}[g.rng.Intn(2)] // whole seconds
			}
			q = g.groupQuery(name, from, false, false, w)
		default:
			q = g.groupQuery(name, from, false, false, nil)
		}
		readsChangelog = readsChangelog || from.changelog
		q.insert = g.rng.Intn(5) == 0
		g.exec("CREATE VIEW " + name + " AS " + q.sqlite)
		c.queries = append(c.queries, q)
		rels = append(rels, q.out)
	}
	return c
}

func (g *clGen) exec(q string, args ...any) {
	g.t.Helper()
	if _, err := g.db.Exec(q, args...); err != nil {
		g.t.Fatalf("sqlite: %v\n%s", err, q)
	}
}

// clStrings: the empty string (a key apart from NULL) and '|' and '\' (the
// key text's separator and escape) among them; no ',' or ';' (the
// GROUP_CONCAT separators) and no trailing space (MySQL pads).
var clStrings = []string{"foo", "bar", "baz", "qux", "a b", "zé", "m", "", "a|b", `x\y`}

func (g *clGen) maybeNull(p int, v any) any {
	if g.rng.Intn(100) < p {
		return nil
	}
	return v
}

// appendSource: s (k1 VARCHAR, k2 BIGINT, x BIGINT, y BIGINT, d DOUBLE, t VARCHAR), append-only.
func (g *clGen) appendSource(c *clCase) {
	src := &clSource{rel: &clRel{name: "s", cols: []clCol{{name: "k1", typ: clString}, {name: "k2", typ: clInt}, {name: "x", typ: clInt}, {name: "y", typ: clInt}, {name: "d", typ: clDouble}, {name: "t", typ: clString}, {name: "ts", typ: clTs}},
		partKeys: []string{"k1", "k2"}}}
	c.srcs = append(c.srcs, src)
	src.p4key = []string{"k1", "k2", "x"}[g.rng.Intn(3)]
	g.exec("CREATE TABLE s (k1 TEXT, k2 INTEGER, x INTEGER, y INTEGER, d REAL, t TEXT, ts INTEGER)")
	ts := int64(1_700_000_000_000)
	nk := 2 + g.rng.Intn(4)
	n := 150 + g.rng.Intn(350)
	tx, _ := g.db.Begin()
	for i := 0; i < n; i++ {
		row := []any{
			g.maybeNull(4, string(rune('a'+g.rng.Intn(nk)))),
			g.maybeNull(3, int64(g.rng.Intn(4))),
			g.maybeNull(10, int64(g.rng.Intn(26)-5)),
			g.maybeNull(5, int64(g.rng.Intn(10))),
			g.maybeNull(10, float64(g.rng.Intn(81)-40)/4),
			g.maybeNull(8, clStrings[g.rng.Intn(len(clStrings))]),
			ts,
		}
		ts += int64(g.rng.Intn(900)) // in order: nothing is late
		if _, err := tx.Exec("INSERT INTO s VALUES (?,?,?,?,?,?,?)", row...); err != nil {
			g.t.Fatal(err)
		}
		src.lines = append(src.lines, clJSON(src.rel.cols, row))
	}
	if err := tx.Commit(); err != nil {
		g.t.Fatal(err)
	}
}

// changelogSource: cs (id VARCHAR, g VARCHAR, v BIGINT, w DOUBLE, u VARCHAR)
// WITH (changelog = 'upsert', key = 'id'); its replay file has upserts
// (most in the envelope, some plain rows) and deletes (a few of keys with
// no row). SQLite's cs holds the last row of each key not deleted.
func (g *clGen) changelogSource(c *clCase) {
	src := &clSource{rel: &clRel{name: "cs", cols: []clCol{{name: "id", typ: clString}, {name: "g", typ: clString}, {name: "v", typ: clInt}, {name: "w", typ: clDouble}, {name: "u", typ: clString}},
		changelog: true, key: []string{"id"}, partKeys: []string{"id"}}, p4key: "id"}
	c.srcs = append(c.srcs, src)
	g.exec("CREATE TABLE cs (id TEXT, g TEXT, v INTEGER, w REAL, u TEXT)")
	nid := 5 + g.rng.Intn(26)
	ng := 2 + g.rng.Intn(3)
	n := 100 + g.rng.Intn(300)
	live := map[string][]any{}
	var order []string // ids in first-upsert order, for a deterministic table
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("id%02d", g.rng.Intn(nid))
		switch k := g.rng.Intn(100); {
		case k < 25: // delete
			row, ok := live[id]
			if !ok && k >= 3 {
				continue // deletes of keys with no row stay rare
			}
			if !ok {
				row = []any{id, nil, nil, nil, nil}
			}
			src.lines = append(src.lines, `{"op":"delete","key":`+clQuote(id)+`,"row":`+clJSON(src.rel.cols, row)+`}`)
			delete(live, id)
		default:
			row := []any{id,
				g.maybeNull(8, string(rune('p'+g.rng.Intn(ng)))),
				g.maybeNull(10, int64(g.rng.Intn(16)-3)),
				g.maybeNull(10, float64(g.rng.Intn(61)-20)/4),
				g.maybeNull(8, clStrings[g.rng.Intn(len(clStrings))]),
			}
			if _, ok := live[id]; !ok {
				order = append(order, id)
			}
			live[id] = row
			if g.rng.Intn(7) == 0 {
				src.lines = append(src.lines, clJSON(src.rel.cols, row)) // a plain row: an upsert
			} else {
				src.lines = append(src.lines, `{"op":"upsert","key":`+clQuote(id)+`,"row":`+clJSON(src.rel.cols, row)+`}`)
			}
		}
	}
	seen := map[string]bool{}
	for _, id := range order {
		if row, ok := live[id]; ok && !seen[id] {
			seen[id] = true
			g.exec("INSERT INTO cs VALUES (?,?,?,?,?)", row...)
		}
	}
}

func clQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func clJSON(cols []clCol, row []any) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(clQuote(c.name) + ":")
		switch v := row[i].(type) {
		case nil:
			b.WriteString("null")
		case string:
			b.WriteString(clQuote(v))
		case int64:
			b.WriteString(strconv.FormatInt(v, 10))
		case float64:
			b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		}
	}
	b.WriteByte('}')
	return b.String()
}

// clExpr is an expression in both dialects.
type clExpr struct {
	v, s                 string // velort (MySQL) and SQLite text
	typ                  clType
	frac, inexact, rough bool
}

func (e clExpr) with(v, s string, typ clType, args ...clCol) clExpr {
	x := clExpr{v: v, s: s, typ: typ, frac: e.frac, inexact: e.inexact, rough: e.rough}
	for _, a := range args {
		x.frac, x.inexact, x.rough = x.frac || a.frac, x.inexact || a.inexact, x.rough || a.rough
	}
	return x
}

func colExpr(c clCol) clExpr {
	return clExpr{v: c.name, s: c.name, typ: c.typ, frac: c.frac, inexact: c.inexact, rough: c.rough}
}

func (e clExpr) col(name string) clCol {
	return clCol{name: name, typ: e.typ, frac: e.frac, inexact: e.inexact, rough: e.rough}
}

func (g *clGen) alias(prefix string) string {
	g.n++
	return fmt.Sprintf("%s%d", prefix, g.n)
}

// pickCol picks one of r's columns of type typ (any type when typ < 0)
// that is exact when exact is set; ok is false when there is none.
func (g *clGen) pickCol(r *clRel, typ int, exact bool) (clCol, bool) {
	var cols []clCol
	for _, c := range r.cols {
		if (typ < 0 && c.typ < clTime || c.typ == clType(typ)) && (!exact || !c.inexact) {
			cols = append(cols, c)
		}
	}
	if len(cols) == 0 {
		return clCol{}, false
	}
	return cols[g.rng.Intn(len(cols))], true
}

// constant draws a non-NULL value of column col of relation from (SQLite
// text) from the data, or a fixed one when there is none.
func (g *clGen) constant(from, col string, typ clType) clExpr {
	var cnt int
	if err := g.db.QueryRow("SELECT COUNT(" + col + ") FROM " + from).Scan(&cnt); err != nil {
		g.t.Fatalf("sqlite: %v (constant of %s over %s)", err, col, from)
	}
	var v any
	if cnt > 0 {
		if err := g.db.QueryRow("SELECT "+col+" FROM "+from+" WHERE "+col+" IS NOT NULL ORDER BY 1 LIMIT 1 OFFSET ?", g.rng.Intn(cnt)).Scan(&v); err != nil {
			g.t.Fatalf("sqlite: %v (constant of %s over %s)", err, col, from)
		}
	}
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	var text string
	switch x := v.(type) {
	case int64:
		text = strconv.FormatInt(x, 10)
	case float64:
		text = strconv.FormatFloat(x, 'f', -1, 64)
	case string: // MySQL's literals escape with '\', SQLite's do not
		return clExpr{v: "'" + strings.NewReplacer(`\`, `\\`, "'", "''").Replace(x) + "'", s: "'" + strings.ReplaceAll(x, "'", "''") + "'", typ: typ}
	default:
		text = []string{"1", "0.5", "'m'"}[typ]
	}
	return clExpr{v: text, s: text, typ: typ}
}

// scalar is a random expression of type typ over r's columns; ok is false
// when r has no column of that type.
func (g *clGen) scalar(r *clRel, typ clType, exact bool) (clExpr, bool) {
	a, ok := g.pickCol(r, int(typ), exact)
	if !ok {
		return clExpr{}, false
	}
	ref := colExpr(a)
	if g.rng.Intn(2) == 0 {
		return ref, true
	}
	n := a.name
	switch typ {
	case clInt:
		switch g.rng.Intn(6) {
		case 0:
			b, _ := g.pickCol(r, int(clInt), exact)
			return ref.with(n+" + "+b.name, n+" + "+b.name, clInt, b), true
		case 1:
			return ref.with(n+" * 2 - 1", n+" * 2 - 1", clInt), true
		case 2:
			return ref.with(n+" % 3", n+" % 3", clInt), true
		case 3:
			return ref.with("COALESCE("+n+", 0)", "COALESCE("+n+", 0)", clInt), true
		case 4:
			p := g.pred(r, 1)
			return ref.with("CASE WHEN "+p.v+" THEN "+n+" ELSE 0 END", "CASE WHEN "+p.s+" THEN "+n+" ELSE 0 END", clInt), true
		default:
			return ref.with("ABS("+n+")", "ABS("+n+")", clInt), true
		}
	case clDouble:
		switch g.rng.Intn(3) {
		case 0:
			return ref.with(n+" * 2", n+" * 2", clDouble), true
		case 1:
			if b, ok := g.pickCol(r, int(clInt), exact); ok {
				return ref.with(n+" + "+b.name, n+" + "+b.name, clDouble, b), true
			}
			return ref, true
		default:
			return ref.with(n+" - 0.5", n+" - 0.5", clDouble), true
		}
	default:
		switch g.rng.Intn(2) {
		case 0:
			b, _ := g.pickCol(r, int(clString), exact)
			return ref.with("CONCAT("+n+", '-', "+b.name+")", "("+n+" || '-' || "+b.name+")", clString, b), true
		default:
			p := g.pred(r, 1)
			return clExpr{v: "CASE WHEN " + p.v + " THEN 'hi' ELSE 'lo' END", s: "CASE WHEN " + p.s + " THEN 'hi' ELSE 'lo' END", typ: clString}, true
		}
	}
}

// keyExpr is an expression of one or two columns of type typ, for GROUP
// BY. Expressions of two nullable columns (k2 + y, CONCAT(u, '-', g))
// spell a key that is NULL in rows where either column is: the key's group
// then holds rows with different values of each column, and the selected
// expression must show the key (it showed 1 + 5 from two rows, fixed
// since).
func (g *clGen) keyExpr(r *clRel, typ clType) (clExpr, bool) {
	a, ok := g.pickCol(r, int(typ), true)
	if !ok {
		return clExpr{}, false
	}
	ref, n := colExpr(a), a.name
	if b, ok := g.pickCol(r, int(typ), true); ok && b.name != n && g.rng.Intn(3) == 0 {
		if typ == clString {
			return ref.with("CONCAT("+n+", '-', "+b.name+")", "("+n+" || '-' || "+b.name+")", clString, b), true
		}
		return ref.with(n+" + "+b.name, "("+n+" + "+b.name+")", clInt, b), true
	}
	if typ == clString {
		if g.rng.Intn(2) == 0 {
			return ref.with("CONCAT("+n+", '!')", "("+n+" || '!')", clString), true
		}
		return ref.with("CASE WHEN "+n+" < 'c' THEN 'hi' ELSE 'lo' END", "CASE WHEN "+n+" < 'c' THEN 'hi' ELSE 'lo' END", clString), true
	}
	switch g.rng.Intn(4) {
	case 0:
		return ref.with(n+" % 3", n+" % 3", clInt), true
	case 1:
		return ref.with("ABS("+n+")", "ABS("+n+")", clInt), true
	case 2:
		return ref.with("COALESCE("+n+", 0)", "COALESCE("+n+", 0)", clInt), true
	default:
		return ref.with(n+" * 2 - 1", n+" * 2 - 1", clInt), true
	}
}

// anyScalar is an expression of a random type of r's columns; an int
// column divided by 4 now and then (MySQL's / of integers is exact: a
// DOUBLE in velort, a REAL division in SQLite).
func (g *clGen) anyScalar(r *clRel, exact bool) (clExpr, bool) {
	if a, ok := g.pickCol(r, int(clInt), exact); ok && g.rng.Intn(8) == 0 {
		return colExpr(a).with(a.name+" / 4", "("+a.name+" / 4.0)", clDouble), true
	}
	c, ok := g.pickCol(r, -1, exact)
	if !ok {
		return clExpr{}, false
	}
	return g.scalar(r, c.typ, exact)
}

var clCmp = []string{"=", "<>", "<", "<=", ">", ">="}

// pred is a random condition over r's exact columns (TRUE when there is
// none).
func (g *clGen) pred(r *clRel, depth int) clExpr {
	k := g.rng.Intn(10)
	if depth == 0 && k >= 8 {
		a, b := g.pred(r, 1), g.pred(r, 1)
		if k == 8 {
			op := []string{" AND ", " OR "}[g.rng.Intn(2)]
			return clExpr{v: "(" + a.v + op + b.v + ")", s: "(" + a.s + op + b.s + ")", typ: clInt}
		}
		return clExpr{v: "NOT (" + a.v + ")", s: "NOT (" + a.s + ")", typ: clInt}
	}
	var conds []clCol
	for _, c := range r.cols {
		if c.typ < clTime && !c.inexact {
			conds = append(conds, c)
		}
	}
	if len(conds) == 0 {
		return clExpr{v: "1 = 1", s: "1 = 1", typ: clInt}
	}
	c := conds[g.rng.Intn(len(conds))]
	cond := func(s string) clExpr { return clExpr{v: s, s: s, typ: clInt} }
	switch {
	case k == 0:
		return cond(c.name + " IS NULL")
	case k == 1:
		return cond(c.name + " IS NOT NULL")
	case k == 2 && c.typ == clInt:
		lo, hi := g.constant(r.name, c.name, c.typ), g.constant(r.name, c.name, c.typ)
		return clExpr{v: c.name + " BETWEEN " + lo.v + " AND " + hi.v, s: c.name + " BETWEEN " + lo.s + " AND " + hi.s, typ: clInt}
	case k == 3 && c.typ != clDouble:
		a, b := g.constant(r.name, c.name, c.typ), g.constant(r.name, c.name, c.typ)
		return clExpr{v: c.name + " IN (" + a.v + ", " + b.v + ")", s: c.name + " IN (" + a.s + ", " + b.s + ")", typ: clInt}
	case k == 4 && c.typ == clString:
		return cond(c.name + " LIKE '" + string(rune('a'+g.rng.Intn(26))) + "%'")
	}
	op, lit := clCmp[g.rng.Intn(len(clCmp))], g.constant(r.name, c.name, c.typ)
	return clExpr{v: c.name + " " + op + " " + lit.v, s: c.name + " " + op + " " + lit.s, typ: clInt}
}

// filterArg returns, one time in three, the aggregate argument a as
// CASE WHEN p THEN a END (Flink's FILTER (WHERE p), as Nexmark q15-q17
// write it; the stage evaluates p once for all aggregates that share it),
// p one of at most two conditions per query (filters), else a. It draws
// from g.frng only.
func (g *clGen) filterArg(r *clRel, a clExpr, filters []clExpr) (clExpr, []clExpr) {
	if a.v == "*" || g.frng.Intn(3) != 0 {
		return a, filters
	}
	return g.filtered(r, a, filters)
}

// filtered returns CASE WHEN p THEN a END, p as filterArg draws it.
func (g *clGen) filtered(r *clRel, a clExpr, filters []clExpr) (clExpr, []clExpr) {
	var p clExpr
	if k := g.frng.Intn(3); k < len(filters) {
		p = filters[k]
	} else {
		main := g.rng
		g.rng = g.frng
		p = g.pred(r, 1)
		g.rng = main
		filters = append(filters, p)
	}
	a.v = "CASE WHEN " + p.v + " THEN " + a.v + " END"
	a.s = "CASE WHEN " + p.s + " THEN " + a.s + " END"
	return a, filters
}

// statelessQuery: a projection with a filter. Over a changelog it keeps
// the input's key columns (so the output may be partitioned by them).
func (g *clGen) statelessQuery(name string, from *clRel) *clQuery {
	out := &clRel{name: name, changelog: from.changelog}
	var vs, ss []string
	add := func(e clExpr, alias string) {
		out.cols = append(out.cols, e.col(alias))
		if e.v == alias {
			vs, ss = append(vs, e.v), append(ss, e.s)
		} else {
			vs, ss = append(vs, e.v+" AS "+alias), append(ss, e.s+" AS "+alias)
		}
	}
	if from.changelog {
		for _, k := range from.key {
			for _, c := range from.cols {
				if c.name == k {
					add(colExpr(c), k)
				}
			}
		}
		out.key = from.key
		out.partKeys = from.key
	}
	for n := 1 + g.rng.Intn(4); n > 0; n-- {
		if c, _ := g.pickCol(from, -1, false); g.rng.Intn(2) == 0 && !out.has(c.name) {
			add(colExpr(c), c.name)
			if !from.changelog && c.typ != clDouble {
				out.partKeys = append(out.partKeys, c.name)
			}
		} else if e, ok := g.anyScalar(from, false); ok {
			add(e, g.alias("e"))
		}
	}
	if len(out.cols) == 0 {
		c, _ := g.pickCol(from, -1, false)
		add(colExpr(c), c.name)
	}
	q := &clQuery{from: from, out: out}
	q.velort = "SELECT " + strings.Join(vs, ", ") + " FROM " + from.name
	q.sqlite = "SELECT " + strings.Join(ss, ", ") + " FROM " + from.name
	if g.rng.Intn(4) != 0 {
		p := g.pred(from, 0)
		q.velort += " WHERE " + p.v
		q.sqlite += " WHERE " + p.s
	}
	g.choosePartitionKey(q)
	return q
}

func (g *clGen) choosePartitionKey(q *clQuery) {
	if len(q.out.partKeys) > 0 && g.rng.Intn(4) != 0 {
		q.p4key = q.out.partKeys[g.rng.Intn(len(q.out.partKeys))]
	}
}

// groupQuery: GROUP BY one or two keys (none when global) with 1–4
// aggregates, sometimes WHERE (not global: see below), HAVING and, unless
// changes is set, EMIT FINAL.
func (g *clGen) groupQuery(name string, from *clRel, global, changes bool, win *clWindow) *clQuery {
	out := &clRel{name: name}
	var vs, ss, gv, gs []string
	if win != nil {
		global = false
	}
	if !global {
		n := 1 + g.rng.Intn(2)
		if win != nil {
			n = g.rng.Intn(2)
		}
		for ; n > 0; n-- {
			var e clExpr
			var ok bool
			typ := []clType{clInt, clString}[g.rng.Intn(2)]
			if c, found := g.pickCol(from, int(clTime), true); found && win == nil && g.rng.Intn(3) == 0 {
				e, ok = colExpr(c), true // a window bound
			} else if g.rng.Intn(6) == 0 {
				e, ok = g.keyExpr(from, typ)
			} else if c, found := g.pickCol(from, int(typ), true); found {
				e, ok = colExpr(c), true
			}
			if !ok {
				continue
			}
			alias := e.v
			if e.v != e.s || strings.ContainsAny(e.v, " (") {
				alias = g.alias("gk")
			}
			if out.has(alias) || slices.Contains(gv, e.v) {
				continue
			}
			out.cols = append(out.cols, e.col(alias))
			out.key = append(out.key, alias)
			out.partKeys = append(out.partKeys, alias)
			if alias == e.v {
				vs, ss = append(vs, e.v), append(ss, e.s)
			} else {
				vs, ss = append(vs, e.v+" AS "+alias), append(ss, e.s+" AS "+alias)
			}
			gv, gs = append(gv, e.v), append(gs, e.s)
		}
		global = len(gv) == 0 && win == nil
	}
	// The window: window_start (and now and then window_end) as columns,
	// which SQLite computes from ts (HOP: a record is in size/slide windows,
	// one per row of kk).
	// WHERE (not for a global aggregate: velort has its row once its
	// input had a record, which the test reads from the input's capture).
	var where *clExpr
	if !global && g.rng.Intn(10) < 3 {
		p := g.pred(from, 0)
		where = &p
	}
	fromS, noEnd := from.name, false
	if win != nil {
		ws := fmt.Sprintf("((ts / %d) * %d)", win.slide, win.slide)
		if win.session {
			// Sessions as gaps and islands: a record more than gap after
			// the previous one of its group starts a session (sid); ties
			// share one running sum (the default RANGE frame).
			part := ""
			if len(gs) > 0 {
				part = "PARTITION BY " + strings.Join(gs, ", ") + " "
			}
			inner := from.name
			if where != nil {
				inner = "(SELECT * FROM " + from.name + " WHERE " + where.s + ")"
			}
			fromS = fmt.Sprintf("(SELECT *, SUM(brk) OVER (%sORDER BY ts) AS sid FROM (SELECT *, CASE WHEN ts - LAG(ts) OVER (%sORDER BY ts) <= %d THEN 0 ELSE 1 END AS brk FROM %s)) AS %s",
				part, part, win.size, inner, from.name)
		}
		if win.hop {
			ws = fmt.Sprintf("((ts / %d) * %d - kk.k * %d)", win.slide, win.slide, win.slide)
			var ks []string
			for k := int64(0); k < win.size/win.slide; k++ {
				ks = append(ks, fmt.Sprintf("SELECT %d AS k", k))
			}
			fromS += ", (" + strings.Join(ks, " UNION ALL ") + ") AS kk"
		}
		we := fmt.Sprintf("(%s + %d)", ws, win.size)
		if win.session {
			ws, we = "MIN(ts)", fmt.Sprintf("(MAX(ts) + %d)", win.size)
		}
		iso := func(ms string) string { return "strftime('%Y-%m-%dT%H:%M:%fZ', " + ms + " / 1000.0, 'unixepoch')" }
		bounds := []string{"window_start"}
		if g.rng.Intn(3) == 0 {
			bounds = append(bounds, "window_end")
		}
		// Without window_end among the columns (the key's last part then
		// travels only in Velort-Key), velort refuses to partition the
		// changelog by any column, even a group key (planner/kinds.go:
		// changelogKeyIdx is nil): it keeps one partition.
		noEnd = len(bounds) == 1
		for _, b := range bounds {
			out.cols = append(out.cols, clCol{name: b, typ: clTime})
			out.key = append(out.key, b)
			out.partKeys = append(out.partKeys, b)
			vs = append(vs, b)
			if b == "window_start" {
				ss = append(ss, iso(ws)+" AS window_start")
			} else {
				ss = append(ss, iso(we)+" AS window_end")
			}
		}
		switch {
		case win.session:
			gv = append(gv, fmt.Sprintf("SESSION(ts, INTERVAL '%d' SECOND)", win.size/1000))
			gs = append(gs, "sid")
		case win.hop:
			gv = append(gv, fmt.Sprintf("HOP(ts, INTERVAL '%d' SECOND, INTERVAL '%d' SECOND)", win.slide/1000, win.size/1000))
			gs = append(gs, ws)
		default:
			gv = append(gv, fmt.Sprintf("TUMBLE(ts, INTERVAL '%d' SECOND)", win.size/1000))
			gs = append(gs, ws)
		}
	}
	// Aggregates.
	type agg struct {
		v, s string
		col  clCol
	}
	var aggs []agg
	addRaw := func(v, s string, typ clType, frac, inexact, rough bool) {
		c := clCol{name: g.alias("a"), typ: typ, frac: frac, inexact: inexact, rough: rough}
		out.cols = append(out.cols, c)
		vs, ss = append(vs, v+" AS "+c.name), append(ss, s+" AS "+c.name)
		aggs = append(aggs, agg{v, s, c})
	}
	// The conditions of filterArg: few, so that aggregates share them.
	var filters []clExpr
	add := func(f string, a clExpr, typ clType, frac, inexact bool) { // f: "SUM(" or "SUM(DISTINCT "
		a, filters = g.filterArg(from, a, filters)
		addRaw(f+a.v+")", f+a.s+")", typ, frac, inexact, a.rough && !strings.HasPrefix(f, "COUNT"))
	}
	numeric := func() (clExpr, bool) {
		if g.rng.Intn(3) == 0 {
			if e, ok := g.scalar(from, clDouble, false); ok {
				return e, true
			}
		}
		return g.scalar(from, clInt, false)
	}
	for n := 1 + g.rng.Intn(4); n > 0; n-- {
		switch g.rng.Intn(11) {
		case 0:
			add("COUNT(", clExpr{v: "*", s: "*"}, clInt, false, false)
		case 1:
			if a, ok := g.anyScalar(from, false); ok {
				add("COUNT(", a, clInt, false, false)
			}
		case 2:
			if a, ok := numeric(); ok {
				add("SUM(", a, a.typ, a.frac, a.frac || a.inexact)
			}
		case 3:
			if a, ok := numeric(); ok {
				add("AVG(", a, clDouble, true, a.frac || a.inexact)
			}
		case 4, 5:
			if a, ok := g.anyScalar(from, false); ok {
				add([]string{"MIN(", "MAX("}[g.rng.Intn(2)], a, a.typ, a.frac, a.inexact)
			}
		case 6, 7:
			if a, ok := g.anyScalar(from, true); ok {
				add("COUNT(DISTINCT ", a, clInt, false, false)
				// Up to two more of the same argument under filters: the
				// COUNT(DISTINCT) of one column share a set per group
				// (runtime/agg_distinct_shared.go). Drawn from frng only.
				for k := g.frng.Intn(3); k > 0; k-- {
					var b clExpr
					b, filters = g.filtered(from, a, filters)
					addRaw("COUNT(DISTINCT "+b.v+")", "COUNT(DISTINCT "+b.s+")", clInt, false, false, false)
				}
			}
		case 9:
			// MySQL's population and sample variances and deviations;
			// SQLite has none: the same from sums (clamped at 0 against
			// rounding, as a variance cannot be negative).
			if a, ok := numeric(); ok {
				x := "(" + a.s + ")"
				pop := "max(0.0, AVG(" + x + " * " + x + ") - AVG(" + x + ") * AVG(" + x + "))"
				samp := "CASE WHEN COUNT(" + x + ") > 1 THEN max(0.0, SUM(" + x + " * " + x + ") - SUM(" + x + ") * 1.0 * SUM(" + x + ") / COUNT(" + x + ")) / (COUNT(" + x + ") - 1) END"
				switch f := []string{"VARIANCE", "VAR_POP", "STDDEV", "STDDEV_POP", "STD", "VAR_SAMP", "STDDEV_SAMP"}[g.rng.Intn(7)]; f {
				case "VARIANCE", "VAR_POP":
					addRaw(f+"("+a.v+")", pop, clDouble, true, true, a.rough)
				case "VAR_SAMP":
					addRaw(f+"("+a.v+")", samp, clDouble, true, true, a.rough)
				case "STDDEV_SAMP":
					addRaw(f+"("+a.v+")", "sqrt("+samp+")", clDouble, true, true, true)
				default:
					addRaw(f+"("+a.v+")", "sqrt("+pop+")", clDouble, true, true, true)
				}
			}
		case 10:
			// GROUP_CONCAT(DISTINCT …): bounded by the few distinct values
			// (MySQL cuts at group_concat_max_len); ordered, so that the
			// text is the batch query's.
			typ := []clType{clInt, clString}[g.rng.Intn(2)]
			if a, ok := g.scalar(from, typ, true); ok && (win == nil || !win.session) { // refused with SESSION (merges)
				dir := []string{"", " DESC"}[g.rng.Intn(2)]
				addRaw("GROUP_CONCAT(DISTINCT "+a.v+" ORDER BY "+a.v+dir+" SEPARATOR ';')",
					"replace(group_concat(DISTINCT "+a.s+" ORDER BY "+a.s+dir+"), ',', ';')", clString, false, false, false)
			}
		default:
			if a, ok := g.scalar(from, clInt, true); ok {
				if g.rng.Intn(2) == 0 {
					add("SUM(DISTINCT ", a, clInt, false, false)
				} else {
					add("AVG(DISTINCT ", a, clDouble, true, false)
				}
			}
		}
	}
	if len(aggs) == 0 {
		add("COUNT(", clExpr{v: "*", s: "*"}, clInt, false, false)
	}
	q := &clQuery{from: from, out: out, group: true, global: global}
	q.velort = "SELECT " + strings.Join(vs, ", ") + " FROM " + from.name
	q.sqlite = "SELECT " + strings.Join(ss, ", ") + " FROM " + fromS
	if where != nil {
		q.velort += " WHERE " + where.v
		if win == nil || !win.session {
			q.sqlite += " WHERE " + where.s
		}
	}
	if !global {
		q.velort += " GROUP BY " + strings.Join(gv, ", ")
		q.sqlite += " GROUP BY " + strings.Join(gs, ", ")
	}
	if g.rng.Intn(10) < 3 {
		// HAVING compares an exact aggregate with a value it takes.
		a := aggs[g.rng.Intn(len(aggs))]
		if !a.col.inexact {
			k := g.constant("("+q.sqlite+")", a.col.name, a.col.typ)
			op := clCmp[2+g.rng.Intn(4)]
			q.velort += " HAVING " + a.v + " " + op + " " + k.v
			q.sqlite += " HAVING " + a.s + " " + op + " " + k.s
		}
	}
	switch {
	case win != nil && g.rng.Intn(2) == 0: // EMIT FINAL, the default with a window
		q.emitFinal = true
		q.velort += []string{"", " EMIT FINAL"}[g.rng.Intn(2)]
	case win != nil:
		q.velort += " EMIT CHANGES"
		out.changelog = true
	case !changes && g.rng.Intn(100) < 15:
		q.emitFinal = true
		q.velort += " EMIT FINAL"
	default:
		out.changelog = true
	}
	if global || noEnd && out.changelog {
		out.key, out.partKeys = nil, nil
	}
	g.choosePartitionKey(q)
	return q
}

// clWindow is a TUMBLE (size), HOP (slide, size) or SESSION (gap) window in ms.
type clWindow struct {
	hop, session bool
	size, slide  int64 // SESSION: size is the gap
}

// distinctQuery: SELECT DISTINCT of 1–3 columns or expressions, sometimes
// with WHERE; a changelog keyed by all its columns (EMIT FINAL now and
// then: append-only).
func (g *clGen) distinctQuery(name string, from *clRel) *clQuery {
	out := &clRel{name: name, changelog: true}
	var vs, ss []string
	for n := 1 + g.rng.Intn(3); n > 0; n-- {
		var e clExpr
		var ok bool
		if c, found := g.pickCol(from, int(clTime), true); found && g.rng.Intn(4) == 0 {
			e, ok = colExpr(c), true
		} else if c, found := g.pickCol(from, -1, true); found && g.rng.Intn(3) != 0 {
			e, ok = colExpr(c), true
		} else {
			e, ok = g.anyScalar(from, true)
		}
		if !ok || slices.Contains(vs, e.v) {
			continue
		}
		alias := e.v
		if e.v != e.s || strings.ContainsAny(e.v, " (") {
			alias = g.alias("e")
			vs, ss = append(vs, e.v+" AS "+alias), append(ss, e.s+" AS "+alias)
		} else if out.has(alias) {
			continue
		} else {
			vs, ss = append(vs, e.v), append(ss, e.s)
		}
		out.cols = append(out.cols, e.col(alias))
		out.key = append(out.key, alias)
		if e.typ != clDouble {
			out.partKeys = append(out.partKeys, alias)
		}
	}
	if len(out.cols) == 0 {
		c, _ := g.pickCol(from, -1, false)
		out.cols, out.key = []clCol{c}, []string{c.name}
		vs, ss = []string{c.name}, []string{c.name}
	}
	q := &clQuery{from: from, out: out}
	q.velort = "SELECT DISTINCT " + strings.Join(vs, ", ") + " FROM " + from.name
	q.sqlite = "SELECT DISTINCT " + strings.Join(ss, ", ") + " FROM " + from.name
	if g.rng.Intn(3) == 0 {
		p := g.pred(from, 0)
		q.velort += " WHERE " + p.v
		q.sqlite += " WHERE " + p.s
	}
	if g.rng.Intn(6) == 0 {
		q.emitFinal, out.changelog = true, false
		q.velort += " EMIT FINAL"
	}
	g.choosePartitionKey(q)
	return q
}

// topNQuery: ORDER BY … LIMIT n (a Top-N changelog) over 1–3 columns,
// ordered by all of them (so that ties are equal rows and the batch answer
// is one multiset), sometimes with WHERE. Its key (an arrival number, or
// the input's key) is not among its columns: one partition.
func (g *clGen) topNQuery(name string, from *clRel) *clQuery {
	out := &clRel{name: name, changelog: true}
	var cols, order []string
	for n := 1 + g.rng.Intn(3); n > 0; n-- {
		c, ok := g.pickCol(from, -1, true)
		if g.rng.Intn(5) == 0 {
			c, ok = g.pickCol(from, int(clTime), true)
		}
		if !ok || out.has(c.name) {
			continue
		}
		out.cols = append(out.cols, c)
		cols = append(cols, c.name)
		order = append(order, c.name+[]string{"", " DESC"}[g.rng.Intn(2)])
	}
	if len(cols) == 0 {
		c, _ := g.pickCol(from, -1, false)
		out.cols, cols, order = []clCol{c}, []string{c.name}, []string{c.name}
	}
	g.rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	q := &clQuery{from: from, out: out}
	q.velort = "SELECT " + strings.Join(cols, ", ") + " FROM " + from.name
	q.sqlite = q.velort
	if g.rng.Intn(3) == 0 {
		p := g.pred(from, 0)
		q.velort += " WHERE " + p.v
		q.sqlite += " WHERE " + p.s
	}
	tail := fmt.Sprintf(" ORDER BY %s LIMIT %d", strings.Join(order, ", "), 1+g.rng.Intn(5))
	q.velort += tail
	q.sqlite += tail
	return q
}

// sqlFile renders the case for velort with every stream in one partition
// (parts = 1) or the source and derived streams in 4 where a key allows.
func (c *clCase) sqlFile(parts int) string {
	var b strings.Builder
	with := func(name, key string) string {
		if parts == 1 || key == "" {
			return fmt.Sprintf("subject = 'cl.%s'", name)
		}
		return fmt.Sprintf("subject = 'cl.%s.{partition}', partitions = 4, key = '%s'", name, key)
	}
	fmt.Fprintf(&b, "-- TestChangelogChainsAgainstSQLite seed=%d partitions=%d\n", c.seed, parts)
	for _, src := range c.srcs {
		var defs []string
		for _, col := range src.rel.cols {
			defs = append(defs, col.name+" "+clTypeNames[col.typ])
		}
		w := with(src.rel.name, src.p4key)
		if src.rel.name == "s" {
			w += ", event_time = 'ts'"
		}
		if src.rel.changelog {
			w = with(src.rel.name, "") + ", changelog = 'upsert', key = 'id'"
			if parts > 1 {
				w = with(src.rel.name, "id") + ", changelog = 'upsert'"
			}
		}
		fmt.Fprintf(&b, "CREATE STREAM %s (%s)\nWITH (%s);\n", src.rel.name, strings.Join(defs, ", "), w)
	}
	for _, q := range c.queries {
		if q.insert {
			var defs []string
			for _, col := range q.out.cols {
				defs = append(defs, col.name+" "+clTypeNames[col.typ])
			}
			fmt.Fprintf(&b, "\nCREATE STREAM %s (%s)\nWITH (%s);\nINSERT INTO %s\n%s;\n", q.out.name, strings.Join(defs, ", "), with(q.out.name, q.p4key), q.out.name, q.velort)
			continue
		}
		fmt.Fprintf(&b, "\nCREATE STREAM %s WITH (%s) AS\n%s;\n", q.out.name, with(q.out.name, q.p4key), q.velort)
	}
	return b.String()
}
