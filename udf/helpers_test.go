package udf

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var plugins = filepath.Join("..", "testdata", "plugins")

// cacheDir is a compilation cache shared by the tests' hosts, so that the
// Go guest (slow to compile, very slow under -race) compiles once.
var cacheDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "udf-test-cache")
	if err != nil {
		panic(err)
	}
	cacheDir = dir
	code := m.Run()
	if mod, err := goModule(); err == nil {
		mod.h.Close(context.Background())
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func plugin(name string) string { return filepath.Join(plugins, name) }

func newHost(t testing.TB, lim Limits) *Host {
	t.Helper()
	h, err := NewHost(context.Background(), lim, cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	return h
}

func load(t testing.TB, h *Host, name string) *Module {
	t.Helper()
	m, err := h.Load(context.Background(), plugin(name))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func instance(t testing.TB, m *Module) *Instance {
	t.Helper()
	in, err := m.NewInstance(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close(context.Background()) })
	return in
}

func fnIndex(t testing.TB, m *Module, name string) int {
	t.Helper()
	i := m.Index(name)
	if i < 0 || m.Functions()[i].Name != name {
		t.Fatalf("%s declares no function %q", m.Path(), name)
	}
	return i
}

// goModule is risk.wasm (a Go guest: ~2.7 MB, slow to compile) loaded once
// for the whole package on a host with default limits.
var goModule = sync.OnceValues(func() (*Module, error) {
	h, err := NewHost(context.Background(), Limits{}, cacheDir)
	if err != nil {
		return nil, err
	}
	return h.Load(context.Background(), plugin("risk.wasm"))
})

func riskModule(t testing.TB) *Module {
	t.Helper()
	m, err := goModule()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func call(t testing.TB, in *Instance, fn int, args ...Arg) Arg {
	t.Helper()
	var out Arg
	if err := in.Call(fn, args, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func i64(v int64) Arg   { return Arg{I: v} }
func f64(v float64) Arg { return Arg{F: v} }
func str(s string) Arg  { return Arg{B: []byte(s)} }
func boolean(b bool) Arg {
	if b {
		return Arg{I: 1}
	}
	return Arg{}
}

var null = Arg{Null: true}
