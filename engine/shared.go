package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/planner"
	"github.com/velort/velort/transport"
)

// openLeases returns the cluster bucket when this run shares its
// partitions with other instances: against an external server, not
// replaying (a replay is one process's finite job), with --lease-ttl > 0
// and JetStream available. nil means every partition runs here.
func openLeases(log *slog.Logger, conn *transport.Conn, ttl time.Duration, replay, embedded bool) (*transport.Leases, error) {
	if replay || embedded || ttl <= 0 {
		return nil, nil
	}
	l, err := conn.OpenLeases(ttl)
	if err != nil && isNoJetStream(err) {
		log.Warn("the server has no JetStream: partitions are not shared; this instance runs all of them", "err", err)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if l.TTL() != ttl {
		log.Warn("the cluster bucket's lease TTL differs from --lease-ttl; using the bucket's", "bucket_ttl", l.TTL(), "lease_ttl", ttl)
	}
	return l, nil
}

func isNoJetStream(err error) bool {
	return errors.Is(err, nats.ErrJetStreamNotEnabled) || errors.Is(err, nats.ErrJetStreamNotEnabledForAccount) ||
		errors.Is(err, nats.ErrNoResponders)
}

// Member is what an instance's member key in the cluster bucket holds (read by ReadStatus).
type Member struct {
	Instance string `json:"instance"`
	Host     string `json:"host"`
	PID      int    `json:"pid"`
	File     string `json:"file"`
	Started  string `json:"started"`
}

// newShared makes the ownership of this instance's share of units: a unit
// is built, subscribed (restoring its checkpoint and resuming its durable
// consumer) and run when its lease is acquired, and stopped (checkpointing)
// when it is given up.
func newShared(log *slog.Logger, pl *planner.Plan, b *unitBuilder, running *loopSet, leases *transport.Leases, instance, file string, errs chan<- error) *partition.Ownership {
	host, _ := os.Hostname()
	info, _ := json.Marshal(Member{Instance: instance, Host: host, PID: os.Getpid(), File: file,
		Started: time.Now().UTC().Format("2006-01-02T15:04:05.000Z")})
	refs := planUnits(pl)
	var mu sync.Mutex
	live := map[string]*unit{}
	return &partition.Ownership{
		Store: leases, Instance: instance, Info: info, Units: slices.Sorted(maps.Keys(refs)), Logger: log,
		Start: func(name string) error {
			r, ok := refs[name]
			if !ok {
				return fmt.Errorf("unit %s: no such query partition", name)
			}
			u, err := b.build(r.q, r.p)
			if err != nil {
				return err
			}
			mu.Lock()
			live[name] = u
			mu.Unlock()
			running.add(u.loops...)
			u.run(context.Background(), errs)
			return nil
		},
		Stop: func(name string) { // idempotent; every caller returns once the unit has stopped
			mu.Lock()
			u := live[name]
			mu.Unlock()
			if u == nil {
				return
			}
			u.stopOnce.Do(u.stop)
			mu.Lock()
			if live[name] == u {
				delete(live, name)
			}
			mu.Unlock()
			running.remove(u.loops...)
		},
	}
}
