package runtime

import "strconv"

// A keyed Top-N of a few rows (n <= topnSmallMax) over an append-only
// input: ROW_NUMBER() OVER (PARTITION BY p ORDER BY o) <= n over a stream
// whose rows are never retracted — Flink's deduplication for n = 1
// (Nexmark q18: each bidder's last bid on each auction), Nexmark q19's
// top 10 bids per auction. It emits what the keyed Top-N (topn_keyed.go)
// emits, with the same keys (the PARTITION BY key's text, '|' and the
// row's arrival number within it), but keeps one map entry per key
// holding its best rows in order in a small array instead of a Top-N
// stage and a treap: a row that cannot enter a full top n costs one
// comparison (with the n-th); one that enters is put in place, and pushes
// out the n-th (its delete is emitted before the new row's upsert).

// topnSmallMax is the largest n ranked by keyedTopSmall.
const topnSmallMax = 16

// keyedTopSmall is NewKeyedTopN's stage when n <= topnSmallMax over an
// append-only input.
type keyedTopSmall struct {
	cfg  TopNConfig
	by   []Expr
	keys map[string]*topSmallKey
	kbuf []byte
	obuf []byte  // the output key being built
	sk   []Value // ORDER BY values of the row being considered
	// chunks keys, their arrays and slots are cut from (never dropped: a
	// slot a key gives up is reused by a later row of any key).
	kchunk []topSmallKey
	achunk []topSmallSlot
	vchunk []Value
	bchunk []byte
	tchunk []byte         // the keys' texts
	held   int            // rows kept (StateRows)
	free   []topSmallSlot // slots whose rows' deletes were emitted by an earlier call
	freed  []topSmallSlot // slots given up by this call: reusable from the next one
}

// topSmallKey is a PARTITION BY key's state.
type topSmallKey struct {
	rows   []topSmallSlot // its top rows, best first (at most n)
	prefix string         // the key's text and '|': the map's key is its prefix
	seq    int64          // rows of this key so far
}

// topSmallSlot holds one kept row: vals[:width] the row, vals[width] its
// key slot, vals[width+1:] its ORDER BY values; their bytes live in buf.
type topSmallSlot struct {
	vals []Value
	buf  []byte
}

var (
	_ RetractStage = (*keyedTopSmall)(nil)
	_ Checkpointer = (*keyedTopSmall)(nil)
	_ StateHolder  = (*keyedTopSmall)(nil)
)

// StateRows implements StateHolder: the rows kept, over all keys.
func (k *keyedTopSmall) StateRows() int { return k.held }

func newKeyedTopSmall(cfg TopNConfig, partitionBy []Expr) *keyedTopSmall {
	return &keyedTopSmall{cfg: cfg, by: partitionBy, keys: map[string]*topSmallKey{}, sk: make([]Value, len(cfg.Keys))}
}

// Process implements Stage.
func (k *keyedTopSmall) Process(c *Ctx, r Row, _ int64, out Downstream) {
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
	if key == nil {
		key = k.newKey(k.kbuf)
	}
	key.seq++
	n, w := int(k.cfg.N), k.cfg.Width
	rows := key.rows
	// The new row goes after every row it does not precede (ties: the
	// earlier row first).
	at := len(rows)
	for at > 0 && topnCmpKeys(k.sk, rows[at-1].vals[w+1:], k.cfg.Desc) < 0 {
		at--
	}
	if at >= n {
		return
	}
	cd, _ := out.(ChangeDownstream)
	var pushed topSmallSlot
	if len(rows) == n {
		pushed = rows[n-1]
		rows = rows[:n-1]
	} else {
		k.held++
		if len(rows) == cap(rows) {
			rows = k.grow(rows)
		}
	}
	rows = rows[:len(rows)+1]
	copy(rows[at+1:], rows[at:])
	rows[at] = k.fill(k.slot(), k.outKey(key), r)
	key.rows = rows
	if pushed.vals != nil {
		k.freed = append(k.freed, pushed)
		if cd != nil {
			cd.Delete(c, pushed.vals[:w+1])
		}
	}
	if cd != nil {
		cd.Upsert(c, rows[at].vals[:w+1])
	} else {
		out.Emit(c, rows[at].vals[:w+1])
	}
}

// grow returns rows (full) with room for more (up to n), cut from a chunk.
func (k *keyedTopSmall) grow(rows []topSmallSlot) []topSmallSlot {
	c := min(max(2*cap(rows), 1), int(k.cfg.N))
	if len(k.achunk)+c > cap(k.achunk) {
		k.achunk = make([]topSmallSlot, 0, max(256, c))
	}
	at := len(k.achunk)
	k.achunk = k.achunk[:at+c]
	return append(k.achunk[at:at:at+c], rows...)
}

// newKey adds the state of key text key (copied).
func (k *keyedTopSmall) newKey(key []byte) *topSmallKey {
	if len(k.kchunk) == cap(k.kchunk) {
		k.kchunk = make([]topSmallKey, 0, topnChunk)
	}
	k.kchunk = k.kchunk[:len(k.kchunk)+1]
	s := &k.kchunk[len(k.kchunk)-1]
	// One copy, cut from a chunk of the keys' texts (never changed after):
	// the prefix, and the map's key without its '|'.
	n := len(key) + 1
	var text []byte
	if n > 1<<10 {
		text = make([]byte, 0, n)
	} else {
		if len(k.tchunk)+n > cap(k.tchunk) {
			k.tchunk = make([]byte, 0, 16<<10)
		}
		at := len(k.tchunk)
		k.tchunk = k.tchunk[:at+n]
		text = k.tchunk[at : at : at+n]
	}
	text = append(append(text, key...), '|')
	s.prefix = unsafeString(text)
	k.keys[s.prefix[:len(s.prefix)-1]] = s
	return s
}

// slot returns a slot to fill: a freed one, or one cut from a chunk.
func (k *keyedTopSmall) slot() topSmallSlot {
	if n := len(k.free); n > 0 {
		s := k.free[n-1]
		k.free[n-1] = topSmallSlot{}
		k.free = k.free[:n-1]
		return s
	}
	w := k.cfg.Width + 1 + len(k.cfg.Keys)
	if len(k.vchunk)+w > cap(k.vchunk) {
		k.vchunk = make([]Value, 0, topnChunk*w)
	}
	at := len(k.vchunk)
	k.vchunk = k.vchunk[:at+w]
	return topSmallSlot{vals: k.vchunk[at : at+w : at+w]}
}

// outKey is the output key of key's latest row: its prefix and arrival
// number.
func (k *keyedTopSmall) outKey(key *topSmallKey) []byte {
	k.obuf = strconv.AppendInt(append(k.obuf[:0], key.prefix...), key.seq, 10)
	return k.obuf
}

// fill copies r, its output key ok and k.sk into s.
func (k *keyedTopSmall) fill(s topSmallSlot, ok []byte, r Row) topSmallSlot {
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
func (k *keyedTopSmall) Retract(*Ctx, Row, int64, Downstream) {}

// Advance implements Stage: rows are ranked as they come.
func (k *keyedTopSmall) Advance(*Ctx, int64, Downstream) {}

// Snapshot implements Checkpointer: the number of keys, then each key's
// text, its number of rows so far and its top rows with their ORDER BY
// values, best first.
func (k *keyedTopSmall) Snapshot(dst []byte) ([]byte, error) {
	e := &snapEnc{b: dst}
	e.u8(snapVersion)
	e.u8('S')
	e.ivar(k.cfg.N)
	e.uvar(uint64(len(k.cfg.Keys)))
	e.uvar(uint64(k.cfg.Width))
	e.uvar(uint64(len(k.keys)))
	for text, key := range k.keys {
		e.bytes([]byte(text))
		e.ivar(key.seq)
		e.uvar(uint64(len(key.rows)))
		for _, s := range key.rows {
			e.valueList(s.vals)
		}
	}
	return e.b, nil
}

// Restore implements Checkpointer.
func (k *keyedTopSmall) Restore(b []byte) error {
	d := &snapDec{b: b}
	d.expect("snapshot version", int64(d.u8()), snapVersion)
	d.expect("stage kind (S = keyed Top-N of a few rows)", int64(d.u8()), 'S')
	d.expect("n", d.ivar(), k.cfg.N)
	d.expect("number of ORDER BY expressions", int64(d.uvar()), int64(len(k.cfg.Keys)))
	d.expect("row width", int64(d.uvar()), int64(k.cfg.Width))
	n := d.count(3)
	if d.err != nil {
		return d.err
	}
	fresh := newKeyedTopSmall(k.cfg, k.by)
	w := k.cfg.Width + 1 + len(k.cfg.Keys)
	var vals []Value
	for range n {
		text, seq, rows := d.bytes(), d.ivar(), d.count(1)
		if d.err != nil {
			return d.err
		}
		if int64(rows) > k.cfg.N {
			return errSnapTruncated
		}
		key := fresh.newKey(text)
		key.seq = seq
		for range rows {
			vals = d.valuesInto(vals, w)
			if d.err != nil {
				return d.err
			}
			copy(fresh.sk, vals[k.cfg.Width+1:])
			if len(key.rows) == cap(key.rows) {
				key.rows = fresh.grow(key.rows)
			}
			key.rows = append(key.rows, fresh.fill(fresh.slot(), vals[k.cfg.Width].S, vals))
			fresh.held++
		}
	}
	if err := d.done(); err != nil {
		return err
	}
	*k = *fresh
	return nil
}
