package engine

import (
	"github.com/velort/velort/partition"
	"github.com/velort/velort/planner"
)

// LoopConfig is what query q of plan pl fixes in the configuration of any
// partition loop that runs it: the source's schema and the columns the
// query reads, event time and watermark, late records and dead letters,
// a changelog source's key, the bound on one value. The caller adds the
// partition, subjects, pipeline, sink, writers and connection settings.
// velort run's loops and the benchmark harness's start from it, so that a
// loop never reads a changelog source as facts for want of its key.
func LoopConfig(pl *planner.Plan, q *planner.Query) partition.Config {
	return partition.Config{
		Query: q.Name, Schema: q.Source.Columns, Read: q.Read, TimeIdx: q.TimeIdx,
		Delay: q.Source.WatermarkDelay, Idle: q.Source.IdleTimeout,
		LateToDLQ: q.Source.Late == "dlq", DLQ: q.Source.DLQ,
		SourceKey: q.Source.KeyIdx, SourcePartitions: q.Source.Partitions, MaxValueBytes: pl.MaxValueBytes,
		Changelog: q.InputChangelog(), ChangelogKey: q.SourceKeyCols(),
	}
}
