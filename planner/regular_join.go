package planner

import (
	"fmt"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/plan"

	"github.com/velort/velort/runtime"
)

// regularSpec is a regular (non-windowed) equi-join of two streams, at
// least one a changelog: ON l.k = r.k [AND …], INNER, LEFT, RIGHT or FULL. Both
// sides' live rows are kept by join key (runtime.RegularJoin); the output is
// a changelog keyed by the left row key and the right row key. The joined
// row is go-mysql-server's: the left child's columns, then the right's.
type regularSpec struct {
	left, right       *Stream
	leftKey, rightKey sql.Expression // over each side's own row
	cond              sql.Expression // the rest of ON, over the joined row
	// WHERE conditions go-mysql-server pushed onto one side, over that
	// side's own row: a row failing them is absent.
	leftFilter, rightFilter sql.Expression
	preserve                int // runtime.LeftSide (LEFT JOIN), RightSide (RIGHT JOIN), BothSides (FULL JOIN) or -1
	// windowEnd, of a window join (two append-only inputs, isWindowJoin),
	// is each side's window_end column; nil otherwise.
	windowEnd []int
	// where, over the joined row: the side filters go-mysql-server pushed
	// below a FULL JOIN, which must apply to the joined rows instead.
	where sql.Expression
	// repart: the sides the runner repartitions by their join key into
	// the query's partitions (RegularJoinForward), set by
	// refuseRegularJoin; a side read directly is partitioned by its join
	// column into as many partitions (or both have one).
	repart [2]bool
	// exchange: the sides to repartition are on JetStream; the composer
	// reads each through a stage partitioned by its join column instead
	// (exchange.go).
	exchange bool
	// refusal: why the join cannot run, reported at the JOIN by
	// refuseRegularJoin ("" when it can).
	refusal string
	plan    *Plan
	query   string // the query's name
}

// decomposeRegularJoin fills q.regular from a JoinNode over two streams.
func (q *Query) decomposeRegularJoin(j *plan.JoinNode, l, r *Stream, lf, rf sql.Expression) error {
	spec := &regularSpec{left: l, right: r, leftFilter: lf, rightFilter: rf, preserve: -1, plan: q.plan, query: q.Name}
	q.regular = spec
	refuse := func(format string, args ...any) error {
		spec.refusal = fmt.Sprintf(format, args...)
		return nil
	}
	if why := q.plan.refuseAppendOnlyTable(l, r); why != "" {
		return refuse("%s", why)
	}
	if !l.Changelog && !r.Changelog && isWindowJoin(j, l, r) {
		spec.windowEnd = []int{l.Columns.Index("window_end"), r.Columns.Index("window_end")}
		if !j.Op.IsInner() && j.Op != plan.JoinTypeHash && j.Op != plan.JoinTypeLookup && j.Op != plan.JoinTypeMerge {
			return refuse("a window join (ON … window_start = … window_start) of two append-only streams is an INNER join for now: expected [INNER] JOIN")
		}
	}
	switch {
	case j.Op.IsFullOuter():
		spec.preserve = runtime.BothSides
	case j.Op.IsLeftOuter():
		spec.preserve = runtime.LeftSide
	case j.Op.IsRightOuter():
		spec.preserve = runtime.RightSide
	case j.Op.IsInner(), j.Op == plan.JoinTypeHash, j.Op == plan.JoinTypeLookup, j.Op == plan.JoinTypeMerge:
	default:
		return refuse("join type %s over a changelog is not supported: expected [INNER] JOIN, LEFT JOIN, RIGHT JOIN or FULL JOIN", j.Op)
	}
	nl := len(spec.left.Columns)
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
	// The join key: an equality of the two sides' columns — of their
	// partition key columns if there is one (no repartition then), else
	// the first.
	conds := splitAnd(j.JoinCond())
	pick, pickKey := -1, false
	var pl, pr sql.Expression
	for i, c := range conds {
		x, ok := c.(*expression.Equals)
		if !ok {
			continue
		}
		l, r := x.Left(), x.Right()
		if side(l) == 1 && side(r) == 0 {
			l, r = r, l
		}
		if side(l) != 0 || side(r) != 1 {
			continue
		}
		r = rebase(r, -nl)
		onKeys := isKeyColumn(l, spec.left) && isKeyColumn(r, spec.right)
		if pick < 0 || onKeys && !pickKey {
			pick, pickKey, pl, pr = i, onKeys, l, r
		}
	}
	var rest []sql.Expression
	for i, c := range conds {
		if i == pick {
			spec.leftKey, spec.rightKey = pl, pr
			continue
		}
		rest = append(rest, c)
	}
	if spec.leftKey == nil {
		return refuse("a join over a changelog needs an equality of the two streams' columns in ON (ON a.k = b.k): a join without one would pair every row with every row")
	}
	for _, r := range rest {
		if spec.cond == nil {
			spec.cond = r
		} else {
			spec.cond = expression.NewAnd(spec.cond, r)
		}
	}
	if spec.preserve == runtime.BothSides {
		// Both sides keep their rows without a match, so a WHERE condition
		// on either side's columns cannot drop that side's rows before the
		// join (a dropped row would leave the other side's row NULL-padded,
		// and a NULL-padded row would escape the condition):
		// go-mysql-server pushes it there anyway, and it goes back above.
		for _, f := range []sql.Expression{spec.leftFilter, rebaseOpt(spec.rightFilter, nl)} {
			switch {
			case f == nil:
			case spec.where == nil:
				spec.where = f
			default:
				spec.where = expression.NewAnd(spec.where, f)
			}
		}
		spec.leftFilter, spec.rightFilter = nil, nil
	}
	return nil
}

func rebaseOpt(e sql.Expression, by int) sql.Expression {
	if e == nil {
		return nil
	}
	return rebase(e, by)
}

// refuseRegularJoin refuses what a regular join cannot run yet, at the
// JOIN keyword: one side on JetStream and the other not, and inputs that
// one loop per partition cannot read together.
func (q *Query) refuseRegularJoin(p *parser) *Error {
	s := q.regular
	at := q.pos
	if t, ok := firstKeyword(p.queryTokens(), "JOIN"); ok {
		at = t.start
	}
	if s.refusal != "" {
		return p.src.errorAt(at, "%s", s.refusal)
	}
	if (s.left.JetStream != "") != (s.right.JetStream != "") {
		if q.plan.SourceTable(s.left) != nil || q.plan.SourceTable(s.right) != nil {
			return p.src.errorAt(at, "a join over a changelog of a KV table and a JetStream stream (%s) is not supported yet: the join's state is checkpointed with its streams' positions, and a table has none; expected a stream without jetstream", jetName(s))
		}
		return p.src.errorAt(at, "a join over a changelog reads both streams as JetStream consumers or both from core NATS: %s is on JetStream and the other is not; expected jetstream on both, or on neither", jetName(s))
	}
	if table, e := q.refuseTableJoin(p, at); e != nil {
		return e
	} else if !table {
		// One loop per partition of the FROM stream reads both sides: a
		// side not partitioned by its join column into as many partitions
		// is repartitioned by it first (a loop per partition of the side
		// forwards each record, over velort's internal subjects, to the
		// partition its join key hashes to).
		n := q.Source.Partitions
		for i, side := range [2]*Stream{s.left, s.right} {
			key := [2]sql.Expression{s.leftKey, s.rightKey}[i]
			s.repart[i] = side.Partitions != n || n > 1 && !isKeyColumn(key, side)
		}
		if (s.repart[0] || s.repart[1]) && (s.left.JetStream != "" || s.right.JetStream != "") && p.exchangeJoins && s.exchangeable() {
			s.exchange = true // the composer reads the sides through stages (exchange.go)
		} else if (s.repart[0] || s.repart[1]) && (s.left.JetStream != "" || s.right.JetStream != "") {
			return p.src.errorAt(at, "a join of JetStream streams not partitioned alike by the join column reads each such side through a stage partitioned by its join column, which a changelog keyed by another column (or a join key that is an expression) cannot be: %s (%s) and %s (%s); expected both partitioned by the join column (%s and %s) into the same partitions, or streams without jetstream",
				s.left.Name, partText(s.left), s.right.Name, partText(s.right), s.leftKey, s.rightKey)
		}
		if n > 1 && q.Kind == "group" && s.repart[s.sideOfStream(q.Source)] && !s.exchange {
			return p.src.errorAt(at, "a GROUP BY over a join on %d partitions whose FROM stream %s is repartitioned by the join column (%s) is not supported yet; expected %s partitioned by the join column, or partitions = 1",
				n, q.Source.Name, partText(q.Source), q.Source.Name)
		}
	}
	// Keys are matched by their value's text (runtime.AppendValueKey), where
	// 1, '1' and 1.0 differ: the two sides' key types must be the same.
	lk, lerr := envOver(s.left.Columns, typeOnlyUDFs{}).compile(s.leftKey)
	rk, rerr := envOver(s.right.Columns, typeOnlyUDFs{}).compile(s.rightKey)
	if lerr == nil && rerr == nil && (lk.typ != rk.typ && lk.typ != runtime.TNull && rk.typ != runtime.TNull || lk.typ == runtime.TDecimal && lk.scale != rk.scale) {
		return p.src.errorAt(at, "the join keys %s (%s) and %s (%s) have different types: a join over a changelog matches keys of one type; expected CAST(… AS …) of one side to the other's type", s.leftKey, typeText(lk), s.rightKey, typeText(rk))
	}
	if q.Kind == "group" && q.NeedsRepartition() && !s.exchange { // with stages, the query planned again decides
		return p.src.errorAt(at, "a GROUP BY over a join over a changelog on %d partitions must group by the partition key (%s): repartitioning a join's output is not supported yet; expected GROUP BY the join column, or partitions = 1",
			q.Source.Partitions, strings.Join(q.Source.Key, ", "))
	}
	return nil
}

// sideOfStream is the side of the join that src is (the left for a self-join).
func (s *regularSpec) sideOfStream(src *Stream) int {
	if s.left == src {
		return runtime.LeftSide
	}
	return runtime.RightSide
}

// RegularJoinForward tells whether the runner repartitions side of a
// regular join by its join key (ok), and returns that key compiled over
// the side's own row.
func (q *Query) RegularJoinForward(side int, udfs UDFs) (key runtime.Expr, ok bool, err error) {
	s := q.regular
	if s == nil || !s.repart[side] {
		return nil, false, nil
	}
	st, e := s.left, s.leftKey
	if side == runtime.RightSide {
		st, e = s.right, s.rightKey
	}
	c, err := envOver(st.Columns, udfs).compile(e)
	if err != nil {
		return nil, false, err
	}
	return c.fn, true, nil
}

// RegularJoinForwardSubject is the internal subject carrying side's
// records from its partition src to the join's partition target;
// RegularJoinForwardWildcard is what partition target reads of that side.
func (q *Query) RegularJoinForwardSubject(side, target, src int) string {
	return fmt.Sprintf("_velort.repart.%s.join%d.%d.%d", strings.ToLower(q.Name), side, target, src)
}

func (q *Query) RegularJoinForwardWildcard(side, target int) string {
	return fmt.Sprintf("_velort.repart.%s.join%d.%d.*", strings.ToLower(q.Name), side, target)
}

func jetName(s *regularSpec) string {
	if s.left.JetStream != "" {
		return s.left.Name
	}
	return s.right.Name
}

func partText(s *Stream) string {
	if s.Partitions <= 1 {
		return "partitions = 1"
	}
	return fmt.Sprintf("partitions = %d, key = '%s'", s.Partitions, strings.Join(s.Key, ", "))
}

// regularOutKey names the two parts of a regular join's output key.
func (q *Query) regularOutKey() (names []string, cols []int) {
	name := func(s *Stream) string {
		if !s.Changelog {
			return s.Name + " arrival"
		}
		return s.Name + "(" + strings.Join(s.ChangelogKey, ", ") + ")"
	}
	if q.regular.repart[0] || q.regular.repart[1] {
		return []string{name(q.regular.left), name(q.regular.right), "join key"}, []int{-1, -1, -1}
	}
	return []string{name(q.regular.left), name(q.regular.right)}, []int{-1, -1}
}

// markRegularReads sets the read sets of a regular join from wide, the
// joined row's columns the query reads: each side's (q.sideRead) with its
// join key, filter and changelog key, and q.Read for src.
func (q *Query) markRegularReads(wide []bool, src *Stream) {
	s := q.regular
	if s.cond != nil {
		markRead(wide, s.cond)
	}
	if s.where != nil {
		markRead(wide, s.where)
	}
	nl := len(s.left.Columns)
	l, r := append([]bool(nil), wide[:nl]...), append([]bool(nil), wide[nl:]...)
	markRead(l, s.leftKey)
	markRead(r, s.rightKey)
	if s.leftFilter != nil {
		markRead(l, s.leftFilter)
	}
	if s.rightFilter != nil {
		markRead(r, s.rightFilter)
	}
	for _, k := range s.left.changelogKeyIdx {
		l[k] = true
	}
	if s.windowEnd != nil {
		l[s.windowEnd[0]], r[s.windowEnd[1]] = true, true
	}
	for _, k := range s.right.changelogKeyIdx {
		r[k] = true
	}
	q.sideRead = [2][]bool{l, r}
	for i := range q.Read {
		q.Read[i] = (s.left == src && l[i]) || (s.right == src && r[i])
	}
}

// compileRegular builds the runtime join.
func (q *Query) compileRegular(udfs udfBinder) (*runtime.RegularJoin, error) {
	s := q.regular
	x, err := q.compileJoinExprs(udfs, [2]*Stream{s.left, s.right}, [2]sql.Expression{s.leftKey, s.rightKey}, [2]sql.Expression{s.leftFilter, s.rightFilter}, s.cond)
	if err != nil {
		return nil, err
	}
	var where runtime.Expr
	if s.where != nil {
		w, err := envOver(q.shape.inSchema, udfs).compile(s.where)
		if err != nil {
			return nil, err
		}
		where = w.fn
	}
	var windowEnd [2]int
	if s.windowEnd != nil {
		windowEnd = [2]int{s.windowEnd[0], s.windowEnd[1]}
	}
	return &runtime.RegularJoin{Where: where, JoinKeyInKey: s.repart[0] || s.repart[1], Window: s.windowEnd != nil, WindowEnd: windowEnd,
		LeftKey: x.keys[0], RightKey: x.keys[1], LeftWidth: len(s.left.Columns), RightWidth: len(s.right.Columns),
		Cond: x.cond, LeftFilter: x.filters[0], RightFilter: x.filters[1], Preserve: s.preserve,
		LeftKeep: q.sideRead[0], RightKeep: q.sideRead[1], AppendOnly: [2]bool{!s.left.Changelog, !s.right.Changelog},
		TTL: q.stateTTLMs(), EventTime: q.ttlEventTime(), TimeCol: [2]int{max(s.left.EventTimeIdx, 0), max(s.right.EventTimeIdx, 0)}, // state_ttl.go
	}, nil
}

// RegularJoin describes a regular join over changelogs for the runner: its
// left and right streams (the joined row's order); ok false otherwise.
// SideRead gives each side's columns to decode.
func (q *Query) RegularJoin() (left, right *Stream, ok bool) {
	if q.regular == nil {
		return nil, nil, false
	}
	return q.regular.left, q.regular.right, true
}

// explainRegular is explain's line for a regular join.
func (s *regularSpec) explain(src *Stream) string {
	kind := "INNER"
	switch s.preserve {
	case runtime.LeftSide:
		kind = "LEFT"
	case runtime.RightSide:
		kind = "RIGHT"
	case runtime.BothSides:
		kind = "FULL"
	}
	if s.windowEnd != nil {
		kind += ", window join: a window's rows dropped once both inputs are past its window_end"
	}
	other := s.left
	if other == src {
		other = s.right
	}
	key, repart := "keyed by left row key | right row key", ""
	if s.windowEnd != nil {
		key = "append-only"
	}
	for i, side := range [2]*Stream{s.left, s.right} {
		if s.repart[i] {
			key = "keyed by left row key | right row key | join key"
			repart += fmt.Sprintf("; %s repartitioned by %s into %d partition(s) over _velort.repart.%s.join%d.<partition>.<%s partition>",
				side.Name, [2]sql.Expression{s.leftKey, s.rightKey}[i], src.Partitions, strings.ToLower(s.query), i, side.Name)
		}
	}
	return fmt.Sprintf("  regular join (%s) %s ⋈ %s on %s = %s: both sides' live rows kept by join key, output %s; also reads %s%s\n",
		kind, s.left.Name, s.right.Name, s.leftKey, s.rightKey, key, s.plan.tableJoinExplain(other, src.Partitions), repart)
}

// RegularJoinKeyCols is, for side (runtime.LeftSide or RightSide) of a
// regular join, the columns of that stream forming its changelog row key
// (a record without Velort-Key is keyed by them); nil for an append-only
// side or a key not in the payload.
func (q *Query) RegularJoinKeyCols(side int) []int {
	s := q.regular.left
	if side == runtime.RightSide {
		s = q.regular.right
	}
	if !s.Changelog || s.changelogKeyIdx == nil {
		return nil
	}
	return append([]int{}, s.changelogKeyIdx...)
}

// rowWidth is the number of columns of the row the query's WHERE and
// GROUP BY read, before the hidden window_start and window_end: the
// source's, or the joined row's for a join.
func (q *Query) rowWidth() int {
	n := len(q.shape.inSchema)
	if q.clauses.hasWindow {
		n -= 2
	}
	return n
}

func typeText(c compiled) string {
	if c.typ == runtime.TDecimal {
		return fmt.Sprintf("DECIMAL(…, %d)", c.scale)
	}
	return c.typ.String()
}
