package runtime

import (
	"hash/maphash"
	"strconv"
)

// A keyed Top-N of a few rows (n <= topnSmallMax) over an append-only
// input: ROW_NUMBER() OVER (PARTITION BY p ORDER BY o) <= n over a stream
// whose rows are never retracted — Flink's deduplication for n = 1
// (Nexmark q18: each bidder's last bid on each auction), Nexmark q19's
// top 10 bids per auction. It emits what the keyed Top-N (topn_keyed.go)
// emits, with the same keys (the PARTITION BY key's text, '|' and the
// row's arrival number within it), but keeps each key's best rows in order
// in a small list instead of a Top-N stage and a treap: a row that cannot
// enter a full top n costs one comparison (with the n-th); one that enters
// is put in place, and pushes out the n-th (its delete is emitted before
// the new row's upsert).
//
// Its state has no pointers for the garbage collector to trace
// (topn_arena.go): keys are found by a 64-bit hash of their text in an
// open-addressing table (the text compared on a match), each kept row is
// encoded into a region of byte chunks — its arrival number, ORDER BY
// values and columns — and decoded to emit it.

// topnSmallMax is the largest n ranked by keyedTopSmall.
const topnSmallMax = 16

// keyedTopSmall is NewKeyedTopN's stage when n <= topnSmallMax over an
// append-only input.
type keyedTopSmall struct {
	cfg  TopNConfig
	by   []Expr
	kbuf []byte
	obuf []byte  // the upserted row's output key
	dbuf []byte  // the deleted row's output key
	sk   []Value // ORDER BY values of the row being considered
	ksk  []Value // ORDER BY values of a kept row, decoded
	orow Row     // the row upserted: the input row and its output key
	drow Row     // the row deleted, decoded
	seed maphash.Seed
	// hmask: the bits of a key's hash used (all; fewer in tests, to make
	// different keys' hashes equal).
	hmask uint64
	tab   topnKeyTable
	keys  []topSmallKey
	idx   []uint32 // the keys' lists of rows (slot numbers), blocks cut from it
	slots []topSmallSlot
	arena topnArena
	held  int      // rows kept (StateRows)
	free  []uint32 // slots whose rows' deletes were emitted by an earlier call
	freed []uint32 // slots given up by this call: reusable from the next one
}

// topSmallKey is a PARTITION BY key's state.
type topSmallKey struct {
	hash uint64
	text uint64 // arena reference of its text and '|': its output keys' prefix
	tlen uint32 // the text's length with the '|'
	at   uint32 // its rows: idx[at : at+n], best first, room for cap
	n    uint8
	cap  uint8
	seq  int64 // rows of this key so far
}

// topSmallSlot is a kept row: its region of the arena holds its arrival
// number (8 bytes), its ORDER BY values and its columns (topnPutValue).
type topSmallSlot struct {
	ref  uint64
	size uint32 // the region's size
	used uint32
}

var (
	_ RetractStage = (*keyedTopSmall)(nil)
	_ Checkpointer = (*keyedTopSmall)(nil)
	_ StateHolder  = (*keyedTopSmall)(nil)
)

// StateRows implements StateHolder: the rows kept, over all keys.
func (k *keyedTopSmall) StateRows() int { return k.held }

func newKeyedTopSmall(cfg TopNConfig, partitionBy []Expr) *keyedTopSmall {
	return &keyedTopSmall{cfg: cfg, by: partitionBy, sk: make([]Value, len(cfg.Keys)), ksk: make([]Value, len(cfg.Keys)),
		orow: make(Row, cfg.Width+1), drow: make(Row, cfg.Width+1), seed: maphash.MakeSeed(), hmask: ^uint64(0)}
}

// Process implements Stage.
func (k *keyedTopSmall) Process(c *Ctx, r Row, _ int64, out Downstream) {
	if len(k.freed) > 0 { // the previous call's outputs are consumed
		k.free = append(k.free, k.freed...)
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
	ki := k.lookup(k.kbuf)
	key := &k.keys[ki]
	key.seq++
	n := int(k.cfg.N)
	rows := k.idx[key.at : key.at+uint32(key.n)]
	// The new row goes after every row it does not precede (ties: the
	// earlier row first).
	at := len(rows)
	for at > 0 && topnCmpKeys(k.sk, k.keptSK(rows[at-1]), k.cfg.Desc) < 0 {
		at--
	}
	if at >= n {
		return
	}
	cd, _ := out.(ChangeDownstream)
	pushed := -1
	if len(rows) == n {
		pushed = int(rows[n-1])
		rows = rows[:n-1]
	} else {
		k.held++
		if key.n == key.cap {
			k.grow(key)
			rows = k.idx[key.at : key.at+uint32(key.n)]
		}
	}
	rows = rows[:len(rows)+1]
	copy(rows[at+1:], rows[at:])
	rows[at] = k.storeEmit(k.slot(), key, r)
	key.n = uint8(len(rows))
	if pushed >= 0 {
		k.freed = append(k.freed, uint32(pushed))
		if cd != nil {
			cd.Delete(c, k.decode(key, uint32(pushed)))
		}
	}
	if cd != nil {
		cd.Upsert(c, k.orow)
	} else {
		out.Emit(c, k.orow)
	}
}

// lookup returns the index of the state of key text text, added (the
// text copied) when it is new.
func (k *keyedTopSmall) lookup(text []byte) int {
	h := maphash.Bytes(k.seed, text) & k.hmask
	ki, at := k.tab.find(h, func(i int) bool {
		x := &k.keys[i]
		return x.hash == h && string(k.arena.bytes(x.text, int(x.tlen)-1)) == string(text)
	})
	if ki >= 0 {
		return ki
	}
	ref := k.arena.cut(len(text) + 1)
	b := k.arena.bytes(ref, len(text)+1)
	b[copy(b, text)] = '|'
	ki = len(k.keys)
	k.keys = append(k.keys, topSmallKey{hash: h, text: ref, tlen: uint32(len(text) + 1)})
	k.tab.insert(h, ki, at, func(i int) uint64 { return k.keys[i].hash })
	return ki
}

// prefix is key's text and '|'.
func (k *keyedTopSmall) prefix(key *topSmallKey) []byte {
	return k.arena.bytes(key.text, int(key.tlen))
}

// grow gives key's list (full) room for more rows (up to n).
func (k *keyedTopSmall) grow(key *topSmallKey) {
	c := min(max(2*int(key.cap), 1), int(k.cfg.N))
	at := len(k.idx)
	k.idx = append(k.idx, k.idx[key.at:key.at+uint32(key.n)]...)
	for range c - int(key.n) {
		k.idx = append(k.idx, 0)
	}
	key.at, key.cap = uint32(at), uint8(c)
}

// slot returns the number of a slot to fill: a freed one, or a new one.
func (k *keyedTopSmall) slot() uint32 {
	if n := len(k.free); n > 0 {
		s := k.free[n-1]
		k.free = k.free[:n-1]
		return s
	}
	k.slots = append(k.slots, topSmallSlot{})
	return uint32(len(k.slots) - 1)
}

// store encodes arrival number seq, k.sk and r's columns into slot s
// (reusing its region when they fit) and returns s.
func (k *keyedTopSmall) store(s uint32, seq int64, r Row) uint32 {
	w := k.cfg.Width
	n := 8
	for i := range k.sk {
		n += topnValueSize(&k.sk[i])
	}
	for i := range r[:w] {
		n += topnValueSize(&r[i])
	}
	sl := &k.slots[s]
	if int(sl.size) < n {
		if sl.size != 0 {
			k.arena.release(sl.ref, int(sl.size))
		}
		ref, size := k.arena.alloc(n)
		sl.ref, sl.size = ref, uint32(size)
	}
	sl.used = uint32(n)
	b := k.arena.bytes(sl.ref, n)
	at := 8
	b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7] = byte(seq), byte(seq>>8), byte(seq>>16), byte(seq>>24), byte(seq>>32), byte(seq>>40), byte(seq>>48), byte(seq>>56)
	for i := range k.sk {
		at = topnPutValue(b, at, &k.sk[i])
	}
	for i := range r[:w] {
		at = topnPutValue(b, at, &r[i])
	}
	return s
}

// storeEmit is store, and sets k.orow to the row as stored: r's columns,
// their texts the stored copies (the input's bytes may change once the
// call returns), and its output key.
func (k *keyedTopSmall) storeEmit(s uint32, key *topSmallKey, r Row) uint32 {
	k.store(s, key.seq, r)
	sl := &k.slots[s]
	b := k.arena.bytes(sl.ref, int(sl.used))
	at := 8
	for range k.ksk {
		at = topnSkipValue(b, at)
	}
	w := k.cfg.Width
	for i := range k.orow[:w] {
		at = topnGetValue(b, at, &k.orow[i])
	}
	k.obuf = strconv.AppendInt(append(k.obuf[:0], k.prefix(key)...), key.seq, 10)
	k.orow[w] = String(k.obuf)
	return s
}

// keptSK decodes slot s's ORDER BY values into k.ksk.
func (k *keyedTopSmall) keptSK(s uint32) []Value {
	sl := &k.slots[s]
	b := k.arena.bytes(sl.ref, int(sl.used))
	at := 8
	for i := range k.ksk {
		at = topnGetValue(b, at, &k.ksk[i])
	}
	return k.ksk
}

// decode returns slot s (a row of key) as the stage emitted it: its
// columns and its output key, in k.drow; its ORDER BY values in k.ksk.
func (k *keyedTopSmall) decode(key *topSmallKey, s uint32) Row {
	sl := &k.slots[s]
	b := k.arena.bytes(sl.ref, int(sl.used))
	seq := int64(uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 | uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56)
	at := 8
	for i := range k.ksk {
		at = topnGetValue(b, at, &k.ksk[i])
	}
	w := k.cfg.Width
	for i := range k.drow[:w] {
		at = topnGetValue(b, at, &k.drow[i])
	}
	k.dbuf = strconv.AppendInt(append(k.dbuf[:0], k.prefix(key)...), seq, 10)
	k.drow[w] = String(k.dbuf)
	return k.drow
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
// text, its number of rows so far and its top rows, best first, each as
// its columns, its output key and its ORDER BY values.
func (k *keyedTopSmall) Snapshot(dst []byte) ([]byte, error) {
	e := &snapEnc{b: dst}
	e.u8(snapVersion)
	e.u8('S')
	e.ivar(k.cfg.N)
	e.uvar(uint64(len(k.cfg.Keys)))
	e.uvar(uint64(k.cfg.Width))
	e.uvar(uint64(len(k.keys)))
	for i := range k.keys {
		key := &k.keys[i]
		e.bytes(k.arena.bytes(key.text, int(key.tlen)-1))
		e.ivar(key.seq)
		e.uvar(uint64(key.n))
		for _, s := range k.idx[key.at : key.at+uint32(key.n)] {
			e.valueList(k.decode(key, s))
			e.valueList(k.ksk)
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
	fresh.hmask = k.hmask
	w := k.cfg.Width
	var vals []Value
	for range n {
		text, seq, rows := d.bytes(), d.ivar(), d.count(1)
		if d.err != nil {
			return d.err
		}
		if int64(rows) > k.cfg.N {
			return errSnapTruncated
		}
		key := &fresh.keys[fresh.lookup(text)]
		key.seq = seq
		for range rows {
			vals = d.valuesInto(vals, w+1+len(k.cfg.Keys))
			if d.err != nil {
				return d.err
			}
			// The output key is the key's prefix and the row's arrival
			// number.
			ok, prefix := vals[w].S, fresh.prefix(key)
			if len(ok) <= len(prefix) || string(ok[:len(prefix)]) != string(prefix) {
				return errSnapTruncated
			}
			rseq, err := strconv.ParseInt(string(ok[len(prefix):]), 10, 64)
			if err != nil {
				return errSnapTruncated
			}
			copy(fresh.sk, vals[w+1:])
			if key.n == key.cap {
				fresh.grow(key)
			}
			fresh.idx[key.at+uint32(key.n)] = fresh.store(fresh.slot(), rseq, vals[:w])
			key.n++
			fresh.held++
		}
	}
	if err := d.done(); err != nil {
		return err
	}
	*k = *fresh
	return nil
}
