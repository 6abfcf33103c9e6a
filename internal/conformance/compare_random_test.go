package conformance

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/velort/velort/internal/testseeds"
)

// TestMariaDBRandomColumnComparisons compares with MariaDB, on every row
// of t (NULLs and ±2^63 among them), random predicates over columns
// compared with columns — the shapes the planner evaluates in place
// (columnsCompare, columnsLogic: x op y, x BETWEEN y AND z, and AND/OR of
// two such) nested under NOT, AND and OR with others — each as a value
// and as a WHERE. 40 predicates per seed; VELORT_SEEDS=n runs seeds
// 0..n-1 (default 1), each a subtest seed=i (-run 'TestX/seed=i').
func TestMariaDBRandomColumnComparisons(t *testing.T) {
	seeds := testseeds.N(t, 1)
	m := startMariaDB(t)
	rows, msgs := setupData(t, m)
	for seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { randomComparisons(t, m, rows, msgs, seed) })
	}
}

// randomComparisons checks seed's 40 predicates.
func randomComparisons(t *testing.T, m *mariadb, rows [][]any, msgs [][]byte, seed int) {
	ints := []string{"i", "k", "id", "b"}
	ops := []string{"=", "<>", "<", "<=", ">", ">=", "<=>"}
	rng := rand.New(rand.NewPCG(uint64(seed), 0xc0c0))
	col := func() string { return ints[rng.IntN(len(ints))] }
	atom := func() string {
		switch rng.IntN(5) {
		case 0:
			return fmt.Sprintf("%s %sBETWEEN %s AND %s", col(), []string{"", "NOT "}[rng.IntN(2)], col(), col())
		case 1:
			return fmt.Sprintf("ts %s ts", ops[rng.IntN(len(ops))])
		}
		return fmt.Sprintf("%s %s %s", col(), ops[rng.IntN(len(ops))], col())
	}
	var pred func(depth int) string
	pred = func(depth int) string {
		if depth == 0 || rng.IntN(3) == 0 {
			return atom()
		}
		switch rng.IntN(4) {
		case 0:
			return "NOT (" + pred(depth-1) + ")"
		case 1:
			return "(" + pred(depth-1) + ") OR (" + pred(depth-1) + ")"
		}
		return "(" + pred(depth-1) + ") AND (" + pred(depth-1) + ")"
	}
	var results, where []*exprResult
	for range 40 {
		results = append(results, checkScalar(t, m, pred(2), true, rows, msgs, &where))
	}
	for _, r := range append(results, where...) {
		if r.refused != "" {
			t.Errorf("seed %d: [%s] %s refused: %s", seed, r.section, r.expr, r.refused)
		}
		if len(r.fails) > 0 {
			f := r.fails[0]
			t.Errorf("seed %d: [%s] %s: %s at %s: velort %s, MariaDB %s (%d rows differ)", seed, r.section, r.expr, f.why, f.at, f.velort, f.maria, len(r.fails))
		}
	}
}
