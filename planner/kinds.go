package planner

import (
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"

	"github.com/velort/velort/runtime"
)

// Stream kinds (SPEC §2 "Changelogs: results that update"): every stream
// is append-only or a changelog with a key. The planner infers the kind of
// each query's input and output, refuses what cannot run over a changelog
// and wires the runtime accordingly (query_compile.go).
//
//	input        query                                   output
//	append-only  stateless, lookup/interval join, OVER   append-only
//	append-only  GROUP BY … EMIT FINAL (window or not)   append-only
//	append-only  GROUP BY … EMIT CHANGES                 changelog: group keys (+ window_start, window_end)
//	changelog    stateless (filter, projection)          changelog: the input's key
//	changelog    GROUP BY without window, EMIT CHANGES   changelog: group keys
//	changelog    GROUP BY without window, EMIT FINAL     append-only
//	append-only  regular INNER join, window join           append-only
//	append-only  regular LEFT/RIGHT/FULL join              changelog: left row key | right row key
//	changelog    regular join (equi-join, INNER/LEFT/RIGHT/FULL)  changelog: left row key | right row key
//	             with a stream, a changelog or a KV table (regular_join_table.go);
//	             KV table with KV table alike
//	changelog    windows, OVER, lookup/interval joins,   refused
//	             WASM aggregates without retract
//	any          … ORDER BY … LIMIT n (Top-N, topn.go)   changelog: arrival number over append-only
//	                                                     input, else the input's key or group keys
//
// A global aggregate (no GROUP BY keys) is keyed by the empty text.

// retracts reports whether the join of append-only streams takes back
// rows it emitted: an outer join's row padded with NULLs is deleted when
// its first match comes. An INNER join (or a window join) of append-only
// streams only ever adds pairs — its rows are never updated or deleted —
// so its output is append-only, and a GROUP BY over it needs no
// retraction. (Over a changelog side every join retracts: inChangelog.)
func (s *regularSpec) retracts() bool { return s.windowEnd == nil && s.preserve >= 0 }

// InputChangelog reports whether the query reads a changelog: each input
// record upserts or deletes the row of its key, and the partition loop
// runs it through Pipeline.ExecuteChange.
func (q *Query) InputChangelog() bool { return q.inChangelog }

// OutputChangelog reports whether the query's output is a changelog: its
// records carry Velort-Op and Velort-Key (Pipeline.Ops, Keys).
func (q *Query) OutputChangelog() bool { return q.outChangelog }

// OutputKey is the row key of a changelog output, one name per part: the
// output column carrying it, or the key expression's text when no output
// column does (group keys, then window_start and window_end for windowed
// EMIT CHANGES; the input's key for a query without a stage). Empty for a
// global aggregate and for an append-only output.
func (q *Query) OutputKey() []string { return q.outKey }

// SourceKeyCols returns the columns of the source schema forming the
// input row key, in key order, for a changelog input: the loop computes a
// record's key text from them (parts with runtime.AppendChangeKey joined
// by '|') when it has no Velort-Key header. Empty
// (not nil) for the empty key of a global aggregate's changelog; nil when
// the input is append-only or the key is not in the payload (then every
// record must carry Velort-Key).
func (q *Query) SourceKeyCols() []int {
	if !q.inChangelog || q.Source.changelogKeyIdx == nil {
		return nil
	}
	return append([]int{}, q.Source.changelogKeyIdx...)
}

// RepartitionNormalizes reports whether the first half of a repartitioned
// query (NeedsRepartition) normalizes a changelog input: it keeps the last
// payload of each input key (a runtime.ChangeTable) and forwards the old
// row as a retraction to the partition of the old row's group key, then
// the new row as an insertion to the new row's (ForwardPipeline's key
// expressions apply to both). The second half runs each forwarded row
// through ExecuteChange as a retraction or an insertion.
func (q *Query) RepartitionNormalizes() bool { return q.inChangelog && q.NeedsRepartition() }

// KindText describes a stream kind for explain and check:
// "append-only" or "changelog (key: a, b)".
func KindText(changelog bool, key []string) string {
	if !changelog {
		return "append-only"
	}
	if len(key) == 0 {
		return "changelog (key: the empty key — one row)"
	}
	return "changelog (key: " + strings.Join(key, ", ") + ")"
}

// InputKindText and OutputKindText describe the query's input and output.
func (q *Query) InputKindText() string {
	if r := q.regular; r != nil {
		return r.left.Name + ": " + KindText(r.left.Changelog, r.left.ChangelogKey) + "; " + r.right.Name + ": " + KindText(r.right.Changelog, r.right.ChangelogKey)
	}
	return KindText(q.inChangelog, q.Source.ChangelogKey)
}

func (q *Query) OutputKindText() string { return KindText(q.outChangelog, q.outKey) }

// queryTokens are the tokens of the query (from SELECT) being planned.
func (p *parser) queryTokens() []token { return p.st.toks[p.i:] }

// refuseOverChangelog refuses, at the position of their cause, the
// operators that need an append-only input when the query reads a
// changelog. It runs once the query's shape is known, before compiling.
func (q *Query) refuseOverChangelog(p *parser) *Error {
	for _, s := range q.sources() {
		if s.Changelog {
			q.inChangelog = true
		}
	}
	if !q.inChangelog {
		if q.regular != nil { // a window join of two append-only streams
			return q.refuseRegularJoin(p)
		}
		return nil
	}
	src := q.Source
	if q.interval != nil && !src.Changelog {
		src = q.interval.other(q.Source)
	}
	if r := q.regular; r != nil && !src.Changelog {
		src = r.left
		if !src.Changelog {
			src = r.right
		}
	}
	what := "stream " + src.Name + " is a changelog (" + KindText(true, src.ChangelogKey)[len("changelog ("):]
	what = strings.TrimSuffix(what, ")") + "): its records update and delete rows"
	toks := p.queryTokens()
	if q.regular != nil {
		if e := q.refuseRegularJoin(p); e != nil {
			return e
		}
	}
	if q.interval != nil {
		at := q.pos
		if t, ok := firstKeyword(toks, "JOIN"); ok {
			at = t.start
		}
		return p.src.errorAt(at, "an interval join is not supported yet over a changelog: %s, where the join needs rows that arrive once; join the append-only streams the changelog is computed from", what)
	}
	if q.join != nil {
		at := q.pos
		if t, ok := firstKeyword(toks, "JOIN"); ok {
			at = t.start
		}
		return p.src.errorAt(at, "a stream–table join is not supported yet over a changelog: %s, and a lookup as of each record's arrival would keep rows that were since replaced or deleted; join the append-only stream the changelog is computed from, or aggregate the changelog first", what)
	}
	if q.clauses.hasWindow {
		w := q.clauses.windowToken
		return p.src.errorAt(w.start, "%s over a changelog: %s, and a time window needs an append-only input (a row that is replaced belongs to no one window); expected a GROUP BY without a window over the changelog, or the window over the append-only stream it is computed from", strings.ToUpper(w.text), what)
	}
	if q.shape.window != nil {
		at := q.pos
		if t, ok := firstOverCall(toks); ok {
			at = t.start
		}
		return p.src.errorAt(at, "row frames (OVER, LAG, LEAD, ROW_NUMBER) over a changelog: %s, and a frame follows arrival order, which a changelog's updates have not; expected a GROUP BY over the changelog, or the frame over the append-only stream it is computed from", what)
	}
	if q.Kind == "group" {
		for _, e := range q.shape.groupBy.SelectedExprs {
			if u, ok := e.(*udfExpr); ok && u.fn.Kind == "aggregate" {
				if err := q.refuseUDFAggregate(p, u.fn, what); err != nil {
					return err
				}
			}
		}
		for _, u := range q.udfAggregates() {
			if err := q.refuseUDFAggregate(p, u.fn, what); err != nil {
				return err
			}
		}
	}
	return nil
}

// refuseUDFAggregate refuses a WebAssembly aggregate over a changelog
// unless its module has a retract export. A module not loaded yet (CREATE
// FUNCTION: modules load after planning) is checked by LoadModules, at the
// position noted here.
func (q *Query) refuseUDFAggregate(p *parser, f *Function, what string) *Error {
	if f.module == nil {
		q.needRetract = append(q.needRetract, pendingRetract{fn: f, pos: q.callPos(p, f.Name), what: what})
		return nil
	}
	if f.CanRetract() {
		return nil
	}
	return retractError(p.src, q.callPos(p, f.Name), f, what)
}

// pendingRetract is an aggregate user function called over a changelog,
// whose module must have a retract export (checked once loaded).
type pendingRetract struct {
	fn   *Function
	pos  int
	what string
}

func retractError(src *source, pos int, f *Function, what string) *Error {
	return src.errorAt(pos, "aggregate function %s over a changelog: %s, and its module has no retract export to take a row back (see docs/udf.md, Aggregates); expected a retract export, built-in aggregates (COUNT, SUM, AVG, MIN, MAX, …) over the changelog, or %s over the append-only stream it is computed from", f.Name, what, f.Name)
}

// firstKeyword is the first top-level token that is keyword kw.
func firstKeyword(toks []token, kw string) (token, bool) {
	depth := 0
	for _, t := range toks {
		switch {
		case isPunct(t, "("):
			depth++
		case isPunct(t, ")"):
			depth--
		case depth == 0 && isKeyword(t, kw):
			return t, true
		}
	}
	return token{}, false
}

// firstOverCall is the name of the first function call followed by OVER.
func firstOverCall(toks []token) (token, bool) {
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].kind != tokIdent || !isPunct(toks[i+1], "(") {
			continue
		}
		if c := matchingParen(toks, i+2); c > 0 && c+1 < len(toks) && isKeyword(toks[c+1], "OVER") {
			return toks[i], true
		}
	}
	return token{}, false
}

// inferKinds sets the output key of a planned query (finish set its
// kind: a GROUP BY with EMIT CHANGES, or a query without a stage over a
// changelog, outputs a changelog), the kind and key of its sink, and refuses a sink whose writers disagree or whose partitions
// would split the updates of one row. It runs after bindSink.
func (q *Query) inferKinds(p *parser) *Error {
	q.outKey, q.outKeyCols = nil, nil
	switch {
	case !q.outChangelog:
	case q.shape.topn != nil && (q.Kind == "group" || q.topnBounded() || q.shape.topn.partition != nil):
		q.outKey, q.outKeyCols = q.topnOutputKey()
	case q.Kind == "group":
		q.outKey, q.outKeyCols = q.groupOutputKey()
	case q.regular != nil: // left row key | right row key, not in the payload
		q.outKey, q.outKeyCols = q.regularOutKey()
	default: // a query without a stage over a changelog
		q.outKey = append([]string{}, q.Source.ChangelogKey...)
		if idx := q.Source.changelogKeyIdx; idx != nil {
			q.outKeyCols = make([]int, len(idx))
			for i, c := range idx {
				q.outKeyCols[i] = q.passThrough(c)
				if q.outKeyCols[i] >= 0 {
					q.outKey[i] = q.Columns[q.outKeyCols[i]].Name
				}
			}
		} else {
			q.outKeyCols = make([]int, len(q.outKey))
			for i := range q.outKeyCols {
				q.outKeyCols[i] = -1
			}
		}
	}
	return q.bindSinkKind(p)
}

// groupOutputKey names the key of a grouped changelog: the group keys,
// then window_start and window_end when windowed, each by the output
// column carrying it (its index in cols, else -1 and the expression text).
func (q *Query) groupOutputKey() (names []string, cols []int) {
	gb := q.shape.groupBy
	nSrc := q.rowWidth()
	// base[i]: output column i written over the source row (through the
	// GroupBy's selected expressions); it carries a key part when its text
	// is the key's (the same value for every row of the group).
	base := make([]sql.Expression, len(q.shape.project))
	for i, e := range q.shape.project {
		e = inlineLevel(inlineLevels(e, q.shape.inner), gb.SelectedExprs)
		if a, ok := e.(*expression.Alias); ok {
			e = a.Child
		}
		base[i] = e
	}
	find := func(match func(sql.Expression) bool) int {
		for i, b := range base {
			if b != nil && match(b) {
				return i
			}
		}
		return -1
	}
	add := func(name string, col int) {
		if col >= 0 {
			name = q.Columns[col].Name
		}
		names, cols = append(names, name), append(cols, col)
	}
	names, cols = []string{}, []int{}
	for _, k := range gb.GroupByExprs {
		if isWindowColumn(k, nSrc) {
			continue
		}
		text := k.String()
		add(keyExprName(k), find(func(b sql.Expression) bool { return !isWindowColumn(b, nSrc) && strings.EqualFold(b.String(), text) }))
	}
	if q.Window.Kind != runtime.NoWindow {
		for w, name := range []string{"window_start", "window_end"} {
			idx := nSrc + w
			add(name, find(func(b sql.Expression) bool {
				gf, ok := b.(*expression.GetField)
				return ok && gf.Index() == idx
			}))
		}
	}
	return names, cols
}

// keyExprName is a group key's name when no output column carries it: a
// column's name without its stream, else the expression's text.
func keyExprName(k sql.Expression) string {
	if gf, ok := k.(*expression.GetField); ok {
		return gf.Name()
	}
	return k.String()
}

// passThrough is the output column that is source column c unchanged, or
// -1 (a query without a stage).
func (q *Query) passThrough(c int) int {
	for i, e := range q.shape.project {
		if len(q.shape.inner) > 0 {
			e = inlineLevels(e, q.shape.inner)
		}
		if a, ok := e.(*expression.Alias); ok {
			e = a.Child
		}
		if gf, ok := e.(*expression.GetField); ok && gf.Index() == c {
			return i
		}
	}
	return -1
}

// bindSinkKind gives the sink its kind and key from the query: a derived
// stream takes them; a declared stream written by INSERT INTO becomes a
// changelog when its writer's output is one. Writers of one stream must
// agree, and a changelog sink partitioned several ways must partition by
// columns of its row key.
func (q *Query) bindSinkKind(p *parser) *Error {
	s := q.Sink
	keyIdx := func() []int { // the output key as sink columns, nil when not in the payload
		idx := []int{}
		for _, c := range q.outKeyCols {
			if c < 0 {
				return nil
			}
			idx = append(idx, c)
		}
		return idx
	}
	switch {
	case s.Derived:
		if s.changelogPos >= 0 && !q.outChangelog {
			return p.src.errorAt(s.changelogPos, "stream %s: changelog = 'upsert', but its query's output is append-only (each record a new fact, with no key to replace); remove the option, or write a query whose rows update (GROUP BY … EMIT CHANGES)", s.Name)
		}
		s.Changelog = q.outChangelog
		s.ChangelogKey, s.changelogKeyIdx = nil, nil
		if q.outChangelog {
			s.ChangelogKey = append([]string{}, q.outKey...)
			s.changelogKeyIdx = keyIdx()
		}
		s.writer = q
	default:
		at := q.pos
		if t, ok := sinkNameToken(p, s); ok {
			at = t.start
		}
		if w := s.writer; w != nil && w.outChangelog != q.outChangelog {
			return p.src.errorAt(at, "INSERT INTO %s: this query's output is %s but query %s writes %s to the same stream; a stream is one kind: write them to two streams", s.Name, KindText(q.outChangelog, q.outKey), w.Name, KindText(w.outChangelog, w.outKey))
		}
		if q.outChangelog {
			idx := keyIdx()
			if s.Changelog && (idx == nil || !sameInts(idx, s.changelogKeyIdx)) {
				return p.src.errorAt(at, "INSERT INTO %s: stream %s is %s but this query's rows are keyed by %s; expected a query whose key columns are the stream's key", s.Name, s.Name, KindText(true, s.ChangelogKey), keyText(q.outKey))
			}
			s.Changelog = true
			s.ChangelogKey, s.changelogKeyIdx = append([]string{}, q.outKey...), idx
		}
		if s.writer == nil {
			s.writer = q
		}
	}
	if s.Changelog && s.Partitions > 1 && s.Materialized == nil {
		// Each partition key column must carry a part of the row key; parts
		// not in the payload (window_end not selected) do not matter.
		for i, k := range s.KeyIdx {
			inKey := false
			for _, c := range q.outKeyCols {
				inKey = inKey || c == k
			}
			if !inKey {
				return p.src.errorAt(s.keyPos, "stream %s is %s partitioned by %s: the updates of one row would reach different partitions; expected key = columns of its row key (%s)", s.Name, KindText(true, s.ChangelogKey), s.Key[i], keyText(s.ChangelogKey))
			}
		}
	}
	return nil
}

func keyText(key []string) string {
	if len(key) == 0 {
		return "the empty key"
	}
	return strings.Join(key, ", ")
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sinkNameToken is where the INSERT INTO statement names its stream.
func sinkNameToken(p *parser, s *Stream) (token, bool) {
	for _, t := range p.st.toks[:p.i] {
		if t.kind == tokIdent && strings.EqualFold(t.text, s.Name) {
			return t, true
		}
	}
	return token{}, false
}

// checkKinds refuses a query planned over a stream that a later statement
// turned into a changelog (an INSERT INTO below it): the query would read
// its updates as facts.
func (pl *Plan) checkKinds() *Error {
	for _, q := range pl.Queries {
		for _, s := range q.sources() {
			if s.Changelog && !q.inChangelog {
				by := "a later query"
				if s.writer != nil {
					by = "query " + s.writer.Name
				}
				return pl.src.errorAt(q.pos, "query %s reads stream %s as append-only, but %s, written after it, makes %s %s; expected the INSERT INTO %s before the queries that read it", q.Name, s.Name, by, s.Name, KindText(true, s.ChangelogKey), s.Name)
			}
		}
	}
	return nil
}
