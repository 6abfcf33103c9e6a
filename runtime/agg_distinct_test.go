package runtime

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// distinctRandValue draws values whose equal pairs are frequent: small
// integers of three word types, doubles with −0/+0 and NaNs, decimals of
// different scales that can be equal, and short strings.
func distinctRandValue(rng *rand.Rand, words, wide bool) Value {
	n := int64(rng.IntN(40) - 8)
	if wide && rng.IntN(3) == 0 {
		n = int64(rng.Uint64()) // spread over the whole table
	}
	k := rng.IntN(10)
	if words {
		k = rng.IntN(5)
	}
	switch k {
	case 0, 1:
		return Int(n)
	case 2:
		switch rng.IntN(6) {
		case 0:
			return Double(math.Copysign(0, -1))
		case 1:
			return Double(math.NaN())
		case 2:
			return Double(math.Float64frombits(math.Float64bits(math.NaN()) | 1)) // another NaN
		}
		return Double(float64(n) / 2)
	case 3:
		return Value{T: TTimestamp, I: n}
	case 4:
		return Value{T: TBool, I: n & 1}
	case 5, 6:
		sc := uint8(rng.IntN(3))
		return Value{T: TDecimal, I: n * int64(aggPow10[sc]), Scale: sc}
	default:
		return Value{T: TString, S: []byte{byte('a' + n&7), byte('a' + rng.IntN(2))}}
	}
}

// TestDistinctSetAgainstMap checks the distinct set against a map of the
// values' aggDistinctKey encodings (what the set replaced): add and has
// answers, the size, the keys listed, restoring from keys, and reuse after
// reset. Against a set whose table did not remember the value 0, or whose
// growth dropped values, it fails.
func TestDistinctSetAgainstMap(t *testing.T) {
	forSeeds(t, 0xd15c, 0x5e7, func(t *testing.T, rng *rand.Rand) {
		var d distinctSet
		for round := range 6 {
			if round%3 == 2 {
				d = distinctSet{} // a new set starts with its small words
			}
			ref := map[string]bool{}
			words, wide := round%2 == 0, round%3 == 0
			ops := 1 + rng.IntN(3000)
			if round%2 == 1 {
				ops = 1 + rng.IntN(12) // a few values: no table
			}
			for range ops {
				v := distinctRandValue(rng, words, wide)
				key := aggDistinctKey(nil, v)
				dk := key
				if distinctWordType(v.T) {
					dk = nil // as the stage passes it
				}
				if rng.IntN(4) == 0 {
					if got, want := d.has(&v, dk), ref[string(key)]; got != want {
						t.Fatalf("round %d: has(%v %v) = %v, want %v", round, v.T, v, got, want)
					}
					continue
				}
				if got, want := d.add(&v, dk), !ref[string(key)]; got != want {
					t.Fatalf("round %d: add(%v %v) = %v, want %v", round, v.T, v, got, want)
				}
				ref[string(key)] = true
				if d.len() != len(ref) {
					t.Fatalf("round %d: len %d, want %d", round, d.len(), len(ref))
				}
			}
			want := make([]string, 0, len(ref))
			for k := range ref {
				want = append(want, k)
			}
			slices.Sort(want)
			got := d.sortedKeys()
			if !slices.Equal(got, want) {
				t.Fatalf("round %d: keys %q, want %q", round, got, want)
			}
			var r distinctSet // restored from the keys, as a checkpoint does
			for _, k := range got {
				if !r.addKey([]byte(k)) {
					t.Fatalf("round %d: restoring %q: already there", round, k)
				}
				if !d.hasKey([]byte(k)) {
					t.Fatalf("round %d: hasKey(%q) false", round, k)
				}
			}
			if r.len() != len(ref) || !slices.Equal(r.sortedKeys(), want) {
				t.Fatalf("round %d: restored set differs: %q", round, r.sortedKeys())
			}
			d.reset()
			if d.len() != 0 || len(d.sortedKeys()) != 0 {
				t.Fatalf("round %d: reset set still holds %d values", round, d.len())
			}
		}
	})
}

// TestDistinctSetMalformedKey: a damaged checkpoint's key is kept as
// bytes instead of failing the decoding.
func TestDistinctSetMalformedKey(t *testing.T) {
	var d distinctSet
	for _, k := range [][]byte{nil, {byte(TInt)}, {byte(TDouble), 1, 2}} {
		if !d.addKey(k) || !d.hasKey(k) {
			t.Fatalf("key %v not kept", k)
		}
	}
}

// TestCountDistinctTypesAndReuse: COUNT(DISTINCT x) through the stage
// over values of several types (a BIGINT and a TIMESTAMP with the same
// number are different values; −0 = +0; NaNs are one value), and a
// TUMBLE window whose recycled cells reuse the set.
func TestCountDistinctTypesAndReuse(t *testing.T) {
	vals := stInts(1, 1, Value{T: TTimestamp, I: 1}, 0, nil, Value{T: TBool, I: 0},
		Double(0), Double(math.Copysign(0, -1)), Double(math.NaN()), Double(math.NaN()),
		Value{T: TDecimal, I: 10, Scale: 1}, Value{T: TDecimal, I: 1}, "a", "a", 2)
	got, err := stAggregate(AggSpec{Func: CountDistinct, ArgType: TInt, ResultType: TInt}, vals)
	if err != nil {
		t.Fatal(err)
	}
	// 1, ts 1, 0, false, 0.0, NaN, 1.0 (decimal), "a", 2
	if first, _, _ := strings.Cut(got, "|"); first != "9" {
		t.Fatalf("COUNT(DISTINCT) row %s, want 9 first", got)
	}

	st := NewGroupStage(GroupConfig{
		Aggs:   []AggSpec{{Func: CountDistinct, Arg: stCol(0), ArgType: TInt, ResultType: TInt}},
		Window: WindowSpec{Kind: Tumble, Size: 10},
		Emit:   EmitFinal,
	})
	sink := &stSink{}
	c := &Ctx{}
	for w := range int64(5) {
		for i := range int64(3000) {
			c.Reset()
			st.Process(c, Row{Int((i * 7) % (100 * (w + 1)))}, w*10+i%10, sink)
		}
		st.Advance(c, w*10+10, sink)
	}
	var counts []string
	for _, l := range sink.lines {
		first, _, _ := strings.Cut(l, "|")
		counts = append(counts, first)
	}
	if want := []string{"100", "200", "300", "400", "500"}; !slices.Equal(counts, want) {
		t.Fatalf("per window counts %v, want %v", counts, want)
	}
}
