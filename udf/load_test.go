package udf

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

func TestLoadForbiddenImport(t *testing.T) {
	_, err := newHost(t, Limits{}).Load(context.Background(), plugin("bad/badimport.wasm"))
	wantErr(t, err, "badimport.wasm", `forbidden import "env"."launch_missiles"`)
}

func TestLoadSignatureMismatch(t *testing.T) {
	_, err := newHost(t, Limits{}).Load(context.Background(), plugin("bad/badsig.wasm"))
	wantErr(t, err, "half(BIGINT) -> BIGINT", "signature mismatch", `"half" has wasm signature (f64) -> f64, expected (i64) -> i64`)
}

func TestLoadWithSignatures(t *testing.T) {
	ctx := context.Background()
	h := newHost(t, Limits{})
	path := plugin("c_numeric.wasm")

	// CREATE FUNCTION my_fee(price DOUBLE, qty BIGINT) RETURNS DOUBLE WITH (module=..., export='fee')
	m, err := h.LoadWithSignatures(ctx, path, []Signature{{Name: "my_fee", Export: "fee", Params: []Type{Double, Int}, Returns: Double}})
	if err != nil {
		t.Fatal(err)
	}
	if got := call(t, instance(t, m), 0, f64(2000), i64(10)); got.F != 20 {
		t.Errorf("my_fee = %v", got.F)
	}

	_, err = h.LoadWithSignatures(ctx, path, []Signature{{Name: "nope", Params: []Type{Int}, Returns: Int}})
	wantErr(t, err, `export "nope" not found`, "fee_batch")

	_, err = h.LoadWithSignatures(ctx, path, []Signature{{Name: "fee", Params: []Type{Double, Double}, Returns: Double}})
	wantErr(t, err, "signature mismatch", "(f64, i64) -> f64, expected (f64, f64) -> f64 for (DOUBLE, DOUBLE)")

	_, err = h.LoadWithSignatures(ctx, path, []Signature{{Name: "agg", Kind: Aggregate, Params: []Type{Double}, Returns: Double, Init: "fee"}})
	wantErr(t, err, `init export "fee" has wasm signature (f64, i64) -> f64, expected () -> i32`)

	_, err = h.LoadWithSignatures(ctx, path, nil)
	wantErr(t, err, "no functions declared")
}

func TestLoadNoManifest(t *testing.T) {
	_, err := newHost(t, Limits{}).Load(context.Background(), plugin("wat/features.wasm"))
	wantErr(t, err, "no manifest", "CREATE FUNCTION")
}

func TestLoadNotWasm(t *testing.T) {
	_, err := newHost(t, Limits{}).Load(context.Background(), plugin("SOURCES.sha256"))
	wantErr(t, err, "not a WebAssembly binary")
}

func TestLoadMemoryAboveLimit(t *testing.T) {
	// c_numeric.wasm starts with 2 pages (128 KiB) of memory.
	_, err := newHost(t, Limits{MemoryLimitBytes: 64 << 10}).Load(context.Background(), plugin("c_numeric.wasm"))
	wantErr(t, err, "min 2 pages")
}

func TestLoadDir(t *testing.T) {
	ctx := context.Background()
	h := newHost(t, Limits{})
	mods, err := LoadDir(ctx, h, plugins)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range mods {
		names = append(names, filepath.Base(m.Path()))
		defer m.Close(ctx)
	}
	if got := strings.Join(names, " "); got != "c_codec_faults.wasm c_faults.wasm c_msgpack.wasm c_numeric.wasm c_stats.wasm c_strings.wasm msgpack.wasm risk.wasm" { // codec modules load with no functions
		t.Errorf("loaded %s", got)
	}

	dir := t.TempDir()
	for _, name := range []string{"a.wasm", "b.wasm"} {
		b, _ := os.ReadFile(plugin("c_stats.wasm"))
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	_, err = LoadDir(ctx, h, dir)
	wantErr(t, err, `function "variance" is declared by both`, "a.wasm", "b.wasm")
}

func TestCompilationCacheDir(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	h, err := NewHost(ctx, Limits{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Load(ctx, plugin("c_numeric.wasm")); err != nil {
		t.Fatal(err)
	}
	h.Close(ctx)
	var files int
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, _ error) error {
		if d != nil && !d.IsDir() {
			files++
		}
		return nil
	})
	if files == 0 {
		t.Error("nothing was written to the compilation cache directory")
	}
}

func TestNewHostRejectsNetwork(t *testing.T) {
	_, err := NewHost(context.Background(), Limits{AllowNetwork: true}, "")
	wantErr(t, err, "network")
}
