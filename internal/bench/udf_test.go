package bench

import (
	"math"
	"testing"

	"github.com/velort/velort/runtime"
)

// TestUDFVariantsCallTheModule checks that the UDF variants' fee column
// is what numeric.wasm's fee computes: max(1, price * qty * 0.001).
func TestUDFVariantsCallTheModule(t *testing.T) {
	args := map[string][2]string{ // the fee's (price, qty) output columns; "" is the constant 100
		"S0-udf":  {"total_amount", "customer_id"},
		"S1-udf":  {"price", ""},
		"S2-udf":  {"avg_price", "total_quantity"},
		"S3a-udf": {"avg_price", "total_quantity"},
		"S3b-udf": {"avg_price", "total_quantity"},
	}
	seen := 0
	for _, s := range scenarios {
		if _, ok := args[s.Name]; !ok {
			continue // S0-wasm and S0-protobuf set UDF only to get their module or descriptor copied beside the SQL
		}
		seen++
		q, ds := planned(t, s, 3000, false)
		e := engineFor(t, q, false)
		cols := args[s.Name]
		fee, price, qty := q.Columns.Index("fee"), q.Columns.Index(cols[0]), q.Columns.Index(cols[1])
		checked := 0
		check := func(outs []runtime.Row) {
			for _, o := range outs {
				p, n := o[price].F, 100.0
				if qty >= 0 {
					n = float64(o[qty].I)
				}
				want := max(1, p*n*0.001)
				if o[fee].T != runtime.TDouble || math.Abs(o[fee].F-want) > 1e-9*want {
					t.Fatalf("%s: fee = %+v for price %v, qty %v; want %v", s.Name, o[fee], p, n, want)
				}
				checked++
			}
		}
		for _, r := range ds.Rows {
			e.ctx.Reset()
			check(e.pipe.Execute(&e.ctx, r, r[len(r)-1].I))
			if e.ctx.Err != nil {
				t.Fatalf("%s: %v", s.Name, e.ctx.Err)
			}
		}
		e.ctx.Reset()
		check(e.pipe.Advance(&e.ctx, runtime.EndOfTime))
		if checked == 0 {
			t.Errorf("%s: no outputs", s.Name)
		}
	}
	if seen != len(args) {
		t.Errorf("%d of the %d UDF variants found among the scenarios", seen, len(args))
	}
}
