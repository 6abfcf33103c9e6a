package planner

import (
	"strings"
	"testing"

	"github.com/velort/velort/runtime"
)

const tradesDecl = "CREATE STREAM trades (symbol VARCHAR, price DOUBLE, qty BIGINT, ts TIMESTAMP)\n  WITH (subject = 'trades.{partition}', partitions = 4, key = 'symbol', event_time = 'ts');\n"

// TestErrorPositions checks that each kind of mistake is reported at the
// right file:line:col with a message saying what was expected.
func TestErrorPositions(t *testing.T) {
	cases := []struct {
		name, sql, want string
	}{
		{"unknown type", "CREATE STREAM s (a VARCHR) WITH (subject = 's');", "q.sql:1:20: unknown type VARCHR: expected BOOLEAN"},
		{"missing paren", "CREATE STREAM s (a VARCHAR WITH (subject = 's');", "q.sql:1:28: expected ')', found 'WITH'"},
		{"unknown option", "CREATE STREAM s (a BIGINT) WITH (subjekt = 's');", "q.sql:1:44: unknown stream option subjekt"},
		{"bad partitions", "CREATE STREAM s (a BIGINT) WITH (subject = 's.{partition}', partitions = 0);", "q.sql:1:74: expected a partition count from 1 to 4096"},
		{"no partition token", "CREATE STREAM s (a BIGINT) WITH (subject = 's', partitions = 2, key = 'a');", "has 2 partitions but its subject \"s\" has no {partition}"},
		{"bad key", "CREATE STREAM s (a BIGINT) WITH (subject = 's', key = 'b');", "q.sql:1:15: key column \"b\" is not a column of stream s"},
		{"bad duration", "CREATE STREAM s (a BIGINT) WITH (subject = 's', watermark_delay = 'soon');", "q.sql:1:67: expected a duration like '500ms'"},
		{"unknown statement", tradesDecl + "DROP STREAM trades;", "q.sql:3:1: expected CREATE STREAM, CREATE FUNCTION or INSERT INTO, found 'DROP'"},
		{"unknown stream", tradesDecl + "CREATE STREAM o AS SELECT a FROM nosuch;", "q.sql:3:34: unknown stream nosuch"},
		{"unknown column", tradesDecl + "CREATE STREAM o AS\nSELECT symbol, volume FROM trades;", "q.sql:4:16: unknown column volume: expected a column of stream trades (symbol, price, qty, ts)"},
		{"unknown function", tradesDecl + "CREATE STREAM o AS\nSELECT symbol, frobnicate(price) FROM trades;", "q.sql:4:16: unknown function frobnicate"},
		{"syntax error", tradesDecl + "CREATE STREAM o AS\nSELECT symbol,, price FROM trades;", "q.sql:4:15: syntax error at ','"},
		{"bad emit", tradesDecl + "CREATE STREAM o AS SELECT symbol, COUNT(*) FROM trades GROUP BY symbol EMIT SOMETIMES;", "q.sql:3:77: expected CHANGES or FINAL after EMIT, found 'SOMETIMES'"},
		{"bad interval", tradesDecl + "CREATE STREAM o AS SELECT symbol, COUNT(*) FROM trades GROUP BY symbol, TUMBLE(ts, INTERVAL '1' FORTNIGHT);", "q.sql:3:97: expected MILLISECOND, SECOND, MINUTE, HOUR or DAY, found 'FORTNIGHT'"},
		{"insert arity", tradesDecl + "CREATE STREAM out2 (a VARCHAR) WITH (subject = 'o');\nINSERT INTO out2 SELECT symbol, price FROM trades;", "q.sql:4:18: INSERT INTO out2: the query has 2 columns, the stream has 1"},
		{"insert type", tradesDecl + "CREATE STREAM out2 (a BIGINT) WITH (subject = 'o');\nINSERT INTO out2 SELECT symbol FROM trades;", "column a is BIGINT but the query's column 1 is VARCHAR"},
		{"order by with offset", tradesDecl + "CREATE STREAM o AS SELECT symbol FROM trades ORDER BY symbol LIMIT 1, 2;", "LIMIT with an OFFSET is not supported in a continuous query"},
		{"unterminated string", "CREATE STREAM s (a BIGINT) WITH (subject = 's);", "q.sql:1:44: unterminated string"},
		{"no query", tradesDecl, "declares no continuous query"},
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
}

// TestColumnConstCompareExact: comparing a BIGINT column with an integer
// constant is exact beyond 2^53 (the specialized path must not go through
// float64).
func TestColumnConstCompareExact(t *testing.T) {
	pl, err := Parse("q.sql", `CREATE STREAM s (a BIGINT) WITH (subject = 's');
CREATE STREAM o AS SELECT a FROM s WHERE a > 9007199254740992;`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pipe, err := pl.Queries[0].NewPipeline(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ctx runtime.Ctx
	for _, c := range []struct {
		v    int64
		pass bool
	}{{9007199254740992, false}, {9007199254740993, true}} {
		if got := len(pipe.Execute(&ctx, runtime.Row{runtime.Int(c.v)}, 0)) == 1; got != c.pass {
			t.Errorf("a = %d: passed %v, want %v", c.v, got, c.pass)
		}
	}
}
