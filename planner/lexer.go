package planner

// tokKind classifies a token of the SQL file.
type tokKind uint8

const (
	tokEOF    tokKind = iota
	tokIdent          // bare or `quoted` identifier or keyword
	tokString         // '...' or "..."
	tokNumber
	tokPunct // operators and punctuation, one token per symbol
)

// token is a lexeme with its byte offsets in the file.
type token struct {
	kind       tokKind
	text       string // identifier without backticks; string literal unescaped; punct as is
	start, end int    // [start, end) in the source
}

// lexer scans SQL text, skipping whitespace and -- # /* */ comments.
type lexer struct {
	src string
	pos int
	err *lexError
}

type lexError struct {
	pos int
	msg string
}

func (l *lexer) skipSpace() {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			l.pos++
		case c == '-' && l.pos+1 < len(l.src) && l.src[l.pos+1] == '-':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.pos++
			}
		case c == '#':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.pos++
			}
		case c == '/' && l.pos+1 < len(l.src) && l.src[l.pos+1] == '*':
			end := indexFrom(l.src, "*/", l.pos+2)
			if end < 0 {
				l.err = &lexError{l.pos, "unterminated /* comment"}
				l.pos = len(l.src)
				return
			}
			l.pos = end + 2
		default:
			return
		}
	}
}

func indexFrom(s, sub string, from int) int {
	for i := from; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c >= 0x80
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// next returns the next token; at end of input a tokEOF at len(src).
func (l *lexer) next() token {
	l.skipSpace()
	if l.pos >= len(l.src) {
		return token{kind: tokEOF, start: len(l.src), end: len(l.src)}
	}
	start := l.pos
	c := l.src[l.pos]
	switch {
	case isIdentStart(c):
		for l.pos < len(l.src) && (isIdentStart(l.src[l.pos]) || isDigit(l.src[l.pos])) {
			l.pos++
		}
		return token{kind: tokIdent, text: l.src[start:l.pos], start: start, end: l.pos}
	case isDigit(c) || (c == '.' && l.pos+1 < len(l.src) && isDigit(l.src[l.pos+1])):
		for l.pos < len(l.src) && (isDigit(l.src[l.pos]) || l.src[l.pos] == '.') {
			l.pos++
		}
		if l.pos < len(l.src) && (l.src[l.pos] == 'e' || l.src[l.pos] == 'E') {
			j := l.pos + 1
			if j < len(l.src) && (l.src[j] == '+' || l.src[j] == '-') {
				j++
			}
			if j < len(l.src) && isDigit(l.src[j]) {
				for j < len(l.src) && isDigit(l.src[j]) {
					j++
				}
				l.pos = j
			}
		}
		// Durations like 1m, 500ms, 2s in Velostream's TUMBLING(1m).
		for l.pos < len(l.src) && isIdentStart(l.src[l.pos]) {
			l.pos++
		}
		return token{kind: tokNumber, text: l.src[start:l.pos], start: start, end: l.pos}
	case c == '\'' || c == '"' || c == '`':
		quote := c
		l.pos++
		var buf []byte
		for {
			if l.pos >= len(l.src) {
				what := "string"
				if quote == '`' {
					what = "quoted identifier"
				}
				l.err = &lexError{start, "unterminated " + what}
				return token{kind: tokEOF, start: len(l.src), end: len(l.src)}
			}
			ch := l.src[l.pos]
			if ch == '\\' && quote != '`' && l.pos+1 < len(l.src) {
				buf = append(buf, unescapeSQL(l.src[l.pos+1]))
				l.pos += 2
				continue
			}
			if ch == quote {
				if l.pos+1 < len(l.src) && l.src[l.pos+1] == quote {
					buf = append(buf, quote)
					l.pos += 2
					continue
				}
				l.pos++
				break
			}
			buf = append(buf, ch)
			l.pos++
		}
		kind := tokString
		if quote == '`' {
			kind = tokIdent
		}
		return token{kind: kind, text: string(buf), start: start, end: l.pos}
	}
	// Multi-character operators first.
	for _, op := range []string{"<=>", "<=", ">=", "<>", "!=", "||", "&&", "<<", ">>", "->>", "->", ":="} {
		if len(l.src)-l.pos >= len(op) && l.src[l.pos:l.pos+len(op)] == op {
			l.pos += len(op)
			return token{kind: tokPunct, text: op, start: start, end: l.pos}
		}
	}
	l.pos++
	return token{kind: tokPunct, text: l.src[start:l.pos], start: start, end: l.pos}
}

func unescapeSQL(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 't':
		return '\t'
	case 'r':
		return '\r'
	case '0':
		return 0
	}
	return c
}

// tokenize returns all tokens of src (without the final EOF).
func tokenize(src string) ([]token, *lexError) {
	l := &lexer{src: src}
	var toks []token
	for {
		t := l.next()
		if l.err != nil {
			return toks, l.err
		}
		if t.kind == tokEOF {
			return toks, nil
		}
		toks = append(toks, t)
	}
}
