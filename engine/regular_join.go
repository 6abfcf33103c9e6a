package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/planner"
	velrt "github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
)

// regularJoined makes cfg, partition p of query q, read both streams of a
// regular join over changelogs, and returns the stream other than q's
// source that the loop consumes (nil for a self-join or no such join).
func (b *unitBuilder) regularJoined(q *planner.Query, p int, cfg *partition.Config) *planner.Stream {
	left, right, ok := q.RegularJoin()
	if !ok {
		return nil
	}
	j := &partition.Joined{Side: velrt.LeftSide, Schema: right.Columns, Read: q.SideRead(velrt.RightSide), Regular: true,
		Changelog: [2]bool{left.Changelog, right.Changelog}, ChangelogKey: [2][]int{q.RegularJoinKeyCols(velrt.LeftSide), q.RegularJoinKeyCols(velrt.RightSide)}}
	other := right
	if right == q.Source && left != q.Source {
		j.Side, j.Schema, j.Read, other = velrt.RightSide, left.Columns, q.SideRead(velrt.LeftSide), left
	}
	cfg.Joined = j
	if other == q.Source {
		return nil
	}
	if b.pl.SourceTable(other) != nil {
		// A KV table's changelog, fed whole to this partition's loop on a
		// subject of its own (build adds the feed): its contents, then
		// each change; in a --replay run one end of input after the
		// contents.
		j.Subject = other.Subject + "." + strings.TrimPrefix(nats.NewInbox(), nats.InboxPrefix)
		if b.replay {
			cfg.EOFWriters++
			j.OtherEOFWriters = 1
		}
		return other
	}
	j.Subject = other.PartitionSubject(p)
	if b.replay {
		cfg.EOFWriters += b.writers[other]
		j.OtherEOFWriters = b.writers[other]
	}
	return other
}

// twoStreams is the left and right stream of q's regular or interval
// join (the same stream for a self-join).
func twoStreams(q *planner.Query) (left, right *planner.Stream, ok bool) {
	if left, right, ok = q.RegularJoin(); ok {
		return left, right, true
	}
	left, right, _, _, ok = q.IntervalJoin()
	return left, right, ok
}

// subscribeJoin attaches partition p of a regular or interval join over
// JetStream streams to a durable consumer of each stream (one for a
// self-join): its checkpoint, restored first, holds both sides' state and
// each stream's last input, and each consumer starts right after it.
func (c *checkpoints) subscribeJoin(l *partition.Loop, q *planner.Query, p int) error {
	left, right, _ := twoStreams(q)
	other := right
	if right == q.Source && left != q.Source {
		other = left
	}
	if q.Sink.Materialized != nil {
		return fmt.Errorf("query %s: a join over JetStream streams keeps its state in checkpoints, and a materialized table (CREATE TABLE … AS SELECT) lives in memory without them: write the join into a stream (CREATE STREAM … WITH (jetstream = '…') AS SELECT), or read both sides from core NATS", q.Name)
	}
	if c.interval <= 0 || !l.EnableCheckpoints(c, checkpointKey(q.Name, p), c.interval) {
		return fmt.Errorf("query %s: a join over JetStream streams keeps its state in checkpoints: expected --checkpoint-interval > 0 and aggregates that can be checkpointed (no WebAssembly aggregates after the join)", q.Name)
	}
	_, found, err := l.RestoreCheckpoint()
	if err != nil {
		return err
	}
	ownSeq, otherSeq := l.JoinedResume()
	consumer := func(s *planner.Stream, name string, last uint64) (*nats.Subscription, error) {
		o := transport.ConsumerOptions{StartLatest: s.Start == "latest", AckWait: ackWaitFor(c.interval)}
		if found {
			o.StartSeq = last + 1
		}
		return c.conn.DurableConsumerWith(s.JetStream, name, s.PartitionSubject(p), o)
	}
	own, err := consumer(q.Source, fmt.Sprintf("velort_%s_%d", q.Name, p), ownSeq)
	if err != nil {
		return err
	}
	var oth *nats.Subscription
	if other != q.Source {
		if oth, err = consumer(other, fmt.Sprintf("velort_%s_%d_join", q.Name, p), otherSeq); err != nil {
			return err
		}
	}
	return l.SubscribeJoinedPull(own, oth)
}

// regularForwards builds, for partition p of a regular join, the loops
// repartitioning a side that is not partitioned by its join column into
// the query's partitions (planner: RegularJoinForward): one per partition
// src of that side's stream with src % partitions == p, forwarding each
// record to the join partition its join key hashes to. It points cfg, the
// join loop's configuration, at the forwarded subjects of such sides.
func (b *unitBuilder) regularForwards(u *unit, q *planner.Query, p int, cfg *partition.Config) error {
	left, right, ok := q.RegularJoin()
	if !ok || cfg.Joined == nil {
		return nil
	}
	n := q.Source.Partitions
	streams := [2]*planner.Stream{left, right}
	var repart [2]bool
	var keys [2]velrt.Expr
	insts := planner.NewInstances(context.Background()) // for UDFs in a join key
	u.insts = append(u.insts, insts)
	for s := range streams {
		var err error
		if keys[s], repart[s], err = q.RegularJoinForward(s, insts); err != nil {
			return fmt.Errorf("query %s: %w", q.Name, err)
		}
	}
	if !repart[0] && !repart[1] {
		return nil
	}
	j := cfg.Joined
	own := j.Side
	writers := [2]int{}
	for s, st := range streams {
		subject := st.PartitionSubject(p)
		writers[s] = b.writers[st]
		if repart[s] {
			subject = q.RegularJoinForwardWildcard(s, p)
			writers[s] = st.Partitions
			j.Forwarded[s] = st.Changelog
		}
		if s == own {
			cfg.Subject = subject
		} else {
			j.Subject = subject
		}
	}
	if left == right { // a self-join read through two forwards is a join of two inputs
		j.Schema, j.Read = left.Columns, q.SideRead(1-own)
	}
	if b.replay {
		cfg.EOFWriters = writers[0] + writers[1]
		j.OtherEOFWriters = writers[1-own]
	}
	for s, st := range streams {
		if !repart[s] {
			continue
		}
		for src := p; src < st.Partitions; src += n {
			fwd := &partition.Forward{Keys: []velrt.Expr{keys[s]}}
			for t := 0; t < n; t++ {
				fwd.Subjects = append(fwd.Subjects, q.RegularJoinForwardSubject(s, t, src))
			}
			fc := partition.Config{
				Query: q.Name, Partition: src, Subject: st.PartitionSubject(src), Schema: st.Columns, Read: q.SideRead(s),
				TimeIdx: -1, DLQ: st.DLQ, Pipeline: velrt.NewPipeline(nil, nil, nil, nil), Forward: fwd, Replay: b.replay,
				Logger: cfg.Logger, IntakeMessages: b.intakeMessages, IntakeBytes: b.intakeBytes, MaxValueBytes: cfg.MaxValueBytes,
				Changelog: st.Changelog, ChangelogKey: q.RegularJoinKeyCols(s),
			}
			if b.replay {
				fc.EOFWriters = b.writers[st]
			}
			l := partition.New(b.conn.NC, fc)
			u.loops = append(u.loops, l)
			if err := l.Subscribe(); err != nil {
				return err
			}
			u.consumers[st] = append(u.consumers[st], l)
		}
	}
	return nil
}
