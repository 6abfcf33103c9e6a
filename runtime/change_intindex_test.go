package runtime

import (
	"math/rand/v2"
	"testing"
)

// TestIntIndexAgainstMap runs random puts, deletes and lookups on an
// intIndex and on a Go map, over key sets small and dense enough that
// probe runs wrap and deletions shift entries back, and compares them
// after every step.
func TestIntIndexAgainstMap(t *testing.T) {
	forSeeds(t, 41, 43, func(t *testing.T, rng *rand.Rand) {
		for round := range 20 {
			x := newIntIndex()
			ref := map[int64]int32{}
			span := int64(1 + rng.IntN(300))
			for step := range 3000 {
				k := rng.Int64N(span) - span/2
				if rng.IntN(8) == 0 {
					k ^= int64(rng.Uint64()) // a far key now and then
				}
				_, had := ref[k]
				switch {
				case had && rng.IntN(3) == 0:
					x.del(k)
					delete(ref, k)
				case !had:
					ref[k] = int32(step)
					x.put(k, int32(step))
				}
				want, wantOK := ref[k]
				if got, ok := x.get(k); ok != wantOK || (ok && got != want) || x.n != len(ref) {
					t.Fatalf("round %d step %d: get(%d) = %d, %v, want %d, %v; n %d, want %d", round, step, k, got, ok, want, wantOK, x.n, len(ref))
				}
				if step%97 != 0 {
					continue
				}
				n := 0
				x.each(func(k int64, id int32) {
					n++
					if want, ok := ref[k]; !ok || want != id {
						t.Fatalf("round %d step %d: each gives %d→%d, want %d (%v)", round, step, k, id, want, ok)
					}
				})
				if n != len(ref) {
					t.Fatalf("round %d step %d: each visits %d keys, want %d", round, step, n, len(ref))
				}
				for k, want := range ref {
					if got, ok := x.get(k); !ok || got != want {
						t.Fatalf("round %d step %d: get(%d) = %d, %v, want %d", round, step, k, got, ok, want)
					}
				}
			}
		}
	})
}
