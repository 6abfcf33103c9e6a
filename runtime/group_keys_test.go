package runtime

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestKeyIndexColsMatchTuples: a key read in place from a row's columns
// (hashCols, findCols: a group stage whose keys are all columns) hashes
// and finds as the same key copied into a tuple does (hash, find: how a
// checkpoint's groups are restored, and keys computed by expressions) —
// for every value type, the values aggKeyEqual takes as equal (-0 and +0,
// every NaN, DECIMALs of different scales) and values of different types
// with equal bits, which it takes as different.
func TestKeyIndexColsMatchTuples(t *testing.T) {
	forSeeds(t, 11, 3, func(t *testing.T, rng *rand.Rand) {
		value := func() Value {
			n := rng.Int64N(4)
			switch rng.IntN(9) {
			case 0:
				return Null
			case 1:
				return Int(n)
			case 2:
				return Timestamp(n)
			case 3:
				return Bool(n&1 == 1)
			case 4:
				return Double([]float64{0, math.Copysign(0, -1), math.NaN(), -math.NaN(), 1.5, float64(n)}[rng.IntN(6)])
			case 5:
				sc := uint8(rng.IntN(3))
				return Decimal(n*int64(math.Pow10(int(sc))), sc) // n at scales 0–2: equal values
			case 6:
				return String([]byte([]string{"", "a", "b", "ab"}[n]))
			case 7:
				return Value{T: TJSON, S: []byte([]string{"1", "2", "[]", "{}"}[n])}
			}
			return Int(-n)
		}
		const width = 6
		cols := []int{4, 1, 3}
		x := newKeyIndex(len(cols))
		byTuple := map[int32]string{}
		for i := range 400 {
			r := make(Row, width)
			for c := range r {
				r[c] = value()
			}
			kv := make([]Value, len(cols))
			for i, c := range cols {
				kv[i] = r[c]
			}
			h := x.hash(kv)
			if hc := x.hashCols(r, cols); hc != h {
				t.Fatalf("row %d: hashCols %#x, hash of the same key %#x (%v)", i, hc, h, kv)
			}
			id, pos := x.find(h, kv)
			idc, posc := x.findCols(h, r, cols)
			if id != idc || pos != posc {
				t.Fatalf("row %d: findCols (%d, %d), find (%d, %d) (%v)", i, idc, posc, id, pos, kv)
			}
			if id < 0 {
				id = x.insert(h, kv, pos)
				byTuple[id] = rowText(kv)
			}
			// Against every stored key, not only those of the same hash.
			for other := range int32(len(byTuple)) {
				if e, ec := x.equal(other, kv), x.equalCols(other, r, cols); e != ec {
					t.Fatalf("row %d: equalCols %v, equal %v (%v against %v)", i, ec, e, kv, x.key(other))
				}
			}
		}
		if len(byTuple) < 20 {
			t.Fatalf("only %d distinct keys: the test draws too few", len(byTuple))
		}
	})
}
