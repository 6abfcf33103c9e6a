package planner

import (
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/transform"
)

// lostCharLength finds a CAST(x AS CHAR(n)) / CONVERT(x, CHAR(n)) of the
// query whose length go-mysql-server dropped: its planbuilder removes a
// cast to CHAR of a value that is already text, length and all, so velort
// would publish the whole string where MySQL cuts it to n characters.
// The casts written in the query (toks) are matched by their length with
// those left in the analyzed plan; the first one missing is returned as a
// byte offset and its length, or -1.
func lostCharLength(toks []token, node sql.Node) (off, n int) {
	left := map[int]int{} // length -> casts to CHAR(length) in the plan
	transform.InspectExpressions(node, func(e sql.Expression) bool {
		if c, ok := e.(*expression.Convert); ok {
			if t, l := castTarget(c); (t == "char" || t == "nchar") && l >= 0 {
				left[l]++
			}
		}
		return true
	})
	for i := 0; i+1 < len(toks); i++ {
		if !(isKeyword(toks[i], "CAST") || isKeyword(toks[i], "CONVERT")) || !isPunct(toks[i+1], "(") {
			continue
		}
		depth, j := 0, i+1
		for ; j < len(toks); j++ {
			if isPunct(toks[j], "(") {
				depth++
			} else if isPunct(toks[j], ")") {
				if depth--; depth == 0 {
					break
				}
			}
		}
		// ... AS|, CHAR ( n ) )
		if j >= len(toks) || j-5 <= i+1 {
			continue
		}
		sep, typ, num := toks[j-5], toks[j-4], toks[j-2]
		if !(isKeyword(sep, "AS") || isPunct(sep, ",")) || !(isKeyword(typ, "CHAR") || isKeyword(typ, "NCHAR")) ||
			!isPunct(toks[j-3], "(") || num.kind != tokNumber || !isPunct(toks[j-1], ")") {
			continue
		}
		l := 0
		for _, d := range strings.TrimSpace(num.text) {
			if d < '0' || d > '9' {
				l = -1
				break
			}
			l = l*10 + int(d-'0')
		}
		if l < 0 {
			continue
		}
		if left[l] > 0 {
			left[l]--
			continue
		}
		return toks[i].start, l
	}
	return -1, 0
}
