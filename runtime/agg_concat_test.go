package runtime

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestOrderedConcatBounded: GROUP_CONCAT(... ORDER BY ...) over many
// values keeps only what the cut result can show, and equals sorting
// everything and cutting.
func TestOrderedConcatBounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x, s := stCol(0), stCol(1)
	sp := AggSpec{Func: GroupConcat, Arg: OrderedConcatArg([]Expr{x}, []bool{false}, []Expr{s}), Ordered: true, Separator: []byte("; "), MaxLen: 100}
	var a accum
	type kv struct {
		k int64
		v string
	}
	var all []kv
	c := &Ctx{}
	for i := range 100_000 {
		k := rng.Int64N(1_000_000) - 500_000
		v := fmt.Sprint("v", i)
		all = append(all, kv{k, v})
		arg := sp.Arg(c, Row{Int(k), stStr(v)})
		a.update(c, &sp, &arg, nil, int64(i))
		if len(a.s) > 400 {
			t.Fatalf("after %d values the state holds %d bytes", i+1, len(a.s))
		}
	}
	slices.SortStableFunc(all, func(p, q kv) int { return int(p.k - q.k) })
	var parts []string
	for _, e := range all {
		parts = append(parts, e.v)
	}
	want := strings.Join(parts, "; ")[:100]
	if got := string(a.result(c, &sp).S); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}
