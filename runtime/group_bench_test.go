package runtime

import (
	"fmt"
	"testing"
)

// Engine-mode benchmarks of SPEC §5: pre-built rows in memory, fed to the
// stage as a partition loop does (Process, then Advance with the new
// watermark), into a Downstream that only counts. Rows repeat with a period
// of stBenchRows (a multiple of every scenario's period); event time is
// computed from the record number.

const stBenchRows = 10000

type stCounter struct{ n int }

func (d *stCounter) Emit(*Ctx, Row) { d.n++ }

// stChangeCounter counts upserts and deletes.
type stChangeCounter struct{ stCounter }

func (d *stChangeCounter) Upsert(*Ctx, Row) bool { d.n++; return true }
func (d *stChangeCounter) Delete(*Ctx, Row)      { d.n++ }
func (d *stChangeCounter) hasHaving() bool       { return false }

// stDriver runs one record at a time through a stage.
type stDriver struct {
	st   Stage
	rows []Row
	ts   func(i int) int64
	c    Ctx
	out  stCounter
	cout *stChangeCounter // when set, the downstream instead of out
	i, j int              // record number, position in rows
}

func (d *stDriver) step() {
	r := d.rows[d.j]
	if d.j++; d.j == len(d.rows) {
		d.j = 0
	}
	t := d.ts(d.i)
	d.i++
	d.c.Reset()
	var out Downstream = &d.out
	if d.cout != nil {
		out = d.cout
	}
	d.st.Process(&d.c, r, t, out)
	if d.c.Err != nil {
		panic(d.c.Err)
	}
	d.st.Advance(&d.c, t, out) // watermark delay 0
}

func stBench(b *testing.B, d *stDriver) {
	b.ReportAllocs()
	for range stBenchRows {
		d.step() // warm up pools
	}
	b.ResetTimer()
	for range b.N {
		d.step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rec/s")
}

func stSym(prefix string, n int) []Value {
	v := make([]Value, n)
	for i := range v {
		v[i] = String(fmt.Appendf(nil, "%s%d", prefix, i))
	}
	return v
}

// S1: symbol='SYM'||(i%10), price=100+(i%50), ts=i*1000;
// AVG(price) OVER (PARTITION BY symbol ROWS BETWEEN 99 PRECEDING AND CURRENT ROW).
func stS1() *stDriver {
	syms := stSym("SYM", 10)
	rows := make([]Row, stBenchRows)
	for i := range rows {
		rows[i] = Row{syms[i%10], Double(float64(100 + i%50)), Timestamp(int64(i) * 1000)}
	}
	st := NewRowsStage(RowsConfig{
		PartitionBy:    []Expr{func(_ *Ctx, r Row) Value { return r[0] }},
		PartitionTypes: []Type{TString},
		Funcs: []RowFunc{{Func: RowAvg, Arg: func(_ *Ctx, r Row) Value { return r[1] },
			ArgType: TDouble, ResultType: TDouble, Preceding: 99}},
	})
	return &stDriver{st: st, rows: rows, ts: func(i int) int64 { return int64(i) * 1000 }}
}

// S2: symbol='SYM'||(i%200), price=100+(i%100), quantity=i%1000; GROUP BY
// symbol: COUNT(*), AVG(price), MIN(price), MAX(price), SUM(quantity); EMIT CHANGES.
func stS2() *stDriver { return stS2Out(false) }

// stS2Out is S2 with, when changelog, the changelog output the planner
// gives a GROUP BY without a window (upserts through a counting
// ChangeDownstream).
func stS2Out(changelog bool) *stDriver {
	syms := stSym("SYM", 200)
	rows := make([]Row, stBenchRows)
	for i := range rows {
		rows[i] = Row{syms[i%200], Double(float64(100 + i%100)), Int(int64(i % 1000))}
	}
	price := func(_ *Ctx, r Row) Value { return r[1] }
	st := NewGroupStage(GroupConfig{
		Keys:     []Expr{func(_ *Ctx, r Row) Value { return r[0] }},
		KeyTypes: []Type{TString},
		Aggs: []AggSpec{
			{Func: CountStar, ResultType: TInt},
			{Func: Avg, Arg: price, ArgType: TDouble, ResultType: TDouble},
			{Func: Min, Arg: price, ArgType: TDouble, ResultType: TDouble},
			{Func: Max, Arg: price, ArgType: TDouble, ResultType: TDouble},
			{Func: Sum, Arg: func(_ *Ctx, r Row) Value { return r[2] }, ArgType: TInt, ResultType: TInt},
		},
		Emit:      EmitChanges,
		Changelog: changelog,
	})
	return &stDriver{st: st, rows: rows, ts: func(i int) int64 { return int64(i) }}
}

// S3a/S3b: trader_id='T'||(i%50), symbol='SYM'||(i%100), price=100+(i%50),
// quantity=i%1000, trade_time=1000000+i*1000; GROUP BY trader_id, symbol,
// TUMBLE(trade_time, 1 minute): COUNT(*), AVG(price), SUM(quantity),
// SUM(price*quantity).
func stS3(emit EmitMode) *stDriver {
	traders, syms := stSym("T", 50), stSym("SYM", 100)
	rows := make([]Row, stBenchRows)
	for i := range rows {
		rows[i] = Row{traders[i%50], syms[i%100], Double(float64(100 + i%50)), Int(int64(i % 1000)),
			Timestamp(1000000 + int64(i)*1000)}
	}
	st := NewGroupStage(GroupConfig{
		Keys:     []Expr{func(_ *Ctx, r Row) Value { return r[0] }, func(_ *Ctx, r Row) Value { return r[1] }},
		KeyTypes: []Type{TString, TString},
		Aggs: []AggSpec{
			{Func: CountStar, ResultType: TInt},
			{Func: Avg, Arg: func(_ *Ctx, r Row) Value { return r[2] }, ArgType: TDouble, ResultType: TDouble},
			{Func: Sum, Arg: func(_ *Ctx, r Row) Value { return r[3] }, ArgType: TInt, ResultType: TInt},
			{Func: Sum, Arg: func(_ *Ctx, r Row) Value { return Double(r[2].F * float64(r[3].I)) }, ArgType: TDouble, ResultType: TDouble},
		},
		Window: WindowSpec{Kind: Tumble, Size: 60000},
		Emit:   emit,
	})
	return &stDriver{st: st, rows: rows, ts: func(i int) int64 { return 1000000 + int64(i)*1000 }}
}

func BenchmarkS1RowsWindow(b *testing.B) { stBench(b, stS1()) }
func BenchmarkS2GroupBy(b *testing.B)    { stBench(b, stS2()) }

// BenchmarkS2GroupByChangelog is S2 with changelog output (EMIT CHANGES
// without a window, as the planner builds it).
func BenchmarkS2GroupByChangelog(b *testing.B) {
	d := stS2Out(true)
	d.cout = &stChangeCounter{}
	stBench(b, d)
}
func BenchmarkS3aTumble(b *testing.B)        { stBench(b, stS3(EmitFinal)) }
func BenchmarkS3bTumbleChanges(b *testing.B) { stBench(b, stS3(EmitChanges)) }

// TestScenarioSteadyStateAllocs: no heap allocation per record once pools
// are warm.
func TestScenarioSteadyStateAllocs(t *testing.T) {
	for name, mk := range map[string]func() *stDriver{
		"S1": stS1, "S2": stS2,
		"S2 changelog": func() *stDriver { d := stS2Out(true); d.cout = &stChangeCounter{}; return d },
		"S3a":          func() *stDriver { return stS3(EmitFinal) }, "S3b": func() *stDriver { return stS3(EmitChanges) },
	} {
		d := mk()
		for range stBenchRows {
			d.step()
		}
		if a := testing.AllocsPerRun(5000, d.step); a != 0 {
			t.Errorf("%s: %v allocations per record", name, a)
		}
	}
}

// TestScenarioOutputs pins the number of rows each scenario emits.
func TestScenarioOutputs(t *testing.T) {
	cases := []struct {
		name string
		d    *stDriver
		want int
	}{
		{"S1 one row per record", stS1(), 6000},
		{"S2 one row per record", stS2(), 6000},
		{"S3b one row per record", stS3(EmitChanges), 6000},
		// records at 1000 s … 6999 s: window [960 s, 1020 s) holds 20 of
		// them, the next 99 windows 60 each; all end by the last watermark
		{"S3a closed windows", stS3(EmitFinal), 20 + 99*60},
	}
	for _, tc := range cases {
		for range 6000 {
			tc.d.step()
		}
		if tc.d.out.n != tc.want {
			t.Errorf("%s: %d rows, want %d", tc.name, tc.d.out.n, tc.want)
		}
	}
}
