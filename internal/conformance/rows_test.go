package conformance

import (
	"fmt"
	"runtime/debug"
	"testing"

	"github.com/velort/velort/runtime"
)

// rowExprs are row-window functions over arrival order; the rows arrive in
// id order, so MariaDB computes them with ORDER BY id.
var rowExprs = []string{
	"SUM(k) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)",
	"SUM(i) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)",
	"SUM(m) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)",
	"AVG(d) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)",
	"AVG(k) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)",
	"COUNT(s) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)",
	"COUNT(*) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 4 PRECEDING AND CURRENT ROW)",
	"MIN(s) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)",
	"MAX(m) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)",
	"MIN(ts) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)",
	"FIRST_VALUE(s) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)",
	"LAST_VALUE(i) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)",
	"LAG(s) OVER (PARTITION BY g ORDER BY id)",
	"LAG(k, 2, -1) OVER (PARTITION BY g ORDER BY id)",
	"LAG(ts, 1) OVER (PARTITION BY g ORDER BY id)",
	"LEAD(d) OVER (PARTITION BY g ORDER BY id)",
	"LEAD(s, 2, 'none') OVER (PARTITION BY g ORDER BY id)",
	"ROW_NUMBER() OVER (PARTITION BY g ORDER BY id)",
}

// mariadbRowExpr: MariaDB has no default argument for LAG/LEAD (MySQL 8
// has); the same value is asked for with ROW_NUMBER.
var mariadbRowExpr = map[string]string{
	"LAG(k, 2, -1) OVER (PARTITION BY g ORDER BY id)": "CASE WHEN ROW_NUMBER() OVER (PARTITION BY g ORDER BY id) > 2 " +
		"THEN LAG(k, 2) OVER (PARTITION BY g ORDER BY id) ELSE -1 END",
	"LEAD(s, 2, 'none') OVER (PARTITION BY g ORDER BY id)": "CASE WHEN ROW_NUMBER() OVER (PARTITION BY g ORDER BY id DESC) > 2 " +
		"THEN LEAD(s, 2) OVER (PARTITION BY g ORDER BY id) ELSE 'none' END",
}

// runVelortRows runs `SELECT id, expr AS v FROM t` over every message in
// id order and closes the input; rows are keyed by id.
func runVelortRows(expr string, msgs [][]byte) vrun {
	return withTimeout(expr, func() vrun {
		q, pipe, res := plan(velortSchemaSQL() + "CREATE STREAM o WITH (subject = 'o') AS SELECT id, " + expr + " AS v FROM t;\n")
		if pipe == nil {
			return res
		}
		dec := runtime.NewDecoder(q.Source.Columns, q.Read)
		encID, encV := runtime.NewEncoder([]string{"id"}), runtime.NewEncoder([]string{"v"})
		row := make(runtime.Row, len(q.Source.Columns))
		res.groups = map[string]vout{}
		var ctx runtime.Ctx
		collect := func(outs []runtime.Row) {
			for _, o := range outs {
				id := stripField(encID.Append(nil, o[:1]))
				if _, dup := res.groups[id]; dup {
					res.groups["duplicate "+id] = vout{}
				}
				res.groups[id] = vout{json: stripField(encV.Append(nil, o[1:2])), typ: o[1].T}
			}
		}
		defer func() {
			if p := recover(); p != nil {
				res.panic = fmt.Sprintf("%v\n%s", p, debug.Stack())
			}
		}()
		for n, msg := range msgs {
			ctx.Reset()
			if err := dec.Decode(msg, row); err != nil {
				res.rowErrs = append(res.rowErrs, "decode: "+err.Error())
				continue
			}
			outs := pipe.Execute(&ctx, row, int64(n))
			if ctx.Err != nil {
				res.groups[fmt.Sprint(n+1)] = vout{err: ctx.Err.Error()}
				continue
			}
			collect(outs)
		}
		ctx.Reset()
		collect(pipe.Advance(&ctx, runtime.EndOfTime))
		if ctx.Err != nil {
			res.endErr = ctx.Err.Error()
		}
		return res
	})
}

// checkRows compares a row-window function row by row.
func checkRows(t *testing.T, m *mariadb, expr string, rows [][]any, msgs [][]byte) *exprResult {
	res := &exprResult{section: "rows", expr: expr}
	v := runVelortRows(expr, msgs)
	switch {
	case v.panic != "":
		res.fails = append(res.fails, failure{at: "query", velort: "PANIC " + firstLine(v.panic), why: "velort panics"})
		return res
	case v.refused != "":
		res.refused = v.refused
		return res
	case len(v.rowErrs) > 0 || v.endErr != "":
		res.fails = append(res.fails, failure{at: "input", velort: fmt.Sprintf("ERROR %v %s", v.rowErrs, v.endErr), why: "velort fails"})
		return res
	}
	mexpr := expr
	if x, ok := mariadbRowExpr[expr]; ok {
		mexpr = x
	}
	all, warns, err := m.query("SELECT id, " + mexpr + " FROM t ORDER BY id")
	if err != nil {
		if len(v.groups) > 0 {
			res.fails = append(res.fails, failure{at: "query", velort: fmt.Sprintf("%d rows", len(v.groups)), maria: "ERROR " + err.Error(),
				why: "velort value where MariaDB errors"})
		}
		return res
	}
	for r, row := range all {
		key := row[0].text
		mr := mres{c: row[1], warns: warns}
		vo, ok := v.groups[key]
		if !ok {
			res.fails = append(res.fails, failure{at: rowDesc(expr, r, rows[r]), velort: "no row", maria: mr.String(), why: "row missing in velort"})
			continue
		}
		why, acc := judge(expr, false, rows[r], vo, mr)
		if acc != "" {
			res.accepted = appendOnce(res.accepted, acc)
		}
		if why != "" {
			res.fails = append(res.fails, failure{at: rowDesc(expr, r, rows[r]), velort: vo.String(), maria: mr.String(), warns: warnText(warns), why: why})
		}
	}
	if len(v.groups) != len(all) {
		res.fails = append(res.fails, failure{at: "output", velort: fmt.Sprintf("%d rows", len(v.groups)), maria: fmt.Sprintf("%d rows", len(all)),
			why: "velort emits a different number of rows"})
	}
	return res
}
