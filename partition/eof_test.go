package partition

import (
	"fmt"
	"testing"
)

// TestRepeatedEOFOfOneWriterCountsOnce: a loop with two writers reads a
// JetStream stream where writer up/0's end-of-input marker is stored
// twice (its first run's, and again by its run after a crash) before the
// records of writer up/1: the repeat does not end the input, so the loop
// takes in the records of both and ends at up/1's marker; the marker it
// forwards to its sink names the loop as the writer. (Counted per marker,
// the two markers of up/0 ended the input after 300 records, the rest
// lost for good: TestComposedStatementSurvivesKills, a join's four loops
// writing one stage stream.)
func TestRepeatedEOFOfOneWriterCountsOnce(t *testing.T) {
	e := newCkEnv(t)
	e.publish(0, 300)
	for range 2 {
		if _, err := e.js.PublishMsg(NewEOFFrom("ck.in.0", "up/0")); err != nil {
			t.Fatal(err)
		}
	}
	e.publish(300, 600)
	if _, err := e.js.PublishMsg(NewEOFFrom("ck.in.0", "up/1")); err != nil {
		t.Fatal(err)
	}
	l := e.loop()
	l.cfg.EOFWriters = 2
	runUntil(t, l, -1)
	if got := l.Stats.In.Load(); got != 600 {
		t.Fatalf("the loop took in %d records before ending its input, want 600", got)
	}
	got, want := e.outputs(), ckWant(600)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("sink holds %d outputs, want %d", len(got), len(want))
	}
	info, err := e.js.StreamInfo("CK_OUT")
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.js.GetMsg("CK_OUT", info.State.LastSeq)
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get(HeaderControl) != ControlEOF || m.Header.Get(HeaderWriter) != "q/0" {
		t.Fatalf("the sink's last message has headers %v, want an end-of-input marker from writer q/0", m.Header)
	}
}
