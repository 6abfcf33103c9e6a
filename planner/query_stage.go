package planner

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/expression/function/aggregation"
	"github.com/dolthub/go-mysql-server/sql/expression/function/aggregation/window"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"

	"github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
)

// aggFuncOf maps a go-mysql-server aggregate to velort's; ok is false for
// expressions that are not aggregates.
func aggFuncOf(e sql.Expression) (runtime.AggFunc, sql.Expression, bool) {
	switch a := e.(type) {
	case *aggregation.Count:
		if _, star := a.Child.(*expression.Star); star {
			return runtime.CountStar, nil, true
		}
		if l, ok := a.Child.(*expression.Literal); ok && l.Value() != nil {
			return runtime.CountStar, nil, true
		}
		return runtime.Count, a.Child, true
	case *aggregation.CountDistinct:
		ch := a.Children()
		if len(ch) != 1 {
			return runtime.CountDistinct, a, true // aggSpec builds the tuple
		}
		return runtime.CountDistinct, ch[0], true
	case *aggregation.GroupConcat:
		return runtime.GroupConcat, a, true // aggSpec reads its options
	case *aggregation.Sum:
		return runtime.Sum, a.Child, true
	case *aggregation.Avg:
		return runtime.Avg, a.Child, true
	case *aggregation.Min:
		return runtime.Min, a.Child, true
	case *aggregation.Max:
		return runtime.Max, a.Child, true
	case *aggregation.StdDevPop:
		return runtime.StddevPop, a.Child, true
	case *aggregation.StdDevSamp:
		return runtime.StddevSamp, a.Child, true
	case *aggregation.VarPop:
		return runtime.VarPop, a.Child, true
	case *aggregation.VarSamp:
		return runtime.VarSamp, a.Child, true
	case *aggregation.First, *aggregation.AnyValue:
		return runtime.FirstValue, a.Children()[0], true
	case *aggregation.Last:
		return runtime.LastValue, a.Children()[0], true
	case *window.FirstValue:
		return runtime.FirstValue, a.Child, true
	case *window.LastValue:
		return runtime.LastValue, a.Child, true
	}
	return 0, nil, false
}

// nameError is a problem with a call of the function name: the planner
// reports it at the call.
type nameError struct {
	name string
	msg  string
}

func (e *nameError) Error() string { return e.msg }

// atCall places err at the call of aggregate e (unless it is placed).
func atCall(e sql.Expression, err error) error {
	var ne *nameError
	fe, ok := e.(sql.FunctionExpression)
	if !ok || errors.As(err, &ne) {
		return err
	}
	name := strings.ToUpper(fe.FunctionName())
	switch name {
	case "COUNT_DISTINCT", "COUNTDISTINCT":
		name = "COUNT"
	case "FIRST", "LAST": // FIRST_VALUE/LAST_VALUE as written
		name += "_VALUE"
	}
	return &nameError{name, fmt.Sprintf("%s: %v", name, err)}
}

// refusedAggregate explains why an aggregate velort does not compute is
// refused.
func refusedAggregate(e sql.Expression) error {
	bit := map[string]string{"*aggregation.BitAnd": "BIT_AND", "*aggregation.BitOr": "BIT_OR", "*aggregation.BitXor": "BIT_XOR"}
	if name, ok := bit[fmt.Sprintf("%T", e)]; ok {
		return &nameError{name, name + " is not supported: MySQL computes it as BIGINT UNSIGNED (BIT_AND of no rows is 18446744073709551615), which velort has no type for"}
	}
	names := map[string]string{"*aggregation.JsonArray": "JSON_ARRAYAGG", "*aggregation.JSONObjectAgg": "JSON_OBJECTAGG"}
	name, ok := names[fmt.Sprintf("%T", e)]
	if fe, isFn := e.(sql.FunctionExpression); !ok && isFn {
		name = strings.ToUpper(fe.FunctionName())
	} else if !ok {
		name = e.String()
	}
	return &nameError{name, name + " is not supported as an aggregate in a continuous query (supported: see docs/sql.md, Aggregates)"}
}

// findAggregation returns the first aggregate call inside e, or nil.
func findAggregation(e sql.Expression) sql.Expression {
	var found sql.Expression
	sql.Inspect(e, func(x sql.Expression) bool {
		if found != nil {
			return false
		}
		if _, ok := x.(sql.Aggregation); ok {
			found = x
			return false
		}
		return true
	})
	return found
}

// aggSpec compiles an aggregate's argument and chooses its result type.
func aggSpec(in *exprEnv, f runtime.AggFunc, arg sql.Expression) (runtime.AggSpec, compiled, error) {
	spec := runtime.AggSpec{Func: f, ResultType: runtime.TInt}
	var out compiled
	switch a := arg.(type) {
	case *expression.DistinctExpression: // SUM/AVG/MIN/MAX(DISTINCT x)
		arg = a.Child
		spec.Distinct = f == runtime.Sum || f == runtime.Avg // MIN/MAX: the same without
	case *aggregation.CountDistinct: // COUNT(DISTINCT a, b, ...)
		fns := make([]runtime.Expr, 0, len(a.Children()))
		for _, ch := range a.Children() {
			c, err := in.compile(ch)
			if err != nil {
				return spec, out, err
			}
			fns = append(fns, c.fn)
		}
		spec.Arg, spec.ArgType = runtime.TupleArg(fns), runtime.TString
		return spec, compiled{typ: runtime.TInt}, nil
	case *aggregation.GroupConcat:
		return groupConcatSpec(in, a)
	}
	if arg != nil {
		c, err := in.compile(arg)
		if err != nil {
			return spec, out, err
		}
		spec.Arg, spec.ArgType = c.fn, c.typ
		spec.ArgCol, spec.ArgIsCol = c.column(), c.column() >= 0
		if err := splitFilter(in, &spec, arg, c); err != nil { // agg_filter.go
			return spec, out, err
		}
		out.scale = c.scale
		switch f {
		case runtime.Sum:
			spec.ResultType = c.typ
			if c.typ == runtime.TBool {
				spec.ResultType = runtime.TInt
			} else if !c.typ.Numeric() {
				spec.ResultType = runtime.TDouble
			}
		case runtime.Avg, runtime.StddevPop, runtime.StddevSamp, runtime.VarPop, runtime.VarSamp:
			spec.ResultType = runtime.TDouble
		case runtime.Min, runtime.Max, runtime.FirstValue, runtime.LastValue:
			spec.ResultType = c.typ
		}
	}
	out.typ = spec.ResultType
	if out.typ != runtime.TDecimal {
		out.scale = 0
	}
	return spec, out, nil
}

// groupConcatSpec compiles GROUP_CONCAT([DISTINCT] a, ... [SEPARATOR s]):
// its values cast to text, concatenated in arrival order. go-mysql-server
// keeps the options in unexported fields.
func groupConcatSpec(in *exprEnv, g *aggregation.GroupConcat) (runtime.AggSpec, compiled, error) {
	spec := runtime.AggSpec{Func: runtime.GroupConcat, ResultType: runtime.TString, ArgType: runtime.TString}
	f := reflect.ValueOf(g).Elem()
	sf := f.FieldByName("sf")
	nSort := sf.Len()
	spec.Distinct = f.FieldByName("distinct").String() != ""
	spec.Separator = []byte(f.FieldByName("separator").String())
	if n := f.FieldByName("maxLen"); n.CanInt() && n.Int() > 0 {
		spec.MaxLen = int(n.Int())
	}
	args := g.Children()[nSort:]
	if spec.Distinct && len(args) > 1 {
		return spec, compiled{}, &nameError{"GROUP_CONCAT", "GROUP_CONCAT(DISTINCT a, b, ...) of several values is not supported: expected GROUP_CONCAT(DISTINCT x)"}
	}
	fns := make([]runtime.Expr, len(args))
	for i, a := range args {
		c, err := in.compile(a)
		if err == nil && c.typ != runtime.TString {
			c, err = in.compile(expression.NewConvert(a, expression.ConvertToChar))
		}
		if err != nil {
			return spec, compiled{}, err
		}
		fns[i] = c.fn
	}
	switch {
	case nSort > 0:
		keys := make([]runtime.Expr, nSort)
		desc := make([]bool, nSort)
		for i, k := range g.Children()[:nSort] {
			c, err := in.compile(k)
			if err != nil {
				return spec, compiled{}, err
			}
			keys[i] = c.fn
			desc[i] = sf.Index(i).FieldByName("Order").Uint() == uint64(sql.Descending)
		}
		spec.Arg, spec.Ordered = runtime.OrderedConcatArg(keys, desc, fns), true
	case len(fns) == 1:
		spec.Arg = fns[0]
	default:
		spec.Arg = runtime.ConcatArg(fns)
	}
	return spec, compiled{typ: runtime.TString}, nil
}

// groupStage builds the GROUP BY stage. The stage emits rows laid out as
// [keys..., aggregates..., window_start, window_end]; the returned env maps
// the GroupBy node's output columns (its SelectedExprs) onto that layout.
func (q *Query) groupStage(in *exprEnv, partition int) (runtime.Stage, *exprEnv, error) {
	gb := q.shape.groupBy
	nSrc := q.rowWidth()
	isWindowCol := func(e sql.Expression) (int, bool) {
		if isWindowColumn(e, nSrc) {
			return e.(*expression.GetField).Index() - nSrc, true
		}
		return 0, false
	}
	var cfg runtime.GroupConfig
	var keyText []string
	var keyComp []compiled
	for _, k := range gb.GroupByExprs {
		if _, ok := isWindowCol(k); ok {
			continue
		}
		c, err := in.compile(k)
		if err != nil {
			return nil, nil, err
		}
		cfg.Keys = append(cfg.Keys, c.fn)
		cfg.KeyTypes = append(cfg.KeyTypes, c.typ)
		cfg.KeyCols = append(cfg.KeyCols, c.column())
		keyText = append(keyText, k.String())
		keyComp = append(keyComp, c)
	}
	type depSlot struct {
		agg int // index into cfg.Aggs, or -1
		key int // index into keys, or -1
		win int // 0 window_start, 1 window_end, or -1
	}
	deps := make([]depSlot, len(gb.SelectedExprs))
	var aggOut []compiled
	var aggArgs []sql.Expression // per aggregate: its argument (shareConds)
	for i, d := range gb.SelectedExprs {
		deps[i] = depSlot{agg: -1, key: -1, win: -1}
		if w, ok := isWindowCol(d); ok {
			deps[i].win = w
			continue
		}
		if f, arg, ok := aggFuncOf(d); ok {
			spec, out, err := aggSpec(in, f, arg)
			if err != nil {
				return nil, nil, atCall(d, err)
			}
			deps[i].agg = len(cfg.Aggs)
			for len(aggArgs) < len(cfg.Aggs) {
				aggArgs = append(aggArgs, nil)
			}
			aggArgs = append(aggArgs, arg)
			cfg.Aggs = append(cfg.Aggs, spec)
			aggOut = append(aggOut, out)
			continue
		}
		if u, ok := d.(*udfExpr); ok && u.fn.Kind == "aggregate" {
			spec := runtime.AggSpec{Func: runtime.UDF, ResultType: u.fn.Returns}
			if insts, ok := in.udfs.(*Instances); ok {
				var err error
				if spec, err = insts.aggregate(in, u); err != nil {
					return nil, nil, err
				}
			} else { // type-checking only: a stand-in that is never run
				spec = runtime.AggSpec{Func: runtime.CountStar, ResultType: u.fn.Returns}
			}
			deps[i].agg = len(cfg.Aggs)
			cfg.Aggs = append(cfg.Aggs, spec)
			aggOut = append(aggOut, compiled{typ: u.fn.Returns})
			continue
		}
		found := false
		for k, t := range keyText {
			if strings.EqualFold(t, d.String()) {
				deps[i].key, found = k, true
				break
			}
		}
		if !found { // a non-grouped column: MySQL's ANY_VALUE, here the first value
			if a := findAggregation(d); a != nil {
				return nil, nil, refusedAggregate(a)
			}
			spec, out, err := aggSpec(in, runtime.FirstValue, d)
			if err != nil {
				return nil, nil, err
			}
			spec.AnyValue = true
			deps[i].agg = len(cfg.Aggs)
			cfg.Aggs = append(cfg.Aggs, spec)
			aggOut = append(aggOut, out)
		}
	}
	// Aggregate user functions: go-mysql-server knows aggregates by name
	// only, so it leaves them in the projection above the GroupBy. Their
	// arguments are traced back to source columns and they become stage
	// aggregates like the built-in ones.
	udfAggIdx := map[*udfExpr]int{}
	for _, u := range q.udfAggregates() {
		src, err := q.toSourceLevel(u)
		if err != nil {
			return nil, nil, err
		}
		spec := runtime.AggSpec{Func: runtime.CountStar, ResultType: u.fn.Returns} // type-checking stand-in
		if insts, ok := in.udfs.(*Instances); ok {
			if spec, err = insts.aggregate(in, src); err != nil {
				return nil, nil, err
			}
		}
		udfAggIdx[u] = len(cfg.Aggs)
		cfg.Aggs = append(cfg.Aggs, spec)
		aggOut = append(aggOut, compiled{typ: u.fn.Returns})
	}
	shareConds(cfg.Aggs, aggArgs)
	cfg.Window = q.Window
	cfg.Emit = q.Emit
	// Kinds (kinds.go): over a changelog input the stage keeps what
	// retraction needs; a changelog output upserts and deletes rows.
	cfg.Retract = q.inChangelog || q.regular != nil && q.regular.retracts()
	cfg.Changelog = q.outChangelog
	cfg.StateTTL = q.stateTTLMs() // state_ttl.go
	// A global aggregate's row over no records: once, from the partition
	// the empty group key hashes to (all of them forward there).
	n := q.Source.Partitions
	cfg.EmptyRow = n < 2 || partition == transport.PartitionOf(nil, n)
	nk, na := len(cfg.Keys), len(cfg.Aggs)
	q.nKeys, q.nAggs = nk, na
	out := &exprEnv{slots: make([]int, len(deps)), types: make([]runtime.Type, len(deps)), scales: make([]uint8, len(deps)), udfs: in.udfs}
	for i, d := range deps {
		switch {
		case d.key >= 0:
			out.slots[i], out.types[i], out.scales[i] = d.key, keyComp[d.key].typ, keyComp[d.key].scale
		case d.agg >= 0:
			out.slots[i], out.types[i], out.scales[i] = nk+d.agg, aggOut[d.agg].typ, aggOut[d.agg].scale
		default:
			out.slots[i], out.types[i] = nk+na+d.win, runtime.TTimestamp
		}
	}
	out.grouped = &groupedEnv{src: make([]sql.Expression, len(gb.SelectedExprs)), keys: keyText}
	for i, d := range gb.SelectedExprs {
		if a, ok := d.(*expression.Alias); ok {
			d = a.Child
		}
		out.grouped.src[i] = d
	}
	for k, c := range keyComp {
		slot := k
		out.grouped.read = append(out.grouped.read, compiled{fn: func(_ *runtime.Ctx, r runtime.Row) runtime.Value { return r[slot] }, typ: c.typ, scale: c.scale, col: slot + 1})
	}
	out.udfAggs = map[*udfExpr]compiled{}
	for u, j := range udfAggIdx {
		slot := nk + j
		out.udfAggs[u] = compiled{typ: u.fn.Returns, fn: func(_ *runtime.Ctx, r runtime.Row) runtime.Value { return r[slot] }}
	}
	if err := runtime.ValidateGroupConfig(&cfg); err != nil {
		if w := q.clauses.windowToken; q.clauses.hasWindow && !strings.Contains(err.Error(), "aggregate") && !strings.Contains(err.Error(), "GROUP_CONCAT") {
			return nil, nil, &nameError{w.text, err.Error()}
		}
		return nil, nil, err
	}
	return runtime.NewGroupStage(cfg), out, nil
}

// groupedEnv lets an expression above a group stage read a group key:
// a selected expression (or a part of one) that spells a GROUP BY
// expression is the group's key, as in MySQL, not an evaluation over the
// ungrouped columns it names. go-mysql-server selects those columns one by
// one (SELECT k2 + y … GROUP BY k2 + y selects k2 and y), and the stage
// takes each as ANY_VALUE: over a changelog, once a group's first row is
// retracted, each column's value can come from a different live row (k2
// from one, y from another: 1 + 5 in the group whose key is NULL).
type groupedEnv struct {
	src  []sql.Expression // each column of the level, over source columns
	keys []string         // the GROUP BY expressions, as go-mysql-server prints them
	read []compiled       // reads key k's slot of the stage row
}

// remap is g seen above a projection of plain column references (checked
// by exprEnv.remap).
func (g *groupedEnv) remap(cols []sql.Expression) *groupedEnv {
	if g == nil {
		return nil
	}
	out := &groupedEnv{src: make([]sql.Expression, len(cols)), keys: g.keys, read: g.read}
	for i, e := range cols {
		if a, ok := e.(*expression.Alias); ok {
			e = a.Child
		}
		if gf, ok := e.(*expression.GetField); ok && gf.Index() >= 0 && gf.Index() < len(g.src) {
			out.src[i] = g.src[gf.Index()]
		}
	}
	return out
}

// groupKeyOf returns the closure reading the group key e spells, if it
// spells one: e written over source columns prints as a GROUP BY
// expression. A plain column reads its own slot (a grouped one, the key's).
func (env *exprEnv) groupKeyOf(e sql.Expression) (compiled, bool) {
	g := env.grouped
	if g == nil || len(g.keys) == 0 || len(e.Children()) == 0 {
		return compiled{}, false
	}
	if _, ok := e.(*expression.Alias); ok {
		return compiled{}, false
	}
	for _, s := range g.src {
		if s == nil { // a level this cannot see through
			return compiled{}, false
		}
	}
	text := inlineLevel(e, g.src).String()
	for k, t := range g.keys {
		if t == text {
			return g.read[k], true
		}
	}
	return compiled{}, false
}

// rowsStage builds the OVER (...) row-window stage. Its rows are the input
// row followed by one value per window function.
func (q *Query) rowsStage(in *exprEnv) (runtime.Stage, *exprEnv, error) {
	w := q.shape.window
	nSrc := len(q.Source.Columns)
	var cfg runtime.RowsConfig
	out := &exprEnv{slots: make([]int, len(w.SelectExprs)), types: make([]runtime.Type, len(w.SelectExprs)), scales: make([]uint8, len(w.SelectExprs)), udfs: in.udfs}
	var partition string
	for i, e := range w.SelectExprs {
		wa, isWin := e.(sql.WindowAdaptableExpression)
		if !isWin || wa.Window() == nil {
			gf, ok := e.(*expression.GetField)
			if !ok {
				return nil, nil, fmt.Errorf("expression %s next to a window function must be a plain column", e)
			}
			out.slots[i], out.types[i], out.scales[i] = gf.Index(), in.types[gf.Index()], in.scales[gf.Index()]
			continue
		}
		def := wa.Window()
		var pb []string
		for _, p := range def.PartitionBy {
			pb = append(pb, p.String())
		}
		if i2 := strings.Join(pb, ","); len(cfg.Funcs) == 0 {
			partition = i2
			for _, p := range def.PartitionBy {
				c, err := in.compile(p)
				if err != nil {
					return nil, nil, err
				}
				cfg.PartitionBy = append(cfg.PartitionBy, c.fn)
				cfg.PartitionCols = append(cfg.PartitionCols, c.column())
				cfg.PartitionTypes = append(cfg.PartitionTypes, c.typ)
			}
		} else if i2 != partition {
			return nil, nil, &nameError{"OVER", "all window functions of a query must share one PARTITION BY"}
		}
		rf, typ, err := rowFunc(in, e, def)
		if err != nil {
			return nil, nil, err
		}
		out.slots[i], out.types[i], out.scales[i] = nSrc+len(cfg.Funcs), typ.typ, typ.scale
		cfg.Funcs = append(cfg.Funcs, rf)
	}
	if err := runtime.ValidateRowsConfig(&cfg); err != nil {
		return nil, nil, err
	}
	return runtime.NewRowsStage(cfg), out, nil
}

// rowFunc translates one window function and its frame.
func rowFunc(in *exprEnv, e sql.Expression, def *sql.WindowDefinition) (runtime.RowFunc, compiled, error) {
	rf := runtime.RowFunc{Preceding: -1, Offset: 1}
	if def.Frame != nil {
		fr := def.Frame
		switch {
		case fr.UnboundedPreceding() && fr.EndCurrentRow():
		case fr.StartNPreceding() != nil && fr.EndCurrentRow():
			v, ok := isConst(fr.StartNPreceding())
			n, err := toFloat64(v)
			if !ok || err != nil || n < 0 {
				return rf, compiled{}, &nameError{"OVER", "ROWS BETWEEN n PRECEDING needs a constant n"}
			}
			rf.Preceding = int(n)
		case fr.StartCurrentRow() && fr.EndCurrentRow():
			rf.Preceding = 0
		default:
			return rf, compiled{}, &nameError{"OVER", fmt.Sprintf("window frame %s is not supported: expected ROWS BETWEEN n PRECEDING AND CURRENT ROW", fr)}
		}
	}
	switch x := e.(type) {
	case *window.RowNumber:
		rf.Func = runtime.RowNumber
		rf.ResultType = runtime.TInt
		return rf, compiled{typ: runtime.TInt}, nil
	case *window.Lag, *window.Lead:
		rf.Func = runtime.RowLag
		if _, ok := x.(*window.Lead); ok {
			rf.Func = runtime.RowLead
		}
		var ch []sql.Expression // the function's own arguments, without the window's
		switch l := x.(type) {
		case *window.Lag:
			ch = l.ChildExpressions
		case *window.Lead:
			ch = l.ChildExpressions
		}
		c, err := in.compile(ch[0])
		if err != nil {
			return rf, compiled{}, err
		}
		rf.Arg, rf.ArgType, rf.ResultType = c.fn, c.typ, c.typ
		rf.ArgCol, rf.ArgIsCol = c.column(), c.column() >= 0
		// go-mysql-server keeps the offset in an unexported field; children
		// are the value and, optionally, the default.
		if off := reflect.ValueOf(x).Elem().FieldByName("offset"); off.IsValid() && off.CanInt() {
			rf.Offset = int(off.Int())
		}
		if len(ch) > 1 {
			d, err := in.compile(ch[1])
			if err != nil {
				return rf, compiled{}, err
			}
			rf.Default = coerceTo(d, c.typ, c.scale)
		}
		return rf, c, nil
	}
	f, arg, ok := aggFuncOf(e)
	if !ok {
		name := e.String()
		if fe, ok := e.(sql.FunctionExpression); ok {
			name = strings.ToUpper(fe.FunctionName())
		}
		return rf, compiled{}, &nameError{name, fmt.Sprintf("window function %s is not supported: expected ROW_NUMBER, LAG, LEAD, or AVG, SUM, COUNT, MIN, MAX, FIRST_VALUE, LAST_VALUE over a ROWS frame", name)}
	}
	if _, distinct := arg.(*expression.DistinctExpression); distinct || f == runtime.CountDistinct || f == runtime.GroupConcat {
		name := "GROUP_CONCAT"
		if fe, ok := e.(sql.FunctionExpression); ok {
			name = strings.ToUpper(fe.FunctionName())
		}
		return rf, compiled{}, &nameError{name, name + "(DISTINCT ...) and GROUP_CONCAT are not supported over a window (OVER); MySQL refuses DISTINCT there too"}
	}
	spec, out, err := aggSpec(in, f, arg)
	if err != nil {
		return rf, compiled{}, atCall(e, err)
	}
	kinds := map[runtime.AggFunc]runtime.RowFuncKind{runtime.Avg: runtime.RowAvg, runtime.Sum: runtime.RowSum, runtime.Count: runtime.RowCount, runtime.CountStar: runtime.RowCountStar, runtime.Min: runtime.RowMin, runtime.Max: runtime.RowMax, runtime.FirstValue: runtime.RowFirstValue, runtime.LastValue: runtime.RowLastValue}
	k, ok := kinds[f]
	if !ok {
		return rf, compiled{}, &nameError{"OVER", fmt.Sprintf("%s is not supported over a ROWS frame: expected AVG, SUM, COUNT, MIN, MAX, FIRST_VALUE or LAST_VALUE", f)}
	}
	rf.Func, rf.Arg, rf.ArgType, rf.ResultType = k, spec.Arg, spec.ArgType, spec.ResultType
	rf.ArgCol, rf.ArgIsCol = spec.ArgCol, spec.ArgIsCol
	return rf, out, nil
}

var _ = plan.Window{}

// isWindowColumn reports whether e is window_start or window_end (the
// hidden columns after the source's own).
func isWindowColumn(e sql.Expression, nSrc int) bool {
	gf, ok := e.(*expression.GetField)
	return ok && gf.Index() >= nSrc
}

// udfAggregates lists the aggregate user-function calls of the output
// projection and HAVING.
func (q *Query) udfAggregates() []*udfExpr {
	var found []*udfExpr
	collect := func(e sql.Expression) {
		sql.Inspect(e, func(x sql.Expression) bool {
			if u, ok := x.(*udfExpr); ok && u.fn.Kind == "aggregate" {
				found = append(found, u)
				return false
			}
			return true
		})
	}
	for _, e := range q.shape.project {
		collect(e)
	}
	for _, level := range q.shape.inner {
		for _, e := range level {
			collect(e)
		}
	}
	if q.shape.having != nil {
		collect(q.shape.having)
	}
	return found
}

// toSourceLevel rewrites an aggregate call's arguments, written over the
// GroupBy's output (possibly through inner projections), over source columns.
func (q *Query) toSourceLevel(u *udfExpr) (*udfExpr, error) {
	levels := append([][]sql.Expression{}, q.shape.inner...)
	levels = append(levels, q.shape.groupBy.SelectedExprs)
	args := make([]sql.Expression, len(u.args))
	for i, a := range u.args {
		e := a
		for _, level := range levels {
			var err error
			e, _, err = transform.Expr(e, func(x sql.Expression) (sql.Expression, transform.TreeIdentity, error) {
				gf, ok := x.(*expression.GetField)
				if !ok {
					return x, transform.SameTree, nil
				}
				if gf.Index() < 0 || gf.Index() >= len(level) {
					return nil, transform.SameTree, fmt.Errorf("argument %s of %s cannot be traced to a source column", a, u.fn.Name)
				}
				to := level[gf.Index()]
				if al, ok := to.(*expression.Alias); ok {
					to = al.Child
				}
				return to, transform.NewTree, nil
			})
			if err != nil {
				return nil, err
			}
		}
		args[i] = e
	}
	return &udfExpr{fn: u.fn, args: args}, nil
}
