package planner

import (
	"github.com/dolthub/go-mysql-server/sql/expression"
)

// nativeConvert compiles CAST(x AS CHAR) natively (MySQL's text of
// doubles and date-times); ok is false for other casts.
func (env *exprEnv) nativeConvert(e *expression.Convert) (compiled, bool, error) {
	return compiled{}, false, nil
}
