package planner

import (
	"fmt"

	"github.com/dolthub/go-mysql-server/sql"

	"github.com/velort/velort/runtime"
)

// udfExpr is how a user-function call appears in go-mysql-server's
// resolved tree: it resolves and type-checks like a built-in, and is
// compiled to a call into the partition's wasm instance.
type udfExpr struct {
	fn   *Function
	args []sql.Expression
}

var _ sql.FunctionExpression = (*udfExpr)(nil)

func (u *udfExpr) Resolved() bool {
	for _, a := range u.args {
		if !a.Resolved() {
			return false
		}
	}
	return true
}
func (u *udfExpr) String() string       { return u.fn.Name + "(...)" }
func (u *udfExpr) Type() sql.Type       { return gmsType(runtime.Column{Type: u.fn.Returns}) }
func (u *udfExpr) IsNullable() bool     { return true }
func (u *udfExpr) FunctionName() string { return u.fn.Name }
func (u *udfExpr) Description() string {
	return "user function " + u.fn.Name + " (" + u.fn.Module + ")"
}
func (u *udfExpr) Children() []sql.Expression {
	return u.args
}
func (u *udfExpr) WithChildren(children ...sql.Expression) (sql.Expression, error) {
	return &udfExpr{fn: u.fn, args: children}, nil
}
func (u *udfExpr) Eval(*sql.Context, sql.Row) (any, error) {
	return nil, fmt.Errorf("user function %s is evaluated by velort, not go-mysql-server", u.fn.Name)
}

// gmsFunction registers f with go-mysql-server's function registry.
func gmsFunction(f *Function) sql.Function {
	return sql.FunctionN{Name: f.Name, Fn: func(args ...sql.Expression) (sql.Expression, error) {
		if len(args) != len(f.Params) {
			return nil, fmt.Errorf("function %s takes %d arguments, got %d", f.Name, len(f.Params), len(args))
		}
		return &udfExpr{fn: f, args: args}, nil
	}}
}

// udfBinder supplies, for one partition, the call into a user function.
type udfBinder interface {
	// bind returns a function that calls f with evaluated arguments.
	bind(f *Function) (func(c *runtime.Ctx, args []runtime.Value) runtime.Value, error)
	// batch returns f's batch form, or nil when it has none.
	batch(f *Function) (runtime.BatchFunc, error)
}

func (env *exprEnv) udfCall(u *udfExpr) (compiled, error) {
	if env.udfs == nil {
		return compiled{}, fmt.Errorf("user function %s: no module loaded", u.fn.Name)
	}
	eager := env.eager // read before the arguments are compiled
	call, err := env.udfs.bind(u.fn)
	if err != nil {
		return compiled{}, err
	}
	argFns := make([]runtime.Expr, len(u.args))
	argCols := make([]int, len(u.args)) // a column of the right type is copied, not called
	for i, a := range u.args {
		c, err := env.compile(a)
		if err != nil {
			return compiled{}, err
		}
		argFns[i], argCols[i] = coerceTo(c, u.fn.Params[i], 0), -1
		if c.typ == u.fn.Params[i] {
			argCols[i] = c.column()
		}
	}
	vals := make([]runtime.Value, len(argFns))
	scalar := func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		for i, f := range argFns {
			if argCols[i] >= 0 {
				vals[i] = r[argCols[i]]
			} else {
				vals[i] = f(c, r)
			}
		}
		return call(c, vals)
	}
	if env.batch == nil || !eager {
		return compiled{fn: scalar, typ: u.fn.Returns}, nil
	}
	batch, err := env.udfs.batch(u.fn)
	if err != nil || batch == nil {
		return compiled{fn: scalar, typ: u.fn.Returns}, err
	}
	bc := &runtime.BatchCall{Args: argFns, ArgCols: argCols, Fn: batch}
	*env.batch = append(*env.batch, bc) // after the calls in its arguments
	return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		if v, ok := bc.Cached(c); ok {
			return v
		}
		return scalar(c, r)
	}, typ: u.fn.Returns}, nil
}
