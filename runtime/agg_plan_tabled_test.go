package runtime

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestTabledPlanMatchesCalledConditions: a group stage whose split
// conditions are all ranges (AggSpec.CondRange, at most maxTabled of them)
// runs a tabled plan (agg_plan.go tabulate/tabledArgs: the conditions
// become bits, hits and family masks come from tables), and gives the rows
// and checkpoints the same stage gives when its conditions are only the
// compiled closures (AggSpec.Cond, CondRange nil: the untabled plan), and
// the same rows as the stage without any plan (every argument loaded).
// Random aggregates over a few BIGINT columns with NULLs: COUNT(*),
// COUNT(col), COUNT(CASE WHEN r THEN 1 END), COUNT(CASE WHEN r THEN col
// END), COUNT(DISTINCT col), COUNT(DISTINCT CASE WHEN r THEN col END)
// (several on a column, so that families form), SUM and MAX of CASE WHEN r
// THEN col END; ranges empty, full, single-valued, one-sided and at the
// int64 bounds, shared (one CondID) or not; up to 7 conditions, so that
// the untabled path is taken too. The tabled stage never calls Cond.
// Fails when a range is checked wrongly at a bound, when a count of a NULL
// column is not dropped, or when a table row is built for the wrong
// condition bits.
func TestTabledPlanMatchesCalledConditions(t *testing.T) {
	forSeeds(t, 0x7ab1ed, 0xc0de5, func(t *testing.T, rng *rand.Rand) {
		var tabled, untabled, withFams int
		for k := range 40 {
			tb, fams := tbCase(t, rng, k)
			if tb {
				tabled++
			} else {
				untabled++
			}
			if fams {
				withFams++
			}
			if t.Failed() {
				return
			}
		}
		if tabled == 0 || untabled == 0 || withFams == 0 {
			t.Fatalf("cases: %d tabled, %d untabled, %d with families; want some of each", tabled, untabled, withFams)
		}
	})
}

// tbRange draws a range of column col whose bounds often fall on the
// column's values (0..9), or are empty, full, single-valued or at the
// int64 bounds.
func tbRange(rng *rand.Rand, col int) IntRange {
	c := func() int64 { return rng.Int64N(13) - 2 }
	g := IntRange{Col: col, Lo: math.MinInt64, Hi: math.MaxInt64}
	switch rng.IntN(12) {
	case 0: // empty
		switch rng.IntN(3) {
		case 0:
			g.Lo, g.Hi = 1, 0
		case 1:
			g.Lo, g.Hi = math.MaxInt64, math.MinInt64
		default:
			g.Lo = c()
			g.Hi = g.Lo - 1 - rng.Int64N(3)
		}
	case 1: // full
	case 2: // single value
		g.Lo = c()
		g.Hi = g.Lo
	case 3: // x >= k
		g.Lo = c()
	case 4: // x <= k
		g.Hi = c()
	case 5: // the bounds themselves
		switch rng.IntN(4) {
		case 0:
			g.Hi = math.MinInt64
		case 1:
			g.Lo = math.MaxInt64
		case 2:
			g.Lo = math.MinInt64 + 1
		default:
			g.Hi = math.MaxInt64 - 1
		}
	default: // lo <= x <= hi
		a, b := c(), c()
		g.Lo, g.Hi = min(a, b), max(a, b)
	}
	return g
}

// tbCondCalls counts the calls of the closures tbCond makes.
var tbCondCalls int

// tbCond is the compiled form of g, as a comparison returns it: NULL for
// a NULL column, else whether lo <= x <= hi.
func tbCond(g IntRange) Expr {
	return func(_ *Ctx, r Row) Value {
		tbCondCalls++
		x := r[g.Col]
		if x.T == TNull {
			return Null
		}
		return Bool(x.I >= g.Lo && x.I <= g.Hi)
	}
}

// tbRow draws an input row [key, c1..c4]: c1, c2, c4 small; c3 also at
// the int64 bounds; each value column NULL one time in eight.
func tbRow(rng *rand.Rand) Row {
	r := Row{Int(rng.Int64N(5)), Int(rng.Int64N(10)), Int(rng.Int64N(10) - 2), Int(rng.Int64N(10)), Int(rng.Int64N(3))}
	switch rng.IntN(10) {
	case 0:
		r[3] = Int(math.MinInt64)
	case 1:
		r[3] = Int(math.MaxInt64)
	case 2:
		r[3] = Int(math.MaxInt64 - 1)
	}
	for i := 1; i < len(r); i++ {
		if rng.IntN(8) == 0 {
			r[i] = Null
		}
	}
	return r
}

// tbAggs draws the aggregates of one case with n condition slots.
func tbAggs(rng *rand.Rand, n int) []AggSpec {
	one := func(*Ctx, Row) Value { return Int(1) }
	distCol := func() int { return []int{1, 3, 3, 4, 2}[rng.IntN(5)] } // families form on 3 (and 1)
	var aggs []AggSpec
	for s := range n {
		g := tbRange(rng, 1+rng.IntN(4))
		cond := tbCond(g)
		id, uses := 0, 1
		if rng.IntN(3) > 0 {
			id, uses = s+1, 1+rng.IntN(3)
		}
		for u := range uses {
			kind := rng.IntN(6)
			if s == 0 && u == 0 {
				kind = 0 // a planned count: the stage always has a plan
			}
			sp := AggSpec{Cond: cond, CondID: id, ResultType: TInt, ArgType: TInt, CondRange: &g}
			switch kind {
			case 0: // COUNT(CASE WHEN g THEN 1 END)
				sp.Func, sp.Then, sp.ThenConst, sp.Arg = Count, one, true, stCase(cond, one)
			case 1, 2: // COUNT(CASE WHEN g THEN col END), COUNT(DISTINCT CASE WHEN g THEN col END)
				col := 1 + rng.IntN(4)
				sp.Func = Count
				if kind == 2 {
					sp.Func, col = CountDistinct, distCol()
				}
				sp.ThenIsCol, sp.ThenCol, sp.Then, sp.Arg = true, col, stCol(col), stCase(cond, stCol(col))
			case 3, 4: // SUM / MAX(CASE WHEN g THEN col END); no SUM of c3 (it would overflow)
				col := []int{1, 2, 4}[rng.IntN(3)]
				sp.Func = Sum
				if kind == 4 {
					sp.Func, col = Max, 1+rng.IntN(4)
				}
				sp.ThenIsCol, sp.ThenCol, sp.Then, sp.Arg = true, col, stCol(col), stCase(cond, stCol(col))
			default: // COUNT(DISTINCT CASE WHEN g THEN c3 END): a family's member
				sp.Func, sp.ThenIsCol, sp.ThenCol, sp.Then, sp.Arg = CountDistinct, true, 3, stCol(3), stCase(cond, stCol(3))
			}
			aggs = append(aggs, sp)
		}
	}
	plain := func(f AggFunc, col int) AggSpec {
		return AggSpec{Func: f, Arg: stCol(col), ArgIsCol: true, ArgCol: col, ArgType: TInt, ResultType: TInt}
	}
	if rng.IntN(2) == 0 {
		aggs = append(aggs, AggSpec{Func: CountStar, ResultType: TInt})
	}
	for range rng.IntN(3) {
		aggs = append(aggs, plain(Count, 1+rng.IntN(4)))
	}
	for range rng.IntN(3) {
		aggs = append(aggs, plain(CountDistinct, distCol()))
	}
	if rng.IntN(3) == 0 {
		aggs = append(aggs, plain(Max, 1+rng.IntN(4)))
	}
	rng.Shuffle(len(aggs), func(i, j int) { aggs[i], aggs[j] = aggs[j], aggs[i] })
	return aggs
}

// tbDescribe renders aggregates for a failure message.
func tbDescribe(aggs []AggSpec) string {
	var b strings.Builder
	for j, sp := range aggs {
		fmt.Fprintf(&b, "\n  %d: %v", j, sp.Func)
		switch {
		case sp.Cond != nil:
			g := sp.CondRange
			fmt.Fprintf(&b, " CASE WHEN %d <= c%d <= %d (id %d) THEN ", g.Lo, g.Col, g.Hi, sp.CondID)
			if sp.ThenConst {
				b.WriteString("1")
			} else {
				fmt.Fprintf(&b, "c%d", sp.ThenCol)
			}
		case sp.ArgIsCol:
			fmt.Fprintf(&b, " c%d", sp.ArgCol)
		}
	}
	return b.String()
}

// tbCase runs one random set of aggregates under each window kind and
// reports whether its stage was tabled and had a shared family.
func tbCase(t *testing.T, rng *rand.Rand, k int) (tabled, fams bool) {
	t.Helper()
	n := 1 + rng.IntN(6)
	if rng.IntN(4) == 0 {
		n = 7 // more conditions than a table takes
	}
	aggs := tbAggs(rng, n)
	var rows []Row
	for range 300 + rng.IntN(300) {
		rows = append(rows, tbRow(rng))
	}
	wins := []struct {
		win       WindowSpec
		changelog bool
	}{{WindowSpec{Kind: NoWindow}, false}, {WindowSpec{Kind: NoWindow}, true}, {WindowSpec{Kind: Tumble, Size: 300}, false}, {WindowSpec{Kind: Hop, Size: 400, Slide: 200}, false}}
	for _, w := range wins {
		what := fmt.Sprintf("case %d (%d conditions, %v, changelog %v):%s", k, n, w.win, w.changelog, tbDescribe(aggs))
		mk := func(ranges bool) *groupStage {
			a := slices.Clone(aggs)
			if !ranges {
				for j := range a {
					a[j].CondRange = nil
				}
			}
			cfg := GroupConfig{Keys: []Expr{stCol(0)}, KeyTypes: []Type{TInt}, KeyCols: []int{0}, Aggs: a, Window: w.win, Changelog: w.changelog}
			return NewGroupStage(cfg).(*groupStage)
		}
		tab, called, ref := mk(true), mk(false), mk(false)
		ref.fams, ref.famOf, ref.plan = nil, nil, nil
		ref.ownSets = ref.ownSetsOf()
		if tab.conds == nil || len(tab.conds.val) != n || len(called.conds.val) != n {
			t.Fatalf("%s\ncondition slots: want %d", what, n)
		}
		if tab.plan == nil || called.plan == nil {
			t.Fatalf("%s\nno plan (tabled %v, called %v)", what, tab.plan != nil, called.plan != nil)
		}
		if got := tab.plan.tabled; got != (n <= maxTabled) {
			t.Fatalf("%s\nstage with ranges tabled: %v, want %v", what, got, n <= maxTabled)
		}
		if called.plan.tabled {
			t.Fatalf("%s\nstage without ranges is tabled", what)
		}
		tabled, fams = tab.plan.tabled, len(tab.fams) > 0
		stages := []*groupStage{tab, called, ref}
		sinks := []*stSink{{}, {}, {}}
		calls := make([]int, 3)
		c := &Ctx{}
		var t0 int64
		for i, r := range rows {
			t0 += rng.Int64N(6)
			for x, s := range stages {
				c.Reset()
				before := tbCondCalls
				s.Process(c, r, t0, sinks[x])
				if c.Err != nil {
					sinks[x].lines = append(sinks[x].lines, "ERR "+c.Err.Error())
				}
				if i%97 == 0 {
					c.Reset()
					s.Advance(c, t0-30, sinks[x])
				}
				calls[x] += tbCondCalls - before
			}
			if i%150 == 0 || i == len(rows)-1 {
				a, err := tab.Snapshot(nil)
				if err != nil {
					t.Fatal(err)
				}
				b, err := called.Snapshot(nil)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(a, b) {
					t.Fatalf("%s\nrow %d: checkpoints differ (%d and %d bytes)", what, i, len(a), len(b))
				}
			}
		}
		for x, s := range stages {
			c.Reset()
			s.Advance(c, EndOfTime, sinks[x])
		}
		if calls[0] != 0 || calls[1] == 0 {
			t.Fatalf("%s\nCond called %d times by the stage with ranges, %d without; want 0 and more", what, calls[0], calls[1])
		}
		for x, name := range []string{"called", "unplanned"} {
			want, got := sinks[x+1].lines, sinks[0].lines
			if !slices.Equal(want, got) {
				for i := range min(len(want), len(got)) {
					if want[i] != got[i] {
						t.Fatalf("%s\nrow %d: ranges %s, %s %s", what, i, got[i], name, want[i])
					}
				}
				t.Fatalf("%s\n%d rows with ranges, %d %s", what, len(got), len(want), name)
			}
		}
		if len(sinks[0].lines) == 0 {
			t.Fatalf("%s\nno rows", what)
		}
	}
	return tabled, fams
}
