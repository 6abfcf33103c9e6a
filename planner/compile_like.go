package planner

import (
	"unicode/utf8"

	"github.com/dolthub/go-mysql-server/sql/expression"

	"github.com/velort/velort/runtime"
)

// like compiles `x LIKE 'pattern'` with a constant pattern and the default
// escape; comparison is byte-wise (binary collation), '_' matches one
// UTF-8 character.
func (env *exprEnv) like(e *expression.Like) (compiled, bool, error) {
	pv, ok := isConst(e.RightChild)
	pat, isStr := pv.(string)
	if !ok || !isStr || (e.Escape != nil) {
		return compiled{}, false, nil
	}
	x, err := env.compile(e.LeftChild)
	if err != nil {
		return compiled{}, true, err
	}
	m := compileLikePattern(pat)
	xf := x.fn
	if x.typ != runtime.TString {
		if x.typ == runtime.TJSON {
			return compiled{}, false, nil
		}
		// A number or TIMESTAMP is matched as MySQL's text of it
		// (d LIKE '%1%' sees "9.223372036854776e18").
		return compiled{fn: func(c *runtime.Ctx, row runtime.Row) runtime.Value {
			v := xf(c, row)
			if v.T == runtime.TNull {
				return runtime.Null
			}
			return runtime.Bool(m.match(textOf(c, v)))
		}, typ: runtime.TBool}, true, nil
	}
	return compiled{fn: func(c *runtime.Ctx, row runtime.Row) runtime.Value {
		v := xf(c, row)
		if v.T == runtime.TNull {
			return runtime.Null
		}
		return runtime.Bool(m.match(v.S))
	}, typ: runtime.TBool}, true, nil
}

// likeElem is one element of a LIKE pattern.
type likeElem struct {
	lit []byte // literal bytes; empty for wildcards
	any bool   // %
	one bool   // _
}

type likeMatcher struct{ elems []likeElem }

func compileLikePattern(p string) likeMatcher {
	var m likeMatcher
	var lit []byte
	flush := func() {
		if len(lit) > 0 {
			m.elems = append(m.elems, likeElem{lit: lit})
			lit = nil
		}
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\' && i+1 < len(p):
			i++
			lit = append(lit, p[i])
		case c == '%':
			flush()
			if n := len(m.elems); n == 0 || !m.elems[n-1].any {
				m.elems = append(m.elems, likeElem{any: true})
			}
		case c == '_':
			flush()
			m.elems = append(m.elems, likeElem{one: true})
		default:
			lit = append(lit, c)
		}
	}
	flush()
	return m
}

func (m likeMatcher) match(s []byte) bool { return matchLike(m.elems, s) }

func matchLike(elems []likeElem, s []byte) bool {
	for len(elems) > 0 {
		e := elems[0]
		switch {
		case e.any:
			rest := elems[1:]
			if len(rest) == 0 {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if matchLike(rest, s[i:]) {
					return true
				}
			}
			return false
		case e.one:
			if len(s) == 0 {
				return false
			}
			_, n := utf8.DecodeRune(s)
			s = s[n:]
		default:
			if len(s) < len(e.lit) || string(s[:len(e.lit)]) != string(e.lit) {
				return false
			}
			s = s[len(e.lit):]
		}
		elems = elems[1:]
	}
	return len(s) == 0
}
