package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/nats-io/nats.go"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/transport"
)

// InstanceStatus is a member key's value (Member, written by Run)
// and the number of leases the instance holds.
type InstanceStatus struct {
	Member
	Partitions int `json:"partitions"`
}

// PartitionStatus is one (query, partition); nil fields are unknown.
type PartitionStatus struct {
	Query           string   `json:"query"`
	Partition       int      `json:"partition"`
	Owner           string   `json:"owner"` // "" when no lease
	OwnerSince      string   `json:"owner_since,omitempty"`
	Stream          string   `json:"stream,omitempty"`
	Lag             *uint64  `json:"lag"`
	AckPending      *uint64  `json:"ack_pending"`
	CheckpointSeq   *uint64  `json:"checkpoint_seq"`
	CheckpointSaved string   `json:"checkpoint_saved,omitempty"`
	CheckpointAge   *float64 `json:"checkpoint_age_s"`
}

// ClusterStatus is what `velort status` shows.
type ClusterStatus struct {
	Instances  []InstanceStatus   `json:"instances"`
	Partitions []*PartitionStatus `json:"partitions"`
	NoCluster  bool               `json:"-"` // the velort_cluster bucket does not exist
}

type partKey struct {
	query string
	part  int
}

type statusReader struct {
	log   *slog.Logger
	js    jetstream.JetStream
	conn  *transport.Conn
	st    ClusterStatus
	parts map[partKey]*PartitionStatus
}

// ReadStatus reads, from the NATS server alone, the instances sharing
// partitions (the cluster bucket), the checkpoints and the velort consumers
// of every stream: `velort status`. log gets warnings about unreadable
// entries (nil: slog.Default()).
func ReadStatus(ctx context.Context, nc *nats.Conn, log *slog.Logger) (*ClusterStatus, error) {
	if log == nil {
		log = slog.Default()
	}
	return gatherStatus(ctx, &transport.Conn{NC: nc}, log)
}

func gatherStatus(ctx context.Context, conn *transport.Conn, log *slog.Logger) (*ClusterStatus, error) {
	js, err := jetstream.New(conn.NC)
	if err != nil {
		return nil, err
	}
	r := &statusReader{js: js, conn: conn, log: log, parts: map[partKey]*PartitionStatus{}}
	r.st.Instances = []InstanceStatus{}
	if _, err := js.AccountInfo(ctx); errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) {
		r.st.NoCluster, r.st.Partitions = true, []*PartitionStatus{}
		return &r.st, nil // velort keeps no state without JetStream
	} else if err != nil {
		return nil, fmt.Errorf("JetStream account info: %w", err)
	}
	for _, read := range []func(context.Context) error{r.cluster, r.checkpoints, r.consumers} {
		if err := read(ctx); err != nil {
			return nil, err
		}
	}
	r.st.Partitions = make([]*PartitionStatus, 0, len(r.parts))
	for _, p := range r.parts {
		r.st.Partitions = append(r.st.Partitions, p)
	}
	slices.SortFunc(r.st.Partitions, func(a, b *PartitionStatus) int {
		return cmp.Or(strings.Compare(a.Query, b.Query), cmp.Compare(a.Partition, b.Partition))
	})
	for i := range r.st.Instances {
		for _, p := range r.st.Partitions {
			if p.Owner == r.st.Instances[i].Instance {
				r.st.Instances[i].Partitions++
			}
		}
	}
	slices.SortFunc(r.st.Instances, func(a, b InstanceStatus) int { return strings.Compare(a.Instance, b.Instance) })
	return &r.st, nil
}

func (r *statusReader) part(query string, p int) *PartitionStatus {
	k := partKey{query, p}
	if r.parts[k] == nil {
		r.parts[k] = &PartitionStatus{Query: query, Partition: p}
	}
	return r.parts[k]
}

// keys lists a KV bucket's keys; nil (and ok false) if the bucket does not exist.
func (r *statusReader) keys(ctx context.Context, bucket string) (jetstream.KeyValue, []string, bool, error) {
	kv, err := r.js.KeyValue(ctx, bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, fmt.Errorf("KV bucket %s: %w", bucket, err)
	}
	keys, err := kv.Keys(ctx)
	if err != nil && !errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, nil, true, fmt.Errorf("listing KV bucket %s: %w", bucket, err)
	}
	return kv, keys, true, nil
}

func (r *statusReader) cluster(ctx context.Context) error {
	kv, keys, ok, err := r.keys(ctx, transport.ClusterBucket)
	r.st.NoCluster = !ok
	if err != nil || !ok {
		return err
	}
	for _, key := range keys {
		e, err := kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue // expired meanwhile
		} else if err != nil {
			return fmt.Errorf("KV %s %s: %w", transport.ClusterBucket, key, err)
		}
		if name, ok := strings.CutPrefix(key, "member."); ok {
			var m InstanceStatus
			if err := json.Unmarshal(e.Value(), &m.Member); err != nil {
				r.log.Warn("unreadable member entry", "key", key, "err", err)
			}
			m.Instance = name
			r.st.Instances = append(r.st.Instances, m)
		} else if qp, ok := strings.CutPrefix(key, "lease."); ok {
			q, p, ok := splitQueryPart(qp, '.')
			if !ok {
				continue
			}
			var l partition.LeaseValue
			if err := json.Unmarshal(e.Value(), &l); err != nil {
				r.log.Warn("unreadable lease entry", "key", key, "err", err)
			}
			ps := r.part(q, p)
			ps.Owner, ps.OwnerSince = l.Owner, l.Since
		}
	}
	return nil
}

func (r *statusReader) checkpoints(ctx context.Context) error {
	_, keys, ok, err := r.keys(ctx, transport.CheckpointBucket)
	if err != nil || !ok {
		return err
	}
	blobs, err := r.conn.OpenBlobs(transport.CheckpointBucket)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, key := range keys {
		q, p, ok := splitQueryPart(key, '.')
		if !ok || isChunkKey(key) {
			continue
		}
		b, err := blobs.Get(key)
		if err != nil || b == nil {
			r.log.Warn("unreadable checkpoint", "key", key, "err", err)
			continue
		}
		seq, savedMs, err := partition.CheckpointInfo(b)
		if err != nil {
			r.log.Warn("unreadable checkpoint", "key", key, "err", err)
			continue
		}
		ps := r.part(q, p)
		age := float64(now.UnixMilli()-savedMs) / 1000
		ps.CheckpointSeq, ps.CheckpointAge = &seq, &age
		ps.CheckpointSaved = rfc3339Millis(savedMs)
	}
	return nil
}

// consumers reads the lag of the durable consumers velort_<query>_<partition>
// (one per source stream of the query).
func (r *statusReader) consumers(ctx context.Context) error {
	streams := r.js.StreamNames(ctx)
	for name := range streams.Name() {
		s, err := r.js.Stream(ctx, name)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			continue // deleted meanwhile
		} else if err != nil {
			return fmt.Errorf("stream %s: %w", name, err)
		}
		cl := s.ListConsumers(ctx)
		for ci := range cl.Info() {
			qp, ok := strings.CutPrefix(ci.Name, "velort_")
			q, p, ok2 := splitQueryPart(qp, '_')
			if !ok || !ok2 {
				continue
			}
			ps := r.part(q, p)
			ps.Stream = strings.TrimPrefix(ps.Stream+","+name, ",")
			lag, ack := ci.NumPending, uint64(ci.NumAckPending)
			if ps.Lag != nil {
				lag, ack = lag+*ps.Lag, ack+*ps.AckPending
			}
			ps.Lag, ps.AckPending = &lag, &ack
		}
		if err := cl.Err(); err != nil {
			return fmt.Errorf("consumers of stream %s: %w", name, err)
		}
	}
	if err := streams.Err(); err != nil {
		return fmt.Errorf("listing streams: %w", err)
	}
	return nil
}

// splitQueryPart splits "<query><sep><partition>" at the last sep.
func splitQueryPart(s string, sep byte) (string, int, bool) {
	i := strings.LastIndexByte(s, sep)
	if i <= 0 {
		return "", 0, false
	}
	p, err := strconv.Atoi(s[i+1:])
	return s[:i], p, err == nil && p >= 0
}

// isChunkKey reports a transport.Blobs chunk key: <key>.a.<i> or <key>.b.<i>.
func isChunkKey(key string) bool {
	rest, _, ok := splitQueryPart(key, '.')
	return ok && (strings.HasSuffix(rest, ".a") || strings.HasSuffix(rest, ".b"))
}

func rfc3339Millis(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}
