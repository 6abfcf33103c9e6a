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
