package planner

import (
	"fmt"
	"strings"
)

// Subqueries in WHERE (SPEC §2 "Composed queries"), decorrelated into
// joins with stages:
//
//	… WHERE e IN (SELECT c FROM …)                       -- uncorrelated
//	… WHERE EXISTS (SELECT … FROM t WHERE t.c = s.e …)   -- correlated by equality
//
// The subquery is planned as a stage (its body as written; for EXISTS
// without the correlating equality and selecting every column), then a
// second stage keeps its distinct values of c (SELECT DISTINCT c AS _in:
// a changelog of the values present), and the query becomes a semi-join:
// … FROM s JOIN _sqN ON (e) = _sqN._in, the condition replaced by TRUE. A
// row of s is in the result while its value is among the subquery's, as
// the batch query answers: it is deleted when the value leaves and comes
// back when it returns. NOT EXISTS is the anti-join: … FROM s LEFT JOIN
// _sqN ON … WHERE _sqN._in IS NULL, a row of s in the result while no
// value matches it. Each subquery must be one of the AND-ed conditions
// of WHERE; NOT IN (NULL among the values makes it unknown for every
// row), subqueries under OR, in the SELECT list or in HAVING are refused
// for now.

// whereSubqueries rewrites the IN/EXISTS subqueries of the SELECT in toks
// (top level of its WHERE): it returns toks with each such condition
// replaced by TRUE, and the insertions its text needs (the joins).
func (c *composer) whereSubqueries(p *parser, toks []token) ([]token, []insertion) {
	w, end := clauseRange(toks, "WHERE")
	if w < 0 {
		return toks, nil
	}
	outer, outerEnd, ok := fromItem(toks)
	var ins []insertion
	var out []token
	last := 0
	scalar := false
	for _, cj := range conjuncts(toks, w+1, end) {
		a, b := cj[0], cj[1]
		sub := -1
		for i := a; i < b; i++ {
			if isPunct(toks[i], "(") && i+1 < b && isKeyword(toks[i+1], "SELECT") {
				sub = i
				break
			}
		}
		if sub < 0 {
			continue
		}
		if !ok {
			p.errorf(toks[sub+1], "a subquery in WHERE needs one stream after FROM (FROM s [AS a]) to join it with")
			return nil, nil
		}
		notExists := sub == a+2 && isKeyword(toks[a], "NOT") && isKeyword(toks[a+1], "EXISTS")
		if closing := matchingParen(toks, sub+1); closing != b-1 || !(sub == a+1 && isKeyword(toks[a], "EXISTS") || notExists || sub > a && isKeyword(toks[sub-1], "IN")) {
			if closing < 0 || sub > a && (isKeyword(toks[sub-1], "IN") || isKeyword(toks[sub-1], "EXISTS")) {
				continue // checkTokens refuses it
			}
			// A scalar subquery: its value joined to every row.
			if len(ins) > 0 || scalar {
				p.errorf(toks[sub+1], "one subquery per query for now: expected the others as derived tables JOINed")
				return nil, nil
			}
			stage, ref := c.scalarStage(p, toks, toks[sub], toks[sub+1:closing], outer)
			if stage == "" {
				return nil, nil
			}
			scalar = true
			ins = append(ins, insertion{at: outerEnd, text: fmt.Sprintf(" JOIN `%s` ON `%s`.`_one` = `%s`.`_one`", stage, outer, stage)})
			c.blank(toks[sub].start, toks[closing].end)
			copy(c.text[toks[sub].start:], ref)
			out = append(append(out, toks[last:sub]...), token{kind: tokIdent, text: stage, start: toks[sub].start, end: toks[sub].start + len(ref)})
			last = closing + 1
			continue
		}
		body := toks[sub+1 : b-1]
		var stage, on, col string
		switch {
		case sub == a+1 && isKeyword(toks[a], "EXISTS"):
			stage, on, col = c.existsStage(p, body, outer)
		case sub >= a+2 && isKeyword(toks[sub-1], "IN") && isKeyword(toks[sub-2], "NOT"):
			p.errorf(toks[sub-2], "NOT IN (SELECT …) is not supported yet (a NULL among the subquery's values makes it unknown for every row): expected NOT EXISTS (SELECT … FROM t WHERE t.c = s.x), which keeps a row no value equals")
		case notExists: // an anti-join: LEFT JOIN the values, keep the rows without one
			stage, on, col = c.existsStage(p, body, outer)
		case sub >= a+2 && isKeyword(toks[sub-1], "IN"):
			e := string(c.text[toks[a].start:toks[sub-2].end])
			if stage = c.semiStage(p, toks[sub], body, ""); stage != "" {
				on = fmt.Sprintf("(%s) = `%s`.`_in`", e, stage)
			}
		default:
			p.errorf(toks[sub+1], "a scalar subquery (x > (SELECT …)) is not supported yet: expected IN (SELECT …) or EXISTS (SELECT …), or JOIN the subquery as a derived table")
		}
		if p.fail != nil || stage == "" {
			return nil, nil
		}
		if scalar {
			p.errorf(toks[sub+1], "one subquery per query for now: expected the others as derived tables JOINed")
			return nil, nil
		}
		if col == "" {
			col = c.inColumn(toks, a, sub)
		}
		if !c.coPartition(p, toks, stage, col) {
			return nil, nil
		}
		c.blank(toks[a].start, toks[b-1].end)
		if notExists {
			ins = append(ins, insertion{at: outerEnd, text: fmt.Sprintf(" LEFT JOIN `%s` ON %s", stage, on)},
				insertion{at: toks[a].start, text: fmt.Sprintf("`%s`.`_in` IS NULL", stage)})
		} else {
			ins = append(ins, insertion{at: outerEnd, text: fmt.Sprintf(" JOIN `%s` ON %s", stage, on)})
			copy(c.text[toks[a].start:], "TRUE")
		}
		out = append(append(out, toks[last:a]...), token{kind: tokIdent, text: "TRUE", start: toks[a].start, end: toks[a].start + 4})
		last = b
	}
	if len(ins) == 0 {
		return toks, nil
	}
	out = append(out, toks[last:]...)
	if star := selectStar(out); star >= 0 { // SELECT * would show _in (_one): the outer stream's columns
		src := c.pl.Stream(out[star+2].text)
		if c.outerCols != nil {
			src = c.outerCols
		}
		var cols []string
		for _, col := range src.Columns {
			if col.Name != "_one" {
				cols = append(cols, "`"+outer+"`.`"+col.Name+"`")
			}
		}
		c.blank(out[star].start, out[star].end)
		ins = append([]insertion{{at: out[star].start, text: strings.Join(cols, ", ")}}, ins...)
	}
	return out, ins
}

// scalarStage plans a scalar subquery (body, uncorrelated, one column of
// one row: an aggregate without GROUP BY) as a stage of its value _v and a
// constant _one, and reads the outer stream (the FROM of toks) through a
// stage adding _one, on one partition: the query joins them on _one, so
// every row sees the current value. It returns the value's stage and the
// text that names the value.
func (c *composer) scalarStage(p *parser, toks []token, at token, body []token, outer string) (string, string) {
	c.n++
	n := c.n
	inner := c.stage(p, token{kind: tokIdent, text: fmt.Sprintf("_sq%d_rows", n), start: at.start, end: at.end}, body, nil)
	if inner == nil {
		return "", ""
	}
	w := inner.writer
	switch {
	case len(inner.Columns) != 1:
		p.errorf(body[0], "a scalar subquery must select one column, this one selects %d (%s)", len(inner.Columns), columnNames(inner.Columns))
		return "", ""
	case w == nil || !w.outChangelog || len(w.outKey) != 0:
		p.errorf(body[0], "a scalar subquery must return one row: expected an aggregate without GROUP BY (SELECT AVG(v) FROM …), or JOIN it as a derived table")
		return "", ""
	}
	c.pl.scopes[len(c.pl.scopes)-1][strings.ToLower(inner.Name)] = inner
	name := fmt.Sprintf("_sq%d", n)
	saved := c.n
	c.n = n
	st := c.genStage(p, at, name, fmt.Sprintf("SELECT `%s` AS `_v`, 1 AS `_one` FROM `%s`", inner.Columns[0].Name, inner.Name))
	c.n = saved
	if st == nil {
		return "", ""
	}
	st.Partitions, st.Key, st.KeyIdx = 1, nil, nil
	if !c.readThrough(p, toks, "SELECT *, 1 AS `_one` FROM `%s`", 1, "_one") {
		return "", ""
	}
	return name, "`" + name + "`.`_v`"
}

// readThrough makes the SELECT in toks read its FROM stream through a
// stage (format: its SELECT, %s the stream) with parts partitions by
// column key, which the FROM then names.
func (c *composer) readThrough(p *parser, toks []token, format string, parts int, key string) bool {
	return c.readThroughAs(p, toks, format, parts, key, "")
}

// readThroughAs is readThrough naming the stage name ("": _sq<n>_by).
func (c *composer) readThroughAs(p *parser, toks []token, format string, parts int, key, name string) bool {
	from := -1
	for i, t := range toks {
		if isKeyword(t, "FROM") && i+1 < len(toks) {
			from = i + 1
			break
		}
	}
	outer := c.pl.Stream(toks[from].text)
	if outer == nil {
		p.errorf(toks[from], "a subquery needs a stream after FROM to join with")
		return false
	}
	if len(c.renames) > 0 {
		p.errorf(toks[from], "two subqueries reading %s differently are not supported: expected one", outer.Name)
		return false
	}
	if !c.readThroughAt(p, toks, from, format, parts, key, name) {
		return false
	}
	c.outerCols = outer
	return true
}

// readThroughAt makes the stream named at toks[from] (a FROM or JOIN item)
// read through a stage (format: its SELECT, %s the stream) with parts
// partitions by column key, named name ("": _sq<n>_by).
func (c *composer) readThroughAt(p *parser, toks []token, from int, format string, parts int, key, name string) bool {
	outer := c.pl.Stream(toks[from].text)
	c.n++
	if name == "" {
		name = fmt.Sprintf("_sq%d_by", c.n)
	}
	by := c.genStage(p, toks[from], name, fmt.Sprintf(format, outer.Name))
	if by == nil {
		return false
	}
	by.Partitions, by.Key, by.KeyIdx = parts, []string{key}, []int{by.Columns.Index(key)}
	alias := ""
	if from+1 >= len(toks) || toks[from+1].kind != tokIdent || isClauseKeyword(toks[from+1]) {
		alias = " AS `" + toks[from].text + "`"
		if c.readAs == nil {
			c.readAs = map[*Stream]string{}
		}
		c.readAs[by] = toks[from].text
	}
	c.blank(toks[from].start, toks[from].end)
	c.renames = append(c.renames, insertion{at: toks[from].start, text: "`" + name + "`" + alias})
	toks[from] = token{kind: tokIdent, text: name, start: toks[from].start, end: toks[from].end}
	return true
}

// existsStage plans EXISTS (body): body's WHERE must have one equality
// between a column of the outer stream (qualified by outer) and one of its
// own. It returns the stage of the subquery's distinct values of that
// column and the join condition.
func (c *composer) existsStage(p *parser, body []token, outer string) (string, string, string) {
	w, end := clauseRange(body, "WHERE")
	from := -1
	for i, t := range body {
		if isKeyword(t, "FROM") {
			from = i
			break
		}
	}
	if w < 0 || from < 2 {
		p.errorf(body[0], "an EXISTS subquery must be correlated: expected EXISTS (SELECT … FROM t WHERE t.c = %s.c …)", outer)
		return "", "", ""
	}
	for _, cj := range conjuncts(body, w+1, end) {
		a, b := cj[0], cj[1]
		if b-a != 7 || !isPunct(body[a+3], "=") || !isPunct(body[a+1], ".") || !isPunct(body[a+5], ".") {
			continue
		}
		l, r := body[a:a+3], body[a+4:a+7]
		if strings.EqualFold(l[0].text, outer) {
			l, r = r, l
		}
		if !strings.EqualFold(r[0].text, outer) || strings.EqualFold(l[0].text, outer) {
			continue
		}
		// The equality goes (the join does it), and the stage selects
		// every column of the subquery's FROM.
		c.blank(body[a].start, body[b-1].end)
		copy(c.text[body[a].start:], "TRUE")
		c.blank(body[1].start, body[from-1].end)
		copy(c.text[body[1].start:], "*")
		nb := []token{body[0], {kind: tokPunct, text: "*", start: body[1].start, end: body[1].start + 1}}
		nb = append(append(nb, body[from:a]...), token{kind: tokIdent, text: "TRUE", start: body[a].start, end: body[a].start + 4})
		nb = append(nb, body[b:]...)
		stage := c.semiStage(p, body[0], nb, l[2].text)
		if stage == "" {
			return "", "", ""
		}
		return stage, fmt.Sprintf("`%s`.`%s` = `%s`.`_in`", outer, r[2].text, stage), r[2].text
	}
	p.errorf(body[0], "an EXISTS subquery must be correlated by one equality of columns, t.c = %s.c, among the AND-ed conditions of its WHERE: none found", outer)
	return "", "", ""
}

// inColumn is the outer column of `e IN (…)` when e (toks[a:sub-1]) is
// one, possibly qualified; "" otherwise.
func (c *composer) inColumn(toks []token, a, sub int) string {
	switch e := toks[a : sub-1]; {
	case len(e) == 1 && e[0].kind == tokIdent:
		return e[0].text
	case len(e) == 3 && isPunct(e[1], ".") && e[2].kind == tokIdent:
		return e[2].text
	}
	return ""
}

// coPartition makes the semi-join of the SELECT in toks with stage
// readable in one loop per partition: the stage takes the outer stream's
// partitions, and an outer stream partitioned other than by col (the outer
// column joined) is read through a stage of its own partitioned by col,
// which the FROM then names.
func (c *composer) coPartition(p *parser, toks []token, stage, col string) bool {
	st := c.pl.Stream(stage)
	from := -1
	for i, t := range toks {
		if isKeyword(t, "FROM") && i+1 < len(toks) {
			from = i + 1
			break
		}
	}
	outer := c.pl.Stream(toks[from].text)
	if outer == nil || outer.Partitions == 1 && st.Partitions == 1 {
		return true
	}
	if outer.Partitions == 1 {
		st.Partitions = 1
		return true
	}
	ci := outer.Columns.Index(col)
	if col == "" || ci < 0 {
		p.errorf(toks[from], "stream %s has %d partitions: a subquery joins it by a column of its own (x IN (SELECT …) or EXISTS (… t.c = s.x …)), expected x a column of %s", outer.Name, outer.Partitions, outer.Name)
		return false
	}
	if in := st.Columns[st.Columns.Index("_in")]; in.Type != outer.Columns[ci].Type {
		p.errorf(toks[from], "the subquery's values are %s and %s.%s is %s: over %d partitions both must have one type (CAST the subquery's column)", in.Type, outer.Name, col, outer.Columns[ci].Type, outer.Partitions)
		return false
	}
	st.Partitions, st.Key, st.KeyIdx = outer.Partitions, []string{"_in"}, []int{st.Columns.Index("_in")}
	if len(outer.Key) == 1 && strings.EqualFold(outer.Key[0], col) {
		return true
	}
	// The outer stream through a stage partitioned by col.
	return c.readThrough(p, toks, "SELECT * FROM `%s`", outer.Partitions, outer.Columns[ci].Name)
}

// genStage plans text (a SELECT velort writes, over streams in scope) as
// a stage named name; errors point at at.
func (c *composer) genStage(p *parser, at token, name, text string) *Stream {
	s := c.stageStream(name, at.start)
	q := planGenerated(p, c.pl, s, c.uniqueName(c.stmt+"__"+name), text, at)
	if q == nil {
		return nil
	}
	q.Statement = c.stmt
	c.shape(s)
	c.pl.scopes[len(c.pl.scopes)-1][strings.ToLower(name)] = s
	return s
}

// planGenerated plans text, a SELECT velort writes (its errors are
// velort's, reported at at in the file), into sink as query qname.
func planGenerated(p *parser, pl *Plan, sink *Stream, qname, text string, at token) *Query {
	gt, lerr := tokenize(text)
	if lerr != nil {
		p.errorf(at, "internal error planning %s: %s", qname, lerr.msg)
		return nil
	}
	sp := &parser{src: &source{name: p.src.name, text: text}, st: statement{toks: gt, start: 0, end: len(text)}}
	q := sp.planSelect(pl, sink, qname, []byte(text), false, nil)
	if sp.fail != nil {
		p.errorf(at, "%s", sp.fail.Msg)
		return nil
	}
	return q
}

// semiStage plans body as a stage and, over it, the stage of its distinct
// values of column col (the only column when col is empty), named _in;
// it returns that stage's name.
func (c *composer) semiStage(p *parser, at token, body []token, col string) string {
	c.n++
	n := c.n
	inner := c.stage(p, token{kind: tokIdent, text: fmt.Sprintf("_sq%d_rows", n), start: at.start, end: at.end}, body, nil)
	if inner == nil {
		return ""
	}
	name := ""
	switch {
	case col != "":
		i := inner.Columns.Index(col)
		if i < 0 {
			p.errorf(body[0], "the subquery has no column %s to correlate by", col)
			return ""
		}
		name = inner.Columns[i].Name
	case len(inner.Columns) != 1:
		p.errorf(body[0], "a subquery after IN must select one column, this one selects %d (%s)", len(inner.Columns), columnNames(inner.Columns))
		return ""
	default:
		name = inner.Columns[0].Name
	}
	c.pl.scopes[len(c.pl.scopes)-1][strings.ToLower(inner.Name)] = inner
	sname := fmt.Sprintf("_sq%d", n)
	saved := c.n
	c.n = n
	st := c.genStage(p, at, sname, fmt.Sprintf("SELECT DISTINCT `%s` AS `_in` FROM `%s`", name, inner.Name))
	c.n = saved
	if st == nil {
		return ""
	}
	return sname
}

// clauseRange returns the index of the top-level clause keyword kw in
// toks and the index where its clause ends (the next top-level clause), or
// -1.
func clauseRange(toks []token, kw string) (int, int) {
	depth, at := 0, -1
	for i, t := range toks {
		switch {
		case isPunct(t, "("):
			depth++
		case isPunct(t, ")"):
			depth--
		case depth != 0:
		case at < 0 && isKeyword(t, kw):
			at = i
		case at >= 0 && t.kind == tokIdent && afterFrom[strings.ToUpper(t.text)]:
			return at, i
		}
	}
	return at, len(toks)
}

// conjuncts splits toks[from:to] at top-level AND into [start, end) pairs;
// nil when an OR is at the top level (the parts are not all required).
func conjuncts(toks []token, from, to int) [][2]int {
	var out [][2]int
	depth, start := 0, from
	between := false // inside BETWEEN … AND …
	for i := from; i < to; i++ {
		t := toks[i]
		switch {
		case isPunct(t, "("):
			depth++
		case isPunct(t, ")"):
			depth--
		case depth != 0:
		case isKeyword(t, "OR") || isPunct(t, "||"):
			return nil
		case isKeyword(t, "BETWEEN"):
			between = true
		case isKeyword(t, "AND") && between:
			between = false
		case isKeyword(t, "AND") || isPunct(t, "&&"):
			out = append(out, [2]int{start, i})
			start = i + 1
		}
	}
	return append(out, [2]int{start, to})
}

// fromItem returns the name (or alias) of the stream after the top-level
// FROM of toks and the offset just past it.
func fromItem(toks []token) (string, int, bool) {
	depth := 0
	for i, t := range toks {
		switch {
		case isPunct(t, "("):
			depth++
		case isPunct(t, ")"):
			depth--
		case depth == 0 && isKeyword(t, "FROM"):
			if i+1 >= len(toks) || toks[i+1].kind != tokIdent {
				return "", 0, false
			}
			name, end := toks[i+1].text, toks[i+1].end
			j := i + 2
			if j < len(toks) && isKeyword(toks[j], "AS") {
				j++
			}
			if j < len(toks) && toks[j].kind == tokIdent && !isClauseKeyword(toks[j]) {
				name, end = toks[j].text, toks[j].end
			}
			return name, end, true
		}
	}
	return "", 0, false
}

// selectStar is the index of a SELECT list that is just *, or -1.
func selectStar(toks []token) int {
	if len(toks) > 2 && isKeyword(toks[0], "SELECT") && isPunct(toks[1], "*") && isKeyword(toks[2], "FROM") {
		return 1
	}
	return -1
}

// fromAlias is the alias of the stream after the top-level FROM of toks
// (FROM s AS a, FROM s a), or "".
func fromAlias(toks []token) string {
	depth := 0
	for i, t := range toks {
		switch {
		case isPunct(t, "("):
			depth++
		case isPunct(t, ")"):
			depth--
		case depth == 0 && isKeyword(t, "FROM"):
			j := i + 2
			if j < len(toks) && isKeyword(toks[j], "AS") {
				j++
			}
			if i+1 < len(toks) && toks[i+1].kind == tokIdent && j < len(toks) && toks[j].kind == tokIdent && !isClauseKeyword(toks[j]) {
				return toks[j].text
			}
			return ""
		}
	}
	return ""
}
