package bench

import (
	"context"
	"testing"
)

// planned plans scenario s (its modules closed when tb ends) and builds n
// of its records, with their JSON messages when json is set.
func planned(tb testing.TB, s *Scenario, n int, json bool) (*query, *Dataset) {
	tb.Helper()
	q, err := s.plan(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(q.close)
	ds, err := buildDataset(s, q, n, json)
	if err != nil {
		tb.Fatal(err)
	}
	return q, ds
}

// engineFor is a fresh engine over q, released when tb ends.
func engineFor(tb testing.TB, q *query, json bool) *engine {
	tb.Helper()
	e, err := newEngine(q, json)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(e.release)
	return e
}
