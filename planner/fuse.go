package planner

import (
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"

	"github.com/velort/velort/runtime"
)

// Fusing a derived table into the query that reads it (SPEC §2: stages
// that agree on partitioning run in one loop, no exchange). A derived
// table or CTE that only filters and projects one stream — no aggregate,
// window, DISTINCT, ORDER BY/LIMIT, join or subquery — and is the only
// FROM item of a query without windows is not a stage: go-mysql-server
// plans it inside the query, and flattenInline folds its projection and
// WHERE into the query's own levels, so the query reads the stream
// directly. It is partitioned as the stream is, by construction.

// catalog is the database one query's SELECT sees: its source (with cols,
// its columns as the query sees them), the file's KV tables and streams,
// and the stages of the statements being planned, by their names.
func (pl *Plan) catalog(src *Stream, cols runtime.Schema) *streamDB {
	db := &streamDB{}
	if src != nil {
		db.add(newStreamTable(src.Name, cols))
	}
	for _, t := range pl.Tables {
		if !t.Materialized() {
			db.add(newStreamTable(t.Name, t.Columns))
		}
	}
	for _, s := range pl.Streams { // other streams, for joins
		if s != src && s.Columns != nil && !s.Hidden && pl.Stream(s.Name) == s {
			db.add(newStreamTable(s.Name, s.Columns))
		}
	}
	for _, scope := range pl.scopes { // stages of the statement, by their names
		for n, s := range scope {
			if s != src && s.Columns != nil && pl.Stream(n) == s {
				db.add(newStreamTable(n, s.Columns))
			}
		}
	}
	return db
}

// fuseBlockers are the words that make a derived table a stage of its own
// (in it), or keep a query from taking one in (around it).
var fuseBlockers = map[string]bool{"GROUP": true, "HAVING": true, "DISTINCT": true, "LIMIT": true, "ORDER": true,
	"OVER": true, "JOIN": true, "UNION": true, "WINDOW": true, "EMIT": true, "WITH": true, "TUMBLE": true,
	"HOP": true, "SESSION": true, "TUMBLING": true, "SLIDING": true, "SELECT": true}

// fusable reports whether the derived table body (the tokens inside its
// parentheses), the only FROM item of the SELECT in outer at index at,
// can be planned inside that SELECT.
func (c *composer) fusable(outer []token, at, closing int, body []token) bool {
	if at == 0 || !isKeyword(outer[at-1], "FROM") {
		return false
	}
	j := closing + 1
	if j < len(outer) && isKeyword(outer[j], "AS") {
		j++
	}
	j++ // the alias
	if j < len(outer) && (isPunct(outer[j], ",") || isClauseKeyword(outer[j]) && !afterFrom[strings.ToUpper(outer[j].text)]) {
		return false // joined with something
	}
	for i, t := range outer {
		if (i < at || i > closing) && t.kind == tokIdent && (isKeyword(t, "OVER") || isKeyword(t, "TUMBLE") || isKeyword(t, "HOP") ||
			isKeyword(t, "SESSION") || isKeyword(t, "WINDOW") || isKeyword(t, "TUMBLING") || isKeyword(t, "SLIDING")) {
			return false
		}
	}
	from := -1
	for i, t := range body {
		if t.kind == tokIdent && fuseBlockers[strings.ToUpper(t.text)] && i > 0 {
			return false
		}
		if isPunct(t, ",") && from >= 0 {
			return false // FROM a, b
		}
		if isKeyword(t, "FROM") {
			from = i
		}
	}
	if from < 0 || from+1 >= len(body) || body[from+1].kind != tokIdent {
		return false
	}
	src := c.pl.Stream(body[from+1].text)
	if src == nil || c.pl.Table(body[from+1].text) != nil {
		return false // a KV table's changelog: a stage
	}
	// go-mysql-server decides the rest: only projections and filters.
	text := string(c.text[body[0].start:body[len(body)-1].end])
	a := newAnalyzer(c.pl.catalog(src, src.Columns), c.pl.gmsFunctions())
	node, err := a.analyze(text)
	if err != nil {
		return false
	}
	ok := true
	transform.Inspect(node, func(n sql.Node) bool {
		switch n.(type) {
		case *plan.Project, *plan.Filter, *plan.TableAlias, *plan.ResolvedTable, nil:
		default:
			ok = false
		}
		return ok
	})
	return ok
}

// flattenInline folds the derived tables go-mysql-server planned inside a
// query into the query's levels: a SubqueryAlias is replaced by its plan,
// a Filter goes below the projections it was written over (its condition
// inlined through them), filters merge, and a GroupBy over a projection
// takes the projection's expressions into its own.
func flattenInline(n sql.Node) sql.Node {
	ch := n.Children()
	if len(ch) > 0 {
		nc := make([]sql.Node, len(ch))
		for i, c := range ch {
			nc[i] = flattenInline(c)
		}
		if m, err := n.WithChildren(nc...); err == nil {
			n = m
		}
	}
	switch x := n.(type) {
	case *plan.SubqueryAlias:
		return x.Child
	case *plan.Filter:
		switch c := x.Child.(type) {
		case *plan.Project:
			return plan.NewProject(c.Projections, flattenInline(plan.NewFilter(inlineLevel(x.Expression, c.Projections), c.Child)))
		case *plan.Filter:
			return plan.NewFilter(expression.NewAnd(c.Expression, x.Expression), c.Child)
		}
	case *plan.GroupBy:
		if c, ok := x.Child.(*plan.Project); ok {
			sel := make([]sql.Expression, len(x.SelectedExprs))
			for i, e := range x.SelectedExprs {
				sel[i] = inlineKeepName(e, c.Projections)
			}
			grp := make([]sql.Expression, len(x.GroupByExprs))
			for i, e := range x.GroupByExprs {
				grp[i] = inlineKeepName(e, c.Projections)
			}
			return flattenInline(plan.NewGroupBy(sel, grp, c.Child))
		}
	}
	return n
}

// inlineKeepName inlines e through level; a column reference becomes its
// expression under the column's name (the GroupBy's output keeps it).
func inlineKeepName(e sql.Expression, level []sql.Expression) sql.Expression {
	out := inlineLevel(e, level)
	if gf, ok := e.(*expression.GetField); ok {
		if _, still := out.(*expression.GetField); !still {
			return expression.NewAlias(gf.Name(), out)
		}
	}
	return out
}
