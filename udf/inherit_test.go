package udf

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestLoadWithSignaturesInheritsBatch: a function declared by the caller
// (CREATE FUNCTION) takes the batch entry point that the module's manifest
// declares for the same export with the same types, and only then.
func TestLoadWithSignaturesInheritsBatch(t *testing.T) {
	ctx := context.Background()
	h := newHost(t, Limits{})
	path := plugin("c_numeric.wasm")
	feeSig := Signature{Name: "fee", Params: []Type{Double, Int}, Returns: Double}
	aliasSig := Signature{Name: "my_fee", Export: "fee", Params: []Type{Double, Int}, Returns: Double}
	evenSig := Signature{Name: "is_even", Params: []Type{Int}, Returns: Bool}

	m, err := h.LoadWithSignatures(ctx, path, []Signature{feeSig, aliasSig, evenSig})
	if err != nil {
		t.Fatal(err)
	}
	in := instance(t, m)
	for _, name := range []string{"fee", "my_fee"} {
		fn := fnIndex(t, m, name)
		if got := m.Functions()[fn].Batch; got != "fee_batch" || !in.HasBatch(fn) {
			t.Fatalf("%s: batch %q, HasBatch %v; want the manifest's fee_batch", name, got, in.HasBatch(fn))
		}
		price := []Arg{f64(2000), f64(3), f64(1.5), null}
		qty := []Arg{i64(10), i64(4), i64(-7), i64(1)}
		out := make([]Arg, len(price))
		if err := in.CallBatch(fn, [][]Arg{price, qty}, out); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			want := max(1, price[i].F*float64(qty[i].I)*0.001)
			if out[i].Null || out[i].F != want {
				t.Errorf("%s row %d: %+v, want %v", name, i, out[i], want)
			}
		}
		if !out[3].Null {
			t.Errorf("%s: NULL row gave %+v", name, out[3])
		}
	}
	if fn := fnIndex(t, m, "is_even"); in.HasBatch(fn) {
		t.Error("is_even has no batch in the manifest but got one")
	}

	// fee(DOUBLE, TIMESTAMP) passes the scalar check (TIMESTAMP is i64) but
	// is not the manifest's fee(DOUBLE, BIGINT): nothing to inherit.
	m2, err := h.LoadWithSignatures(ctx, path, []Signature{{Name: "fee", Params: []Type{Double, Timestamp}, Returns: Double}})
	if err != nil {
		t.Fatal(err)
	}
	in2 := instance(t, m2)
	if in2.HasBatch(0) || m2.Functions()[0].Batch != "" {
		t.Fatal("fee(DOUBLE, TIMESTAMP) inherited the batch of fee(DOUBLE, BIGINT)")
	}
	wantErr(t, in2.CallBatch(0, [][]Arg{{f64(1)}, {i64(1)}}, make([]Arg, 1)), "no batch entry point")

	// The same for divide in c_faults.wasm (its manifest declares divide_batch).
	m3, err := h.LoadWithSignatures(ctx, plugin("c_faults.wasm"), []Signature{{Name: "divide", Params: []Type{Int, Int}, Returns: Int}})
	if err != nil {
		t.Fatal(err)
	}
	if !instance(t, m3).HasBatch(0) {
		t.Error("divide did not inherit divide_batch")
	}
}

// TestLoadWithSignaturesUnusableManifest: a module whose manifest does not
// parse, or names a batch entry point that does not check, loads for the
// declared functions as before, without a batch entry point.
func TestLoadWithSignaturesUnusableManifest(t *testing.T) {
	ctx := context.Background()
	h := newHost(t, Limits{})
	orig, err := os.ReadFile(plugin("c_numeric.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, c := range []struct{ name, old, new string }{
		{"unparsable.wasm", `"functions"`, `"functionz"`}, // an unknown field
		{"missing_batch.wasm", `"fee_batch"`, `"fee_batcX"`},
	} {
		if bytes.Count(orig, []byte(c.old)) != 1 {
			t.Fatalf("%s: %s is not in the manifest once", c.name, c.old)
		}
		path := filepath.Join(dir, c.name)
		os.WriteFile(path, bytes.Replace(orig, []byte(c.old), []byte(c.new), 1), 0o644)
		if _, err := h.Load(ctx, path); err == nil {
			t.Fatalf("%s: Load accepted the broken manifest; the test proves nothing", c.name)
		}
		m, err := h.LoadWithSignatures(ctx, path, []Signature{{Name: "fee", Params: []Type{Double, Int}, Returns: Double}})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		in := instance(t, m)
		if in.HasBatch(0) {
			t.Errorf("%s: fee has a batch entry point", c.name)
		}
		if got := call(t, in, 0, f64(2000), i64(10)); got.F != 20 {
			t.Errorf("%s: fee = %v", c.name, got.F)
		}
	}

	// No manifest at all: wat/features.wasm loads for what is declared.
	m, err := h.LoadWithSignatures(ctx, plugin("wat/features.wasm"), []Signature{{Name: "double", Params: []Type{Int}, Returns: Int}})
	if err != nil {
		t.Fatal(err)
	}
	in := instance(t, m)
	if in.HasBatch(0) {
		t.Error("double has a batch entry point")
	}
	if got := call(t, in, 0, i64(21)); got.I != 42 {
		t.Errorf("double(21) = %d", got.I)
	}
}
