package planner

import (
	"fmt"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/velort/velort/runtime"
)

// compiled is an expression compiled to a closure with its static type.
type compiled struct {
	fn    runtime.Expr
	typ   runtime.Type
	scale uint8
	col   int // slot+1 when fn only reads that row slot, else 0
}

// column returns the row slot fn reads, or -1 when it computes a value.
func (c compiled) column() int { return c.col - 1 }

// exprEnv says how a go-mysql-server expression tree's column indexes map
// onto velort row slots, and supplies per-partition resources.
type exprEnv struct {
	slots  []int          // GetField index → row slot
	types  []runtime.Type // types of the GMS row's columns (for the fallback)
	scales []uint8
	udfs   udfBinder // resolves UDF calls; nil when the file declares none
	// udfAggs are aggregate user-function calls already computed by the
	// group stage, with the closure reading their slot.
	udfAggs map[*udfExpr]compiled
	// batch, when set, collects the user-function calls that can be
	// computed a micro-batch at a time: those evaluated for every row
	// (eager), not only under a condition (CASE, IF, AND, ...).
	batch *[]*runtime.BatchCall
	eager bool
	// grouped, above a group stage, lets an expression that spells a
	// GROUP BY expression read the group's key (groupKeyOf).
	grouped *groupedEnv
}

// compileExpr compiles e natively when it can and through go-mysql-server's
// own evaluator otherwise.
func (env *exprEnv) compile(e sql.Expression) (compiled, error) {
	if env.eager && !evaluatesEveryChild(e) {
		env.eager = false
		defer func() { env.eager = true }()
	}
	if c, ok := env.groupKeyOf(e); ok {
		return c, nil
	}
	switch e := e.(type) {
	case *expression.Alias:
		return env.compile(e.Child)
	case *expression.GetField:
		return env.getField(e)
	case *expression.Literal:
		return compileLiteral(e)
	case *expression.Arithmetic:
		return env.arithmetic(e.Op, e.LeftChild, e.RightChild, e)
	case *expression.Div:
		return env.arithmetic("/", e.LeftChild, e.RightChild, e)
	case *expression.IntDiv:
		return env.arithmetic("div", e.LeftChild, e.RightChild, e)
	case *expression.Mod:
		return env.arithmetic("%", e.LeftChild, e.RightChild, e)
	case *expression.UnaryMinus:
		if c, ok, err := env.negate(e); ok || err != nil {
			return c, err
		}
	case *expression.Equals, *expression.NullSafeEquals, *expression.GreaterThan,
		*expression.GreaterThanOrEqual, *expression.LessThan, *expression.LessThanOrEqual:
		op, l, r, _ := comparisonOf(e)
		return env.comparison(op, l, r)
	case *expression.And:
		return env.logic(true, e.LeftChild, e.RightChild)
	case *expression.Or:
		return env.logic(false, e.LeftChild, e.RightChild)
	case *expression.Not:
		return env.not(e.Child)
	case *expression.IsNull:
		return env.isNull(e.Child)
	case *expression.Between:
		return env.between(e)
	case *expression.InTuple:
		if c, ok, err := env.inTuple(e); ok || err != nil {
			return c, err
		}
	case *expression.HashInTuple: // GMS's analyzer form of IN over literals
		if c, ok, err := env.inTuple(expression.NewInTuple(e.Left(), e.Right())); ok || err != nil {
			return c, err
		}
	case *expression.Like:
		if c, ok, err := env.like(e); ok || err != nil {
			return c, err
		}
	case *expression.Case:
		return env.caseExpr(e)
	case *expression.Convert:
		if c, ok, err := env.convert(e); ok || err != nil {
			return c, err
		}
	case *udfExpr:
		if c, ok := env.udfAggs[e]; ok {
			return c, nil
		}
		return env.udfCall(e)
	case sql.FunctionExpression:
		if c, ok, err := env.native(e); ok || err != nil { // native*.go: GMS functions re-implemented
			return c, err
		}
		if c, ok, err := env.function(e); ok || err != nil {
			return c, err
		}
	}
	return env.fallback(e)
}

func (env *exprEnv) getField(e *expression.GetField) (compiled, error) {
	idx := e.Index()
	if idx < 0 || idx >= len(env.slots) || env.slots[idx] < 0 {
		return compiled{}, fmt.Errorf("column %s is not available here", e.Name())
	}
	slot := env.slots[idx]
	return compiled{
		fn:    func(_ *runtime.Ctx, r runtime.Row) runtime.Value { return r[slot] },
		typ:   env.types[idx],
		scale: env.scales[idx],
		col:   slot + 1,
	}, nil
}

func compileLiteral(e *expression.Literal) (compiled, error) {
	t, scale := runtimeType(e.Type())
	if types.IsInteger(e.Type()) {
		t = runtime.TInt
	}
	var scratch runtime.Ctx
	v, err := fromGMS(&scratch, e.Value(), t, scale)
	if err != nil {
		return compiled{}, err
	}
	if v.S != nil { // own the bytes: the scratch arena dies here
		v.S = append([]byte(nil), v.S...)
	}
	if e.Value() == nil {
		t = runtime.TNull
	}
	return constant(v, t, scale), nil
}

func constant(v runtime.Value, t runtime.Type, scale uint8) compiled {
	return compiled{fn: func(*runtime.Ctx, runtime.Row) runtime.Value { return v }, typ: t, scale: scale}
}

// isConst reports whether e is a literal, returning its value.
func isConst(e sql.Expression) (any, bool) {
	if l, ok := e.(*expression.Literal); ok {
		return l.Value(), true
	}
	return nil, false
}

func lowerName(f sql.FunctionExpression) string { return strings.ToLower(f.FunctionName()) }

// evaluatesEveryChild reports whether e evaluates all its children for
// every row (short cuts on NULL aside): arithmetic, comparisons, casts and
// most function calls do; CASE, AND, OR, IF, IFNULL, COALESCE may not.
func evaluatesEveryChild(e sql.Expression) bool {
	switch e := e.(type) {
	case *expression.Alias, *expression.GetField, *expression.Literal,
		*expression.Arithmetic, *expression.Div, *expression.IntDiv, *expression.Mod, *expression.UnaryMinus,
		*expression.Equals, *expression.NullSafeEquals,
		*expression.GreaterThan, *expression.GreaterThanOrEqual, *expression.LessThan, *expression.LessThanOrEqual,
		*expression.Not, *expression.IsNull, *expression.Convert, *udfExpr:
		return true
	case sql.FunctionExpression:
		switch lowerName(e) {
		case "if", "ifnull", "nvl", "coalesce", "elt":
			return false
		}
		return true
	}
	return false
}
