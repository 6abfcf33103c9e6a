package runtime

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// Tests of the group stage over changelogs: retraction (GroupConfig.Retract)
// and changelog output (GroupConfig.Changelog), through a real Pipeline.

// chPipe builds a pipeline over a group stage whose output is a changelog
// keyed by the group keys; the projection is the stage row without the
// window columns (unless windowed).
func chPipe(cfg GroupConfig, having Expr) *Pipeline {
	st := NewGroupStage(cfg)
	w := cfg.OutputWidth()
	if cfg.Window.Kind == NoWindow {
		w -= 2
	}
	proj := make([]Expr, w)
	cols := make([]int, w)
	for i := range proj {
		proj[i] = stCol(i)
		cols[i] = i
	}
	p := NewPipeline(nil, st, having, proj)
	p.ProjectCols = cols
	p.Changelog = true
	nk := len(cfg.Keys)
	win := cfg.Window.Kind != NoWindow
	p.OutKey = func(dst []byte, r Row) []byte {
		for i := range nk {
			if i > 0 {
				dst = append(dst, '|')
			}
			dst = AppendKeyText(dst, r[i])
		}
		if win {
			dst = append(dst, '|')
			dst = AppendKeyText(dst, r[cfg.WindowStartCol()])
			dst = append(dst, '|')
			dst = AppendKeyText(dst, r[cfg.WindowEndCol()])
		}
		return dst
	}
	return p
}

// chLines renders the last outputs as "+key: row" (upsert) / "-key: row".
func chLines(p *Pipeline, outs []Row) []string {
	var lines []string
	for i, r := range outs {
		op := "+"
		if p.Ops()[i] == OpDelete {
			op = "-"
		}
		lines = append(lines, op+string(p.Keys()[i])+": "+stFmt(r))
	}
	return lines
}

// chChange runs one change and returns its output lines (or "ERR msg").
func chChange(t *testing.T, p *Pipeline, old, new Row) []string {
	t.Helper()
	c := &Ctx{}
	outs := p.ExecuteChange(c, old, new, nil, 0)
	if c.Err != nil {
		return []string{"ERR " + c.Err.Error()}
	}
	return chLines(p, outs)
}

func chExpect(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// genericCounts makes p's group stage keep every MIN/MAX value count in
// the generic counts (maps by the value's bytes, heaps), as for strings.
func genericCounts(p *Pipeline) {
	st := p.Stage.(*groupStage)
	st.initPicks()
	for o := range st.picks {
		st.setPickMode(o, pickGeneric)
	}
}

// numericLimit makes p's group stage count at most n distinct values of a
// cell numerically before falling back to the generic counts.
func numericLimit(p *Pipeline, n int) {
	st := p.Stage.(*groupStage)
	st.initPicks()
	for o := range st.picks {
		st.picks[o].numMax = n
	}
}

// chKV is an input row [k VARCHAR, v].
func chKV(k string, v Value) Row { return Row{stStr(k), v} }

func chCfg(aggs ...AggSpec) GroupConfig {
	return GroupConfig{Keys: []Expr{stCol(0)}, KeyTypes: []Type{TString}, KeyCols: []int{0},
		Aggs: aggs, Retract: true, Changelog: true}
}

func chAgg(f AggFunc, rt Type) AggSpec {
	a := AggSpec{Func: f, ResultType: rt, ArgType: TInt}
	if f != CountStar {
		a.Arg, a.ArgIsCol, a.ArgCol = stCol(1), true, 1
	}
	return a
}

// HAVING COUNT(*) >= 2 stops holding (delete of the row last upserted),
// then holds again (upsert); an update inside the group emits once.
func TestRetractHavingTurnsFalseThenTrue(t *testing.T) {
	cfg := chCfg(chAgg(CountStar, TInt), chAgg(Sum, TInt))
	having := func(_ *Ctx, r Row) Value { return Bool(r[1].I >= 2) }
	p := chPipe(cfg, having)
	a1, a2, a5, a7 := chKV("a", Int(1)), chKV("a", Int(2)), chKV("a", Int(5)), chKV("a", Int(7))
	chExpect(t, "first row: HAVING false", chChange(t, p, nil, a1))
	chExpect(t, "second row", chChange(t, p, nil, a2), "+a: 'a'|2|3")
	chExpect(t, "retract: HAVING false", chChange(t, p, a2, nil), "-a: 'a'|2|3")
	chExpect(t, "still false: nothing", chChange(t, p, a1, a5))
	chExpect(t, "true again", chChange(t, p, nil, a2), "+a: 'a'|2|7")
	chExpect(t, "update in the group: one upsert", chChange(t, p, a5, a7), "+a: 'a'|2|9")
	chExpect(t, "update turning HAVING false is impossible here; delete", chChange(t, p, a7, nil), "-a: 'a'|2|9")
}

// Append-only input, changelog output: HAVING that stops holding deletes.
func TestChangelogOutputHavingDeletes(t *testing.T) {
	cfg := chCfg(chAgg(Max, TInt))
	cfg.Retract = false
	having := func(_ *Ctx, r Row) Value { return Bool(r[1].I < 10) }
	p := chPipe(cfg, having)
	c := &Ctx{}
	run := func(r Row) []string { c.Reset(); return chLines(p, p.Execute(c, r, 0)) }
	chExpect(t, "max 3", run(chKV("a", Int(3))), "+a: 'a'|3")
	chExpect(t, "max 12: HAVING false", run(chKV("a", Int(12))), "-a: 'a'|3")
	chExpect(t, "still 12", run(chKV("a", Int(5))))
	chExpect(t, "other group", run(chKV("b", Int(1))), "+b: 'b'|1")
}

func TestRetractMinMaxCurrentExtreme(t *testing.T) {
	cfg := chCfg(chAgg(Min, TInt), chAgg(Max, TInt), chAgg(Count, TInt))
	p := chPipe(cfg, nil)
	r3, r5, r5b, r9 := chKV("a", Int(3)), chKV("a", Int(5)), chKV("a", Int(5)), chKV("a", Int(9))
	for _, r := range []Row{r5, r3, r9, r5b} {
		chChange(t, p, nil, r)
	}
	chExpect(t, "retract the minimum", chChange(t, p, r3, nil), "+a: 'a'|5|9|3")
	chExpect(t, "retract the maximum", chChange(t, p, r9, nil), "+a: 'a'|5|5|2")
	chExpect(t, "one copy of 5 left", chChange(t, p, r5, nil), "+a: 'a'|5|5|1")
	chExpect(t, "NULLs count nothing", chChange(t, p, nil, chKV("a", Null)), "+a: 'a'|5|5|1")
	chExpect(t, "only NULL left", chChange(t, p, r5b, nil), "+a: 'a'|NULL|NULL|0")
	// Strings and DECIMALs keep their bytes and scale.
	sp := chPipe(chCfg(chAgg(Min, TString), chAgg(Max, TString)), nil)
	x := Row{stStr("k"), stStr("pear")}
	y := Row{stStr("k"), stStr("apple")}
	chChange(t, sp, nil, x)
	chExpect(t, "min apple", chChange(t, sp, nil, y), "+k: 'k'|'apple'|'pear'")
	chExpect(t, "retract apple", chChange(t, sp, y, nil), "+k: 'k'|'pear'|'pear'")
	chExpect(t, "retract pear", chChange(t, sp, x, nil), "-k: 'k'|'pear'|'pear'")
	dp := chPipe(chCfg(chAgg(Max, TDecimal)), nil)
	d1, d2 := Row{stStr("k"), Decimal(150, 2)}, Row{stStr("k"), Decimal(275, 2)}
	chChange(t, dp, nil, d1)
	chChange(t, dp, nil, d2)
	chExpect(t, "decimal max retracted", chChange(t, dp, d2, nil), "+k: 'k'|1.50d")
}

func TestRetractCountDistinctLastOccurrence(t *testing.T) {
	sd := chAgg(Sum, TInt)
	sd.Distinct = true
	ad := chAgg(Avg, TDouble)
	ad.Distinct = true
	p := chPipe(chCfg(chAgg(CountDistinct, TInt), sd, ad), nil)
	one, oneB, two := chKV("a", Int(1)), chKV("a", Int(1)), chKV("a", Int(2))
	chChange(t, p, nil, one)
	chChange(t, p, nil, oneB)
	chExpect(t, "1,1,2", chChange(t, p, nil, two), "+a: 'a'|2|3|1.5")
	chExpect(t, "a copy of 1 left", chChange(t, p, one, nil), "+a: 'a'|2|3|1.5")
	chExpect(t, "last 1 retracted", chChange(t, p, oneB, nil), "+a: 'a'|1|2|2")
}

func TestRetractFirstLastValue(t *testing.T) {
	p := chPipe(chCfg(chAgg(FirstValue, TInt), chAgg(LastValue, TInt)), nil)
	x, y, z := chKV("a", Int(10)), chKV("a", Int(20)), chKV("a", Int(30))
	for _, r := range []Row{x, y, z} {
		chChange(t, p, nil, r)
	}
	chExpect(t, "retract the first", chChange(t, p, x, nil), "+a: 'a'|20|30")
	chExpect(t, "retract the last", chChange(t, p, z, nil), "+a: 'a'|20|20")
	chExpect(t, "a new last", chChange(t, p, nil, x), "+a: 'a'|20|10")
}

// A group whose rows are all retracted is deleted with the row last
// upserted, and its state freed; it comes back by upsert.
func TestRetractGroupEmptied(t *testing.T) {
	p := chPipe(chCfg(chAgg(CountStar, TInt), chAgg(Sum, TInt), chAgg(Min, TInt)), nil)
	a, b := chKV("a", Int(4)), chKV("b", Int(6))
	chChange(t, p, nil, a)
	chChange(t, p, nil, b)
	chExpect(t, "a emptied", chChange(t, p, a, nil), "-a: 'a'|1|4|4")
	st := p.Stage.(*groupStage)
	if st.keys.count != 1 || len(st.freeCells) != 1 {
		t.Errorf("emptied group kept: %d keys, %d free cells", st.keys.count, len(st.freeCells))
	}
	chExpect(t, "a back", chChange(t, p, nil, a), "+a: 'a'|1|4|4")
	chExpect(t, "move b's row to a: b deleted, a upserted", chChange(t, p, b, chKV("a", Int(1))),
		"-b: 'b'|1|6|6", "+a: 'a'|2|5|1")
	chExpect(t, "delete of a never inserted row: nothing", chChange(t, p, chKV("zz", Int(1)), nil))
}

// A global aggregate always has its row: emptied, it upserts COUNT 0, SUM NULL.
func TestRetractGlobalAggregateEmptied(t *testing.T) {
	cfg := GroupConfig{Aggs: []AggSpec{chAgg(CountStar, TInt), chAgg(Sum, TInt), chAgg(Avg, TDouble)},
		Retract: true, Changelog: true}
	p := chPipe(cfg, nil)
	r := chKV("x", Int(7))
	chExpect(t, "insert", chChange(t, p, nil, r), "+: 1|7|7")
	chExpect(t, "emptied", chChange(t, p, r, nil), "+: 0|NULL|NULL")
	chExpect(t, "again", chChange(t, p, nil, r), "+: 1|7|7")
	// With EmptyRow (the partition owning the empty key), a global
	// aggregate that saw nothing upserts its row at end of input.
	cfg.EmptyRow = true
	q := chPipe(cfg, nil)
	c := &Ctx{}
	chExpect(t, "empty input", chLines(q, q.Advance(c, EndOfTime)), "+: 0|NULL|NULL")
}

// EMIT FINAL without a window over a changelog: each live group once at
// end of input, append-only.
func TestRetractEmitFinal(t *testing.T) {
	cfg := chCfg(chAgg(CountStar, TInt), chAgg(Max, TInt))
	cfg.Emit, cfg.Changelog = EmitFinal, false
	st := NewGroupStage(cfg)
	p := NewPipeline(nil, st, nil, []Expr{stCol(0), stCol(1), stCol(2)})
	c := &Ctx{}
	a, b, b2 := chKV("a", Int(1)), chKV("b", Int(2)), chKV("b", Int(8))
	for _, ch := range [][2]Row{{nil, a}, {nil, b}, {nil, b2}, {b2, nil}, {a, nil}, {nil, a}, {a, nil}} {
		if outs := p.ExecuteChange(c, ch[0], ch[1], nil, 0); len(outs) != 0 || c.Err != nil {
			t.Fatalf("EMIT FINAL emitted before the end: %d rows, %v", len(outs), c.Err)
		}
	}
	var got []string
	for _, r := range p.Advance(c, EndOfTime) {
		got = append(got, stFmt(r))
	}
	chExpect(t, "end of input", got, "'b'|1|2")
	if p.Ops() != nil {
		t.Errorf("EMIT FINAL output has ops")
	}
	// A global EMIT FINAL emptied by retraction gives its empty-input row.
	gcfg := GroupConfig{Aggs: []AggSpec{chAgg(CountStar, TInt), chAgg(Sum, TInt)}, Retract: true, Emit: EmitFinal, EmptyRow: true}
	g := NewPipeline(nil, NewGroupStage(gcfg), nil, []Expr{stCol(0), stCol(1)})
	g.ExecuteChange(c, nil, a, nil, 0)
	g.ExecuteChange(c, a, nil, nil, 0)
	got = got[:0]
	for _, r := range g.Advance(c, EndOfTime) {
		got = append(got, stFmt(r))
	}
	chExpect(t, "global emptied", got, "0|NULL")
}

// A SUM overflow is a record error that leaves the state unchanged, for a
// retraction, an insertion, and a change whose insertion fails after its
// retraction succeeded.
func TestRetractSumOverflowLeavesStateUnchanged(t *testing.T) {
	p := chPipe(chCfg(chAgg(CountStar, TInt), chAgg(Sum, TInt), chAgg(Max, TInt)), nil)
	big, neg, one := chKV("a", Int(math.MaxInt64)), chKV("a", Int(-1)), chKV("a", Int(1))
	chChange(t, p, nil, big)
	chChange(t, p, nil, neg)
	chExpect(t, "max+1-1", chChange(t, p, nil, one), "+a: 'a'|3|9223372036854775807|9223372036854775807")
	chExpect(t, "retracting -1 overflows", chChange(t, p, neg, nil), "ERR "+errSumOverflow.Error())
	chExpect(t, "replacing 1 by 2 overflows", chChange(t, p, one, chKV("a", Int(2))), "ERR "+errSumOverflow.Error())
	chExpect(t, "state unchanged", chChange(t, p, nil, chKV("a", Int(0))), "+a: 'a'|4|9223372036854775807|9223372036854775807")
	// Two exact sums (checked before any change): the DECIMAL one overflows.
	dec := AggSpec{Func: Sum, ArgType: TDecimal, ResultType: TDecimal, Arg: func(_ *Ctx, r Row) Value { return Decimal(r[1].I, 2) }}
	q := chPipe(chCfg(chAgg(Sum, TInt), dec, chAgg(Min, TInt)), nil)
	chChange(t, q, nil, big)
	chChange(t, q, nil, neg)
	chChange(t, q, nil, one)
	chExpect(t, "two sums: retracting -1 overflows", chChange(t, q, neg, nil), "ERR "+errSumOverflow.Error())
	chExpect(t, "two sums: state unchanged", chChange(t, q, nil, chKV("a", Int(0))),
		"+a: 'a'|9223372036854775807|92233720368547758.07d|-1")
}

// DOUBLE sums are compensated: adding and removing values of different
// magnitudes returns exactly to the sum a batch recomputation gives.
func TestRetractDoubleSumCompensated(t *testing.T) {
	p := chPipe(chCfg(chAgg(Sum, TDouble), chAgg(Avg, TDouble)), nil)
	small := chKV("a", Double(0.1))
	huge := chKV("a", Double(1e17))
	chChange(t, p, nil, small)
	chChange(t, p, nil, huge)
	chExpect(t, "huge retracted", chChange(t, p, huge, nil), "+a: 'a'|0.1|0.1")
}

// Variance and standard deviation subtract.
func TestRetractVariance(t *testing.T) {
	p := chPipe(chCfg(chAgg(VarPop, TDouble), chAgg(VarSamp, TDouble), chAgg(StddevPop, TDouble)), nil)
	rows := []Row{chKV("a", Int(2)), chKV("a", Int(4)), chKV("a", Int(4)), chKV("a", Int(4)), chKV("a", Int(100))}
	for _, r := range rows {
		chChange(t, p, nil, r)
	}
	got := chChange(t, p, rows[4], nil)
	// 2,4,4,4: mean 3.5, squared deviations 2.25+3*0.25 = 3
	chExpect(t, "100 retracted", got, "+a: 'a'|0.75|1|0.8660254037844386")
	chChange(t, p, rows[0], nil)
	chChange(t, p, rows[1], nil)
	chExpect(t, "one value", chChange(t, p, rows[2], nil), "+a: 'a'|0|NULL|0")
}

// SESSION with changelog output: a session whose bounds change deletes its
// row under the old bounds.
func TestChangelogSessionBoundsChange(t *testing.T) {
	cfg := chCfg(chAgg(CountStar, TInt))
	cfg.Retract = false
	cfg.Window = WindowSpec{Kind: Session, Gap: 100}
	p := chPipe(cfg, nil)
	c := &Ctx{}
	run := func(t0 int64) []string { c.Reset(); return chLines(p, p.Execute(c, chKV("a", Int(1)), t0)) }
	chExpect(t, "first", run(100), "+a|100|200: 'a'|1|@100|@200")
	chExpect(t, "second session", run(250), "+a|250|350: 'a'|1|@250|@350")
	chExpect(t, "same bounds", run(100), "+a|100|200: 'a'|2|@100|@200")
	chExpect(t, "extended", run(120), "-a|100|200: 'a'|2|@100|@200", "+a|100|220: 'a'|3|@100|@220")
	chExpect(t, "bridging both", run(150),
		"-a|100|220: 'a'|3|@100|@220", "-a|250|350: 'a'|1|@250|@350", "+a|100|350: 'a'|5|@100|@350")
}

func TestChangeTableSnapshot(t *testing.T) {
	tb := NewChangeTable()
	tb.Apply(OpUpsert, []byte("k1"), []byte(`{"a":1}`))
	tb.Apply(OpUpsert, []byte("k2"), []byte(`{"a":2}`))
	tb.Apply(OpUpsert, []byte(""), []byte(`{}`))
	tb.Apply(OpDelete, []byte("k2"), nil)
	snap := tb.Snapshot(nil)
	again := tb.Snapshot(nil)
	if string(snap) != string(again) {
		t.Fatalf("snapshots of one table differ")
	}
	r := NewChangeTable()
	r.Put("stale", []byte("x"))
	if err := r.Restore(snap); err != nil {
		t.Fatal(err)
	}
	clear(snap)
	got := map[string]string{}
	r.Range(func(k string, v []byte) { got[k] = string(v) })
	if len(got) != 2 || got["k1"] != `{"a":1}` || got[""] != `{}` {
		t.Errorf("restored %v", got)
	}
	if err := r.Restore(again[:len(again)-1]); err == nil || r.Len() != 0 {
		t.Errorf("truncated snapshot: err %v, %d rows", err, r.Len())
	}
}

func TestValidateRetract(t *testing.T) {
	cfg := chCfg(chAgg(CountStar, TInt))
	cfg.Window = WindowSpec{Kind: Tumble, Size: 10}
	if err := ValidateGroupConfig(&cfg); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("window over changelog: %v", err)
	}
	cfg = chCfg(AggSpec{Func: UDF, UDF: nil, ResultType: TInt})
	if err := ValidateGroupConfig(&cfg); err == nil {
		t.Errorf("a user aggregate over a changelog accepted")
	}
}

// GROUP_CONCAT over a changelog: values in the arrival order of their
// first live copy, copies repeated (once with DISTINCT), cut at MaxLen;
// with ORDER BY, by the sort key.
func TestRetractGroupConcat(t *testing.T) {
	gc := chAgg(GroupConcat, TString)
	gc.Separator = []byte(",")
	gd := gc
	gd.Distinct = true
	gcut := gc
	gcut.MaxLen = 5
	ord := gc
	ord.Ordered = true
	ord.Arg, ord.ArgIsCol = OrderedConcatArg([]Expr{stCol(1)}, []bool{true}, []Expr{stCol(1)}), false
	p := chPipe(chCfg(gc, gd, gcut, ord), nil)
	x, y, x2, z := chKV("a", stStr("x")), chKV("a", stStr("yy")), chKV("a", stStr("x")), chKV("a", stStr("z"))
	chChange(t, p, nil, x)
	chChange(t, p, nil, y)
	chExpect(t, "x,yy,x", chChange(t, p, nil, x2), "+a: 'a'|'x,x,yy'|'x,yy'|'x,x,y'|'yy,x,x'")
	chExpect(t, "one x retracted", chChange(t, p, x, nil), "+a: 'a'|'x,yy'|'x,yy'|'x,yy'|'yy,x'")
	chExpect(t, "x replaced by z", chChange(t, p, x2, z), "+a: 'a'|'yy,z'|'yy,z'|'yy,z'|'z,yy'")
	chExpect(t, "NULL adds nothing", chChange(t, p, nil, chKV("a", Null)), "+a: 'a'|'yy,z'|'yy,z'|'yy,z'|'z,yy'")
	chChange(t, p, y, nil)
	chExpect(t, "only NULL left", chChange(t, p, z, nil), "+a: 'a'|NULL|NULL|NULL|NULL")
}

// A checkpoint keeps which rows are visible: after a restore, HAVING that
// stops holding still deletes the row upserted before the checkpoint.
func TestChangelogSnapshotKeepsVisibility(t *testing.T) {
	for _, retract := range []bool{false, true} {
		cfg := chCfg(chAgg(Max, TInt))
		cfg.Retract = retract
		having := func(_ *Ctx, r Row) Value { return Bool(r[1].I < 10) }
		p := chPipe(cfg, having)
		c := &Ctx{}
		chExpect(t, "max 3", chLines(p, p.ExecuteChange(c, nil, chKV("a", Int(3)), nil, 0)), "+a: 'a'|3")
		snap, err := p.Stage.(Checkpointer).Snapshot(nil)
		if err != nil {
			t.Fatal(err)
		}
		q := chPipe(cfg, having)
		if err := q.Stage.(Checkpointer).Restore(snap); err != nil {
			t.Fatal(err)
		}
		chExpect(t, "after restore: HAVING false deletes", chLines(q, q.ExecuteChange(c, nil, chKV("a", Int(12)), nil, 0)), "-a: 'a'|3")
		// A snapshot of an append-only stage does not restore into a
		// changelog one (and back).
		plain := cfg
		plain.Retract, plain.Changelog = false, false
		if err := NewGroupStage(plain).(Checkpointer).Restore(snap); err == nil {
			t.Errorf("retract=%v: changelog snapshot restored into an append-only stage", retract)
		}
	}
}

// retractingSumSquares is sumSquares with a retract export (CanRetract
// says whether the module has one).
type retractingSumSquares struct {
	*sumSquares
	can bool
}

func (u retractingSumSquares) Retract(_ *Ctx, h int64, v Value) error {
	if _, ok := u.states[h]; !ok {
		return errors.New("retract of a freed state")
	}
	x := aggToFloat(v)
	u.states[h] -= x * x
	return nil
}

func (u retractingSumSquares) CanRetract() bool { return u.can }

// A user aggregate with a retract export runs over a changelog; one
// without is refused.
func TestRetractUserAggregate(t *testing.T) {
	udf := AggSpec{Func: UDF, Arg: stCol(1), ArgType: TInt, ResultType: TDouble}
	for _, tc := range []struct {
		name string
		u    AggUDF
		ok   bool
	}{{"no Retract", newSumSquares(), false}, {"CanRetract false", retractingSumSquares{newSumSquares(), false}, false},
		{"retracts", retractingSumSquares{newSumSquares(), true}, true}} {
		u := udf
		u.UDF = tc.u
		cfg := chCfg(chAgg(CountStar, TInt), u)
		if err := ValidateGroupConfig(&cfg); (err == nil) != tc.ok {
			t.Errorf("%s: validate: %v", tc.name, err)
		}
	}
	u := udf
	sq := newSumSquares()
	u.UDF = retractingSumSquares{sq, true}
	p := chPipe(chCfg(chAgg(CountStar, TInt), u), nil)
	a3, a4 := chKV("a", Int(3)), chKV("a", Int(4))
	chChange(t, p, nil, a3)
	chExpect(t, "3²+4²", chChange(t, p, nil, a4), "+a: 'a'|2|25")
	chExpect(t, "3 replaced by NULL", chChange(t, p, a3, chKV("a", Null)), "+a: 'a'|2|16")
	chExpect(t, "4 moved to b as 1", chChange(t, p, a4, chKV("b", Int(1))), "+a: 'a'|1|0", "+b: 'b'|1|1")
	chExpect(t, "a deleted", chChange(t, p, chKV("a", Null), nil), "-a: 'a'|1|0")
	if len(sq.states) != 1 {
		t.Errorf("%d user aggregate states live, want 1 (group b)", len(sq.states))
	}
}

// Windowed EMIT CHANGES with a changelog output: each window's row is
// keyed by the group and the window bounds; HAVING that stops holding
// deletes the rows of every window the record joined.
func TestChangelogHopHaving(t *testing.T) {
	cfg := chCfg(chAgg(Max, TInt))
	cfg.Retract = false
	cfg.Window = WindowSpec{Kind: Hop, Size: 20, Slide: 10}
	having := func(_ *Ctx, r Row) Value { return Bool(r[1].I < 10) }
	p := chPipe(cfg, having)
	c := &Ctx{}
	run := func(v, t0 int64) []string { c.Reset(); return chLines(p, p.Execute(c, chKV("a", Int(v)), t0)) }
	chExpect(t, "3 at 15", run(3, 15), "+a|0|20: 'a'|3|@0|@20", "+a|10|30: 'a'|3|@10|@30")
	chExpect(t, "12 at 16", run(12, 16), "-a|0|20: 'a'|3|@0|@20", "-a|10|30: 'a'|3|@10|@30")
	chExpect(t, "5 at 25: only the new window", run(5, 25), "+a|20|40: 'a'|5|@20|@40")
}

// A MAX whose key's value grows (a global MAX over a changelog of
// counters) does not scan the other values: the retracted maximum is
// replaced by the larger value inserted in the same change.
// (The generic value counts: numeric ones never scan; TestNumericMinMax*.)
func TestRetractMaxReplacedInTheSameChange(t *testing.T) {
	cfg := GroupConfig{Aggs: []AggSpec{chAgg(Max, TInt), chAgg(Min, TInt)}, Retract: true, Changelog: true}
	p := chPipe(cfg, nil)
	genericCounts(p)
	c := &Ctx{}
	var last Row
	for i := range 100 { // keys 0..99 hold 0..99; key 99 then counts up
		last = chKV("x", Int(int64(i)))
		p.ExecuteChange(c, nil, last, nil, 0)
	}
	for i := 100; i < 2000; i++ {
		row := chKV("x", Int(int64(i)))
		p.ExecuteChange(c, last, row, nil, 0)
		last = row
	}
	st := p.Stage.(*groupStage)
	if st.rescans != 0 {
		t.Errorf("%d scans of the values, want 0", st.rescans)
	}
	chExpect(t, "key 99 drops to 50: MAX scans", chLines(p, p.ExecuteChange(c, last, chKV("x", Int(50)), nil, 0)), "+: 98|0")
	if st.rescans != 1 {
		t.Errorf("%d scans of the values, want 1", st.rescans)
	}
}

// A MIN whose value leaves on every update (each key's value grows, the
// oldest is the minimum) picks the next from its heap: one scan to build
// it, none after.
func TestRetractMinLeavesEveryUpdate(t *testing.T) {
	cfg := GroupConfig{Aggs: []AggSpec{chAgg(Min, TInt), chAgg(Max, TInt)}, Retract: true, Changelog: true}
	p := chPipe(cfg, nil)
	genericCounts(p) // (numeric counts: TestNumericMinMaxLeavesEveryUpdate)
	c := &Ctx{}
	last := map[int]Row{}
	for i := range 5000 {
		k := i % 100
		row := chKV("x", Int(int64(i)))
		p.ExecuteChange(c, last[k], row, nil, 0)
		last[k] = row
	}
	chExpect(t, "min and max", chLines(p, p.ExecuteChange(c, last[0], chKV("x", Int(7000)), nil, 0)), "+: 4901|7000")
	st := p.Stage.(*groupStage)
	if st.rescans != 1 {
		t.Errorf("%d scans of the values, want 1 (building the heap)", st.rescans)
	}
	if h := st.heaps[st.groups[0].cells[0]*int32(st.na)]; len(h) > 2*100+32 {
		t.Errorf("MIN heap holds %d keys for 100 live values", len(h))
	}
}

// A change that moves a row to another group, whose insertion overflows
// there, leaves both groups as they were; one within a group whose
// insertion overflows, too (groupStage.change puts the old row back in
// either case, as Retract then Process did).
func TestChangeMoveOverflowLeavesBothGroups(t *testing.T) {
	p := chPipe(chCfg(chAgg(CountStar, TInt), chAgg(Sum, TInt), chAgg(Max, TInt)), nil)
	chChange(t, p, nil, chKV("b", Int(math.MaxInt64)))
	a1 := chKV("a", Int(1))
	chExpect(t, "a1", chChange(t, p, nil, a1), "+a: 'a'|1|1|1")
	chExpect(t, "a5", chChange(t, p, nil, chKV("a", Int(5))), "+a: 'a'|2|6|5")
	chExpect(t, "a1 → b overflows", chChange(t, p, a1, chKV("b", Int(1))), "ERR "+errSumOverflow.Error())
	chExpect(t, "a1 → a overflows", chChange(t, p, a1, chKV("a", Int(math.MaxInt64))), "ERR "+errSumOverflow.Error())
	chExpect(t, "a unchanged", chChange(t, p, nil, chKV("a", Int(0))), "+a: 'a'|3|6|5")
	chExpect(t, "b unchanged", chChange(t, p, nil, chKV("b", Int(-1))), "+b: 'b'|2|9223372036854775806|9223372036854775807")
	chExpect(t, "a1 → c: a updated, c new", chChange(t, p, a1, chKV("c", Int(5))), "+a: 'a'|2|5|5", "+c: 'c'|1|5|5")
	chExpect(t, "c → c", chChange(t, p, chKV("c", Int(5)), chKV("c", Int(6))), "+c: 'c'|1|6|6")
	chExpect(t, "c → a empties c", chChange(t, p, chKV("c", Int(6)), chKV("a", Int(2))), "-c: 'c'|1|6|6", "+a: 'a'|3|7|5")
}

// A change whose output row fails the projection is dead-lettered and
// undone: within one group (changeCell upserts without the pending list)
// and across groups, the next change finds the state as it was.
func TestChangeProjectionErrorUndone(t *testing.T) {
	p := chPipe(chCfg(chAgg(CountStar, TInt), chAgg(Sum, TInt)), nil)
	tooBig := errors.New("SUM is too big")
	p.ProjectCols[2] = -1
	p.Project[2] = func(c *Ctx, r Row) Value {
		if r[2].I > 100 {
			c.Err = tooBig
		}
		return r[2]
	}
	a1 := chKV("a", Int(1))
	chExpect(t, "a1", chChange(t, p, nil, a1), "+a: 'a'|1|1")
	chExpect(t, "a1 → a500 fails", chChange(t, p, a1, chKV("a", Int(500))), "ERR "+tooBig.Error())
	chExpect(t, "a unchanged", chChange(t, p, nil, chKV("a", Int(2))), "+a: 'a'|2|3")
	chExpect(t, "a1 → a7", chChange(t, p, a1, chKV("a", Int(7))), "+a: 'a'|2|9")
	chExpect(t, "b", chChange(t, p, nil, chKV("b", Int(99))), "+b: 'b'|1|99")
	chExpect(t, "a7 → b fails", chChange(t, p, chKV("a", Int(7)), chKV("b", Int(7))), "ERR "+tooBig.Error())
	chExpect(t, "a and b unchanged", chChange(t, p, chKV("a", Int(7)), chKV("b", Int(1))), "+a: 'a'|1|2", "+b: 'b'|2|100")
}
