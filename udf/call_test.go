package udf

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestCallNumeric(t *testing.T) {
	m := load(t, newHost(t, Limits{}), "c_numeric.wasm")
	in := instance(t, m)
	fn := func(name string) int { return fnIndex(t, m, name) }

	if got := call(t, in, fn("fee"), f64(2000), i64(10)); got.F != 20 || got.Null {
		t.Errorf("fee(2000, 10) = %+v", got)
	}
	if got := call(t, in, fn("fee"), f64(1), i64(1)); got.F != 1 {
		t.Errorf("fee(1, 1) = %+v, want the minimum 1", got)
	}
	for x, want := range map[int64]int64{4: 1, 7: 0, -2: 1} {
		if got := call(t, in, fn("is_even"), i64(x)); got.I != want {
			t.Errorf("is_even(%d) = %d", x, got.I)
		}
	}
	for _, c := range []struct {
		a, b Arg
		want int64
	}{{boolean(true), boolean(true), 1}, {boolean(true), boolean(false), 0}, {Arg{I: 7}, Arg{I: -1}, 1}} {
		if got := call(t, in, fn("both"), c.a, c.b); got.I != c.want {
			t.Errorf("both(%d, %d) = %d", c.a.I, c.b.I, got.I)
		}
	}
	// 2024-01-15T10:00:00.123Z -> 2024-01-15T00:00:00Z; and before 1970.
	if got := call(t, in, fn("day_start"), i64(1705312800123)); got.I != 1705276800000 {
		t.Errorf("day_start = %d", got.I)
	}
	if got := call(t, in, fn("day_start"), i64(-1)); got.I != -86400000 {
		t.Errorf("day_start(-1) = %d", got.I)
	}
	if got := call(t, in, fn("xorshift"), i64(1), i64(3)); got.I == 1 || got.I == 0 {
		t.Errorf("xorshift = %d", got.I)
	}
}

func TestCallNull(t *testing.T) {
	m := load(t, newHost(t, Limits{}), "c_numeric.wasm")
	in := instance(t, m)
	// The guest signals NULL through velort.result_null.
	if got := call(t, in, fnIndex(t, m, "safe_div"), f64(1), f64(0)); !got.Null {
		t.Errorf("safe_div(1, 0) = %+v, want NULL", got)
	}
	if got := call(t, in, fnIndex(t, m, "safe_div"), f64(1), f64(4)); got.Null || got.F != 0.25 {
		t.Errorf("safe_div(1, 4) = %+v, want 0.25 (the NULL flag must not stick)", got)
	}
	// handles_null: called with a null mask.
	if got := call(t, in, fnIndex(t, m, "coalesce0"), null); got.Null || got.F != 0 {
		t.Errorf("coalesce0(NULL) = %+v", got)
	}
	if got := call(t, in, fnIndex(t, m, "coalesce0"), f64(3.5)); got.F != 3.5 {
		t.Errorf("coalesce0(3.5) = %+v", got)
	}
	if got := call(t, in, fnIndex(t, m, "fee"), null, i64(1)); !got.Null {
		t.Errorf("fee(NULL, 1) = %+v, want NULL", got)
	}
}

// TestNullArgSkipsGuest: a NULL argument returns NULL without calling the
// guest, shown with a function that would never return.
func TestNullArgSkipsGuest(t *testing.T) {
	m := load(t, newHost(t, Limits{}), "c_faults.wasm")
	if got := call(t, instance(t, m), fnIndex(t, m, "spin"), null); !got.Null {
		t.Errorf("spin(NULL) = %+v", got)
	}
}

func TestCallStrings(t *testing.T) {
	m := load(t, newHost(t, Limits{}), "c_strings.wasm")
	in := instance(t, m)
	fn := func(name string) int { return fnIndex(t, m, name) }
	s := func(a Arg) string { return string(a.B) }

	if got := s(call(t, in, fn("mask_c"), str("4111111111111111"))); got != "************1111" {
		t.Errorf("mask_c = %q", got)
	}
	if got := call(t, in, fn("mask_c"), str("")); got.Null || len(got.B) != 0 {
		t.Errorf("mask_c('') = %+v", got)
	}
	if got := s(call(t, in, fn("concat3"), str("ab"), str(""), str("cde"))); got != "abcde" {
		t.Errorf("concat3 = %q", got)
	}
	if got := call(t, in, fn("byte_sum"), Arg{B: []byte{1, 2, 250}}); got.I != 253 {
		t.Errorf("byte_sum = %d", got.I)
	}
	if got := s(call(t, in, fn("hex"), Arg{B: []byte{0xde, 0xad, 0x01}})); got != "dead01" {
		t.Errorf("hex = %q", got)
	}
	for doc, want := range map[string]string{` {"a":1}`: "object", "[1]": "array", `"x"`: "string", "true": "bool", "null": "null", "-3": "number"} {
		if got := s(call(t, in, fn("json_kind"), str(doc))); got != want {
			t.Errorf("json_kind(%s) = %q", doc, got)
		}
	}
	if got := call(t, in, fn("repeat"), str("x"), i64(-1)); !got.Null {
		t.Errorf("repeat('x', -1) = %+v, want NULL", got)
	}
	// A large argument grows the argument area, and a large result is copied
	// out whole.
	big := strings.Repeat("0123456789", 10000)
	if got := s(call(t, in, fn("repeat"), str(big), i64(3))); got != big+big+big {
		t.Errorf("repeat(big, 3) has %d bytes", len(got))
	}
	if got := s(call(t, in, fn("concat3"), str("a"), str("b"), str("c"))); got != "abc" {
		t.Errorf("concat3 after growth = %q", got)
	}
	if got := call(t, in, fn("mask_c"), null); !got.Null {
		t.Errorf("mask_c(NULL) = %+v", got)
	}
}

// TestCallGo runs the Go guest: numeric, string and its own runtime.
func TestCallGo(t *testing.T) {
	m := riskModule(t)
	in := instance(t, m)
	if got := call(t, in, fnIndex(t, m, "risk"), f64(2.5), i64(10)); got.F != 25 {
		t.Errorf("risk(2.5, 10) = %v", got.F)
	}
	if got := call(t, in, fnIndex(t, m, "risk"), f64(1), i64(2000)); got.F != 2040 {
		t.Errorf("risk(1, 2000) = %v", got.F)
	}
	mask := fnIndex(t, m, "mask")
	for inStr, want := range map[string]string{"4111111111111111": "************1111", "abc": "abc", "héllo wörld": "*******örld"} {
		got := string(call(t, in, mask, str(inStr)).B)
		if got != want {
			t.Errorf("mask(%q) = %q, want %q", inStr, got, want)
		}
	}
}

// TestStringResultAliases: a string result is valid until the next call.
func TestStringResultAliases(t *testing.T) {
	m := load(t, newHost(t, Limits{}), "c_strings.wasm")
	in := instance(t, m)
	first := call(t, in, fnIndex(t, m, "hex"), Arg{B: []byte{0xab}})
	kept := bytes.Clone(first.B)
	call(t, in, fnIndex(t, m, "hex"), Arg{B: []byte{0xcd}})
	if string(kept) != "ab" {
		t.Errorf("first result %q", kept)
	}
}

func TestCallMisuse(t *testing.T) {
	m := load(t, newHost(t, Limits{}), "c_numeric.wasm")
	in := instance(t, m)
	var out Arg
	wantErr(t, in.Call(fnIndex(t, m, "fee"), []Arg{f64(1)}, &out), "fee takes 2 arguments, got 1")
	sm := load(t, newHost(t, Limits{}), "c_stats.wasm")
	wantErr(t, instance(t, sm).Call(0, []Arg{f64(1)}, &out), "variance is aggregate, not scalar")
}

func TestZeroAllocs(t *testing.T) {
	num := load(t, newHost(t, Limits{}), "c_numeric.wasm")
	strs := load(t, newHost(t, Limits{}), "c_strings.wasm")
	gom := riskModule(t)
	cases := []struct {
		name string
		m    *Module
		fn   string
		args []Arg
	}{
		{"c fee", num, "fee", []Arg{f64(100), i64(3)}},
		{"c safe_div null", num, "safe_div", []Arg{f64(1), f64(0)}},
		{"c concat3", strs, "concat3", []Arg{str("abc"), str("defg"), str("h")}},
		{"go risk", gom, "risk", []Arg{f64(2.5), i64(10)}},
		// Not the Go guest's mask: its own heap grows now and then, and
		// wazero then reallocates the linear memory on the Go heap.
	}
	for _, c := range cases {
		in := instance(t, c.m)
		fn := fnIndex(t, c.m, c.fn)
		var out Arg
		call(t, in, fn, c.args...) // warm up: argument area, result buffer
		if n := testing.AllocsPerRun(200, func() { in.Call(fn, c.args, &out) }); n != 0 {
			t.Errorf("%s: %v allocations per call", c.name, n)
		}
	}
}

func TestClosedInstance(t *testing.T) {
	m := load(t, newHost(t, Limits{}), "c_numeric.wasm")
	in := instance(t, m)
	if m.Index("FEE") != 0 || m.Index("nope") != -1 {
		t.Error("Index is wrong")
	}
	in.Close(context.Background())
	var out Arg
	wantErr(t, in.Call(0, []Arg{f64(1), i64(1)}, &out), "instance is closed")
}
