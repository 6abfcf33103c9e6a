package runtime

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/velort/velort/internal/testseeds"
)

// forSeeds runs a randomized differential test once with its fixed seed
// (a, b) — what CI runs — and, with VELORT_SEEDS=N in the environment, with
// N-1 more seeds derived from it. Each seed is a subtest named seed=i, so a
// failure reproduces with -run 'TestX/seed=i' and the same VELORT_SEEDS.
func forSeeds(t *testing.T, a, b uint64, test func(t *testing.T, rng *rand.Rand)) {
	n := testseeds.N(t, 1)
	for i := uint64(0); i < uint64(n); i++ {
		t.Run(fmt.Sprintf("seed=%d", i), func(t *testing.T) {
			test(t, rand.New(rand.NewPCG(a+i, b+i*7919)))
		})
	}
}
