package runtime

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestIntervalJoinAgainstBruteForce: rows of both sides with times out of
// order by at most the watermark delay, Advance after every row, keys
// coming and going (their state reused) and the input's bytes reused
// after each call: the joined rows are every pair the batch join gives
// (equal keys, right time − left time in [Lo, Hi]), with their strings.
// It runs with both sides scanned (never indexed), indexed from the start,
// and indexed part-way (a side once its scans cost more than a small
// slack), also in its own order: a key's rows in arrival order.
func TestIntervalJoinAgainstBruteForce(t *testing.T) {
	for _, mode := range []int8{-1, 1, 0} {
		t.Run(fmt.Sprintf("indexing=%d", mode), func(t *testing.T) { testIntervalJoinAgainstBruteForce(t, mode) })
	}
}

func testIntervalJoinAgainstBruteForce(t *testing.T, mode int8) {
	forSeeds(t, 13, 5, func(t *testing.T, rng *rand.Rand) {
		col := func(i int) Expr { return func(c *Ctx, r Row) Value { return r[i] } }
		lo, hi := int64(-rng.IntN(20)), int64(rng.IntN(30))
		const delay = 15
		j := &IntervalJoin{LeftKey: col(0), RightKey: col(0), LeftTime: 1, RightTime: 1, Lo: lo, Hi: hi,
			LeftWidth: 3, RightWidth: 3, LeftFirst: true, RightKeep: []bool{true, true, false},
			indexing: mode, indexFactor: 1, indexSlack: int64(rng.IntN(300))}
		indexedAt := [2]int{-1, -1}
		type in struct {
			side int
			k, t int64
			s    string
		}
		var all []in
		var got []string
		buf := make([]byte, 0, 8)
		maxT := int64(0)
		for i := 0; i < 600; i++ {
			x := in{side: rng.IntN(2), k: int64(rng.IntN(4 + i/100)), t: int64(i) + int64(rng.IntN(delay))}
			x.s = fmt.Sprintf("s%d", i)
			buf = append(buf[:0], x.s...)
			key := Int(x.k) // odd keys are strings: looked up by text, not number
			if x.k%2 == 1 {
				key = String([]byte(fmt.Sprint(x.k)))
			}
			r := Row{key, Timestamp(x.t), String(buf)}
			for _, o := range j.Process(&Ctx{}, x.side, r) {
				got = append(got, fmt.Sprintf("%s %d %s | %s %d", AppendValueKey(nil, o[0]), o[1].I, o[2].S, AppendValueKey(nil, o[3]), o[4].I)) // o[5]: not kept
			}
			for k := range buf {
				buf[k] = '#'
			}
			for s := range indexedAt {
				if j.indexed[s] && indexedAt[s] < 0 {
					indexedAt[s] = i
				}
			}
			all = append(all, x)
			maxT = max(maxT, x.t)
			j.Advance(maxT - delay)
		}
		var want []string
		for _, l := range all {
			for _, r := range all {
				if l.side == LeftSide && r.side == RightSide && l.k == r.k && r.t-l.t >= lo && r.t-l.t <= hi {
					kt := fmt.Sprint(l.k)
					if l.k%2 == 1 {
						kt = `"` + kt + `"`
					}
					want = append(want, fmt.Sprintf("%s %d %s | %s %d", kt, l.t, l.s, kt, r.t))
				}
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		switch {
		case mode == 0 && (indexedAt[0] <= 0 || indexedAt[1] <= 0):
			t.Fatalf("adaptive: sides indexed at rows %v, want both part-way", indexedAt)
		case mode < 0 && (indexedAt[0] >= 0 || indexedAt[1] >= 0), mode > 0 && (indexedAt[0] != 0 || indexedAt[1] != 0):
			t.Fatalf("indexing %d: sides indexed at rows %v", mode, indexedAt)
		}
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Fatalf("lo %d hi %d: %d joined rows, want %d\n got %.2000q\nwant %.2000q", lo, hi, len(got), len(want), got, want)
		}
		if j.Advance(1 << 40); j.StateRows() != 0 || len(j.keys)+len(j.ints) != 0 {
			t.Fatalf("after the last watermark: %d rows, %d keys", j.StateRows(), len(j.keys)+len(j.ints))
		}
	})
}
