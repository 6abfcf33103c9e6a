package runtime

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestTopNChangelogReplaceInPlace: over a changelog whose updates often
// keep a row's ORDER BY value and change only its other columns (Nexmark
// q6: a winning bid rises, the auction's expiry stays) among many rows
// with equal ORDER BY values, the Top-N's changelog (one ranking, and one
// per PARTITION BY key), applied as a table after every change, is the
// batch answer: the first n live rows by v (NULL lowest), ties to the
// current version that arrived first — an update that changes any column
// is a new arrival, one that changes nothing keeps its place. A stage
// restored from a snapshot taken mid-stream emits what the original emits.
func TestTopNChangelogReplaceInPlace(t *testing.T) {
	colv := func(i int) Expr { return func(_ *Ctx, r Row) Value { return r[i] } }
	type live struct {
		part, pay string
		v         int64
		null      bool
		seq       int
	}
	pipe := func(n int64, desc, keyed bool) *Pipeline {
		cfg := TopNConfig{N: n, Keys: []Expr{colv(1)}, Desc: []bool{desc}, Width: 3}
		var st Stage = NewTopN(cfg)
		if keyed {
			st = NewKeyedTopN(cfg, []Expr{colv(0)})
		}
		p := NewPipeline(nil, st, nil, []Expr{colv(0), colv(1), colv(2)})
		p.ProjectCols = []int{0, 1, 2}
		p.Changelog, p.OutKey = true, TopNOutKey(3)
		return p
	}
	row := func(x live) Row {
		r := Row{String([]byte(x.part)), Int(x.v), String([]byte(x.pay))}
		if x.null {
			r[1] = Null
		}
		return r
	}
	text := func(r Row) string {
		var parts []string
		for _, v := range r {
			parts = append(parts, string(AppendValueJSON(nil, v)))
		}
		return strings.Join(parts, " ")
	}
	forSeeds(t, 16, 41, func(t *testing.T, rng *rand.Rand) {
		for round := range 12 {
			n := int64(1 + rng.IntN(5))
			desc, keyed := rng.IntN(2) == 0, round%2 == 1
			p, restored := pipe(n, desc, keyed), (*Pipeline)(nil)
			var c Ctx
			table := map[string]string{}
			rows := map[string]live{}
			seq, nkeys, nparts := 0, 2+rng.IntN(30), 1+rng.IntN(3)
			changes := 400
			for i := range changes {
				if i == changes/2 {
					snap, err := p.Stage.(Checkpointer).Snapshot(nil)
					if err != nil {
						t.Fatal(err)
					}
					restored = pipe(n, desc, keyed)
					if err := restored.Stage.(Checkpointer).Restore(snap); err != nil {
						t.Fatal(err)
					}
				}
				key := fmt.Sprint("key", rng.IntN(nkeys))
				var old, new Row
				o, had := rows[key]
				if had {
					old = row(o)
				}
				switch op := rng.IntN(10); {
				case op == 0 && had:
					delete(rows, key)
				case op < 7 && had:
					// The same ORDER BY value (and PARTITION BY key), maybe a
					// new payload.
					x := o
					if x.pay = fmt.Sprint(rng.IntN(3)); x.pay != o.pay {
						seq++
						x.seq = seq
					}
					rows[key], new = x, row(x)
				default:
					seq++
					x := live{part: fmt.Sprint("p", rng.IntN(nparts)), pay: fmt.Sprint(rng.IntN(3)), v: rng.Int64N(4), null: rng.IntN(8) == 0, seq: seq}
					if x.null {
						x.v = 0
					}
					if had && x == (live{part: o.part, pay: o.pay, v: o.v, null: o.null, seq: seq}) {
						x.seq = o.seq // the same row: its place kept
					}
					rows[key], new = x, row(x)
				}
				if old == nil && new == nil {
					continue
				}
				outs := p.ExecuteChange(&c, old, new, []byte(key), 0)
				if c.Err != nil {
					t.Fatal(c.Err)
				}
				got := topnRender(p, outs)
				topnTableRows(t, p, outs, table)
				if restored != nil {
					if rg := topnRender(restored, restored.ExecuteChange(&c, old, new, []byte(key), 0)); rg != got {
						t.Fatalf("round %d change %d: restored stage emits\n%sthe original\n%s", round, i, rg, got)
					}
				}
				// Brute force.
				byPart := map[string][]live{}
				for k, x := range rows {
					x.pay = k + "\x00" + x.pay // carry the key along
					if !keyed {
						byPart[""] = append(byPart[""], x)
					} else {
						byPart[x.part] = append(byPart[x.part], x)
					}
				}
				want := map[string]string{}
				for part, l := range byPart {
					slices.SortFunc(l, func(a, b live) int {
						av, bv := Int(a.v), Int(b.v)
						if a.null {
							av = Null
						}
						if b.null {
							bv = Null
						}
						if d := topnCmpKeys([]Value{av}, []Value{bv}, []bool{desc}); d != 0 {
							return d
						}
						return a.seq - b.seq
					})
					for _, x := range l[:min(len(l), int(n))] {
						k, pay, _ := strings.Cut(x.pay, "\x00")
						x.pay = pay
						ok := k
						if keyed {
							ok = string(AppendChangeKey(nil, String([]byte(part)))) + "|" + k
						}
						want[ok] = text(row(x))
					}
				}
				if !sameTable(table, want) {
					t.Fatalf("round %d n=%d desc=%v keyed=%v after %d changes:\n got %v\nwant %v", round, n, desc, keyed, i+1, table, want)
				}
			}
		}
	})
}
