package runtime

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// topnRow is a row (k VARCHAR, v BIGINT) of the Top-N tests.
func topnRow(k string, v int64, null bool) Row {
	r := Row{String([]byte(k)), Int(v)}
	if null {
		r[1] = Null
	}
	return r
}

// topnPipe is SELECT k, v FROM s ORDER BY v DESC, k LIMIT n (or v ASC).
func topnPipe(n int64, desc, bounded bool) *Pipeline {
	colv := func(i int) Expr { return func(_ *Ctx, r Row) Value { return r[i] } }
	st := NewTopN(TopNConfig{N: n, Keys: []Expr{colv(1), colv(0)}, Desc: []bool{desc, false}, Width: 2, Bounded: bounded,
		RowKey: func(dst []byte, r Row) []byte { return AppendChangeKey(dst, r[0]) }})
	p := NewPipeline(nil, st, nil, []Expr{colv(0), colv(1)})
	p.ProjectCols = []int{0, 1}
	p.Changelog, p.OutKey = true, TopNOutKey(2)
	return p
}

// topnTable applies a changelog output to a table, checking that each
// call emits a key at most once and never deletes an absent key.
func topnTable(t *testing.T, p *Pipeline, outs []Row, table map[string]string) {
	t.Helper()
	seen := map[string]bool{}
	for i, r := range outs {
		k := string(p.Keys()[i])
		if seen[k] {
			t.Fatalf("key %s emitted twice by one change", k)
		}
		seen[k] = true
		txt := string(AppendValueJSON(nil, r[0])) + "|" + string(AppendValueJSON(nil, r[1]))
		switch p.Ops()[i] {
		case OpUpsert:
			table[k] = txt
		case OpDelete:
			if table[k] != txt {
				t.Fatalf("delete of %s carries %s, table has %q", k, txt, table[k])
			}
			delete(table, k)
		default:
			t.Fatalf("op %v", p.Ops()[i])
		}
	}
}

type topnLive struct {
	key  string
	k    string
	v    int64
	null bool
	seq  int
}

// topnBrute is the batch answer: the first n live rows by v (NULL
// lowest), then k, then arrival of their current version.
func topnBrute(live []topnLive, n int, desc bool) map[string]string {
	s := slices.Clone(live)
	slices.SortFunc(s, func(a, b topnLive) int {
		var d int
		switch {
		case a.null && b.null:
		case a.null:
			d = -1
		case b.null:
			d = 1
		case a.v < b.v:
			d = -1
		case a.v > b.v:
			d = 1
		}
		if desc {
			d = -d
		}
		if d != 0 {
			return d
		}
		if d = strings.Compare(a.k, b.k); d != 0 {
			return d
		}
		return a.seq - b.seq
	})
	out := map[string]string{}
	for _, x := range s[:min(n, len(s))] {
		v := fmt.Sprint(x.v)
		if x.null {
			v = "null"
		}
		out[x.key] = fmt.Sprintf("%q|%s", x.k, v)
	}
	return out
}

func sameTable(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestTopNAppendOnlyRandom: over an append-only input the changelog of the
// Top-N, applied as a table after every record, is the batch query's
// answer over the records so far (ties by arrival: each row is keyed by
// its arrival number).
func TestTopNAppendOnlyRandom(t *testing.T) {
	forSeeds(t, 41, 97, func(t *testing.T, rng *rand.Rand) {
		for round := 0; round < 20; round++ {
			n := rng.IntN(6)
			desc := rng.IntN(2) == 0
			p := topnPipe(int64(n), desc, true)
			var c Ctx
			table := map[string]string{}
			var live []topnLive
			for i := 1; i <= 200; i++ {
				x := topnLive{key: fmt.Sprint(i), k: string(rune('a' + rng.IntN(4))), v: rng.Int64N(10), null: rng.IntN(8) == 0, seq: i}
				outs := p.Execute(&c, topnRow(x.k, x.v, x.null), 0)
				if c.Err != nil {
					t.Fatal(c.Err)
				}
				topnTable(t, p, outs, table)
				live = append(live, x)
				if want := topnBrute(live, n, desc); !sameTable(table, want) {
					t.Fatalf("n=%d desc=%v after %d records %v:\n got %v\nwant %v", n, desc, i, live, table, want)
				}
			}
			if st := p.Stage.(*topnStage); size(st.root) > n {
				t.Fatalf("append-only Top-%d keeps %d rows", n, size(st.root))
			}
		}
	})
}

// TestTopNChangelogRandom: over a changelog input (upserts and deletes of
// keys through ExecuteChange) the Top-N's changelog, applied as a table
// after every change, is the batch answer over the live rows: a row that
// leaves lets the next one back in.
func TestTopNChangelogRandom(t *testing.T) {
	forSeeds(t, 43, 101, func(t *testing.T, rng *rand.Rand) {
		for round := 0; round < 20; round++ {
			n := rng.IntN(6)
			desc := rng.IntN(2) == 0
			p := topnPipe(int64(n), desc, false)
			var c Ctx
			table := map[string]string{}
			rows := map[string]topnLive{}
			seq := 0
			nkeys := 1 + rng.IntN(15)
			// Without an input key (the second half of a repartition) the
			// row's key columns (here k) name it.
			nokey := rng.IntN(2) == 0
			for i := 1; i <= 300; i++ {
				key := fmt.Sprint("key", rng.IntN(nkeys))
				var old, new Row
				if o, ok := rows[key]; ok {
					old = topnRow(o.k, o.v, o.null)
				}
				if rng.IntN(4) == 0 {
					delete(rows, key)
				} else {
					seq++
					x := topnLive{key: key, k: string(rune('a' + rng.IntN(3))), v: rng.Int64N(6), null: rng.IntN(8) == 0, seq: seq}
					if nokey {
						x.k = key
					}
					// Through one change, a row equal to the key's old one
					// keeps its arrival (its place among ties).
					if o, ok := rows[key]; ok && !nokey && o.k == x.k && o.null == x.null && (x.null || o.v == x.v) {
						x.seq = o.seq
					}
					rows[key] = x
					new = topnRow(x.k, x.v, x.null)
				}
				if old == nil && new == nil {
					continue
				}
				var outs []Row
				if nokey {
					if outs = p.ExecuteChange(&c, old, nil, nil, 0); old != nil {
						topnTable(t, p, outs, table)
					}
					outs = p.ExecuteChange(&c, nil, new, nil, 0)
				} else {
					outs = p.ExecuteChange(&c, old, new, []byte(key), 0)
				}
				if c.Err != nil {
					t.Fatal(c.Err)
				}
				topnTable(t, p, outs, table)
				var live []topnLive
				for _, x := range rows {
					live = append(live, x)
				}
				if want := topnBrute(live, n, desc); !sameTable(table, want) {
					t.Fatalf("n=%d desc=%v after %d changes:\n got %v\nwant %v", n, desc, i, table, want)
				}
			}
		}
	})
}

// TestTopNChangeEmitsOnce: an update of a row inside the top N is one
// upsert; a row pushed out is deleted with the row it was published with.
func TestTopNChangeEmitsOnce(t *testing.T) {
	p := topnPipe(2, true, false)
	var c Ctx
	var got []string
	run := func(old, new Row, key string) {
		for i, r := range p.ExecuteChange(&c, old, new, []byte(key), 0) {
			got = append(got, fmt.Sprintf("%s %s %s|%s", p.Ops()[i], p.Keys()[i], AppendValueJSON(nil, r[0]), AppendValueJSON(nil, r[1])))
		}
	}
	run(nil, topnRow("a", 5, false), "A")
	run(nil, topnRow("b", 3, false), "B")
	run(nil, topnRow("c", 1, false), "C")                    // not in the top 2
	run(topnRow("a", 5, false), topnRow("a", 4, false), "A") // stays: one upsert
	run(nil, topnRow("d", 9, false), "D")                    // pushes b out
	run(topnRow("d", 9, false), nil, "D")                    // b comes back
	want := []string{
		`upsert A "a"|5`, `upsert B "b"|3`, `upsert A "a"|4`,
		`delete B "b"|3`, `upsert D "d"|9`,
		`delete D "d"|9`, `upsert B "b"|3`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestTopNSnapshotRestore: a Top-N restored from a snapshot taken midway
// emits exactly what the original does for the rest of the input, over an
// append-only and over a changelog input.
func TestTopNSnapshotRestore(t *testing.T) {
	forSeeds(t, 47, 103, func(t *testing.T, rng *rand.Rand) {
		for _, bounded := range []bool{true, false} {
			a, b := topnPipe(3, true, bounded), topnPipe(3, true, bounded)
			var c Ctx
			rows := map[string]Row{}
			step := func(p *Pipeline, i int, r Row, key string) []string {
				var outs []Row
				if bounded {
					outs = p.Execute(&c, r, 0)
				} else {
					outs = p.ExecuteChange(&c, rows[key], r, []byte(key), 0)
				}
				if c.Err != nil {
					t.Fatal(c.Err)
				}
				var got []string
				for j, o := range outs {
					got = append(got, fmt.Sprintf("%s %s %s|%s", p.Ops()[j], p.Keys()[j], AppendValueJSON(nil, o[0]), AppendValueJSON(nil, o[1])))
				}
				return got
			}
			type change struct {
				r   Row
				key string
			}
			var in []change
			for i := 0; i < 300; i++ {
				var r Row
				if bounded || rng.IntN(4) != 0 {
					r = topnRow(string(rune('a'+rng.IntN(3))), rng.Int64N(20), rng.IntN(6) == 0)
				}
				in = append(in, change{r, fmt.Sprint(rng.IntN(12))})
			}
			for i, ch := range in {
				if i == 150 {
					snap, err := a.Stage.(Checkpointer).Snapshot(nil)
					if err != nil {
						t.Fatal(err)
					}
					if err := b.Stage.(Checkpointer).Restore(snap); err != nil {
						t.Fatal(err)
					}
				}
				if !bounded && ch.r == nil && rows[ch.key] == nil {
					continue
				}
				ga := step(a, i, ch.r, ch.key)
				if i >= 150 {
					if gb := step(b, i, ch.r, ch.key); strings.Join(ga, "\n") != strings.Join(gb, "\n") {
						t.Fatalf("bounded=%v record %d: restored stage emits\n%s\nthe original\n%s", bounded, i, strings.Join(gb, "\n"), strings.Join(ga, "\n"))
					}
				}
				if ch.r == nil {
					delete(rows, ch.key)
				} else {
					rows[ch.key] = ch.r
				}
			}
		}
	})
}

// BenchmarkTopNAppend: ORDER BY v DESC, k LIMIT 10 over an append-only
// input of random values (most rows rank below the top 10 and are dropped
// without a copy).
func BenchmarkTopNAppend(b *testing.B) {
	p := topnPipe(10, true, true)
	rng := rand.New(rand.NewPCG(1, 2))
	rows := make([]Row, 1024)
	for i := range rows {
		rows[i] = topnRow("k", rng.Int64N(1<<40), false)
	}
	var c Ctx
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.Execute(&c, rows[i&1023], 0)
	}
}

// BenchmarkTopNChangelogUpdate: the same Top-N over a changelog of 10 000
// keys, each change an update of a key (retract the old row, insert the
// new one, every live row kept).
func BenchmarkTopNChangelogUpdate(b *testing.B) {
	p := topnPipe(10, true, false)
	rng := rand.New(rand.NewPCG(1, 2))
	const keys = 10000
	cur := make([]Row, keys)
	names := make([][]byte, keys)
	var c Ctx
	for i := range cur {
		names[i] = []byte(fmt.Sprint("key", i))
		cur[i] = topnRow("k", rng.Int64N(1<<40), false)
		p.ExecuteChange(&c, nil, cur[i], names[i], 0)
	}
	next := make([]Row, 1024)
	for i := range next {
		next[i] = topnRow("k", rng.Int64N(1<<40), false)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := rng.IntN(keys)
		n := next[i&1023]
		p.ExecuteChange(&c, cur[k], n, names[k], 0)
		cur[k] = n
	}
}

// TestTopNFailedChangeLeavesState: a change whose new row fails ORDER BY
// evaluation is dead-lettered, and ExecuteChange puts the old row back: the
// Top-N keeps that row's place among ties and what it published, so it
// goes on exactly as a Top-N that never saw the change.
func TestTopNFailedChangeLeavesState(t *testing.T) {
	errBad := fmt.Errorf("bad row")
	pipe := func() *Pipeline {
		key := func(c *Ctx, r Row) Value {
			if r[1].T == TInt && r[1].I == 13 {
				c.Err = errBad
			}
			return r[1]
		}
		st := NewTopN(TopNConfig{N: 2, Keys: []Expr{key}, Desc: []bool{true}, Width: 2})
		p := NewPipeline(nil, st, nil, []Expr{func(_ *Ctx, r Row) Value { return r[0] }, func(_ *Ctx, r Row) Value { return r[1] }})
		p.Changelog, p.OutKey = true, TopNOutKey(2)
		return p
	}
	forSeeds(t, 53, 107, func(t *testing.T, rng *rand.Rand) {
		a, b := pipe(), pipe()
		rows := map[string]Row{}
		text := func(p *Pipeline, outs []Row) string {
			var lines []string
			for i, o := range outs {
				lines = append(lines, fmt.Sprintf("%s %s %s|%s", p.Ops()[i], p.Keys()[i], AppendValueJSON(nil, o[0]), AppendValueJSON(nil, o[1])))
			}
			return strings.Join(lines, "\n")
		}
		for i := 0; i < 500; i++ {
			key := fmt.Sprint(rng.IntN(8))
			r := topnRow(key, rng.Int64N(4), false) // many ties
			var c Ctx
			if old := rows[key]; old != nil && rng.IntN(3) == 0 {
				// Only a sees the failing change.
				if outs := a.ExecuteChange(&c, old, topnRow(key, 13, false), []byte(key), 0); c.Err != errBad || len(outs) != 0 {
					t.Fatalf("failing change: err %v, outputs %d", c.Err, len(outs))
				}
				continue
			}
			ga := text(a, a.ExecuteChange(&c, rows[key], r, []byte(key), 0))
			gb := text(b, b.ExecuteChange(&c, rows[key], r, []byte(key), 0))
			if c.Err != nil {
				t.Fatal(c.Err)
			}
			if ga != gb {
				t.Fatalf("change %d: after failed changes the Top-N emits\n%s\nwithout them\n%s", i, ga, gb)
			}
			rows[key] = r
		}
	})
}
