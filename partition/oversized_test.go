package partition

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/velort/velort/planner"
	"github.com/velort/velort/transport"
)

// TestOversizedWindowRowDeadLettered: a window row released by the
// watermark (no single input to blame) that exceeds the server's
// max_payload is dead-lettered as the output itself, cut to fit, with
// Velort-Sink-Subject and Velort-Truncated; the loop goes on and the next
// window's small row is published. Before, the loop returned "nats:
// maximum payload exceeded".
func TestOversizedWindowRowDeadLettered(t *testing.T) {
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{Logger: quietLog, Configure: func(o *server.Options) { o.MaxPayload = 1024 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Shutdown)
	nc := connectTo(t, emb).NC
	pl, err := planner.Parse("w.sql", `CREATE STREAM s (k VARCHAR, v VARCHAR, ts TIMESTAMP) WITH (subject = 'ow.in', event_time = 'ts');
CREATE STREAM o WITH (subject = 'ow.out') AS SELECT k, window_start, GROUP_CONCAT(v) AS vs FROM s GROUP BY k, TUMBLE(ts, INTERVAL '1' SECOND);`, planner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := pl.Queries[0]
	pipe, err := q.NewPipeline(0, planner.NewInstances(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := nc.SubscribeSync("ow.out")
	dlq, _ := nc.SubscribeSync("velort.dlq.>")
	l := New(nc, Config{Query: "o", Subject: "ow.in", Schema: q.Source.Columns, Read: q.Read, TimeIdx: q.TimeIdx,
		DLQ: q.Source.DLQ, Pipeline: pipe, Logger: quietLog, Sink: Sink{Subjects: []string{"ow.out"}, Columns: []string{"k", "window_start", "vs"}}})
	long := strings.Repeat("k", 600)
	for i := range 20 { // window 0: key of 600 bytes, 1 000 bytes of values
		if err := l.process(&nats.Msg{Subject: "ow.in", Data: fmt.Appendf(nil, `{"k":"%s","v":"%s","ts":%d}`, long, strings.Repeat("v", 49), i)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, ts := range []int{1000, 2000} { // window 1000: small; 2000 closes it
		if err := l.process(&nats.Msg{Subject: "ow.in", Data: fmt.Appendf(nil, `{"k":"a","v":"x","ts":%d}`, ts)}); err != nil {
			t.Fatalf("the loop stopped: %v", err)
		}
	}
	nc.Flush()
	d, err := dlq.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	size, _ := strconv.Atoi(d.Header.Get(HeaderTruncated))
	if d.Header.Get(HeaderSinkSubject) != "ow.out" || size <= 1024 || len(d.Data) >= size || !strings.HasPrefix(string(d.Data), `{"k":"kkk`) ||
		!strings.Contains(d.Header.Get(HeaderError), "exceeds the NATS server's max_payload of 1024 bytes") {
		t.Errorf("dead letter: headers %v, %d bytes", d.Header, len(d.Data))
	}
	if m, err := out.NextMsg(5 * time.Second); err != nil || !strings.HasPrefix(string(m.Data), `{"k":"a"`) {
		t.Errorf("the next window's row: %v", err)
	}
	if l.Stats.Oversized.Load() != 1 || l.Stats.DeadLettered.Load() != 1 {
		t.Errorf("oversized %d, dead-lettered %d; want 1 each", l.Stats.Oversized.Load(), l.Stats.DeadLettered.Load())
	}
}
