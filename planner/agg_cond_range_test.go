package planner

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/velort/velort/runtime"
)

// crStream declares the columns of the aggregate-condition tests: x, y
// BIGINT, n INT (velort's BIGINT too), d DOUBLE, m DECIMAL, s VARCHAR.
const crStream = `CREATE STREAM t (k BIGINT, x BIGINT, y BIGINT, n INT, d DOUBLE, m DECIMAL(10,2), s VARCHAR)
WITH (subject = 't');
`

// Input row slots of crStream's columns.
const (
	crX = 1
	crY = 2
	crN = 3
)

// crRanges plans SELECT k, COUNT(CASE WHEN cond THEN 1 END) FROM t GROUP
// BY k for each condition and returns, per condition, the CondRange the
// group stage was given (nil: none), read from the stage by reflection
// (the runtime keeps its aggregates unexported). One statement per
// condition: go-mysql-server reorders a statement's aggregates.
func crRanges(t *testing.T, conds []string) []*runtime.IntRange {
	t.Helper()
	out := make([]*runtime.IntRange, len(conds))
	for i, c := range conds {
		pl, err := Parse("e.sql", crStream+"CREATE STREAM o WITH (subject = 'o') AS SELECT k, COUNT(CASE WHEN "+c+" THEN 1 END) AS c FROM t GROUP BY k;", Options{})
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		aggs := crStageAggs(t, pl)
		if aggs.Len() != 1 {
			t.Fatalf("%s: %d aggregates, want 1", c, aggs.Len())
		}
		sp := aggs.Index(0)
		if sp.FieldByName("Cond").IsNil() {
			t.Fatalf("%s: the aggregate's condition is not split", c)
		}
		if g := sp.FieldByName("CondRange"); !g.IsNil() {
			out[i] = &runtime.IntRange{Col: int(g.Elem().FieldByName("Col").Int()),
				Lo: g.Elem().FieldByName("Lo").Int(), Hi: g.Elem().FieldByName("Hi").Int()}
		}
	}
	return out
}

// crStageAggs returns the AggSpecs of the group stage of pl's first query.
func crStageAggs(t *testing.T, pl *Plan) reflect.Value {
	t.Helper()
	pipe, err := pl.Queries[0].NewPipeline(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := reflect.ValueOf(pipe.Stage)
	if st.Kind() != reflect.Pointer || st.Elem().Type().Name() != "groupStage" {
		t.Fatalf("stage %T, want the group stage", pipe.Stage)
	}
	return st.Elem().FieldByName("aggs")
}

// crTruth compiles SELECT cond AS x0, ... FROM t and returns a function
// giving, for a row, whether each condition is TRUE (not NULL, not false).
func crTruth(t *testing.T, conds []string) func(r runtime.Row) []bool {
	t.Helper()
	var b strings.Builder
	b.WriteString(crStream + "CREATE STREAM o WITH (subject = 'o') AS SELECT ")
	for i, c := range conds {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "(%s) AS x%d", c, i)
	}
	b.WriteString(" FROM t;")
	pl, err := Parse("e.sql", b.String(), Options{})
	if err != nil {
		t.Fatalf("%q: %v", conds, err)
	}
	pipe, err := pl.Queries[0].NewPipeline(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	return func(r runtime.Row) []bool {
		var ctx runtime.Ctx
		outs := pipe.Execute(&ctx, r, 0)
		if ctx.Err != nil || len(outs) != 1 {
			t.Fatalf("%q on %v: %d outputs, error %v", conds, r, len(outs), ctx.Err)
		}
		res := make([]bool, len(conds))
		for i, v := range outs[0][:len(conds)] {
			res[i] = v.T != runtime.TNull && runtime.Truthy(v)
		}
		return res
	}
}

// crHolds is IntRange's documented meaning: the column is not NULL and
// Lo <= its value <= Hi.
func crHolds(g runtime.IntRange, r runtime.Row) bool {
	v := r[g.Col]
	return v.T != runtime.TNull && g.Lo <= v.I && v.I <= g.Hi
}

// crValues are the values tried for a column under conditions naming the
// integer constants of conds: NULL, the int64 bounds and their
// neighbours, -1, 0, 1, each constant and its neighbours, a few random.
func crValues(rng *rand.Rand, conds []string) []runtime.Value {
	set := map[int64]bool{math.MinInt64: true, math.MinInt64 + 1: true, math.MaxInt64: true, math.MaxInt64 - 1: true, -1: true, 0: true, 1: true}
	num := regexp.MustCompile(`-?[0-9]+`)
	for _, c := range conds {
		for _, s := range num.FindAllString(c, -1) {
			k, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				continue // beyond BIGINT
			}
			set[k] = true
			if k > math.MinInt64 {
				set[k-1] = true
			}
			if k < math.MaxInt64 {
				set[k+1] = true
			}
		}
	}
	for range 8 {
		set[rng.Int64N(2000)-1000] = true
		set[int64(rng.Uint64())] = true
	}
	keys := make([]int64, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	vals := []runtime.Value{runtime.Null}
	for _, k := range keys {
		vals = append(vals, runtime.Int(k))
	}
	return vals
}

// crCheck plans conds and checks, for every row of crValues in x, y and
// n, that each condition given a range holds exactly where the compiled
// condition is TRUE. It returns the ranges.
func crCheck(t *testing.T, rng *rand.Rand, conds []string) []*runtime.IntRange {
	t.Helper()
	ranges := crRanges(t, conds)
	truth := crTruth(t, conds)
	vals := crValues(rng, conds)
	others := []runtime.Value{runtime.Null, runtime.Int(0), runtime.Int(3), runtime.Int(5), runtime.Int(math.MaxInt64)}
	check := func(r runtime.Row) {
		got := truth(r)
		for i, g := range ranges {
			if g != nil && crHolds(*g, r) != got[i] {
				t.Errorf("%s: range [%d, %d] of column %d holds %v for x=%s y=%s n=%s; the condition is %v",
					conds[i], g.Lo, g.Hi, g.Col, !got[i], crShow(r[crX]), crShow(r[crY]), crShow(r[crN]), got[i])
			}
		}
	}
	for _, v := range vals {
		for _, o := range others {
			// x varies (y, n fixed); then y and n vary (x fixed), for
			// conditions on those columns.
			check(runtime.Row{runtime.Int(1), v, o, o, runtime.Null, runtime.Null, runtime.Null})
			check(runtime.Row{runtime.Int(1), o, v, v, runtime.Null, runtime.Null, runtime.Null})
		}
	}
	return ranges
}

func crShow(v runtime.Value) string {
	if v.T == runtime.TNull {
		return "NULL"
	}
	return strconv.FormatInt(v.I, 10)
}

// TestIntRangeMatchesComparison: a split aggregate condition that the
// planner gives the stage as an IntRange (agg_cond_range.go) holds for
// exactly the rows where the compiled condition is TRUE, over NULL, the
// int64 bounds and each constant and its neighbours; hand-picked
// conditions are (or are not) ranges as expected, with the expected
// bounds: the constant on either side, AND of one column, the empty
// ranges below MinInt64 and above MaxInt64, and never AND of two columns,
// OR, a DOUBLE or DECIMAL column, or a non-integer constant. Then random
// comparisons and ANDs of them. Fails when a bound is off by one, when
// the operator is not mirrored for a constant on the left, or when a
// condition that is not a range of one BIGINT column is given as one.
func TestIntRangeMatchesComparison(t *testing.T) {
	rng := rand.New(rand.NewPCG(0xc0d, 0x4a4e))
	const lo, hi = math.MinInt64, math.MaxInt64
	none := runtime.IntRange{Col: -1}
	anyR := runtime.IntRange{Col: -2} // a range or not: only checked against the condition
	rg := func(col int, l, h int64) runtime.IntRange { return runtime.IntRange{Col: col, Lo: l, Hi: h} }
	cases := []struct {
		cond string
		want runtime.IntRange
	}{
		{"x < 10", rg(crX, lo, 9)},
		{"10 > x", rg(crX, lo, 9)},
		{"x <= 10", rg(crX, lo, 10)},
		{"10 >= x", rg(crX, lo, 10)},
		{"x > 10", rg(crX, 11, hi)},
		{"10 < x", rg(crX, 11, hi)},
		{"x >= 10", rg(crX, 10, hi)},
		{"10 <= x", rg(crX, 10, hi)},
		{"x = 3", rg(crX, 3, 3)},
		{"3 = x", rg(crX, 3, 3)},
		{"x >= -5 AND x < 7", rg(crX, -5, 6)},
		{"x >= 0 AND x < 7", rg(crX, 0, 6)},
		{"x <= 9223372036854775807", rg(crX, lo, hi)},
		{"x >= 9223372036854775807", rg(crX, hi, hi)},
		{"x > 9223372036854775807", rg(crX, 1, 0)},
		{"x < -9223372036854775808", rg(crX, 1, 0)},
		{"x >= -9223372036854775808", rg(crX, lo, hi)},
		{"x > 1 AND x < 1", rg(crX, 2, 0)},
		{"x > 1 AND x < 2", rg(crX, 2, 1)},
		{"x >= 10000 AND x < 1000000", rg(crX, 10000, 999999)},
		{"x >= 1 AND x <= 9 AND x > 3 AND 8 > x", rg(crX, 4, 7)},
		{"y < 5", rg(crY, lo, 4)},
		{"n < 5", rg(crN, lo, 4)}, // INT is a BIGINT here
		{"x > 1 AND y < 5", none},
		{"x > 1 AND x < 9 AND y < 5", none},
		{"y < 5 AND x > 1", none},
		{"x < 1 OR x > 5", none},
		{"NOT (x < 5)", none},
		{"x <> 5", none},
		{"x < y", none},
		{"x * 1 < 5", none},
		{"d < 5", none},
		{"5 > d", none},
		{"m < 5", none},
		{"x < 5.5", none},
		{"x < 5.0", none},
		{"x = 2.5", none},
		{"x < 1e3", none},
		{"x < '5'", none},
		{"x < NULL", none},
		{"x BETWEEN 2 AND 4", rg(crX, 2, 4)},
		{"x BETWEEN 4 AND 2", rg(crX, 4, 2)},
		{"x BETWEEN -9223372036854775808 AND 9223372036854775807", rg(crX, lo, hi)},
		{"x BETWEEN 2 AND 4 AND x < 4", rg(crX, 2, 3)},
		{"x BETWEEN 2 AND y", none},
		{"x BETWEEN 2 AND 4.5", none},
		{"5 BETWEEN x AND 7", none},
		{"x IN (3)", anyR},
		{"s < 5", none},
	}
	var conds []string
	for _, c := range cases {
		conds = append(conds, c.cond)
	}
	ranges := crCheck(t, rng, conds)
	for i, c := range cases {
		g := ranges[i]
		switch {
		case c.want.Col == -2:
			if g != nil {
				t.Logf("%s: range [%d, %d]", c.cond, g.Lo, g.Hi)
			} else {
				t.Logf("%s: not a range", c.cond)
			}
		case c.want.Col == -1 && g != nil:
			t.Errorf("%s: range [%d, %d] of column %d, want none", c.cond, g.Lo, g.Hi, g.Col)
		case c.want.Col >= 0 && (g == nil || *g != c.want):
			t.Errorf("%s: range %v, want %+v", c.cond, g, c.want)
		}
	}

	// Random comparisons of x (sometimes y) with integer constants, alone
	// or ANDed, the constant on either side.
	ks := []string{"0", "1", "-1", "7", "-7", "100", "9223372036854775807", "-9223372036854775808", "9223372036854775806", "-9223372036854775807"}
	ops := []string{"=", "<", "<=", ">", ">="}
	cmp := func() string {
		col := "x"
		if rng.IntN(6) == 0 {
			col = "y"
		}
		k, op := ks[rng.IntN(len(ks))], ops[rng.IntN(len(ops))]
		if rng.IntN(2) == 0 {
			return k + " " + op + " " + col
		}
		return col + " " + op + " " + k
	}
	seen := map[string]bool{}
	var rconds []string
	for len(rconds) < 48 {
		c := cmp()
		for range rng.IntN(3) {
			c += " AND " + cmp()
		}
		if !seen[c] {
			seen[c] = true
			rconds = append(rconds, c)
		}
	}
	n := 0
	for i := 0; i < len(rconds); i += 16 {
		for _, g := range crCheck(t, rng, rconds[i:i+16]) {
			if g != nil {
				n++
			}
		}
	}
	if n < len(rconds)/2 {
		t.Errorf("only %d of %d random conditions are ranges", n, len(rconds))
	}
}

// TestNexmarkQ16ConditionsAreRanges: planning Nexmark q16 gives each of
// its nine split aggregates a range (three conditions, shared by CondID:
// price < 10000, price >= 10000 AND price < 1000000, price >= 1000000),
// every aggregate of a CondID the same one, so that its group stage runs
// tabled; and bids at each bound are counted in the rank their price
// belongs to. (go-mysql-server orders the aggregates, so the CondIDs are
// not in the statement's order.)
func TestNexmarkQ16ConditionsAreRanges(t *testing.T) {
	src, err := os.ReadFile("../internal/bench/sql/nexmark_q16.sql")
	if err != nil {
		t.Fatal(err)
	}
	pl, err := Parse("nexmark_q16.sql", string(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := pl.Queries[0]
	price := -1
	for i, c := range q.Source.Columns {
		if c.Name == "price" {
			price = i
		}
	}
	want := []runtime.IntRange{
		{Col: price, Lo: math.MinInt64, Hi: 9999},
		{Col: price, Lo: 10000, Hi: 999999},
		{Col: price, Lo: 1000000, Hi: math.MaxInt64},
	}
	aggs := crStageAggs(t, pl)
	byID := map[int64]runtime.IntRange{}
	split := 0
	for j := range aggs.Len() {
		sp := aggs.Index(j)
		if sp.FieldByName("Cond").IsNil() {
			if !sp.FieldByName("CondRange").IsNil() {
				t.Errorf("aggregate %d: a range without a condition", j)
			}
			continue
		}
		split++
		id := sp.FieldByName("CondID").Int()
		g := sp.FieldByName("CondRange")
		if g.IsNil() {
			t.Errorf("aggregate %d (condition %d): no range", j, id)
			continue
		}
		got := runtime.IntRange{Col: int(g.Elem().FieldByName("Col").Int()), Lo: g.Elem().FieldByName("Lo").Int(), Hi: g.Elem().FieldByName("Hi").Int()}
		if !slices.Contains(want, got) {
			t.Errorf("aggregate %d (condition %d): range %+v, want one of %+v", j, id, got, want)
		}
		if w, ok := byID[id]; ok && w != got {
			t.Errorf("aggregate %d: condition %d is %+v here, %+v before", j, id, got, w)
		}
		byID[id] = got
	}
	if split != 9 || len(byID) != 3 {
		t.Errorf("%d split aggregates over %d conditions, want 9 over 3", split, len(byID))
	}
	// The stage's plan is tabled over the three ranges.
	pipe, err := q.NewPipeline(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	plan := reflect.ValueOf(pipe.Stage).Elem().FieldByName("plan")
	if plan.IsNil() || !plan.Elem().FieldByName("tabled").Bool() || plan.Elem().FieldByName("ranges").Len() != 3 {
		t.Fatalf("q16's group stage is not tabled over 3 ranges")
	}
	// Bids at the bounds, one channel and day: ranks 1, 2, 3 get 2, 2, 2
	// bids, 2, 1, 2 bidders and 1, 2, 1 auctions; a NULL price none.
	dec := runtime.NewDecoder(q.Source.Columns, q.Read)
	names := make([]string, len(q.Columns))
	for i, c := range q.Columns {
		names[i] = c.Name
	}
	enc := runtime.NewEncoder(names)
	var last string
	for i, b := range []struct{ auction, bidder, price string }{
		{"1", "1", "-9223372036854775808"}, {"1", "2", "9999"}, {"2", "3", "10000"}, {"3", "3", "999999"},
		{"4", "4", "1000000"}, {"4", "5", "9223372036854775807"}, {"5", "6", "null"},
	} {
		rec := fmt.Sprintf(`{"auction":%s,"bidder":%s,"price":%s,"channel":"c","url":"u","date_time":"2024-01-15T10:%02d:00Z","extra":""}`, b.auction, b.bidder, b.price, i)
		row := make(runtime.Row, len(q.Source.Columns))
		if err := dec.Decode([]byte(rec), row); err != nil {
			t.Fatal(err)
		}
		var ctx runtime.Ctx
		outs := pipe.Execute(&ctx, row, int64(i))
		if ctx.Err != nil || len(outs) != 1 {
			t.Fatalf("bid %d: %d outputs, error %v", i, len(outs), ctx.Err)
		}
		last = string(enc.Append(nil, outs[0]))
	}
	wantRow := `{"channel":"c","day":"2024-01-15","minute":"10:06","total_bids":7,"rank1_bids":2,"rank2_bids":2,"rank3_bids":2,` +
		`"total_bidders":6,"rank1_bidders":2,"rank2_bidders":1,"rank3_bidders":2,` +
		`"total_auctions":5,"rank1_auctions":1,"rank2_auctions":2,"rank3_auctions":1}`
	if last != wantRow {
		t.Errorf("q16 row\n got %s\nwant %s", last, wantRow)
	}
}
