package main

import (
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/planner"
	velrt "github.com/velort/velort/runtime"
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
		}
		return other
	}
	j.Subject = other.PartitionSubject(p)
	if b.replay {
		cfg.EOFWriters += b.writers[other]
	}
	return other
}
