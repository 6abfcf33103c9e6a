package partition

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
)

// ckEnv is an embedded server with an input stream (ck.in.*), a sink
// stream (ck.out) and the checkpoint bucket.
type ckEnv struct {
	t     *testing.T
	conn  *transport.Conn
	js    nats.JetStreamContext
	blobs *transport.Blobs
}

func newCkEnv(t *testing.T) *ckEnv {
	conn := connectTo(t, startServer(t))
	for name, subj := range map[string]string{"CK_IN": "ck.in.*", "CK_OUT": "ck.out"} {
		if err := conn.EnsureStream(name, []string{subj}, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	js, _ := conn.NC.JetStream()
	blobs, err := conn.OpenBlobs(transport.CheckpointBucket)
	if err != nil {
		t.Fatal(err)
	}
	return &ckEnv{t: t, conn: conn, js: js, blobs: blobs}
}

var ckKeys = []string{"a", "b", "c"}

// publish stores records from..to-1 of the input: key ckKeys[i%3], v = i.
func (e *ckEnv) publish(from, to int) {
	for i := from; i < to; i++ {
		if _, err := e.js.Publish("ck.in.0", fmt.Appendf(nil, `{"k":"%s","v":%d,"ts":%d}`, ckKeys[i%3], i, 1_000_000+i)); err != nil {
			e.t.Fatal(err)
		}
	}
}

// loop makes a loop of `SELECT k, COUNT(*), SUM(v) FROM in GROUP BY k
// EMIT CHANGES` into ck.out with checkpoints, restored and subscribed.
func (e *ckEnv) loop() *Loop {
	col := func(i int) runtime.Expr { return func(_ *runtime.Ctx, r runtime.Row) runtime.Value { return r[i] } }
	stage := runtime.NewGroupStage(runtime.GroupConfig{
		Keys: []runtime.Expr{col(0)}, KeyTypes: []runtime.Type{runtime.TString},
		Aggs: []runtime.AggSpec{{Func: runtime.CountStar}, {Func: runtime.Sum, Arg: col(1), ArgType: runtime.TInt, ResultType: runtime.TInt}},
	})
	l := New(e.conn.NC, Config{
		Query: "q", Subject: "ck.in.0", TimeIdx: 2, DLQ: "velort.dlq.in",
		Schema:        runtime.Schema{{Name: "k", Type: runtime.TString}, {Name: "v", Type: runtime.TInt}, {Name: "ts", Type: runtime.TTimestamp}},
		Read:          []bool{true, true, true},
		Pipeline:      runtime.NewPipeline(nil, stage, nil, []runtime.Expr{col(0), col(1), col(2)}),
		Sink:          Sink{Subjects: []string{"ck.out"}, Columns: []string{"k", "n", "total"}},
		SinkJetStream: true, EOFWriters: 1, Replay: true,
		Logger: quietLog,
	})
	if !l.EnableCheckpoints(e.blobs, "q.0", time.Hour) {
		e.t.Fatal("a GROUP BY loop refused checkpoints")
	}
	o := transport.ConsumerOptions{}
	seq, found, err := l.RestoreCheckpoint()
	if err != nil {
		e.t.Fatal(err)
	}
	if found {
		o.StartSeq = seq + 1
	}
	sub, err := e.conn.DurableConsumerWith("CK_IN", "velort_q_0", "ck.in.0", o)
	if err != nil {
		e.t.Fatal(err)
	}
	l.SubscribePull(sub)
	return l
}

// runUntil runs l until it has taken in `in` records, then cancels it (as
// SIGTERM does); with in < 0 it runs to end of input.
func runUntil(t *testing.T, l *Loop, in int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	if in >= 0 {
		deadline := time.Now().Add(20 * time.Second)
		for l.Stats.In.Load() < uint64(in) {
			if time.Now().After(deadline) {
				t.Fatalf("loop took in %d records, want %d", l.Stats.In.Load(), in)
			}
			time.Sleep(time.Millisecond)
		}
		cancel()
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("loop did not stop")
	}
}

// outputs returns the data messages stored in CK_OUT.
func (e *ckEnv) outputs() []string {
	info, err := e.js.StreamInfo("CK_OUT")
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for seq := uint64(1); seq <= info.State.LastSeq; seq++ {
		m, err := e.js.GetMsg("CK_OUT", seq)
		if err != nil {
			e.t.Fatal(err)
		}
		if m.Header.Get(HeaderControl) == "" {
			out = append(out, string(m.Data))
		}
	}
	return out
}

func ckWant(n int) []string {
	count, sum := map[string]int{}, map[string]int{}
	var want []string
	for i := range n {
		k := ckKeys[i%3]
		count[k]++
		sum[k] += i
		want = append(want, fmt.Sprintf(`{"k":"%s","n":%d,"total":%d}`, k, count[k], sum[k]))
	}
	return want
}

// TestCheckpointOnShutdownAndResume: a loop stopped (SIGTERM) after 400
// records checkpoints its groups and acknowledges up to them; a new loop
// restores them and resumes at record 401: the outputs continue the
// counts exactly, in order, none repeated.
func TestCheckpointOnShutdownAndResume(t *testing.T) {
	e := newCkEnv(t)
	e.publish(0, 400)
	a := e.loop()
	runUntil(t, a, 400)
	if a.Stats.Checkpoints.Load() != 1 || a.Stats.CheckpointSeq.Load() != 400 {
		t.Fatalf("after shutdown: %d checkpoints, at seq %d; want 1 at 400", a.Stats.Checkpoints.Load(), a.Stats.CheckpointSeq.Load())
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var floor uint64
		info, err := e.js.ConsumerInfo("CK_IN", "velort_q_0")
		if err == nil {
			floor = info.AckFloor.Stream
		}
		if floor == 400 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ack floor %d (%v), want 400 (the checkpoint)", floor, err)
		}
	}
	e.publish(400, 1000)
	if err := e.conn.NC.PublishMsg(NewEOF("ck.in.0")); err != nil {
		t.Fatal(err)
	}
	b := e.loop()
	runUntil(t, b, -1)
	if got := b.Stats.In.Load(); got != 600 {
		t.Fatalf("the restored loop took in %d records, want 600", got)
	}
	got, want := e.outputs(), ckWant(1000)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("outputs differ from an uninterrupted run:\ngot  %d %v\nwant %d %v", len(got), got[395:405], len(want), want[395:405])
	}
}

// TestOutputsAfterCheckpointDeduplicated: a crash after outputs were
// stored but before the next checkpoint (emulated by putting the older
// checkpoint back) makes the next run re-emit them with the same message
// ids; the sink keeps each once.
func TestOutputsAfterCheckpointDeduplicated(t *testing.T) {
	e := newCkEnv(t)
	e.publish(0, 300)
	runUntil(t, e.loop(), 300)
	old, err := e.blobs.Get("q.0")
	if err != nil || old == nil {
		t.Fatalf("checkpoint after 300: %v", err)
	}
	e.publish(300, 1000)
	if err := e.conn.NC.PublishMsg(NewEOF("ck.in.0")); err != nil {
		t.Fatal(err)
	}
	runUntil(t, e.loop(), -1)
	if err := e.blobs.Put("q.0", old); err != nil { // the crash
		t.Fatal(err)
	}
	c := e.loop()
	runUntil(t, c, -1)
	if got := c.Stats.Out.Load(); got != 700 {
		t.Fatalf("the run after the crash re-emitted %d outputs, want 700", got)
	}
	got, want := e.outputs(), ckWant(1000)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("sink holds %d outputs, want %d exactly once each", len(got), len(want))
	}
}
