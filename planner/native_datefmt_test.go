package planner

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/expression/function"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/velort/velort/runtime"
)

// dateFmtTestFormats: every specifier, periods of a day, hour, minute and
// second, fractions (no period), text without specifiers, and '%' edges.
var dateFmtTestFormats = []string{"%Y-%m-%d", "%H:%i", "%Y-%m-%d %H", "%T", "%r", "%p", "%k", "%l",
	"%W %a %w %j %U %u %V %v %X %x", "%D %b %M %c %e %y", "%f", "%s.%f", "plain", "%%i%", "%i%"}

// walkInstant is a step, for draw r, of the walks of instants below: a
// jump of up to ten days (r = 0), up to two hours back (1), else up to two
// seconds forward.
func walkInstant(rng *rand.Rand, ms int64, r int) int64 {
	switch r {
	case 0:
		return ms + rng.Int64N(10*86_400_000)
	case 1:
		return ms - rng.Int64N(2*3_600_000)
	}
	return ms + rng.Int64N(2000)
}

// TestDateFormatCacheAgainstFormatting: DATE_FORMAT's compiled closure,
// which reuses its last text while the instant stays in the period its
// format shows, gives what formatting each instant gives, over instants
// drifting forward and jumping (before 1970 too: periods are floored)
// and a format that changes between calls. A cache that took a minute for
// an hour, truncated periods toward zero or ignored a change of format
// fails it.
func TestDateFormatCacheAgainstFormatting(t *testing.T) {
	arg := func(i int) compiled {
		return compiled{fn: func(_ *runtime.Ctx, r runtime.Row) runtime.Value { return r[i] }}
	}
	df, ok, err := nativeDateFormat(nil, nil, []compiled{arg(0), arg(1)})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	rng := rand.New(rand.NewPCG(0xda7e, 0xf0))
	c := &runtime.Ctx{}
	ms := int64(-86_400_000 * 3)
	f := dateFmtTestFormats[0]
	for i := range 200_000 {
		switch r := rng.IntN(50); r {
		case 2:
			f = dateFmtTestFormats[rng.IntN(len(dateFmtTestFormats))]
		case 3:
			ms = -ms
		default:
			ms = walkInstant(rng, ms, r)
		}
		c.Reset()
		got := df.fn(c, runtime.Row{runtime.Timestamp(ms), runtime.String([]byte(f))})
		want := appendDateFormat(nil, ms, []byte(f))
		if got.T != runtime.TString || string(got.S) != string(want) {
			t.Fatalf("call %d: DATE_FORMAT(%d, %q) = %q, want %q", i, ms, f, got.S, want)
		}
	}
}

// TestDateFormatConstAgainstFormatting: DATE_FORMAT with a constant
// format, which takes its cached text for an instant in the cached
// period without evaluating the format, gives what formatting each
// instant gives, for every format of the test above, over instants
// drifting, jumping, going back, near both ends of int64, and NULL or
// text instead of a TIMESTAMP. A period bound off by one millisecond, or
// a cache kept across a NULL, fails it; so does a result that changes
// after it was returned (the cache's text is returned itself).
func TestDateFormatConstAgainstFormatting(t *testing.T) {
	read := func(_ *runtime.Ctx, r runtime.Row) runtime.Value { return r[0] }
	for _, arg := range []compiled{{fn: read, col: 1}, {fn: read}} { // a column read in place, and an expression
		for _, f := range dateFmtTestFormats {
			dateFormatConstCase(t, arg, f)
		}
	}
}

// dateFormatConstCase checks DATE_FORMAT(arg, f) over one seeded walk of
// instants (TestDateFormatConstAgainstFormatting).
func dateFormatConstCase(t *testing.T, arg compiled, f string) {
	fe := function.NewDateFormat(expression.NewGetField(0, types.Datetime, "t", true),
		expression.NewLiteral(f, types.LongText)).(sql.FunctionExpression)
	df, ok, err := nativeDateFormat(nil, fe, []compiled{arg, constant(runtime.String([]byte(f)), runtime.TString, 0)})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	gen, _, _ := nativeDateFormat(nil, nil, []compiled{arg, constant(runtime.String([]byte(f)), runtime.TString, 0)})
	rng := rand.New(rand.NewPCG(0xc0, uint64(len(f))))
	c := &runtime.Ctx{}
	ms := int64(-86_400_000*3 + 59_999)
	type keptText struct {
		b    []byte
		want string
		call int
	}
	var kept [16]keptText
	for i := range 50_000 {
		in := runtime.Timestamp(ms)
		switch r := rng.IntN(60); r {
		case 2:
			ms = -ms
		case 3:
			in = runtime.Null
		case 4:
			in = runtime.String([]byte("2024-01-15 10:11:12"))
		case 5:
			in = runtime.Timestamp(math.MaxInt64 - rng.Int64N(3))
		case 6:
			in = runtime.Timestamp(math.MinInt64 + rng.Int64N(3))
		case 7, 8:
			ms += 1 // one millisecond: across a period's end now and then
		default:
			ms = walkInstant(rng, ms, r)
		}
		c.Reset()
		c.Arena = nil // (a fresh arena: only a lent text can change below)
		got := df.fn(c, runtime.Row{in})
		want := gen.fn(c, runtime.Row{in})
		if got.T != want.T || string(got.S) != string(want.S) {
			t.Fatalf("%q call %d: DATE_FORMAT(%v) = %v %q, want %v %q", f, i, in, got.T, got.S, want.T, want.S)
		}
		// A text the cache returned itself (lend) is never written
		// over, also once the cache holds another period's.
		kept[i%len(kept)] = keptText{got.S, string(want.S), i}
		for _, k := range kept {
			if string(k.b) != k.want {
				t.Fatalf("%q call %d: the result of call %d changed to %q, was %q", f, i, k.call, k.b, k.want)
			}
		}
	}
}
