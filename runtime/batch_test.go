package runtime

import (
	"errors"
	"slices"
	"testing"
)

// batchDouble is a function with a scalar and a batch form that count
// their calls (the real ones, wasm entry points, are tested through the
// planner and the partition loop).
type batchDouble struct {
	scalarCalls, batchCalls, batchRows int
	fail                               bool
}

func (d *batchDouble) scalar(v Value) Value {
	d.scalarCalls++
	return Int(2 * v.I)
}

func (d *batchDouble) batch(args [][]Value, out []Value) error {
	d.batchCalls++
	d.batchRows += len(out)
	if d.fail {
		return errors.New("guest trapped")
	}
	for i := range out {
		out[i] = Int(2 * args[0][i].I)
	}
	return nil
}

// doubledPipeline is SELECT x, double(x) FROM s WHERE x <> 3, with double
// compiled as the planner compiles a batchable call.
func doubledPipeline(d *batchDouble, arg Expr) *Pipeline {
	bc := &BatchCall{Args: []Expr{arg}, Fn: d.batch}
	call := func(c *Ctx, r Row) Value {
		if v, ok := bc.Cached(c); ok {
			return v
		}
		v := arg(c, r)
		if c.Err != nil {
			return Null
		}
		return d.scalar(v)
	}
	filter := func(c *Ctx, r Row) Value { return Bool(r[0].I != 3) }
	p := NewPipeline(filter, nil, nil, []Expr{func(c *Ctx, r Row) Value { return r[0] }, call})
	p.Batch = []*BatchCall{bc}
	return p
}

// runMicroBatch drives p as the partition loop does and returns the
// second output column of each output, or -1 for a row that failed.
func runMicroBatch(t *testing.T, p *Pipeline, xs []int64) []int64 {
	t.Helper()
	var c Ctx
	var passed []Row
	for _, x := range xs {
		r := Row{Int(x)}
		if p.PassesFilter(&c, r) {
			passed = append(passed, r)
		}
	}
	var got []int64
	err := p.ExecuteBatch(&c, passed, func(i int, outs []Row) error {
		if c.Err != nil {
			got = append(got, -1)
			return nil
		}
		if len(outs) != 1 || outs[0][0].I != passed[i][0].I {
			t.Fatalf("row %d: outputs %v", i, outs)
		}
		got = append(got, outs[0][1].I)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestBatchCallComputesTheBatchOnce(t *testing.T) {
	d := &batchDouble{}
	p := doubledPipeline(d, func(c *Ctx, r Row) Value { return r[0] })
	if !p.Batched() {
		t.Fatal("a stateless pipeline with a batch call is not Batched")
	}
	got := runMicroBatch(t, p, []int64{1, 2, 3, 4, 5})
	want := []int64{2, 4, 8, 10}
	if !slices.Equal(got, want) {
		t.Fatalf("outputs %v, want %v", got, want)
	}
	if d.batchCalls != 1 || d.batchRows != 4 || d.scalarCalls != 0 {
		t.Fatalf("batch calls %d over %d rows, scalar calls %d; want 1 over the 4 rows that passed, no scalar calls", d.batchCalls, d.batchRows, d.scalarCalls)
	}
	// Outside a micro-batch the call is made per row.
	var c Ctx
	if outs := p.Execute(&c, Row{Int(7)}, 0); len(outs) != 1 || outs[0][1].I != 14 || d.scalarCalls != 1 {
		t.Fatalf("after the batch: outputs %v, scalar calls %d", outs, d.scalarCalls)
	}
}

func TestBatchCallFailureFallsBackToRowCalls(t *testing.T) {
	d := &batchDouble{fail: true}
	p := doubledPipeline(d, func(c *Ctx, r Row) Value { return r[0] })
	got := runMicroBatch(t, p, []int64{1, 2, 4})
	if want := []int64{2, 4, 8}; !slices.Equal(got, want) {
		t.Fatalf("outputs %v, want %v", got, want)
	}
	if d.batchCalls != 1 || d.scalarCalls != 3 {
		t.Fatalf("batch calls %d, scalar calls %d; want 1 failed batch, then one call per row", d.batchCalls, d.scalarCalls)
	}
}

func TestBatchCallRowWhoseArgumentFailsIsLeftToItsOwnEvaluation(t *testing.T) {
	d := &batchDouble{}
	bad := errors.New("cannot convert")
	arg := func(c *Ctx, r Row) Value {
		if r[0].I == 2 {
			c.Err = bad
			return Null
		}
		return r[0]
	}
	p := doubledPipeline(d, arg)
	got := runMicroBatch(t, p, []int64{1, 2, 4})
	if want := []int64{2, -1, 8}; !slices.Equal(got, want) {
		t.Fatalf("outputs %v, want %v (-1: the row fails on its own)", got, want)
	}
	if d.batchRows != 2 || d.scalarCalls != 0 {
		t.Fatalf("batch over %d rows, scalar calls %d; want the 2 good rows batched, none called alone", d.batchRows, d.scalarCalls)
	}
}

func TestBatchedNeedsAStatelessPipeline(t *testing.T) {
	p := doubledPipeline(&batchDouble{}, func(c *Ctx, r Row) Value { return r[0] })
	p.Lookup = func(c *Ctx, r Row) (Row, bool) { return r, true }
	if p.Batched() {
		t.Fatal("a pipeline with a lookup is Batched")
	}
	if NewPipeline(nil, nil, nil, nil).Batched() {
		t.Fatal("a pipeline without batch calls is Batched")
	}
}
