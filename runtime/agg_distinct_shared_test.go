package runtime

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMaskSetAgainstMaps checks a shared set against one map per member
// of the values' aggDistinctKey encodings (what separate sets hold): the
// bits add reports new, each member's sorted keys, restoring from them,
// and reuse after reset. Fails when a value's mask is replaced instead of
// extended, when the word 0 or a value moved by growth loses its mask, or
// when a second word type is kept as words.
func TestMaskSetAgainstMaps(t *testing.T) {
	forSeeds(t, 0x3a5c, 0xb175, func(t *testing.T, rng *rand.Rand) {
		for _, members := range []int{5, 1, 8, 63, 64} {
			maskSetAgainstMaps(t, rng, members)
		}
	})
}

// maskSetAgainstMaps is TestMaskSetAgainstMaps for a family of members.
func maskSetAgainstMaps(t *testing.T, rng *rand.Rand, members int) {
	{
		all := uint64(1)<<members - 1 // (all ones for 64)
		d := maskSet{mbits: uint8(members)}
		for round := range 6 {
			if round%3 == 2 {
				d = maskSet{mbits: uint8(members)}
			}
			ref := make([]map[string]bool, members)
			for b := range ref {
				ref[b] = map[string]bool{}
			}
			words := rng.IntN(2) == 0
			for range 1 + rng.IntN(3000) {
				v := distinctRandValue(rng, words, rng.IntN(2) == 0)
				dk := aggDistinctKey(nil, v)
				m := rng.Uint64() & all
				if m == 0 {
					m = 1 << rng.IntN(members)
				}
				var want uint64
				for b := range members {
					if m&(1<<b) != 0 && !ref[b][string(dk)] {
						want |= 1 << b
						ref[b][string(dk)] = true
					}
				}
				var key []byte
				if !distinctWordType(v.T) {
					key = dk
				}
				if got := d.add(&v, key, m); got != want {
					t.Fatalf("add(%v, %b): new bits %b, want %b", v, m, got, want)
				}
			}
			var back maskSet
			for b := range members {
				want := make([]string, 0, len(ref[b]))
				for k := range ref[b] {
					want = append(want, k)
				}
				slices.Sort(want)
				got := d.memberKeys(b)
				if !slices.Equal(got, want) && (len(got) > 0 || len(want) > 0) {
					t.Fatalf("member %d: %d keys, want %d", b, len(got), len(want))
				}
				for _, k := range got {
					if !back.addKey([]byte(k), b) {
						t.Fatalf("member %d: key %x listed twice", b, k)
					}
				}
			}
			for b := range members {
				if got := back.memberKeys(b); !slices.Equal(got, d.memberKeys(b)) {
					t.Fatalf("member %d: restored set differs", b)
				}
			}
			d.reset()
			for b := range members {
				if len(d.memberKeys(b)) != 0 {
					t.Fatal("reset set not empty")
				}
			}
		}
	}
}

// TestMaskSetPacks: a family's set of small integers keeps each in one
// word beside its mask, and widens to (word, mask) pairs at the first word
// that does not fit, keeping every mask; a family of 64 members never
// packs.
func TestMaskSetPacks(t *testing.T) {
	for _, members := range []int{1, 4, 40, 64} {
		d := maskSet{mbits: uint8(members)}
		top := uint64(1) << (members - 1)
		want := map[int64]uint64{}
		add := func(x int64, m uint64) {
			v := Int(x)
			if got, exp := d.add(&v, nil, m), m&^want[x]; got != exp {
				t.Fatalf("members %d: add(%d, %b) = %b, want %b", members, x, m, got, exp)
			}
			want[x] |= m
		}
		for i := range int64(150) {
			add(i-100, 1<<(i%int64(members)))
			add(i-100, top)
		}
		if packed := members < 64; d.tab == nil || d.wide == packed || len(d.tab) != 256*(1+b2i(!packed)) {
			t.Fatalf("members %d: %d words in the table, wide %v", members, len(d.tab), d.wide)
		}
		add(math.MaxInt64, top) // does not fit beside a mask: widens
		add(math.MinInt64, 1)
		if !d.wide || len(d.tab) != 2*256 {
			t.Fatalf("members %d: %d words in the table after a wide word, wide %v", members, len(d.tab), d.wide)
		}
		for b := range members {
			n := 0
			for _, m := range want {
				n += int(m >> b & 1)
			}
			if got := len(d.memberKeys(b)); got != n {
				t.Fatalf("members %d: member %d holds %d values, want %d", members, b, got, n)
			}
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestSharedDistinctMatchesOwnSets runs GROUP BY stages whose
// COUNT(DISTINCT) aggregates share sets (plain and CASE-filtered over the
// same columns) and whose counts are planned (agg_plan.go), beside other
// aggregates, against the same stages with a set per aggregate and every
// argument loaded, over random rows of mixed types: the same rows come
// out, and the checkpoints are byte for byte the same, at several points,
// so a checkpoint of either restores into the other. Fails when a member
// counts a value another member saw first, or when a member's checkpoint
// lists the family's values instead of its own.
func TestSharedDistinctMatchesOwnSets(t *testing.T) {
	forSeeds(t, 0xfa3, 0x11e5, func(t *testing.T, rng *rand.Rand) {
		lt := func(col int, lim int64) Expr {
			return func(_ *Ctx, r Row) Value {
				if r[col].T != TInt {
					return Null
				}
				return Bool(r[col].I < lim)
			}
		}
		condA, condB, condC := lt(1, 30), lt(1, 70), lt(4, 2)
		one := func(*Ctx, Row) Value { return Int(1) }
		plain := func(col int) AggSpec {
			return AggSpec{Func: CountDistinct, Arg: stCol(col), ArgIsCol: true, ArgCol: col, ResultType: TInt}
		}
		filtered := func(f AggFunc, cond Expr, id, col int) AggSpec {
			return AggSpec{Func: f, Arg: stCase(cond, stCol(col)), ResultType: TInt,
				Cond: cond, CondID: id, ThenIsCol: true, ThenCol: col}
		}
		aggs := []AggSpec{
			{Func: CountStar, ResultType: TInt},
			plain(2), filtered(CountDistinct, condA, 1, 2), filtered(CountDistinct, condB, 2, 2),
			filtered(Count, condA, 1, 3),
			plain(3), filtered(CountDistinct, condC, 3, 3), filtered(CountDistinct, condA, 1, 3),
			filtered(CountDistinct, condB, 2, 0), // alone on its column: a set of its own
			{Func: Count, Arg: stCase(condC, one), ResultType: TInt, Cond: condC, CondID: 3, Then: one, ThenConst: true},
			{Func: Count, Arg: stCol(2), ArgIsCol: true, ArgCol: 2, ResultType: TInt},
			filtered(Sum, condB, 2, 1),
			{Func: Max, Arg: stCol(3), ArgIsCol: true, ArgCol: 3, ResultType: TString},
		}
		for _, win := range []WindowSpec{{Kind: NoWindow}, {Kind: NoWindow}, {Kind: Tumble, Size: 400}, {Kind: Hop, Size: 600, Slide: 200}} {
			changelog := win.Kind == NoWindow && rng.IntN(2) == 0
			sharedAgainstOwn(t, rng, aggs, win, changelog)
		}
	})
}

// sharedAgainstOwn runs one window kind of TestSharedDistinctMatchesOwnSets.
func sharedAgainstOwn(t *testing.T, rng *rand.Rand, aggs []AggSpec, win WindowSpec, changelog bool) {
	mk := func(shared bool) *groupStage {
		cfg := GroupConfig{Keys: []Expr{stCol(0)}, KeyTypes: []Type{TInt}, KeyCols: []int{0},
			Aggs: slices.Clone(aggs), Window: win, Changelog: changelog}
		s := NewGroupStage(cfg).(*groupStage)
		if !shared {
			s.fams, s.famOf, s.plan = nil, nil, nil
			s.ownSets = s.ownSetsOf()
		} else if len(s.fams) != 2 {
			t.Fatalf("%d families, want 2", len(s.fams))
		}
		return s
	}
	var rows []Row
	for range 500 + rng.IntN(1500) {
		words := rng.IntN(4) > 0
		r := Row{Int(rng.Int64N(6)), Int(rng.Int64N(100)), distinctRandValue(rng, words, false),
			distinctRandValue(rng, words, rng.IntN(3) == 0), Int(rng.Int64N(4))}
		if rng.IntN(8) == 0 {
			r[1+rng.IntN(4)] = Null
		}
		rows = append(rows, r)
	}
	own, shared := mk(false), mk(true)
	ownSink, sharedSink := &stSink{}, &stSink{}
	c := &Ctx{}
	var t0 int64
	for i, r := range rows {
		t0 += rng.Int64N(6)
		for _, x := range []struct {
			s    *groupStage
			sink *stSink
		}{{own, ownSink}, {shared, sharedSink}} {
			c.Reset()
			x.s.Process(c, r, t0, x.sink)
			if i%97 == 0 {
				x.s.Advance(c, t0-30, x.sink)
			}
		}
		if i%211 == 0 || i == len(rows)-1 {
			a, err := own.Snapshot(nil)
			if err != nil {
				t.Fatal(err)
			}
			b, err := shared.Snapshot(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Fatalf("row %d: checkpoints differ (%d and %d bytes)", i, len(a), len(b))
			}
			// Each continues from the other's checkpoint.
			if err := own.Restore(b); err != nil {
				t.Fatal(err)
			}
			if err := shared.Restore(a); err != nil {
				t.Fatal(err)
			}
		}
	}
	c.Reset()
	own.Advance(c, EndOfTime, ownSink)
	shared.Advance(c, EndOfTime, sharedSink)
	if !slices.Equal(ownSink.lines, sharedSink.lines) {
		for i := range min(len(ownSink.lines), len(sharedSink.lines)) {
			if ownSink.lines[i] != sharedSink.lines[i] {
				t.Fatalf("row %d: shared %s, own %s", i, sharedSink.lines[i], ownSink.lines[i])
			}
		}
		t.Fatalf("%d rows shared, %d own", len(sharedSink.lines), len(ownSink.lines))
	}
	if len(ownSink.lines) == 0 {
		t.Fatal("no rows")
	}
}
