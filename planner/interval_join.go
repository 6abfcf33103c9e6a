package planner

import (
	"fmt"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/plan"

	"github.com/velort/velort/runtime"
)

// intervalSpec is a stream–stream interval join:
// ON l.k = r.k AND r.ts BETWEEN l.ts + lo AND l.ts + hi (either way round).
// go-mysql-server's joined row is the left child's columns, then the right's.
type intervalSpec struct {
	left, right         *Stream
	leftKey, rightKey   sql.Expression // over each side's own row
	leftTime, rightTime int
	lo, hi              int64 // right.time − left.time ∈ [lo, hi], ms
	cond                sql.Expression
	// WHERE conditions go-mysql-server pushed onto one side, over that
	// side's own row; a row failing its side's filter is neither joined
	// nor kept.
	leftFilter, rightFilter sql.Expression
}

// Other returns the stream that is not the query's FROM stream (the same
// stream for a self-join).
func (s *intervalSpec) other(src *Stream) *Stream {
	if s.left == src {
		return s.right
	}
	return s.left
}

func (q *Query) decomposeIntervalJoin(j *plan.JoinNode, ln, rn string, lf, rf sql.Expression) error {
	if !j.Op.IsInner() {
		return fmt.Errorf("a stream–stream join must be an INNER join with a time bound")
	}
	spec := &intervalSpec{left: q.plan.Stream(ln), right: q.plan.Stream(rn), cond: j.JoinCond(), leftFilter: lf, rightFilter: rf}
	nl, nr := len(spec.left.Columns), len(spec.right.Columns)
	side := func(e sql.Expression) int { // 0 left, 1 right, -1 mixed or none
		s := -2
		sql.Inspect(e, func(x sql.Expression) bool {
			if gf, ok := x.(*expression.GetField); ok {
				k := 0
				if gf.Index() >= nl {
					k = 1
				}
				if s == -2 {
					s = k
				} else if s != k {
					s = -1
				}
			}
			return true
		})
		if s == -2 {
			return -1
		}
		return s
	}
	var between *expression.Between
	var rest []sql.Expression // conditions the runtime does not enforce itself
	for _, c := range splitAnd(spec.cond) {
		switch x := c.(type) {
		case *expression.Equals:
			l, r := x.Left(), x.Right()
			if side(l) == 1 && side(r) == 0 {
				l, r = r, l
			}
			if spec.leftKey == nil && side(l) == 0 && side(r) == 1 {
				spec.leftKey, spec.rightKey = l, rebase(r, -nl)
				continue
			}
		case *expression.Between:
			if between == nil {
				between = x
				continue
			}
		}
		rest = append(rest, c)
	}
	spec.cond = nil
	for _, r := range rest {
		if spec.cond == nil {
			spec.cond = r
		} else {
			spec.cond = expression.NewAnd(spec.cond, r)
		}
	}
	if spec.leftKey == nil || between == nil {
		return fmt.Errorf("a stream–stream join needs ON a.key = b.key AND b.ts BETWEEN a.ts AND a.ts + INTERVAL ...")
	}
	val, ok := between.Val.(*expression.GetField)
	if !ok {
		return fmt.Errorf("the BETWEEN of an interval join must test a time column")
	}
	valSide := side(val)
	boundSide := side(between.Lower)
	if valSide < 0 || boundSide < 0 || boundSide == valSide || side(between.Upper) != boundSide {
		return fmt.Errorf("the BETWEEN of an interval join must bound one stream's time by the other's")
	}
	var boundTime int = -1
	sql.Inspect(between.Lower, func(x sql.Expression) bool {
		if gf, ok := x.(*expression.GetField); ok {
			boundTime = gf.Index()
		}
		return true
	})
	lo, err := offsetOf(between.Lower, boundTime, nl+nr)
	if err != nil {
		return err
	}
	hi, err := offsetOf(between.Upper, boundTime, nl+nr)
	if err != nil {
		return err
	}
	if valSide == 1 { // right.ts ∈ [left.ts+lo, left.ts+hi]
		spec.rightTime, spec.leftTime, spec.lo, spec.hi = val.Index()-nl, boundTime, lo, hi
	} else { // left.ts ∈ [right.ts+lo, right.ts+hi]
		spec.leftTime, spec.rightTime, spec.lo, spec.hi = val.Index(), boundTime-nl, -hi, -lo
	}
	if spec.lo > spec.hi {
		return fmt.Errorf("the interval of the join is empty")
	}
	for _, t := range []struct {
		s   *Stream
		col int
	}{{spec.left, spec.leftTime}, {spec.right, spec.rightTime}} {
		if ty := t.s.Columns[t.col].Type; ty != runtime.TTimestamp && ty != runtime.TInt {
			return fmt.Errorf("join time column %s of %s must be TIMESTAMP", t.s.Columns[t.col].Name, t.s.Name)
		}
	}
	if js := [2]bool{spec.left.JetStream != "", spec.right.JetStream != ""}; js[0] != js[1] {
		onJS, onCore := spec.left, spec.right
		if js[1] {
			onJS, onCore = onCore, onJS
		}
		return fmt.Errorf("an interval join reads both streams from JetStream or both from core NATS: %s is on JetStream (%s), %s on core NATS; "+
			"give %s a jetstream = '…' too (over JetStream the join's state is checkpointed with both streams' positions: effectively once), or read %s from core NATS",
			onJS.Name, onJS.JetStream, onCore.Name, onCore.Name, onJS.Name)
	}
	if spec.left.Partitions != spec.right.Partitions {
		return fmt.Errorf("streams %s and %s must have the same number of partitions to be joined", spec.left.Name, spec.right.Name)
	}
	if spec.left.Partitions > 1 && (!isKeyColumn(spec.leftKey, spec.left) || !isKeyColumn(spec.rightKey, spec.right)) {
		return fmt.Errorf("streams %s and %s must both be partitioned by the join key to be joined by an interval join (key = the join column of each; "+
			"an interval join does not read a side through a repartitioning stage)", spec.left.Name, spec.right.Name)
	}
	q.interval = spec
	return nil
}

func isKeyColumn(e sql.Expression, s *Stream) bool {
	gf, ok := e.(*expression.GetField)
	return ok && len(s.KeyIdx) == 1 && gf.Index() == s.KeyIdx[0]
}

// offsetOf evaluates a bound like a.ts + INTERVAL 1 HOUR with a.ts at a
// fixed instant and returns the difference in ms.
func offsetOf(e sql.Expression, timeCol, width int) (int64, error) {
	t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	row := make(sql.Row, width)
	row[timeCol] = t0
	v, err := e.Eval(sql.NewEmptyContext(), row)
	if err != nil {
		return 0, fmt.Errorf("join bound %s: %w", e, err)
	}
	switch x := v.(type) {
	case time.Time:
		return x.Sub(t0).Milliseconds(), nil
	case int64:
		return x - t0.UnixMilli(), nil
	}
	return 0, fmt.Errorf("join bound %s is not a time (%T)", e, v)
}

// compileInterval builds the runtime join.
func (q *Query) compileInterval(udfs udfBinder) (*runtime.IntervalJoin, error) {
	s := q.interval
	x, err := q.compileJoinExprs(udfs, [2]*Stream{s.left, s.right}, [2]sql.Expression{s.leftKey, s.rightKey}, [2]sql.Expression{s.leftFilter, s.rightFilter}, s.cond)
	if err != nil {
		return nil, err
	}
	return &runtime.IntervalJoin{
		LeftKey: x.keys[0], RightKey: x.keys[1], LeftTime: s.leftTime, RightTime: s.rightTime,
		Lo: s.lo, Hi: s.hi, LeftWidth: len(s.left.Columns), RightWidth: len(s.right.Columns),
		LeftFirst: true, Cond: x.cond, LeftKeep: q.sideRead[0], RightKeep: q.sideRead[1],
		LeftFilter: x.filters[0], RightFilter: x.filters[1],
	}, nil
}

// SideRead is, for an interval join, which columns of the left (side 0)
// or right (side 1) stream the query reads, decodes and keeps; nil otherwise.
func (q *Query) SideRead(side int) []bool { return q.sideRead[side] }

// IntervalJoin describes a stream–stream join for the runner: the two
// sources (left, right) and their event-time columns; nil otherwise.
func (q *Query) IntervalJoin() (left, right *Stream, leftTime, rightTime int, ok bool) {
	if q.interval == nil {
		return nil, nil, 0, 0, false
	}
	s := q.interval
	return s.left, s.right, s.leftTime, s.rightTime, true
}

// joinExprs are a two-stream join's compiled expressions: each side's key
// and pushed-down filter over its own row, and the rest of ON over the
// joined row.
type joinExprs struct {
	keys, filters [2]runtime.Expr
	cond          runtime.Expr
}

// compileJoinExprs compiles the expressions interval and regular joins
// share; a nil filter or cond stays nil.
func (q *Query) compileJoinExprs(udfs udfBinder, sides [2]*Stream, keys, filters [2]sql.Expression, cond sql.Expression) (joinExprs, error) {
	var x joinExprs
	for i, side := range sides {
		env := envOver(side.Columns, udfs)
		k, err := env.compile(keys[i])
		if err != nil {
			return x, err
		}
		x.keys[i] = k.fn
		if filters[i] != nil {
			f, err := env.compile(filters[i])
			if err != nil {
				return x, err
			}
			x.filters[i] = f.fn
		}
	}
	if cond != nil {
		c, err := envOver(q.shape.inSchema, udfs).compile(cond)
		if err != nil {
			return x, err
		}
		x.cond = c.fn
	}
	return x, nil
}
