package planner

import "strings"

// keepLikeEscapes rewrites `\%` and `\_` inside quoted string literals of
// a query to `\\%` and `\\_` before go-mysql-server parses it: MySQL keeps
// the backslash of these two escapes in a string ('\%' is the two
// characters \%, so LIKE 'a\%b' matches a literal %), while GMS's parser
// drops it ('\%' became '%', a wildcard). A LIKE pattern holding such an
// escape also gets an explicit ESCAPE '\\', which keeps GMS's analyzer
// from rewriting it to a range or an equality that ignores the escape.
// Other text is unchanged.
func keepLikeEscapes(q string) string {
	if !strings.Contains(q, `\%`) && !strings.Contains(q, `\_`) {
		return q
	}
	var b strings.Builder
	var quote byte // the open quote, 0 outside literals
	litStart, escaped := 0, false
	for i := 0; i < len(q); i++ {
		ch := q[i]
		switch {
		case quote == 0:
			if ch == '\'' || ch == '"' || ch == '`' {
				quote, litStart, escaped = ch, i, false
			}
		case ch == '\\' && quote != '`' && i+1 < len(q):
			if n := q[i+1]; n == '%' || n == '_' {
				b.WriteString(`\\`)
				escaped = true
				continue
			}
			b.WriteByte(ch) // another escape: copy it and the escaped byte
			i++
			ch = q[i]
		case ch == quote:
			if i+1 < len(q) && q[i+1] == quote { // doubled quote
				b.WriteByte(ch)
				i++
			} else {
				quote = 0
				b.WriteByte(ch)
				if escaped && quote == 0 && precededByLike(q[:litStart]) && !followedByEscape(q[i+1:]) {
					b.WriteString(` ESCAPE '\\'`)
				}
				continue
			}
		}
		b.WriteByte(ch)
	}
	return b.String()
}

// precededByLike reports whether s ends with the keyword LIKE (then spaces).
func precededByLike(s string) bool {
	s = strings.TrimRight(s, " \t\r\n")
	if len(s) < 4 || !strings.EqualFold(s[len(s)-4:], "like") {
		return false
	}
	if len(s) == 4 {
		return true
	}
	c := s[len(s)-5]
	return !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')
}

// followedByEscape reports whether s starts with the keyword ESCAPE.
func followedByEscape(s string) bool {
	s = strings.TrimLeft(s, " \t\r\n")
	return len(s) >= 6 && strings.EqualFold(s[:6], "escape")
}
