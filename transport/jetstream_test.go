package transport

import "testing"

func TestStreamSeq(t *testing.T) {
	cases := map[string]uint64{
		"$JS.ACK.ORDERS.velort_q_0.1.4711.17.1700000000000000000.3":            4711,
		"$JS.ACK.hub.ACCHASH.ORDERS.velort_q_0.2.99.5.1700000000000000000.0.x": 99,
		"_INBOX.abc": 0,
		"":           0,
	}
	for reply, want := range cases {
		if got := StreamSeq(reply); got != want {
			t.Errorf("StreamSeq(%q) = %d, want %d", reply, got, want)
		}
	}
}

func TestSubjectCovers(t *testing.T) {
	cases := []struct {
		pattern, subject string
		want             bool
	}{
		{"trades.*", "trades.*", true},
		{"trades.>", "trades.*", true},
		{"trades.*", "trades.1", true},
		{"trades.1", "trades.*", false},
		{"trades.*", "trades.*.x", false},
		{">", "a.b", true},
		{"orders", "orders", true},
	}
	for _, c := range cases {
		if got := SubjectCovers(c.pattern, c.subject); got != c.want {
			t.Errorf("SubjectCovers(%q, %q) = %v, want %v", c.pattern, c.subject, got, c.want)
		}
	}
}

// TestEnsureStream creates a stream, accepts it again, and refuses an
// existing stream whose subjects do not cover ours.
func TestEnsureStream(t *testing.T) {
	emb := startServer(t, nil)
	c := connect(t, emb.ClientURL(), ConnOptions{})
	if err := c.EnsureStream("T1", []string{"t1.*"}, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureStream("T1", []string{"t1.*"}, 0); err != nil {
		t.Fatalf("existing stream refused: %v", err)
	}
	if err := c.EnsureStream("T1", []string{"other.*"}, 0); err == nil {
		t.Fatal("a stream whose subjects do not cover ours was accepted")
	}
}

func TestAckInfo(t *testing.T) {
	seq, n := AckInfo("$JS.ACK.ORDERS.velort_q_0.3.4711.17.1700000000000000000.3")
	if seq != 4711 || n != 3 {
		t.Errorf("v1 reply: seq %d delivered %d", seq, n)
	}
	seq, n = AckInfo("$JS.ACK.hub.ACCHASH.ORDERS.velort_q_0.2.99.5.1700000000000000000.0.x")
	if seq != 99 || n != 2 {
		t.Errorf("v2 reply: seq %d delivered %d", seq, n)
	}
}

// TestDurableConsumerStart: a consumer resumes after its ack floor by
// default, and at an explicit start sequence when given one.
func TestDurableConsumerStart(t *testing.T) {
	emb := startServer(t, nil)
	c := connect(t, emb.ClientURL(), ConnOptions{})
	if err := c.EnsureStream("DC", []string{"dc.*"}, 0); err != nil {
		t.Fatal(err)
	}
	js, _ := c.NC.JetStream()
	for i := range 10 {
		if _, err := js.Publish("dc.1", []byte{byte('0' + i)}); err != nil {
			t.Fatal(err)
		}
		if _, err := js.Publish("dc.2", []byte("other")); err != nil {
			t.Fatal(err)
		}
	}
	first := func(o ConsumerOptions) uint64 {
		t.Helper()
		sub, err := c.DurableConsumerWith("DC", "velort_dc", "dc.1", o)
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Unsubscribe()
		msgs, err := sub.Fetch(3)
		if err != nil {
			t.Fatal(err)
		}
		if err := msgs[2].Ack(); err != nil { // AckAll: acknowledges all three
			t.Fatal(err)
		}
		if err := c.NC.Flush(); err != nil {
			t.Fatal(err)
		}
		return StreamSeq(msgs[0].Reply)
	}
	if got := first(ConsumerOptions{}); got != 1 {
		t.Fatalf("new consumer starts at stream seq %d, want 1", got)
	}
	waitFor(t, "ack floor", func() bool {
		info, err := js.ConsumerInfo("DC", "velort_dc")
		return err == nil && info.AckFloor.Stream == 5
	})
	if got := first(ConsumerOptions{}); got != 7 {
		t.Fatalf("existing consumer resumes at stream seq %d, want 7 (after the ack floor 5)", got)
	}
	if got := first(ConsumerOptions{StartSeq: 3}); got != 3 {
		t.Fatalf("StartSeq 3: first message at seq %d", got)
	}
}
