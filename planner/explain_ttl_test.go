package planner

import (
	"strings"
	"testing"
)

// TestExplainShowsStateTTL: explain says which state a statement's
// state_ttl bounds and by which clock.
func TestExplainShowsStateTTL(t *testing.T) {
	pl, err := Parse("q.sql", `CREATE STREAM a (k BIGINT, v BIGINT, t TIMESTAMP) WITH (subject = 'ta', event_time = 't');
CREATE STREAM b (k BIGINT, w BIGINT) WITH (subject = 'tb');
CREATE STREAM o WITH (subject = 'to', state_ttl = '1h') AS SELECT k, COUNT(*) AS n FROM a GROUP BY k;
CREATE STREAM o2 WITH (subject = 'to2', state_ttl = '90s') AS SELECT a.k, b.w FROM a JOIN b ON a.k = b.k;
CREATE STREAM o3 WITH (subject = 'to3') AS SELECT k, COUNT(*) AS n FROM a GROUP BY k;
`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := pl.Explain()
	for _, want := range []string{
		"  state_ttl: 1h0m0s — groups whose last change is older than the watermark less 1h0m0s are forgotten (by event time)\n",
		"  state_ttl: 1m30s — join rows of both sides whose last change is older than the watermark less 1m30s are forgotten (by arrival time)\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("explain lacks %q:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "state_ttl:"); n != 2 {
		t.Errorf("%d state_ttl lines, want 2 (o3 has none):\n%s", n, text)
	}
}
