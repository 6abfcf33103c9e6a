package transport

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// ClusterBucket is the JetStream KV bucket through which the instances of
// `velort run` that share a SQL file find each other and own partitions:
// member.<instance> keys say who is alive, lease.<name> keys who owns
// what. The bucket's TTL is the lease TTL, so the keys of an instance that
// stops renewing them disappear on their own.
const ClusterBucket = "velort_cluster"

// ErrLeaseHeld is returned by Acquire when another instance holds the lease.
var ErrLeaseHeld = errors.New("lease held by another instance")

// ErrLeaseLost is returned by Renew and Release when the lease is no longer
// the one the caller holds (it expired, or another instance acquired it).
var ErrLeaseLost = errors.New("lease lost")

// Leases is the cluster bucket: members and leases with a TTL.
type Leases struct {
	kv  nats.KeyValue
	ttl time.Duration
}

// OpenLeases binds the cluster bucket, creating it with the given TTL if
// missing. An existing bucket keeps its TTL (every instance must use the
// same one); TTL reports it.
func (c *Conn) OpenLeases(ttl time.Duration) (*Leases, error) {
	replicas := 1
	if len(c.NC.Servers()) >= 3 { // a cluster: survive the loss of a server
		replicas = 3
	}
	kv, err := c.KeyValue(nats.KeyValueConfig{
		Bucket: ClusterBucket, History: 1, TTL: ttl, Storage: nats.FileStorage, Replicas: replicas,
		Description: "velort instances and partition leases",
	})
	if err != nil {
		return nil, fmt.Errorf("KV bucket %s: %w", ClusterBucket, err)
	}
	st, err := kv.Status()
	if err != nil {
		return nil, fmt.Errorf("KV bucket %s: %w", ClusterBucket, err)
	}
	return &Leases{kv: kv, ttl: st.TTL()}, nil
}

// TTL is how long a member or lease key lives without renewal.
func (l *Leases) TTL() time.Duration { return l.ttl }

// Heartbeat writes (or renews) member.<instance>.
func (l *Leases) Heartbeat(instance string, info []byte) error {
	_, err := l.kv.Put("member."+instance, info)
	return err
}

// Leave removes member.<instance> at once (instead of at its expiry).
func (l *Leases) Leave(instance string) error {
	return l.kv.Delete("member." + instance)
}

// Members lists the live instances (their member keys).
func (l *Leases) Members() ([]string, error) {
	return l.list("member.")
}

// Entries returns every live key with the given prefix and its value.
func (l *Leases) Entries(prefix string) (map[string][]byte, error) {
	w, err := l.kv.Watch(prefix+">", nats.IgnoreDeletes())
	if err != nil {
		return nil, err
	}
	defer w.Stop()
	out := map[string][]byte{}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e := <-w.Updates():
			if e == nil {
				return out, nil
			}
			out[strings.TrimPrefix(e.Key(), prefix)] = e.Value()
		case <-timeout:
			return nil, fmt.Errorf("listing %s%s: timed out", ClusterBucket, prefix)
		}
	}
}

func (l *Leases) list(prefix string) ([]string, error) {
	m, err := l.Entries(prefix)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out, nil
}

// Acquire creates lease.<name> holding value if no live lease exists and
// returns its revision; ErrLeaseHeld if one does.
func (l *Leases) Acquire(name string, value []byte) (uint64, error) {
	rev, err := l.kv.Create("lease."+name, value)
	if errors.Is(err, nats.ErrKeyExists) {
		return 0, ErrLeaseHeld
	}
	return rev, err
}

// Renew rewrites lease.<name> if its revision is still rev, restarting its
// TTL, and returns the new revision; ErrLeaseLost otherwise.
func (l *Leases) Renew(name string, value []byte, rev uint64) (uint64, error) {
	n, err := l.kv.Update("lease."+name, value, rev)
	if isRevisionConflict(err) {
		return 0, ErrLeaseLost
	}
	return n, err
}

// Holds reports whether lease.<name> is still at revision rev: the check a
// lease holder makes before a write that a successor must never see from
// it (a checkpoint).
func (l *Leases) Holds(name string, rev uint64) (bool, error) {
	e, err := l.kv.Get("lease." + name)
	if errors.Is(err, nats.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return e.Revision() == rev, nil
}

// Release deletes lease.<name> if its revision is still rev.
func (l *Leases) Release(name string, rev uint64) error {
	err := l.kv.Delete("lease."+name, nats.LastRevision(rev))
	if isRevisionConflict(err) {
		return ErrLeaseLost
	}
	return err
}

// isRevisionConflict: the key's last revision is not the expected one
// (JetStream's "wrong last sequence"), or the key is gone.
func isRevisionConflict(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, nats.ErrKeyNotFound) || errors.Is(err, nats.ErrKeyDeleted) || errors.Is(err, nats.ErrKeyExists) {
		return true
	}
	var apiErr *nats.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == nats.JSErrCodeStreamWrongLastSequence
}
