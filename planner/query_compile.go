package planner

import (
	"fmt"
	"strconv"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"

	"github.com/velort/velort/runtime"
)

// UDFs gives a partition's pipeline access to user functions; nil when
// the file uses none. Implemented by the udf adapter in this package.
type UDFs = udfBinder

// NewPipeline compiles the query for one partition. Each partition gets
// its own closures, so per-call buffers need no lock.
func (q *Query) NewPipeline(partition int, udfs UDFs) (*runtime.Pipeline, error) {
	p, _, err := q.compile(partition, udfs)
	if p != nil && q.keyPrefix != "" {
		p.KeyPrefix = []byte(q.keyPrefix) // a UNION ALL branch of changelogs (compose.go)
	}
	return p, err
}

// identityEnv maps GMS column i of the source to row slot i.
func (q *Query) identityEnv(udfs udfBinder) *exprEnv {
	cols := q.shape.inSchema
	env := &exprEnv{slots: make([]int, len(cols)), types: make([]runtime.Type, len(cols)), scales: make([]uint8, len(cols)), udfs: udfs}
	for i, c := range cols {
		env.slots[i], env.types[i], env.scales[i] = i, c.Type, c.Scale
		if q.clauses.hasWindow && i >= len(cols)-2 { // window_start/window_end exist only after grouping
			env.slots[i] = -1
		}
	}
	return env
}

// compile builds the pipeline and returns the output columns' types.
func (q *Query) compile(partition int, udfs udfBinder) (*runtime.Pipeline, []compiled, error) {
	if udfs == nil && partition < 0 {
		udfs = typeOnlyUDFs{}
	}
	sh := q.shape
	in := q.identityEnv(udfs)
	var filter runtime.Expr
	if sh.filter != nil {
		c, err := in.compile(sh.filter)
		if err != nil {
			return nil, nil, &clauseError{clause: "WHERE", err: err}
		}
		filter = c.fn
	}
	outEnv := in
	var stage runtime.Stage
	var err error
	switch q.Kind {
	case "group":
		stage, outEnv, err = q.groupStage(in, partition)
	case "rows":
		stage, outEnv, err = q.rowsStage(in)
	}
	if err != nil {
		return nil, nil, err
	}
	// envs[l] sees the output of inner projection l (envs[len(inner)]: the
	// stage's); nil where a projection computes (then expressions above it
	// are inlined down to the stage, see inlineLevels).
	envs := make([]*exprEnv, len(sh.inner)+1)
	envs[len(sh.inner)] = outEnv
	for i := len(sh.inner) - 1; i >= 0; i-- {
		if envs[i+1] != nil {
			envs[i], _ = envs[i+1].remap(sh.inner[i])
		}
	}
	stageEnv := outEnv
	if envs[0] != nil {
		outEnv = envs[0]
	} else {
		outEnv = stageEnv
	}
	var having runtime.Expr
	if sh.having != nil {
		h, env := sh.having, envs[sh.havingLevel]
		if env == nil {
			h, env = inlineLevels(h, sh.inner[sh.havingLevel:]), stageEnv
		}
		c, err := env.compile(h)
		if err != nil {
			return nil, nil, &clauseError{clause: "HAVING", err: err}
		}
		having = c.fn
	}
	topnWidth := -1
	if sh.topn != nil { // ORDER BY … LIMIT: the Top-N ranks the stage's rows and applies HAVING
		if stage, topnWidth, err = q.topnStage(stage, stageEnv, having); err != nil {
			return nil, nil, err
		}
		having = nil
	}
	var batch []*runtime.BatchCall
	if stage == nil && q.join == nil && q.interval == nil && q.regular == nil {
		outEnv.batch = &batch
	}
	outs := make([]compiled, len(sh.project))
	fns := make([]runtime.Expr, len(sh.project))
	cols := make([]int, len(sh.project))
	for i, e := range sh.project {
		if envs[0] == nil {
			e = inlineLevels(e, sh.inner)
		}
		outEnv.eager = outEnv.batch != nil
		c, err := outEnv.compile(e)
		if err != nil {
			return nil, nil, &clauseError{column: i + 1, err: fmt.Errorf("output column %d (%s): %w", i+1, outputName(e), err)}
		}
		outs[i], fns[i], cols[i] = c, c.fn, c.column()
	}
	outEnv.batch, outEnv.eager = nil, false
	// A declared sink's column types win: coerce numbers to them.
	if q.Sink != nil && !q.Sink.Derived && len(q.Sink.Columns) == len(outs) {
		for i, c := range q.Sink.Columns {
			if (c.Type != outs[i].typ || c.Type == runtime.TDecimal && c.Scale != outs[i].scale) && outs[i].typ != runtime.TNull {
				if !(c.Type.Numeric() && outs[i].typ.Numeric()) && !(c.Type == runtime.TInt && outs[i].typ == runtime.TBool) {
					return nil, nil, fmt.Errorf("INSERT INTO %s: column %s is %s but the query's column %d is %s", q.Sink.Name, c.Name, c.Type, i+1, outs[i].typ)
				}
				fns[i], cols[i] = coerceTo(outs[i], c.Type, c.Scale), -1
				outs[i].typ, outs[i].scale = c.Type, c.Scale
			}
			if c.Type == runtime.TDecimal && c.Precision > 0 && c.Precision <= 18 {
				fns[i], cols[i] = checkPrecision(fns[i], c), -1
			}
		}
	}
	pipe := runtime.NewPipeline(filter, stage, having, fns)
	pipe.ProjectCols, pipe.Batch = cols, batch
	if q.join != nil {
		if pipe.Lookup, pipe.PreFilter, err = q.compileLookup(udfs); err != nil {
			return nil, nil, err
		}
	}
	if q.interval != nil {
		if pipe.Join, err = q.compileInterval(udfs); err != nil {
			return nil, nil, err
		}
	}
	if q.regular != nil {
		if pipe.RegularJoin, err = q.compileRegular(udfs); err != nil {
			return nil, nil, err
		}
	}
	if q.outChangelog {
		// Velort-Key of each output: the group's key text, or (no stage)
		// the input row's key as it came.
		pipe.Changelog = true
		if q.Kind == "group" {
			pipe.OutKey = groupOutKey(q.nKeys, q.nAggs, q.Window.Kind != runtime.NoWindow)
		}
		if topnWidth >= 0 {
			pipe.OutKey = runtime.TopNOutKey(topnWidth)
		}
	}
	if q.Kind == "group" && sh.topn == nil && q.Sink != nil && (q.Sink.Materialized != nil || q.Emit == runtime.EmitFinal && q.Sink.JetStream != "") {
		pipe.Identity = groupIdentity(q.nKeys, q.nAggs)
	}
	return pipe, outs, nil
}

// groupIdentity names a grouped output row by its window start and group
// key values, read from the stage row [keys..., aggs..., ws, we].
func groupIdentity(nKeys, nAggs int) func([]byte, runtime.Row) []byte {
	return func(dst []byte, r runtime.Row) []byte {
		if ws := r[nKeys+nAggs]; ws.T != runtime.TNull {
			dst = strconv.AppendInt(dst, ws.I, 10)
		}
		for i := 0; i < nKeys; i++ {
			dst = append(dst, '/')
			dst = runtime.AppendValueJSON(dst, r[i])
		}
		return dst
	}
}

// groupOutKey appends the key text of a group stage row [keys..., aggs...,
// window_start, window_end]: each group key as runtime.AppendChangeKey
// writes it (the text partitioning hashes, with '|', '\' and NULL
// escaped), then for a window its bounds in epoch milliseconds, joined by
// '|'. A global aggregate's key is empty.
func groupOutKey(nKeys, nAggs int, windowed bool) func([]byte, runtime.Row) []byte {
	ws := nKeys + nAggs
	return func(dst []byte, r runtime.Row) []byte {
		for i := 0; i < nKeys; i++ {
			if i > 0 {
				dst = append(dst, '|')
			}
			dst = runtime.AppendChangeKey(dst, r[i])
		}
		if windowed {
			if nKeys > 0 {
				dst = append(dst, '|')
			}
			dst = strconv.AppendInt(dst, r[ws].I, 10)
			dst = append(dst, '|')
			dst = strconv.AppendInt(dst, r[ws+1].I, 10)
		}
		return dst
	}
}

// typeOnlyUDFs binds user functions for type-checking only (planning
// without loading modules); the calls it returns are never run.
type typeOnlyUDFs struct{}

func (typeOnlyUDFs) bind(f *Function) (func(*runtime.Ctx, []runtime.Value) runtime.Value, error) {
	return func(*runtime.Ctx, []runtime.Value) runtime.Value { return runtime.Null }, nil
}

func (typeOnlyUDFs) batch(*Function) (runtime.BatchFunc, error) { return nil, nil }

// remap returns the environment seen above a projection whose columns are
// all plain references to columns of env.
func (env *exprEnv) remap(cols []sql.Expression) (*exprEnv, error) {
	out := &exprEnv{slots: make([]int, len(cols)), types: make([]runtime.Type, len(cols)), scales: make([]uint8, len(cols)), udfs: env.udfs, udfAggs: env.udfAggs}
	for i, e := range cols {
		if a, ok := e.(*expression.Alias); ok {
			e = a.Child
		}
		gf, ok := e.(*expression.GetField)
		if !ok || gf.Index() < 0 || gf.Index() >= len(env.slots) {
			return nil, fmt.Errorf("computed expression %s between aggregation and HAVING is not supported", e)
		}
		out.slots[i], out.types[i], out.scales[i] = env.slots[gf.Index()], env.types[gf.Index()], env.scales[gf.Index()]
	}
	out.grouped = env.grouped.remap(cols)
	return out, nil
}

// inlineLevels rewrites e, written over the output of levels[0] (each
// level a projection over the next), over the output of the node below the
// last level, replacing column references by the expressions they name.
// Aggregate user-function calls are kept as they are: the group stage
// computed them and knows them by identity.
func inlineLevels(e sql.Expression, levels [][]sql.Expression) sql.Expression {
	for _, level := range levels {
		e = inlineLevel(e, level)
	}
	return e
}

func inlineLevel(e sql.Expression, level []sql.Expression) sql.Expression {
	switch x := e.(type) {
	case *udfExpr:
		if x.fn.Kind == "aggregate" {
			return x
		}
	case *expression.GetField:
		if i := x.Index(); i >= 0 && i < len(level) {
			to := level[i]
			if al, ok := to.(*expression.Alias); ok {
				to = al.Child
			}
			return to
		}
		return x
	}
	ch := e.Children()
	if len(ch) == 0 {
		return e
	}
	nc := make([]sql.Expression, len(ch))
	changed := false
	for i, c := range ch {
		nc[i] = inlineLevel(c, level)
		changed = changed || nc[i] != c
	}
	if !changed {
		return e
	}
	if ne, err := e.WithChildren(nc...); err == nil {
		return ne
	}
	return e
}

// clauseError is a compile error in the WHERE or HAVING clause or in an
// output column (1-based), reported there.
type clauseError struct {
	clause string
	column int
	err    error
}

func (e *clauseError) Error() string { return e.err.Error() }
func (e *clauseError) Unwrap() error { return e.err }

// checkPrecision makes a value with more digits than a DECIMAL(p,s) sink
// column holds an error for the record, as MySQL's strict mode (error
// 1264), instead of storing it.
func checkPrecision(f runtime.Expr, c runtime.Column) runtime.Expr {
	errRange := fmt.Errorf("Out of range value for column '%s' (DECIMAL(%d,%d))", c.Name, c.Precision, c.Scale)
	return func(ctx *runtime.Ctx, r runtime.Row) runtime.Value {
		v := f(ctx, r)
		if v.T == runtime.TDecimal && !runtime.FitsPrecision(v.I, c.Precision) {
			ctx.Err = errRange
			return runtime.Null
		}
		return v
	}
}
