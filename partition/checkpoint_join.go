package partition

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/velort/velort/runtime"
)

// joinSnapshotter is a two-stream join's state in a checkpoint:
// *runtime.RegularJoin or *runtime.IntervalJoin.
type joinSnapshotter interface {
	Snapshot(dst []byte) []byte
	Restore(b []byte) error
}

// joinRecord is the join part of a version 3 checkpoint.
type joinRecord struct {
	otherSeq uint64    // the other stream's last input
	arrivals [2]uint64 // each side's arrival counter (append-only row keys)
	state    []byte    // the join's state (appendJoin)
}

// checkpointedJoin is the join whose state the loop's checkpoints hold
// (with both streams' positions), nil when it is not a two-stream join
// that can be checkpointed: a regular join, or an interval join, not
// writing a materialized table.
func (l *Loop) checkpointedJoin() joinSnapshotter {
	j, p := l.cfg.Joined, l.cfg.Pipeline
	if j == nil || p == nil || l.cfg.Sink.Table != nil {
		return nil
	}
	if j.Regular && p.RegularJoin != nil {
		return p.RegularJoin
	}
	if !j.Regular && p.Join != nil {
		return p.Join
	}
	return nil
}

// enableJoinCheckpoints is EnableCheckpoints for a two-stream join: the
// loop saves both sides' rows, the other stream's position, the stage
// after the join, and for a regular join the arrivals of each side, for
// an interval join each side's latest event time; it reads its inputs
// through SubscribeJoinedPull. False when the stage cannot be saved.
func (l *Loop) enableJoinCheckpoints(store CheckpointStore, key string, interval time.Duration) bool {
	var cp runtime.Checkpointer
	if st := l.cfg.Pipeline.Stage; st != nil {
		var ok bool
		if cp, ok = st.(runtime.Checkpointer); !ok {
			return false
		}
		if _, err := cp.Snapshot(nil); err != nil {
			return false
		}
	}
	if interval <= 0 {
		interval = time.Second
	}
	l.join.dur = &joinDurable{l: l}
	l.dur.ck = &checkpointer{store: store, key: key, interval: interval, stage: cp, join: l.checkpointedJoin(), at: time.Now(), wm: l.wm}
	return true
}

// appendJoin appends the join part of a checkpoint. An interval join's
// state is each side's latest event time (varints), then its rows.
func (l *Loop) appendJoin(dst []byte, j joinSnapshotter) []byte {
	var other uint64
	if jd := l.join.dur; jd != nil && l.cfg.Joined != nil {
		other = jd.last[1-l.cfg.Joined.Side]
	}
	dst = binary.AppendUvarint(dst, other)
	dst = binary.AppendUvarint(dst, l.join.seq[0])
	dst = binary.AppendUvarint(dst, l.join.seq[1])
	var state []byte
	if _, interval := j.(*runtime.IntervalJoin); interval {
		state = binary.AppendVarint(state, l.join.max[0])
		state = binary.AppendVarint(state, l.join.max[1])
	}
	state = j.Snapshot(state)
	dst = binary.AppendUvarint(dst, uint64(len(state)))
	return append(dst, state...)
}

// decodeJoin reads the join part of a checkpoint and returns the rest.
func decodeJoin(b []byte) (*joinRecord, []byte, error) {
	r := &joinRecord{}
	for _, p := range []*uint64{&r.otherSeq, &r.arrivals[0], &r.arrivals[1]} {
		var n int
		if *p, n = binary.Uvarint(b); n <= 0 {
			return nil, nil, errors.New("truncated checkpoint")
		}
		b = b[n:]
	}
	size, n := binary.Uvarint(b)
	if n <= 0 || uint64(len(b)-n) < size {
		return nil, nil, errors.New("truncated checkpoint")
	}
	r.state = b[n : n+int(size)]
	return r, b[n+int(size):], nil
}

// restoreJoin loads the join part of rec into the loop.
func (l *Loop) restoreJoin(j joinSnapshotter, rec checkpointRecord) error {
	state := rec.join.state
	if _, interval := j.(*runtime.IntervalJoin); interval {
		var max [2]int64
		for s := range max {
			var n int
			if max[s], n = binary.Varint(state); n <= 0 {
				return errors.New("truncated checkpoint")
			}
			state = state[n:]
		}
		l.join.max, l.join.maxSet = max, true
	}
	if err := j.Restore(state); err != nil {
		return err
	}
	l.join.seq = rec.join.arrivals
	if jd := l.join.dur; jd != nil && l.cfg.Joined != nil {
		s := l.cfg.Joined.Side
		jd.last[s], jd.last[1-s] = rec.seq, rec.join.otherSeq
		jd.saved = jd.last
	}
	return nil
}
