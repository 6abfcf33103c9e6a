package partition

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/velort/velort/runtime"
)

// CheckpointStore keeps checkpoints by key (transport.Blobs, a JetStream
// KV bucket). Get returns nil and no error for a missing key.
type CheckpointStore interface {
	Put(key string, value []byte) error
	Get(key string) ([]byte, error)
}

// checkpointer saves a loop's operator state with the stream sequence of
// the last input it reflects. Inputs are acknowledged up to that sequence
// only once the checkpoint is stored, so after a crash the loop restores
// the state and resumes at the next input: outputs re-emitted in between
// carry the same message ids and are deduplicated by the sink.
type checkpointer struct {
	store    CheckpointStore
	key      string
	interval time.Duration
	stage    runtime.Checkpointer // nil: a changelog query without a stage
	changes  *runtime.ChangeTable // a changelog input's last payload per key
	join     joinSnapshotter      // a two-stream join's state (checkpoint_join.go)
	at       time.Time            // last save (or restore)
	seq      uint64               // input sequence the stored checkpoint reflects
	wm       int64                // loop watermark when it was taken
	buf      []byte
	failed   bool // the last save failed (logged once per run of failures)
}

// Checkpoint record layout: magic, version, last input's stream sequence,
// loop watermark, max event time, save time (epoch ms), stage snapshot.
// Version 2 (a loop whose input is a changelog) puts its ChangeTable
// before the stage snapshot: a count, then each key and payload, every
// one a uvarint length and its bytes. Version 3 (a two-stream join) puts
// there the other stream's last sequence, the arrivals of each side (an
// append-only side's row keys) and the join's state (a uvarint length and
// runtime.RegularJoin.Snapshot, or each side's latest event time and
// runtime.IntervalJoin.Snapshot); the header's sequence is the loop's own
// stream's.
const (
	checkpointMagic        = "VLCK\x01"
	checkpointMagicChanges = "VLCK\x02"
	checkpointMagicJoin    = "VLCK\x03"
)

// EnableCheckpoints makes the loop save its operator state to store under
// key every interval (and on shutdown and at end of input), acknowledging
// its JetStream inputs only as far as a stored checkpoint reflects. It
// returns false, leaving the loop to acknowledge by Config.AckAfter, when
// the loop has no stage, is not a JetStream consumer of its own (the
// second half of a repartition, an interval join), writes a materialized
// table (held in memory, so rebuilt from unacknowledged input), or its
// stage cannot be saved (user aggregates). A loop over a changelog input
// checkpoints its ChangeTable too, with or without a stage. Call before
// RestoreCheckpoint and Run.
func (l *Loop) EnableCheckpoints(store CheckpointStore, key string, interval time.Duration) bool {
	if l.checkpointedJoin() != nil {
		return l.enableJoinCheckpoints(store, key, interval)
	}
	if l.cfg.Pipeline == nil || l.cfg.Forward != nil || l.cfg.Sources > 0 || l.cfg.Joined != nil || l.cfg.Sink.Table != nil {
		return false
	}
	var cp runtime.Checkpointer
	if l.cfg.Pipeline.Stage != nil {
		var ok bool
		if cp, ok = l.cfg.Pipeline.Stage.(runtime.Checkpointer); !ok {
			return false
		}
		if _, err := cp.Snapshot(nil); err != nil {
			l.cfg.Logger.Info("operator state not checkpointed; inputs are acknowledged when their windows close",
				"query", l.cfg.Query, "partition", l.cfg.Partition, "reason", err)
			return false
		}
	} else if l.chg.table == nil {
		return false
	}
	if interval <= 0 {
		interval = time.Second
	}
	l.dur.ck = &checkpointer{store: store, key: key, interval: interval, stage: cp, changes: l.chg.table, at: time.Now(), wm: l.wm}
	return true
}

// Checkpointing reports whether the loop saves operator-state checkpoints.
func (l *Loop) Checkpointing() bool { return l.dur.ck != nil }

// RestoreCheckpoint loads the loop's checkpoint, if one is stored, into
// its stage and watermark. It returns the stream sequence of the last
// input the checkpoint reflects (the consumer resumes at seq+1).
func (l *Loop) RestoreCheckpoint() (seq uint64, found bool, err error) {
	ck := l.dur.ck
	if ck == nil {
		return 0, false, nil
	}
	b, err := ck.store.Get(ck.key)
	if err != nil {
		return 0, false, fmt.Errorf("loading checkpoint %s: %w", ck.key, err)
	}
	if b == nil {
		return 0, false, nil
	}
	rec, err := decodeCheckpoint(b)
	if err == nil && (rec.changes != nil) != (ck.changes != nil) {
		err = errors.New("the query's input changed kind (append-only or changelog)")
	}
	if err == nil && (rec.join != nil) != (ck.join != nil) {
		err = errors.New("the query became or stopped being a join")
	}
	if err == nil && ck.join != nil {
		err = l.restoreJoin(ck.join, rec)
	}
	if err == nil && ck.changes != nil {
		err = restoreChanges(ck.changes, rec.changes)
	}
	if err == nil && ck.stage != nil {
		err = ck.stage.Restore(rec.stage)
	}
	if err != nil {
		return 0, false, fmt.Errorf("checkpoint %s of query %s does not fit the query (was the SQL changed?): %w; "+
			"to start this partition from scratch, delete it: nats kv del velort_checkpoints %s", ck.key, l.cfg.Query, err, ck.key)
	}
	l.wm, l.maxET = rec.wm, rec.maxET
	l.Stats.Watermark.Store(l.wm)
	l.dur.last = rec.seq
	ck.seq, ck.wm, ck.at = rec.seq, rec.wm, time.Now()
	l.Stats.CheckpointSeq.Store(rec.seq)
	l.Stats.CheckpointBytes.Store(int64(len(b)))
	l.Stats.CheckpointAtMs.Store(rec.savedMs)
	l.cfg.Logger.Info("restored checkpoint", "query", l.cfg.Query, "partition", l.cfg.Partition, "seq", rec.seq, "bytes", len(b))
	return rec.seq, true, nil
}

// maybeCheckpoint saves a checkpoint when the interval has passed and
// anything changed since the last one.
func (l *Loop) maybeCheckpoint() error {
	ck := l.dur.ck
	if ck == nil || time.Since(ck.at) < ck.interval {
		return nil
	}
	if l.dur.last == ck.seq && l.wm == ck.wm && (l.join.dur == nil || !l.join.dur.moved()) {
		ck.at = time.Now()
		return nil
	}
	return l.checkpoint()
}

// checkpoint confirms the outputs published so far, saves the state and
// acknowledges every input up to the last one processed. A failed save is
// logged and retried at the next interval (inputs stay unacknowledged).
func (l *Loop) checkpoint() error {
	ck := l.dur.ck
	if ck == nil {
		return nil
	}
	if err := l.confirm(); err != nil {
		return err
	}
	ck.at = time.Now()
	magic := checkpointMagic
	if ck.changes != nil {
		magic = checkpointMagicChanges
	}
	if ck.join != nil {
		magic = checkpointMagicJoin
	}
	buf := append(ck.buf[:0], magic...)
	buf = binary.AppendUvarint(buf, l.dur.last)
	buf = binary.AppendVarint(buf, l.wm)
	buf = binary.AppendVarint(buf, l.maxET)
	buf = binary.AppendVarint(buf, ck.at.UnixMilli())
	if ck.changes != nil {
		buf = appendChanges(buf, ck.changes)
	}
	if ck.join != nil {
		buf = l.appendJoin(buf, ck.join)
	}
	var err error
	if ck.stage != nil {
		buf, err = ck.stage.Snapshot(buf)
	}
	ck.buf = buf
	if err != nil {
		return fmt.Errorf("query %s partition %d: checkpoint: %w", l.cfg.Query, l.cfg.Partition, err)
	}
	if err := ck.store.Put(ck.key, buf); err != nil {
		l.Stats.CheckpointErrors.Add(1)
		if !ck.failed {
			ck.failed = true
			l.cfg.Logger.Warn("saving checkpoint failed; retrying at the next interval", "query", l.cfg.Query, "partition", l.cfg.Partition, "err", err)
		}
		return nil
	}
	ck.failed = false
	ck.seq, ck.wm = l.dur.last, l.wm
	l.Stats.Checkpoints.Add(1)
	l.Stats.CheckpointSeq.Store(ck.seq)
	l.Stats.CheckpointBytes.Store(int64(len(buf)))
	l.Stats.CheckpointAtMs.Store(ck.at.UnixMilli())
	return l.intake.checkpointed()
}

type checkpointRecord struct {
	seq       uint64
	wm, maxET int64
	savedMs   int64
	changes   []byte // version 2: the ChangeTable's entries (count first)
	join      *joinRecord
	stage     []byte
}

func decodeCheckpoint(b []byte) (checkpointRecord, error) {
	var r checkpointRecord
	if len(b) < len(checkpointMagic) {
		return r, errors.New("not a velort checkpoint (or another version)")
	}
	withChanges, withJoin := false, false
	switch string(b[:len(checkpointMagic)]) {
	case checkpointMagic:
	case checkpointMagicChanges:
		withChanges = true
	case checkpointMagicJoin:
		withJoin = true
	default:
		return r, errors.New("not a velort checkpoint (or another version)")
	}
	b = b[len(checkpointMagic):]
	var n int
	if r.seq, n = binary.Uvarint(b); n <= 0 {
		return r, errors.New("truncated checkpoint")
	}
	b = b[n:]
	for _, p := range []*int64{&r.wm, &r.maxET, &r.savedMs} {
		if *p, n = binary.Varint(b); n <= 0 {
			return r, errors.New("truncated checkpoint")
		}
		b = b[n:]
	}
	if withChanges {
		size, err := changesSize(b)
		if err != nil {
			return r, err
		}
		r.changes, b = b[:size], b[size:]
	}
	if withJoin {
		var err error
		if r.join, b, err = decodeJoin(b); err != nil {
			return r, err
		}
	}
	r.stage = b
	return r, nil
}

// appendChanges appends a ChangeTable's entries: a count, then each key
// and payload as a uvarint length and its bytes.
func appendChanges(dst []byte, t *runtime.ChangeTable) []byte {
	dst = binary.AppendUvarint(dst, uint64(t.Len()))
	t.Range(func(key string, payload []byte) {
		dst = binary.AppendUvarint(dst, uint64(len(key)))
		dst = append(dst, key...)
		dst = binary.AppendUvarint(dst, uint64(len(payload)))
		dst = append(dst, payload...)
	})
	return dst
}

// changesSize returns how many bytes of b the entries appendChanges wrote
// take.
func changesSize(b []byte) (int, error) {
	count, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, errors.New("truncated checkpoint")
	}
	at := n
	for i := uint64(0); i < 2*count; i++ {
		size, n := binary.Uvarint(b[at:])
		if n <= 0 || uint64(len(b)-at-n) < size {
			return 0, errors.New("truncated checkpoint")
		}
		at += n + int(size)
	}
	return at, nil
}

// restoreChanges loads entries written by appendChanges (already checked
// by changesSize) into an empty table.
func restoreChanges(t *runtime.ChangeTable, b []byte) error {
	if t.Len() != 0 {
		return errors.New("restoring a checkpoint into a table that is not empty")
	}
	count, n := binary.Uvarint(b)
	b = b[n:]
	for i := uint64(0); i < count; i++ {
		size, n := binary.Uvarint(b)
		key := string(b[n : n+int(size)])
		b = b[n+int(size):]
		size, n = binary.Uvarint(b)
		t.Put(key, b[n:n+int(size)])
		b = b[n+int(size):]
	}
	return nil
}
