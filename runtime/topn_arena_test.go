package runtime

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// topnRandValue is a value with any of its fields set: NULL, numbers of
// every kind (NaN, -0 and decimals among them), texts empty or not, nil
// or not.
func topnRandValue(rng *rand.Rand) Value {
	switch rng.IntN(9) {
	case 0:
		return Null
	case 1:
		return Int(rng.Int64() >> rng.IntN(64))
	case 2:
		return Int(0)
	case 3:
		return Value{T: TDouble, F: []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(-1), rng.NormFloat64()}[rng.IntN(5)]}
	case 4:
		return Decimal(rng.Int64N(1e9)-5e8, uint8(rng.IntN(7)))
	case 5:
		return String([]byte{})
	case 6:
		return Value{T: TString}
	case 7:
		return Timestamp(rng.Int64N(1 << 42))
	}
	// Every field at once, a long text now and then.
	s := []byte(strings.Repeat(string(rune('a'+rng.IntN(26))), rng.IntN(3)*rng.IntN(300)))
	return Value{T: Type(rng.IntN(8)), Scale: uint8(rng.IntN(3)), I: rng.Int64(), F: rng.Float64(), S: s}
}

func topnSameValue(a, b Value) bool {
	return a.T == b.T && a.Scale == b.Scale && a.I == b.I && math.Float64bits(a.F) == math.Float64bits(b.F) &&
		(a.S == nil) == (b.S == nil) && bytes.Equal(a.S, b.S)
}

// TestTopnValueEncoding: a list of random values encoded back to back by
// topnPutValue takes the bytes topnValueSize counts, decodes to the same
// values field by field (a nil text stays nil, an empty one empty, NaN and
// -0 bit for bit), and topnSkipValue steps over each exactly.
func TestTopnValueEncoding(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 19))
	for round := range 2000 {
		vals := make([]Value, 1+rng.IntN(12))
		n := 0
		for i := range vals {
			vals[i] = topnRandValue(rng)
			n += topnValueSize(&vals[i])
		}
		b := make([]byte, n+3)
		at := 3
		for i := range vals {
			at = topnPutValue(b, at, &vals[i])
		}
		if at != n+3 {
			t.Fatalf("round %d: encoded %d bytes, sizes say %d", round, at-3, n)
		}
		at, skip := 3, 3
		for i := range vals {
			var v Value
			at = topnGetValue(b, at, &v)
			if skip = topnSkipValue(b, skip); skip != at {
				t.Fatalf("round %d value %d: skip ends at %d, decode at %d", round, i, skip, at)
			}
			if !topnSameValue(v, vals[i]) {
				t.Fatalf("round %d value %d: decoded %#v, want %#v", round, i, v, vals[i])
			}
		}
	}
}

// TestTopnArenaRegions: regions allocated and given back at random never
// overlap one another or the texts cut between them — each live region
// keeps the pattern written into it — every region has the bytes asked
// for within its size class (at most 1.5 times them, 16 at least), and a
// region given back is handed out again for its class instead of new
// bytes.
func TestTopnArenaRegions(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 23))
	type region struct {
		ref        uint64
		n, size    int
		pat        byte
		text, keep bool
	}
	var a topnArena
	var live []region
	check := func(step int) {
		for _, r := range live {
			for i, c := range a.bytes(r.ref, r.n) {
				if c != r.pat {
					t.Fatalf("step %d: region %#x (%d bytes) byte %d is %d, want %d: overwritten", step, r.ref, r.n, i, c, r.pat)
				}
			}
		}
	}
	reused := 0
	for step := range 20000 {
		switch op := rng.IntN(10); {
		case op < 5 || len(live) == 0:
			n := 1 + rng.IntN(200)
			if rng.IntN(200) == 0 {
				n = topnMaxClass - 100 + rng.IntN(300) // around the largest class, and past it
			}
			free := -1
			if c, _ := topnClass(n); c >= 0 {
				free = len(a.free[c])
			}
			ref, size := a.alloc(n)
			if size < n || (n > 16 && size*2 > n*3) || size < 16 {
				t.Fatalf("alloc(%d) gave %d bytes", n, size)
			}
			if free > 0 {
				reused++
				if c, _ := topnClass(n); len(a.free[c]) != free-1 {
					t.Fatalf("alloc(%d) with %d regions free in its class did not take one", n, free)
				}
			}
			r := region{ref: ref, n: n, size: size, pat: byte(1 + rng.IntN(255))}
			copy(a.bytes(ref, n), bytes.Repeat([]byte{r.pat}, n))
			live = append(live, r)
		case op < 6:
			n := 1 + rng.IntN(40) // a key's text: never given back
			ref := a.cut(n)
			r := region{ref: ref, n: n, pat: byte(1 + rng.IntN(255)), text: true}
			copy(a.bytes(ref, n), bytes.Repeat([]byte{r.pat}, n))
			live = append(live, r)
		default:
			i := rng.IntN(len(live))
			if r := live[i]; !r.text {
				a.release(r.ref, r.size)
				live[i] = live[len(live)-1]
				live = live[:len(live)-1]
			}
		}
		if step%500 == 0 {
			check(step)
		}
	}
	check(20000)
	if reused < 1000 {
		t.Fatalf("%d regions reused", reused)
	}
}

// TestTopnClass: the size classes cover every size up to the largest,
// grow with it, and waste less than half.
func TestTopnClass(t *testing.T) {
	prevC, prevSize := 0, 16
	for n := 1; n <= topnMaxClass+1; n++ {
		c, size := topnClass(n)
		if n > topnMaxClass {
			if c != -1 || size != n {
				t.Fatalf("topnClass(%d) = %d, %d; want -1, %d", n, c, size, n)
			}
			break
		}
		if c < 0 || c >= topnClasses || size < n || c < prevC || (c == prevC) != (size == prevSize) || (n > 16 && size*2 > n*3) {
			t.Fatalf("topnClass(%d) = %d, %d after %d, %d", n, c, size, prevC, prevSize)
		}
		prevC, prevSize = c, size
	}
	if prevC != topnClasses-1 || prevSize != topnMaxClass {
		t.Fatalf("last class %d of %d bytes", prevC, prevSize)
	}
}

// TestKeyedTopSmallManyKeysAndCollisions: with thousands of PARTITION BY
// keys (the key table grows many times) and a key's hash cut to a few
// bits (different keys' hashes equal: only the key's text tells them
// apart), the keyed Top-N of a few rows emits exactly what the general
// keyed Top-N emits, record by record, and so does a stage restored from a
// snapshot taken mid-stream; its rows (texts of random lengths, long ones
// now and then) survive other rows being dropped and their regions reused.
func TestKeyedTopSmallManyKeysAndCollisions(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 29))
	for _, hmask := range []uint64{^uint64(0), 0xff | 0xff<<32, 3, 0} {
		for _, n := range []int64{1, 3, 10} {
			desc := []bool{rng.IntN(2) == 0, rng.IntN(2) == 0}
			cfg, by := top1Cfg(n, desc)
			small := newKeyedTopSmall(cfg, by)
			small.hmask = hmask
			one, ref := top1Pipe(small), top1Pipe(newKeyedTopN(cfg, by))
			var restored *Pipeline
			keys := 3000
			if hmask < 0x100 {
				keys = 300 // every lookup compares with every key of its hash
			}
			var c Ctx
			kb, sb := make([]byte, 0, 16), make([]byte, 0, 64)
			records := 6 * keys
			for i := range records {
				kb = fmt.Appendf(kb[:0], "k%d", rng.IntN(1+rng.IntN(keys)))
				sb = append(sb[:0], strings.Repeat("s", rng.IntN(60))...)
				if rng.IntN(500) == 0 {
					sb = append(sb, strings.Repeat("L", 40<<10)...) // past the largest class
				}
				// Columns: the PARTITION BY key, a text or any value, and
				// the ORDER BY columns (a number, a text; NULL now and then).
				r := Row{String(kb), String(sb), Int(rng.Int64N(20)), String(fmt.Appendf(nil, "%d", rng.IntN(4)))}
				if rng.IntN(3) == 0 {
					r[1] = topnRandValue(rng)
				}
				if rng.IntN(8) == 0 {
					r[2] = Null
				}
				if rng.IntN(8) == 0 {
					r[3] = Null
				}
				if i == records/2 {
					snap, err := small.Snapshot(nil)
					if err != nil {
						t.Fatal(err)
					}
					cfg2, by2 := top1Cfg(n, desc)
					rs := newKeyedTopSmall(cfg2, by2)
					rs.hmask = hmask
					if err := rs.Restore(snap); err != nil {
						t.Fatal(err)
					}
					restored = top1Pipe(rs)
				}
				got := topnRender(one, one.Execute(&c, r, 0))
				want := topnRender(ref, ref.Execute(&c, r, 0))
				if c.Err != nil {
					t.Fatal(c.Err)
				}
				if got != want {
					t.Fatalf("hmask %#x n=%d record %d: emits\n%sthe keyed Top-N\n%s", hmask, n, i, got, want)
				}
				if restored != nil {
					if rg := topnRender(restored, restored.Execute(&c, r, 0)); rg != got {
						t.Fatalf("hmask %#x n=%d record %d: restored stage emits\n%sthe original\n%s", hmask, n, i, rg, got)
					}
				}
				kb[0], sb = '#', append(sb[:0], "overwritten"...)
			}
			if small.tab.n != len(small.keys) || len(small.keys) < keys/2 {
				t.Fatalf("hmask %#x: %d keys, the table holds %d", hmask, len(small.keys), small.tab.n)
			}
		}
	}
}

// topnRender writes a pipeline's outputs as text: op, key and row.
func topnRender(p *Pipeline, outs []Row) string {
	var b strings.Builder
	for j, o := range outs {
		fmt.Fprintf(&b, "%s %s", p.Ops()[j], p.Keys()[j])
		for _, v := range o {
			fmt.Fprintf(&b, " %s|%d|%d|%x|%t", AppendValueJSON(nil, v), v.T, v.Scale, math.Float64bits(v.F), v.S == nil)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
