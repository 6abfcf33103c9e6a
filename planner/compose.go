package planner

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/velort/velort/runtime"
)

// Composed queries (SPEC §2 "Composed queries"): a statement's nested
// SELECTs — CTEs, derived tables, UNION ALL branches and views — become
// stages. Each stage is a Query of its own writing a hidden derived
// stream on the internal subjects _velort.x.<statement>.<stage>.{partition};
// the SELECT around it reads that stream by the stage's name. So every
// operator composes through the same stream kinds, keys and retraction as
// queries chained through declared streams, and the result rule holds
// stage by stage.
//
// The composer rewrites the statement's text in place: a nested SELECT's
// span is blanked (newlines kept) and its stage's name written at its
// start, so every offset — of tokens, of go-mysql-server's syntax errors —
// still points into the file as written.

// composer plans one statement's query and its stages.
type composer struct {
	pl   *Plan
	stmt string // the statement's query name
	text []byte // the file, nested SELECTs replaced by their stages' names
	n    int    // stages made so far (their numbers in subjects)
	// rank: the ROW_NUMBER() limit of the stage about to be planned
	// (topn_rank.go).
	rank *rankSpec
	// renames: insertions naming a stage in place of a FROM item (a
	// stream repartitioned for a subquery's join, subquery.go).
	renames []insertion
	// inline: offsets of the ( of derived tables fused into the SELECT
	// around them (fuse.go).
	inline map[int]bool
	// outerCols: the stream a query read before readThrough put a stage
	// in its place (subquery.go), whose columns SELECT * shows.
	outerCols *Stream
	// into: the sink, name and head of the SELECT being planned (one
	// branch), which a Top-N per key read by SELECT * alone writes
	// directly; fusedInto: it did.
	into      *target
	fusedInto bool
	// readAs: the stream name a stage read through (readThroughAt) was
	// named AS in the text, so that the query's group keys qualified by
	// it are the stage's (Query.sourceAlias).
	readAs map[*Stream]string
}

type target struct {
	sink *Stream
	name string
	head []token
}

// rankOnly reports whether the SELECT in toks is SELECT * (or the derived
// table's own columns, in its order) FROM (the derived table at i) [AS]
// alias [WHERE <rank column> <= n], alias at j.
func rankOnly(toks []token, i, j int, alias, column string) bool {
	if i < 3 || !isKeyword(toks[0], "SELECT") || !isKeyword(toks[i-1], "FROM") {
		return false
	}
	if !(i == 3 && isPunct(toks[1], "*")) {
		outer := plainColumns(toks[1 : i-1])
		inner := plainColumns(selectList(toks[i+1:], column))
		if outer == nil || len(outer) != len(inner) {
			return false
		}
		for k := range outer {
			if !strings.EqualFold(outer[k], inner[k]) {
				return false
			}
		}
	}
	rest := toks[j+1:]
	if len(rest) == 0 {
		return true
	}
	if !isKeyword(rest[0], "WHERE") {
		return false
	}
	rest = rest[1:]
	if len(rest) == 5 && strings.EqualFold(rest[0].text, alias) && isPunct(rest[1], ".") {
		rest = rest[2:]
	}
	return len(rest) == 3 && strings.EqualFold(rest[0].text, column) && (isPunct(rest[1], "<=") || isPunct(rest[1], "<")) && rest[2].kind == tokNumber
}

// rankOf returns the Top-N per key of a stage named alias whose body has a
// ROW_NUMBER() column that the query in consumer filters by <= n; nil
// when it has none (the column is then a row frame, in arrival order).
func (c *composer) rankOf(p *parser, body, consumer []token, alias string) *rankSpec {
	col := rowNumberColumn(body)
	if col == "" {
		return nil
	}
	n, ok := c.rankFilter(p, consumer, alias, col)
	if !ok {
		return nil
	}
	return &rankSpec{column: col, limit: n}
}

// plan plans toks (a query: [WITH …] SELECT … [UNION ALL SELECT …], ending
// at byte end) into sink under the query name name; head is what precedes
// it in the statement (error positions may point there).
func (c *composer) plan(p *parser, sink *Stream, name string, head, toks []token, end int) {
	pl := c.pl
	pl.scopes = append(pl.scopes, map[string]*Stream{})
	defer func() { pl.scopes = pl.scopes[:len(pl.scopes)-1] }()
	first := len(pl.Queries)
	toks = c.with(p, toks)
	if p.fail != nil {
		return
	}
	branches := c.unionBranches(p, toks)
	if p.fail != nil {
		return
	}
	var union []*Query
	var b0 token
	if len(branches) > 0 && len(branches[0]) > 0 {
		b0 = branches[0][0]
	}
	for i, b := range branches {
		if len(branches) == 1 {
			c.into = &target{sink: sink, name: name, head: head}
		}
		b = c.derivedTables(p, b)
		c.into = nil
		if p.fail != nil {
			return
		}
		if c.fusedInto { // the branch was only SELECT * over a Top-N per key
			c.fusedInto = false
			continue
		}
		c.renames, c.outerCols = nil, nil
		b, ins := c.whereSubqueries(p, b)
		if p.fail != nil {
			return
		}
		ins = append(c.renames, ins...)
		bEnd, bHead, bName := end, head, name
		if i < len(branches)-1 {
			bEnd = b[len(b)-1].end
		}
		if i > 0 {
			bHead, bName = nil, c.uniqueName(fmt.Sprintf("%s_%d", name, i+1))
		}
		rank := c.rank
		c.rank = nil
		if rank != nil && len(branches) > 1 {
			p.errorf(b[0], "ROW_NUMBER() … <= n over a UNION ALL is not supported: expected it over one SELECT")
			return
		}
		planBranch := func() *Query {
			p.inline, p.readAs = c.inline, c.readAs
			return p.selectQuery(pl, sink, bName, bHead, b, bEnd, c.text, i > 0, rank, ins)
		}
		// replan plans the branch again once exchange.go has read streams
		// of it through stages (c.renames, which were empty before).
		replan := func(q *Query, through func() bool) *Query {
			pl.Queries = pl.Queries[:len(pl.Queries)-1]
			if !through() {
				return nil
			}
			ins = append(append([]insertion(nil), c.renames...), ins...)
			return planBranch()
		}
		q := planBranch()
		if q == nil {
			return
		}
		// A repartition becomes an exchange (exchange.go): the sides of a
		// JetStream join, or a JetStream source, read through stages
		// partitioned by the key; a stage read is partitioned by it.
		if q.regular != nil && q.regular.exchange {
			if q = replan(q, func() bool { return c.exchangeJoinSides(p, q, b) }); q == nil {
				return
			}
		}
		if !c.rekeyStage(q) {
			if col, parts, ok := c.durableExchange(q); ok {
				if q = replan(q, func() bool {
					return c.readThroughAs(p, b, "SELECT * FROM `%s`", parts, col, c.exchangeName(q.Source, col, parts))
				}); q == nil {
					return
				}
			}
		}
		if len(branches) > 1 {
			if i > 0 && q.outChangelog != pl.Queries[first].outChangelog {
				p.errorf(b[0], "UNION ALL of an append-only and a changelog branch (this one is %s): expected branches of one kind; write them to two streams", q.OutputKindText())
				return
			}
			union = append(union, q)
		}
	}
	if len(union) > 0 && union[0].outChangelog {
		// A changelog of changelogs: each branch's keys apart, behind its
		// number; the key is then only in Velort-Key (one partition).
		key := []string{"UNION ALL branch", "its key"}
		for i, q := range union {
			q.keyPrefix = fmt.Sprintf("%d|", i+1)
			q.outKey, q.outKeyCols = key, []int{-1, -1}
		}
		sink.Changelog, sink.ChangelogKey, sink.changelogKeyIdx = true, key, nil
		if sink.Partitions > 1 && sink.Materialized == nil && !sink.Hidden {
			p.errorf(b0, "stream %s is a UNION ALL of changelogs, keyed by the branch and its key, which are not columns: expected partitions = 1", sink.Name)
			return
		}
	}
	for _, q := range pl.Queries[first:] {
		if q.Name != c.stmt && q.Statement == "" {
			q.Statement = c.stmt
		}
	}
}

// with plans the CTEs of a leading WITH clause, naming them in the current
// scope, and returns the tokens from the SELECT after it.
func (c *composer) with(p *parser, toks []token) []token {
	if len(toks) == 0 || !isKeyword(toks[0], "WITH") {
		return toks
	}
	i := 1
	if i < len(toks) && isKeyword(toks[i], "RECURSIVE") {
		p.errorf(toks[i], "WITH RECURSIVE is not supported in a continuous query: expected WITH name AS (SELECT …)")
		return nil
	}
	for {
		if i >= len(toks) || toks[i].kind != tokIdent {
			p.errorf(tokAt(toks, i), "expected a name after WITH (WITH name AS (SELECT …)), found %s", describe(tokAt(toks, i)))
			return nil
		}
		name := toks[i]
		if c.pl.scopes[len(c.pl.scopes)-1][strings.ToLower(name.text)] != nil {
			p.errorf(name, "WITH names %s twice: expected distinct names", name.text)
			return nil
		}
		i++
		if i < len(toks) && isPunct(toks[i], "(") {
			p.errorf(toks[i], "a column list after a WITH name is not supported: name the columns with AS in its SELECT")
			return nil
		}
		if i >= len(toks) || !isKeyword(toks[i], "AS") {
			p.errorf(tokAt(toks, i), "expected AS after WITH %s, found %s", name.text, describe(tokAt(toks, i)))
			return nil
		}
		i++
		if i >= len(toks) || !isPunct(toks[i], "(") {
			p.errorf(tokAt(toks, i), "expected ( SELECT … ) after WITH %s AS, found %s", name.text, describe(tokAt(toks, i)))
			return nil
		}
		closing := matchingParen(toks, i+1)
		if closing < 0 {
			p.errorf(toks[i], "this ( is never closed: expected ( SELECT … )")
			return nil
		}
		body := toks[i+1 : closing]
		if len(body) == 0 || !(isKeyword(body[0], "SELECT") || isKeyword(body[0], "WITH")) {
			p.errorf(tokAt(toks, i+1), "expected SELECT in WITH %s AS ( … ), found %s", name.text, describe(tokAt(toks, i+1)))
			return nil
		}
		rank := c.rankOf(p, body, toks[closing+1:], name.text)
		if p.fail != nil {
			return nil
		}
		s := c.stage(p, name, body, rank)
		if s == nil {
			return nil
		}
		c.pl.scopes[len(c.pl.scopes)-1][strings.ToLower(name.text)] = s
		i = closing + 1
		if i < len(toks) && isPunct(toks[i], ",") {
			i++
			continue
		}
		break
	}
	if i >= len(toks) || !isKeyword(toks[i], "SELECT") {
		p.errorf(tokAt(toks, i), "expected SELECT after the WITH clause, found %s", describe(tokAt(toks, i)))
		return nil
	}
	c.blank(toks[0].start, toks[i].start)
	return toks[i:]
}

// unionBranches splits toks at top-level UNION ALL.
func (c *composer) unionBranches(p *parser, toks []token) [][]token {
	var out [][]token
	depth, from := 0, 0
	for i, t := range toks {
		switch {
		case isPunct(t, "("):
			depth++
		case isPunct(t, ")"):
			depth--
		case depth == 0 && (isKeyword(t, "INTERSECT") || isKeyword(t, "EXCEPT")):
			p.errorf(t, "%s is not supported in a continuous query: expected UNION ALL", strings.ToUpper(t.text))
			return nil
		case depth == 0 && isKeyword(t, "UNION"):
			if i+1 >= len(toks) || !isKeyword(toks[i+1], "ALL") {
				p.errorf(t, "UNION without ALL is not supported yet: expected UNION ALL (for distinct rows, SELECT DISTINCT * FROM (… UNION ALL …) AS u)")
				return nil
			}
			out = append(out, toks[from:i])
			from = i + 2
		}
	}
	out = append(out, toks[from:])
	if len(out) == 1 {
		return out
	}
	for i, b := range out {
		if len(b) == 0 {
			p.errorf(tokAt(toks, len(toks)), "expected SELECT after UNION ALL, found %s", describe(tokAt(toks, len(toks))))
			return nil
		}
		// (SELECT …) UNION ALL (SELECT …): the parentheses group one branch.
		if isPunct(b[0], "(") && matchingParen(b, 1) == len(b)-1 {
			c.blank(b[0].start, b[0].end)
			c.blank(b[len(b)-1].start, b[len(b)-1].end)
			b = b[1 : len(b)-1]
			out[i] = b
		}
		if !isKeyword(b[0], "SELECT") {
			p.errorf(b[0], "expected SELECT in a UNION ALL branch, found %s", describe(b[0]))
			return nil
		}
		depth := 0
		for _, t := range b {
			switch {
			case isPunct(t, "("):
				depth++
			case isPunct(t, ")"):
				depth--
			case depth == 0 && (isKeyword(t, "ORDER") || isKeyword(t, "LIMIT") || isKeyword(t, "EMIT")):
				p.errorf(t, "%s after UNION ALL would apply to the whole union: expected it outside, SELECT … FROM (… UNION ALL …) AS u %s …", strings.ToUpper(t.text), strings.ToUpper(t.text))
				return nil
			}
		}
	}
	return out
}

// derivedTables plans each derived table of toks — ( SELECT … ) after
// FROM, JOIN or a comma, with its alias — as a stage, and returns toks
// with each replaced by one token naming its stage.
func (c *composer) derivedTables(p *parser, toks []token) []token {
	var out []token
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if !isPunct(t, "(") || i+1 >= len(toks) || !(isKeyword(toks[i+1], "SELECT") || isKeyword(toks[i+1], "WITH")) {
			out = append(out, t)
			continue
		}
		closing := matchingParen(toks, i+1)
		if closing < 0 {
			p.errorf(t, "this ( is never closed: expected ( SELECT … )")
			return nil
		}
		if i == 0 || !(isKeyword(toks[i-1], "FROM") || isKeyword(toks[i-1], "JOIN") || isPunct(toks[i-1], ",") && inFromList(toks, i-1)) {
			// A subquery in an expression: left for checkTokens (subquery.go
			// rewrites the ones it can).
			out = append(out, toks[i:closing+1]...)
			i = closing
			continue
		}
		j := closing + 1
		if j < len(toks) && isKeyword(toks[j], "AS") {
			j++
		}
		if j >= len(toks) || toks[j].kind != tokIdent || isClauseKeyword(toks[j]) {
			p.errorf(tokAt(toks, closing+1), "a derived table needs a name: expected ( SELECT … ) AS name, found %s", describe(tokAt(toks, closing+1)))
			return nil
		}
		alias := toks[j]
		if c.fusable(toks, i, closing, toks[i+1:closing]) {
			if c.inline == nil {
				c.inline = map[int]bool{}
			}
			c.inline[t.start] = true // planned inside this SELECT (fuse.go)
			out = append(out, toks[i:closing+1]...)
			i = closing
			continue
		}
		if c.pl.scopes[len(c.pl.scopes)-1][strings.ToLower(alias.text)] != nil {
			p.errorf(alias, "the name %s is already used in this SELECT: expected another name for the derived table", alias.text)
			return nil
		}
		rank := c.rankOf(p, toks[i+1:closing], toks[j+1:], alias.text)
		if p.fail != nil {
			return nil
		}
		if tg := c.into; rank != nil && tg != nil && rankOnly(toks, i, j, alias.text, rank.column) {
			// SELECT * FROM (… ROW_NUMBER() …) t WHERE rn <= n: the Top-N
			// writes the statement's stream itself (no stage, no exchange).
			c.into, c.rank = nil, rank
			body := toks[i+1 : closing]
			c.plan(p, tg.sink, tg.name, tg.head, body, body[len(body)-1].end)
			c.fusedInto = true
			return nil
		}
		s := c.stage(p, alias, toks[i+1:closing], rank)
		if s == nil {
			return nil
		}
		c.pl.scopes[len(c.pl.scopes)-1][strings.ToLower(alias.text)] = s
		// The span ( … ) becomes `alias`; AS alias stays after it.
		c.blank(t.start, toks[closing].end)
		quoted := "`" + alias.text + "`"
		copy(c.text[t.start:], quoted)
		out = append(out, token{kind: tokIdent, text: alias.text, start: t.start, end: t.start + len(quoted)})
		i = closing
	}
	return out
}

// inFromList reports whether the comma at toks[i] separates FROM items:
// the nearest clause keyword before it, at its depth, is FROM.
func inFromList(toks []token, i int) bool {
	depth := 0
	for j := i - 1; j >= 0; j-- {
		t := toks[j]
		switch {
		case isPunct(t, ")"):
			depth++
		case isPunct(t, "("):
			if depth == 0 {
				return false
			}
			depth--
		case depth == 0 && isKeyword(t, "FROM"):
			return true
		case depth == 0 && t.kind == tokIdent && afterFrom[strings.ToUpper(t.text)]:
			return false
		}
	}
	return false
}

// afterFrom are the clauses before or after the FROM list.
var afterFrom = map[string]bool{"SELECT": true, "WHERE": true, "GROUP": true, "HAVING": true, "ORDER": true, "LIMIT": true, "UNION": true, "EMIT": true, "WINDOW": true}

// clauseKeywords follow a FROM item: not an alias.
var clauseKeywords = map[string]bool{"WHERE": true, "GROUP": true, "HAVING": true, "ORDER": true, "LIMIT": true, "JOIN": true,
	"INNER": true, "LEFT": true, "RIGHT": true, "FULL": true, "CROSS": true, "ON": true, "UNION": true, "EMIT": true, "WINDOW": true, "NATURAL": true, "USING": true, "STRAIGHT_JOIN": true}

func isClauseKeyword(t token) bool {
	return t.kind == tokIdent && clauseKeywords[strings.ToUpper(t.text)]
}

// stage plans body (a nested query) as a stage named by name and returns
// its stream.
func (c *composer) stage(p *parser, name token, body []token, rank *rankSpec) *Stream {
	c.n++
	s := c.stageStream(name.text, name.start)
	qname := c.uniqueName(c.stmt + "__" + strings.ToLower(name.text))
	c.rank = rank
	c.plan(p, s, qname, nil, body, body[len(body)-1].end)
	if p.fail != nil {
		return nil
	}
	c.shape(s)
	return s
}

// stageStream makes the hidden stream of stage c.n, named name.
func (c *composer) stageStream(name string, pos int) *Stream {
	s := newStream(name, pos)
	s.Derived, s.Hidden = true, true
	s.Subject = fmt.Sprintf("_velort.x.%s.%d.{partition}", subjectToken(c.stmt), c.n)
	s.DLQ = fmt.Sprintf("velort.dlq.%s.%d", subjectToken(c.stmt), c.n)
	c.pl.Streams = append(c.pl.Streams, s)
	return s
}

var subjectUnsafe = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// subjectToken is name made safe as one subject token (and stream name).
func subjectToken(name string) string { return subjectUnsafe.ReplaceAllString(name, "_") }

// uniqueName is name, or name with a number when a query or stream of the
// file already has it.
func (c *composer) uniqueName(name string) string {
	taken := func(n string) bool {
		if c.pl.byName[strings.ToLower(n)] != nil {
			return true
		}
		for _, q := range c.pl.Queries {
			if strings.EqualFold(q.Name, n) {
				return true
			}
		}
		return false
	}
	if !taken(name) {
		return name
	}
	for i := 2; ; i++ {
		if n := fmt.Sprintf("%s_%d", name, i); !taken(n) {
			return n
		}
	}
}

// shape gives a planned stage's stream its partitions, key, event time and
// transport from the queries writing it: as many partitions as its widest
// input, partitioned by its row key (a changelog) or by the input's key
// columns it carries (append-only; else by all its columns); JetStream when
// an input is.
func (c *composer) shape(s *Stream) {
	var writers []*Query
	for _, q := range c.pl.Queries {
		if q.Sink == s {
			writers = append(writers, q)
		}
	}
	n := 1
	var first *Stream
	for _, q := range writers {
		for _, in := range q.sources() {
			if first == nil {
				first = in
			}
			n = max(n, in.Partitions)
			if in.JetStream != "" && s.JetStream == "" {
				s.JetStream = "VELORT_X_" + strings.ToUpper(subjectToken(c.stmt)) + fmt.Sprintf("_%d", c.n)
			}
			if s.EventTime == "" && in.EventTime != "" {
				if i := s.Columns.Index(in.EventTime); i >= 0 && s.Columns[i].Type == in.Columns[in.EventTimeIdx].Type {
					s.EventTime, s.EventTimeIdx = s.Columns[i].Name, i
					s.WatermarkDelay, s.IdleTimeout, s.Late = in.WatermarkDelay, in.IdleTimeout, in.Late
				}
			}
		}
	}
	s.Key, s.KeyIdx = nil, nil
	switch {
	case s.Changelog:
		if len(s.changelogKeyIdx) == 0 {
			n = 1 // a global aggregate, or a key only in Velort-Key
		} else {
			for _, i := range s.changelogKeyIdx {
				s.Key, s.KeyIdx = append(s.Key, s.Columns[i].Name), append(s.KeyIdx, i)
			}
		}
	case len(writers) == 1 && writers[0].Kind == "group" && writers[0].shape != nil && writers[0].shape.groupBy != nil:
		// An append-only GROUP BY (windows, EMIT FINAL): by the group key
		// columns it carries (not the window bounds), so that each group
		// reaches one partition from one writer, in window order.
		names, cols := writers[0].groupOutputKey()
		for i, col := range cols {
			if col >= 0 && names[i] != "window_start" && names[i] != "window_end" {
				s.Key, s.KeyIdx = append(s.Key, s.Columns[col].Name), append(s.KeyIdx, col)
			}
		}
		if len(s.Key) == 0 {
			n = 1
		}
	case first != nil:
		for _, k := range first.Key {
			if i := s.Columns.Index(k); i >= 0 {
				s.Key, s.KeyIdx = append(s.Key, s.Columns[i].Name), append(s.KeyIdx, i)
			}
		}
		if len(s.Key) == 0 {
			for i, col := range s.Columns {
				s.Key, s.KeyIdx = append(s.Key, col.Name), append(s.KeyIdx, i)
			}
		}
	}
	s.Partitions = n
}

// blank replaces text[from:to] with spaces, keeping newlines.
func (c *composer) blank(from, to int) {
	for i := from; i < to; i++ {
		if c.text[i] != '\n' {
			c.text[i] = ' '
		}
	}
}

// tokAt is toks[i], or an end-of-statement token after the last.
func tokAt(toks []token, i int) token {
	if i < len(toks) {
		return toks[i]
	}
	if len(toks) == 0 {
		return token{kind: tokEOF}
	}
	e := toks[len(toks)-1].end
	return token{kind: tokEOF, start: e, end: e}
}

// bindUnionBranch checks a UNION ALL branch after the first against the
// stream the first one typed: as many columns, of the same types; the
// branch's columns take the first's names, as in MySQL.
func (q *Query) bindUnionBranch(p *parser) *Error {
	s := q.Sink
	if len(s.Columns) != len(q.Columns) {
		return p.src.errorAt(q.pos, "UNION ALL: this SELECT has %d columns, the first has %d (%s): expected as many", len(q.Columns), len(s.Columns), columnNames(s.Columns))
	}
	for i := range q.Columns {
		a, b := s.Columns[i], q.Columns[i]
		if a.Type != b.Type || a.Type == runtime.TDecimal && a.Scale != b.Scale {
			return p.src.errorAt(q.pos, "UNION ALL: column %d (%s) is %s in the first SELECT and %s here: expected the same type (CAST one of them)", i+1, a.Name, columnTypeText(a), columnTypeText(b))
		}
		q.Columns[i].Name = a.Name
	}
	return nil
}

func columnTypeText(c runtime.Column) string {
	if c.Type == runtime.TDecimal {
		return fmt.Sprintf("DECIMAL(%d,%d)", c.Precision, c.Scale)
	}
	return c.Type.String()
}

// createView plans CREATE VIEW name AS query: a stage of its own statement
// whose stream any later statement reads FROM by name. A view no query
// reads does not run (dropUnreadViews).
func (p *parser) createView(pl *Plan) {
	name, ok := p.ident("a view name")
	if !ok {
		return
	}
	if pl.Stream(name.text) != nil || pl.Table(name.text) != nil {
		p.errorf(name, "%s is already declared", name.text)
		return
	}
	if isKeyword(p.peek(), "WITH") && isPunct(p.peekAt(1), "(") {
		p.errorf(p.peek(), "a view has no options (it has no subject: velort places it): expected CREATE VIEW %s AS SELECT …", name.text)
		return
	}
	if !p.expectKeyword("AS") {
		return
	}
	if t := p.peek(); !isKeyword(t, "SELECT") && !isKeyword(t, "WITH") {
		p.errorf(t, "expected SELECT after CREATE VIEW %s AS, found %s", name.text, describe(t))
		return
	}
	stmt := strings.ToLower(name.text)
	s := newStream(name.text, name.start)
	s.Derived, s.View = true, true
	s.Subject = fmt.Sprintf("_velort.x.%s.0.{partition}", subjectToken(stmt))
	s.DLQ = fmt.Sprintf("velort.dlq.%s", subjectToken(stmt))
	c := &composer{pl: pl, stmt: stmt, text: []byte(p.src.text)}
	first := len(pl.Queries)
	c.plan(p, s, stmt, p.st.toks[:p.i], p.st.toks[p.i:], p.st.end)
	p.i = len(p.st.toks)
	if p.fail != nil {
		return
	}
	for _, q := range pl.Queries[first:] {
		q.Statement = stmt
	}
	c.n = 0
	c.shape(s)
	pl.addStream(s)
}

// dropUnreadViews removes the queries of views that no query reads (their
// stages too), until every view left is read.
func (pl *Plan) dropUnreadViews() {
	for {
		read := map[*Stream]bool{}
		for _, q := range pl.Queries {
			for _, in := range q.sources() {
				read[in] = true
			}
		}
		var drop string
		for _, s := range pl.Streams {
			if s.View && !read[s] && !s.unread {
				s.unread, drop = true, strings.ToLower(s.Name)
				break
			}
		}
		if drop == "" {
			return
		}
		kept := pl.Queries[:0]
		for _, q := range pl.Queries {
			if q.Statement != drop {
				kept = append(kept, q)
			}
		}
		pl.Queries = kept
	}
}

// selectList is the SELECT list of the query in body (its items up to the
// top-level FROM), without the item named skip (AS skip).
func selectList(body []token, skip string) []token {
	depth, from := 0, len(body)
	for k, t := range body {
		switch {
		case isPunct(t, "("):
			depth++
		case isPunct(t, ")"):
			depth--
		case depth == 0 && isKeyword(t, "FROM"):
			from = k
		}
		if from < len(body) {
			break
		}
	}
	if len(body) == 0 || from > len(body) {
		return nil
	}
	items := body[1:from]
	// Drop the item ending in AS skip.
	var out []token
	depth, start := 0, 0
	for k := 0; k <= len(items); k++ {
		if k < len(items) {
			switch t := items[k]; {
			case isPunct(t, "("):
				depth++
				continue
			case isPunct(t, ")"):
				depth--
				continue
			case depth != 0 || !isPunct(t, ","):
				continue
			}
		}
		item := items[start:k]
		if n := len(item); !(n >= 2 && strings.EqualFold(item[n-1].text, skip) && isKeyword(item[n-2], "AS")) {
			if len(out) > 0 {
				out = append(out, token{kind: tokPunct, text: ","})
			}
			out = append(out, item...)
		}
		start = k + 1
	}
	return out
}

// plainColumns returns the names of a SELECT list of plain columns (a, b,
// c), nil when an item is anything else.
func plainColumns(items []token) []string {
	var names []string
	for k, t := range items {
		switch {
		case k%2 == 0 && t.kind == tokIdent && !isClauseKeyword(t):
			names = append(names, t.text)
		case k%2 == 1 && isPunct(t, ","):
		default:
			return nil
		}
	}
	if len(items)%2 == 0 {
		return nil
	}
	return names
}
