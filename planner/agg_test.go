package planner

import (
	"strings"
	"testing"

	"github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
)

// feed runs rows through pipe (event time ts of each row) and returns every
// output, then what end of input releases, as text lines.
func feed(t *testing.T, pipe *runtime.Pipeline, rows ...runtime.Row) []string {
	t.Helper()
	var c runtime.Ctx
	var out []string
	for _, r := range rows {
		out = append(out, rowText(pipe.Execute(&c, r, r[4].I))...)
		if c.Err != nil {
			t.Fatalf("record %v: %v", r, c.Err)
		}
	}
	out = append(out, rowText(pipe.Advance(&c, runtime.EndOfTime))...)
	if c.Err != nil {
		t.Fatal(c.Err)
	}
	return out
}

func wantLines(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestDistinctAggregatesPerGroup: SUM/AVG/MIN/MAX(DISTINCT x) shared one
// seen-set across all groups (and windows): two groups of {5, 2} gave 7
// and then 0 instead of 7 and 7.
func TestDistinctAggregatesPerGroup(t *testing.T) {
	_, pipe := checkPipeline(t, checkDecl+"CREATE STREAM o AS SELECT k, SUM(DISTINCT x) AS s, AVG(DISTINCT x) AS a, MIN(DISTINCT x) AS mi, MAX(DISTINCT x) AS ma FROM s GROUP BY k EMIT FINAL;")
	got := feed(t, pipe, sRow("a", 5, 0, "", 1), sRow("a", 2, 0, "", 2), sRow("a", 5, 0, "", 3), sRow("b", 5, 0, "", 4), sRow("b", 2, 0, "", 5), sRow("b", 2, 0, "", 6))
	wantLines(t, got, `"a"|7|3.5|2|5`, `"b"|7|3.5|2|5`)

	// Per window: the same values in the next TUMBLE window count again.
	_, pipe = checkPipeline(t, checkDecl+"CREATE STREAM o AS SELECT k, SUM(DISTINCT x) AS s, COUNT(DISTINCT x) AS n FROM s GROUP BY k, TUMBLE(ts, INTERVAL 10 MILLISECOND);")
	got = feed(t, pipe, sRow("a", 5, 0, "", 1), sRow("a", 5, 0, "", 2), sRow("a", 2, 0, "", 3), sRow("a", 5, 0, "", 11), sRow("a", 2, 0, "", 12))
	wantLines(t, got, `"a"|7|2`, `"a"|7|2`)

	// SESSION windows merge their distinct sets when a record bridges them.
	_, pipe = checkPipeline(t, checkDecl+"CREATE STREAM o AS SELECT k, SUM(DISTINCT x) AS s, AVG(DISTINCT x) AS a FROM s GROUP BY k, SESSION(ts, INTERVAL 10 MILLISECOND);")
	got = feed(t, pipe, sRow("a", 5, 0, "", 0), sRow("a", 2, 0, "", 20), sRow("a", 2, 0, "", 10), sRow("a", 3, 0, "", 15))
	wantLines(t, got, `"a"|10|3.3333333333333335`)
}

// TestCountDistinctTuples: COUNT(DISTINCT a, b) passed check and then
// dead-lettered every record.
func TestCountDistinctTuples(t *testing.T) {
	_, pipe := checkPipeline(t, checkDecl+"CREATE STREAM o AS SELECT k, COUNT(DISTINCT x, v) AS n FROM s GROUP BY k EMIT FINAL;")
	got := feed(t, pipe, sRow("a", 1, 0, "p", 1), sRow("a", 1, 0, "q", 2), sRow("a", 1, 0, "p", 3), sRow("a", 2, 0, "p", 4),
		runtime.Row{runtime.String([]byte("a")), runtime.Null, runtime.Double(0), runtime.String([]byte("p")), runtime.Timestamp(5)},
		sRow("b", 11, 0, "1", 6), sRow("b", 1, 0, "11", 7))
	wantLines(t, got, `"a"|3`, `"b"|2`)
}

// TestGroupConcat: GROUP_CONCAT passed check and then dead-lettered every
// record. It concatenates in arrival order, with SEPARATOR and DISTINCT,
// values cast to text, and is cut at 1024 bytes as MySQL's default
// group_concat_max_len does.
func TestGroupConcat(t *testing.T) {
	_, pipe := checkPipeline(t, checkDecl+"CREATE STREAM o AS SELECT k, GROUP_CONCAT(v) AS g, GROUP_CONCAT(DISTINCT x SEPARATOR '; ') AS gx, GROUP_CONCAT(v, x) AS g2, GROUP_CONCAT(d) AS gd FROM s GROUP BY k EMIT FINAL;")
	got := feed(t, pipe, sRow("a", 5, 1.5, "p", 1), sRow("a", 2, 0, "q", 2), sRow("a", 5, -2, "é", 3),
		runtime.Row{runtime.String([]byte("b")), runtime.Null, runtime.Null, runtime.Null, runtime.Timestamp(4)})
	wantLines(t, got, `"a"|"p,q,é"|"5; 2"|"p5,q2,é5"|"1.5,0,-2"`, `"b"|null|null|null|null`)

	_, pipe = checkPipeline(t, checkDecl+"CREATE STREAM o AS SELECT k, GROUP_CONCAT(v SEPARATOR '') AS g FROM s GROUP BY k EMIT FINAL;")
	var rows []runtime.Row
	for i := 0; i < 600; i++ {
		rows = append(rows, sRow("a", 0, 0, "é", int64(i))) // 2 bytes each
	}
	rows = append(rows, sRow("b", 0, 0, strings.Repeat("x", 1023), 0), sRow("b", 0, 0, "é", 0), sRow("b", 0, 0, "y", 0))
	got = feed(t, pipe, rows...)
	wantLines(t, got, `"a"|"`+strings.Repeat("é", 512)+`"`, `"b"|"`+strings.Repeat("x", 1023)+`"`)
}

// TestAggregatesRefused: aggregates velort does not compute passed check
// and then dead-lettered every record; now check refuses them at the call.
func TestAggregatesRefused(t *testing.T) {
	cases := []struct{ name, sql, want string }{
		{"BIT_AND", "CREATE STREAM o AS SELECT k, BIT_AND(x) AS b FROM s GROUP BY k;", "q.sql:2:30: BIT_AND is not supported: MySQL computes it as BIGINT UNSIGNED"},
		{"BIT_OR in an expression", "CREATE STREAM o AS SELECT k,\n  BIT_OR(x) + 1 AS b FROM s GROUP BY k;", "q.sql:3:3: BIT_OR is not supported"},
		{"BIT_XOR", "CREATE STREAM o AS SELECT BIT_XOR(x) AS b FROM s;", "q.sql:2:27: BIT_XOR is not supported"},
		{"JSON_ARRAYAGG", "CREATE STREAM o AS SELECT k, JSON_ARRAYAGG(x) AS j FROM s GROUP BY k;", "q.sql:2:30: JSON_ARRAYAGG is not supported as an aggregate"},
		{"GROUP_CONCAT DISTINCT of several", "CREATE STREAM o AS SELECT k, GROUP_CONCAT(DISTINCT v, x) AS g FROM s GROUP BY k;", "q.sql:2:30: GROUP_CONCAT(DISTINCT a, b, ...) of several values is not supported"},
		{"GROUP_CONCAT DISTINCT in SESSION", "CREATE STREAM o AS SELECT k, GROUP_CONCAT(DISTINCT v) AS g FROM s GROUP BY k, SESSION(ts, INTERVAL 1 SECOND);", "GROUP_CONCAT(DISTINCT ...) is not supported with SESSION windows"},
		{"SUM DISTINCT OVER", "CREATE STREAM o AS SELECT k, SUM(DISTINCT x) OVER (PARTITION BY k ORDER BY ts) AS w FROM s;", "q.sql:2:30: SUM(DISTINCT ...) OVER (...) is not supported"},
		{"COUNT DISTINCT OVER", "CREATE STREAM o AS SELECT k, COUNT(DISTINCT x) OVER (PARTITION BY k ORDER BY ts) AS w FROM s;", "q.sql:2:30: COUNT(DISTINCT ...) OVER (...) is not supported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("q.sql", checkDecl+c.sql, Options{})
			if err == nil {
				t.Fatalf("no error; want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n  %s\nwant it to contain\n  %s", err, c.want)
			}
		})
	}
}

// TestGlobalAggregateOverNothing: a global aggregate (no GROUP BY) emitted
// nothing when no record passed WHERE; SQL returns one row (COUNT 0, SUM
// NULL). Under EMIT FINAL it appears at end of input, once across
// partitions. Under EMIT CHANGES the output is a changelog, whose table
// (SPEC §2, the result rule) has the one row too: it is upserted at end
// of input when no record reached it (before changelogs: no row).
func TestGlobalAggregateOverNothing(t *testing.T) {
	const q = "CREATE STREAM o AS SELECT COUNT(*) AS n, COUNT(x) AS c, SUM(x) AS s, AVG(d) AS a, MAX(v) AS m, GROUP_CONCAT(v) AS g FROM s WHERE x > 100"
	_, pipe := checkPipeline(t, checkDecl+q+" EMIT FINAL;")
	wantLines(t, feed(t, pipe, sRow("a", 1, 0, "", 1)), `0|0|null|null|null|null`)
	_, pipe = checkPipeline(t, checkDecl+q+" EMIT FINAL;")
	wantLines(t, feed(t, pipe, sRow("a", 101, 1, "z", 1)), `1|1|101|1|"z"|"z"`)
	_, pipe = checkPipeline(t, checkDecl+q+" HAVING COUNT(*) > 0 EMIT FINAL;")
	wantLines(t, feed(t, pipe, sRow("a", 1, 0, "", 1)))
	_, pipe = checkPipeline(t, checkDecl+"CREATE STREAM o AS SELECT COUNT(*) AS n, SUM(x) AS s FROM s WHERE 1 IN (2) EMIT FINAL;")
	wantLines(t, feed(t, pipe, sRow("a", 1, 0, "", 1)), `0|null`)
	_, pipe = checkPipeline(t, checkDecl+q+" EMIT CHANGES;")
	wantLines(t, feed(t, pipe, sRow("a", 1, 0, "", 1)), `0|0|null|null|null|null`)
	// Grouped or windowed: no groups, no rows.
	_, pipe = checkPipeline(t, checkDecl+"CREATE STREAM o AS SELECT k, COUNT(*) AS n FROM s WHERE x > 100 GROUP BY k EMIT FINAL;")
	wantLines(t, feed(t, pipe, sRow("a", 1, 0, "", 1)))

	// Four partitions: every partition forwards to the one the empty key
	// hashes to; only that one emits the row.
	pl, err := Parse("q.sql", "CREATE STREAM s (k VARCHAR, x BIGINT, d DOUBLE, v VARCHAR, ts TIMESTAMP) WITH (subject = 'in.{partition}', partitions = 4, key = 'k', event_time = 'ts');\n"+q+" EMIT FINAL;", Options{})
	if err != nil {
		t.Fatal(err)
	}
	owner, rows := transport.PartitionOf(nil, 4), 0
	for p := 0; p < 4; p++ {
		pipe, err := pl.Queries[0].NewPipeline(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := feed(t, pipe)
		rows += len(out)
		if p == owner {
			wantLines(t, out, `0|0|null|null|null|null`)
		}
	}
	if rows != 1 {
		t.Errorf("%d rows over the 4 partitions, want 1", rows)
	}
}

// TestGroupConcatOrderBy: GROUP_CONCAT(x ORDER BY ...) sorts as MySQL
// (NULLs first ascending, last descending, several keys, numbers by value,
// ties in arrival order), with DISTINCT by the value, cut at the maximum
// length from the sorted start, also across merging SESSION windows.
func TestGroupConcatOrderBy(t *testing.T) {
	_, pipe := checkPipeline(t, checkDecl+"CREATE STREAM o AS SELECT k, GROUP_CONCAT(v ORDER BY x) AS a, GROUP_CONCAT(v ORDER BY x DESC, v SEPARATOR '') AS b, GROUP_CONCAT(DISTINCT v ORDER BY v DESC) AS c, GROUP_CONCAT(x ORDER BY d) AS e FROM s GROUP BY k EMIT FINAL;")
	nullX := sRow("a", 0, 0.5, "n", 5)
	nullX[1] = runtime.Null
	got := feed(t, pipe, sRow("a", 10, -1.5, "p", 1), sRow("a", -2, 2, "q", 2), sRow("a", 10, -0.0, "o", 3), sRow("a", 9, 1e300, "p", 4), nullX)
	wantLines(t, got, `"a"|"n,q,p,p,o"|"oppqn"|"q,p,o,n"|"10,10,-2,9"`)

	// The cut keeps the sorted start: 600 two-byte values arriving in
	// descending order, ascending output cut at 1024 bytes.
	_, pipe = checkPipeline(t, checkDecl+"CREATE STREAM o AS SELECT k, GROUP_CONCAT(v ORDER BY x SEPARATOR '') AS g FROM s GROUP BY k EMIT FINAL;")
	var rows []runtime.Row
	var want strings.Builder
	for i := 599; i >= 0; i-- {
		rows = append(rows, sRow("a", int64(i), 0, string(rune('a'+i%26))+"é", 0))
	}
	i := 0
	for ; want.Len()+3 <= 1024; i++ {
		want.WriteString(string(rune('a'+i%26)) + "é")
	}
	want.WriteString(string(rune('a' + i%26))) // 1023 bytes so far, then the next value's first character
	got = feed(t, pipe, rows...)
	wantLines(t, got, `"a"|"`+want.String()+`"`)

	// SESSION windows merge sorted states.
	_, pipe = checkPipeline(t, checkDecl+"CREATE STREAM o AS SELECT k, GROUP_CONCAT(v ORDER BY x) AS g FROM s GROUP BY k, SESSION(ts, INTERVAL 10 MILLISECOND);")
	got = feed(t, pipe, sRow("a", 3, 0, "c", 0), sRow("a", 1, 0, "a", 20), sRow("a", 2, 0, "b", 10), sRow("a", 4, 0, "d", 15))
	wantLines(t, got, `"a"|"a,b,c,d"`)
}

// TestSumOverflowLeavesStateUnchanged: a record whose SUM overflows is
// dead-lettered, and none of its group's aggregates (nor its other HOP
// windows) may count it: COUNT(*) counted the dead-lettered records.
func TestSumOverflowLeavesStateUnchanged(t *testing.T) {
	for _, q := range []string{
		"CREATE STREAM o AS SELECT k, COUNT(*) AS n, SUM(x) AS s FROM s GROUP BY k EMIT FINAL;",
		"CREATE STREAM o AS SELECT k, COUNT(*) AS n, SUM(x) AS s FROM s GROUP BY k, HOP(ts, INTERVAL 10 MILLISECOND, INTERVAL 20 MILLISECOND);",
		"CREATE STREAM o AS SELECT k, COUNT(*) AS n, SUM(x) AS s FROM s GROUP BY k, SESSION(ts, INTERVAL 100 MILLISECOND);",
	} {
		_, pipe := checkPipeline(t, checkDecl+q)
		var c runtime.Ctx
		var out []string
		big := int64(1 << 62)
		for i, r := range []runtime.Row{sRow("a", 1, 0, "", 1), sRow("a", big, 0, "", 12), sRow("a", big, 0, "", 13), sRow("a", 5, 0, "", 14)} {
			c.Reset()
			res := rowText(pipe.Execute(&c, r, r[4].I))
			if (i == 2) != (c.Err != nil) {
				t.Fatalf("%s\nrecord %d: error %v", q, i, c.Err)
			}
			out = append(out, res...)
		}
		c.Reset()
		out = append(out, rowText(pipe.Advance(&c, runtime.EndOfTime))...)
		want := `"a"|3|4611686018427387910`
		if strings.Contains(q, "HOP") {
			want = `"a"|1|1` + "\n" + `"a"|3|4611686018427387910` + "\n" + `"a"|2|4611686018427387909` // windows [-10,10), [0,20) and [10,30)
		}
		if got := strings.Join(out, "\n"); got != want {
			t.Errorf("%s\ngot\n  %s\nwant\n  %s", q, strings.ReplaceAll(got, "\n", "\n  "), strings.ReplaceAll(want, "\n", "\n  "))
		}
	}
}

// TestFrameSumOutOfRange: SUM over a ROWS frame wrapped around on
// overflow and published the wrapped number (2^62 + 2^62 gave
// -9223372036854775808); now that row is dead-lettered, the frame stays
// exact and the next rows are right again.
func TestFrameSumOutOfRange(t *testing.T) {
	_, pipe := checkPipeline(t, checkDecl+"CREATE STREAM o AS SELECT k, x, SUM(x) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s2 FROM s;")
	var c runtime.Ctx
	var got []string
	for _, x := range []int64{1 << 62, 1 << 62, 1, -1 << 62, -1 << 62, -1 << 62} {
		c.Reset()
		out := rowText(pipe.Execute(&c, sRow("a", x, 0, "", 0), 0))
		if c.Err != nil {
			out = []string{"dead letter: " + c.Err.Error()}
		}
		got = append(got, out...)
	}
	wantLines(t, got,
		`"a"|4611686018427387904|4611686018427387904`,
		"dead letter: SUM: value out of range (BIGINT/DECIMAL overflow)",
		`"a"|1|4611686018427387905`,
		`"a"|-4611686018427387904|-4611686018427387903`,
		`"a"|-4611686018427387904|-9223372036854775808`,
		`"a"|-4611686018427387904|-9223372036854775808`)
}
