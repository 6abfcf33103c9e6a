package udf

import "testing"

func TestCallBatch(t *testing.T) {
	m := load(t, newHost(t, Limits{}), "c_numeric.wasm")
	in := instance(t, m)
	fee := fnIndex(t, m, "fee")
	if !in.HasBatch(fee) || in.HasBatch(fnIndex(t, m, "is_even")) {
		t.Fatal("HasBatch is wrong")
	}
	n := 1000
	price, qty := make([]Arg, n), make([]Arg, n)
	for i := range price {
		price[i], qty[i] = f64(float64(i)*1.5), i64(int64(i%97))
	}
	price[3], qty[10] = null, null
	out := make([]Arg, n)
	if err := in.CallBatch(fee, [][]Arg{price, qty}, out); err != nil {
		t.Fatal(err)
	}
	for i := range out {
		want := call(t, in, fee, price[i], qty[i])
		if out[i].F != want.F || out[i].Null != want.Null {
			t.Fatalf("row %d: batch %+v, scalar %+v", i, out[i], want)
		}
	}
	if !out[3].Null || !out[10].Null || out[4].Null {
		t.Error("NULL rows are wrong")
	}
	if n := testing.AllocsPerRun(20, func() { in.CallBatch(fee, [][]Arg{price, qty}, out) }); n != 0 {
		t.Errorf("CallBatch: %v allocations", n)
	}
	all := []Arg{null, null}
	if err := in.CallBatch(fee, [][]Arg{all, {i64(1), i64(2)}}, out[:2]); err != nil || !out[0].Null || !out[1].Null {
		t.Errorf("all-NULL batch: %+v %v", out[:2], err)
	}
	wantErr(t, in.CallBatch(fnIndex(t, m, "is_even"), [][]Arg{qty}, out), "no batch entry point")
}
