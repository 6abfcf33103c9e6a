package runtime

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// Numeric value counts of MIN/MAX over a changelog (group_change_num.go).

// numStage returns the group stage of p.
func numStage(p *Pipeline) *groupStage { return p.Stage.(*groupStage) }

// genericHeld reports whether any cell of st keeps generic value counts.
func genericHeld(st *groupStage) bool {
	for _, m := range st.vcs {
		if len(m) > 0 {
			return true
		}
	}
	return false
}

// Retracting the current extreme again and again picks the next one from
// the numeric counts each time: no scan, no heap, no generic counts.
func TestNumericMinMaxRetractExtremeRepeatedly(t *testing.T) {
	for _, typ := range []Type{TInt, TDouble} {
		t.Run(typ.String(), func(t *testing.T) {
			cfg := chCfg(chAgg(Min, typ), chAgg(Max, typ), chAgg(CountStar, TInt))
			for j := range 2 {
				cfg.Aggs[j].ArgType = typ
			}
			p := chPipe(cfg, nil)
			val := func(x int) Value {
				if typ == TDouble {
					return Double(float64(x) / 4)
				}
				return Int(int64(x))
			}
			rng := rand.New(rand.NewPCG(3, 5))
			perm := rng.Perm(60)
			var rows []Row
			for _, x := range perm {
				r := chKV("a", val(x-30))
				rows = append(rows, r)
				chChange(t, p, nil, r)
				if x%3 == 0 { // a second copy of every third value
					rows = append(rows, chKV("a", val(x-30)))
					chChange(t, p, nil, rows[len(rows)-1])
				}
			}
			live := map[int]int{} // row index -> value
			for i, r := range rows {
				if typ == TDouble {
					live[i] = int(r[1].F * 4)
				} else {
					live[i] = int(r[1].I)
				}
			}
			for step := 0; len(live) > 0; step++ {
				// Retract a copy of the minimum (even steps) or the maximum.
				pick := -1
				for i, x := range live {
					if pick < 0 || (step%2 == 0 && x < live[pick]) || (step%2 == 1 && x > live[pick]) ||
						(x == live[pick] && i < pick) {
						pick = i
					}
				}
				delete(live, pick)
				got := chChange(t, p, rows[pick], nil)
				if len(live) == 0 {
					chExpect(t, "last row retracted", got, "-a: 'a'|"+stFmtValue(rows[pick][1])+"|"+stFmtValue(rows[pick][1])+"|1")
					break
				}
				mn, mx := math.MaxInt, math.MinInt
				for _, x := range live {
					mn, mx = min(mn, x), max(mx, x)
				}
				want := "+a: 'a'|" + stFmtValue(val(mn)) + "|" + stFmtValue(val(mx)) + "|" + strconv.Itoa(len(live))
				chExpect(t, "step "+strconv.Itoa(step), got, want)
			}
			st := numStage(p)
			if st.rescans != 0 || genericHeld(st) {
				t.Errorf("%d scans, generic counts %v: want the numeric counts only", st.rescans, genericHeld(st))
			}
			for _, h := range st.heaps {
				if h != nil {
					t.Errorf("a heap was built")
				}
			}
		})
	}
}

// A DECIMAL or string MIN/MAX, and a MIN sharing its counts with a
// FIRST_VALUE, keep the generic counts; BIGINT and DOUBLE ones the numeric.
func TestNumericMinMaxModes(t *testing.T) {
	for _, tc := range []struct {
		name string
		aggs []AggSpec
		row  Row
		num  bool
	}{
		{"bigint", []AggSpec{chAgg(Min, TInt), chAgg(Max, TInt)}, chKV("a", Int(4)), true},
		{"double", []AggSpec{chAgg(Min, TDouble), chAgg(Max, TDouble)}, chKV("a", Double(4)), true},
		{"decimal", []AggSpec{chAgg(Min, TDecimal), chAgg(Max, TDecimal)}, chKV("a", Decimal(400, 2)), false},
		{"string", []AggSpec{chAgg(Min, TString), chAgg(Max, TString)}, chKV("a", stStr("x")), false},
		{"min with first_value", []AggSpec{chAgg(Min, TInt), chAgg(FirstValue, TInt)}, chKV("a", Int(4)), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for j := range tc.aggs {
				tc.aggs[j].ArgType = tc.aggs[j].ResultType
			}
			p := chPipe(chCfg(tc.aggs...), nil)
			chChange(t, p, nil, tc.row)
			st := numStage(p)
			if num := len(st.accs[0].vc) > 0; num != tc.num || genericHeld(st) == tc.num {
				t.Errorf("numeric counts %v, generic %v; want numeric %v", num, genericHeld(st), tc.num)
			}
		})
	}
}

// numSpecial returns a random argument value for TestNumericMinMaxSpecialValues:
// BIGINTs and DOUBLEs (the argument is an expression of either type) of
// few distinct values, with -0, +0, infinities, the BIGINT extremes,
// NULLs and, when nan, NaNs.
func numSpecial(rng *rand.Rand, nan bool) Value {
	switch n := rng.IntN(40); {
	case n == 0:
		return Null
	case n == 1:
		return Double(math.Copysign(0, -1))
	case n == 2:
		return Double(math.Inf(1))
	case n == 3:
		return Double(math.Inf(-1))
	case n == 4:
		return Int(math.MinInt64)
	case n == 5:
		return Int(math.MaxInt64)
	case n == 6 && nan:
		return Double(math.NaN())
	case n < 20:
		return Int(int64(rng.IntN(9) - 4))
	default:
		return Double(float64(rng.IntN(17)-8) / 2)
	}
}

// MIN/MAX of an expression whose values are BIGINT or DOUBLE (a cell of
// mixed types leaves the numeric counts), with -0, infinities, NULLs and
// NaNs, under random upserts and deletes, checkpointed at random points,
// against the live values: each output equals the extreme by value (of
// the live values' types), except in a group holding a NaN (no order).
func TestNumericMinMaxSpecialValues(t *testing.T) {
	forSeeds(t, 909, 17, func(t *testing.T, rng *rand.Rand) {
		for range 3 {
			for _, limit := range []int{numCountsMax, 3} {
				for _, nan := range []bool{false, true} {
					numSpecialRound(t, rng, limit, nan)
				}
			}
		}
	})
}

func numSpecialRound(t *testing.T, rng *rand.Rand, limit int, nan bool) {
	arg := func(_ *Ctx, r Row) Value { return r[1] }
	mk := func(f AggFunc) AggSpec { return AggSpec{Func: f, Arg: arg, ArgType: TDouble, ResultType: TDouble} }
	cfg := chCfg(mk(Min), mk(Max), chAgg(CountStar, TInt))
	newP := func() *Pipeline {
		p := chPipe(cfg, nil)
		numericLimit(p, limit)
		if limit < numCountsMax {
			numStage(p).pickScanMax = 0 // the generic counts keep heaps
		}
		return p
	}
	p := newP()
	live := map[int]Row{}
	result := map[string]Row{}
	c := &Ctx{}
	var snap []byte
	for op := range 1500 {
		id := rng.IntN(30)
		old := live[id]
		var row Row
		if rng.IntN(4) > 0 {
			row = chKV(string(rune('a'+rng.IntN(3))), numSpecial(rng, nan))
			live[id] = row
		} else {
			if old == nil {
				continue
			}
			delete(live, id)
		}
		c.Reset()
		outs := p.ExecuteChange(c, old, row, nil, 0)
		if c.Err != nil {
			t.Fatalf("op %d: %v", op, c.Err)
		}
		for i, r := range outs {
			k := string(p.Keys()[i])
			if p.Ops()[i] == OpDelete {
				delete(result, k)
			} else {
				result[k] = Row{r[0], r[1], r[2], r[3]}
			}
		}
		if rng.IntN(200) == 0 {
			var err error
			if snap, err = p.Stage.(Checkpointer).Snapshot(snap[:0]); err != nil {
				t.Fatal(err)
			}
			p = newP()
			if err := p.Stage.(Checkpointer).Restore(snap); err != nil {
				t.Fatalf("op %d: restore: %v", op, err)
			}
		}
		// Check every group against its live values.
		groups := map[string][]Value{}
		rows := map[string]int{}
		for _, r := range live {
			g := string(r[0].S)
			rows[g]++
			if r[1].T != TNull {
				groups[g] = append(groups[g], r[1])
			}
		}
		for g, n := range rows {
			got, ok := result[g]
			if !ok || got[3].I != int64(n) {
				t.Fatalf("op %d (limit %d): group %s: got %s, want %d rows", op, limit, g, stFmtRowOK(got, ok), n)
			}
			vals := groups[g]
			if len(vals) == 0 {
				if got[1].T != TNull || got[2].T != TNull {
					t.Fatalf("op %d: group %s: got %s, want NULL extremes", op, g, stFmt(got))
				}
				continue
			}
			hasNaN := false
			for _, v := range vals {
				hasNaN = hasNaN || (v.T == TDouble && v.F != v.F)
			}
			if hasNaN {
				continue
			}
			for i, f := range []AggFunc{Min, Max} {
				want := vals[0]
				for _, v := range vals[1:] {
					if c := aggCompare(&v, &want); (f == Min && c < 0) || (f == Max && c > 0) {
						want = v
					}
				}
				g1 := got[1+i]
				// Equal by value, and of the type of a live value equal to it.
				okType := false
				for _, v := range vals {
					okType = okType || (v.T == g1.T && aggCompare(&v, &g1) == 0)
				}
				if g1.T == TNull || aggCompare(&g1, &want) != 0 || !okType {
					t.Fatalf("op %d (limit %d, NaN %v): group %s %v: got %s, want %s of %s", op, limit, nan, g, f, stFmtValue(g1), stFmtValue(want), stFmt(Row(vals)))
				}
			}
		}
		for g := range result {
			if rows[g] == 0 {
				t.Fatalf("op %d: group %s has no rows but a result", op, g)
			}
		}
	}
}

// A snapshot of numeric counts has the generic layout: a stage restored
// from it with generic counts gives the same results, and the other way.
func TestNumericCountsSnapshotBothWays(t *testing.T) {
	cfg := chCfg(chAgg(Min, TInt), chAgg(Max, TInt))
	rows := []Row{chKV("a", Int(5)), chKV("a", Int(-3)), chKV("a", Int(5)), chKV("a", Int(9)), chKV("b", Int(1))}
	for _, from := range []bool{true, false} { // numeric counts written
		src := chPipe(cfg, nil)
		if !from {
			genericCounts(src)
		}
		for _, r := range rows {
			chChange(t, src, nil, r)
		}
		snap, err := src.Stage.(Checkpointer).Snapshot(nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range []bool{true, false} {
			dst := chPipe(cfg, nil)
			if !to {
				genericCounts(dst)
			}
			if err := dst.Stage.(Checkpointer).Restore(append([]byte(nil), snap...)); err != nil {
				t.Fatal(err)
			}
			if got := len(numStage(dst).accs[0].vc) > 0; got != to {
				t.Errorf("from numeric %v to numeric %v: numeric counts %v after restore", from, to, got)
			}
			what := "numeric " + strconv.FormatBool(from) + " -> " + strconv.FormatBool(to)
			chExpect(t, what+": min -3 leaves", chChange(t, dst, rows[1], nil), "+a: 'a'|5|9")
			chExpect(t, what+": max 9 leaves", chChange(t, dst, rows[3], nil), "+a: 'a'|5|5")
			chExpect(t, what+": one 5 leaves", chChange(t, dst, rows[0], nil), "+a: 'a'|5|5")
			chExpect(t, what+": the last leaves", chChange(t, dst, rows[2], nil), "-a: 'a'|5|5")
			chExpect(t, what+": b", chChange(t, dst, rows[4], chKV("b", Int(2))), "+b: 'b'|2|2")
			again, err := dst.Stage.(Checkpointer).Snapshot(nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(again) == 0 {
				t.Fatal("empty snapshot")
			}
		}
	}
}

// More distinct values than the numeric limit move a cell to the generic
// counts; once its rows are all retracted it counts numerically again.
func TestNumericCountsFallBackAndReturn(t *testing.T) {
	p := chPipe(chCfg(chAgg(Min, TInt), chAgg(Max, TInt)), nil)
	numericLimit(p, 4)
	st := numStage(p)
	var rows []Row
	for x := range 6 {
		rows = append(rows, chKV("a", Int(int64(10*x))))
		chChange(t, p, nil, rows[x])
		if x < 4 && (genericHeld(st) || len(st.accs[0].vc) != x+1) {
			t.Fatalf("value %d: want numeric counts", x)
		}
	}
	if !genericHeld(st) || len(st.accs[0].vc) != 0 {
		t.Fatalf("6 values over a limit of 4: want the generic counts only")
	}
	chExpect(t, "min leaves (generic)", chChange(t, p, rows[0], nil), "+a: 'a'|10|50")
	chExpect(t, "max leaves (generic)", chChange(t, p, rows[5], nil), "+a: 'a'|10|40")
	for _, r := range rows[1:4] {
		chChange(t, p, r, nil)
	}
	chExpect(t, "last leaves", chChange(t, p, rows[4], nil), "-a: 'a'|40|40")
	chExpect(t, "numeric again", chChange(t, p, nil, chKV("a", Int(7))), "+a: 'a'|7|7")
	n := 0
	for k := range st.accs {
		n += len(st.accs[k].vc)
	}
	if genericHeld(st) || n != 1 {
		t.Errorf("after the cell emptied: generic counts %v, %d numeric; want 1 numeric", genericHeld(st), n)
	}
}

// A cell that is kept when emptied (a global aggregate) and moves to the
// generic counts a second time builds its heaps again from all its values.
func TestNumericCountsFallBackTwiceKeptCell(t *testing.T) {
	cfg := GroupConfig{Aggs: []AggSpec{chAgg(Min, TInt), chAgg(Max, TInt)}, Retract: true, Changelog: true}
	p := chPipe(cfg, nil)
	numericLimit(p, 2)
	numStage(p).pickScanMax = 0 // heaps however few the values
	row := func(x int64) Row { return chKV("x", Int(x)) }
	for _, x := range []int64{1, 2, 3} {
		chChange(t, p, nil, row(x))
	}
	chExpect(t, "min 1 leaves: heap built", chChange(t, p, row(1), nil), "+: 2|3")
	chChange(t, p, row(2), nil)
	chExpect(t, "empty", chChange(t, p, row(3), nil), "+: NULL|NULL")
	for _, x := range []int64{20, 10, 30} {
		chChange(t, p, nil, row(x))
	}
	chExpect(t, "min 10 leaves", chChange(t, p, row(10), nil), "+: 20|30")
	chExpect(t, "max 30 leaves", chChange(t, p, row(30), nil), "+: 20|20")
}

// A change within a cell that keeps an aggregate's argument skips that
// aggregate, but not a FIRST_VALUE (a value inserted again arrives anew)
// nor a MIN reading the value counts a FIRST_VALUE shares; and -0 is not
// +0 (the MIN and MAX become the new row's +0).
func TestChangeWithinCellSameArgument(t *testing.T) {
	p := chPipe(chCfg(chAgg(Min, TInt), chAgg(FirstValue, TInt), chAgg(Sum, TInt)), nil)
	a1, a2 := chKV("a", Int(1)), chKV("a", Int(2))
	chChange(t, p, nil, a1)
	chExpect(t, "first 1", chChange(t, p, nil, a2), "+a: 'a'|1|1|3")
	chExpect(t, "1 again: it arrives after 2", chChange(t, p, a1, chKV("a", Int(1))), "+a: 'a'|1|2|3")
	chExpect(t, "2 again", chChange(t, p, a2, chKV("a", Int(2))), "+a: 'a'|1|1|3")

	d := chPipe(chCfg(chAgg(Min, TDouble), chAgg(Max, TDouble), chAgg(Sum, TDouble)), nil)
	for j := range 3 {
		numStage(d).aggs[j].ArgType = TDouble
	}
	neg := chKV("a", Double(math.Copysign(0, -1)))
	chExpect(t, "-0", chChange(t, d, nil, neg), "+a: 'a'|-0|-0|0")
	chExpect(t, "-0 becomes +0", chChange(t, d, neg, chKV("a", Double(0))), "+a: 'a'|0|0|0")
}
