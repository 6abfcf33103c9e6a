package planner

import (
	"strings"

	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/plan"
)

// isWindowJoin reports whether j, a join of two append-only streams, is a
// window join (SPEC §2 "Composed queries"): its ON has an equality of the
// two sides' window_start columns, and each side has a window_end column
// (two windowed EMIT FINAL outputs joined on key and window). It runs as a
// regular join of two append-only inputs — an INNER join, whose rows are
// never retracted, so its output is append-only — whose state of a window
// is dropped once both inputs have moved past its end
// (runtime.RegularJoin.EvictWindows).
func isWindowJoin(j *plan.JoinNode, l, r *Stream) bool {
	if l.Changelog || r.Changelog || l.Columns.Index("window_end") < 0 || r.Columns.Index("window_end") < 0 {
		return false
	}
	nl := len(l.Columns)
	for _, c := range splitAnd(j.JoinCond()) {
		eq, ok := c.(*expression.Equals)
		if !ok {
			continue
		}
		a, aok := eq.Left().(*expression.GetField)
		b, bok := eq.Right().(*expression.GetField)
		if !aok || !bok {
			continue
		}
		if a.Index() >= nl {
			a, b = b, a
		}
		if a.Index() < nl && b.Index() >= nl && strings.EqualFold(a.Name(), "window_start") && strings.EqualFold(b.Name(), "window_start") {
			return true
		}
	}
	return false
}
