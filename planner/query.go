package planner

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/velort/velort/runtime"
)

// Query is one continuous query: SELECT … FROM Source into Sink.
type Query struct {
	Name    string
	Text    string
	Source  *Stream
	Sink    *Stream
	Columns runtime.Schema // output columns, named by alias or expression text
	Read    []bool         // which source columns the query reads (decode only these)
	// TimeIdx is the source column giving event time (-1: processing time).
	TimeIdx int
	Emit    runtime.EmitMode
	Window  runtime.WindowSpec
	Kind    string // "stateless", "group", "rows" or "topn" (ORDER BY … LIMIT without GROUP BY)

	plan       *Plan
	pos        int
	clauses    streamingClauses
	selectText string
	shape      *queryShape
	join       *joinSpec
	interval   *intervalSpec
	sideRead   [2][]bool // interval join: columns read of the left and right stream
	nKeys      int       // group stage layout, set when compiled
	// needRetract: aggregate user functions over a changelog input whose
	// modules must have a retract export (LoadModules checks).
	needRetract []pendingRetract
	// regular: a regular join over changelogs (regular_join.go).
	regular *regularSpec
	// warnings: accepted shapes check reports (topn.go).
	warnings []string
	// Kinds (kinds.go): whether the input and the output are changelogs,
	// the output's row key by name and by output column (-1: not in the
	// payload).
	inChangelog  bool
	outChangelog bool
	outKey       []string
	outKeyCols   []int
	nAggs        int
	// union: a UNION ALL branch after the first, writing the stream the
	// first one typed (compose.go).
	union bool
	// rank: this stage's ROW_NUMBER() column is filtered by <= n in the
	// query reading it: a Top-N per PARTITION BY key (topn_rank.go).
	rank *rankSpec
	// keyPrefix starts every output key of a UNION ALL branch of
	// changelogs: its number and '|' (compose.go).
	keyPrefix string
	// sourceAlias: the alias of the FROM stream (FROM events AS e), by
	// which go-mysql-server names its columns ("e.k").
	sourceAlias string
	// Statement is the name of the statement's query when this query is
	// one of its stages (a CTE, derived table, view or UNION ALL branch;
	// compose.go); "" for the statement's own query.
	Statement string
}

// AckAfter returns, for a record with event time et, the watermark at which
// every window it belongs to has been emitted, so that a durable source may
// acknowledge it: at once for stateless queries, at the end of its last
// TUMBLE/HOP window, and never (math.MaxInt64) for state that a restart
// could not rebuild from unacknowledged input (sessions, windowless groups,
// row frames, and the last row per key a changelog input keeps). With
// operator-state checkpoints enabled the partition loop acknowledges by
// checkpoint instead and uses this only when they are off.
func (q *Query) AckAfter(et int64) int64 {
	switch {
	case q.inChangelog || q.shape != nil && q.shape.topn != nil:
		return math.MaxInt64
	case q.Kind == "stateless":
		return math.MinInt64
	case q.Kind == "group" && q.Window.Kind == runtime.Tumble:
		return floorDiv(et, q.Window.Size)*q.Window.Size + q.Window.Size
	case q.Kind == "group" && q.Window.Kind == runtime.Hop:
		return floorDiv(et, q.Window.Slide)*q.Window.Slide + q.Window.Size
	}
	return math.MaxInt64
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Stateful reports whether the query keeps state between records (a
// changelog input's last row per key counts).
func (q *Query) Stateful() bool { return q.Kind != "stateless" || q.inChangelog }

// queryShape is the resolved go-mysql-server plan taken apart into the
// pieces velort compiles.
type queryShape struct {
	filter  sql.Expression     // WHERE, over source columns
	project []sql.Expression   // output columns, over the node below Project
	inner   [][]sql.Expression // projections below the top one (top-down), pure column remaps
	having  sql.Expression     // over the GroupBy output
	// havingLevel: HAVING reads the output of inner[havingLevel] (the
	// GroupBy's when havingLevel == len(inner)).
	havingLevel int
	groupBy     *plan.GroupBy
	// distinct: SELECT DISTINCT, planned as a GROUP BY of every selected
	// column with no aggregate (distinctAsGroup).
	distinct bool
	window   *plan.Window
	inSchema runtime.Schema // the source columns as go-mysql-server saw them
	topn     *topnShape     // ORDER BY … LIMIT n (topn.go)
	// orderNoLimit: ORDER BY without LIMIT (ignored; Query.Warnings).
	orderNoLimit bool
}

var (
	syntaxPos  = regexp.MustCompile(`at position (\d+)`)
	quotedName = regexp.MustCompile(`"([^"]+)"|'([^']+)'`)
)

// analyze resolves the query with go-mysql-server and checks its shape.
func (q *Query) analyze(p *parser) *Error {
	src := q.Source
	cols := append(runtime.Schema(nil), src.Columns...)
	if q.clauses.hasWindow {
		cols = append(cols, runtime.Column{Name: "window_start", Type: runtime.TTimestamp}, runtime.Column{Name: "window_end", Type: runtime.TTimestamp})
	}
	a := newAnalyzer(q.plan.catalog(src, cols), q.plan.gmsFunctions())
	node, err := a.analyze(q.selectText)
	if err != nil {
		return q.locate(p, err)
	}
	if len(p.inline) > 0 {
		node = flattenInline(node) // derived tables fused into this query (fuse.go)
	}
	if off, n := lostCharLength(p.st.toks[p.i:], node); off >= 0 {
		return p.src.errorAt(off, "CAST/CONVERT of text to CHAR(%d): velort cannot cut text to a length this way; write LEFT(x, %d)", n, n)
	}
	shape := &queryShape{inSchema: cols}
	if e := q.decompose(p, node, shape); e != nil {
		return e
	}
	if shape.project == nil { // GMS drops a projection that selects its input as is
		for i, c := range node.Schema() {
			shape.project = append(shape.project, expression.NewGetField(i, c.Type, c.Name, c.Nullable))
		}
	}
	if shape.distinct {
		if e := q.distinctAsGroup(p, shape); e != nil {
			return e
		}
	}
	q.shape = shape
	return q.finish(p)
}

// distinctAsGroup turns SELECT DISTINCT e1, e2, ... into GROUP BY e1, e2,
// ... with no aggregate: one row per distinct combination — a changelog
// keyed by all its columns under EMIT CHANGES (the default), each row once
// at end of input under EMIT FINAL. Over a changelog input a row whose
// last occurrence is retracted is deleted.
func (q *Query) distinctAsGroup(p *parser, sh *queryShape) *Error {
	if sh.groupBy != nil || sh.window != nil || q.join != nil || q.interval != nil || q.regular != nil {
		return p.src.errorAt(q.pos, "SELECT DISTINCT with GROUP BY, OVER or a join is not supported in a continuous query: expected SELECT DISTINCT columns FROM stream [WHERE ...]")
	}
	if q.clauses.hasWindow {
		return p.src.errorAt(q.clauses.windowToken.start, "SELECT DISTINCT with a window is not supported: expected GROUP BY the selected columns with the window")
	}
	cols := make([]sql.Expression, len(sh.project))
	proj := make([]sql.Expression, len(sh.project))
	for i, e := range sh.project {
		e = inlineLevels(e, sh.inner)
		name := outputName(e)
		if a, ok := e.(*expression.Alias); ok {
			e = a.Child
		}
		if findAggregation(e) != nil {
			return p.src.errorAt(q.pos, "SELECT DISTINCT with aggregates is not supported: expected GROUP BY")
		}
		cols[i] = e
		proj[i] = expression.NewAlias(name, expression.NewGetField(i, e.Type(), name, true))
	}
	sh.groupBy = plan.NewGroupBy(cols, cols, nil)
	sh.project, sh.inner = proj, nil
	return nil
}

// locate turns a go-mysql-server error into a positioned Error.
func (q *Query) locate(p *parser, err error) *Error {
	msg := err.Error()
	off := q.pos
	if m := syntaxPos.FindStringSubmatch(msg); m != nil {
		// vitess reports the 1-based offset just past the offending token.
		n, _ := strconv.Atoi(m[1])
		off = q.pos + max(n-2, 0)
		near := "end of statement"
		for _, t := range p.st.toks {
			if t.start <= off && off < t.end {
				off, near = t.start, describe(t)
				break
			}
		}
		msg = "syntax error at " + near + ": expected a valid MySQL SELECT (see docs/sql.md)"
	} else if m := quotedName.FindStringSubmatch(msg); m != nil {
		name := m[1] + m[2]
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			name = name[i+1:]
		}
		for _, t := range p.st.toks[p.i:] {
			if t.kind == tokIdent && strings.EqualFold(t.text, name) {
				off = t.start
				break
			}
		}
		switch {
		case strings.Contains(msg, "could not be found"):
			msg = fmt.Sprintf("unknown column %s: expected a column of stream %s (%s)", name, q.Source.Name, columnNames(q.Source.Columns))
		case strings.Contains(msg, "function"):
			msg = fmt.Sprintf("unknown function %s: expected a MySQL function or one declared with CREATE FUNCTION / --plugins", name)
		}
	}
	return p.src.errorAt(off, "%s", msg)
}

func columnNames(s runtime.Schema) string {
	names := make([]string, len(s))
	for i, c := range s {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// decompose walks the resolved plan top-down.
func (q *Query) decompose(p *parser, n sql.Node, sh *queryShape) *Error {
	unsupported := func(what string) *Error {
		return p.src.errorAt(q.pos, "%s is not supported in a continuous query", what)
	}
	for n != nil {
		switch x := n.(type) {
		case *plan.Project:
			if sh.project != nil {
				sh.inner = append(sh.inner, x.Projections)
			} else {
				sh.project = x.Projections
			}
		case *plan.Filter:
			sh.filter = x.Expression
		case *plan.Having:
			sh.having = x.Cond
			sh.havingLevel = len(sh.inner)
		case *plan.GroupBy:
			if sh.filter != nil {
				return unsupported("a filter over aggregates (use HAVING)")
			}
			sh.groupBy = x
		case *plan.Window:
			if sh.filter != nil {
				return unsupported("a filter over window functions")
			}
			if q.rank != nil { // ROW_NUMBER() … <= n read by the query around (topn_rank.go)
				if e := q.rankTopN(p, x, sh); e != nil {
					return e
				}
				break
			}
			sh.window = x
		case *plan.TableAlias:
		case *plan.ResolvedTable:
			return nil
		case *plan.EmptyTable:
			// WHERE folded to false: the query runs and outputs nothing.
			if q.join != nil || q.interval != nil || q.regular != nil || len(x.Schema()) != len(sh.inSchema) {
				return unsupported("a condition that is always false here")
			}
			sh.filter = expression.NewLiteral(false, types.Boolean)
			return nil
		case *plan.Limit:
			if sh.project != nil || sh.topn != nil {
				return unsupported("LIMIT below another operator")
			}
			n, err := topnLimit(x.Limit)
			if err != nil {
				return p.src.errorAt(q.pos, "%v", err)
			}
			sh.topn = &topnShape{limit: n, level: -1}
		case *plan.Offset:
			return unsupported("LIMIT with an OFFSET")
		case *plan.TopN, *plan.Sort:
			fields := sql.SortFields(nil)
			if t, ok := x.(*plan.TopN); ok {
				fields = t.Fields
			} else {
				fields = x.(*plan.Sort).SortFields
			}
			switch {
			case sh.topn == nil: // orders nothing in a continuous result: ignored, check warns
				sh.orderNoLimit = true
			case sh.topn.fields != nil:
				return unsupported("ORDER BY below another operator")
			default:
				sh.topn.fields, sh.topn.level = fields, -1
				if sh.project != nil {
					sh.topn.level = len(sh.inner)
				}
			}
		case *plan.Distinct, *plan.OrderedDistinct:
			if sh.project != nil || sh.distinct {
				return unsupported("DISTINCT below another operator")
			}
			sh.distinct = true
		case *plan.Into:
			return unsupported("SELECT ... INTO (the query's rows go to its stream)")
		case *plan.SetOp:
			return unsupported("UNION, INTERSECT or EXCEPT (write one INSERT INTO the same stream per SELECT)")
		case *plan.JoinNode:
			if q.clauses.hasWindow {
				return unsupported("a window over a join")
			}
			if err := q.decomposeJoin(x); err != nil {
				return p.src.errorAt(q.pos, "%v", err)
			}
			if q.interval != nil {
				sh.inSchema = append(append(runtime.Schema{}, q.interval.left.Columns...), q.interval.right.Columns...)
			} else if q.regular != nil {
				sh.inSchema = append(append(runtime.Schema{}, q.regular.left.Columns...), q.regular.right.Columns...)
			} else {
				sh.inSchema = q.joinSchema()
			}
			return nil
		default:
			return unsupported(fmt.Sprintf("%T", n))
		}
		children := n.Children()
		if len(children) != 1 {
			return unsupported(fmt.Sprintf("%T", n))
		}
		n = children[0]
	}
	return nil
}

// finish derives the output schema, the read set and the query kind.
func (q *Query) finish(p *parser) *Error {
	sh := q.shape
	src := q.Source
	q.TimeIdx = src.EventTimeIdx
	if q.clauses.timeColumn != "" {
		i := src.Columns.Index(q.clauses.timeColumn)
		if i < 0 {
			return p.src.errorAt(q.clauses.windowToken.start, "unknown time column %s in %s: expected a TIMESTAMP column of %s", q.clauses.timeColumn, q.clauses.windowToken.text, src.Name)
		}
		if t := src.Columns[i].Type; t != runtime.TTimestamp && t != runtime.TInt {
			return p.src.errorAt(q.clauses.timeToken.start, "time column %s of %s is %s: expected a TIMESTAMP column (or BIGINT epoch milliseconds)", q.clauses.timeColumn, strings.ToUpper(q.clauses.windowToken.text), t)
		}
		q.TimeIdx = i
	}
	q.Kind = "stateless"
	switch {
	case sh.groupBy != nil:
		q.Kind = "group"
	case sh.window != nil:
		q.Kind = "rows"
	case q.clauses.hasWindow:
		return p.src.errorAt(q.clauses.windowToken.start, "a window needs aggregates: expected GROUP BY or an aggregate function in the SELECT")
	case sh.topn != nil:
		q.Kind = "topn"
	}
	q.Window = q.clauses.window
	if e := q.refuseOverChangelog(p); e != nil {
		return e
	}
	if e := q.refuseTopN(p); e != nil {
		return e
	}
	q.warnOrderNoLimit(p)
	q.Emit = runtime.EmitChanges
	if q.clauses.hasWindow {
		q.Emit = runtime.EmitFinal
	}
	switch q.clauses.emit {
	case "changes":
		q.Emit = runtime.EmitChanges
	case "final":
		q.Emit = runtime.EmitFinal
	}
	// The output's kind is known from the shape (its key once compiled:
	// inferKinds); the group stage and the pipeline are wired by it.
	q.outChangelog = q.Kind == "group" && q.Emit == runtime.EmitChanges || q.Kind == "stateless" && q.inChangelog || sh.topn != nil ||
		q.Kind == "stateless" && q.regular != nil && q.regular.retracts() // an outer join of append-only streams: a padded row is deleted when a match comes
	q.markReads(src)
	// Output columns: compile once (partition -1) to learn their types.
	pipe, outTypes, err := q.compile(-1, nil)
	if err != nil {
		var ne *nameError
		if errors.As(err, &ne) {
			return p.src.errorAt(q.callPos(p, ne.name), "%s", ne.msg)
		}
		var ce *clauseError
		if errors.As(err, &ce) {
			return p.src.errorAt(q.clausePos(p, ce), "%v", err)
		}
		return p.src.errorAt(q.pos, "%v", err)
	}
	_ = pipe
	q.Columns = make(runtime.Schema, len(sh.project))
	for i, e := range sh.project {
		q.Columns[i] = runtime.Column{Name: outputName(e), Type: outTypes[i].typ, Scale: outTypes[i].scale, Precision: 18}
	}
	if e := q.bindSink(p); e != nil {
		return e
	}
	return q.inferKinds(p)
}

// callPos is the offset of the first call of function name in the query,
// or the query's own.
func (q *Query) callPos(p *parser, name string) int {
	toks := p.st.toks
	for i := p.i; i+1 < len(toks); i++ {
		if toks[i].kind == tokIdent && strings.EqualFold(toks[i].text, name) && isPunct(toks[i+1], "(") {
			return toks[i].start
		}
	}
	return q.pos
}

// clausePos is the offset where the clause (WHERE, HAVING) or the output
// column of e starts in the query, or the query's own.
func (q *Query) clausePos(p *parser, e *clauseError) int {
	toks := p.st.toks[p.i:]
	depth, col := 0, 1
	for i, t := range toks {
		switch {
		case isPunct(t, "("):
			depth++
		case isPunct(t, ")"):
			depth--
		case depth != 0:
		case e.column > 0 && isKeyword(t, "FROM"):
			return q.pos
		case e.column > 0 && isPunct(t, ","):
			if col++; col == e.column && i+1 < len(toks) {
				return toks[i+1].start
			}
		case e.column == 1 && i == 0 && len(toks) > 1:
			return toks[1].start
		case e.clause != "" && isKeyword(t, e.clause) && i+1 < len(toks):
			return toks[i+1].start
		}
	}
	return q.pos
}

// outputName is an output column's name: its alias, or its text as written.
func outputName(e sql.Expression) string {
	switch x := e.(type) {
	case *expression.Alias:
		return x.Name()
	case *expression.GetField:
		return x.Name()
	}
	return e.String()
}

// markReads computes the read sets: the source columns (q.Read) and, for
// an interval join, each side's columns (q.sideRead) that anything in the
// query references, plus keys and event times. Only these are decoded and,
// in join state, kept.
func (q *Query) markReads(src *Stream) {
	sh := q.shape
	width := len(src.Columns)
	if q.join != nil {
		width, _, _ = q.join.layout(len(src.Columns))
	} else if q.interval != nil {
		width = len(q.interval.left.Columns) + len(q.interval.right.Columns)
	} else if q.regular != nil {
		width = len(q.regular.left.Columns) + len(q.regular.right.Columns)
	}
	// wide: columns of the row the filter and the later stages see (the
	// joined row for joins, else the source row).
	wide := make([]bool, width)
	if sh.filter != nil {
		markRead(wide, sh.filter)
	}
	switch {
	case sh.groupBy != nil:
		for _, e := range sh.groupBy.SelectedExprs {
			markRead(wide, e)
		}
		for _, e := range sh.groupBy.GroupByExprs {
			markRead(wide, e)
		}
	case sh.window != nil:
		for _, e := range sh.window.SelectExprs {
			markReadDeep(wide, e)
		}
	default:
		for _, e := range sh.project { // over the source row once the levels below are inlined
			markRead(wide, inlineLevels(e, sh.inner))
		}
		if sh.topn != nil {
			exprs, _ := q.topnFields()
			for _, e := range append(exprs, sh.topn.partition...) {
				markRead(wide, e)
			}
		}
	}
	q.Read = make([]bool, len(src.Columns))
	switch {
	case q.join != nil:
		j := q.join
		if j.rest != nil {
			markRead(wide, j.rest)
		}
		_, off, _ := j.layout(len(src.Columns))
		copy(q.Read, wide[off:off+len(src.Columns)])
		markRead(q.Read, j.key)
		if j.preFilter != nil {
			markRead(q.Read, j.preFilter)
		}
	case q.regular != nil:
		q.markRegularReads(wide, src)
	case q.interval != nil:
		s := q.interval
		if s.cond != nil {
			markRead(wide, s.cond)
		}
		nl := len(s.left.Columns)
		l, r := append([]bool(nil), wide[:nl]...), append([]bool(nil), wide[nl:]...)
		markRead(l, s.leftKey)
		markRead(r, s.rightKey)
		if s.leftFilter != nil {
			markRead(l, s.leftFilter)
		}
		if s.rightFilter != nil {
			markRead(r, s.rightFilter)
		}
		l[s.leftTime], r[s.rightTime] = true, true
		q.sideRead = [2][]bool{l, r}
		for i := range q.Read {
			q.Read[i] = (s.left == src && l[i]) || (s.right == src && r[i])
		}
	default:
		copy(q.Read, wide)
	}
	for _, k := range src.KeyIdx {
		q.Read[k] = true
	}
	if q.inChangelog { // a record without Velort-Key is keyed by these
		for _, k := range src.changelogKeyIdx {
			q.Read[k] = true
		}
	}
	if q.TimeIdx >= 0 {
		q.Read[q.TimeIdx] = true
	}
}

// markRead marks source columns referenced by e.
func markRead(read []bool, e sql.Expression) {
	sql.Inspect(e, func(x sql.Expression) bool {
		if gf, ok := x.(*expression.GetField); ok && gf.Index() >= 0 && gf.Index() < len(read) {
			read[gf.Index()] = true
		}
		return true
	})
}

// markReadDeep also looks inside window definitions (PARTITION BY, ORDER BY).
func markReadDeep(read []bool, e sql.Expression) {
	markRead(read, e)
	if w, ok := e.(sql.WindowAdaptableExpression); ok && w.Window() != nil {
		for _, pe := range w.Window().PartitionBy {
			markRead(read, pe)
		}
	}
}

// bindSink fixes a derived sink's schema or checks a declared one.
func (q *Query) bindSink(p *parser) *Error {
	s := q.Sink
	if s.Derived && !q.union {
		s.Columns = q.Columns
		if !p.resolveStreamColumns(s, p.st.toks[0]) {
			return p.fail
		}
		return nil
	}
	if q.union {
		return q.bindUnionBranch(p)
	}
	if len(s.Columns) != len(q.Columns) {
		return p.src.errorAt(q.pos, "INSERT INTO %s: the query has %d columns, the stream has %d (%s)", s.Name, len(q.Columns), len(s.Columns), columnNames(s.Columns))
	}
	for i := range q.Columns {
		q.Columns[i].Name = s.Columns[i].Name
	}
	return nil
}
