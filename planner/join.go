package planner

import (
	"fmt"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"

	"github.com/velort/velort/runtime"
)

// joinSpec is a stream–table join taken out of the resolved plan. The row
// above the join is go-mysql-server's: the left child's columns, then the
// right child's (the optimizer may put the table on either side of an inner
// join).
type joinSpec struct {
	table       *Table
	streamLeft  bool
	outer       bool           // LEFT JOIN: keep stream rows without a match
	key         sql.Expression // over the stream row alone
	tableCol    int            // the table column the key is compared with
	preFilter   sql.Expression // WHERE parts pushed onto the stream, over the stream row
	tableFilter sql.Expression // conditions on the table alone, over the table row
	rest        sql.Expression // other join conditions, over the joined row
}

// width returns the joined row's width and the offsets of both sides.
func (j *joinSpec) layout(nStream int) (width, streamOff, tableOff int) {
	nTable := len(j.table.Columns)
	if j.streamLeft {
		return nStream + nTable, 0, nStream
	}
	return nStream + nTable, nTable, 0
}

// sideOf walks a join child down to its table, collecting a pushed-down filter.
func sideOf(n sql.Node) (name string, filter sql.Expression, err error) {
	for {
		switch x := n.(type) {
		case *plan.Filter:
			if filter != nil {
				filter = expression.NewAnd(filter, x.Expression)
			} else {
				filter = x.Expression
			}
		case *plan.TableAlias, *plan.HashLookup:
		case *plan.ResolvedTable:
			return x.Name(), filter, nil
		default:
			return "", nil, fmt.Errorf("%T under a join is not supported", n)
		}
		ch := n.Children()
		if len(ch) != 1 {
			return "", nil, fmt.Errorf("%T under a join is not supported", n)
		}
		n = ch[0]
	}
}

// decomposeJoin fills q.join from a JoinNode.
func (q *Query) decomposeJoin(j *plan.JoinNode) error {
	ln, lf, err := sideOf(j.Left())
	if err != nil {
		return err
	}
	rn, rf, err := sideOf(j.Right())
	if err != nil {
		return err
	}
	if l, r := q.regularSides(ln, rn); l != nil && r != nil {
		if l.Changelog || r.Changelog || isWindowJoin(j, l, r) || !hasTimeBound(j.JoinCond()) { // regular_join*.go
			// Without a BETWEEN bounding one side's time by the other's,
			// two append-only streams make a regular join: both sides kept
			// by join key, a changelog (a LEFT JOIN's padded row is
			// deleted when a match comes).
			return q.decomposeRegularJoin(j, l, r, lf, rf)
		}
		return q.decomposeIntervalJoin(j, ln, rn, lf, rf)
	}
	spec := &joinSpec{}
	var tableName string
	switch {
	case strings.EqualFold(ln, q.Source.Name) && q.plan.Table(rn) != nil:
		spec.streamLeft, tableName, spec.preFilter, spec.tableFilter = true, rn, lf, rf
	case strings.EqualFold(rn, q.Source.Name) && q.plan.Table(ln) != nil:
		spec.streamLeft, tableName, spec.preFilter, spec.tableFilter = false, ln, rf, lf
	default:
		return fmt.Errorf("a join must be between the stream %s and a table (stream–stream interval joins are not supported yet)", q.Source.Name)
	}
	spec.table = q.plan.Table(tableName)
	if spec.table.Materialized() {
		return fmt.Errorf("table %s is materialized: join a KV-backed table", spec.table.Name)
	}
	switch {
	case j.Op.IsLeftOuter():
		if !spec.streamLeft {
			return fmt.Errorf("only stream LEFT JOIN table is supported")
		}
		spec.outer = true
	case j.Op.IsInner(), j.Op == plan.JoinTypeHash, j.Op == plan.JoinTypeLookup, j.Op == plan.JoinTypeMerge:
	default:
		return fmt.Errorf("join type %s is not supported: expected [INNER] JOIN or LEFT JOIN", j.Op)
	}
	nStream := len(q.Source.Columns)
	_, streamOff, tableOff := spec.layout(nStream)
	nTable := len(spec.table.Columns)
	inStream := func(i int) bool { return i >= streamOff && i < streamOff+nStream }
	tableColOf := func(e sql.Expression) (int, bool) {
		gf, ok := e.(*expression.GetField)
		if !ok || gf.Index() < tableOff || gf.Index() >= tableOff+nTable {
			return 0, false
		}
		return gf.Index() - tableOff, true
	}
	onlyStream := func(e sql.Expression) bool {
		ok := true
		sql.Inspect(e, func(x sql.Expression) bool {
			if gf, isGF := x.(*expression.GetField); isGF && !inStream(gf.Index()) {
				ok = false
			}
			return true
		})
		return ok
	}
	var rest []sql.Expression
	for _, c := range splitAnd(j.JoinCond()) {
		eq, isEq := c.(*expression.Equals)
		if isEq && spec.key == nil {
			if col, ok := tableColOf(eq.Right()); ok && onlyStream(eq.Left()) {
				spec.key, spec.tableCol = rebase(eq.Left(), -streamOff), col
				continue
			}
			if col, ok := tableColOf(eq.Left()); ok && onlyStream(eq.Right()) {
				spec.key, spec.tableCol = rebase(eq.Right(), -streamOff), col
				continue
			}
		}
		rest = append(rest, c)
	}
	if spec.key == nil {
		return fmt.Errorf("a stream–table join needs an equality between a stream expression and a column of %s", spec.table.Name)
	}
	if len(rest) > 0 {
		if spec.outer {
			return fmt.Errorf("a LEFT JOIN condition may only compare the key (found %s)", rest[0])
		}
		spec.rest = rest[0]
		for _, r := range rest[1:] {
			spec.rest = expression.NewAnd(spec.rest, r)
		}
	}
	if spec.tableCol != spec.table.KeyIdx {
		spec.table.Store.EnsureIndex(spec.tableCol)
	}
	q.join = spec
	return nil
}

func splitAnd(e sql.Expression) []sql.Expression {
	if a, ok := e.(*expression.And); ok {
		return append(splitAnd(a.LeftChild), splitAnd(a.RightChild)...)
	}
	if e == nil {
		return nil
	}
	return []sql.Expression{e}
}

// rebase shifts every column index in e by delta.
func rebase(e sql.Expression, delta int) sql.Expression {
	if delta == 0 {
		return e
	}
	out, _, _ := transform.Expr(e, func(x sql.Expression) (sql.Expression, transform.TreeIdentity, error) {
		if gf, ok := x.(*expression.GetField); ok {
			return gf.WithIndex(gf.Index() + delta), transform.NewTree, nil
		}
		return x, transform.SameTree, nil
	})
	return out
}

// joinSchema is the joined row's columns in go-mysql-server's order.
func (q *Query) joinSchema() runtime.Schema {
	j := q.join
	if j.streamLeft {
		return append(append(runtime.Schema{}, q.Source.Columns...), j.table.Columns...)
	}
	return append(append(runtime.Schema{}, j.table.Columns...), q.Source.Columns...)
}

// compileLookup builds the pipeline's lookup: stream row → joined row.
func (q *Query) compileLookup(udfs udfBinder) (func(*runtime.Ctx, runtime.Row) (runtime.Row, bool), runtime.Expr, error) {
	j := q.join
	streamEnv := envOver(q.Source.Columns, udfs)
	tableEnv := envOver(j.table.Columns, udfs)
	wideEnv := envOver(q.shape.inSchema, udfs)
	var pre runtime.Expr
	if j.preFilter != nil {
		c, err := streamEnv.compile(j.preFilter)
		if err != nil {
			return nil, nil, err
		}
		pre = c.fn
	}
	key, err := streamEnv.compile(j.key)
	if err != nil {
		return nil, nil, err
	}
	var tfilter, rest runtime.Expr
	if j.tableFilter != nil {
		c, err := tableEnv.compile(j.tableFilter)
		if err != nil {
			return nil, nil, err
		}
		tfilter = c.fn
	}
	if j.rest != nil {
		c, err := wideEnv.compile(j.rest)
		if err != nil {
			return nil, nil, err
		}
		rest = c.fn
	}
	nStream := len(q.Source.Columns)
	width, streamOff, tableOff := j.layout(nStream)
	nTable := len(j.table.Columns)
	wide := make(runtime.Row, width)
	var buf []byte
	store, byKey, col, outer := j.table.Store, j.tableCol == j.table.KeyIdx, j.tableCol, j.outer
	keyFn := key.fn
	return func(c *runtime.Ctx, r runtime.Row) (runtime.Row, bool) {
		copy(wide[streamOff:streamOff+nStream], r)
		trow := wide[tableOff : tableOff+nTable]
		k := keyFn(c, r)
		found := false
		if k.T != runtime.TNull {
			if byKey {
				buf = runtime.AppendKeyText(buf[:0], k)
				found = store.Lookup(buf, trow)
			} else {
				buf = runtime.AppendValueKey(buf[:0], k)
				found = store.LookupBy(col, buf, trow)
			}
		}
		if found && tfilter != nil {
			if v := tfilter(c, trow); v.T == runtime.TNull || !runtime.Truthy(v) {
				found = false
			}
		}
		if found && rest != nil {
			if v := rest(c, wide); v.T == runtime.TNull || !runtime.Truthy(v) {
				found = false
			}
		}
		if !found {
			if !outer {
				return nil, false
			}
			for i := range trow {
				trow[i] = runtime.Null
			}
		}
		return wide, true
	}, pre, nil
}

// envOver is the identity environment over a schema.
func envOver(cols runtime.Schema, udfs udfBinder) *exprEnv {
	env := &exprEnv{slots: make([]int, len(cols)), types: make([]runtime.Type, len(cols)), scales: make([]uint8, len(cols)), udfs: udfs}
	for i, c := range cols {
		env.slots[i], env.types[i], env.scales[i] = i, c.Type, c.Scale
	}
	return env
}

// hasTimeBound reports whether the ON condition has a BETWEEN among its
// AND-ed parts: the time bound of an interval join.
func hasTimeBound(cond sql.Expression) bool {
	for _, c := range splitAnd(cond) {
		if _, ok := c.(*expression.Between); ok {
			return true
		}
	}
	return false
}
