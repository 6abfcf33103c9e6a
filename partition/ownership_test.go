package partition

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/velort/velort/transport"
)

// TestAssignBalanced: every unit has one owner, shares differ by at most
// one, and the map does not depend on the order members are listed in.
func TestAssignBalanced(t *testing.T) {
	var units []string
	for q := range 2 {
		for p := range 8 {
			units = append(units, fmt.Sprintf("q%d.%d", q, p))
		}
	}
	for n := 1; n <= 5; n++ {
		var members []string
		for i := range n {
			members = append(members, fmt.Sprintf("host-%d", 100+i))
		}
		a := Assign(members, units)
		rev := slices.Clone(members)
		slices.Reverse(rev)
		b := Assign(rev, units)
		count := map[string]int{}
		for _, u := range units {
			if a[u] == "" || a[u] != b[u] {
				t.Fatalf("%d members: unit %s → %q / %q", n, u, a[u], b[u])
			}
			count[a[u]]++
		}
		lo, hi := len(units), 0
		for _, m := range members {
			lo, hi = min(lo, count[m]), max(hi, count[m])
		}
		if hi-lo > 1 {
			t.Errorf("%d members: shares %v", n, count)
		}
	}
}

// runner is a fake unit runner (the real one is velort run's, tested end
// to end in cmd/velort); it records which units run here.
type runner struct {
	mu      sync.Mutex
	running map[string]bool
	starts  int
}

func (r *runner) start(u string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.running[u] = true
	r.starts++
	return nil
}

func (r *runner) stop(u string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.running, u)
}

func (r *runner) units() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for u := range r.running {
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}

// TestOwnershipOverLeases runs instances against a real KV bucket: two
// share eight units; a third joins and gets its share; one leaves (units
// handed over at once); one is cut off without leaving (its units move
// after the TTL). No unit ever runs in two instances at once.
func TestOwnershipOverLeases(t *testing.T) {
	emb := startServer(t)
	var units []string
	for p := range 8 {
		units = append(units, fmt.Sprintf("q.%d", p))
	}
	type inst struct {
		r      *runner
		o      *Ownership
		cancel context.CancelFunc
		done   chan error
	}
	start := func(name string) *inst {
		store, err := connectTo(t, emb).OpenLeases(600 * time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		r := &runner{running: map[string]bool{}}
		o := &Ownership{Store: &cuttable{LeaseStore: store}, Instance: name, Info: []byte(`{}`), Units: units, Start: r.start, Stop: r.stop, Logger: quietLog}
		ctx, cancel := context.WithCancel(context.Background())
		in := &inst{r: r, o: o, cancel: cancel, done: make(chan error, 1)}
		go func() { in.done <- o.Run(ctx) }()
		t.Cleanup(cancel)
		return in
	}
	// waitFor polls until every unit runs in exactly one instance and the
	// shares are as wanted.
	waitFor := func(want map[*inst]int, what string) {
		deadline := time.Now().Add(15 * time.Second)
		for {
			seen := map[string]int{}
			ok := true
			for in, n := range want {
				us := in.r.units()
				for _, u := range us {
					seen[u]++
				}
				if len(us) != n {
					ok = false
				}
			}
			for _, u := range units {
				if seen[u] > 1 {
					t.Fatalf("%s: unit %s runs in %d instances at once", what, u, seen[u])
				}
				if seen[u] != 1 {
					ok = false
				}
			}
			if ok {
				return
			}
			if time.Now().After(deadline) {
				var got []string
				for in := range want {
					got = append(got, fmt.Sprintf("%s:%v", in.o.Instance, in.r.units()))
				}
				t.Fatalf("%s: shares %v", what, got)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	a := start("a")
	waitFor(map[*inst]int{a: 8}, "one instance")
	b := start("b")
	waitFor(map[*inst]int{a: 4, b: 4}, "two instances")
	c := start("c")
	shares := map[string]int{}
	for _, m := range Assign([]string{"a", "b", "c"}, units) {
		shares[m]++
	}
	waitFor(map[*inst]int{a: shares["a"], b: shares["b"], c: shares["c"]}, "three instances")
	// b leaves: its units are released at once and taken by a and c.
	b.cancel()
	if err := <-b.done; err != nil {
		t.Fatal(err)
	}
	if len(b.r.units()) != 0 {
		t.Fatalf("b still runs %v after leaving", b.r.units())
	}
	waitFor(map[*inst]int{a: 4, c: 4}, "after b left")
	// c is cut off: its Run stops without handing over (as if killed);
	// its leases expire after the TTL and a takes everything.
	held := c.o.Held()
	c.o.Store.(*cuttable).cut.Store(true)
	waitFor(map[*inst]int{a: 8, c: 0}, "after c died")
	// In the bucket, every lease — c's former ones included — is a's.
	leases, err := a.o.Store.(*cuttable).LeaseStore.(*transport.Leases).Entries("lease.")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		var v LeaseValue
		if err := json.Unmarshal(leases[u], &v); err != nil || v.Owner != "a" {
			t.Errorf("lease %s: %q (%v), want owner a (c held %v)", u, leases[u], err, held)
		}
	}
}

// cuttable is a store whose instance can be cut off from the cluster:
// then every call fails (as the network would), except Holds, which asks
// the real bucket.
type cuttable struct {
	LeaseStore
	cut atomic.Bool
}

var errCutOff = errors.New("cut off")

func (c *cuttable) Heartbeat(i string, v []byte) error {
	if c.cut.Load() {
		return errCutOff
	}
	return c.LeaseStore.Heartbeat(i, v)
}

func (c *cuttable) Members() ([]string, error) {
	if c.cut.Load() {
		return nil, errCutOff
	}
	return c.LeaseStore.Members()
}

func (c *cuttable) Acquire(n string, v []byte) (uint64, error) {
	if c.cut.Load() {
		return 0, errCutOff
	}
	return c.LeaseStore.Acquire(n, v)
}

func (c *cuttable) Renew(n string, v []byte, rev uint64) (uint64, error) {
	if c.cut.Load() {
		return 0, errCutOff
	}
	return c.LeaseStore.Renew(n, v, rev)
}

func (c *cuttable) Release(n string, rev uint64) error {
	if c.cut.Load() {
		return errCutOff
	}
	return c.LeaseStore.Release(n, rev)
}

func (c *cuttable) Leave(i string) error {
	if c.cut.Load() {
		return errCutOff
	}
	return c.LeaseStore.Leave(i)
}

// slowRenewals delays every renewal past the watchdog's limit, as a
// store that answers too late would.
type slowRenewals struct {
	LeaseStore
	delay atomic.Int64 // nanoseconds; 0: no delay
}

func (s *slowRenewals) Renew(n string, v []byte, rev uint64) (uint64, error) {
	time.Sleep(time.Duration(s.delay.Load()))
	return s.LeaseStore.Renew(n, v, rev)
}

// TestOwnershipStopsUnitsItCannotRenew: when renewals come back later than
// 2/3 of the TTL, the watchdog stops the units — while the renewer is still
// waiting on the store — so that no unit runs past its lease.
func TestOwnershipStopsUnitsItCannotRenew(t *testing.T) {
	leases, err := connectTo(t, startServer(t)).OpenLeases(600 * time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	store := &slowRenewals{LeaseStore: leases}
	var units []string
	for p := range 8 {
		units = append(units, fmt.Sprintf("q.%d", p))
	}
	r := &runner{running: map[string]bool{}}
	o := &Ownership{Store: store, Instance: "a", Info: []byte(`{}`), Units: units, Start: r.start, Stop: r.stop, Logger: quietLog}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitUnits := func(n int, what string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); len(r.units()) != n; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d units run, want %d", what, len(r.units()), n)
			}
		}
	}
	waitUnits(8, "start")
	store.delay.Store(int64(time.Second)) // longer than the 400 ms limit
	waitUnits(0, "renewals too slow")
	if got := o.Held(); len(got) != 0 {
		t.Errorf("still holding %v after the watchdog stopped every unit", got)
	}
	store.delay.Store(0)
	waitUnits(8, "renewals fast again") // the leases expire and are taken again
}

// gatedAcquire holds up the acquisition of one unit's lease until gate is
// closed, as a slow store (or a loaded machine) does between two units of
// one pass.
type gatedAcquire struct {
	LeaseStore
	unit string
	gate chan struct{}
}

func (g *gatedAcquire) Acquire(n string, v []byte) (uint64, error) {
	if n == g.unit {
		<-g.gate
	}
	return g.LeaseStore.Acquire(n, v)
}

// TestOwnershipSettledAfterItsShare: Settled stays false while the first
// pass over the assignment is under way — every unit taken so far runs,
// yet the instance's share is not all taken — and turns true once it is.
// velort's readiness (Engine.Ready, /readyz) waits for it: before, a
// record published once Ready fired could go to a unit not yet subscribed
// (engine's TestOpenRunShutdown lost a partition's records under load).
func TestOwnershipSettledAfterItsShare(t *testing.T) {
	leases, err := connectTo(t, startServer(t)).OpenLeases(2 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	units := []string{"q.0", "q.1", "q.2", "q.3"}
	store := &gatedAcquire{LeaseStore: leases, unit: "q.3", gate: make(chan struct{})}
	r := &runner{running: map[string]bool{}}
	o := &Ownership{Store: store, Instance: "solo", Info: []byte(`{}`), Units: units, Start: r.start, Stop: r.stop, Logger: quietLog}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	var open sync.Once // (a failure before the gate opens must not leave Run waiting on it)
	openGate := func() { open.Do(func() { close(store.gate) }) }
	defer func() {
		openGate()
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s (running %v, held %v, settled %v)", what, r.units(), o.Held(), o.Settled())
			}
		}
	}
	three := []string{"q.0", "q.1", "q.2"}
	waitUntil("three units running", func() bool { return slices.Equal(r.units(), three) })
	time.Sleep(50 * time.Millisecond) // (the pass is held at q.3's lease)
	if o.Settled() {
		t.Fatalf("settled with q.3 not yet taken (held %v)", o.Held())
	}
	if !slices.Equal(o.Held(), three) {
		t.Fatalf("held %v, want %v", o.Held(), three)
	}
	openGate()
	waitUntil("the pass to end", o.Settled)
	if !slices.Equal(o.Held(), units) || !slices.Equal(r.units(), units) {
		t.Fatalf("settled holding %v, running %v; want all of %v", o.Held(), r.units(), units)
	}
}
