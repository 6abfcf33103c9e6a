package runtime

// Checkpoints of a Top-N stage: its ranked rows in order (each with its
// ORDER BY values, arrival number and whether it is published), its
// arrival counter, then the snapshot of the GROUP BY it wraps.

var _ Checkpointer = (*topnStage)(nil)

// Snapshot implements Checkpointer. It fails when the wrapped stage
// cannot be saved.
func (s *topnStage) Snapshot(dst []byte) ([]byte, error) {
	var inner Checkpointer
	if s.cfg.Inner != nil {
		var ok bool
		if inner, ok = s.cfg.Inner.(Checkpointer); !ok {
			return dst, ErrNotCheckpointable
		}
	}
	e := &snapEnc{b: dst}
	e.u8(snapVersion)
	e.u8('N')
	e.ivar(s.cfg.N)
	e.uvar(uint64(len(s.cfg.Keys)))
	e.uvar(uint64(s.cfg.Width))
	e.bool(s.cfg.Bounded)
	e.ivar(s.seq)
	n := size(s.root)
	e.uvar(uint64(n))
	for i := 0; i < n; i++ {
		x := s.at(i)
		e.valueList(x.row)
		e.valueList(x.sk)
		e.ivar(x.seq)
		e.bool(x.pub)
	}
	e.bool(inner != nil)
	if inner != nil {
		body, err := inner.Snapshot(nil)
		if err != nil {
			return dst, err
		}
		e.bytes(body)
	}
	return e.b, nil
}

// Restore implements Checkpointer.
func (s *topnStage) Restore(b []byte) error {
	d := &snapDec{b: b}
	d.expect("snapshot version", int64(d.u8()), snapVersion)
	d.expect("stage kind (N = Top-N)", int64(d.u8()), 'N')
	d.expect("LIMIT", d.ivar(), s.cfg.N)
	d.expect("number of ORDER BY expressions", int64(d.uvar()), int64(len(s.cfg.Keys)))
	d.expect("row width", int64(d.uvar()), int64(s.cfg.Width))
	d.expect("only the top n kept", int64(d.u8()), int64(b2u8(s.cfg.Bounded)))
	if d.err != nil {
		return d.err
	}
	seq := d.ivar()
	n := d.count(4)
	entries := make([]*topnEntry, 0, n)
	row := make([]Value, s.cfg.Width+1)
	for range n {
		row = d.valuesInto(row, s.cfg.Width+1)
		s.sh.sk = d.valuesInto(s.sh.sk, len(s.cfg.Keys))
		eseq := d.ivar()
		pub := d.bool()
		if d.err != nil {
			return d.err
		}
		x := s.newEntry(row, row[s.cfg.Width].S)
		x.seq, x.pub = eseq, pub
		entries = append(entries, x)
	}
	hasInner := d.bool()
	var innerSnap []byte
	if hasInner {
		innerSnap = d.bytes()
	}
	if err := d.done(); err != nil {
		return err
	}
	if hasInner != (s.cfg.Inner != nil) {
		return errSnapTruncated
	}
	if hasInner {
		cp, ok := s.cfg.Inner.(Checkpointer)
		if !ok {
			return ErrNotCheckpointable
		}
		if err := cp.Restore(innerSnap); err != nil {
			return err
		}
	}
	s.root, s.seq = nil, seq
	if s.byKey != nil {
		clear(s.byKey)
	}
	for _, x := range entries {
		s.insert(x)
		if s.byKey != nil {
			s.byKey[string(x.row[s.cfg.Width].S)] = x
		}
	}
	s.removed, s.touched, s.ops = s.removed[:0], s.touched[:0], 0
	return nil
}
