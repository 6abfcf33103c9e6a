package bench

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
)

// TestS0WasmThroughTheCodec: S0-wasm's messages are MessagePack maps, and
// json and nats modes decode and encode them with the codec (each run's
// output count is checked by Run); its module is the test plugin's copy.
func TestS0WasmThroughTheCodec(t *testing.T) {
	s, _ := Lookup("S0-wasm")
	q, err := s.plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ds, err := buildDataset(s, q, 10, true)
	q.close()
	if err != nil {
		t.Fatal(err)
	}
	if m := ds.JSON[3]; m[0] != 0x84 || !bytes.Contains(m, []byte("\xaaorder_date\xaa2024-01-15")) {
		t.Fatalf("S0-wasm's message is not the MessagePack map of its record: %x", m)
	}
	res, err := Run(context.Background(), Config{Scenarios: []*Scenario{s}, Modes: []Mode{ModeJSON, ModeNATS}, Records: 3000, Runs: 1,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Outputs != 3000 || r.Outputs != r.ExpectedOutputs {
			t.Errorf("%s: %d outputs, want 3000", r.Mode, r.Outputs)
		}
	}
	want, err := os.ReadFile("../../testdata/plugins/c_msgpack.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := sqlFiles.ReadFile("sql/c_msgpack.wasm"); !bytes.Equal(got, want) {
		t.Error("sql/c_msgpack.wasm differs from testdata/plugins/c_msgpack.wasm: copy it again")
	}
}
