package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// joinTable applies a regular join's output changes as a consumer would
// (last row per key) and checks that each change's old row is the row its
// key holds: an upsert of a new key has no old row, a delete names the
// row it deletes.
type joinTable struct {
	t    *testing.T
	rows map[string]string
}

func (jt *joinTable) JoinChange(c *Ctx, old, new Row, key []byte) {
	k := string(key)
	had, ok := jt.rows[k]
	switch {
	case old == nil && ok:
		jt.t.Fatalf("key %q: insertion of %s over live row %s", k, rowText(new), had)
	case old != nil && !ok:
		jt.t.Fatalf("key %q: retraction of %s, which is not live", k, rowText(old))
	case old != nil && had != rowText(old):
		jt.t.Fatalf("key %q: retraction of %s, live row is %s", k, rowText(old), had)
	}
	if new == nil {
		delete(jt.rows, k)
	} else {
		jt.rows[k] = rowText(new)
	}
}

func rowText(r Row) string {
	s := ""
	for i, v := range r {
		if i > 0 {
			s += ","
		}
		if v.T == TNull {
			s += "NULL"
		} else {
			s += strconv.FormatInt(v.I, 10)
		}
	}
	return s
}

// TestRegularJoinAgainstBruteForce applies random upserts and deletes to
// both sides of INNER, LEFT, RIGHT and FULL joins (with and without a residual
// condition and a side filter) and compares, after every change, the live
// output rows with a nested-loop join of the live input rows.
func TestRegularJoinAgainstBruteForce(t *testing.T) {
	col := func(i int) Expr { return func(c *Ctx, r Row) Value { return r[i] } }
	for _, preserve := range []int{-1, LeftSide, RightSide, BothSides} {
		for _, withCond := range []bool{false, true} {
			name := fmt.Sprintf("preserve=%d/cond=%v", preserve, withCond)
			t.Run(name, func(t *testing.T) {
				forSeeds(t, 11, uint64(preserve+2)*3+map[bool]uint64{false: 0, true: 1}[withCond], func(t *testing.T, rng *rand.Rand) {
					j := &RegularJoin{LeftKey: col(0), RightKey: col(0), LeftWidth: 2, RightWidth: 2, Preserve: preserve}
					// ON l.k = r.k [AND l.v <= r.v], WHERE r.v <> 3 pushed onto the right.
					if withCond {
						j.Cond = func(c *Ctx, r Row) Value {
							if r[1].T == TNull || r[3].T == TNull {
								return Null
							}
							return Bool(r[1].I <= r[3].I)
						}
					}
					j.RightFilter = func(c *Ctx, r Row) Value { return Bool(r[1].I != 3) }
					live := [2]map[string]Row{{}, {}}
					out := &joinTable{t: t, rows: map[string]string{}}
					c := &Ctx{}
					for step := 0; step < 400; step++ {
						side := rng.IntN(2)
						key := strconv.Itoa(rng.IntN(12))
						if rng.IntN(4) == 0 {
							delete(live[side], key)
							j.Change(c, side, []byte(key), nil, out)
						} else {
							k := Int(int64(rng.IntN(5)))
							if rng.IntN(10) == 0 {
								k = Null
							}
							r := Row{k, Int(int64(rng.IntN(6)))}
							live[side][key] = r
							j.Change(c, side, []byte(key), slices.Clone(r), out)
						}
						if c.Err != nil {
							t.Fatal(c.Err)
						}
						want := bruteJoin(live, preserve, withCond)
						got := make([]string, 0, len(out.rows))
						for _, r := range out.rows {
							got = append(got, r)
						}
						slices.Sort(got)
						if !slices.Equal(got, want) {
							t.Fatalf("step %d: join rows\n got %v\nwant %v", step, got, want)
						}
					}
				})
			})
		}
	}
}

// bruteJoin is the nested-loop join of the live rows, as sorted row texts.
func bruteJoin(live [2]map[string]Row, preserve int, withCond bool) []string {
	var out []string
	matched := [2]map[string]bool{{}, {}}
	for lk, l := range live[0] {
		for rk, r := range live[1] {
			if r[1].I == 3 || l[0].T == TNull || r[0].T == TNull || l[0].I != r[0].I {
				continue
			}
			if withCond && !(l[1].I <= r[1].I) {
				continue
			}
			matched[0][lk], matched[1][rk] = true, true
			out = append(out, rowText(Row{l[0], l[1], r[0], r[1]}))
		}
	}
	if preserve == LeftSide || preserve == BothSides {
		for lk, l := range live[0] {
			if !matched[0][lk] {
				out = append(out, rowText(Row{l[0], l[1], Null, Null}))
			}
		}
	}
	if preserve == RightSide || preserve == BothSides {
		for rk, r := range live[1] {
			if !matched[1][rk] && r[1].I != 3 {
				out = append(out, rowText(Row{Null, Null, r[0], r[1]}))
			}
		}
	}
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// TestRegularJoinKeys: output keys are the left and the right row key as
// AppendChangeKey parts, and \N for the missing side of an outer join.
func TestRegularJoinKeys(t *testing.T) {
	col := func(c *Ctx, r Row) Value { return r[0] }
	j := &RegularJoin{LeftKey: col, RightKey: col, LeftWidth: 1, RightWidth: 1, Preserve: LeftSide}
	var keys []string
	out := emitFunc(func(c *Ctx, old, new Row, key []byte) {
		keys = append(keys, fmt.Sprintf("%v>%v@%s", old != nil, new != nil, key))
	})
	c := &Ctx{}
	j.Change(c, LeftSide, []byte(`a|b`), Row{Int(1)}, out)
	j.Change(c, RightSide, []byte(`x\y`), Row{Int(1)}, out)
	j.Change(c, RightSide, []byte(`x\y`), nil, out)
	want := []string{`false>true@a\|b|\N`, `true>false@a\|b|\N`, `false>true@a\|b|x\\y`, `true>false@a\|b|x\\y`, `false>true@a\|b|\N`}
	if !slices.Equal(keys, want) {
		t.Fatalf("changes\n got %q\nwant %q", keys, want)
	}
}

// TestRegularJoinSnapshotRoundTrip: a join restored from a snapshot taken
// midway through random changes emits, for the changes after it, exactly
// the outputs (old row, new row, key, in order) of the join it was taken
// from — for INNER, LEFT, RIGHT and FULL joins with a residual condition
// and a side filter.
func TestRegularJoinSnapshotRoundTrip(t *testing.T) {
	col := func(i int) Expr { return func(c *Ctx, r Row) Value { return r[i] } }
	for _, preserve := range []int{-1, LeftSide, RightSide, BothSides} {
		t.Run(fmt.Sprintf("preserve=%d", preserve), func(t *testing.T) {
			forSeeds(t, 7, uint64(preserve+40), func(t *testing.T, rng *rand.Rand) {
				mk := func() *RegularJoin {
					return &RegularJoin{LeftKey: col(0), RightKey: col(0), LeftWidth: 2, RightWidth: 3, Preserve: preserve,
						Cond: func(c *Ctx, r Row) Value {
							if r[1].T == TNull || r[3].T == TNull {
								return Null
							}
							return Bool(r[1].I <= r[3].I+2)
						},
						RightFilter: func(c *Ctx, r Row) Value { return Bool(r[1].I != 3) }}
				}
				a, b := mk(), mk()
				var got [2][]string
				rec := func(i int) JoinEmitter {
					return emitFunc(func(c *Ctx, old, new Row, key []byte) {
						got[i] = append(got[i], fmt.Sprintf("%s>%s@%s", rowText(old), rowText(new), key))
					})
				}
				c := &Ctx{}
				for step := 0; step < 300; step++ {
					if step == 150 {
						if err := b.Restore(a.Snapshot(nil)); err != nil {
							t.Fatal(err)
						}
						got[0] = nil
					}
					side := rng.IntN(2)
					key := []byte(fmt.Sprintf("k%d|%d", rng.IntN(10), side))
					var r Row
					if rng.IntN(4) != 0 {
						k := Int(int64(rng.IntN(4)))
						if rng.IntN(10) == 0 {
							k = Null
						}
						r = Row{k, Int(int64(rng.IntN(6)))}
						if side == RightSide {
							r = append(r, Int(int64(rng.IntN(100))))
						}
					}
					a.Change(c, side, key, slices.Clone(r), rec(0))
					if step >= 150 {
						b.Change(c, side, key, slices.Clone(r), rec(1))
					}
					if c.Err != nil {
						t.Fatal(c.Err)
					}
				}
				if len(got[0]) == 0 || !slices.Equal(got[0], got[1]) {
					t.Fatalf("outputs after the snapshot\n original %q\n restored %q", got[0], got[1])
				}
				if err := mk().Restore(a.Snapshot(nil)[:20]); err == nil {
					t.Fatal("a truncated snapshot restored")
				}
			})
		})
	}
}

type emitFunc func(c *Ctx, old, new Row, key []byte)

func (f emitFunc) JoinChange(c *Ctx, old, new Row, key []byte) { f(c, old, new, key) }

// BenchmarkRegularJoinUpdate: an update of a row of either side of an
// INNER join (1000 keys, one row per key on each side) retracts and
// inserts its one joined row.
func BenchmarkRegularJoinUpdate(b *testing.B) {
	col := func(c *Ctx, r Row) Value { return r[0] }
	j := &RegularJoin{LeftKey: col, RightKey: col, LeftWidth: 2, RightWidth: 2, Preserve: -1}
	var n int
	out := emitFunc(func(c *Ctx, old, new Row, key []byte) { n++ })
	c := &Ctx{}
	keys := make([][]byte, 1000)
	for i := range keys {
		keys[i] = []byte(strconv.Itoa(i))
		j.Change(c, LeftSide, keys[i], Row{Int(int64(i)), Int(0)}, out)
		j.Change(c, RightSide, keys[i], Row{Int(int64(i)), Int(0)}, out)
	}
	r := Row{Null, Null}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i % 1000
		r[0], r[1] = Int(int64(k)), Int(int64(i))
		j.Change(c, i&1, keys[k], r, out)
	}
}

// TestRegularJoinEvictWindows: a window join drops the rows of both sides
// whose window_end is before the bound, and only those; a later row of an
// evicted window matches nothing, one of a kept window still joins.
func TestRegularJoinEvictWindows(t *testing.T) {
	col := func(c *Ctx, r Row) Value { return r[0] }
	j := &RegularJoin{LeftKey: col, RightKey: col, LeftWidth: 2, RightWidth: 2, Preserve: -1, Window: true, WindowEnd: [2]int{1, 1},
		Cond: func(c *Ctx, r Row) Value { return Bool(r[1].I == r[3].I) }} // ON … AND the same window
	n := 0
	out := emitFunc(func(c *Ctx, old, new Row, key []byte) { n++ })
	c := &Ctx{}
	for i, end := range []int64{10, 20, 30} {
		j.Change(c, LeftSide, []byte(fmt.Sprint("l", i)), Row{Int(1), Int(end)}, out)
		j.Change(c, RightSide, []byte(fmt.Sprint("r", i)), Row{Int(2), Int(end)}, out)
	}
	if got := j.EvictWindows(30); got != 4 || j.StateRows() != 2 {
		t.Fatalf("evicted %d, %d rows left; want 4 evicted, 2 left", got, j.StateRows())
	}
	j.Change(c, RightSide, []byte("r9"), Row{Int(1), Int(10)}, out)
	if n != 0 {
		t.Fatalf("a row matched an evicted one: %d outputs", n)
	}
	j.Change(c, RightSide, []byte("r8"), Row{Int(1), Int(30)}, out)
	if n != 1 {
		t.Fatalf("outputs %d, want 1 (the kept window's row)", n)
	}
	if got := (&RegularJoin{LeftWidth: 1, RightWidth: 1}).EvictWindows(1 << 40); got != 0 {
		t.Fatalf("a join that is not a window join evicted %d rows", got)
	}
}

// TestRegularJoinAppendOnlySides: a join whose append-only sides are
// marked AppendOnly (no index by row key, rows in shared chunks) emits
// exactly the outputs, in order, of the same join without the mark — for
// INNER, LEFT, RIGHT and FULL joins, either or both sides append-only, NULL
// join keys, string columns whose input bytes are reused after each
// change, a kept-columns mask, a snapshot restored midway, and a window
// join's eviction.
func TestRegularJoinAppendOnlySides(t *testing.T) {
	col := func(i int) Expr { return func(c *Ctx, r Row) Value { return r[i] } }
	for _, preserve := range []int{-1, LeftSide, RightSide, BothSides} {
		for _, mask := range []int{1, 2, 3} {
			ao := [2]bool{mask&1 != 0, mask&2 != 0}
			t.Run(fmt.Sprintf("preserve=%d/appendonly=%v", preserve, ao), func(t *testing.T) {
				forSeeds(t, 7, uint64(preserve+2)*5+uint64(mask), func(t *testing.T, rng *rand.Rand) {
					window := ao[0] && ao[1] && preserve == -1
					mk := func(mark bool) *RegularJoin {
						j := &RegularJoin{LeftKey: col(0), RightKey: col(0), LeftWidth: 3, RightWidth: 3, Preserve: preserve,
							Cond:        func(c *Ctx, r Row) Value { return Bool(r[2].I <= r[5].I+3) },
							RightFilter: func(c *Ctx, r Row) Value { return Bool(r[2].I != 3) },
							LeftKeep:    []bool{true, true, true}, RightKeep: []bool{true, false, true}}
						if window {
							j.Window, j.WindowEnd = true, [2]int{2, 2}
						}
						if mark {
							j.AppendOnly = ao
						}
						return j
					}
					a, b := mk(true), mk(false)
					var restored *RegularJoin
					var got [3][]string
					rec := func(i int) JoinEmitter {
						return emitFunc(func(c *Ctx, old, new Row, key []byte) {
							text := func(r Row) string {
								if r == nil {
									return "-"
								}
								return fmt.Sprintf("%s/%s/%s", rowText(r), r[1].S, r[4].S)
							}
							got[i] = append(got[i], fmt.Sprintf("%s>%s@%s", text(old), text(new), key))
						})
					}
					c := &Ctx{}
					seq := [2]int{}
					buf := make([]byte, 0, 16)
					for step := 0; step < 400; step++ {
						side := rng.IntN(2)
						var key []byte
						var r Row
						if ao[side] {
							seq[side]++
							key = []byte(fmt.Sprintf("0.%d", seq[side]))
						} else {
							key = []byte(fmt.Sprintf("k%d", rng.IntN(10)))
						}
						if ao[side] || rng.IntN(4) != 0 {
							k := Int(int64(rng.IntN(5)))
							if rng.IntN(10) == 0 {
								k = Null
							}
							buf = fmt.Appendf(buf[:0], "s%d", rng.IntN(1000))
							r = Row{k, String(buf), Int(int64(step / 20 * 10))}
						}
						a.Change(c, side, key, r, rec(0))
						b.Change(c, side, key, r, rec(1))
						if restored != nil {
							restored.Change(c, side, key, r, rec(2))
						}
						if c.Err != nil {
							t.Fatal(c.Err)
						}
						for i := range buf {
							buf[i] = '#' // the input's bytes are the caller's again
						}
						if step == 200 {
							restored = mk(true)
							if err := restored.Restore(a.Snapshot(nil)); err != nil {
								t.Fatal(err)
							}
							got[2] = slices.Clone(got[0])
						}
						if window && step%50 == 49 {
							upTo := int64(step/20*10 - 10)
							na, nb := a.EvictWindows(upTo), b.EvictWindows(upTo)
							nr, rows := na, a.StateRows()
							if restored != nil {
								nr, rows = restored.EvictWindows(upTo), restored.StateRows()
							}
							if na != nb || na != nr || a.StateRows() != b.StateRows() || rows != a.StateRows() {
								t.Fatalf("step %d: evicted %d/%d/%d, rows %d/%d/%d", step, na, nb, nr, a.StateRows(), b.StateRows(), rows)
							}
						}
					}
					if len(got[0]) == 0 || !slices.Equal(got[0], got[1]) || !slices.Equal(got[0], got[2]) {
						t.Fatalf("outputs differ\nappend-only %q\n   changelog %q\n    restored %q", got[0], got[1], got[2])
					}
					if a.StateRows() != b.StateRows() {
						t.Fatalf("state rows %d, without the mark %d", a.StateRows(), b.StateRows())
					}
				})
			})
		}
	}
}

// TestRegularJoinKeyTypes: rows match when their join keys' texts
// (AppendValueKey) are equal, whatever their types — BIGINT keys and keys
// whose text is a BIGINT's are looked up by number, the others by text —
// through a snapshot too.
func TestRegularJoinKeyTypes(t *testing.T) {
	keys := []Value{Int(5), Int(-5), Int(0), Double(5), Double(5.5), Decimal(50, 1), Decimal(5, 0), String([]byte("5")),
		String([]byte("05")), String([]byte("-0")), Double(math.Copysign(0, -1)), Bool(true), Int(9223372036854775807), Int(-9223372036854775808), Null}
	col := func(c *Ctx, r Row) Value { return r[0] }
	for _, restore := range []bool{false, true} {
		j := &RegularJoin{LeftKey: col, RightKey: col, LeftWidth: 1, RightWidth: 1, Preserve: -1, JoinKeyInKey: true}
		var got []string
		out := emitFunc(func(c *Ctx, old, new Row, key []byte) { got = append(got, string(key)) })
		c := &Ctx{}
		for i, k := range keys {
			j.Change(c, LeftSide, []byte(fmt.Sprint("l", i)), Row{k}, out)
		}
		if restore {
			r := &RegularJoin{LeftKey: col, RightKey: col, LeftWidth: 1, RightWidth: 1, Preserve: -1, JoinKeyInKey: true}
			if err := r.Restore(j.Snapshot(nil)); err != nil {
				t.Fatal(err)
			}
			j = r
		}
		for i, k := range keys {
			j.Change(c, RightSide, []byte(fmt.Sprint("r", i)), Row{k}, out)
		}
		var want []string
		for i, r := range keys {
			for l, lk := range keys {
				if lk.T != TNull && r.T != TNull && string(AppendValueKey(nil, lk)) == string(AppendValueKey(nil, r)) {
					kt := AppendValueKey(nil, r)
					want = append(want, fmt.Sprintf("l%d|r%d|%s", l, i, AppendChangeKey(nil, String(kt))))
				}
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("restore=%v: outputs\n got %q\nwant %q", restore, got, want)
		}
	}
}
