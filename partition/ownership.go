package partition

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
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
//   - a renewer renews the member key and every lease every TTL/3, on its
//     own goroutine, so that slow starts and stops never delay renewals;
//   - a lease not renewed for 2/3 of the TTL (refused: it expired or
//     another instance holds it; or the store is unreachable) makes the
//     renewer stop its unit at once — before the TTL is up, so before any
//     other instance can acquire it;
//   - every TTL/3 the assignment is recomputed: a unit assigned elsewhere
//     is stopped (its state checkpointed), then its lease released, so the
//     new owner takes it at its next tick; a unit assigned here and free is
//     acquired and started;
//   - a dead instance's keys expire after the TTL and its units move.
//
// Stop may be called for a unit more than once, concurrently: it must
// return only once the unit has stopped.
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

	leaseMu sync.Mutex // serializes the KV operations on leases
	mu      sync.Mutex // guards held
	held    map[string]*lease
	settled atomic.Bool // a tick has made a whole pass over the assignment (Settled)
}

// lease is a held lease: its revision and when it was last renewed.
type lease struct {
	rev     uint64
	renewed time.Time
	lost    bool // stopped by the renewer; to be forgotten by the next tick
}

// LeaseValue is what a lease key holds (read by `velort status`).
type LeaseValue struct {
	Owner string `json:"owner"`
	Since string `json:"since"`
}

// Run takes and gives up units until ctx is done, then stops every unit it
// holds, releases the leases and leaves. It returns Start's first error.
func (o *Ownership) Run(ctx context.Context) error {
	o.held = map[string]*lease{}
	period := max(o.Store.TTL()/3, 50*time.Millisecond)
	rctx, stopRenewer := context.WithCancel(context.Background())
	renewerDone := make(chan struct{})
	go func() { defer close(renewerDone); o.renewer(rctx, period) }()
	watchdogDone := make(chan struct{})
	go func() { defer close(watchdogDone); o.watchdog(rctx, period) }()
	defer func() { <-watchdogDone }()
	defer func() { stopRenewer(); <-renewerDone }()
	tick := time.NewTicker(period)
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
	l, ok := o.held[unit]
	var rev uint64
	if ok && !l.lost {
		rev = l.rev
	}
	o.mu.Unlock()
	if rev == 0 {
		return false, nil
	}
	return o.Store.Holds(unit, rev)
}

// Settled reports whether Run has made its first pass over the
// assignment: each unit assigned to this instance was acquired and
// started, or found held elsewhere. Until then Held lists only the units
// taken so far, so "every held unit runs" does not yet mean the
// instance's share runs (a record published for a unit not yet taken is
// not received).
func (o *Ownership) Settled() bool { return o.settled.Load() }

// Held lists the units this instance holds, sorted.
func (o *Ownership) Held() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]string, 0, len(o.held))
	for u, l := range o.held {
		if !l.lost {
			out = append(out, u)
		}
	}
	slices.Sort(out)
	return out
}

func (o *Ownership) value() []byte {
	v, _ := json.Marshal(LeaseValue{Owner: o.Instance, Since: time.Now().UTC().Format("2006-01-02T15:04:05.000Z")})
	return v
}

// renewer renews the member key and the leases every period; a lease
// found lost (expired, or held by another) stops its unit at once.
func (o *Ownership) renewer(ctx context.Context, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_ = o.Store.Heartbeat(o.Instance, o.Info) // failures show as unrenewed leases
		value := o.value()
		for _, u := range o.Held() {
			o.leaseMu.Lock()
			l, rev, live := o.liveLease(u, false)
			if !live {
				o.leaseMu.Unlock()
				continue
			}
			rev, err := o.Store.Renew(u, value, rev)
			o.mu.Lock()
			if err == nil && !l.lost {
				l.rev, l.renewed = rev, time.Now()
			}
			o.mu.Unlock()
			o.leaseMu.Unlock()
			if isLeaseLost(err) {
				o.lose(u, err)
			}
		}
	}
}

// watchdog stops every unit whose lease has not been renewed for 2/3 of
// the TTL (the store unreachable or slow): before the TTL is up, so before
// another instance can acquire it. It runs apart from the renewer, whose
// calls may hang until they time out.
func (o *Ownership) watchdog(ctx context.Context, period time.Duration) {
	t := time.NewTicker(period / 4)
	defer t.Stop()
	limit := o.Store.TTL() * 2 / 3
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var late []string
		o.mu.Lock()
		for u, l := range o.held {
			if !l.lost && time.Since(l.renewed) > limit {
				late = append(late, u)
			}
		}
		o.mu.Unlock()
		for _, u := range late {
			o.lose(u, errors.New("not renewed for 2/3 of the lease TTL"))
		}
	}
}

// lose marks a unit's lease lost and stops the unit at once; the next tick
// forgets it.
func (o *Ownership) lose(u string, why error) {
	o.mu.Lock()
	l := o.held[u]
	already := l == nil || l.lost
	if !already {
		l.lost = true
	}
	o.mu.Unlock()
	if already {
		return
	}
	o.Logger.Warn("lease lost", "unit", u, "instance", o.Instance, "err", why)
	go o.Stop(u)
}

func (o *Ownership) tick() error {
	// Forget units the renewer gave up (waiting for them to stop).
	o.mu.Lock()
	var lost []string
	for u, l := range o.held {
		if l.lost {
			lost = append(lost, u)
		}
	}
	o.mu.Unlock()
	for _, u := range lost {
		o.Stop(u)
		o.mu.Lock()
		delete(o.held, u)
		o.mu.Unlock()
	}
	if err := o.Store.Heartbeat(o.Instance, o.Info); err != nil {
		return nil // unreachable: the renewer stops what it cannot renew
	}
	members, err := o.Store.Members()
	if err != nil {
		return nil // retried at the next tick
	}
	if !slices.Contains(members, o.Instance) {
		members = append(members, o.Instance)
	}
	want := Assign(members, o.Units)
	// Give up what is assigned elsewhere.
	var away []string
	for _, u := range o.Held() {
		if want[u] != o.Instance {
			away = append(away, u)
		}
	}
	o.stopAll(away)
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
		o.leaseMu.Lock()
		rev, err := o.Store.Acquire(u, o.value())
		if err == nil {
			o.mu.Lock()
			o.held[u] = &lease{rev: rev, renewed: time.Now()}
			o.mu.Unlock()
		}
		o.leaseMu.Unlock()
		if err != nil {
			continue // still held by its previous owner, or unreachable: next tick
		}
		o.Logger.Info("partition acquired", "unit", u, "instance", o.Instance)
		if err := o.Start(u); err != nil {
			o.stop(u)
			return err
		}
	}
	o.settled.Store(true)
	return nil
}

// liveLease returns u's lease and its revision, and whether it is still
// held (not lost); with forget set, u is dropped from the held set too.
func (o *Ownership) liveLease(u string, forget bool) (l *lease, rev uint64, live bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	l = o.held[u]
	if forget {
		delete(o.held, u)
	}
	if l == nil || l.lost {
		return l, 0, false
	}
	return l, l.rev, true
}

// stop ends a unit and gives its lease up for the next owner (unless the
// renewer found it lost meanwhile).
func (o *Ownership) stop(u string) {
	o.Stop(u)
	o.leaseMu.Lock()
	_, rev, release := o.liveLease(u, true)
	if release {
		switch err := o.Store.Release(u, rev); {
		case err == nil:
			o.Logger.Info("partition released", "unit", u, "instance", o.Instance)
		case isLeaseLost(err):
			o.Logger.Warn("lease lost before its release", "unit", u, "instance", o.Instance)
		default:
			o.Logger.Warn("releasing lease (it expires after the TTL)", "unit", u, "instance", o.Instance, "err", err)
		}
	}
	o.leaseMu.Unlock()
}

// stopAll stops and releases units all at once: each stop waits for its
// unit's checkpoint, and the renewer keeps the others' leases meanwhile.
func (o *Ownership) stopAll(units []string) {
	var wg sync.WaitGroup
	for _, u := range units {
		wg.Add(1)
		go func() { defer wg.Done(); o.stop(u) }()
	}
	wg.Wait()
}

// handOver stops and releases every held unit and leaves the cluster.
func (o *Ownership) handOver() {
	o.mu.Lock()
	all := make([]string, 0, len(o.held))
	for u := range o.held {
		all = append(all, u)
	}
	o.mu.Unlock()
	o.stopAll(all)
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
