package engine

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/planner"
	"github.com/velort/velort/transport"
)

// checkpoints attaches partition loops to their sources and, for stateful
// queries over JetStream sources, wires operator-state checkpoints: each
// (query, partition) saves its state to the KV bucket velort_checkpoints
// under <query>.<partition>, and on start restores it and resumes its
// consumer right after the input the checkpoint reflects.
type checkpoints struct {
	conn     *transport.Conn
	interval time.Duration // <= 0: no checkpoints
	// fence, when partitions are shared, says whether this instance still
	// holds the lease of a checkpoint's (query, partition): a checkpoint
	// from an instance that lost it is refused, never stored over its
	// successor's.
	fence func(key string) (bool, error)

	once  sync.Once
	blobs *transport.Blobs
	err   error
}

func newCheckpoints(conn *transport.Conn, interval time.Duration) *checkpoints {
	return &checkpoints{conn: conn, interval: interval}
}

// subscribe attaches loop l (query q, source partition p) to its source:
// a core subscription, or a durable JetStream consumer starting after the
// restored checkpoint, else after the consumer's acknowledged floor.
func (c *checkpoints) subscribe(l *partition.Loop, q *planner.Query, p int) error {
	s := q.Source
	if _, _, join := twoStreams(q); join && s.JetStream != "" {
		return c.subscribeJoin(l, q, p) // both streams' consumers (regular_join.go)
	}
	if s.JetStream == "" {
		if err := c.handover(l, q, p); err != nil {
			return err
		}
		return l.Subscribe()
	}
	o := transport.ConsumerOptions{StartLatest: s.Start == "latest", AckWait: ackWaitFor(c.interval)}
	if c.interval > 0 && l.EnableCheckpoints(c, checkpointKey(q.Name, p), c.interval) {
		seq, found, err := l.RestoreCheckpoint()
		if err != nil {
			return err
		}
		if found {
			o.StartSeq = seq + 1
		}
	}
	sub, err := c.conn.DurableConsumerWith(s.JetStream, fmt.Sprintf("velort_%s_%d", q.Name, p), s.PartitionSubject(p), o)
	if err != nil {
		return err
	}
	return l.SubscribePull(sub)
}

// handover carries the state of a stateful query over a core NATS source
// from one instance to the next when partitions are shared: saved when the
// partition is given up (never periodically), restored and deleted when it
// is taken. After a crash there is none to restore: the new owner starts
// afresh, as a core NATS source is at most once anyway. (A periodic
// checkpoint restored after a crash would reopen windows already emitted.)
func (c *checkpoints) handover(l *partition.Loop, q *planner.Query, p int) error {
	key := checkpointKey(q.Name, p)
	if c.fence == nil || !l.EnableCheckpoints(c, key, time.Duration(math.MaxInt64)) {
		return nil
	}
	_, found, err := l.RestoreCheckpoint()
	if err != nil || !found {
		return err
	}
	b, err := c.bucket()
	if err != nil {
		return err
	}
	return b.Delete(key)
}

// Put and Get make checkpoints a partition.CheckpointStore that opens the
// bucket on first use (only queries that checkpoint need it).
func (c *checkpoints) Put(key string, value []byte) error {
	if c.fence != nil {
		held, err := c.fence(key)
		if err != nil {
			return err
		}
		if !held {
			return fmt.Errorf("checkpoint %s refused: this instance no longer owns the partition", key)
		}
	}
	b, err := c.bucket()
	if err != nil {
		return err
	}
	return b.Put(key, value)
}

func (c *checkpoints) Get(key string) ([]byte, error) {
	b, err := c.bucket()
	if err != nil {
		return nil, err
	}
	return b.Get(key)
}

func (c *checkpoints) bucket() (*transport.Blobs, error) {
	c.once.Do(func() { c.blobs, c.err = c.conn.OpenBlobs(transport.CheckpointBucket) })
	return c.blobs, c.err
}

// ackWaitFor sizes the consumers' ack wait to the checkpoint interval, so
// inputs waiting for the next checkpoint are not redelivered.
func ackWaitFor(interval time.Duration) time.Duration {
	return max(time.Minute, 4*interval)
}

// checkpointKey is <query>.<partition>, with characters a KV key cannot
// hold replaced by '_'.
func checkpointKey(query string, p int) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '=':
			return r
		}
		return '_'
	}, query)
	return fmt.Sprintf("%s.%d", clean, p)
}
