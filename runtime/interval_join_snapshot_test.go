package runtime

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestIntervalJoinSnapshotRoundTrip: one join runs uninterrupted, another
// is snapshotted and restored into a fresh join every few rows (its
// input bytes reused, as a loop's are). Both give the same joined rows in
// the same order after every row, and hold the same number of rows; a
// snapshot restored into a join of another interval is refused. The
// uninterrupted join scans both sides (never indexes them); the restored
// one indexes from the start, never, or part-way (after a small slack,
// again after each restore): the same rows in the same order either way.
func TestIntervalJoinSnapshotRoundTrip(t *testing.T) {
	for _, mode := range []int8{-1, 1, 0} {
		t.Run(fmt.Sprintf("indexing=%d", mode), func(t *testing.T) { testIntervalJoinSnapshotRoundTrip(t, mode) })
	}
}

func testIntervalJoinSnapshotRoundTrip(t *testing.T, mode int8) {
	forSeeds(t, 31, 7, func(t *testing.T, rng *rand.Rand) {
		col := func(i int) Expr { return func(c *Ctx, r Row) Value { return r[i] } }
		lo, hi := int64(-rng.IntN(20)), int64(rng.IntN(30))
		const delay = 15
		mk := func() *IntervalJoin {
			return &IntervalJoin{LeftKey: col(0), RightKey: col(0), LeftTime: 1, RightTime: 1, Lo: lo, Hi: hi,
				LeftWidth: 3, RightWidth: 3, LeftFirst: true, RightKeep: []bool{true, true, false},
				indexing: mode, indexFactor: 1, indexSlack: int64(rng.IntN(100))}
		}
		a, b := mk(), mk()
		a.indexing = -1
		indexed := 0
		render := func(rows []Row) []string {
			var out []string
			for _, o := range rows {
				var sb strings.Builder
				for _, v := range o {
					sb.Write(AppendValueKey(nil, v))
					sb.WriteByte(' ')
				}
				out = append(out, sb.String())
			}
			return out
		}
		buf := make([]byte, 0, 8)
		maxT, restores, joined := int64(0), 0, 0
		for i := 0; i < 800; i++ {
			side, k, ts := rng.IntN(2), int64(rng.IntN(4+i/100)), int64(i)+int64(rng.IntN(delay))
			key := Int(k)
			if k%2 == 1 { // kept by text
				key = String([]byte(fmt.Sprintf("k%d", k)))
			}
			if k%3 == 0 { // a number's text: kept by number
				key = String([]byte(fmt.Sprint(k)))
			}
			buf = append(buf[:0], fmt.Sprintf("s%d", i)...)
			r := Row{key, Timestamp(ts), String(buf)}
			want := render(a.Process(&Ctx{}, side, r))
			got := render(b.Process(&Ctx{}, side, r))
			if !slices.Equal(got, want) {
				t.Fatalf("row %d (after %d restores): joined\n %q\nwant %q", i, restores, got, want)
			}
			joined += len(want)
			for k := range buf {
				buf[k] = '#'
			}
			maxT = max(maxT, ts)
			a.Advance(maxT - delay)
			b.Advance(maxT - delay)
			if a.StateRows() != b.StateRows() {
				t.Fatalf("row %d: %d rows held, want %d", i, b.StateRows(), a.StateRows())
			}
			if b.indexed[0] || b.indexed[1] {
				indexed++
			}
			if rng.IntN(7) == 0 {
				snap := b.Snapshot([]byte("prefix"))
				b = mk()
				if err := b.Restore(snap[len("prefix"):]); err != nil {
					t.Fatalf("row %d: restore: %v", i, err)
				}
				restores++
				if again := b.Snapshot(nil); string(again) != string(snap[len("prefix"):]) {
					t.Fatalf("row %d: a restored join's snapshot differs from the one it was restored from", i)
				}
			}
		}
		if joined == 0 || restores == 0 || mode >= 0 && indexed == 0 {
			t.Fatalf("%d joined rows, %d restores: the test proves nothing", joined, restores)
		}
		other := mk()
		other.Hi++
		if err := other.Restore(b.Snapshot(nil)); err == nil || !strings.Contains(err.Error(), "upper bound") {
			t.Fatalf("restoring into a join of another interval: %v, want an error naming the upper bound", err)
		}
		if err := mk().Restore(b.Snapshot(nil)[:5]); err == nil {
			t.Fatal("a truncated snapshot restored without error")
		}
	})
}
