package planner

import (
	"slices"

	"github.com/dolthub/go-mysql-server/sql"
	gmsanalyzer "github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"

	"github.com/velort/velort/runtime"
)

// betweenOperands gives x BETWEEN lo AND hi's operands MySQL's one
// comparison type: when numbers and strings mix, the strings are read as
// numbers ('12abc' BETWEEN 0 AND '5' is false: 12 > 5, not '12abc' <= '5'
// as strings). changed is false when the operands are kept.
func betweenOperands(val, lo, hi sql.Expression) (_, _, _ sql.Expression, changed bool) {
	anyString, anyNumber := false, false
	for _, x := range []sql.Expression{val, lo, hi} {
		switch t, _ := runtimeType(x.Type()); {
		case t == runtime.TString:
			anyString = true
		case t.Numeric() || t == runtime.TBool:
			anyNumber = true
		}
	}
	if !anyString || !anyNumber {
		return val, lo, hi, false
	}
	asNumber := func(x sql.Expression) sql.Expression {
		if t, _ := runtimeType(x.Type()); t == runtime.TString {
			return expression.NewConvert(x, expression.ConvertToDouble)
		}
		return x
	}
	return asNumber(val), asNumber(lo), asNumber(hi), true
}

// keepBetweenTypes makes go-mysql-server's simplifyFilters rule, which
// rewrites a WHERE's x BETWEEN lo AND hi into x >= lo AND x <= hi (two
// comparisons, each with its own type), see the operands converted to
// BETWEEN's one comparison type first (betweenOperands).
func keepBetweenTypes(a *gmsanalyzer.Analyzer) {
	for _, b := range a.Batches {
		for i, r := range b.Rules {
			if r.Id.String() != "simplifyFilters" {
				continue
			}
			rules := slices.Clone(b.Rules) // the rule list may be GMS's shared default
			apply := r.Apply
			rules[i].Apply = func(ctx *sql.Context, an *gmsanalyzer.Analyzer, n sql.Node, scope *plan.Scope, sel gmsanalyzer.RuleSelector, qf *sql.QueryFlags) (sql.Node, transform.TreeIdentity, error) {
				n2, same, err := transform.NodeWithOpaque(n, func(n sql.Node) (sql.Node, transform.TreeIdentity, error) {
					f, ok := n.(*plan.Filter)
					if !ok {
						return n, transform.SameTree, nil
					}
					e, same, err := transform.Expr(f.Expression, func(e sql.Expression) (sql.Expression, transform.TreeIdentity, error) {
						bt, ok := e.(*expression.Between)
						if !ok {
							return e, transform.SameTree, nil
						}
						val, lo, hi, changed := betweenOperands(bt.Val, bt.Lower, bt.Upper)
						if !changed {
							return e, transform.SameTree, nil
						}
						return expression.NewBetween(val, lo, hi), transform.NewTree, nil
					})
					if err != nil || same {
						return n, transform.SameTree, err
					}
					return plan.NewFilter(e, f.Child), transform.NewTree, nil
				})
				if err != nil {
					return n, transform.SameTree, err
				}
				out, same2, err := apply(ctx, an, n2, scope, sel, qf)
				return out, same && same2, err
			}
			b.Rules = rules
			break
		}
	}
}
