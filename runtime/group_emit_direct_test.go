package runtime

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestEmitDirectMatchesGeneralPath: a changelog GROUP BY without window
// over an append-only input, through a Pipeline whose projection
// permutes (and repeats) the stage's columns, so that emitDirect's runs of
// count columns gather count slots out of order, emits the rows, ops and
// keys the same pipeline emits when one output column is computed (which
// sends every row through fillRow and recordKeyed). Fails when a run of
// counts reads its slots in order instead of through emitSlots, or when a
// column takes another's source.
func TestEmitDirectMatchesGeneralPath(t *testing.T) {
	forSeeds(t, 0xd1ec7, 0x9a7, func(t *testing.T, rng *rand.Rand) {
		unordered := 0
		for k := range 30 {
			if edCase(t, rng, k) {
				unordered++
			}
			if t.Failed() {
				return
			}
		}
		if unordered == 0 {
			t.Fatal("no case gathered a run of counts out of slot order")
		}
	})
}

// edCase runs one random projection; it reports whether a run of count
// columns read its slots out of order.
func edCase(t *testing.T, rng *rand.Rand, k int) bool {
	t.Helper()
	g := IntRange{Col: 2, Lo: 2, Hi: 6}
	cond := tbCond(g)
	one := func(*Ctx, Row) Value { return Int(1) }
	plain := func(f AggFunc, col int) AggSpec {
		return AggSpec{Func: f, Arg: stCol(col), ArgIsCol: true, ArgCol: col, ArgType: TInt, ResultType: TInt}
	}
	aggs := []AggSpec{
		{Func: CountStar, ResultType: TInt},
		{Func: Count, Arg: stCase(cond, one), Cond: cond, CondID: 1, Then: one, ThenConst: true, CondRange: &g, ResultType: TInt},
		plain(CountDistinct, 1),
		{Func: CountDistinct, Arg: stCase(cond, stCol(1)), Cond: cond, CondID: 1, ThenIsCol: true, ThenCol: 1, CondRange: &g, ArgType: TInt, ResultType: TInt},
		plain(Sum, 2),
		plain(Count, 2),
		plain(Max, 1),
		{Func: Count, Arg: stCase(cond, stCol(1)), Cond: cond, CondID: 1, ThenIsCol: true, ThenCol: 1, CondRange: &g, ArgType: TInt, ResultType: TInt},
	}
	rng.Shuffle(len(aggs), func(i, j int) { aggs[i], aggs[j] = aggs[j], aggs[i] })
	width := 1 + len(aggs) + 2
	var cols []int
	for _, c := range rng.Perm(width) {
		cols = append(cols, c)
		if rng.IntN(5) == 0 {
			cols = append(cols, rng.IntN(width)) // a column twice
		}
	}
	mk := func(computed int) (*Pipeline, *groupStage) {
		cfg := GroupConfig{Keys: []Expr{stCol(0)}, KeyTypes: []Type{TInt}, KeyCols: []int{0}, Aggs: slices.Clone(aggs), Changelog: true}
		st := NewGroupStage(cfg).(*groupStage)
		proj := make([]Expr, len(cols))
		for i, c := range cols {
			proj[i] = stCol(c)
		}
		p := NewPipeline(nil, st, nil, proj)
		p.ProjectCols = slices.Clone(cols)
		if computed >= 0 {
			p.ProjectCols[computed] = -1
		}
		p.Changelog = true
		p.OutKey = func(dst []byte, r Row) []byte { return AppendKeyText(dst, r[0]) }
		return p, st
	}
	direct, dst := mk(-1)
	general, gst := mk(rng.IntN(len(cols)))
	if dst.plan == nil {
		t.Fatalf("case %d: no plan", k)
	}
	c := &Ctx{}
	for i := range 400 {
		r := Row{Int(rng.Int64N(6)), Int(rng.Int64N(8)), Int(rng.Int64N(9))}
		if rng.IntN(6) == 0 {
			r[1+rng.IntN(2)] = Null
		}
		var lines [2][]string
		for x, p := range []*Pipeline{direct, general} {
			c.Reset()
			outs := p.Execute(c, r, int64(i))
			if c.Err != nil {
				lines[x] = append(lines[x], "ERR "+c.Err.Error())
				continue
			}
			lines[x] = chLines(p, outs)
		}
		if !slices.Equal(lines[0], lines[1]) {
			t.Fatalf("case %d, projection %v, record %d %s:\n direct  %q\n general %q", k, cols, i, stFmt(r), lines[0], lines[1])
		}
	}
	if dst.direct != 1 || gst.direct != -1 {
		t.Fatalf("case %d: direct emit %d and %d, want 1 and -1", k, dst.direct, gst.direct)
	}
	for _, e := range dst.emitRuns {
		if e.kind == srcCounts && e.n > 1 {
			sl := dst.emitSlots[e.idx : e.idx+e.n]
			if !slices.IsSorted(sl) || !slicesConsecutive(sl) {
				return true
			}
		}
	}
	return false
}

// slicesConsecutive reports whether sl is a, a+1, a+2, ...
func slicesConsecutive(sl []int32) bool {
	for i := 1; i < len(sl); i++ {
		if sl[i] != sl[i-1]+1 {
			return false
		}
	}
	return true
}

// TestEmitDirectAfterAnotherWriter: once another writer (recordKeyed)
// has put other values into the output row emitDirect wrote last, its
// next row is written whole again, not only the counts' integers. Fails
// when recordKeyed leaves the row marked as emitDirect's.
func TestEmitDirectAfterAnotherWriter(t *testing.T) {
	g := IntRange{Col: 1, Lo: 2, Hi: 6}
	cond := tbCond(g)
	one := func(*Ctx, Row) Value { return Int(1) }
	aggs := []AggSpec{
		{Func: CountStar, ResultType: TInt},
		{Func: Count, Arg: stCase(cond, one), Cond: cond, CondID: 1, Then: one, ThenConst: true, CondRange: &g, ResultType: TInt},
	}
	mk := func(general bool) *Pipeline {
		cfg := GroupConfig{Keys: []Expr{stCol(0)}, KeyTypes: []Type{TInt}, KeyCols: []int{0}, Aggs: slices.Clone(aggs), Changelog: true}
		p := NewPipeline(nil, NewGroupStage(cfg), nil, []Expr{stCol(0), stCol(1), stCol(2)})
		p.ProjectCols = []int{0, 1, 2}
		if general {
			p.ProjectCols[0] = -1
		}
		p.Changelog = true
		p.OutKey = func(dst []byte, r Row) []byte { return AppendKeyText(dst, r[0]) }
		return p
	}
	direct, general := mk(false), mk(true)
	c := &Ctx{}
	step := func(r Row) {
		t.Helper()
		var lines [2][]string
		for x, p := range []*Pipeline{direct, general} {
			c.Reset()
			lines[x] = chLines(p, p.Execute(c, r, 0))
			if c.Err != nil {
				t.Fatal(c.Err)
			}
		}
		if !slices.Equal(lines[0], lines[1]) {
			t.Fatalf("record %s:\n direct  %q\n general %q", stFmt(r), lines[0], lines[1])
		}
	}
	for i := range 4 {
		step(Row{Int(7), Int(int64(i))})
	}
	if direct.Stage.(*groupStage).direct != 1 {
		t.Fatal("emitDirect not used")
	}
	direct.nouts = 0
	direct.recordKeyed(c, Row{String([]byte("a")), Double(1.5), String([]byte("b"))}, OpUpsert, []byte("other"))
	step(Row{Int(7), Int(3)})
	step(Row{Int(7), Int(9)})
}
