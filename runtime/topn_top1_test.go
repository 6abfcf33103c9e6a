package runtime

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// top1Pipe is SELECT k, s, v, w FROM (SELECT …, ROW_NUMBER() OVER
// (PARTITION BY k ORDER BY v [DESC], w [DESC]) AS rn FROM t) x WHERE rn <=
// n over an append-only input, ranked by stage (keyedTopSmall or the
// general keyed Top-N).
func top1Pipe(st Stage) *Pipeline {
	colv := func(i int) Expr { return func(_ *Ctx, r Row) Value { return r[i] } }
	p := NewPipeline(nil, st, nil, []Expr{colv(0), colv(1), colv(2), colv(3)})
	p.ProjectCols = []int{0, 1, 2, 3}
	p.Changelog, p.OutKey = true, TopNOutKey(4)
	return p
}

func top1Cfg(n int64, desc []bool) (TopNConfig, []Expr) {
	colv := func(i int) Expr { return func(_ *Ctx, r Row) Value { return r[i] } }
	return TopNConfig{N: n, Keys: []Expr{colv(2), colv(3)}, Desc: desc, Width: 4, Bounded: true}, []Expr{colv(0)}
}

// TestKeyedTopSmallAgainstTopNAndBruteForce: the keyed Top-N of a few
// rows over an append-only input emits exactly what the general keyed
// Top-N emits — the same deletes and upserts, keys and rows, in the same
// order — and its changelog applied as a table after every record is the
// batch answer (each key's first n rows by v then w, NULL lowest, ties to
// the earlier row), while the input row's bytes are overwritten after each
// call; a stage restored from a snapshot taken mid-stream (and from one
// of that restored stage) emits what the original emits from there on.
func TestKeyedTopSmallAgainstTopNAndBruteForce(t *testing.T) {
	forSeeds(t, 18, 9, func(t *testing.T, rng *rand.Rand) {
		for _, tc := range []struct {
			n    int64
			desc []bool
		}{{1, []bool{true, false}}, {1, []bool{false, true}}, {1, []bool{true, true}}, {2, []bool{true, false}}, {3, []bool{false, false}}, {10, []bool{true, true}}, {16, []bool{false, true}}} {
			n, desc := tc.n, tc.desc
			cfg, by := top1Cfg(n, desc)
			st1 := NewKeyedTopN(cfg, by)
			if _, ok := st1.(*keyedTopSmall); !ok {
				t.Fatalf("NewKeyedTopN(N = %d, append-only) is %T", n, st1)
			}
			one, ref := top1Pipe(st1), top1Pipe(newKeyedTopN(cfg, by))
			var restored *Pipeline
			var c Ctx
			table := map[string]string{}
			type live struct {
				v, w    Value
				seq     int
				key, tx string
			}
			lives := map[string][]live{}
			seqs := map[string]int{}
			kb, sb := make([]byte, 0, 8), make([]byte, 0, 64)
			render := func(p *Pipeline, outs []Row) string {
				var b strings.Builder
				for j, o := range outs {
					fmt.Fprintf(&b, "%s %s", p.Ops()[j], p.Keys()[j])
					for _, v := range o {
						fmt.Fprintf(&b, " %s", AppendValueJSON(nil, v))
					}
					b.WriteByte('\n')
				}
				return b.String()
			}
			records := 300 + rng.IntN(300)
			for i := 0; i < records; i++ {
				k := string(rune('a' + rng.IntN(1+rng.IntN(12))))
				kb = append(kb[:0], k...)
				sb = append(sb[:0], strings.Repeat("x", rng.IntN(40))...)
				v, w := Int(rng.Int64N(6)), String([]byte(fmt.Sprint(rng.IntN(3))))
				if rng.IntN(7) == 0 {
					v = Null
				}
				if rng.IntN(9) == 0 {
					w = Null
				}
				r := Row{String(kb), String(sb), v, w}
				if i == records/2 || i == records*3/4 {
					from := one
					if restored != nil {
						from = restored // a snapshot of a restored stage
					}
					snap, err := from.Stage.(Checkpointer).Snapshot(nil)
					if err != nil {
						t.Fatal(err)
					}
					cfg2, by2 := top1Cfg(n, desc)
					restored = top1Pipe(NewKeyedTopN(cfg2, by2))
					if err := restored.Stage.(Checkpointer).Restore(snap); err != nil {
						t.Fatal(err)
					}
				}
				outs := one.Execute(&c, r, 0)
				if c.Err != nil {
					t.Fatal(c.Err)
				}
				got := render(one, outs)
				topnTableRows(t, one, outs, table)
				want := render(ref, ref.Execute(&c, r, 0))
				if got != want {
					t.Fatalf("n=%d desc=%v record %d: Top-N emits\n%sthe keyed Top-N\n%s", n, desc, i, got, want)
				}
				if restored != nil {
					if rg := render(restored, restored.Execute(&c, r, 0)); rg != got {
						t.Fatalf("desc=%v record %d: restored stage emits\n%sthe original\n%s", desc, i, rg, got)
					}
					restored.Execute(&c, r, 0)
				}
				// The same row again (a tie: after the first).
				again := one.Execute(&c, r, 0)
				got = render(one, again)
				topnTableRows(t, one, again, table)
				if want := render(ref, ref.Execute(&c, r, 0)); got != want {
					t.Fatalf("n=%d desc=%v record %d again: emits\n%sthe keyed Top-N\n%s", n, desc, i, got, want)
				}
				// Brute force: two arrivals per record.
				for range 2 {
					seqs[k]++
					x := live{v: v, w: w, seq: seqs[k]}
					x.key = string(AppendChangeKey(nil, String([]byte(k)))) + "|" + fmt.Sprint(x.seq)
					x.tx = fmt.Sprintf("%s %s %s %s", AppendValueJSON(nil, r[0]), AppendValueJSON(nil, r[1]), AppendValueJSON(nil, v), AppendValueJSON(nil, w))
					lives[k] = append(lives[k], x)
				}
				kb[0], sb = '#', append(sb[:0], "overwritten"...) // the stage keeps copies
				wantTable := map[string]string{}
				for _, l := range lives {
					l = slices.Clone(l)
					slices.SortStableFunc(l, func(a, b live) int { return topnCmpKeys([]Value{a.v, a.w}, []Value{b.v, b.w}, desc) })
					for _, x := range l[:min(len(l), int(n))] {
						wantTable[x.key] = x.tx
					}
				}
				if got := one.StateRows(); got != len(table) {
					t.Fatalf("n=%d desc=%v after %d records: StateRows %d, %d rows kept", n, desc, i+1, got, len(table))
				}
				if restored != nil && restored.StateRows() != len(table) {
					t.Fatalf("n=%d desc=%v after %d records: restored StateRows %d, %d rows kept", n, desc, i+1, restored.StateRows(), len(table))
				}
				if !sameTable(table, wantTable) {
					t.Fatalf("desc=%v after %d records:\n got %v\nwant %v", desc, i+1, table, wantTable)
				}
			}
		}
	})
}

// topnTableRows applies outputs of any width to a table (key -> row text).
func topnTableRows(t *testing.T, p *Pipeline, outs []Row, table map[string]string) {
	t.Helper()
	for i, r := range outs {
		k := string(p.Keys()[i])
		var parts []string
		for _, v := range r {
			parts = append(parts, string(AppendValueJSON(nil, v)))
		}
		txt := strings.Join(parts, " ")
		switch p.Ops()[i] {
		case OpUpsert:
			table[k] = txt
		case OpDelete:
			if table[k] != txt {
				t.Fatalf("delete of %s carries %s, table has %q", k, txt, table[k])
			}
			delete(table, k)
		}
	}
}
