package planner

import (
	"testing"

	"github.com/velort/velort/runtime"
)

const s0SQL = `CREATE STREAM orders (order_id BIGINT, customer_id BIGINT, order_date VARCHAR, total_amount DOUBLE)
WITH (subject = 'orders');
CREATE STREAM big WITH (subject = 'orders.big') AS
SELECT order_id, customer_id, order_date, total_amount FROM orders WHERE total_amount > 100;`

// TestS0PathDoesNotAllocate holds SPEC §3: decode, execute and encode of a
// filter/projection query allocate nothing per record in steady state.
func TestS0PathDoesNotAllocate(t *testing.T) {
	pl, err := Parse("s0.sql", s0SQL, Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := pl.Queries[0]
	pipe, err := q.NewPipeline(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	dec := runtime.NewDecoder(q.Source.Columns, q.Read)
	enc := runtime.NewEncoder([]string{"order_id", "customer_id", "order_date", "total_amount"})
	row := make(runtime.Row, len(q.Source.Columns))
	msg := []byte(`{"order_id":42,"customer_id":42,"order_date":"2024-01-15","total_amount":192}`)
	var ctx runtime.Ctx
	out := make([]byte, 0, 256)
	n := 0
	step := func() {
		ctx.Reset()
		if err := dec.Decode(msg, row); err != nil {
			t.Fatal(err)
		}
		for _, r := range pipe.Execute(&ctx, row, 0) {
			out = enc.Append(out[:0], r)
			n++
		}
	}
	step()
	if want := `{"order_id":42,"customer_id":42,"order_date":"2024-01-15","total_amount":192}`; string(out) != want {
		t.Fatalf("output %s, want %s", out, want)
	}
	if a := testing.AllocsPerRun(1000, step); a != 0 {
		t.Errorf("%.1f allocations per record, want 0", a)
	}
}

// BenchmarkS0Execute is SPEC §5's S0 in engine mode: pre-built rows
// through the compiled pipeline.
func BenchmarkS0Execute(b *testing.B) {
	pl, err := Parse("s0.sql", s0SQL, Options{})
	if err != nil {
		b.Fatal(err)
	}
	pipe, _ := pl.Queries[0].NewPipeline(0, nil)
	rows := make([]runtime.Row, 1024)
	for i := range rows {
		rows[i] = runtime.Row{runtime.Int(int64(i)), runtime.Int(int64(i % 1000)), runtime.String([]byte("2024-01-15")), runtime.Double(float64(150 + i%100))}
	}
	var ctx runtime.Ctx
	b.ReportAllocs()
	b.ResetTimer()
	outs := 0
	for i := 0; i < b.N; i++ {
		ctx.Reset()
		outs += len(pipe.Execute(&ctx, rows[i&1023], 0))
	}
	if outs != b.N {
		b.Fatalf("%d outputs for %d records", outs, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// TestInListCompiledNatively: GMS rewrites `x IN (literals)` to a
// HashInTuple; it must compile to velort's closure (correct and without
// allocation), not to the GMS fallback that allocates per record.
func TestInListCompiledNatively(t *testing.T) {
	src := `CREATE STREAM orders (order_id BIGINT, customer_id BIGINT, state VARCHAR)
WITH (subject = 'orders');
CREATE STREAM picked WITH (subject = 'picked') AS
SELECT order_id FROM orders WHERE customer_id IN (3, 5, 8) AND state IN ('OR', 'ID', 'CA');`
	pl, err := Parse("in.sql", src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := pl.Queries[0]
	pipe, err := q.NewPipeline(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ctx runtime.Ctx
	cases := []struct {
		cust  int64
		state string
		want  int
	}{{3, "OR", 1}, {8, "CA", 1}, {4, "OR", 0}, {5, "NY", 0}}
	for _, c := range cases {
		ctx.Reset()
		row := runtime.Row{runtime.Int(1), runtime.Int(c.cust), runtime.String([]byte(c.state))}
		if got := len(pipe.Execute(&ctx, row, 0)); got != c.want || ctx.Err != nil {
			t.Errorf("customer %d state %s: %d outputs (err %v), want %d", c.cust, c.state, got, ctx.Err, c.want)
		}
	}
	row := runtime.Row{runtime.Int(1), runtime.Int(5), runtime.String([]byte("ID"))}
	if a := testing.AllocsPerRun(1000, func() { ctx.Reset(); pipe.Execute(&ctx, row, 0) }); a != 0 {
		t.Errorf("%.1f allocations per record: IN list not compiled natively", a)
	}
}
