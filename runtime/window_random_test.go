package runtime

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// stBruteCell is one (window, key) of the brute-force model.
type stBruteCell struct {
	start, end int64
	key        string
	first      int // arrival of the first record that joined
	vals       []Value
}

func (b *stBruteCell) row() string {
	var cnt, nn, sum int64
	var lo, hi Value
	for _, v := range b.vals {
		cnt++
		if v.T == TNull {
			continue
		}
		if nn == 0 || v.I < lo.I {
			lo = v
		}
		if nn == 0 || v.I > hi.I {
			hi = v
		}
		nn++
		sum += v.I
	}
	seen := map[int64]bool{}
	var dsum int64
	for _, v := range b.vals {
		if v.T != TNull && !seen[v.I] {
			seen[v.I] = true
			dsum += v.I
		}
	}
	r := Row{stStr(b.key), Int(cnt), Int(nn), Null, lo, hi, Null, Null, Null, Int(int64(len(seen))), Timestamp(b.start), Timestamp(b.end)}
	if nn > 0 {
		r[3], r[6] = Int(sum), Double(float64(sum)/float64(nn))
		r[7], r[8] = Int(dsum), Double(float64(dsum)/float64(len(seen)))
	}
	return stFmt(r)
}

func stRandomConfig(w WindowSpec, emit EmitMode) GroupConfig {
	x := stCol(1)
	return GroupConfig{
		Keys: []Expr{stCol(0)},
		Aggs: []AggSpec{
			{Func: CountStar}, {Func: Count, Arg: x}, {Func: Sum, Arg: x, ResultType: TInt},
			{Func: Min, Arg: x}, {Func: Max, Arg: x}, {Func: Avg, Arg: x, ResultType: TDouble},
			// SUM/AVG(DISTINCT x): the seen-set is per group and window,
			// merged when sessions merge.
			{Func: Sum, Arg: x, ResultType: TInt, Distinct: true}, {Func: Avg, Arg: x, ResultType: TDouble, Distinct: true},
			{Func: CountDistinct, Arg: x},
		},
		Window: w,
		Emit:   emit,
	}
}

// stRandomEvents makes n records over 4 keys, out of order by up to
// spread ms, some of them beyond the watermark delay.
func stRandomEvents(rng *rand.Rand, n int, spread int64) []stEvent {
	evs := make([]stEvent, n)
	base := int64(1_000_000)
	for i := range evs {
		base += rng.Int64N(300)
		x := Int(rng.Int64N(101) - 50)
		if rng.IntN(10) == 0 {
			x = Null
		}
		evs[i] = stEvent{row: Row{stStr(fmt.Sprint("k", rng.IntN(4))), x}, t: base - rng.Int64N(spread)}
	}
	return evs
}

// TestTumbleHopRandomAgainstBruteForce replays random out-of-order input
// (with late records) through TUMBLE and HOP stages and through a model
// that assigns each record to every window containing it that is still
// open, emitting in (window_end, window_start, first seen) order.
func TestTumbleHopRandomAgainstBruteForce(t *testing.T) {
	forSeeds(t, 3, 5, func(t *testing.T, rng *rand.Rand) {
		for _, w := range []WindowSpec{
			{Kind: Tumble, Size: 1000}, {Kind: Tumble, Size: 7000},
			{Kind: Hop, Slide: 1000, Size: 3000}, {Kind: Hop, Slide: 2000, Size: 5000}, {Kind: Hop, Slide: 500, Size: 500}, {Kind: Hop, Slide: 100, Size: 2000},
		} {
			for _, emit := range []EmitMode{EmitFinal, EmitChanges} {
				const delay = 2000
				evs := stRandomEvents(rng, 3000, delay+w.Size+2000)
				t.Run(fmt.Sprintf("%v/emit=%d", w, emit), func(t *testing.T) {
					got := stRun(NewGroupStage(stRandomConfig(w, emit)), delay, evs)
					want := stBruteWindows(w, emit == EmitFinal, delay, evs)
					if !slices.Equal(got, want) {
						for i := range min(len(got), len(want)) {
							if got[i] != want[i] {
								t.Fatalf("line %d: got %s, want %s (%d vs %d lines)", i, got[i], want[i], len(got), len(want))
							}
						}
						t.Fatalf("got %d lines, want %d", len(got), len(want))
					}
					if !slices.ContainsFunc(want, func(s string) bool { return strings.HasPrefix(s, "LATE") }) {
						t.Fatal("the input has no late record: the test does not cover lateness")
					}
				})
			}
		}
	})
}

func stBruteWindows(w WindowSpec, final bool, delay int64, evs []stEvent) []string {
	slide := w.Slide
	if w.Kind == Tumble {
		slide = w.Size
	}
	var out []string
	cells := map[string]*stBruteCell{}
	var open []*stBruteCell
	wm, maxT := int64(math.MinInt64), int64(math.MinInt64)
	closeUpTo := func(wm int64) {
		var ready []*stBruteCell
		keep := open[:0]
		for _, c := range open {
			if c.end <= wm {
				ready = append(ready, c)
			} else {
				keep = append(keep, c)
			}
		}
		open = keep
		slices.SortFunc(ready, func(a, b *stBruteCell) int {
			return cmp.Or(cmp.Compare(a.end, b.end), cmp.Compare(a.start, b.start), cmp.Compare(a.first, b.first))
		})
		for _, c := range ready {
			if final {
				out = append(out, c.row())
			}
			delete(cells, fmt.Sprint(c.start, c.key))
		}
	}
	for i, e := range evs {
		key := string(e.row[0].S)
		var joined []int64
		for s := windowFloorDiv(e.t, slide) * slide; s > e.t-w.Size; s -= slide {
			if s+w.Size > wm {
				joined = append(joined, s)
			}
		}
		if len(joined) == 0 {
			out = append(out, fmt.Sprint("LATE ", e.t))
			continue
		}
		slices.Sort(joined)
		for _, s := range joined {
			id := fmt.Sprint(s, key)
			c := cells[id]
			if c == nil {
				c = &stBruteCell{start: s, end: s + w.Size, key: key, first: i}
				cells[id] = c
				open = append(open, c)
			}
			c.vals = append(c.vals, e.row[1])
			if !final {
				out = append(out, c.row())
			}
		}
		maxT = max(maxT, e.t)
		if maxT-delay > wm {
			wm = maxT - delay
			closeUpTo(wm)
		}
	}
	closeUpTo(EndOfTime)
	return out
}

// TestSessionRandomAgainstBruteForce: when no record is late, sessions are
// the runs of each key's sorted event times with gaps <= gap, whatever the
// arrival order; each is emitted at the first watermark >= its end.
func TestSessionRandomAgainstBruteForce(t *testing.T) {
	forSeeds(t, 9, 1, func(t *testing.T, rng *rand.Rand) {
		for _, gap := range []int64{200, 700, 3000} {
			const delay = 2500
			evs := stRandomEvents(rng, 3000, 1)
			// shuffle within the delay, never behind the watermark
			maxT := int64(math.MinInt64)
			for i := range evs {
				maxT = max(maxT, evs[i].t)
				evs[i].t = maxT - rng.Int64N(delay)
				if i > 0 {
					evs[i].t = max(evs[i].t, stWatermarkAfter(evs[:i], delay)+1)
				}
			}
			t.Run(fmt.Sprint("gap=", gap), func(t *testing.T) {
				got := stRun(NewGroupStage(stRandomConfig(WindowSpec{Kind: Session, Gap: gap}, EmitFinal)), delay, evs)
				want := stBruteSessions(gap, delay, evs)
				if !slices.Equal(got, want) {
					for i := range min(len(got), len(want)) {
						if got[i] != want[i] {
							t.Fatalf("line %d: got %s, want %s", i, got[i], want[i])
						}
					}
					t.Fatalf("got %d lines, want %d", len(got), len(want))
				}
			})
		}
	})
}

func stWatermarkAfter(evs []stEvent, delay int64) int64 {
	m := int64(math.MinInt64 / 2)
	for _, e := range evs {
		m = max(m, e.t)
	}
	return m - delay
}

func stBruteSessions(gap, delay int64, evs []stEvent) []string {
	type rec struct {
		t   int64
		i   int
		val Value
	}
	byKey := map[string][]rec{}
	for i, e := range evs {
		k := string(e.row[0].S)
		byKey[k] = append(byKey[k], rec{e.t, i, e.row[1]})
	}
	var sessions []*stBruteCell
	for k, rs := range byKey {
		slices.SortStableFunc(rs, func(a, b rec) int { return cmp.Compare(a.t, b.t) })
		var cur *stBruteCell
		var members []rec
		flush := func() {
			if cur == nil {
				return
			}
			slices.SortFunc(members, func(a, b rec) int { return cmp.Compare(a.i, b.i) })
			for _, m := range members {
				cur.vals = append(cur.vals, m.val)
			}
			cur.first = members[0].i
			sessions = append(sessions, cur)
		}
		for _, r := range rs {
			if cur == nil || r.t > cur.end {
				flush()
				cur, members = &stBruteCell{start: r.t, key: k}, nil
			}
			cur.end = r.t + gap
			members = append(members, r)
		}
		flush()
	}
	var out []string
	emitted := map[*stBruteCell]bool{}
	closeUpTo := func(wm int64) {
		var ready []*stBruteCell
		for _, s := range sessions {
			if !emitted[s] && s.end <= wm {
				ready = append(ready, s)
				emitted[s] = true
			}
		}
		slices.SortFunc(ready, func(a, b *stBruteCell) int {
			return cmp.Or(cmp.Compare(a.end, b.end), cmp.Compare(a.start, b.start), cmp.Compare(a.first, b.first))
		})
		for _, s := range ready {
			out = append(out, s.row())
		}
	}
	wm, maxT := int64(math.MinInt64), int64(math.MinInt64)
	for _, e := range evs {
		maxT = max(maxT, e.t)
		if maxT-delay > wm {
			wm = maxT - delay
			closeUpTo(wm)
		}
	}
	closeUpTo(EndOfTime)
	return out
}
