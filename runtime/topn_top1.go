package runtime

import "strconv"

// A keyed Top-1 over an append-only input: ROW_NUMBER() OVER (PARTITION
// BY p ORDER BY o) <= 1 over a stream whose rows are never retracted —
// Flink's deduplication (Nexmark q18: each bidder's last bid on each
// auction). It emits what the keyed Top-N (topn_keyed.go) emits for n = 1,
// with the same keys (the PARTITION BY key's text, '|' and the row's
// arrival number within it), but keeps one map entry per key holding its
// best row instead of a Top-N stage and a treap: a row that does not beat
// its key's best (ties: the earlier row stays) costs one comparison; one
// that does emits a delete of the old best and an upsert of itself.

// keyedTop1 is NewKeyedTopN's stage when N = 1 over an append-only input.
type keyedTop1 struct {
	cfg  TopNConfig
	by   []Expr
	keys map[string]*top1Key
	kbuf []byte
	obuf []byte  // the output key being built
	sk   []Value // ORDER BY values of the row being considered
	// chunks keys and slots are cut from (never dropped: a slot a key
	// gives up is reused by a later row of any key).
	kchunk []top1Key
	vchunk []Value
	bchunk []byte
	free   []top1Slot // slots whose rows' deletes were emitted by an earlier call
	freed  []top1Slot // slots given up by this call: reusable from the next one
}

// top1Key is a PARTITION BY key's state.
type top1Key struct {
	best   top1Slot
	prefix string // the key's text and '|': the map's key is its prefix
	seq    int64  // rows of this key so far
}

// top1Slot holds one kept row: vals[:width] the row, vals[width] its key
// slot, vals[width+1:] its ORDER BY values; their bytes live in buf.
type top1Slot struct {
	vals []Value
	buf  []byte
}

var (
	_ RetractStage = (*keyedTop1)(nil)
	_ Checkpointer = (*keyedTop1)(nil)
)

func newKeyedTop1(cfg TopNConfig, partitionBy []Expr) *keyedTop1 {
	return &keyedTop1{cfg: cfg, by: partitionBy, keys: map[string]*top1Key{}, sk: make([]Value, len(cfg.Keys))}
}

// Process implements Stage.
func (k *keyedTop1) Process(c *Ctx, r Row, _ int64, out Downstream) {
	if len(k.freed) > 0 { // the previous call's outputs are consumed
		k.free = append(k.free, k.freed...)
		clear(k.freed)
		k.freed = k.freed[:0]
	}
	k.kbuf = k.kbuf[:0]
	for i, e := range k.by {
		v := e(c, r)
		if c.Err != nil {
			return
		}
		if i > 0 {
			k.kbuf = append(k.kbuf, '|')
		}
		k.kbuf = AppendChangeKey(k.kbuf, v)
	}
	for i, e := range k.cfg.Keys {
		k.sk[i] = e(c, r)
		if c.Err != nil {
			return
		}
	}
	key := k.keys[string(k.kbuf)]
	cd, _ := out.(ChangeDownstream)
	if key == nil {
		key = k.newKey(k.kbuf)
		key.seq = 1
		key.best = k.fill(k.slot(), k.outKey(key), r)
		k.emit(c, cd, out, key.best)
		return
	}
	key.seq++
	if topnCmpKeys(k.sk, key.best.vals[k.cfg.Width+1:], k.cfg.Desc) >= 0 {
		return // equal: the earlier row stays
	}
	old := key.best
	key.best = k.fill(k.slot(), k.outKey(key), r)
	k.freed = append(k.freed, old)
	if cd != nil {
		cd.Delete(c, old.vals[:k.cfg.Width+1])
	}
	k.emit(c, cd, out, key.best)
}

func (k *keyedTop1) emit(c *Ctx, cd ChangeDownstream, out Downstream, s top1Slot) {
	if cd != nil {
		cd.Upsert(c, s.vals[:k.cfg.Width+1])
	} else {
		out.Emit(c, s.vals[:k.cfg.Width+1])
	}
}

// newKey adds the state of key text key (copied).
func (k *keyedTop1) newKey(key []byte) *top1Key {
	if len(k.kchunk) == cap(k.kchunk) {
		k.kchunk = make([]top1Key, 0, topnChunk)
	}
	k.kchunk = k.kchunk[:len(k.kchunk)+1]
	s := &k.kchunk[len(k.kchunk)-1]
	s.prefix = string(append(key, '|')) // one copy: the prefix, and the map's key without its '|'
	k.keys[s.prefix[:len(s.prefix)-1]] = s
	return s
}

// slot returns a slot to fill: a freed one, or one cut from a chunk.
func (k *keyedTop1) slot() top1Slot {
	if n := len(k.free); n > 0 {
		s := k.free[n-1]
		k.free[n-1] = top1Slot{}
		k.free = k.free[:n-1]
		return s
	}
	w := k.cfg.Width + 1 + len(k.cfg.Keys)
	if len(k.vchunk)+w > cap(k.vchunk) {
		k.vchunk = make([]Value, 0, topnChunk*w)
	}
	at := len(k.vchunk)
	k.vchunk = k.vchunk[:at+w]
	return top1Slot{vals: k.vchunk[at : at+w : at+w]}
}

// outKey is the output key of key's latest row: its prefix and arrival
// number.
func (k *keyedTop1) outKey(key *top1Key) []byte {
	k.obuf = strconv.AppendInt(append(k.obuf[:0], key.prefix...), key.seq, 10)
	return k.obuf
}

// fill copies r, its output key ok and k.sk into s.
func (k *keyedTop1) fill(s top1Slot, ok []byte, r Row) top1Slot {
	w := k.cfg.Width
	n := len(ok)
	for i := range r[:w] {
		n += len(r[i].S)
	}
	for i := range k.sk {
		n += len(k.sk[i].S)
	}
	buf := s.buf[:0]
	if cap(buf) < n {
		if n+n/4 > 4<<10 {
			buf = make([]byte, 0, n+n/4)
		} else {
			if len(k.bchunk)+n+n/4 > cap(k.bchunk) {
				k.bchunk = make([]byte, 0, 32<<10)
			}
			at := len(k.bchunk)
			k.bchunk = k.bchunk[:at+n+n/4]
			buf = k.bchunk[at:at:len(k.bchunk)] // room for a longer row when reused
		}
	}
	cp := func(dst *Value, v Value) {
		*dst = v
		if v.S != nil {
			start := len(buf)
			buf = append(buf, v.S...)
			dst.S = buf[start:len(buf):len(buf)]
		}
	}
	for i := 0; i < w; i++ {
		cp(&s.vals[i], r[i])
	}
	cp(&s.vals[w], String(ok))
	for i := range k.sk {
		cp(&s.vals[w+1+i], k.sk[i])
	}
	s.buf = buf
	return s
}

// topnCmpKeys orders sort key a against b (NULL lowest; equal keys: 0).
func topnCmpKeys(a, b []Value, desc []bool) int {
	for i := range a {
		x, y := &a[i], &b[i]
		var d int
		switch {
		case x.T == TNull && y.T == TNull:
		case x.T == TNull:
			d = -1
		case y.T == TNull:
			d = 1
		default:
			d = aggCompare(x, y)
		}
		if d != 0 {
			if desc[i] {
				return -d
			}
			return d
		}
	}
	return 0
}

// Retract implements RetractStage: an append-only input retracts nothing.
func (k *keyedTop1) Retract(*Ctx, Row, int64, Downstream) {}

// Advance implements Stage: rows are ranked as they come.
func (k *keyedTop1) Advance(*Ctx, int64, Downstream) {}

// Snapshot implements Checkpointer: the number of keys, then each key's
// text, its number of rows and its best row with its ORDER BY values.
func (k *keyedTop1) Snapshot(dst []byte) ([]byte, error) {
	e := &snapEnc{b: dst}
	e.u8(snapVersion)
	e.u8('1')
	e.uvar(uint64(len(k.cfg.Keys)))
	e.uvar(uint64(k.cfg.Width))
	e.uvar(uint64(len(k.keys)))
	for text, key := range k.keys {
		e.bytes([]byte(text))
		e.ivar(key.seq)
		e.valueList(key.best.vals)
	}
	return e.b, nil
}

// Restore implements Checkpointer.
func (k *keyedTop1) Restore(b []byte) error {
	d := &snapDec{b: b}
	d.expect("snapshot version", int64(d.u8()), snapVersion)
	d.expect("stage kind (1 = keyed Top-1)", int64(d.u8()), '1')
	d.expect("number of ORDER BY expressions", int64(d.uvar()), int64(len(k.cfg.Keys)))
	d.expect("row width", int64(d.uvar()), int64(k.cfg.Width))
	n := d.count(3)
	type saved struct {
		text []byte
		seq  int64
		vals []Value
	}
	var all []saved
	w := k.cfg.Width + 1 + len(k.cfg.Keys)
	for range n {
		x := saved{text: d.bytes(), seq: d.ivar()}
		x.vals = d.valuesInto(nil, w)
		if d.err != nil {
			return d.err
		}
		all = append(all, x)
	}
	if err := d.done(); err != nil {
		return err
	}
	fresh := newKeyedTop1(k.cfg, k.by)
	for _, x := range all {
		key := fresh.newKey(x.text)
		key.seq = x.seq
		copy(fresh.sk, x.vals[k.cfg.Width+1:])
		key.best = fresh.fill(fresh.slot(), x.vals[k.cfg.Width].S, x.vals)
	}
	*k = *fresh
	return nil
}
