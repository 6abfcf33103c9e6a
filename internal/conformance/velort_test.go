package conformance

import (
	"bytes"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/velort/velort/planner"
	"github.com/velort/velort/runtime"
)

// vout is velort's result for one row (or one group): what it publishes.
type vout struct {
	err   string       // the record is dead-lettered with this reason
	panic string       // evaluation panicked: always a bug
	json  string       // the value as published (JSON text)
	typ   runtime.Type // the published Value's type
}

// vrun is velort's result for one expression over all rows.
type vrun struct {
	refused string // Parse (velort check) refused the query
	panic   string // Parse or pipeline construction panicked
	rows    []vout // per row (scalar test)
	groups  map[string]vout
	rowErrs []string // aggregate test: per-row dead-letter reasons ("" = none)
	endErr  string   // aggregate test: error at end of input
	outType runtime.Type
}

const globalKey = "<all>"

// velortTimeout bounds one expression's evaluation; a hang is reported
// as a failure (the goroutine cannot be stopped and is abandoned).
const velortTimeout = 20 * time.Second

// runVelortScalar plans `SELECT expr AS v FROM t` and runs every message
// through the real decoder, pipeline and encoder.
func runVelortScalar(expr string, msgs [][]byte) vrun {
	return withTimeout(expr, func() vrun {
		sqlText := velortSchemaSQL() + "CREATE STREAM o WITH (subject = 'o') AS SELECT " + expr + " AS v FROM t;\n"
		q, pipe, res := plan(sqlText)
		if pipe == nil {
			return res
		}
		return runRows(res, q, pipe, msgs)
	})
}

// runRows runs every message through a stateless pipeline with one output
// column.
func runRows(res vrun, q *planner.Query, pipe *runtime.Pipeline, msgs [][]byte) vrun {
	dec := runtime.NewDecoder(q.Source.Columns, q.Read)
	enc := runtime.NewEncoder([]string{"v"})
	row := make(runtime.Row, len(q.Source.Columns))
	var ctx runtime.Ctx
	for _, msg := range msgs {
		res.rows = append(res.rows, execOne(&ctx, dec, enc, pipe, msg, row))
	}
	return res
}

// runVelortFilter plans `SELECT id AS v FROM t WHERE pred`; a row's json
// is "pass" when the record passed, "" when it was filtered out.
func runVelortFilter(pred string, msgs [][]byte) vrun {
	return withTimeout(pred, func() vrun {
		q, pipe, res := plan(velortSchemaSQL() + "CREATE STREAM o WITH (subject = 'o') AS SELECT id AS v FROM t WHERE " + pred + ";\n")
		if pipe == nil {
			return res
		}
		dec := runtime.NewDecoder(q.Source.Columns, q.Read)
		row := make(runtime.Row, len(q.Source.Columns))
		var ctx runtime.Ctx
		for _, msg := range msgs {
			res.rows = append(res.rows, func() (out vout) {
				defer func() {
					if p := recover(); p != nil {
						out = vout{panic: fmt.Sprintf("%v", p)}
					}
				}()
				ctx.Reset()
				if err := dec.Decode(msg, row); err != nil {
					return vout{err: "decode: " + err.Error()}
				}
				outs := pipe.Execute(&ctx, row, 0)
				switch {
				case ctx.Err != nil:
					return vout{err: ctx.Err.Error()}
				case len(outs) == 1:
					return vout{json: "pass"}
				case len(outs) == 0:
					return vout{}
				}
				return vout{panic: fmt.Sprintf("%d output rows for one record", len(outs))}
			}())
		}
		return res
	})
}

// runVelortGroups plans `SELECT g, agg AS v FROM t <clauses> EMIT FINAL`
// (without g for a global aggregate; EMIT CHANGES for a.changes), feeds
// every message and closes the input (EndOfTime). A group's value is the
// last row emitted for it. A global aggregate's row has the key "<all>".
func runVelortGroups(a aggCase, msgs [][]byte) vrun {
	return withTimeout(a.expr, func() vrun {
		sel := "SELECT g, "
		if !a.grouped {
			sel = "SELECT "
		}
		emit := " EMIT FINAL"
		if a.changes {
			emit = " EMIT CHANGES"
		}
		sqlText := velortSchemaSQL() + "CREATE STREAM o WITH (subject = 'o') AS " + sel + a.expr + " AS v FROM t " + a.clauses + emit + ";\n"
		q, pipe, res := plan(sqlText)
		if pipe == nil {
			return res
		}
		dec := runtime.NewDecoder(q.Source.Columns, q.Read)
		encG := runtime.NewEncoder([]string{"g"})
		encV := runtime.NewEncoder([]string{"v"})
		row := make(runtime.Row, len(q.Source.Columns))
		var ctx runtime.Ctx
		res.groups = map[string]vout{}
		collect := func(outs []runtime.Row) {
			for _, o := range outs {
				if !a.grouped {
					if _, dup := res.groups[globalKey]; dup {
						res.groups["<second row>"] = vout{json: stripField(encV.Append(nil, o[:1])), typ: o[0].T}
						continue
					}
					res.groups[globalKey] = vout{json: stripField(encV.Append(nil, o[:1])), typ: o[0].T}
					continue
				}
				g := stripField(encG.Append(nil, o[:1]))
				res.groups[g] = vout{json: stripField(encV.Append(nil, o[1:2])), typ: o[1].T}
			}
		}
		for n, msg := range msgs {
			reason := func() (reason string) {
				defer func() {
					if p := recover(); p != nil {
						reason = fmt.Sprintf("PANIC: %v", p)
						res.panic = fmt.Sprintf("%v\n%s", p, debug.Stack())
					}
				}()
				ctx.Reset()
				if err := dec.Decode(msg, row); err != nil {
					return "decode: " + err.Error()
				}
				outs := pipe.Execute(&ctx, row, int64(n))
				if ctx.Err != nil {
					return ctx.Err.Error()
				}
				collect(outs) // EMIT CHANGES: a later row of a group replaces an earlier one
				return ""
			}()
			res.rowErrs = append(res.rowErrs, reason)
		}
		func() {
			defer func() {
				if p := recover(); p != nil {
					res.panic = fmt.Sprintf("at end of input: %v\n%s", p, debug.Stack())
				}
			}()
			ctx.Reset()
			outs := pipe.Advance(&ctx, runtime.EndOfTime)
			if ctx.Err != nil {
				res.endErr = ctx.Err.Error()
				return
			}
			collect(outs)
		}()
		return res
	})
}

func withTimeout(expr string, f func() vrun) vrun {
	done := make(chan vrun, 1)
	go func() { done <- f() }()
	select {
	case r := <-done:
		return r
	case <-time.After(velortTimeout):
		return vrun{panic: fmt.Sprintf("evaluation of %s did not finish within %v", expr, velortTimeout)}
	}
}

// plan parses the file text; a Parse error is a refusal, a panic a bug.
func plan(sqlText string) (q *planner.Query, pipe *runtime.Pipeline, res vrun) {
	defer func() {
		if p := recover(); p != nil {
			res.panic = fmt.Sprintf("PANIC in check: %v\n%s", p, debug.Stack())
			pipe = nil
		}
	}()
	pl, err := planner.Parse("conformance.sql", sqlText, planner.Options{})
	if err != nil {
		res.refused = err.Error()
		return nil, nil, res
	}
	if len(pl.Queries) != 1 {
		// A subquery makes a composed statement (planner/compose.go): its
		// stages exchange over NATS, which this in-process harness does not
		// run. Its answer is checked against SQLite end to end by
		// cmd/velort's TestComposedShapesAgainstSQLite.
		res.refused = fmt.Sprintf("not run here: a composed statement of %d stages (checked end to end in cmd/velort)", len(pl.Queries))
		return nil, nil, res
	}
	q = pl.Queries[0]
	res.outType = q.Columns[len(q.Columns)-1].Type
	pipe, err = q.NewPipeline(0, nil)
	if err != nil {
		res.refused = "NewPipeline: " + err.Error()
		return nil, nil, res
	}
	return q, pipe, res
}

// execOne runs one message through a stateless pipeline.
func execOne(ctx *runtime.Ctx, dec *runtime.Decoder, enc *runtime.Encoder, pipe *runtime.Pipeline, msg []byte, row runtime.Row) (out vout) {
	defer func() {
		if p := recover(); p != nil {
			out = vout{panic: fmt.Sprintf("%v", p)}
		}
	}()
	ctx.Reset()
	if err := dec.Decode(msg, row); err != nil {
		return vout{err: "decode: " + err.Error()}
	}
	outs := pipe.Execute(ctx, row, 0)
	if ctx.Err != nil {
		return vout{err: ctx.Err.Error()}
	}
	if len(outs) != 1 {
		return vout{panic: fmt.Sprintf("%d output rows for one record without WHERE, no error", len(outs))}
	}
	return vout{json: stripField(enc.Append(nil, outs[0])), typ: outs[0][0].T}
}

// stripField turns `{"v":X}` into X.
func stripField(b []byte) string {
	i := bytes.IndexByte(b, ':')
	return string(b[i+1 : len(b)-1])
}
