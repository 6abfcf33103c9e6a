package transport

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// TestLeases: one holder at a time; renewal by revision; a stale holder's
// renewal and release fail; an unrenewed lease and member expire after
// the TTL so that another instance can take over.
func TestLeases(t *testing.T) {
	emb := startServer(t, nil)
	a, err := connect(t, emb.ClientURL(), ConnOptions{}).OpenLeases(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	b, err := connect(t, emb.ClientURL(), ConnOptions{}).OpenLeases(time.Hour) // the bucket's TTL wins
	if err != nil {
		t.Fatal(err)
	}
	if b.TTL() != time.Second {
		t.Errorf("second opener sees TTL %s, want the bucket's 1s", b.TTL())
	}
	if err := a.Heartbeat("a", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if err := b.Heartbeat("b", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	ms, err := a.Members()
	slices.Sort(ms)
	if err != nil || !slices.Equal(ms, []string{"a", "b"}) {
		t.Fatalf("members %v, %v", ms, err)
	}

	rev, err := a.Acquire("q.3", []byte("a"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Acquire("q.3", []byte("b")); !errors.Is(err, ErrLeaseHeld) {
		t.Fatalf("second acquire: %v, want ErrLeaseHeld", err)
	}
	rev2, err := a.Renew("q.3", []byte("a"), rev)
	if err != nil || rev2 <= rev {
		t.Fatalf("renew: %d, %v", rev2, err)
	}
	if _, err := a.Renew("q.3", []byte("a"), rev); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("renew with a stale revision: %v, want ErrLeaseLost", err)
	}
	if ok, err := a.Holds("q.3", rev2); !ok || err != nil {
		t.Fatalf("holds current revision: %v, %v", ok, err)
	}

	// a stops renewing: lease and member expire; b takes the lease.
	if err := b.Leave("b"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	var brev uint64
	for {
		brev, err = b.Acquire("q.3", []byte("b"))
		if err == nil {
			break
		}
		if !errors.Is(err, ErrLeaseHeld) || time.Now().After(deadline) {
			t.Fatalf("acquire after expiry: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if ms, err := b.Members(); err != nil || len(ms) != 0 {
		t.Errorf("members after expiry and leave: %v, %v", ms, err)
	}
	if ok, _ := a.Holds("q.3", rev2); ok {
		t.Error("the stale holder still holds the lease")
	}
	if _, err := a.Renew("q.3", []byte("a"), rev2); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("stale renew: %v, want ErrLeaseLost", err)
	}
	if err := a.Release("q.3", rev2); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("stale release: %v, want ErrLeaseLost", err)
	}
	if err := b.Release("q.3", brev); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Acquire("q.3", []byte("a")); err != nil {
		t.Errorf("acquire after release: %v", err)
	}
}
