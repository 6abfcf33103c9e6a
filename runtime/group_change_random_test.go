package runtime

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestRetractRandomAgainstBruteForce applies random upserts and deletes
// over keys through a ChangeTable and Pipeline.ExecuteChange (as the
// partition loop does: JSON payloads, the replaced payload decoded as the
// retracted row), with checkpoints (stage and table snapshot, restored into
// fresh ones) at random points, and compares the final table (last op per
// output key, deletes removed) with the same GROUP BY recomputed over the
// live rows. Every delete must carry the row last upserted for its key.
// Changes pass ExecuteChangeAt's hint of the replaced row, or none, or a
// wrong one: the result is the same.
func TestRetractRandomAgainstBruteForce(t *testing.T) {
	forSeeds(t, 15, 2026, func(t *testing.T, rng *rand.Rand) {
		for _, tc := range []struct {
			name   string
			global bool
			having bool
		}{{"keyed", false, false}, {"keyed having", false, true}, {"global", true, false}, {"global having", true, true}} {
			t.Run(tc.name, func(t *testing.T) { rxRun(t, rng, tc.global, tc.having, false) })
			t.Run(tc.name+" heaps", func(t *testing.T) { rxRun(t, rng, tc.global, tc.having, true) })
		}
	})
}

// Input columns: id BIGINT (the row key), k VARCHAR, v BIGINT (NULLs),
// d DOUBLE (multiples of 0.25: sums are exact), s VARCHAR (NULLs).
var rxSchema = Schema{{Name: "id", Type: TInt}, {Name: "k", Type: TString}, {Name: "v", Type: TInt},
	{Name: "d", Type: TDouble}, {Name: "s", Type: TString}}

const rxVarCol = 11 // the aggregate compared with a tolerance

func rxAggs() []AggSpec {
	col := func(f AggFunc, i int, at, rt Type) AggSpec {
		return AggSpec{Func: f, Arg: stCol(i), ArgIsCol: true, ArgCol: i, ArgType: at, ResultType: rt}
	}
	dist := func(a AggSpec) AggSpec { a.Distinct = true; return a }
	dec := AggSpec{Func: Sum, ArgType: TDecimal, ResultType: TDecimal, Arg: func(_ *Ctx, r Row) Value {
		if r[2].T == TNull {
			return Null
		}
		return Decimal(r[2].I*7, 2)
	}}
	return []AggSpec{
		{Func: CountStar, ResultType: TInt}, // 0
		col(Count, 2, TInt, TInt),           // 1
		col(Sum, 2, TInt, TInt),             // 2
		col(Avg, 2, TInt, TDouble),          // 3
		col(Min, 2, TInt, TInt),             // 4
		col(Max, 2, TInt, TInt),             // 5
		col(CountDistinct, 2, TInt, TInt),   // 6
		dist(col(Sum, 2, TInt, TInt)),       // 7
		col(Sum, 3, TDouble, TDouble),       // 8
		col(Min, 4, TString, TString),       // 9
		col(Max, 4, TString, TString),       // 10
		col(VarPop, 3, TDouble, TDouble),    // 11
		dist(col(Avg, 2, TInt, TDouble)),    // 12
		dec,                                 // 13
		col(Count, 4, TString, TInt),        // 14
		rxConcat(false, 0),                  // 15 GROUP_CONCAT(s ORDER BY s)
		rxConcat(true, 7),                   // 16 GROUP_CONCAT(DISTINCT s ORDER BY s), cut at 7 bytes
		col(Avg, 3, TDouble, TDouble),       // 17
		col(Min, 3, TDouble, TDouble),       // 18
		col(Max, 3, TDouble, TDouble),       // 19
	}
}

func rxConcat(distinct bool, maxLen int) AggSpec {
	return AggSpec{Func: GroupConcat, ArgType: TString, ResultType: TString, Separator: []byte(","),
		Distinct: distinct, MaxLen: maxLen, Ordered: true,
		Arg: OrderedConcatArg([]Expr{stCol(4)}, []bool{false}, []Expr{stCol(4)})}
}

// rxBrute computes the aggregates of rxAggs over rows.
func rxBrute(rows []Row) []Value {
	out := make([]Value, 20)
	out[0] = Int(int64(len(rows)))
	var n, sum, nd, sumd, cs int64
	var fsum float64
	var fvals []float64
	var mn, mx *int64
	var fmn, fmx *float64
	var smn, smx []byte
	seen := map[int64]bool{}
	for _, r := range rows {
		if r[2].T != TNull {
			x := r[2].I
			n++
			sum += x
			if mn == nil || x < *mn {
				mn = &x
			}
			if mx == nil || x > *mx {
				mx = &x
			}
			if !seen[x] {
				seen[x] = true
				nd++
				sumd += x
			}
		}
		if r[3].T != TNull {
			f := r[3].F
			fsum += f
			fvals = append(fvals, f)
			if fmn == nil || f < *fmn {
				fmn = &f
			}
			if fmx == nil || f > *fmx {
				fmx = &f
			}
		}
		if r[4].T != TNull {
			s := r[4].S
			cs++
			if smn == nil || string(s) < string(smn) {
				smn = s
			}
			if smx == nil || string(s) > string(smx) {
				smx = s
			}
		}
	}
	out[1], out[6], out[14] = Int(n), Int(nd), Int(cs)
	if n > 0 {
		out[2], out[3], out[4], out[5] = Int(sum), Double(float64(sum)/float64(n)), Int(*mn), Int(*mx)
		out[7], out[12], out[13] = Int(sumd), Double(float64(sumd)/float64(nd)), Decimal(sum*7, 2)
	}
	if len(fvals) > 0 {
		out[8], out[17] = Double(fsum), Double(fsum/float64(len(fvals)))
		out[18], out[19] = Double(*fmn), Double(*fmx)
		mean := fsum / float64(len(fvals))
		var m2 float64
		for _, f := range fvals {
			m2 += (f - mean) * (f - mean)
		}
		out[11] = Double(m2 / float64(len(fvals)))
	}
	if cs > 0 {
		out[9], out[10] = String(smn), String(smx)
		var all []string
		for _, r := range rows {
			if r[4].T != TNull {
				all = append(all, string(r[4].S))
			}
		}
		slices.Sort(all)
		out[15] = stStr(strings.Join(all, ","))
		d := strings.Join(slices.Compact(all), ",")
		out[16] = stStr(d[:min(len(d), 7)])
	}
	return out
}

func rxRandRow(rng *rand.Rand, id int64) Row {
	r := Row{Int(id), stStr(string(rune('a' + rng.IntN(4)))), Null, Null, Null}
	if rng.IntN(6) > 0 {
		r[2] = Int(int64(rng.IntN(21) - 10))
	}
	if rng.IntN(5) > 0 {
		r[3] = Double(float64(rng.IntN(401)-200) / 4)
	}
	if rng.IntN(4) > 0 {
		r[4] = stStr([]string{"x", "y", "zz", "ab", "b"}[rng.IntN(5)])
	}
	return r
}

// rxEqual compares an engine row with the expected one (the variance
// within a relative 1e-9).
func rxEqual(got, want Row, nk int) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if i == nk+rxVarCol && got[i].T == TDouble && want[i].T == TDouble {
			if math.Abs(got[i].F-want[i].F) > 1e-9*math.Max(1, math.Abs(want[i].F)) {
				return false
			}
			continue
		}
		if stFmtValue(got[i]) != stFmtValue(want[i]) {
			return false
		}
	}
	return true
}

// rxRun runs one random sequence; heaps: MIN/MAX/FIRST/LAST keep heaps
// however few their values, and numeric MIN/MAX counts fall back to the
// generic ones above 2 distinct values.
func rxRun(t *testing.T, rng *rand.Rand, global, withHaving, heaps bool) {
	cfg := GroupConfig{Aggs: rxAggs(), Retract: true, Changelog: true}
	nk := 0
	if !global {
		cfg.Keys, cfg.KeyTypes, cfg.KeyCols = []Expr{stCol(1)}, []Type{TString}, []int{1}
		nk = 1
	}
	var having Expr
	if withHaving {
		having = func(_ *Ctx, r Row) Value { return Bool(r[nk].I >= 2 && r[nk+2].T != TNull) } // COUNT(*) >= 2 AND SUM(v) IS NOT NULL
	}
	mk := func() *Pipeline {
		p := chPipe(cfg, having)
		if heaps {
			p.Stage.(*groupStage).pickScanMax = 0
			numericLimit(p, 2)
		}
		return p
	}
	p := mk()
	tbl := NewChangeTable()
	enc := NewEncoder([]string{"id", "k", "v", "d", "s"})
	decOld, decNew := NewDecoder(rxSchema, nil), NewDecoder(rxSchema, nil)
	oldRow, newRow := make(Row, len(rxSchema)), make(Row, len(rxSchema))
	result := map[string]Row{}   // the consumer's table
	hints := map[string]uint32{} // ExecuteChangeAt's hint of each key's row
	c := &Ctx{}
	var payload, key, snap []byte
	nops := 300 + rng.IntN(300)
	for op := 0; op < nops; op++ {
		id := int64(rng.IntN(25))
		key = strconv.AppendInt(key[:0], id, 10)
		kind := OpUpsert
		payload = payload[:0]
		if rng.IntN(10) < 3 {
			kind = OpDelete
		} else {
			payload = enc.Append(payload, rxRandRow(rng, id))
		}
		old, had := tbl.Apply(kind, key, payload)
		if kind == OpDelete && !had {
			continue
		}
		var o, n Row
		if had {
			if err := decOld.Decode(old, oldRow); err != nil {
				t.Fatal(err)
			}
			o = oldRow
		}
		if kind == OpUpsert {
			if err := decNew.Decode(payload, newRow); err != nil {
				t.Fatal(err)
			}
			n = newRow
		}
		c.Reset()
		at := hints[string(key)]
		switch rng.IntN(4) {
		case 0:
			at = 0
		case 1:
			at = uint32(rng.IntN(40)) // a wrong hint: ignored
		}
		outs, at := p.ExecuteChangeAt(c, o, n, key, 0, at)
		if c.Err != nil {
			t.Fatalf("op %d: %v", op, c.Err)
		}
		hints[string(key)] = at // (stale after a restart: ignored too)
		for i, r := range outs {
			k := string(p.Keys()[i])
			if p.Ops()[i] == OpDelete {
				last, ok := result[k]
				if !ok || !rxEqual(r, last, nk) {
					t.Fatalf("op %d: delete of %q carries %s, last upserted %v", op, k, stFmt(r), stFmtRowOK(last, ok))
				}
				delete(result, k)
			} else {
				result[k] = slices.Clone(r)
				for j := range result[k] {
					result[k][j].S = slices.Clone(r[j].S)
				}
			}
		}
		if rng.IntN(100) == 0 { // checkpoint and restart
			var err error
			snap, err = p.Stage.(Checkpointer).Snapshot(snap[:0])
			if err != nil {
				t.Fatal(err)
			}
			tsnap := tbl.Snapshot(nil)
			p = mk()
			if err := p.Stage.(Checkpointer).Restore(slices.Clone(snap)); err != nil {
				t.Fatalf("op %d: restore: %v", op, err)
			}
			clear(snap)
			tbl = NewChangeTable()
			if err := tbl.Restore(tsnap); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Brute force over the live rows.
	groups := map[string][]Row{}
	var order []string
	dec := NewDecoder(rxSchema, nil)
	tbl.Range(func(_ string, b []byte) {
		r := make(Row, len(rxSchema))
		if err := dec.Decode(b, r); err != nil {
			t.Fatal(err)
		}
		for j := range r {
			r[j].S = slices.Clone(r[j].S)
		}
		g := ""
		if !global {
			g = string(r[1].S)
		}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], r)
	})
	if global && len(groups) == 0 {
		groups[""] = nil
		order = append(order, "")
	}
	want := map[string]Row{}
	for _, g := range order {
		row := Row{}
		if !global {
			row = append(row, stStr(g))
		}
		row = append(row, rxBrute(groups[g])...)
		if withHaving {
			sr := append(slices.Clone(row), Null, Null)
			if !Truthy(having(c, sr)) {
				continue
			}
		}
		want[g] = row
	}
	for k, w := range want {
		if g, ok := result[k]; !ok || !rxEqual(g, w, nk) {
			t.Errorf("key %q: got %s, want %s", k, stFmtRowOK(g, ok), stFmt(w))
		}
	}
	for k, g := range result {
		if _, ok := want[k]; !ok {
			t.Errorf("key %q: got %s, want no row", k, stFmt(g))
		}
	}
}

func stFmtRowOK(r Row, ok bool) string {
	if !ok {
		return "no row"
	}
	return stFmt(r)
}

// TestRetractFirstLastRandom checks FIRST_VALUE and LAST_VALUE over a
// changelog (picked from heaps with lazy deletion) against a model of
// their documented meaning: each value keeps the arrival of its first and
// latest copy while any copy is live; FIRST is the value with the earliest
// first arrival, LAST the one with the latest arrival.
func TestRetractFirstLastRandom(t *testing.T) {
	forSeeds(t, 77, 15, func(t *testing.T, rng *rand.Rand) {
		for i := range 40 {
			rxFirstLastRound(t, rng, i%4 != 0) // mostly heaps, however few the values
		}
	})
}

func rxFirstLastRound(t *testing.T, rng *rand.Rand, heaps bool) {
	cfg := chCfg(chAgg(FirstValue, TInt), chAgg(LastValue, TInt), chAgg(Min, TInt))
	p := chPipe(cfg, nil)
	if heaps {
		p.Stage.(*groupStage).pickScanMax = 0
	}
	type ent struct{ n, first, last int64 }
	model := map[string]map[int64]*ent{}
	live := map[int]Row{}
	result := map[string]string{}
	var seq int64
	c := &Ctx{}
	for op := 0; op < 6000; op++ {
		id := rng.IntN(40)
		old := live[id]
		var row Row
		if rng.IntN(5) > 1 {
			row = chKV(string(rune('a'+rng.IntN(3))), Int(int64(rng.IntN(12))))
			live[id] = row
		} else {
			if old == nil {
				continue
			}
			delete(live, id)
		}
		if old != nil {
			g := model[string(old[0].S)]
			e := g[old[1].I]
			if e.n--; e.n == 0 {
				delete(g, old[1].I)
			}
		}
		if row != nil {
			seq++
			g := model[string(row[0].S)]
			if g == nil {
				g = map[int64]*ent{}
				model[string(row[0].S)] = g
			}
			if e := g[row[1].I]; e != nil {
				e.n++
				e.last = seq
			} else {
				g[row[1].I] = &ent{1, seq, seq}
			}
		}
		c.Reset()
		outs := p.ExecuteChange(c, old, row, nil, 0)
		for i, r := range outs {
			if p.Ops()[i] == OpDelete {
				delete(result, string(p.Keys()[i]))
			} else {
				result[string(p.Keys()[i])] = stFmt(r)
			}
		}
	}
	for g, vals := range model {
		if len(vals) == 0 {
			if r, ok := result[g]; ok {
				t.Errorf("group %s: got %s, want no row", g, r)
			}
			continue
		}
		var first, last, mn int64
		fs, ls := int64(math.MaxInt64), int64(-1)
		mn = math.MaxInt64
		for v, e := range vals {
			if e.first < fs {
				fs, first = e.first, v
			}
			if e.last > ls {
				ls, last = e.last, v
			}
			mn = min(mn, v)
		}
		want := stFmt(Row{stStr(g), Int(first), Int(last), Int(mn)})
		if result[g] != want {
			t.Errorf("group %s: got %s, want %s", g, result[g], want)
		}
	}
}
