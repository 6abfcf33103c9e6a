package conformance

import (
	"fmt"
	"testing"
)

// INSERT INTO a declared stream coerces the query's numbers to the stream's
// column types (docs/sql.md): MySQL's INSERT … SELECT into a table of that
// type under strict mode, row by row (an error there must be a dead
// letter in velort).
var (
	insertTargets = [][2]string{ // velort type, MariaDB type
		{"BIGINT", "BIGINT"}, {"DOUBLE", "DOUBLE"}, {"DECIMAL(10,2)", "DECIMAL(10,2)"}, {"DECIMAL(18,4)", "DECIMAL(18,4)"},
	}
	// Numeric sources only: their errors arise where the value is stored
	// (range, precision); conversion warnings of the expressions themselves
	// are judged by the scalar cases.
	insertSources = []string{"i", "k", "d", "m", "b", "i / 7", "d * 3", "m * 3", "k + 0.5", "ROUND(d, 1)"}
)

// insertName is the case's key: one source expression into one type.
func insertName(src string, target [2]string) string { return src + " INTO " + target[0] }

func checkInsert(t *testing.T, m *mariadb, n int, src string, target [2]string, rows [][]any, msgs [][]byte) *exprResult {
	res := &exprResult{section: "insert", expr: insertName(src, target)}
	v := runVelortInsert(src, target[0], msgs)
	switch {
	case v.panic != "":
		res.fails = append(res.fails, failure{at: "check", velort: "PANIC " + firstLine(v.panic), why: "velort panics"})
		return res
	case v.refused != "":
		res.refused = v.refused
		return res
	}
	table := fmt.Sprintf("ins%d", n)
	if _, err := m.conn.ExecContext(ctxb, "CREATE TABLE "+table+" (id BIGINT PRIMARY KEY, v "+target[1]+")"); err != nil {
		t.Fatal(err)
	}
	for r := range rows {
		mr := mres{}
		_, mr.err = m.conn.ExecContext(ctxb, fmt.Sprintf("INSERT INTO %s SELECT id, %s FROM t WHERE id = %d", table, src, r+1))
		if ws, _, err := m.query("SHOW WARNINGS"); err == nil {
			for _, w := range ws {
				mr.warns = append(mr.warns, warning{level: w[0].text, msg: w[2].text})
			}
		}
		if mr.err == nil {
			got, _, err := m.query(fmt.Sprintf("SELECT v FROM %s WHERE id = %d", table, r+1))
			if err != nil || len(got) != 1 {
				t.Fatalf("%s row %d: %v (%d rows)", res.expr, r+1, err, len(got))
			}
			mr.c = got[0][0]
		}
		why, acc := judge(src, false, rows[r], v.rows[r], mr)
		if acc != "" {
			res.accepted = appendOnce(res.accepted, acc)
		}
		if why != "" {
			res.fails = append(res.fails, failure{at: rowDesc(src, r, rows[r]), velort: v.rows[r].String(), maria: mr.String(), warns: warnText(mr.warns), why: why})
		}
	}
	m.conn.ExecContext(ctxb, "DROP TABLE "+table)
	return res
}

// runVelortInsert plans `INSERT INTO o SELECT src FROM t` with o declared
// as (v typ).
func runVelortInsert(src, typ string, msgs [][]byte) vrun {
	return withTimeout(src, func() vrun {
		text := velortSchemaSQL() + "CREATE STREAM o (v " + typ + ") WITH (subject = 'o');\nINSERT INTO o SELECT " + src + " FROM t;\n"
		q, pipe, res := plan(text)
		if pipe == nil {
			return res
		}
		return runRows(res, q, pipe, msgs)
	})
}
