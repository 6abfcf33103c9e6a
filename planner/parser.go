package planner

import "strings"

// parser walks the tokens of one statement for velort's own DDL.
type parser struct {
	src  *source
	st   statement
	i    int
	fail *Error
	// extra: insertions into the SELECT's text beyond stripStreaming's
	// (the joins of WHERE subqueries, subquery.go).
	extra []insertion
	// inline: offsets of the ( of derived tables go-mysql-server plans
	// inside this query (fused, fuse.go), which checkTokens lets pass.
	inline map[int]bool
	// exchangeJoins: the composer can read a regular join's sides through
	// stages (exchange.go), so refuseRegularJoin notes a JetStream join
	// whose sides are partitioned otherwise instead of refusing it.
	exchangeJoins bool
	// readAs: the stream names stages read through were named AS
	// (composer.readAs): the FROM stream's alias when the text has none.
	readAs map[*Stream]string
}

func (p *parser) peek() token {
	if p.i < len(p.st.toks) {
		return p.st.toks[p.i]
	}
	return token{kind: tokEOF, start: p.st.end, end: p.st.end}
}

func (p *parser) peekAt(k int) token {
	if p.i+k < len(p.st.toks) {
		return p.st.toks[p.i+k]
	}
	return token{kind: tokEOF, start: p.st.end, end: p.st.end}
}

func (p *parser) advance() token { t := p.peek(); p.i++; return t }

func (p *parser) atEOF() bool { return p.i >= len(p.st.toks) }

// isKeyword reports whether t is the (case-insensitive) keyword kw.
func isKeyword(t token, kw string) bool {
	return t.kind == tokIdent && strings.EqualFold(t.text, kw)
}

func isPunct(t token, s string) bool { return t.kind == tokPunct && t.text == s }

func describe(t token) string {
	switch t.kind {
	case tokEOF:
		return "end of statement"
	case tokString:
		return "'" + t.text + "'"
	}
	return "'" + t.text + "'"
}

// errorf records the first error, at token t.
func (p *parser) errorf(t token, format string, args ...any) {
	if p.fail == nil {
		p.fail = p.src.errorAt(t.start, format, args...)
	}
}

// expectKeyword consumes kw or records "expected kw".
func (p *parser) expectKeyword(kw string) bool {
	t := p.peek()
	if !isKeyword(t, kw) {
		p.errorf(t, "expected %s, found %s", kw, describe(t))
		return false
	}
	p.i++
	return true
}

func (p *parser) expectPunct(s string) bool {
	t := p.peek()
	if !isPunct(t, s) {
		p.errorf(t, "expected '%s', found %s", s, describe(t))
		return false
	}
	p.i++
	return true
}

// ident consumes an identifier; what names it in the error message.
func (p *parser) ident(what string) (token, bool) {
	t := p.peek()
	if t.kind != tokIdent {
		p.errorf(t, "expected %s, found %s", what, describe(t))
		return t, false
	}
	p.i++
	return t, true
}
