package udf

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// TestAggregateRetractC: variance_retract (named in stats.json) undoes
// variance_update, so that a state that saw rows and then lost some gives
// the variance of the rows left, as if it had never seen the others.
func TestAggregateRetractC(t *testing.T) {
	m := load(t, newHost(t, Limits{}), "c_stats.wasm")
	in := instance(t, m)
	fn := fnIndex(t, m, "variance")
	if s := m.Functions()[fn]; s.Retract != "variance_retract" || !s.HasRetract() || !in.HasRetract(fn) {
		t.Fatalf("variance: Retract %q, HasRetract %v/%v", s.Retract, s.HasRetract(), in.HasRetract(fn))
	}
	st, err := in.AggInit(fn)
	if err != nil {
		t.Fatal(err)
	}
	var out Arg
	result := func() Arg {
		t.Helper()
		if err := in.AggResult(fn, st, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	xs, gone := []float64{1, 2, 3, 4, 10}, []float64{-5, 7.5, 1e3, 0, 3}
	for _, x := range append(append([]float64(nil), gone[:2]...), append(xs, gone[2:]...)...) {
		if err := in.AggUpdate(fn, st, []Arg{f64(x)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, x := range []float64{3, -5, 1e3, 0, 7.5} { // gone, in another order
		if err := in.AggRetract(fn, st, []Arg{f64(x)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := result(); got.Null || !near(got.F, variance(xs)) {
		t.Errorf("variance after retracting = %+v, want %v", got, variance(xs))
	}
	// A NULL row is skipped on retract as on update: the guest never sees
	// it (it would take a 0 back out of the state).
	before := result().F
	if err := in.AggRetract(fn, st, []Arg{null}); err != nil {
		t.Fatal(err)
	}
	if got := result(); got.F != before {
		t.Errorf("retracting NULL changed the variance from %v to %v", before, got.F)
	}
	// Down to one row: NULL, as for one row updated; then to none, and the
	// state is as new.
	for _, x := range xs[:4] {
		in.AggRetract(fn, st, []Arg{f64(x)})
	}
	if got := result(); !got.Null {
		t.Errorf("variance of the one row left = %+v, want NULL", got)
	}
	in.AggRetract(fn, st, []Arg{f64(10)})
	in.AggUpdate(fn, st, []Arg{f64(2)})
	in.AggUpdate(fn, st, []Arg{f64(4)})
	if got := result(); got.F != 2 {
		t.Errorf("variance(2, 4) after retracting every row = %+v, want exactly 2", got)
	}

	// Random updates and retractions against a recomputation of the rows
	// left (update(x) then retract(x) gives the same result).
	rng := rand.New(rand.NewPCG(7, 15))
	st2, _ := in.AggInit(fn)
	var live []float64
	for i := 0; i < 2000; i++ {
		if len(live) > 0 && rng.IntN(3) == 0 {
			j := rng.IntN(len(live))
			if err := in.AggRetract(fn, st2, []Arg{f64(live[j])}); err != nil {
				t.Fatal(err)
			}
			live = append(live[:j], live[j+1:]...)
		} else {
			x := math.Round(rng.NormFloat64()*1000) / 8
			in.AggUpdate(fn, st2, []Arg{f64(x)})
			live = append(live, x)
		}
		if i%97 == 0 && len(live) > 1 {
			if err := in.AggResult(fn, st2, &out); err != nil || !near(out.F, variance(live)) {
				t.Fatalf("step %d: variance = %+v, %v; want %v", i, out, err, variance(live))
			}
		}
	}

	if n := testing.AllocsPerRun(100, func() {
		in.AggUpdate(fn, st, []Arg{f64(3)})
		in.AggRetract(fn, st, []Arg{f64(3)})
	}); n != 0 {
		t.Errorf("AggUpdate+AggRetract: %v allocations", n)
	}
}

// TestAggregateRetractGo: the Go SDK's RegisterAggregateRetract puts
// wavg_retract in the manifest.
func TestAggregateRetractGo(t *testing.T) {
	m := riskModule(t)
	in := instance(t, m)
	fn := fnIndex(t, m, "wavg")
	if !in.HasRetract(fn) {
		t.Fatal("wavg has no retract")
	}
	st, _ := in.AggInit(fn)
	rows := [][2]float64{{10, 1}, {20, 3}, {40, 4}, {7, 2}}
	for _, r := range rows {
		in.AggUpdate(fn, st, []Arg{f64(r[0]), f64(r[1])})
	}
	in.AggUpdate(fn, st, []Arg{f64(5), null}) // skipped both ways
	if err := in.AggRetract(fn, st, []Arg{f64(5), null}); err != nil {
		t.Fatal(err)
	}
	if err := in.AggRetract(fn, st, []Arg{f64(20), f64(3)}); err != nil {
		t.Fatal(err)
	}
	var out Arg
	in.AggResult(fn, st, &out)
	if want := (10*1 + 40*4 + 7*2) / 7.0; out.F != want {
		t.Errorf("wavg = %v, want %v", out.F, want)
	}
	for _, r := range [][2]float64{{10, 1}, {40, 4}, {7, 2}} {
		in.AggRetract(fn, st, []Arg{f64(r[0]), f64(r[1])})
	}
	if err := in.AggResult(fn, st, &out); err != nil || !out.Null {
		t.Errorf("wavg with every row retracted = %+v, %v; want NULL", out, err)
	}
}

// TestAggregateRetractDefault: fragile_sum's manifest names no retract
// export; the load finds fragile_sum_retract by its default name. A trap or
// a timeout in retract is a fault like one in update: the instance is
// replaced and its states are lost.
func TestAggregateRetractDefault(t *testing.T) {
	m := load(t, newHost(t, Limits{Timeout: 50 * time.Millisecond}), "c_faults.wasm")
	in := instance(t, m)
	fn := fnIndex(t, m, "fragile_sum")
	if got := m.Functions()[fn].Retract; got != "fragile_sum_retract" {
		t.Fatalf("Retract = %q, want the default fragile_sum_retract", got)
	}
	st, _ := in.AggInit(fn)
	in.AggUpdate(fn, st, []Arg{i64(5)})
	in.AggUpdate(fn, st, []Arg{i64(8)})
	if err := in.AggRetract(fn, st, []Arg{i64(5)}); err != nil {
		t.Fatal(err)
	}
	var out Arg
	if err := in.AggResult(fn, st, &out); err != nil || out.I != 8 {
		t.Errorf("sum after retract = %+v, %v; want 8", out, err)
	}

	for _, c := range []struct {
		x    int64
		kind ErrorKind
	}{{-1, Trap}, {1 << 40, Timeout}} {
		gen := in.Generation()
		st, _ := in.AggInit(fn)
		in.AggUpdate(fn, st, []Arg{i64(3)})
		var ce *CallError
		if err := in.AggRetract(fn, st, []Arg{i64(c.x)}); !errors.As(err, &ce) || ce.Kind != c.kind {
			t.Fatalf("retract(%d): %v, want a %v", c.x, err, c.kind)
		}
		if err := in.AggRetract(fn, st, []Arg{i64(3)}); !errors.Is(err, ErrStateLost) {
			t.Errorf("retract on the old state after the fault: %v, want ErrStateLost", err)
		}
		stillWorks(t, in, m, gen)
		fresh, _ := in.AggInit(fn)
		in.AggUpdate(fn, fresh, []Arg{i64(7)})
		in.AggUpdate(fn, fresh, []Arg{i64(2)})
		in.AggRetract(fn, fresh, []Arg{i64(7)})
		if err := in.AggResult(fn, fresh, &out); err != nil || out.I != 2 {
			t.Errorf("fresh state = %+v, %v; want 2", out, err)
		}
	}
}

// aggModule is a generated module with an aggregate g(BIGINT) -> BIGINT
// (g_init, g_update, g_merge, g_result; all no-ops) plus the extra exports
// given as name → encoded function type (bodies are empty).
func aggModule(manifest string, extra map[string][]byte) *genModule {
	g := newGen()
	var (
		tInit   = []byte{0x60, 0, 1, 0x7f}
		tUpdate = []byte{0x60, 2, 0x7f, 0x7e, 0}
		tMerge  = []byte{0x60, 2, 0x7f, 0x7f, 0}
		tResult = []byte{0x60, 1, 0x7f, 1, 0x7e}
	)
	g.export("g_init", g.fn(tInit, []byte{0, 0x41, 0, 0x0b}))
	g.export("g_update", g.fn(tUpdate, []byte{0, 0x0b}))
	g.export("g_merge", g.fn(tMerge, []byte{0, 0x0b}))
	g.export("g_result", g.fn(tResult, []byte{0, 0x42, 0, 0x0b}))
	for name, typ := range extra {
		g.export(name, g.fn(typ, []byte{0, 0x0b}))
	}
	g.manifest(manifest)
	return g
}

// TestAggregateRetractLoad: an aggregate without retract says so; a named
// retract export must exist, and any retract export (named or found by its
// default name) must have update's wasm signature.
func TestAggregateRetractLoad(t *testing.T) {
	ctx := context.Background()
	h := newHost(t, Limits{})
	const plain = `{"functions":[{"name":"g","kind":"aggregate","params":["BIGINT"],"returns":"BIGINT"}]}`

	m, err := h.Load(ctx, aggModule(plain, nil).write(t, "plain.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	in := instance(t, m)
	if m.Functions()[0].HasRetract() || in.HasRetract(0) {
		t.Error("g has no retract export, but HasRetract says it has")
	}
	st, _ := in.AggInit(0)
	wantErr(t, in.AggRetract(0, st, []Arg{i64(1)}), "aggregate g has no retract export")

	// Declared in SQL (CREATE FUNCTION): the default name is found too.
	withRetract := aggModule(plain, map[string][]byte{"g_retract": {0x60, 2, 0x7f, 0x7e, 0}}).write(t, "retract.wasm")
	m, err = h.LoadWithSignatures(ctx, withRetract, []Signature{{Name: "g", Kind: Aggregate, Params: []Type{Int}, Returns: Int}})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Functions()[0].Retract; got != "g_retract" {
		t.Errorf("CREATE FUNCTION g: Retract = %q, want g_retract", got)
	}

	named := `{"functions":[{"name":"g","kind":"aggregate","params":["BIGINT"],"returns":"BIGINT","retract":"g_undo"}]}`
	_, err = h.Load(ctx, aggModule(named, nil).write(t, "missing.wasm"))
	wantErr(t, err, `export "g_undo" not found`)

	m, err = h.Load(ctx, aggModule(named, map[string][]byte{"g_undo": {0x60, 2, 0x7f, 0x7e, 0}}).write(t, "named.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Functions()[0].Retract; got != "g_undo" {
		t.Errorf("Retract = %q, want g_undo", got)
	}

	_, err = h.Load(ctx, aggModule(plain, map[string][]byte{"g_retract": {0x60, 2, 0x7f, 0x7c, 0}}).write(t, "badsig.wasm"))
	wantErr(t, err, `retract export "g_retract" has wasm signature (i32, f64) -> (), expected (i32, i64) -> () for (handle i32, BIGINT)`)
}
