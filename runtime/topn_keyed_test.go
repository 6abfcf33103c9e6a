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

// TestKeyedTopNAppendOnlyAgainstBruteForce: over an append-only input, a
// keyed Top-N's changelog applied as a table after every record is the
// batch answer — the first n rows of each PARTITION BY key by v DESC,
// ties by arrival, each keyed by its key's text and its arrival number in
// that key — while the input row's bytes are reused after each call (the
// stage keeps copies; rows dropped from one key's top n are reused by
// others').
func TestKeyedTopNAppendOnlyAgainstBruteForce(t *testing.T) {
	forSeeds(t, 23, 71, func(t *testing.T, rng *rand.Rand) {
		for round := 0; round < 10; round++ {
			n := rng.IntN(5)
			p := keyedTopNPipe(int64(n), true)
			var c Ctx
			table := map[string]string{}
			live := map[string][]topnLive{}
			buf := make([]byte, 0, 8)
			for i := 1; i <= 300; i++ {
				k := string(rune('a' + rng.IntN(6)))
				x := topnLive{k: k, v: rng.Int64N(10), seq: len(live[k]) + 1}
				x.key = string(AppendChangeKey(nil, String([]byte(k)))) + "|" + fmt.Sprint(x.seq)
				buf = append(buf[:0], k...)
				outs := p.Execute(&c, Row{String(buf), Int(x.v)}, 0)
				if c.Err != nil {
					t.Fatal(c.Err)
				}
				buf[0] = '#'
				topnTable(t, p, outs, table)
				live[k] = append(live[k], x)
				want := map[string]string{}
				for _, rows := range live {
					for key, v := range topnBrute(rows, n, true) {
						want[key] = v
					}
				}
				if !sameTable(table, want) {
					t.Fatalf("n=%d after %d records:\n got %v\nwant %v", n, i, table, want)
				}
			}
		}
	})
}
