package runtime

// Rows stage snapshot layout (after the version byte 'R'):
//
//	config: #partition keys, #functions, per function (kind, preceding, offset)
//	arrival counter
//	#partitions, per partition in first-seen order: key values, rows seen,
//	  first row not yet emitted, per function its frame state (ring of
//	  values, sums, MIN/MAX deque, kept value), then the rows waiting for
//	  LEAD values: arrival, values
//
// Partitions are restored in first-seen order, so they get the same ids
// and the end-of-input flush emits waiting rows in the same order.

const snapRowsTag = 'R'

// Snapshot implements Checkpointer.
func (s *rowsStage) Snapshot(dst []byte) ([]byte, error) {
	e := snapEnc{b: dst}
	e.u8(snapVersion)
	e.u8(snapRowsTag)
	s.snapConfig(&e)
	e.ivar(s.gseq)
	e.uvar(uint64(len(s.parts)))
	for id := range s.parts {
		p := &s.parts[id]
		e.valueList(s.keys.key(int32(id)))
		e.ivar(p.n)
		e.ivar(p.pendFrom)
		for j := range p.fns {
			p.fns[j].snapshot(&e)
		}
		L := int64(len(p.pend))
		for k := p.pendFrom; k < p.n && L > 0; k++ {
			pr := &p.pend[k%L]
			e.ivar(pr.gseq)
			e.values(pr.vals)
		}
	}
	return e.b, nil
}

func (s *rowsStage) snapConfig(e *snapEnc) {
	e.uvar(uint64(len(s.partExprs)))
	e.uvar(uint64(len(s.funcs)))
	for j := range s.funcs {
		f := &s.funcs[j]
		e.u8(uint8(f.Func))
		e.ivar(int64(f.Preceding))
		e.ivar(int64(f.Offset))
	}
}

func (fn *rowFn) snapshot(e *snapEnc) {
	e.ivar(fn.pos)
	e.ivar(fn.nn)
	e.ivar(fn.si)
	e.f64(fn.sf)
	e.u8(fn.sc)
	e.ivar(fn.stale)
	e.value(&fn.best)
	e.values(fn.ring)
	if fn.dq == nil {
		return
	}
	e.uvar(uint64(fn.dqn))
	for k := range fn.dqn {
		e.ivar(int64(fn.dq[(fn.dqh+k)%len(fn.dq)]))
	}
}

func (fn *rowFn) restore(d *snapDec, f *RowFunc) {
	*fn = newRowFn(f)
	fn.pos = d.ivar()
	fn.nn = d.ivar()
	fn.si = d.ivar()
	fn.sf = d.f64()
	fn.sc = d.u8()
	fn.stale = d.ivar()
	best := d.value()
	if best.S != nil {
		fn.bestBuf = append(fn.bestBuf[:0], best.S...)
		best.S = fn.bestBuf
	}
	fn.best = best
	n := d.count(2)
	d.expect("frame ring length", int64(n), int64(len(fn.ring)))
	for i := range n {
		if d.err != nil {
			return
		}
		v := d.value()
		fn.set(int64(i), &v)
	}
	if fn.dq == nil {
		return
	}
	fn.dqn = d.count(1)
	d.expect("frame deque bound", int64(min(fn.dqn, len(fn.dq))), int64(fn.dqn))
	for k := range fn.dqn {
		if d.err != nil {
			return
		}
		fn.dq[k] = int32(d.ivar())
	}
}

// Restore implements Checkpointer. The stage's current state is dropped.
func (s *rowsStage) Restore(b []byte) error {
	d := &snapDec{b: b}
	d.expect("snapshot version", int64(d.u8()), snapVersion)
	d.expect("stage kind (R = OVER)", int64(d.u8()), snapRowsTag)
	d.expect("number of PARTITION BY keys", int64(d.uvar()), int64(len(s.partExprs)))
	d.expect("number of window functions", int64(d.uvar()), int64(len(s.funcs)))
	for j := range s.funcs {
		f := &s.funcs[j]
		d.expect("window function", int64(d.u8()), int64(f.Func))
		d.expect("frame PRECEDING", d.ivar(), int64(f.Preceding))
		d.expect("LAG/LEAD offset", d.ivar(), int64(f.Offset))
	}
	if d.err != nil {
		return d.err
	}
	s.reset()
	s.gseq = d.ivar()
	np := d.count(3)
	var row []Value
	for range np {
		for i := range s.kv {
			s.kv[i] = d.value()
		}
		if d.err != nil {
			break
		}
		h := s.keys.hash(s.kv)
		id, pos := s.keys.find(h, s.kv)
		if id >= 0 {
			d.fail(errSnapTruncated) // a partition key twice
			break
		}
		p := &s.parts[s.newPart(h, pos)]
		p.n = d.ivar()
		p.pendFrom = d.ivar()
		for j := range p.fns {
			p.fns[j].restore(d, &s.funcs[j])
		}
		L := int64(len(p.pend))
		if L == 0 { // no LEAD: no row waits
			continue
		}
		if d.err == nil && (p.pendFrom > p.n || p.n-p.pendFrom > L) {
			d.fail(errSnapTruncated)
		}
		for k := p.pendFrom; k < p.n && d.err == nil; k++ {
			gseq := d.ivar()
			row = d.valuesInto(row, d.count(2))
			if d.err != nil || len(row) < len(s.funcs) {
				d.fail(errSnapTruncated)
				break
			}
			nIn := len(row) - len(s.funcs)
			p.pend[k%L].store(gseq, row[:nIn], row[nIn:])
		}
	}
	if err := d.done(); err != nil {
		s.reset()
		return err
	}
	return nil
}

// reset empties the stage (fresh state, as after newRowsStage).
func (s *rowsStage) reset() {
	s.keys = newKeyIndex(len(s.partExprs))
	s.parts = nil
	s.gseq = 0
}
