package planner

import (
	"github.com/dolthub/go-mysql-server/sql"

	"github.com/velort/velort/runtime"
)

// fallback evaluates e with go-mysql-server's own Eval: correct for every
// function GMS implements, but it converts the row and allocates per call.
// Each compiled closure is used by one partition only, so its buffers and
// GMS context need no lock.
func (env *exprEnv) fallback(e sql.Expression) (compiled, error) {
	t, scale := runtimeType(e.Type())
	if isPredicate(e) {
		t = runtime.TBool
	}
	slots := env.slots
	gctx := sql.NewEmptyContext()
	row := make(sql.Row, len(slots))
	fn := func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		for i, s := range slots {
			if s >= 0 {
				row[i] = toGMS(r[s])
			}
		}
		x, err := e.Eval(gctx, row)
		if err != nil {
			c.Err = err
			return runtime.Null
		}
		v, err := fromGMS(c, x, t, scale)
		if err != nil {
			c.Err = err
		}
		return v
	}
	return compiled{fn: fn, typ: t, scale: scale}, nil
}

// isPredicate reports whether e is a boolean-valued expression whose
// TINYINT result velort writes as true/false.
func isPredicate(e sql.Expression) bool {
	switch e.(type) {
	case sql.FunctionExpression:
		switch lowerName(e.(sql.FunctionExpression)) {
		case "regexp_like", "json_contains", "json_contains_path", "is_ipv4", "is_ipv6", "is_uuid":
			return true
		}
	}
	switch e.String() {
	}
	_, isCmp := e.(interface {
		Compare(*sql.Context, sql.Row) (int, error)
	})
	return isCmp
}
