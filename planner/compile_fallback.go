package planner

import (
	"fmt"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/velort/velort/runtime"
)

// fallback evaluates e with go-mysql-server's own Eval: correct for every
// function GMS implements, but it converts the row and allocates per call.
// Each compiled closure is used by one partition only, so its buffers and
// GMS context need no lock. Functions GMS gets wrong (or too slowly) are
// compiled natively by env.native first.
func (env *exprEnv) fallback(e sql.Expression) (compiled, error) {
	if c, ok, err := env.native(e); ok || err != nil {
		return c, err
	}
	t, scale := resultType(e)
	isDate := types.IsDateType(e.Type())
	slots := env.slots
	gctx := sql.NewEmptyContext()
	row := make(sql.Row, len(slots))
	fn := func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		for i, s := range slots {
			if s >= 0 {
				row[i] = toGMS(r[s])
			}
		}
		x, err := evalGMS(e, gctx, row)
		if err != nil {
			c.Err = err
			return runtime.Null
		}
		if tm, ok := x.(time.Time); ok && isDate && t == runtime.TString {
			x = tm.Format("2006-01-02") // a DATE is written as MySQL's text
		}
		v, err := fromGMS(c, x, t, scale)
		if err != nil {
			c.Err = fmt.Errorf("%v in '%s'", err, e)
		}
		return v
	}
	return compiled{fn: fn, typ: t, scale: scale}, nil
}

// evalGMS runs go-mysql-server's Eval, turning a panic inside it (GMS has
// several on edge values: CONV(”,16,10), LOCATE past the end, ...) into
// an error for this record, so that the record is dead-lettered with the
// panic's message and the query goes on.
func evalGMS(e sql.Expression, ctx *sql.Context, row sql.Row) (x any, err error) {
	defer func() {
		if r := recover(); r != nil {
			x, err = nil, fmt.Errorf("internal error evaluating %s: %v", e, r)
		}
	}()
	return e.Eval(ctx, row)
}

// isPredicate reports whether e is a boolean-valued expression (GMS types
// every predicate BOOLEAN: comparisons, IS TRUE, XOR, LIKE, REGEXP,
// JSON_VALID, IS_IPV4, ...), whose value velort writes as true/false.
func isPredicate(e sql.Expression) bool {
	if types.IsBoolean(e.Type()) {
		return true
	}
	_, isCmp := e.(interface {
		Compare(*sql.Context, sql.Row) (int, error)
	})
	return isCmp
}
