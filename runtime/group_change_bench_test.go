package runtime

import (
	goruntime "runtime"
	"testing"
)

// A retracting GROUP BY over a changelog input beside the same query over
// an append-only input, both through a Pipeline with changelog output
// (projection, ops and key texts included). Rows: id = i%1000 is the input
// row key (1000 keys), symbol = 'SYM'||((7i + i/1000) % 200), price =
// 100+(i%100), quantity = i%1000. An update of id retracts the row of that
// id 1000 records earlier and inserts the new one (usually in another
// group: two groups emit). COUNT(*), SUM(quantity), AVG(price).

type rgDriver struct {
	p    *Pipeline
	rows []Row
	c    Ctx
	j    int
	warm bool // every id has a row: updates retract
	n    int
}

func rgNew(retract bool, minMax bool) *rgDriver {
	syms := stSym("SYM", 200)
	rows := make([]Row, stBenchRows)
	for i := range rows {
		rows[i] = Row{Int(int64(i % 1000)), syms[(7*i+i/1000)%200], Double(float64(100 + i%100)), Int(int64(i % 1000))}
	}
	aggs := []AggSpec{
		{Func: CountStar, ResultType: TInt},
		{Func: Sum, Arg: stCol(3), ArgIsCol: true, ArgCol: 3, ArgType: TInt, ResultType: TInt},
		{Func: Avg, Arg: stCol(2), ArgIsCol: true, ArgCol: 2, ArgType: TDouble, ResultType: TDouble},
	}
	if minMax {
		aggs = append(aggs,
			AggSpec{Func: Min, Arg: stCol(2), ArgIsCol: true, ArgCol: 2, ArgType: TDouble, ResultType: TDouble},
			AggSpec{Func: Max, Arg: stCol(2), ArgIsCol: true, ArgCol: 2, ArgType: TDouble, ResultType: TDouble})
	}
	cfg := GroupConfig{Keys: []Expr{stCol(1)}, KeyTypes: []Type{TString}, KeyCols: []int{1}, Aggs: aggs,
		Retract: retract, Changelog: true}
	return &rgDriver{p: chPipe(cfg, nil), rows: rows}
}

func (d *rgDriver) step() {
	r := d.rows[d.j]
	var old Row
	if d.warm {
		old = d.rows[(d.j+len(d.rows)-1000)%len(d.rows)]
	}
	if d.j++; d.j == len(d.rows) {
		d.j = 0
	}
	if d.j == 1000 {
		d.warm = true
	}
	d.c.Reset()
	var outs []Row
	if d.p.Stage.(*groupStage).retract {
		outs = d.p.ExecuteChange(&d.c, old, r, nil, 0)
	} else {
		outs = d.p.Execute(&d.c, r, 0)
	}
	if d.c.Err != nil {
		panic(d.c.Err)
	}
	d.n += len(outs)
}

func rgBench(b *testing.B, d *rgDriver) {
	b.ReportAllocs()
	for range stBenchRows {
		d.step()
	}
	b.ResetTimer()
	for range b.N {
		d.step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "upd/s")
}

func BenchmarkAppendOnlyGroupChangelog(b *testing.B) { rgBench(b, rgNew(false, false)) }
func BenchmarkRetractingGroup(b *testing.B)          { rgBench(b, rgNew(true, false)) }
func BenchmarkRetractingGroupMinMax(b *testing.B)    { rgBench(b, rgNew(true, true)) }

// TestRetractingGroupSteadyStateAllocs: COUNT/SUM/AVG retraction allocates
// nothing per update once warm, nor does MIN/MAX of a DOUBLE (numeric
// value counts: a value new to a group takes a slot in its sorted counts;
// the generic counts, by the value's bytes, cost a map key).
func TestRetractingGroupSteadyStateAllocs(t *testing.T) {
	for name, d := range map[string]*rgDriver{"append-only": rgNew(false, false), "retracting": rgNew(true, false),
		"retracting min/max": rgNew(true, true)} {
		for range stBenchRows {
			d.step()
		}
		if a := testing.AllocsPerRun(5000, d.step); a != 0 {
			t.Errorf("%s: %v allocations per update", name, a)
		}
		// AllocsPerRun rounds down: count every allocation of 5000 updates.
		var before, after goruntime.MemStats
		goruntime.ReadMemStats(&before)
		for range 5000 {
			d.step()
		}
		goruntime.ReadMemStats(&after)
		if n := after.Mallocs - before.Mallocs; n > 10 {
			t.Errorf("%s: %d allocations in 5000 updates", name, n)
		}
	}
}
