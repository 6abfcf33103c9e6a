package bench

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// TestS0ProtobufThroughTheFormat: S0-protobuf's messages are bench.Order
// messages (field 1 order_id … field 4 total_amount), and json and nats
// modes decode and encode them as Protobuf (each run's output count is
// checked by Run).
func TestS0ProtobufThroughTheFormat(t *testing.T) {
	s, ok := Lookup("S0-protobuf")
	if !ok {
		t.Fatal("no scenario S0-protobuf")
	}
	q, err := s.plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ds, err := buildDataset(s, q, 10, true)
	q.close()
	if err != nil {
		t.Fatal(err)
	}
	m := ds.JSON[3]
	var fields []protowire.Number
	for len(m) > 0 {
		num, typ, n := protowire.ConsumeTag(m)
		if n < 0 {
			t.Fatalf("S0-protobuf's message is not Protobuf: %x", ds.JSON[3])
		}
		m = m[n:]
		n = protowire.ConsumeFieldValue(num, typ, m)
		if n < 0 {
			t.Fatalf("S0-protobuf's message is not Protobuf: %x", ds.JSON[3])
		}
		m = m[n:]
		fields = append(fields, num)
	}
	if len(fields) != 4 || fields[0] != 1 || fields[3] != 4 {
		t.Fatalf("S0-protobuf's message has fields %v, want 1 2 3 4", fields)
	}
	res, err := Run(context.Background(), Config{Scenarios: []*Scenario{s}, Modes: []Mode{ModeEngine, ModeJSON, ModeNATS}, Records: 3000, Runs: 1,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Outputs != 3000 || r.Outputs != r.ExpectedOutputs {
			t.Errorf("%s: %d outputs, want 3000", r.Mode, r.Outputs)
		}
	}
}

// BenchmarkPayloadsS0Protobuf is BenchmarkPayloadsS0 with S0's messages
// in Protobuf, in and out (op = record).
func BenchmarkPayloadsS0Protobuf(b *testing.B) { benchPayloads(b, "S0-protobuf") }
