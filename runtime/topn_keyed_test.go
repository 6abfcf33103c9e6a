package runtime

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// keyedTopNPipe is SELECT k, v FROM (SELECT k, v, ROW_NUMBER() OVER
// (PARTITION BY k ORDER BY v DESC) AS rn FROM s) t WHERE rn <= n.
func keyedTopNPipe(n int64, bounded bool) *Pipeline {
	colv := func(i int) Expr { return func(_ *Ctx, r Row) Value { return r[i] } }
	st := NewKeyedTopN(TopNConfig{N: n, Keys: []Expr{colv(1)}, Desc: []bool{true}, Width: 2, Bounded: bounded,
		RowKey: func(dst []byte, r Row) []byte { return AppendChangeKey(dst, r[0]) }}, []Expr{colv(0)})
	p := NewPipeline(nil, st, nil, []Expr{colv(0), colv(1)})
	p.ProjectCols = []int{0, 1}
	p.Changelog, p.OutKey = true, TopNOutKey(2)
	return p
}

// TestKeyedTopNSnapshotRestore: a keyed Top-N restored from a snapshot
// taken mid-stream emits what the original emits from there on, and each
// key's output is the first n rows of its PARTITION BY key (brute force
// over the table the changes build).
func TestKeyedTopNSnapshotRestore(t *testing.T) {
	forSeeds(t, 11, 29, func(t *testing.T, rng *rand.Rand) {
		for _, bounded := range []bool{true, false} {
			a, b := keyedTopNPipe(2, bounded), keyedTopNPipe(2, bounded)
			var c Ctx
			rows := map[string]Row{}
			table := map[string]string{}
			step := func(p *Pipeline, r Row, key string, apply bool) []string {
				var outs []Row
				if bounded {
					outs = p.Execute(&c, r, 0)
				} else {
					outs = p.ExecuteChange(&c, rows[key], r, []byte(key), 0)
				}
				if c.Err != nil {
					t.Fatal(c.Err)
				}
				if apply {
					topnTable(t, p, outs, table)
				}
				var got []string
				for j, o := range outs {
					got = append(got, fmt.Sprintf("%s %s %s|%s", p.Ops()[j], p.Keys()[j], AppendValueJSON(nil, o[0]), AppendValueJSON(nil, o[1])))
				}
				return got
			}
			for i := 0; i < 400; i++ {
				var r Row
				key := fmt.Sprint(rng.IntN(15))
				if bounded || rng.IntN(4) != 0 {
					r = topnRow(string(rune('a'+rng.IntN(4))), rng.Int64N(10), false)
				}
				if i == 200 {
					snap, err := a.Stage.(Checkpointer).Snapshot(nil)
					if err != nil {
						t.Fatal(err)
					}
					if err := b.Stage.(Checkpointer).Restore(snap); err != nil {
						t.Fatal(err)
					}
				}
				if !bounded && r == nil && rows[key] == nil {
					continue
				}
				ga := step(a, r, key, true)
				if i >= 200 {
					if gb := step(b, r, key, false); strings.Join(ga, "\n") != strings.Join(gb, "\n") {
						t.Fatalf("bounded=%v record %d: restored stage emits\n%s\nthe original\n%s", bounded, i, strings.Join(gb, "\n"), strings.Join(ga, "\n"))
					}
				}
				if r == nil {
					delete(rows, key)
				} else {
					rows[key] = r
				}
			}
			// Each partition key has at most 2 rows in the table.
			per := map[string]int{}
			for _, v := range table {
				per[strings.SplitN(v, "|", 2)[0]]++
			}
			for k, n := range per {
				if n > 2 {
					t.Errorf("bounded=%v: key %s has %d rows in the Top-2", bounded, k, n)
				}
			}
			if len(per) == 0 {
				t.Errorf("bounded=%v: empty result", bounded)
			}
		}
	})
}
