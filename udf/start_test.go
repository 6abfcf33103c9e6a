package udf

import (
	"context"
	"strings"
	"testing"
)

// spinningStart is a module with a function ident(BIGINT) -> BIGINT and an
// endless loop in its start function (start section) or in _initialize.
func spinningStart(viaInitialize bool) *genModule {
	g := newGen()
	g.export("ident", g.fn(typeI64I64, []byte{0, 0x20, 0, 0x0b}))
	spin := g.fn(typeVoid, []byte{0, 0x03, 0x40, 0x0c, 0, 0x0b, 0x0b}) // loop; br 0; end
	if viaInitialize {
		g.export("_initialize", spin)
	} else {
		g.start = int(spin)
	}
	g.manifest(`{"functions": [{"name": "ident", "params": ["BIGINT"], "returns": "BIGINT"}]}`)
	return g
}

// TestSpinningStartFailsTheLoad: a module whose start function or
// _initialize never returns passed udf inspect and velort check, then failed
// every partition at run time. Its load now runs them as a partition would,
// within the same limit, and fails naming the module.
func TestSpinningStartFailsTheLoad(t *testing.T) {
	h := newHost(t, Limits{Timeout: 10e6}) // 10 ms: instantiation gets 1 s
	for _, viaInit := range []bool{false, true} {
		path := spinningStart(viaInit).write(t, "spin.wasm")
		_, err := h.Load(context.Background(), path)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "timeout: ran longer than the 1s timeout") {
			t.Errorf("_initialize %v: Load: %v", viaInit, err)
		}
		if viaInit {
			t.Log(err)
			continue
		}
		sigs := []Signature{{Name: "ident", Export: "ident", Params: []Type{Int}, Returns: Int}}
		_, err = h.LoadWithSignatures(context.Background(), path, sigs) // CREATE FUNCTION
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "start function") {
			t.Errorf("LoadWithSignatures: %v", err)
		}
	}
	// The same module with a start function that returns loads and runs.
	g := spinningStart(false)
	g.bodies[1] = []byte{0, 0x0b}
	m, err := h.Load(context.Background(), g.write(t, "ok.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	if got := call(t, instance(t, m), 0, i64(5)); got.I != 5 {
		t.Errorf("ident(5) = %d", got.I)
	}
}
