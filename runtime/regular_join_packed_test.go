package runtime

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// TestRegularJoinPackedSides: a join whose append-only, not preserved
// sides are packed (rows as bytes in an arena, regular_join_packed.go)
// emits exactly the outputs, in order and value for value (type, scale,
// number, float bits, string bytes; an empty string may be nil, as the
// changelog join's copy of it is), of the
// same join keeping every side as a changelog — for INNER, LEFT and RIGHT
// joins, one or both sides append-only, BIGINT, digit-text and other text
// join keys, NULL join keys, every value type, strings longer than an
// arena chunk, random kept-column masks, input bytes reused after each
// change, snapshots taken midway restored both ways (packed into a
// changelog join and back), and packed sides unpacked midway (a low
// unpackFloor) or not.
func TestRegularJoinPackedSides(t *testing.T) {
	for _, preserve := range []int{-1, LeftSide, RightSide} {
		for _, mask := range []int{1, 2, 3} {
			for _, keys := range []string{"int", "digits", "text"} {
				ao := [2]bool{mask&1 != 0, mask&2 != 0}
				name := fmt.Sprintf("preserve=%d/appendonly=%v/keys=%s", preserve, ao, keys)
				t.Run(name, func(t *testing.T) {
					forSeeds(t, 5, uint64(preserve+2)*31+uint64(mask)*7+uint64(len(keys)), func(t *testing.T, rng *rand.Rand) {
						testPackedSides(t, rng, preserve, ao, keys)
					})
				})
			}
		}
	}
}

func testPackedSides(t *testing.T, rng *rand.Rand, preserve int, ao [2]bool, keys string) {
	const width = 5
	col := func(i int) Expr { return func(c *Ctx, r Row) Value { return r[i] } }
	var keep [2][]bool
	for s := range keep {
		keep[s] = make([]bool, width)
		for i := range keep[s] {
			keep[s][i] = i == 0 || i == 3 || rng.IntN(3) != 0 // the key and Cond's column are read
		}
	}
	var floor int64 // packed sides unpack after this many decodes (0: the default)
	if rng.IntN(2) == 0 {
		floor = 1 + rng.Int64N(60)
	}
	mk := func(mark bool) *RegularJoin {
		j := &RegularJoin{LeftKey: col(0), RightKey: col(0), LeftWidth: width, RightWidth: width, Preserve: preserve,
			Cond: func(c *Ctx, r Row) Value { // ON … AND l.c3 <= r.c3 + 2
				if r[3].T == TNull || r[width+3].T == TNull {
					return Null
				}
				return Bool(r[3].I <= r[width+3].I+2)
			},
			LeftFilter: func(c *Ctx, r Row) Value { return Bool(r[3].I != 5) },
			LeftKeep:   keep[0], RightKeep: keep[1]}
		if mark {
			j.AppendOnly, j.unpackFloor = ao, floor
		}
		return j
	}
	a, b := mk(true), mk(false)
	for s := range ao {
		if want := ao[s] && !a.keeps(s); a.packedFor(s) != want {
			t.Fatalf("side %d packed %v, want %v", s, a.packedFor(s), want)
		}
	}
	if !a.packedFor(LeftSide) && !a.packedFor(RightSide) {
		return // nothing to pack in this configuration
	}
	var restored [2]*RegularJoin // snapshots of a restored into packed and changelog joins
	var got [4][]string
	rec := func(i int) JoinEmitter {
		return emitFunc(func(c *Ctx, old, new Row, key []byte) {
			got[i] = append(got[i], fmt.Sprintf("%s>%s@%s", valuesText(old), valuesText(new), key))
		})
	}
	c := &Ctx{}
	seq := [2]int{}
	bufs := make([][]byte, width)
	big := make([]byte, arenaChunk+100)
	for step := 0; step < 300; step++ {
		side := rng.IntN(2)
		var key []byte
		var r Row
		if ao[side] {
			seq[side]++
			key = fmt.Appendf(nil, "0.%d", seq[side])
		} else {
			key = fmt.Appendf(nil, "k%d", rng.IntN(8))
		}
		if ao[side] || rng.IntN(4) != 0 {
			r = make(Row, width)
			k := rng.IntN(9) - 1
			switch {
			case rng.IntN(10) == 0:
				r[0] = Null
			case keys == "int":
				r[0] = Int(int64(k))
			case keys == "digits":
				bufs[0] = strconv.AppendInt(bufs[0][:0], int64(k), 10)
				r[0] = String(bufs[0])
			default:
				bufs[0] = fmt.Appendf(bufs[0][:0], "key|%d\\", k)
				r[0] = String(bufs[0])
			}
			for i := 1; i < width; i++ {
				r[i], bufs[i] = randomValue(rng, bufs[i][:0], big)
			}
			r[3] = Int(int64(rng.IntN(8)))
		}
		a.Change(c, side, key, r, rec(0))
		b.Change(c, side, key, r, rec(1))
		for i, x := range restored {
			if x != nil {
				x.Change(c, side, key, r, rec(2+i))
			}
		}
		if c.Err != nil {
			t.Fatal(c.Err)
		}
		for _, buf := range bufs {
			for i := range buf {
				buf[i] = '#' // the input's bytes are the caller's again
			}
		}
		if step == 150 {
			restored = [2]*RegularJoin{mk(true), mk(false)}
			if err := restored[0].Restore(b.Snapshot(nil)); err != nil {
				t.Fatal(err)
			}
			if err := restored[1].Restore(a.Snapshot(nil)); err != nil {
				t.Fatal(err)
			}
			got[2], got[3] = slices.Clone(got[0]), slices.Clone(got[0])
		}
	}
	for i := 1; i < len(got); i++ {
		if len(got[0]) == 0 || !slices.Equal(got[0], got[i]) {
			for k := range min(len(got[0]), len(got[i])) {
				if got[0][k] != got[i][k] {
					t.Fatalf("output %d of %d differs from the packed join's:\n packed %s\n  other %s", k, i, got[0][k], got[i][k])
				}
			}
			t.Fatalf("outputs: packed %d, join %d: %d", len(got[0]), i, len(got[i]))
		}
	}
	for _, x := range []*RegularJoin{b, restored[0], restored[1]} {
		if x.StateRows() != a.StateRows() {
			t.Fatalf("state rows %d, packed %d", x.StateRows(), a.StateRows())
		}
	}
}

// packedFor reports whether side's rows are packed (after a change).
func (j *RegularJoin) packedFor(side int) bool {
	if j.sides[0].byKey == nil {
		j.init()
	}
	return j.packed[side]
}

// randomValue is a value of any type, its bytes in buf (or big's).
func randomValue(rng *rand.Rand, buf, big []byte) (Value, []byte) {
	switch rng.IntN(12) {
	case 0:
		return Null, buf
	case 1:
		return Int(rng.Int64() >> rng.IntN(64)), buf
	case 2:
		return Int(0), buf
	case 3:
		return Double([]float64{0, math.Copysign(0, -1), 1.5, -2.25e300, math.Inf(1), math.NaN()}[rng.IntN(6)]), buf
	case 4:
		return Decimal(rng.Int64N(1e6)-5e5, uint8(rng.IntN(5))), buf
	case 5:
		return Value{T: TString}, buf // a nil string
	case 6:
		return String(buf[:0]), buf // an empty one (not nil when buf is not)
	case 7:
		buf = fmt.Appendf(buf, "s%d\x00é", rng.IntN(1000))
		return String(buf), buf
	case 8:
		if rng.IntN(30) == 0 {
			return String(big), buf // longer than an arena chunk
		}
		return Timestamp(rng.Int64N(1 << 45)), buf
	case 9:
		return Bool(rng.IntN(2) == 0), buf
	case 10:
		buf = append(buf, `{"a":[1,2]}`...)
		return Value{T: TJSON, S: buf}, buf
	default:
		return Value{T: TDecimal, Scale: 3}, buf // a zero with a scale
	}
}

// valuesText writes every field of each value of r ("-" for no row); an
// empty string's S may be nil or not (copies of it differ).
func valuesText(r Row) string {
	if r == nil {
		return "-"
	}
	s := ""
	for _, v := range r {
		str := fmt.Sprintf("%q", v.S)
		if len(v.S) > 64 {
			h := fnv.New64a()
			h.Write(v.S)
			str = fmt.Sprintf("%d bytes %x", len(v.S), h.Sum64())
		}
		s += fmt.Sprintf("[%d %d %d %x %s]", v.T, v.Scale, v.I, math.Float64bits(v.F), str)
	}
	return s
}

// BenchmarkRegularJoinAppendOnly: Nexmark's auction ⋈ bid shape — an
// INNER join of two append-only sides, 1,000 auctions (10 columns, three
// strings) each met by the bids after it (7 columns, three strings, of
// which the query keeps three); an op is one bid.
func BenchmarkRegularJoinAppendOnly(b *testing.B) {
	for _, name := range []string{"default", "packed", "allread", "q4", "q4packed"} {
		b.Run(name, func(b *testing.B) {
			col := func(i int) Expr { return func(c *Ctx, r Row) Value { return r[i] } }
			bidKeep := []bool{true, false, true, false, false, true, false}
			if name == "allread" {
				bidKeep = nil
			}
			j := &RegularJoin{LeftKey: col(0), RightKey: col(0), LeftWidth: 10, RightWidth: 7, Preserve: -1,
				AppendOnly: [2]bool{true, true}, RightKeep: bidKeep}
			if name == "packed" || name == "q4packed" {
				j.unpackFloor = math.MaxInt64
			}
			if name == "q4" || name == "q4packed" { // auction: id, date_time, expires, category
				j.LeftKeep = []bool{true, false, false, false, false, true, true, false, true, false}
			}
			n := 0
			out := emitFunc(func(c *Ctx, old, new Row, key []byte) { n++ })
			c := &Ctx{}
			str := func(s string) Value { return String([]byte(s)) }
			var key []byte
			for i := range 1000 {
				key = strconv.AppendInt(append(key[:0], "0."...), int64(i), 10)
				j.Change(c, LeftSide, key, Row{Int(int64(i)), str("item name"), str("a description of the item"), Int(100), Int(200),
					Timestamp(int64(i)), Timestamp(int64(i) + 1000), Int(7), Int(10), str("extra extra extra")}, out)
			}
			bid := Row{Null, Int(5), Int(300), str("Google"), str("https://www.nexmark.com/abc/def/item.htm?query=1"), Null, str("some extra text")}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				bid[0], bid[5] = Int(int64(i%1000)), Timestamp(int64(i))
				key = strconv.AppendInt(append(key[:0], "0."...), int64(i), 10)
				j.Change(c, RightSide, key, bid, out)
			}
		})
	}
}
