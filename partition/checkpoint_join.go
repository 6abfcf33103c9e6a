package partition

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/velort/velort/runtime"
)

// joinRecord is the join part of a version 3 checkpoint.
type joinRecord struct {
	otherSeq uint64    // the other stream's last input
	arrivals [2]uint64 // each side's arrival counter (append-only row keys)
	state    []byte    // runtime.RegularJoin.Snapshot
}

// enableJoinCheckpoints is EnableCheckpoints for a regular join: the
// loop saves both sides' rows, their arrival counters, the other stream's
// position and the stage after the join; it reads its inputs through
// SubscribeJoinedPull. False when the stage cannot be saved.
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
	l.dur.ck = &checkpointer{store: store, key: key, interval: interval, stage: cp, join: l.cfg.Pipeline.RegularJoin, at: time.Now(), wm: l.wm}
	return true
}

// appendJoin appends the join part of a checkpoint.
func (l *Loop) appendJoin(dst []byte, j *runtime.RegularJoin) []byte {
	var other uint64
	if jd := l.join.dur; jd != nil && l.cfg.Joined != nil {
		other = jd.last[1-l.cfg.Joined.Side]
	}
	dst = binary.AppendUvarint(dst, other)
	dst = binary.AppendUvarint(dst, l.join.seq[0])
	dst = binary.AppendUvarint(dst, l.join.seq[1])
	state := j.Snapshot(nil)
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
func (l *Loop) restoreJoin(j *runtime.RegularJoin, rec checkpointRecord) error {
	if err := j.Restore(rec.join.state); err != nil {
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
