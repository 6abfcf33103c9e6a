package conformance

import (
	"encoding/json"
	"fmt"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/velort/velort/runtime"
)

// windowAggs are aggregated per TUMBLE(ts, INTERVAL '1' DAY) window: velort
// with event time ts; MariaDB grouped by the epoch day of ts (windows are
// aligned to the epoch, so days before 1970 are negative and floor-divided).
var windowAggs = []string{"COUNT(*)", "SUM(k)", "MIN(s)", "MAX(d)", "AVG(m)", "COUNT(DISTINCT g)", "MAX(ts)"}

// runVelortWindows feeds the rows in event-time order (so none is late)
// and closes the input; the key of a window is its window_start as written.
func runVelortWindows(expr string, rows [][]any) vrun {
	return withTimeout(expr, func() vrun {
		schema := strings.Replace(velortSchemaSQL(), "WITH (subject = 't')", "WITH (subject = 't', event_time = 'ts', watermark_delay = '1000000h')", 1)
		q, pipe, res := plan(schema + "CREATE STREAM o WITH (subject = 'o') AS SELECT window_start AS w, " + expr +
			" AS v FROM t GROUP BY TUMBLE(ts, INTERVAL '1' DAY) EMIT FINAL;\n")
		if pipe == nil {
			return res
		}
		dec := runtime.NewDecoder(q.Source.Columns, q.Read)
		encW, encV := runtime.NewEncoder([]string{"w"}), runtime.NewEncoder([]string{"v"})
		row := make(runtime.Row, len(q.Source.Columns))
		res.groups = map[string]vout{}
		var ctx runtime.Ctx
		collect := func(outs []runtime.Row) {
			for _, o := range outs {
				res.groups[stripField(encW.Append(nil, o[:1]))] = vout{json: stripField(encV.Append(nil, o[1:2])), typ: o[1].T}
			}
		}
		tsCol := colIndex("ts")
		var timed [][]any
		for _, r := range rows {
			if r[tsCol] != nil { // a NULL event time is dead-lettered before the query
				timed = append(timed, r)
			}
		}
		sort.SliceStable(timed, func(a, b int) bool { return timed[a][tsCol].(tsMs) < timed[b][tsCol].(tsMs) })
		defer func() {
			if p := recover(); p != nil {
				res.panic = fmt.Sprintf("%v\n%s", p, debug.Stack())
			}
		}()
		for _, r := range timed {
			ctx.Reset()
			if err := dec.Decode(velortJSON(r), row); err != nil {
				res.rowErrs = append(res.rowErrs, "decode: "+err.Error())
				continue
			}
			outs := pipe.Execute(&ctx, row, int64(r[tsCol].(tsMs)))
			if ctx.Err != nil {
				res.rowErrs = append(res.rowErrs, fmt.Sprintf("id %v: %v", r[0], ctx.Err))
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

// checkWindow compares one aggregate per window.
func checkWindow(t *testing.T, m *mariadb, expr string, rows [][]any) *exprResult {
	res := &exprResult{section: "window", expr: expr}
	v := runVelortWindows(expr, rows)
	switch {
	case v.panic != "":
		res.fails = append(res.fails, failure{at: "query", velort: "PANIC " + firstLine(v.panic), why: "velort panics"})
		return res
	case v.refused != "":
		res.refused = v.refused
		return res
	case len(v.rowErrs) > 0 || v.endErr != "":
		res.fails = append(res.fails, failure{at: "input", velort: fmt.Sprintf("DEAD-LETTER %v %s", v.rowErrs, v.endErr),
			why: "velort dead-letters a row MariaDB computes without warning"})
		return res
	}
	all, warns, err := m.query("SELECT FLOOR(TIMESTAMPDIFF(MICROSECOND, '1970-01-01', ts) / 86400000000) AS day, " + expr +
		" FROM t WHERE ts IS NOT NULL GROUP BY day ORDER BY day")
	if err != nil {
		t.Fatalf("window query for %s: %v", expr, err)
	}
	seen := map[string]bool{}
	for _, row := range all {
		day, err := strconv.ParseInt(row[0].text, 10, 64)
		if err != nil {
			t.Fatalf("window day %q: %v", row[0].text, err)
		}
		k, _ := json.Marshal(time.UnixMilli(day * 86400000).UTC().Format("2006-01-02T15:04:05.000Z"))
		key := string(k)
		seen[key] = true
		mr := mres{c: row[1], warns: warns}
		vo, ok := v.groups[key]
		if !ok {
			res.fails = append(res.fails, failure{at: "window " + key, velort: "no row", maria: mr.String(), why: "window missing in velort"})
			continue
		}
		why, acc := judge(expr, false, nil, vo, mr)
		if acc != "" {
			res.accepted = appendOnce(res.accepted, acc)
		}
		if why != "" {
			res.fails = append(res.fails, failure{at: "window " + key, velort: vo.String(), maria: mr.String(), warns: warnText(warns), why: why})
		}
	}
	for key, vo := range v.groups {
		if !seen[key] {
			res.fails = append(res.fails, failure{at: "window " + key, velort: vo.String(), maria: "no row", why: "extra window in velort"})
		}
	}
	return res
}
