package planner

import (
	"github.com/dolthub/go-mysql-server/sql/expression"
)

// nativeArithmetic compiles date-time ± INTERVAL natively; ok is false
// for other arithmetic.
func (env *exprEnv) nativeArithmetic(e *expression.Arithmetic) (compiled, bool, error) {
	return compiled{}, false, nil
}
