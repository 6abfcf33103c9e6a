package planner

import (
	"reflect"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"

	"github.com/velort/velort/runtime"
)

// Aggregates of CASE WHEN cond THEN x END (Flink's FILTER (WHERE cond),
// as Nexmark q15-q17 spell it: COUNT(DISTINCT CASE WHEN price < 10000 THEN
// bidder END)) are given to the GROUP BY stage split (AggSpec.Cond), so
// that it evaluates a condition several aggregates share once per record
// and reads x in place when it is a column.

// filterCase returns the CASE of an aggregate argument that is CASE WHEN
// cond THEN x END (one branch, no ELSE or ELSE NULL), or nil.
func filterCase(arg sql.Expression) *expression.Case {
	cs, ok := arg.(*expression.Case)
	if !ok || cs.Expr != nil || len(cs.Branches) != 1 {
		return nil
	}
	if cs.Else != nil {
		if l, ok := cs.Else.(*expression.Literal); !ok || l.Value() != nil {
			return nil
		}
	}
	return cs
}

// splitFilter sets spec's Cond and Then when arg is such a CASE and its
// value compiles to the type the whole CASE has (whole), so that the
// split gives exactly the CASE's values.
func splitFilter(in *exprEnv, spec *runtime.AggSpec, arg sql.Expression, whole compiled) error {
	cs := filterCase(arg)
	if cs == nil || whole.typ == runtime.TNull {
		return nil
	}
	cond, err := in.compile(cs.Branches[0].Cond)
	if err != nil {
		return err
	}
	then, err := in.compile(cs.Branches[0].Value)
	if err != nil {
		return err
	}
	if then.typ != whole.typ || then.scale != whole.scale {
		return nil
	}
	spec.Cond, spec.Then = cond.fn, then.fn
	spec.ThenCol, spec.ThenIsCol = then.column(), then.column() >= 0
	if v, ok := isConst(cs.Branches[0].Value); ok && v != nil {
		spec.ThenConst = true
	}
	if g, ok := in.intRange(cs.Branches[0].Cond); ok {
		spec.CondRange = &g
	}
	return nil
}

// shareConds numbers the split conditions of a stage's aggregates (args:
// each aggregate's argument expression, nil when unknown): equal
// conditions get the same CondID, evaluated once per record.
func shareConds(aggs []runtime.AggSpec, args []sql.Expression) {
	var seen []sql.Expression
	for j := range aggs {
		if aggs[j].Cond == nil || j >= len(args) || args[j] == nil {
			continue
		}
		cs := filterCase(args[j])
		if cs == nil {
			continue
		}
		cond := cs.Branches[0].Cond
		id := 0
		for k, c := range seen {
			if reflect.DeepEqual(c, cond) {
				id = k + 1
				break
			}
		}
		if id == 0 {
			seen = append(seen, cond)
			id = len(seen)
		}
		aggs[j].CondID = id
	}
}
