package planner

import (
	"fmt"
	"strings"
	"testing"

	"github.com/velort/velort/runtime"
)

// arStream declares the columns the compiled-expression tests read.
const arStream = `CREATE STREAM t (i BIGINT, d DOUBLE, s VARCHAR, ts TIMESTAMP, b BOOLEAN, m DECIMAL(10,2), j JSON)
WITH (subject = 't');
`

// arEval compiles `SELECT expr AS x FROM t`, runs the record rec (JSON
// text) through it and returns the value velort writes, "ERR: reason" when
// the record is dead-lettered, or "CHECK: reason" when the query is refused.
func arEval(t testing.TB, expr, rec string) string {
	t.Helper()
	pl, err := Parse("e.sql", arStream+"CREATE STREAM o WITH (subject = 'o') AS SELECT "+expr+" AS x FROM t;", Options{})
	if err != nil {
		return "CHECK: " + err.Error()
	}
	q := pl.Queries[0]
	pipe, err := q.NewPipeline(0, nil)
	if err != nil {
		return "CHECK: " + err.Error()
	}
	dec := runtime.NewDecoder(q.Source.Columns, q.Read)
	row := make(runtime.Row, len(q.Source.Columns))
	if rec == "" {
		rec = "{}"
	}
	if err := dec.Decode([]byte(rec), row); err != nil {
		t.Fatalf("decode %s: %v", rec, err)
	}
	var ctx runtime.Ctx
	ctx.Arena = make([]byte, 0, 4) // small, so that growth paths run too
	outs := pipe.Execute(&ctx, row, 0)
	if ctx.Err != nil {
		return "ERR: " + ctx.Err.Error()
	}
	if len(outs) != 1 {
		return fmt.Sprintf("%d outputs", len(outs))
	}
	out := string(runtime.NewEncoder([]string{"x"}).Append(nil, outs[0]))
	return strings.TrimSuffix(strings.TrimPrefix(out, `{"x":`), "}")
}

// arCase is an expression, its record and what velort must write: a
// value, or a prefix "ERR: ..." / "CHECK: ..." the result must start with.
type arCase struct{ expr, rec, want string }

func arRun(t *testing.T, cases []arCase) {
	t.Helper()
	for _, c := range cases {
		got := arEval(t, c.expr, c.rec)
		ok := got == c.want
		if strings.HasPrefix(c.want, "ERR: ") || strings.HasPrefix(c.want, "CHECK: ") {
			ok = strings.HasPrefix(got, c.want)
		}
		if !ok {
			t.Errorf("%s on %s = %s, want %s", c.expr, c.rec, got, c.want)
		}
	}
}

// TestConcatOfArenaBuiltArguments: CONCAT's arguments that build their
// value in the arena (UPPER, CAST AS CHAR, a nested CONCAT) appear once
// (they appeared twice: `ABCABCx`).
func TestConcatOfArenaBuiltArguments(t *testing.T) {
	arRun(t, []arCase{
		{"CONCAT(UPPER('abc'), 'x')", "", `"ABCx"`},
		{"CONCAT(CAST(i AS CHAR), 'x')", `{"i":122}`, `"122x"`},
		{"CONCAT('a', LOWER(s), UPPER(s), s, CONCAT(UPPER(s), 'y'))", `{"s":"Ab"}`, `"aabABAbABy"`},
		{"CONCAT(s, UPPER(s), REPLACE(s, 'b', 'c'))", `{"s":"Ab"}`, `"AbABAc"`},
		{"CONCAT(UPPER(s), NULL)", `{"s":"Ab"}`, `null`},
		{"CONCAT(s, s)", `{"s":"Ab"}`, `"AbAb"`},
	})
}

const (
	arMaxInt = `{"i":9223372036854775807}`
	arMinInt = `{"i":-9223372036854775808}`
)

// TestIntegerOverflowIsAnError: BIGINT + - * DIV ABS and unary minus out
// of range are MySQL's error 1690 for the record (they wrapped).
func TestIntegerOverflowIsAnError(t *testing.T) {
	arRun(t, []arCase{
		{"i + 1", arMaxInt, "ERR: BIGINT value is out of range in '(i + 1)'"},
		{"i + i", arMaxInt, "ERR: BIGINT value is out of range"},
		{"i - 1", arMinInt, "ERR: BIGINT value is out of range in '(i - 1)'"},
		{"1 - i", arMinInt, "ERR: BIGINT value is out of range"},
		{"i * 2", `{"i":4611686018427387904}`, "ERR: BIGINT value is out of range"},
		{"i * -1", arMinInt, "ERR: BIGINT value is out of range"},
		{"i * i", `{"i":3037000500}`, "ERR: BIGINT value is out of range"},
		{"i DIV -1", arMinInt, "ERR: BIGINT value is out of range"},
		{"ABS(i)", arMinInt, "ERR: BIGINT value is out of range in 'abs(i)'"},
		{"-i", arMinInt, "ERR: BIGINT value is out of range in '-i'"},
		{"-(i - 1) - 1", `{"i":-9223372036854775807}`, "ERR: BIGINT value is out of range"},
		// In range: exact.
		{"i + 0", arMaxInt, "9223372036854775807"},
		{"i - 1", arMaxInt, "9223372036854775806"},
		{"i * -1", arMaxInt, "-9223372036854775807"},
		{"i * i", `{"i":3037000499}`, "9223372030926249001"},
		{"i DIV -1", arMaxInt, "-9223372036854775807"},
		{"ABS(i)", `{"i":-9223372036854775807}`, "9223372036854775807"},
		{"-i", `{"i":-9223372036854775807}`, "9223372036854775807"},
		{"-b", `{"b":true}`, "-1"},
		{"i + 1", `{}`, "null"},
	})
}

// TestDecimalAndDoubleOverflowIsAnError: DECIMAL arithmetic is exact or an
// error (velort's DECIMAL holds 18 digits; `i + 0.5` wrapped to -0.5), and
// a DOUBLE result beyond ±1.8e308 is error 1690 as in MySQL.
func TestDecimalAndDoubleOverflowIsAnError(t *testing.T) {
	arRun(t, []arCase{
		{"i + 0.5", arMaxInt, "ERR: DECIMAL value is out of range in '(i + 0.5)'"},
		{"i * 1.5", `{"i":9000000000000000000}`, "ERR: DECIMAL value is out of range"},
		{"m * m", `{"m":99999999.99}`, "ERR: DECIMAL value is out of range"},
		{"m - i", `{"m":-99999999.99,"i":92233720368547759}`, "ERR: DECIMAL value is out of range"},
		{"i + 0.5", `{"i":92233720368547757}`, "92233720368547757.5"},
		{"m * m", `{"m":12.50}`, "156.2500"},
		{"d * 1e308", `{"d":10}`, "ERR: DOUBLE value is out of range in '(d * 1e+308)'"},
		{"d + d", `{"d":1.7976931348623157e308}`, "ERR: DOUBLE value is out of range"},
		{"d - 1.7976931348623157e308", `{"d":-1.7976931348623157e308}`, "ERR: DOUBLE value is out of range"},
		{"i * d", `{"i":2,"d":1.7976931348623157e308}`, "ERR: DOUBLE value is out of range"},
		{"d / 1e-308", `{"d":1e308}`, "ERR: DOUBLE value is out of range"},
		{"d * 2", `{"d":1e307}`, "2e+307"},
	})
}

// TestDivAndModAreExact: MySQL computes DIV in DECIMAL (DOUBLE operands
// are converted first), not in floating point, and % of DECIMALs exactly.
func TestDivAndModAreExact(t *testing.T) {
	arRun(t, []arCase{
		{"0.3 DIV 0.1", "", "3"},
		{"d DIV 0.1", `{"d":0.3}`, "3"},
		{"d DIV 1e-1", `{"d":0.3}`, "3"},
		{"m DIV 0.25", `{"m":-1.25}`, "-5"},
		{"i DIV 0.5", arMaxInt, "ERR: BIGINT value is out of range"},
		{"5 DIV 1e-30", "", "ERR: BIGINT value is out of range"},
		{"d DIV 1", `{"d":1e19}`, "ERR: BIGINT value is out of range"},
		{"d DIV 2", `{"d":-7.9}`, "-3"},
		{"m DIV 0", `{"m":7.5}`, "null"},
		{"d DIV 0", `{"d":7.5}`, "null"},
		{"7 DIV i", `{"i":0}`, "null"},
		{"0.3 % 0.1", "", "0.0"},
		{"m % 2", `{"m":-5.50}`, "-1.50"},
		{"d % 0.1e0", `{"d":0.3}`, "0.09999999999999998"},
		{"i % -1", arMinInt, "0"},
	})
}

// TestCastToDecimal: CAST(x AS DECIMAL[(M[,D])]) has MySQL's precision
// (DECIMAL is DECIMAL(10,0)), rounds half away from zero, and a value that
// does not fit is an error for the record, never 0.00 or garbage; a
// precision beyond velort's 18 digits is refused by check.
func TestCastToDecimal(t *testing.T) {
	arRun(t, []arCase{
		{"CAST(123456 AS DECIMAL(5,2))", "", "ERR: DECIMAL value is out of range"},
		{"CAST(-123456 AS DECIMAL(5,2))", "", "ERR: DECIMAL value is out of range"},
		{"CAST(d AS DECIMAL(5,2))", `{"d":1e300}`, "ERR: DECIMAL value is out of range"},
		{"CAST(i AS DECIMAL)", `{"i":12345678901}`, "ERR: DECIMAL value is out of range"},
		{"CAST(1 AS DECIMAL(30,20))", "", "CHECK: "},
		{"CAST(d AS DECIMAL(30,20)) * 1e0", `{"d":1}`, "CHECK: "},
		{"CAST(1 AS DECIMAL(2,3))", "", "CHECK: "},
		{"CAST(i AS DECIMAL) + 1", `{"i":12}`, "13"},
		{"CAST(i AS DECIMAL) * 0.5", `{"i":12}`, "6.0"},
		{"CAST(i AS DECIMAL(5))", `{"i":12}`, "12"},
		{"CAST(0.125 AS DECIMAL(5,2))", "", "0.13"},
		{"CAST(-0.125 AS DECIMAL(5,2))", "", "-0.13"},
		{"CAST(d AS DECIMAL(5,2))", `{"d":2.675}`, "2.68"},
		{"CAST(d AS DECIMAL(5,2))", `{"d":-0.125}`, "-0.13"},
		{"CAST(s AS DECIMAL(5,2))", `{"s":"1.005"}`, "1.01"},
		{"CAST(s AS DECIMAL(6,2))", `{"s":" -12.345e1xyz"}`, "-123.45"},
		{"CAST(s AS DECIMAL(6,2))", `{"s":"abc"}`, "0.00"},
		{"CAST(m AS DECIMAL(4,1))", `{"m":-1.25}`, "-1.3"},
		{"CAST(m AS DECIMAL(6,4))", `{"m":-1.25}`, "-1.2500"},
		{"CAST(m AS DECIMAL(4,3))", `{"m":12.5}`, "ERR: DECIMAL value is out of range"},
		{"CAST(99.995 AS DECIMAL(4,2))", "", "ERR: DECIMAL value is out of range"},
		{"CAST(NULL AS DECIMAL(4,2))", "", "null"},
		{"CAST(ts AS DECIMAL(17,3))", `{"ts":"1999-12-31T23:59:59.999Z"}`, "19991231235959.999"},
		{"CAST(ts AS DECIMAL(16,2))", `{"ts":"1999-12-31T23:59:59.999Z"}`, "19991231235960.00"},
		{"CAST(ts AS DECIMAL)", `{"ts":"1999-12-31T23:59:59.999Z"}`, "ERR: DECIMAL value is out of range"},
	})
}

// TestCastToSignedRoundsLikeMySQL: a DOUBLE converts to BIGINT with rint
// (ties to even, CAST(2.5e0 AS SIGNED) is 2 in MySQL and MariaDB), a
// DECIMAL half away from zero; out of range is an error, not a clamp.
func TestCastToSignedRoundsLikeMySQL(t *testing.T) {
	arRun(t, []arCase{
		{"CAST(d AS SIGNED)", `{"d":2.5}`, "2"},
		{"CAST(d AS SIGNED)", `{"d":-2.5}`, "-2"},
		{"CAST(d AS SIGNED)", `{"d":1.5}`, "2"},
		{"CAST(d AS SIGNED)", `{"d":2.6}`, "3"},
		{"CAST(m AS SIGNED)", `{"m":2.5}`, "3"},
		{"CAST(m AS SIGNED)", `{"m":-2.5}`, "-3"},
		{"CAST(d AS SIGNED)", `{"d":1e19}`, "ERR: BIGINT value is out of range"},
		{"CAST(d AS SIGNED)", `{"d":-9.3e18}`, "ERR: BIGINT value is out of range"},
	})
}

// TestFloorCeilRound: FLOOR/CEIL of a DOUBLE are BIGINT, so beyond its
// range they are error 1690 (they gave -2^63); ROUND of a DOUBLE is
// MySQL's (rint after scaling, the value kept when the scale overflows,
// digits read as an integer rounded, not truncated).
func TestFloorCeilRound(t *testing.T) {
	arRun(t, []arCase{
		{"FLOOR(d)", `{"d":1e19}`, "ERR: BIGINT value is out of range in 'floor(d)'"},
		{"CEIL(d)", `{"d":-1e19}`, "ERR: BIGINT value is out of range"},
		{"FLOOR(d)", `{"d":9223372036854775807}`, "ERR: BIGINT value is out of range"},
		{"FLOOR(d)", `{"d":-9223372036854775808}`, "-9223372036854775808"},
		{"FLOOR(d)", `{"d":-3.5}`, "-4"},
		{"CEIL(d)", `{"d":-0.5}`, "0"},
		{"ROUND(d, 400)", `{"d":-3.5}`, "-3.5"},
		{"ROUND(d, 400)", `{"d":0}`, "0"},
		{"ROUND(d, -400)", `{"d":123.456}`, "0"},
		{"ROUND(d, -1)", `{"d":1.7e308}`, "1.7e+308"},
		{"ROUND(d, 2)", `{"d":1.7976931348623157e308}`, "1.7976931348623157e+308"},
		{"ROUND(d, -308)", `{"d":-1.7976931348623157e308}`, "ERR: DOUBLE value is out of range"},
		{"ROUND(d)", `{"d":2.5}`, "2"},
		{"ROUND(d)", `{"d":-2.5}`, "-2"},
		{"ROUND(d)", `{"d":3.5}`, "4"},
		{"ROUND(d, 1)", `{"d":1.25}`, "1.2"},
		{"ROUND(d, 1.5)", `{"d":1.255}`, "1.25"},
		{"ROUND(d, 2.5e0)", `{"d":2.5}`, "2.5"},
		{"ROUND(d, -1.5)", `{"d":25}`, "0"},
		{"ROUND(d, 0.6)", `{"d":2.25}`, "2.2"},
	})
}

// TestInsertCoercesNumbersExactly: INSERT INTO a declared stream converts
// a DOUBLE to its BIGINT and DECIMAL columns as MySQL stores it (they were
// written 0: the integer slot of a DOUBLE was read), and DECIMAL scales
// are aligned with an error on overflow, never a wrapped value.
func TestInsertCoercesNumbersExactly(t *testing.T) {
	pl, err := Parse("e.sql", arStream+`CREATE STREAM o2 (a BIGINT, b DECIMAL(18,2), c DECIMAL(10,1)) WITH (subject = 'o2');
INSERT INTO o2 SELECT d, d, m FROM t;`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := pl.Queries[0]
	pipe, err := q.NewPipeline(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	dec := runtime.NewDecoder(q.Source.Columns, q.Read)
	enc := runtime.NewEncoder([]string{"a", "b", "c"})
	for _, c := range []struct{ rec, want string }{
		{`{"d":2.5,"m":1.25}`, `{"a":2,"b":2.50,"c":1.3}`},
		{`{"d":-3.675,"m":-1.25}`, `{"a":-4,"b":-3.68,"c":-1.3}`},
		{`{"d":1e19,"m":0}`, "ERR: "},
		{`{"d":1e17,"m":0}`, "ERR: DECIMAL value is out of range"},
	} {
		row := make(runtime.Row, len(q.Source.Columns))
		if err := dec.Decode([]byte(c.rec), row); err != nil {
			t.Fatal(err)
		}
		var ctx runtime.Ctx
		outs := pipe.Execute(&ctx, row, 0)
		got := ""
		switch {
		case ctx.Err != nil:
			got = "ERR: " + ctx.Err.Error()
		case len(outs) == 1:
			got = string(enc.Append(nil, outs[0]))
		}
		if got != c.want && !(c.want == "ERR: " && strings.HasPrefix(got, c.want)) {
			t.Errorf("%s → %s, want %s", c.rec, got, c.want)
		}
	}
}

// TestTimestampAndStringsAsNumbers: in arithmetic a TIMESTAMP is MySQL's
// DATETIME(3) number YYYYMMDDHHMMSS.fff (it went to go-mysql-server, which
// dead-lettered or used epoch seconds), a string its numeric prefix (exact
// in DIV), and a TIMESTAMP is true in a condition even at the epoch.
// Expected values are MariaDB 10.11's.
func TestTimestampAndStringsAsNumbers(t *testing.T) {
	const ts = `{"ts":"1999-12-31T23:59:59.999Z","i":1,"m":-2.5,"d":1.7976931348623157e308}`
	arRun(t, []arCase{
		{"ts * 1", ts, "19991231235959.999"},
		{"-ts", ts, "-19991231235959.999"},
		{"ABS(ts)", ts, "19991231235959.999"},
		{"ts % 3", ts, "2.999"},
		{"ts DIV 3", ts, "6663743745319"},
		{"i + ts", ts, "19991231235960.999"},
		{"ts - m", ts, "19991231235962.499"},
		{"d * ts", ts, "ERR: DOUBLE value is out of range"},
		{"d DIV ts", ts, "ERR: BIGINT value is out of range"},
		{"ts DIV d", ts, "0"},
		{"ts + INTERVAL 1 HOUR", ts, `"2000-01-01T00:59:59.999Z"`},
		{"-s", `{"s":"12abc"}`, "-12"},
		{"s DIV 3", `{"s":"9223372036854775808"}`, "3074457345618258602"},
		{"s DIV d", `{"s":"9223372036854775808","d":2.675}`, "3447989546487766657"},
		{"s DIV 3", `{"s":"1e99999999"}`, "ERR: BIGINT value is out of range"},
		{"ROUND(s, 1)", `{"s":"0x1F"}`, "0"},
		{"ROUND(s)", `{"s":"2.5"}`, "2"},
		{"s BETWEEN 0 AND '5'", `{"s":"12abc"}`, "false"},
		{"s BETWEEN '0' AND '5'", `{"s":"12abc"}`, "true"},
		{"NOT ts", `{"ts":"1970-01-01T00:00:00Z"}`, "false"},
		{"ts IS TRUE", `{"ts":"1970-01-01T00:00:00Z"}`, "true"},
		{"CASE WHEN ts THEN 1 ELSE 0 END", `{"ts":"1970-01-01T00:00:00Z"}`, "1"},
	})
}

// TestExactBranchesMeetAtDecimal: COALESCE, GREATEST/LEAST and CASE over
// integers and DECIMALs are DECIMAL, as in MySQL (they were DOUBLE, which
// rounds 99999999999999.9999 to 100000000000000).
func TestExactBranchesMeetAtDecimal(t *testing.T) {
	arRun(t, []arCase{
		{"GREATEST(m, 1)", `{"m":99999999.99}`, "99999999.99"},
		{"COALESCE(m, 0)", `{"m":-2.5}`, "-2.50"},
		{"COALESCE(m, i)", `{"i":7}`, "7.00"},
		{"LEAST(m, i, b)", `{"m":2.5,"i":3,"b":true}`, "1.00"},
		{"CASE WHEN b THEN m ELSE 1 END", `{"b":false,"m":2.5}`, "1.00"},
		{"COALESCE(m, d)", `{"d":0.5}`, "0.5"},
		{"COALESCE(CAST(i AS DECIMAL(18,0)), m)", `{"i":999999999999999999}`, "ERR: DECIMAL value is out of range"},
	})
}

// TestRoundIntegersAndModWide: ROUND of an integer (digits constant or per
// record) is exact or an error, never the value unchanged; % of exact
// operands whose scales cannot be aligned in 64 bits is still exact; a
// DECIMAL beyond 2^53 converts to DOUBLE without losing its fraction; a
// DIV by a DOUBLE too small for a DECIMAL is a division by zero (NULL).
// Expected values are MariaDB 10.11's.
func TestRoundIntegersAndModWide(t *testing.T) {
	arRun(t, []arCase{
		{"ROUND(i, -18)", arMaxInt, "9000000000000000000"},
		{"ROUND(i, -1)", arMaxInt, "ERR: BIGINT value is out of range"},
		{"ROUND(i, -19)", arMaxInt, "ERR: BIGINT value is out of range"},
		{"ROUND(i, -20)", arMaxInt, "0"},
		{"ROUND(i, 2)", arMaxInt, "9223372036854775807"},
		{"ROUND(i, -1)", `{"i":-15}`, "-20"},
		{"ROUND(i, -1)", `{"i":14}`, "10"},
		{"ROUND(d, i)", `{"d":2.345,"i":2}`, "2.35"},
		{"ROUND(d, m)", `{"d":2.345,"m":1.5}`, "2.35"},
		{"ROUND(d, i)", `{"d":1.7976931348623157e308,"i":1}`, "1.7976931348623157e+308"},
		{"ROUND(d, i)", `{"d":2.5}`, "null"},
		{"ROUND(d, NULL)", `{"d":2.5}`, "null"},
		{"i % m", `{"i":9007199254740992,"m":123456.79}`, "44487.56"},
		{"m % i", `{"i":9007199254740992,"m":123456.79}`, "123456.79"},
		{"i % ts", `{"i":9223372036854775807,"ts":"1000-01-01T00:00:00Z"}`, "8881827775807.000"},
		{"ts % d", `{"ts":"2021-01-03T08:30:15.250Z","d":123.456}`, "107.72949750669747"},
		{"b DIV d", `{"b":false,"d":5e-324}`, "null"},
		{"s DIV d", `{"s":"x,y,z","d":5e-324}`, "null"},
	})
}

// TestStringBranchesMakeText: CASE/COALESCE/IFNULL with a string branch
// are VARCHAR, other branches written as MySQL writes them (a DOUBLE 1e16
// as "1e16", a DECIMAL with its scale, a BOOLEAN as "1", a TIMESTAMP as
// 'YYYY-MM-DD HH:MM:SS.fff'). Values are MariaDB 10.11's.
func TestStringBranchesMakeText(t *testing.T) {
	arRun(t, []arCase{
		{"CASE i WHEN 1 THEN s WHEN 2 THEN i ELSE d END", `{"i":63,"d":1e16,"s":" 42"}`, `"1e16"`},
		{"CASE i WHEN 1 THEN s WHEN 2 THEN i ELSE d END", `{"i":2,"d":1e16,"s":" 42"}`, `"2"`},
		{"IFNULL(m, 'z')", `{"m":-2.5}`, `"-2.50"`},
		{"IFNULL(b, 'z')", `{"b":true}`, `"1"`},
		{"IFNULL(b, 'z')", `{}`, `"z"`},
		{"COALESCE(ts, 0)", `{"ts":"2020-12-31T18:00:00Z"}`, `"2020-12-31 18:00:00.000"`},
	})
}

// TestCompiledExpressionsDoNotAllocate: the checked arithmetic, casts,
// comparisons and string functions allocate nothing per record (SPEC §3).
func TestCompiledExpressionsDoNotAllocate(t *testing.T) {
	pl, err := Parse("e.sql", arStream+`CREATE STREAM o WITH (subject = 'o') AS
SELECT i + 1 AS a, i * 3 AS b, 0.908 * i AS c, m * m AS d2, d * 2.5 AS e, i DIV 7 AS f, m % 3 AS g,
  -i AS h, ABS(d) AS k, FLOOR(d) AS l, ROUND(d, 2) AS n, CAST(d AS DECIMAL(10,2)) AS p, CAST(d AS SIGNED) AS q,
  ts > '2024-01-15 10:00:00' AS r, ts > s AS u, i IN (1, 2, d) AS v, CONCAT(UPPER(s), 'x') AS w,
  COALESCE(m, i) AS y, ts + 0 AS z
FROM t WHERE d > 0 AND m BETWEEN -100 AND 100;`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := pl.Queries[0]
	pipe, err := q.NewPipeline(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	dec := runtime.NewDecoder(q.Source.Columns, q.Read)
	row := make(runtime.Row, len(q.Source.Columns))
	if err := dec.Decode([]byte(`{"i":12,"d":2.5,"s":"2024-01-15 09:00:00","ts":"2024-01-15T10:00:01Z","m":1.25}`), row); err != nil {
		t.Fatal(err)
	}
	var ctx runtime.Ctx
	step := func() {
		ctx.Reset()
		if outs := pipe.Execute(&ctx, row, 0); len(outs) != 1 || ctx.Err != nil {
			t.Fatalf("%d outputs, error %v", len(outs), ctx.Err)
		}
	}
	step()
	if a := testing.AllocsPerRun(1000, step); a != 0 {
		t.Errorf("%.1f allocations per record, want 0", a)
	}
}

// TestColumnConstantDecimal: the column-and-constant DECIMAL path (q1's
// 0.908 * price) computes what the general path does, on both sides of
// the operator, and checks overflow.
func TestColumnConstantDecimal(t *testing.T) {
	arRun(t, []arCase{
		{"0.908 * i", `{"i":1000}`, "908.000"},
		{"i * 0.908", `{"i":-1000}`, "-908.000"},
		{"m + 1.5", `{"m":-2.25}`, "-0.75"},
		{"1.5 - m", `{"m":-2.25}`, "3.75"},
		{"m - 1.5", `{"m":-2.25}`, "-3.75"},
		{"i - 0.5", `{"i":3}`, "2.5"},
		{"0.5 - i", `{"i":3}`, "-2.5"},
		{"2 * m", `{"m":12.5}`, "25.00"},
		{"m * 1.005", `{"m":12.5}`, "12.56250"},
		{"0.908 * i", `{}`, "null"},
		{"i * 1.5", `{"i":9000000000000000000}`, "ERR: DECIMAL value is out of range in '(i * 1.5)'"},
		{"0.5 - i", arMinInt, "ERR: DECIMAL value is out of range"},
		{"i + 0.5", arMaxInt, "ERR: DECIMAL value is out of range"},
	})
}

// TestInsertEnforcesDecimalPrecision: a value with more digits than a
// DECIMAL(p,s) sink column holds is an error for the record (MySQL strict
// mode: error 1264), also when the query's column already is a DECIMAL of
// the same scale; it was stored with all its digits.
func TestInsertEnforcesDecimalPrecision(t *testing.T) {
	pl, err := Parse("e.sql", arStream+`CREATE STREAM o2 (v DECIMAL(10,2), w DECIMAL(6,2)) WITH (subject = 'o2');
INSERT INTO o2 SELECT d, m FROM t;`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := pl.Queries[0]
	pipe, err := q.NewPipeline(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	dec := runtime.NewDecoder(q.Source.Columns, q.Read)
	enc := runtime.NewEncoder([]string{"v", "w"})
	for _, c := range []struct{ rec, want string }{
		{`{"d":99999999.994,"m":9999.99}`, `{"v":99999999.99,"w":9999.99}`},
		{`{"d":-99999999.994,"m":-9999.99}`, `{"v":-99999999.99,"w":-9999.99}`},
		{`{"d":1e16,"m":0}`, "ERR: Out of range value for column 'v' (DECIMAL(10,2))"},
		{`{"d":99999999.995,"m":0}`, "ERR: Out of range value for column 'v' (DECIMAL(10,2))"},
		{`{"d":0,"m":10000}`, "ERR: Out of range value for column 'w' (DECIMAL(6,2))"},
		{`{"d":null,"m":null}`, `{"v":null,"w":null}`},
	} {
		row := make(runtime.Row, len(q.Source.Columns))
		if err := dec.Decode([]byte(c.rec), row); err != nil {
			t.Fatal(err)
		}
		var ctx runtime.Ctx
		outs := pipe.Execute(&ctx, row, 0)
		got := ""
		switch {
		case ctx.Err != nil:
			got = "ERR: " + ctx.Err.Error()
		case len(outs) == 1:
			got = string(enc.Append(nil, outs[0]))
		}
		if got != c.want {
			t.Errorf("%s → %s, want %s", c.rec, got, c.want)
		}
	}
}
