package planner

import (
	"strconv"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/expression/function/aggregation/window"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"
)

// Top-N per key (SPEC §2 "Composed queries"):
//
//	SELECT … FROM (SELECT …, ROW_NUMBER() OVER (PARTITION BY p ORDER BY o) AS rn
//	               FROM s [WHERE …]) AS t WHERE rn <= n
//
// The derived table (or CTE) is planned as a Top-N stage ranking each
// PARTITION BY key's rows apart (runtime.NewKeyedTopN): a changelog of each
// key's first n rows, as the batch query returns them, ties going to the
// row that arrived first. The composer finds the pair — a ROW_NUMBER()
// column in the stage and `rn <= n` (or `rn < n`) among the AND-ed
// conditions of the query reading it — and removes the condition, which
// the stage now guarantees. The row number itself is not an output column
// (a row's rank changes as others enter and leave; Flink recommends the
// same shape): the query reading the stage may only filter on it.

// rankSpec is a stage's ROW_NUMBER() column and the limit on it.
type rankSpec struct {
	column string
	limit  int64
}

// rowNumberColumn returns the name of the ROW_NUMBER() OVER (…) column of
// the SELECT in body (its alias), or "".
func rowNumberColumn(body []token) string {
	depth := 0
	for i, t := range body {
		switch {
		case isPunct(t, "("):
			depth++
		case isPunct(t, ")"):
			depth--
		case depth == 0 && isKeyword(t, "FROM"):
			return ""
		case depth == 0 && isKeyword(t, "ROW_NUMBER") && i+3 < len(body) && isPunct(body[i+1], "(") && isPunct(body[i+2], ")") && isKeyword(body[i+3], "OVER"):
			if i+4 >= len(body) || !isPunct(body[i+4], "(") {
				return ""
			}
			closing := matchingParen(body, i+5)
			if closing < 0 {
				return ""
			}
			j := closing + 1
			if j < len(body) && isKeyword(body[j], "AS") {
				j++
			}
			if j < len(body) && body[j].kind == tokIdent && !isKeyword(body[j], "FROM") {
				return body[j].text
			}
			return ""
		}
	}
	return ""
}

// rankFilter finds `column <= n` or `column < n` (column possibly
// qualified by alias) AND-ed into the WHERE of the query in toks, blanks it
// to TRUE and returns the limit; found is false when there is none. Any
// other use of the column is an error.
func (c *composer) rankFilter(p *parser, toks []token, alias, column string) (limit int64, found bool) {
	depth := 0
	for i := 0; i < len(toks) && !found; i++ {
		t := toks[i]
		switch {
		case isPunct(t, "("):
			depth++
			continue
		case isPunct(t, ")"):
			depth--
			continue
		}
		if depth != 0 || !strings.EqualFold(t.text, column) || t.kind != tokIdent {
			continue
		}
		from := i
		if i >= 2 && isPunct(toks[i-1], ".") && strings.EqualFold(toks[i-2].text, alias) {
			from = i - 2
		}
		if from == 0 || !(isKeyword(toks[from-1], "WHERE") || isKeyword(toks[from-1], "AND")) || i+2 >= len(toks) {
			continue
		}
		op, num := toks[i+1], toks[i+2]
		if !(isPunct(op, "<=") || isPunct(op, "<")) || num.kind != tokNumber {
			continue
		}
		if i+3 < len(toks) {
			if next := toks[i+3]; !(isKeyword(next, "AND") || isPunct(next, ")") || isClauseKeyword(next)) {
				continue
			}
		}
		n, err := strconv.ParseInt(num.text, 10, 64)
		if err != nil || n < 1 {
			p.errorf(num, "%s %s %s: expected a positive whole number of rows", column, op.text, num.text)
			return 0, false
		}
		if isPunct(op, "<") {
			n--
		}
		c.blank(toks[from].start, num.end)
		copy(c.text[toks[from].start:], "TRUE")
		limit, found = n, true
		toks = append(toks[:from:from], toks[i+3:]...)
	}
	if !found {
		return 0, false
	}
	for i, t := range toks {
		if t.kind == tokIdent && strings.EqualFold(t.text, column) && !(i > 0 && isPunct(toks[i-1], ".") && (i < 2 || !strings.EqualFold(toks[i-2].text, alias))) {
			p.errorf(t, "%s is the row number of a Top-N per key, which is not an output column (a row's number changes as others enter and leave): expected it only in WHERE %s <= n", column, column)
			return 0, false
		}
	}
	return limit, true
}

// rankTopN plans a stage's Window node — one ROW_NUMBER() OVER (PARTITION
// BY … ORDER BY …) next to plain columns — as a Top-N per key of the
// filtered source rows, dropping the row-number column from the output.
func (q *Query) rankTopN(p *parser, w *plan.Window, sh *queryShape) *Error {
	fail := func(msg string) *Error {
		return p.src.errorAt(q.pos, "Top-N per key (ROW_NUMBER() … <= n): %s", msg)
	}
	r := -1
	var def *sql.WindowDefinition
	var rest []sql.Expression
	for i, e := range w.SelectExprs {
		inner := e
		if a, ok := e.(*expression.Alias); ok {
			inner = a.Child
		}
		if wa, ok := inner.(sql.WindowAdaptableExpression); ok && wa.Window() != nil {
			if _, isRN := inner.(*window.RowNumber); !isRN || r >= 0 {
				return fail("expected ROW_NUMBER() as the only window function of the derived table")
			}
			r, def = i, wa.Window()
			continue
		}
		rest = append(rest, e)
	}
	if r < 0 {
		return fail("expected a ROW_NUMBER() OVER (PARTITION BY … ORDER BY …) column")
	}
	if len(def.OrderBy) == 0 {
		return fail("expected ORDER BY in ROW_NUMBER() OVER (…): it decides which rows are first")
	}
	// What reads the window's output: the lowest projection above it.
	target := &sh.project
	if len(sh.inner) > 0 {
		target = &sh.inner[len(sh.inner)-1]
	}
	if *target == nil {
		for i, e := range rest {
			*target = append(*target, expression.NewGetField(i, e.Type(), outputName(e), true))
		}
	} else {
		var kept []sql.Expression
		for _, e := range *target {
			reads := false
			var bad bool
			e2, _, err := transform.Expr(e, func(x sql.Expression) (sql.Expression, transform.TreeIdentity, error) {
				gf, ok := x.(*expression.GetField)
				switch {
				case !ok:
				case gf.Index() == r:
					reads = true
					bad = bad || e != x && !isAliasOf(e, gf)
				case gf.Index() > r:
					return gf.WithIndex(gf.Index() - 1), transform.NewTree, nil
				}
				return x, transform.SameTree, nil
			})
			if err != nil || bad {
				return fail("the row number may only be selected as a column (it is dropped from the output)")
			}
			if !reads {
				kept = append(kept, e2)
			}
		}
		*target = kept
	}
	sh.inner = append(sh.inner, rest)
	sh.topn = &topnShape{limit: q.rank.limit, fields: def.OrderBy, level: len(sh.inner), partition: def.PartitionBy}
	return nil
}

func isAliasOf(e sql.Expression, gf *expression.GetField) bool {
	a, ok := e.(*expression.Alias)
	return ok && a.Child == gf
}
