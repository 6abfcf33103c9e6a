package planner

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression/function"

	"github.com/velort/velort/runtime"
)

// Plan is a SQL file compiled: its streams, functions and continuous queries.
type Plan struct {
	File      string
	Dir       string // directory of the file: relative module paths start here
	Streams   []*Stream
	Functions []*Function
	Queries   []*Query
	Tables    []*Table
	// MaxValueBytes is the bound on one value a built-in produces
	// (Options.MaxValueBytes, defaulted); the partition loop copies it to
	// runtime.Ctx.MaxValueBytes.
	MaxValueBytes int

	byName map[string]*Stream
	tables map[string]*Table
	funcs  map[string]*Function
	src    *source
	// scopes: the stage names visible to the SELECT being planned,
	// innermost last (compose.go).
	scopes []map[string]*Stream
}

// Stream returns the stream named name (case-insensitive), or nil. While a
// statement is planned, the names of its stages (CTEs, derived tables)
// shadow the file's streams.
func (pl *Plan) Stream(name string) *Stream {
	n := strings.ToLower(name)
	for i := len(pl.scopes) - 1; i >= 0; i-- {
		if s := pl.scopes[i][n]; s != nil {
			return s
		}
	}
	return pl.byName[n]
}

// Options adjust planning.
type Options struct {
	// Functions found in --plugins modules, registered before the file's own.
	Functions []*Function
	// MaxValueBytes bounds one value a built-in function produces
	// (REPEAT, SPACE, LPAD, CONCAT, ...): a larger result is an error for
	// the record. 0 means runtime.DefaultMaxValueBytes (16 MiB).
	MaxValueBytes int
}

// ParseFile reads and plans a SQL file.
func ParseFile(path string, opts Options) (*Plan, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, string(text), opts)
}

// Parse plans SQL text; name is used in error positions.
func Parse(name, text string, opts Options) (*Plan, error) {
	src := &source{name: name, text: text}
	pl := &Plan{File: name, Dir: filepath.Dir(name), byName: map[string]*Stream{}, tables: map[string]*Table{}, funcs: map[string]*Function{}, src: src}
	if pl.MaxValueBytes = opts.MaxValueBytes; pl.MaxValueBytes <= 0 {
		pl.MaxValueBytes = runtime.DefaultMaxValueBytes
	}
	for _, f := range opts.Functions {
		if isBuiltinFunction(f.Name) {
			return nil, src.errorAt(0, "plugin function %s (%s) has the name of a built-in function: rename its export, or declare it with CREATE FUNCTION under another name", f.Name, f.Module)
		}
		if g := pl.funcs[strings.ToLower(f.Name)]; g != nil {
			return nil, src.errorAt(0, "plugin function %s is declared by two modules (%s and %s): rename one export", f.Name, g.Module, f.Module)
		}
		pl.funcs[strings.ToLower(f.Name)] = f
		pl.Functions = append(pl.Functions, f)
	}
	stmts, err := splitStatements(src)
	if err != nil {
		return nil, err
	}
	if len(stmts) == 0 {
		return nil, src.errorAt(len(text), "expected a statement (CREATE STREAM, CREATE FUNCTION or INSERT INTO), found end of file")
	}
	for _, st := range stmts {
		p := &parser{src: src, st: st}
		p.statement(pl)
		if p.fail != nil {
			return nil, p.fail
		}
	}
	pl.dropUnreadViews()
	if len(pl.Queries) == 0 {
		return nil, src.errorAt(stmts[len(stmts)-1].end, "the file declares no continuous query: expected CREATE STREAM ... AS SELECT or INSERT INTO ... SELECT")
	}
	if err := pl.checkSubjects(); err != nil {
		return nil, err
	}
	if err := pl.checkKinds(); err != nil {
		return nil, err
	}
	if err := pl.checkTemplates(); err != nil {
		return nil, err
	}
	return pl, nil
}

// sources are the streams a query subscribes to.
func (q *Query) sources() []*Stream {
	if q.interval != nil {
		return []*Stream{q.interval.left, q.interval.right}
	}
	if q.regular != nil {
		return []*Stream{q.regular.left, q.regular.right}
	}
	return []*Stream{q.Source}
}

// checkSubjects refuses sinks that cannot be published to and feedback
// loops: a query whose outputs or dead letters reach, possibly through
// other queries of the file, a subject it consumes would read them again
// forever.
func (pl *Plan) checkSubjects() *Error {
	for _, q := range pl.Queries {
		if s := q.Sink; s.Materialized == nil && strings.ContainsAny(s.Subject, "*>") {
			return pl.src.errorAt(s.subjectPos, "stream %s is written by a query, but its subject %q has a wildcard: expected a subject to publish to", s.Name, s.Subject)
		}
	}
	// edge i → j: what query i publishes (outputs, or dead letters of its
	// sources) is consumed by query j.
	type edge struct {
		to         int
		subject    string // what i publishes
		consumer   *Stream
		pos        int
		deadLetter bool
	}
	edges := make([][]edge, len(pl.Queries))
	for i, q := range pl.Queries {
		for j, r := range pl.Queries {
			for _, in := range r.sources() {
				if q.Sink.Materialized == nil && subjectsOverlap(q.Sink.Subject, in.Subject) {
					edges[i] = append(edges[i], edge{j, q.Sink.Subject, in, q.Sink.subjectPos, false})
				}
				for _, src := range q.sources() {
					if subjectsOverlap(src.DLQ, in.Subject) {
						edges[i] = append(edges[i], edge{j, src.DLQ, in, src.dlqPos, true})
					}
				}
			}
		}
	}
	// A cycle through query i: depth-first search from each query.
	for start := range pl.Queries {
		var path []edge
		seen := make([]bool, len(pl.Queries))
		var walk func(i int) bool
		walk = func(i int) bool {
			for _, e := range edges[i] {
				path = append(path, e)
				if e.to == start {
					return true
				}
				if !seen[e.to] {
					seen[e.to] = true
					if walk(e.to) {
						return true
					}
				}
				path = path[:len(path)-1]
			}
			return false
		}
		if !walk(start) {
			continue
		}
		e := path[0]
		what := "the outputs of query " + pl.Queries[start].Name + " go to"
		if e.deadLetter {
			what = "dead letters of query " + pl.Queries[start].Name + " go to"
		}
		msg := fmt.Sprintf("feedback loop: %s %q, which stream %s (subject %q) consumes", what, e.subject, e.consumer.Name, e.consumer.Subject)
		for _, f := range path[1:] {
			msg += fmt.Sprintf(", whose query publishes to %q, which stream %s (subject %q) consumes", f.subject, f.consumer.Name, f.consumer.Subject)
		}
		return pl.src.errorAt(e.pos, "%s: every record would be read again forever; expected a subject outside %q", msg, e.consumer.Subject)
	}
	return nil
}

// statement dispatches on the statement's first keywords.
func (p *parser) statement(pl *Plan) {
	t := p.advance()
	switch {
	case isKeyword(t, "CREATE"):
		kw := p.advance()
		switch {
		case isKeyword(kw, "STREAM"):
			p.createStream(pl)
		case isKeyword(kw, "FUNCTION"):
			p.createFunction(pl)
		case isKeyword(kw, "TABLE"):
			p.createTable(pl)
		case isKeyword(kw, "VIEW"):
			p.createView(pl)
		default:
			p.errorf(kw, "expected STREAM, TABLE, VIEW or FUNCTION after CREATE, found %s", describe(kw))
		}
	case isKeyword(t, "INSERT"):
		if !p.expectKeyword("INTO") {
			return
		}
		name, ok := p.ident("a stream name")
		if !ok {
			return
		}
		sink := pl.Stream(name.text)
		if sink == nil {
			p.errorf(name, "unknown stream %s: expected a stream declared with CREATE STREAM", name.text)
			return
		}
		p.query(pl, sink, fmt.Sprintf("insert_%s_%d", strings.ToLower(sink.Name), len(pl.Queries)+1))
	case isKeyword(t, "SELECT"):
		p.errorf(t, "a bare SELECT has no sink: expected CREATE STREAM name AS SELECT ... or INSERT INTO name SELECT ...")
	default:
		p.errorf(t, "expected CREATE STREAM, CREATE FUNCTION or INSERT INTO, found %s", describe(t))
	}
}

func (p *parser) createStream(pl *Plan) {
	name, ok := p.ident("a stream name")
	if !ok {
		return
	}
	if pl.Stream(name.text) != nil {
		p.errorf(name, "stream %s is already declared", name.text)
		return
	}
	s := newStream(name.text, name.start)
	hasColumns := isPunct(p.peek(), "(")
	if hasColumns {
		cols, _, ok := p.columnList()
		if !ok {
			return
		}
		s.Columns = cols
	}
	opts, ok := p.withOptions()
	if !ok || !p.applyStreamOptions(s, opts) {
		return
	}
	if isKeyword(p.peek(), "AS") {
		p.advance()
		if hasColumns {
			p.errorf(name, "stream %s: a CREATE STREAM ... AS SELECT takes its columns from the query; remove the column list", s.Name)
			return
		}
		s.Derived = true
		pl.addStream(s)
		p.query(pl, s, strings.ToLower(s.Name))
		return
	}
	if !hasColumns {
		p.errorf(p.peek(), "expected a column list ( name TYPE, ... ) or AS SELECT for stream %s, found %s", s.Name, describe(p.peek()))
		return
	}
	if !p.atEOF() {
		p.errorf(p.peek(), "expected end of statement, found %s", describe(p.peek()))
		return
	}
	if !p.resolveStreamColumns(s, name) {
		return
	}
	if s.intake {
		p.intakeStage(pl, s, name) // intake.go
		return
	}
	pl.addStream(s)
}

func (pl *Plan) addStream(s *Stream) {
	pl.byName[strings.ToLower(s.Name)] = s
	pl.Streams = append(pl.Streams, s)
}

func (p *parser) createFunction(pl *Plan) {
	name, ok := p.ident("a function name")
	if !ok {
		return
	}
	if isBuiltinFunction(name.text) {
		p.errorf(name, "function %s has the name of a built-in function: choose another name (the module's export can keep its name: WITH (export = '%s'))", name.text, name.text)
		return
	}
	if pl.funcs[strings.ToLower(name.text)] != nil {
		p.errorf(name, "function %s is already declared", name.text)
		return
	}
	f := &Function{Name: name.text, Kind: "scalar", pos: name.start}
	if !p.expectPunct("(") {
		return
	}
	for !isPunct(p.peek(), ")") {
		if _, ok := p.ident("a parameter name"); !ok {
			return
		}
		c, ok := p.columnType()
		if !ok {
			return
		}
		f.Params = append(f.Params, c.Type)
		if isPunct(p.peek(), ",") {
			p.advance()
		}
	}
	p.advance()
	if !p.expectKeyword("RETURNS") {
		return
	}
	ret, ok := p.columnType()
	if !ok {
		return
	}
	f.Returns = ret.Type
	opts, ok := p.withOptions()
	if !ok {
		return
	}
	for _, o := range opts {
		switch o.name {
		case "module":
			f.Module = o.value
			if !filepath.IsAbs(f.Module) {
				f.Module = filepath.Join(pl.Dir, f.Module)
			}
		case "export":
			f.Export = o.value
		case "kind":
			f.Kind = strings.ToLower(o.value)
		default:
			p.errorf(o.tok, "unknown function option %s: expected module or export", o.name)
			return
		}
	}
	if f.Module == "" {
		p.errorf(name, "function %s needs WITH (module = 'path/to/module.wasm')", f.Name)
		return
	}
	if f.Export == "" {
		f.Export = f.Name
	}
	pl.funcs[strings.ToLower(f.Name)] = f
	pl.Functions = append(pl.Functions, f)
}

// query plans the statement's query at the parser's cursor into sink: its
// nested SELECTs become stages first (compose.go), then the SELECT itself.
func (p *parser) query(pl *Plan, sink *Stream, name string) {
	first := len(pl.Queries)
	c := &composer{pl: pl, stmt: name, text: []byte(p.src.text)}
	c.plan(p, sink, name, p.st.toks[:p.i], p.st.toks[p.i:], p.st.end)
	p.i = len(p.st.toks)
	p.applyStateTTL(pl, sink, first) // state_ttl.go
}

// selectQuery plans one SELECT (toks, ending at byte end, after head: the
// statement's words before it, where error positions may point) into sink.
// text is the file as the composer rewrote it: nested SELECTs replaced by
// the names of their stages, at the same offsets.
func (p *parser) selectQuery(pl *Plan, sink *Stream, name string, head, toks []token, end int, text []byte, union bool, rank *rankSpec, ins []insertion) *Query {
	all := append(append([]token(nil), head...), toks...)
	sp := &parser{src: p.src, st: statement{toks: all, start: all[0].start, end: end}, i: len(head)}
	sp.extra, sp.inline, sp.readAs, sp.exchangeJoins = ins, p.inline, p.readAs, true
	q := sp.planSelect(pl, sink, name, append([]byte(nil), text[:end]...), union, rank)
	if sp.fail != nil && p.fail == nil {
		p.fail = sp.fail
	}
	return q
}

// planSelect plans the SELECT at the parser's cursor; text is the file up
// to the statement's end, which stripStreaming may blank in place.
func (p *parser) planSelect(pl *Plan, sink *Stream, name string, text []byte, union bool, rank *rankSpec) *Query {
	sel := p.peek()
	if !isKeyword(sel, "SELECT") {
		p.errorf(sel, "expected SELECT, found %s", describe(sel))
		return nil
	}
	toks := p.st.toks[p.i:]
	sc, ok := p.stripStreaming(toks, text)
	if !ok {
		return nil
	}
	if !p.checkTokens(pl, toks) {
		return nil
	}
	q := &Query{Name: name, Sink: sink, Text: p.src.text[sel.start:p.st.end], pos: sel.start, plan: pl, clauses: sc, union: union, rank: rank}
	if len(p.extra) > 0 { // joins of subqueries (subquery.go), in order of offset
		sc.inserts = append(sc.inserts, p.extra...)
		slices.SortStableFunc(sc.inserts, func(a, b insertion) int { return a.at - b.at })
	}
	q.selectText = applyInserts(text, sel.start, sc.inserts)
	// The source: the first identifier after a top-level FROM.
	src := p.fromStream(pl, toks)
	if src == nil {
		return nil
	}
	q.Source = src
	if q.sourceAlias = fromAlias(toks); q.sourceAlias == "" {
		q.sourceAlias = p.readAs[src] // a stage the composer named AS the stream it reads
	}
	if err := q.analyze(p); err != nil {
		if p.fail == nil {
			p.fail = err
		}
		return nil
	}
	pl.Queries = append(pl.Queries, q)
	p.i = len(p.st.toks)
	return q
}

func (p *parser) fromStream(pl *Plan, toks []token) *Stream {
	depth := 0
	for i, t := range toks {
		switch {
		case isPunct(t, "("):
			depth++
		case isPunct(t, ")"):
			depth--
		case depth == 0 && isKeyword(t, "FROM"):
			if i+2 < len(toks) && isPunct(toks[i+1], "(") && p.inline[toks[i+1].start] {
				if closing := matchingParen(toks, i+2); closing > 0 {
					return p.fromStream(pl, toks[i+2:closing]) // a fused derived table's stream
				}
			}
			if i+1 >= len(toks) || toks[i+1].kind != tokIdent {
				p.errorf(t, "expected a stream name after FROM")
				return nil
			}
			n := toks[i+1]
			s := pl.Stream(n.text)
			if t := pl.Table(n.text); s == nil && t != nil {
				return p.tableSource(t, n) // a KV table's changelog (table_changes.go)
			}
			if s == nil {
				p.errorf(n, "unknown stream %s: expected a stream declared earlier with CREATE STREAM", n.text)
				return nil
			}
			return s
		}
	}
	p.errorf(toks[0], "expected FROM <stream> in the query")
	return nil
}

// gmsFunctions returns the file's user functions for go-mysql-server.
func (pl *Plan) gmsFunctions() []sql.Function {
	out := nativeGMSFunctions() // MySQL built-ins GMS lacks (native_missing.go)
	for _, f := range pl.Functions {
		out = append(out, gmsFunction(f))
	}
	return out
}

var _ = runtime.TNull

// builtinFunctions knows go-mysql-server's function names: a user function
// may not take one (registering it would clash with the built-in).
var builtinFunctions = function.NewRegistry()

// isBuiltinFunction reports whether name is a built-in function (or one the
// MySQL grammar treats as a keyword call).
func isBuiltinFunction(name string) bool {
	n := strings.ToLower(name)
	if _, ok := builtinFunctions.Function(nil, n); ok || isMissingFunction(n) {
		return true
	}
	switch n {
	case "cast", "convert", "trim", "position", "substring", "extract", "interval", "user", "current_user",
		"current_date", "curdate", "utc_date", "utc_time", "connection_id", "version", "benchmark",
		"release_all_locks", "tumble", "hop", "session", "exists", "in", "not", "match":
		return true
	}
	return false
}

// refusedFunctions reach the host or block the partition: a continuous
// query may not call them (docs/sql.md, "Refused functions").
var refusedFunctions = map[string]string{
	"sleep":             "it blocks the partition",
	"benchmark":         "it blocks the partition",
	"get_lock":          "it blocks the partition on a server-wide lock",
	"release_lock":      "it acts on server-wide locks",
	"release_all_locks": "it acts on server-wide locks",
	"is_free_lock":      "it acts on server-wide locks",
	"is_used_lock":      "it acts on server-wide locks",
	"load_file":         "it reads files of the host",
}

// checkTokens refuses, before go-mysql-server sees the query, what can be
// recognized in its tokens, each at its own position: subqueries, refused
// functions and user functions called with the wrong number of arguments.
func (p *parser) checkTokens(pl *Plan, toks []token) bool {
	for i, t := range toks {
		if i+1 >= len(toks) {
			break
		}
		next := toks[i+1]
		if isPunct(t, "(") && isKeyword(next, "SELECT") && !p.inline[t.start] {
			p.errorf(next, "subqueries are not supported yet here: expected x IN (SELECT …) or EXISTS (SELECT … WHERE t.c = s.c) among the AND-ed conditions of WHERE, or the subquery as a derived table JOINed (see docs/sql.md, Composed queries)")
			return false
		}
		// ROWS BETWEEN n PRECEDING: n rows kept per PARTITION BY key.
		if isKeyword(t, "BETWEEN") && i > 0 && isKeyword(toks[i-1], "ROWS") && next.kind == tokNumber && i+2 < len(toks) && isKeyword(toks[i+2], "PRECEDING") {
			if n, err := strconv.ParseInt(next.text, 10, 64); err != nil || n > runtime.MaxFrameRows {
				p.errorf(next, "ROWS BETWEEN %s PRECEDING keeps too many rows per key: the limit is %d (see docs/sql.md, Limits)", next.text, runtime.MaxFrameRows)
				return false
			}
		}
		if t.kind != tokIdent || !isPunct(next, "(") {
			continue
		}
		// LAG/LEAD(x, n): n rows kept (or held back) per PARTITION BY key.
		if isKeyword(t, "LAG") || isKeyword(t, "LEAD") {
			if closing := matchingParen(toks, i+2); closing > 0 {
				depth := 0
				for j := i + 2; j < closing; j++ {
					a := toks[j]
					switch {
					case isPunct(a, "("):
						depth++
					case isPunct(a, ")"):
						depth--
					case depth == 0 && isPunct(a, ",") && j+1 < closing && toks[j+1].kind == tokNumber:
						if n, err := strconv.ParseInt(toks[j+1].text, 10, 64); err != nil || n > runtime.MaxFrameRows {
							p.errorf(toks[j+1], "%s offset %s is over the limit of %d rows (see docs/sql.md, Limits)", strings.ToUpper(t.text), toks[j+1].text, runtime.MaxFrameRows)
							return false
						}
						j = closing
					}
				}
			}
		}
		name := strings.ToLower(t.text)
		// go-mysql-server drops DISTINCT in a window function's arguments.
		if i+2 < len(toks) && isKeyword(toks[i+2], "DISTINCT") {
			if closing := matchingParen(toks, i+2); closing > 0 && closing+1 < len(toks) && isKeyword(toks[closing+1], "OVER") {
				p.errorf(t, "%s(DISTINCT ...) OVER (...) is not supported (MySQL refuses DISTINCT in window functions too): expected %s(...) OVER (...) without DISTINCT, or a GROUP BY", strings.ToUpper(t.text), strings.ToUpper(t.text))
				return false
			}
		}
		if why, ok := refusedFunctions[name]; ok {
			p.errorf(t, "%s is refused in a continuous query: %s (see docs/sql.md, Refused functions)", strings.ToUpper(t.text), why)
			return false
		}
		f := pl.funcs[name]
		if f == nil || (i > 0 && isPunct(toks[i-1], ".")) {
			continue
		}
		closing := matchingParen(toks, i+2)
		if closing < 0 {
			continue
		}
		n, depth := 0, 0
		if closing > i+2 {
			n = 1
		}
		for _, a := range toks[i+2 : closing] {
			switch {
			case isPunct(a, "("):
				depth++
			case isPunct(a, ")"):
				depth--
			case depth == 0 && isPunct(a, ","):
				n++
			}
		}
		if n != len(f.Params) {
			p.errorf(t, "function %s takes %d argument(s), found %d: expected %s", f.Name, len(f.Params), n, f.signature())
			return false
		}
	}
	return true
}

// signature is how the function is called, with its parameter types.
func (f *Function) signature() string {
	var b strings.Builder
	b.WriteString(f.Name + "(")
	for i, t := range f.Params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(t.String())
	}
	b.WriteString(")")
	return b.String()
}
