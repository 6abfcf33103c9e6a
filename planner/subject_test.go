package planner

import (
	"strings"
	"testing"
)

// TestSubjectsChecked: invalid NATS subjects failed only at run time,
// without file:line; feedback loops (outputs or dead letters consumed
// again by the file) ran forever. Both are refused at plan time.
func TestSubjectsChecked(t *testing.T) {
	const s = "CREATE STREAM s (k VARCHAR) WITH ("
	cases := []struct{ name, sql, want string }{
		{"space", s + "subject = 'a b');\nCREATE STREAM o AS SELECT k FROM s;",
			`q.sql:1:45: invalid NATS subject "a b": it contains whitespace`},
		{"empty token", s + "subject = 'a..b');\nCREATE STREAM o AS SELECT k FROM s;",
			`q.sql:1:45: invalid NATS subject "a..b": it has an empty token`},
		{"trailing dot", s + "subject = 'a.');\nCREATE STREAM o AS SELECT k FROM s;",
			`q.sql:1:45: invalid NATS subject "a.": it has an empty token`},
		{"> not last", s + "subject = 'a.>.b');\nCREATE STREAM o AS SELECT k FROM s;",
			`q.sql:1:45: invalid NATS subject "a.>.b": '>' must be its last token`},
		{"partial wildcard", s + "subject = 'a.b*');\nCREATE STREAM o AS SELECT k FROM s;",
			`q.sql:1:45: invalid NATS subject "a.b*": '*' and '>' must be whole tokens`},
		{"dlq wildcard", s + "subject = 'in', dlq = 'dead.*');\nCREATE STREAM o AS SELECT k FROM s;",
			`q.sql:1:57: invalid dead-letter subject "dead.*": it has the wildcard '*'`},
		{"dlq space", s + "subject = 'in',\n  dlq = 'dead letters');\nCREATE STREAM o AS SELECT k FROM s;",
			`q.sql:2:9: invalid dead-letter subject "dead letters": it contains whitespace`},
		{"sink with wildcard", s + "subject = 'in');\nCREATE STREAM o WITH (subject = 'out.*') AS SELECT k FROM s;",
			`q.sql:2:33: stream o is written by a query, but its subject "out.*" has a wildcard`},
		{"dlq is the input", s + "subject = 'in', dlq = 'in');\nCREATE STREAM o AS SELECT k FROM s;",
			`q.sql:1:57: feedback loop: dead letters of query o go to "in", which stream s (subject "in") consumes`},
		{"dlq matched by the input", s + "subject = 'in.*', dlq = 'in.x');\nCREATE STREAM o AS SELECT k FROM s;",
			`q.sql:1:59: feedback loop: dead letters of query o go to "in.x", which stream s (subject "in.*") consumes`},
		{"sink inside a wildcard source", s + "subject = 'events.>');\nCREATE STREAM o WITH (subject = 'events.out') AS SELECT k FROM s;",
			`q.sql:2:33: feedback loop: the outputs of query o go to "events.out", which stream s (subject "events.>") consumes`},
		{"sink inside a partitioned source", "CREATE STREAM s (k VARCHAR) WITH (subject = 'ev.{partition}', partitions = 2, key = 'k');\nCREATE STREAM o WITH (subject = 'ev.1') AS SELECT k FROM s;",
			`q.sql:2:33: feedback loop: the outputs of query o go to "ev.1", which stream s (subject "ev.{partition}") consumes`},
		{"loop through two queries", s + "subject = 'a');\nCREATE STREAM b (k VARCHAR) WITH (subject = 'b');\n" +
			"INSERT INTO b SELECT k FROM s;\nCREATE STREAM o WITH (subject = 'a') AS SELECT k FROM b;",
			`feedback loop: the outputs of query insert_b_1 go to "b", which stream b (subject "b") consumes, whose query publishes to "a", which stream s (subject "a") consumes`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("q.sql", c.sql, Options{})
			if err == nil {
				t.Fatalf("no error; want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n  %s\nwant it to contain\n  %s", err, c.want)
			}
		})
	}
	// Not loops: a chain, a DLQ consumed by another query, partitions
	// that cannot meet.
	for _, ok := range []string{
		s + "subject = 'in.*');\nCREATE STREAM mid WITH (subject = 'mid') AS SELECT k FROM s;\nCREATE STREAM o WITH (subject = 'out') AS SELECT k FROM mid;",
		s + "subject = 'in', dlq = 'dead');\nCREATE STREAM d (k VARCHAR) WITH (subject = 'dead');\nCREATE STREAM o AS SELECT k FROM s;\nCREATE STREAM o2 AS SELECT k FROM d;",
		"CREATE STREAM s (k VARCHAR) WITH (subject = 'ev.{partition}', partitions = 2, key = 'k');\nCREATE STREAM o WITH (subject = 'ev.out') AS SELECT k FROM s;",
	} {
		if _, err := Parse("q.sql", ok, Options{}); err != nil {
			t.Errorf("%s\n  refused: %v", ok, err)
		}
	}
}

func TestSubjectsOverlap(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"a.b", "a.b", true}, {"a.b", "a.c", false}, {"a.*", "a.b", true}, {"a.>", "a.b.c", true},
		{"a.>", "a", false}, {"a.*", "a.b.c", false}, {">", "x", true}, {"a.{partition}", "a.12", true},
		{"a.{partition}", "a.x", false}, {"a.p{partition}", "a.p3", true}, {"a.p{partition}", "a.p", false},
		{"a.{partition}", "a.*", true}, {"a.{partition}", "b.{partition}", false},
	} {
		if got := subjectsOverlap(c.a, c.b); got != c.want {
			t.Errorf("subjectsOverlap(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := subjectsOverlap(c.b, c.a); got != c.want {
			t.Errorf("subjectsOverlap(%q, %q) = %v, want %v", c.b, c.a, got, c.want)
		}
	}
}
