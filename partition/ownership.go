package partition

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/velort/velort/transport"
)

// LeaseStore is where instances announce themselves and hold leases with a
// TTL (transport.Leases, a JetStream KV bucket).
type LeaseStore interface {
	TTL() time.Duration
	Heartbeat(instance string, info []byte) error
	Leave(instance string) error
	Members() ([]string, error)
	Acquire(name string, value []byte) (rev uint64, err error) // transport.ErrLeaseHeld if held
	// Renew and Release return transport.ErrLeaseLost for a lease no longer held.
	Renew(name string, value []byte, rev uint64) (uint64, error)
	Holds(name string, rev uint64) (bool, error)
	Release(name string, rev uint64) error
}

// Ownership shares units of work — one per (query, partition), named
// "<query>.<partition>" — between the live instances that run the same
// SQL file, with no coordinator: each instance computes the same balanced
// assignment from the member list and takes the units assigned to it by
// acquiring their leases. A unit runs only while its lease is held:
//
//   - every tick (TTL/3) the instance renews its member key and its leases;
//   - a unit assigned elsewhere is stopped (its state checkpointed), then
//     its lease released, so the new owner can take it at its next tick;
//   - a lease that cannot be renewed (it expired or another instance holds
//     it) stops its unit at once, and when no renewal has succeeded for
//     2/3 of the TTL every unit stops: the instance may be cut off, and the
//     others take over once the TTL has passed;
//   - a dead instance's keys expire after the TTL and its units move.
//
// Start and Stop run on Run's goroutine, one at a time.
type Ownership struct {
	Store    LeaseStore
	Instance string
	Info     []byte   // the member key's value (JSON describing the instance)
	Units    []string // every unit of the SQL file
	// Start begins processing a unit whose lease was just acquired; Stop
	// ends it (checkpointing) and returns when it has stopped.
	Start  func(unit string) error
	Stop   func(unit string)
	Logger *slog.Logger

	mu     sync.Mutex
	held   map[string]uint64 // unit → lease revision
	lastOK time.Time         // last successful heartbeat
}

// leaseValue is what a lease key holds (read by `velort status`).
type leaseValue struct {
	Owner string `json:"owner"`
	Since string `json:"since"`
}

// Run takes and gives up units until ctx is done, then stops every unit it
// holds, releases the leases and leaves. It returns Start's first error.
func (o *Ownership) Run(ctx context.Context) error {
	o.held = map[string]uint64{}
	o.lastOK = time.Now()
	tick := time.NewTicker(max(o.Store.TTL()/3, 50*time.Millisecond))
	defer tick.Stop()
	for {
		if err := o.tick(); err != nil {
			o.handOver()
			return err
		}
		select {
		case <-ctx.Done():
			o.handOver()
			return nil
		case <-tick.C:
		}
	}
}

// Holds reports whether this instance still holds unit's lease in the
// store: checked before writing a checkpoint, so that an instance that lost
// a unit cannot overwrite its successor's state.
func (o *Ownership) Holds(unit string) (bool, error) {
	o.mu.Lock()
	rev, ok := o.held[unit]
	o.mu.Unlock()
	if !ok {
		return false, nil
	}
	return o.Store.Holds(unit, rev)
}

// Held lists the units this instance holds, sorted.
func (o *Ownership) Held() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]string, 0, len(o.held))
	for u := range o.held {
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}

func (o *Ownership) tick() error {
	now := time.Now()
	if err := o.Store.Heartbeat(o.Instance, o.Info); err != nil {
		if now.Sub(o.lastOK) > o.Store.TTL()*2/3 && len(o.held) > 0 {
			o.Logger.Warn("lease lost: cannot reach the cluster bucket; stopping every partition", "instance", o.Instance, "err", err)
			for _, u := range o.Held() {
				o.stop(u, false)
			}
		}
		return nil
	}
	o.lastOK = now
	members, err := o.Store.Members()
	if err != nil {
		return nil // retried at the next tick
	}
	if !slices.Contains(members, o.Instance) {
		members = append(members, o.Instance)
	}
	want := Assign(members, o.Units)
	value, _ := json.Marshal(leaseValue{Owner: o.Instance, Since: now.UTC().Format("2006-01-02T15:04:05.000Z")})

	// Keep or give up what is held.
	for _, u := range o.Held() {
		if want[u] != o.Instance {
			o.stop(u, true)
			continue
		}
		o.mu.Lock()
		rev := o.held[u]
		o.mu.Unlock()
		nrev, err := o.Store.Renew(u, value, rev)
		switch {
		case err == nil:
			o.mu.Lock()
			o.held[u] = nrev
			o.mu.Unlock()
		case isLeaseLost(err):
			o.Logger.Warn("lease lost", "unit", u, "instance", o.Instance)
			o.stop(u, false)
		}
	}
	// Take what is assigned here and free.
	for _, u := range o.Units {
		if want[u] != o.Instance {
			continue
		}
		o.mu.Lock()
		_, held := o.held[u]
		o.mu.Unlock()
		if held {
			continue
		}
		rev, err := o.Store.Acquire(u, value)
		if err != nil {
			continue // still held by its previous owner, or unreachable: next tick
		}
		o.mu.Lock()
		o.held[u] = rev
		o.mu.Unlock()
		o.Logger.Info("partition acquired", "unit", u, "instance", o.Instance)
		if err := o.Start(u); err != nil {
			o.stop(u, true)
			return err
		}
	}
	return nil
}

// stop ends a unit and, when release is set (the lease is still ours),
// gives its lease up for the next owner.
func (o *Ownership) stop(u string, release bool) {
	o.Stop(u)
	o.mu.Lock()
	rev := o.held[u]
	delete(o.held, u)
	o.mu.Unlock()
	if release {
		if err := o.Store.Release(u, rev); err != nil && !isLeaseLost(err) {
			o.Logger.Warn("releasing lease", "unit", u, "err", err)
		}
		o.Logger.Info("partition released", "unit", u, "instance", o.Instance)
	}
}

// handOver stops and releases every held unit and leaves the cluster.
func (o *Ownership) handOver() {
	for _, u := range o.Held() {
		o.stop(u, true)
	}
	if err := o.Store.Leave(o.Instance); err != nil {
		o.Logger.Warn("leaving the cluster", "instance", o.Instance, "err", err)
	}
}

func isLeaseLost(err error) bool { return errors.Is(err, transport.ErrLeaseLost) }

// Assign maps every unit to one member: units in name order, each to the
// member ranked first for it by rendezvous hashing among those still
// below their share (⌊units/members⌋, or one more for the first
// units mod members members to reach it). Every instance computes the same
// map from the same member list; shares differ by at most one.
func Assign(members, units []string) map[string]string {
	out := make(map[string]string, len(units))
	if len(members) == 0 {
		return out
	}
	ms := slices.Clone(members)
	slices.Sort(ms)
	us := slices.Clone(units)
	slices.Sort(us)
	base, extra := len(us)/len(ms), len(us)%len(ms) // extra members get base+1
	count := make(map[string]int, len(ms))
	for _, u := range us {
		best, bestScore := "", uint64(0)
		for _, m := range ms {
			if count[m] > base || count[m] == base && extra == 0 {
				continue
			}
			if s := rendezvous(m, u); best == "" || s > bestScore {
				best, bestScore = m, s
			}
		}
		out[u] = best
		count[best]++
		if count[best] == base+1 {
			extra--
		}
	}
	return out
}

func rendezvous(member, unit string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(member))
	h.Write([]byte{0})
	h.Write([]byte(unit))
	x := h.Sum64()
	// FNV's low bits mix poorly on short keys: finish with a 64-bit mixer.
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	return x
}
