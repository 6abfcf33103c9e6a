package planner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/velort/velort/runtime"
	"github.com/velort/velort/udf"
)

// batchPlan plans sql with testdata/plugins/c_numeric.wasm registered
// from a plugins directory (its manifest gives fee a batch entry point).
func batchPlan(t *testing.T, sql string) (*Plan, *Instances) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	wasm, err := filepath.Abs("../testdata/plugins/c_numeric.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(wasm, filepath.Join(dir, "c_numeric.wasm")); err != nil {
		t.Fatal(err)
	}
	host, err := udf.NewHost(ctx, udf.Limits{}, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Close(ctx) })
	fns, err := PluginFunctions(ctx, host, dir)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := Parse("batch.sql", sql, Options{Functions: fns})
	if err != nil {
		t.Fatal(err)
	}
	insts := NewInstances(ctx)
	t.Cleanup(insts.Close)
	return pl, insts
}

const batchSQL = `CREATE STREAM s (id BIGINT, price DOUBLE, qty BIGINT) WITH (subject = 's');
CREATE STREAM o WITH (subject = 'o') AS
SELECT id, fee(price, qty) AS f, fee(fee(price, qty), qty) AS g,
       CASE WHEN qty > 2 THEN fee(price, qty) END AS h,
       ROUND(fee(price, 2), 1) AS r, IFNULL(fee(price, qty), 0) AS z
FROM s WHERE fee(price, qty) < 50;`

// TestBatchCallsAreTheEagerProjectionCalls: the calls evaluated for
// every row of the projection are batched, nested ones first; calls
// under CASE or IFNULL, or in WHERE, stay row-at-a-time. A micro-batch gives the
// outputs of row-at-a-time execution.
func TestBatchCallsAreTheEagerProjectionCalls(t *testing.T) {
	pl, insts := batchPlan(t, batchSQL)
	q := pl.Queries[0]
	batched, err := q.NewPipeline(0, insts)
	if err != nil {
		t.Fatal(err)
	}
	if len(batched.Batch) != 4 || !batched.Batched() {
		t.Fatalf("%d batch calls (batched: %v), want 4: f, g's inner and outer call, and r's (not h's under CASE, z's under IFNULL)", len(batched.Batch), batched.Batched())
	}
	single, err := q.NewPipeline(1, NewInstances(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	var rows []runtime.Row
	var want []string
	var c runtime.Ctx
	for i := range 40 {
		r := runtime.Row{runtime.Int(int64(i)), runtime.Double(float64(100 * i)), runtime.Int(int64(i % 5))}
		if i == 7 {
			r[2] = runtime.Null // NULL argument: NULL results
		}
		rows = append(rows, r)
		c.Reset()
		for _, o := range single.Execute(&c, r, 0) {
			want = append(want, fmt.Sprint(o))
		}
	}
	var got []string
	microBatch(t, batched, &c, rows, nil, func(i int, outs []runtime.Row) {
		for k, bc := range batched.Batch {
			if _, ok := bc.Cached(&c); !ok {
				t.Fatalf("row %d: batch call %d computed nothing (the batch entry point failed?)", i, k)
			}
		}
		for _, o := range outs {
			got = append(got, fmt.Sprint(o))
		}
	})
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("micro-batch outputs\n%v\nwant (row at a time)\n%v", got, want)
	}
	if len(want) < 10 {
		t.Fatalf("only %d outputs: the test data filters too much", len(want))
	}
}

// TestStatefulQueriesAreNotBatched: a grouped query's calls run per row.
func TestStatefulQueriesAreNotBatched(t *testing.T) {
	pl, insts := batchPlan(t, `CREATE STREAM s (id BIGINT, price DOUBLE, qty BIGINT) WITH (subject = 's');
CREATE STREAM o WITH (subject = 'o') AS SELECT qty, fee(SUM(price), qty) AS f FROM s GROUP BY qty;`)
	p, err := pl.Queries[0].NewPipeline(0, insts)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Batch) != 0 || p.Batched() {
		t.Fatalf("grouped query has %d batch calls", len(p.Batch))
	}
}

// TestMicroBatchDoesNotAllocate: a micro-batch through a batch call
// (filter, one wasm batch call, projection) allocates nothing in steady
// state, like the record-at-a-time path (TestS0PathDoesNotAllocate).
func TestMicroBatchDoesNotAllocate(t *testing.T) {
	pl, insts := batchPlan(t, `CREATE STREAM s (id BIGINT, price DOUBLE, qty BIGINT) WITH (subject = 's');
CREATE STREAM o WITH (subject = 'o') AS SELECT id, fee(price, qty) AS f FROM s WHERE qty > 0;`)
	p, err := pl.Queries[0].NewPipeline(0, insts)
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]runtime.Row, 256)
	for i := range rows {
		rows[i] = runtime.Row{runtime.Int(int64(i)), runtime.Double(float64(i)), runtime.Int(int64(i % 7))}
	}
	var c runtime.Ctx
	passed := make([]runtime.Row, 0, len(rows))
	outs, cached := 0, 0
	run := func() {
		microBatch(t, p, &c, rows, passed, func(_ int, o []runtime.Row) {
			outs += len(o)
			if _, ok := p.Batch[0].Cached(&c); ok {
				cached++
			}
		})
	}
	run()
	if allocs := testing.AllocsPerRun(20, run); allocs != 0 {
		t.Fatalf("%.1f allocations per micro-batch of %d records", allocs, len(rows))
	}
	if outs == 0 || cached != outs {
		t.Fatalf("%d outputs, %d of them from the batch call", outs, cached)
	}
}

// microBatch runs rows through p as the partition loop does: the filter
// per row, then one ExecuteBatch over the rows that passed (gathered in
// passed, a buffer the caller reuses).
func microBatch(t *testing.T, p *runtime.Pipeline, c *runtime.Ctx, rows, passed []runtime.Row, each func(i int, outs []runtime.Row)) {
	t.Helper()
	passed = passed[:0]
	for _, r := range rows {
		c.Reset()
		if p.PassesFilter(c, r) {
			passed = append(passed, r)
		}
	}
	err := p.ExecuteBatch(c, passed, func(i int, outs []runtime.Row) error {
		if c.Err != nil {
			return fmt.Errorf("row %d: %w", i, c.Err)
		}
		each(i, outs)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestExplainShowsMicroBatches: explain names the calls made once per
// micro-batch, and says nothing for a query that runs record at a time.
func TestExplainShowsMicroBatches(t *testing.T) {
	pl, _ := batchPlan(t, batchSQL+`
CREATE STREAM g WITH (subject = 'g') AS SELECT qty, fee(SUM(price), qty) AS f FROM s GROUP BY qty;`)
	text := pl.Explain()
	want := "  micro-batches: fee (4 calls) called once per micro-batch"
	if !strings.Contains(text, want) || strings.Count(text, "micro-batches:") != 1 {
		t.Fatalf("explain lacks %q for query o only:\n%s", want, text)
	}
	if !strings.Contains(text, "batch export fee_batch") {
		t.Fatalf("explain does not name fee's batch export:\n%s", text)
	}
}
