package planner

import (
	"math"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"

	"github.com/velort/velort/runtime"
)

// A split aggregate condition that bounds one BIGINT column by integer
// constants (price < 10000, price >= 10000 AND price < 1000000: Nexmark
// q15–q17's ranks) is also given to the stage as a range
// (AggSpec.CondRange), which it checks in place: the same answer as the
// compiled comparison (columnConstCompare: a BIGINT column's value is its
// integer, NULL aside), without a call per condition.

// intRange returns e as a range of one BIGINT column, if it is one: a
// comparison of the column with an integer constant, a BETWEEN of two
// such constants, or an AND of those on the same column.
func (env *exprEnv) intRange(e sql.Expression) (runtime.IntRange, bool) {
	switch e := e.(type) {
	case *expression.And:
		a, aok := env.intRange(e.LeftChild)
		b, bok := env.intRange(e.RightChild)
		return meet(a, aok, b, bok)
	case *expression.Between: // x >= lower AND x <= upper
		a, aok := env.intBound(opGE, e.Val, e.Lower)
		b, bok := env.intBound(opLE, e.Val, e.Upper)
		return meet(a, aok, b, bok)
	}
	if op, l, r, ok := comparisonOf(e); ok {
		return env.intBound(op, l, r)
	}
	return runtime.IntRange{}, false
}

// meet is the range where both a and b hold, when both are ranges of one
// column.
func meet(a runtime.IntRange, aok bool, b runtime.IntRange, bok bool) (runtime.IntRange, bool) {
	if !aok || !bok || a.Col != b.Col {
		return runtime.IntRange{}, false
	}
	return runtime.IntRange{Col: a.Col, Lo: max(a.Lo, b.Lo), Hi: min(a.Hi, b.Hi)}, true
}

// intBound returns `le op re` as a range when one side is a BIGINT column
// and the other an integer constant.
func (env *exprEnv) intBound(op cmpOp, le, re sql.Expression) (runtime.IntRange, bool) {
	none := runtime.IntRange{}
	if _, ok := isConst(le); ok {
		le, re = re, le
		switch op { // k op x is x op' k
		case opLT:
			op = opGT
		case opLE:
			op = opGE
		case opGT:
			op = opLT
		case opGE:
			op = opLE
		}
	}
	if _, ok := le.(*expression.GetField); !ok {
		return none, false
	}
	if _, ok := isConst(re); !ok {
		return none, false
	}
	l, err := env.compile(le)
	if err != nil || l.column() < 0 || l.typ != runtime.TInt {
		return none, false
	}
	r, err := env.compile(re)
	if err != nil || r.typ != runtime.TInt {
		return none, false
	}
	k := r.fn(&runtime.Ctx{}, nil)
	if k.T != runtime.TInt {
		return none, false
	}
	g := runtime.IntRange{Col: l.column(), Lo: math.MinInt64, Hi: math.MaxInt64}
	empty := runtime.IntRange{Col: g.Col, Lo: 1, Hi: 0}
	switch op {
	case opEQ:
		g.Lo, g.Hi = k.I, k.I
	case opLT:
		if k.I == math.MinInt64 {
			return empty, true
		}
		g.Hi = k.I - 1
	case opLE:
		g.Hi = k.I
	case opGT:
		if k.I == math.MaxInt64 {
			return empty, true
		}
		g.Lo = k.I + 1
	case opGE:
		g.Lo = k.I
	default:
		return none, false
	}
	return g, true
}
