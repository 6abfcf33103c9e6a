package runtime

import (
	"bytes"
	"math"
	"strconv"
)

// Top-N as a changelog operator (SPEC §2 "Composed queries": ORDER BY …
// LIMIT n at the top of a continuous query).
//
// The result is the n rows the batch query returns: the first n rows of
// the live rows in ORDER BY order (NULL below every value: first under
// ASC, last under DESC, as MySQL and SQLite). Ties at the boundary, which
// SQL leaves open, go to the row that arrived earlier (for a keyed row:
// whose current version arrived earlier). The output is a changelog: an
// upsert when a row enters the top n (or a row in it changes), a delete
// (with the row) when it leaves, keyed by the text in the row's key slot
// (TopNOutKey):
//   - over an append-only input, each row is a new one keyed by its
//     arrival number in the partition (1, 2, …); a row that fell out can
//     never come back, so only the top n are kept;
//   - over a changelog input, rows are keyed by the input key; a retracted
//     row leaves and the next one comes back in, so every live row is
//     kept (an order-statistic treap: O(log rows) per change);
//   - over a GROUP BY (Inner), rows are the group stage's output keyed by
//     the group key (RowKey); EMIT FINAL groups (appended, never retracted)
//     keep only the top n.
//
// One input record (or one change of a changelog: a retraction and an
// insertion) emits each key at most once: deletes first, then upserts.

// TopNConfig configures a Top-N stage.
type TopNConfig struct {
	N     int64
	Keys  []Expr // ORDER BY expressions over the row the stage ranks
	Desc  []bool
	Inner Stage // the GROUP BY below, or nil: the ranked rows are the filtered input
	// Having applies to the Inner's rows (a GROUP BY's HAVING).
	Having Expr
	// Width is the width of a ranked row; the stage stores each with one
	// more value, its key text (slot Width, a TString).
	Width int
	// RowKey appends the key text of a ranked row that is keyed: an Inner
	// row upserted or deleted (its group key), or an input row of a
	// changelog retracted or inserted without an input key (the second
	// half of a repartition: the source's key columns).
	RowKey func(dst []byte, r Row) []byte
	// Bounded: no ranked row is ever retracted (append-only input, and no
	// Inner or an Inner that only appends), so only the top N are kept.
	Bounded bool
}

// TopNOutKey is Pipeline.OutKey of a query ending in a Top-N stage: the
// key slot at index width of the rows the stage emits.
func TopNOutKey(width int) func(dst []byte, r Row) []byte {
	return func(dst []byte, r Row) []byte { return append(dst, r[width].S...) }
}

// NewTopN returns a Top-N stage for one partition.
func NewTopN(cfg TopNConfig) Stage {
	return newTopN(&cfg, &topnScratch{sk: make([]Value, len(cfg.Keys))})
}

// newTopN returns a Top-N stage over cfg using the scratch space sh,
// which the stages of a keyed Top-N share.
func newTopN(cfg *TopNConfig, sh *topnScratch) *topnStage {
	return initTopN(&topnStage{}, cfg, sh)
}

// initTopN makes s (zero) a Top-N stage over cfg using sh.
func initTopN(s *topnStage, cfg *TopNConfig, sh *topnScratch) *topnStage {
	s.cfg, s.rng, s.sh = cfg, 0x9e3779b97f4a7c15, sh
	if !cfg.Bounded {
		s.byKey = map[string]*topnEntry{}
	}
	s.in = topnIn{s: s}
	return s
}

type topnEntry struct {
	row  Row     // the ranked row (deep copy) and its key slot; cap: with sk
	buf  []byte  // the bytes row and sk point into
	sk   []Value // ORDER BY values (deep copies)
	seq  int64   // arrival number of this version: earlier ranks first among ties
	pub  bool    // published as in the top N
	live bool

	// treap
	l, r *topnEntry
	prio uint64
	size int
}

type topnStage struct {
	cfg *TopNConfig
	// prefix starts the arrival-number keys of a Bounded stage: the key
	// text of its PARTITION BY key and '|' inside a keyed Top-N
	// (topn_keyed.go), so keys stay unique across its partitions.
	prefix string
	root   *topnEntry
	byKey  map[string]*topnEntry // keyed rows (nil when Bounded)
	seq    int64
	rng    uint64
	in     topnIn
	sh     *topnScratch

	batching bool
	ops      int          // changes since the last reconcile
	held     *topnEntry   // the entry retracted in the current change
	removed  []*topnEntry // published entries removed since then
	touched  []*topnEntry // entries inserted since then
	changed  []*topnEntry // published entries whose rows replace took in place
	// pending: the entry of the key the current change retracted, still
	// ranked: the change's insertion of the same key may replace its row
	// in place (replace); anything else removes it first (settle).
	pending *topnEntry
}

// topnScratch is a Top-N stage's working space between calls, shared by
// the stages of a keyed Top-N (one per PARTITION BY key, one call at a
// time), so that a key's stage costs only its own state.
type topnScratch struct {
	sk   []Value // ORDER BY values of the row being considered
	kbuf []byte
	pbuf []byte // prefix and input key
	dels []*topnEntry
	ups  []*topnEntry
	// removed and touched: lists a stage hands back once reconciled, for
	// the next stage's change.
	removed, touched []*topnEntry
	// free: entries a Bounded stage dropped from its top n, reused for
	// later rows (their rows were emitted by an earlier call).
	free []*topnEntry
	// entries and vals: chunks a Bounded stage's new entries and their
	// values are cut from (a Bounded stage's entries are never garbage
	// while it keeps reusing them).
	entries []topnEntry
	vals    []Value
	bbuf    []byte
}

// bytes cuts an empty buffer of capacity n from a chunk.
func (sh *topnScratch) bytes(n int) []byte {
	if len(sh.bbuf)+n > cap(sh.bbuf) {
		sh.bbuf = make([]byte, 0, max(n, 16<<10))
	}
	at := len(sh.bbuf)
	sh.bbuf = sh.bbuf[:at+n]
	return sh.bbuf[at : at : at+n]
}

const topnChunk = 64 // entries per chunk

var (
	_ RetractStage  = (*topnStage)(nil)
	_ changeBatcher = (*topnStage)(nil)
)

// Process implements Stage.
func (s *topnStage) Process(c *Ctx, r Row, eventTimeMs int64, out Downstream) {
	switch {
	case s.cfg.Inner != nil:
		s.cfg.Inner.Process(c, r, eventTimeMs, &s.in)
	case s.cfg.Bounded:
		s.appendRow(c, r)
	default:
		s.upsert(c, s.inputKey(c, r, out), r)
	}
	if !s.batching {
		s.reconcile(c, out)
	}
}

// Retract implements RetractStage.
func (s *topnStage) Retract(c *Ctx, r Row, eventTimeMs int64, out Downstream) {
	if s.cfg.Inner != nil {
		if rs, ok := s.cfg.Inner.(RetractStage); ok {
			rs.Retract(c, r, eventTimeMs, &s.in)
		}
	} else if s.byKey != nil {
		key := s.inputKey(c, r, out)
		if s.batching && s.pending == nil {
			if old := s.byKey[string(key)]; old != nil {
				s.pending = old // removed when the change does not replace it
				return
			}
		}
		s.remove(key)
	}
	if !s.batching {
		s.reconcile(c, out)
	}
}

// Advance implements Stage.
func (s *topnStage) Advance(c *Ctx, watermarkMs int64, out Downstream) {
	if s.cfg.Inner != nil {
		s.cfg.Inner.Advance(c, watermarkMs, &s.in)
		s.reconcile(c, out)
	}
}

func (s *topnStage) beginChange() {
	s.batching = true
	if b, ok := s.cfg.Inner.(changeBatcher); ok {
		b.beginChange()
	}
}

func (s *topnStage) endChange(c *Ctx, out Downstream) {
	if b, ok := s.cfg.Inner.(changeBatcher); ok {
		b.endChange(c, &s.in)
	}
	s.batching = false
	s.reconcile(c, out)
}

// inputKey is the key of a changelog input row: the input record's key,
// or (no key: the second half of a repartition) the row's key columns.
func (s *topnStage) inputKey(c *Ctx, r Row, out Downstream) []byte {
	var key []byte
	switch p, ok := out.(*Pipeline); {
	case ok && p.inKey != nil:
		key = p.inKey
	case s.cfg.RowKey != nil:
		s.sh.kbuf = s.cfg.RowKey(s.sh.kbuf[:0], r)
		key = s.sh.kbuf
	default:
		return nil
	}
	if s.prefix != "" {
		// In a keyed Top-N a row moving to another PARTITION BY key is
		// deleted there and upserted here, maybe by another partition
		// loop: two keys, so their order does not matter.
		s.sh.pbuf = append(append(s.sh.pbuf[:0], s.prefix...), key...)
		return s.sh.pbuf
	}
	return key
}

// topnIn is the Downstream the Inner stage emits to.
type topnIn struct{ s *topnStage }

func (t *topnIn) having(c *Ctx, r Row) bool {
	h := t.s.cfg.Having
	if h == nil {
		return true
	}
	v := h(c, r)
	return c.Err == nil && v.T != TNull && Truthy(v)
}

// Emit is an appended Inner row (EMIT FINAL): a new row.
func (t *topnIn) Emit(c *Ctx, r Row) {
	if !t.having(c, r) {
		return
	}
	if t.s.cfg.Bounded {
		t.s.appendRow(c, r)
		return
	}
	t.s.sh.kbuf = t.s.cfg.RowKey(t.s.sh.kbuf[:0], r)
	t.s.upsert(c, t.s.sh.kbuf, r)
}

// Upsert replaces the row of r's key when HAVING holds.
func (t *topnIn) Upsert(c *Ctx, r Row) bool {
	if !t.having(c, r) {
		return false
	}
	t.s.sh.kbuf = t.s.cfg.RowKey(t.s.sh.kbuf[:0], r)
	t.s.upsert(c, t.s.sh.kbuf, r)
	return c.Err == nil
}

// Delete removes the row of r's key.
func (t *topnIn) Delete(c *Ctx, r Row) {
	t.s.sh.kbuf = t.s.cfg.RowKey(t.s.sh.kbuf[:0], r)
	t.s.remove(t.s.sh.kbuf)
}

func (t *topnIn) hasHaving() bool { return t.s.cfg.Having != nil }

// sortKey evaluates the ORDER BY values of r into s.sh.sk.
func (s *topnStage) sortKey(c *Ctx, r Row) bool {
	for i, k := range s.cfg.Keys {
		s.sh.sk[i] = k(c, r)
		if c.Err != nil {
			return false
		}
	}
	return true
}

// newEntry copies r, its key and s.sh.sk into a new entry that arrived
// s.seq-th.
func (s *topnStage) newEntry(r Row, key []byte) *topnEntry {
	var e *topnEntry
	if n := len(s.sh.free); n > 0 {
		e = s.sh.free[n-1]
		s.sh.free[n-1] = nil
		s.sh.free = s.sh.free[:n-1]
	} else if s.cfg.Bounded {
		sh := s.sh
		w := s.cfg.Width + 1 + len(s.cfg.Keys)
		if len(sh.entries) == cap(sh.entries) {
			sh.entries = make([]topnEntry, 0, topnChunk)
			sh.vals = make([]Value, 0, topnChunk*w)
		}
		es, vs := sh.entries, sh.vals
		e = &es[:len(es)+1][len(es)]
		e.row = vs[len(vs) : len(vs)+w : len(vs)+w]
		sh.entries, sh.vals = es[:len(es)+1], vs[:len(vs)+w]
	}
	return s.fill(e, r, key)
}

// fill copies r, its key and s.sh.sk into e (reusing its memory; nil: a new
// entry), which arrived s.seq-th.
func (s *topnStage) fill(e *topnEntry, r Row, key []byte) *topnEntry {
	n := len(key)
	for i := range r[:s.cfg.Width] {
		n += len(r[i].S)
	}
	for i := range s.sh.sk {
		n += len(s.sh.sk[i].S)
	}
	var buf []byte
	var vals []Value
	switch {
	case e != nil && cap(e.buf) >= n:
		buf = e.buf[:0]
	case e != nil && e.buf == nil && s.cfg.Bounded: // a new entry of a chunk
		buf = s.sh.bytes(n + n/4)
	default:
		buf = make([]byte, 0, n+n/4) // room for a longer row when e is reused
	}
	if e != nil {
		vals = e.row[:cap(e.row)]
	} else {
		vals = make([]Value, s.cfg.Width+1+len(s.sh.sk))
	}
	cp := func(dst *Value, v Value) {
		*dst = v
		if v.S != nil {
			start := len(buf)
			buf = append(buf, v.S...)
			dst.S = buf[start:len(buf):len(buf)]
		}
	}
	// The key first: at the start of buf whatever the row, so that an entry
	// refilled under its key (upsert) keeps the key's bytes where the
	// key's map entry points (byKey holds a view of them, not a copy).
	cp(&vals[s.cfg.Width], String(key))
	for i := 0; i < s.cfg.Width; i++ {
		cp(&vals[i], r[i])
	}
	sk := vals[s.cfg.Width+1:]
	for i := range s.sh.sk {
		cp(&sk[i], s.sh.sk[i])
	}
	s.rng ^= s.rng << 13
	s.rng ^= s.rng >> 7
	s.rng ^= s.rng << 17
	if e == nil {
		e = &topnEntry{}
	}
	*e = topnEntry{row: vals[:s.cfg.Width+1], sk: sk, buf: buf, seq: s.seq, live: true, prio: s.rng, size: 1}
	return e
}

// appendRow ranks a new row of an append-only input: kept only when it
// makes the top N.
func (s *topnStage) appendRow(c *Ctx, r Row) {
	if !s.sortKey(c, r) {
		return
	}
	s.seq++ // every row counts: its key is its arrival number
	if s.cfg.N <= 0 {
		return
	}
	if int64(size(s.root)) >= s.cfg.N {
		worst := s.at(int(s.cfg.N) - 1)
		if s.cmpKey(s.sh.sk, worst) >= 0 { // equal: the earlier row wins
			return
		}
	}
	key := strconv.AppendInt(append(s.sh.kbuf[:0], s.prefix...), s.seq, 10)
	e := s.newEntry(r, key)
	s.sh.kbuf = key
	s.insert(e)
	s.touch(e)
	s.ops++
}

// touch notes e inserted in the current change.
func (s *topnStage) touch(e *topnEntry) {
	if s.touched == nil {
		s.touched, s.sh.touched = s.sh.touched, nil
	}
	s.touched = append(s.touched, e)
}

// upsert replaces the row of key. A row equal to the key's current one
// (or, within one change, to the one just retracted: an update that
// changes nothing, or ExecuteChange putting a row back after a failed
// insertion) keeps its entry, its arrival and what was published.
func (s *topnStage) upsert(c *Ctx, key []byte, r Row) {
	if !s.sortKey(c, r) {
		return
	}
	if p := s.pending; p != nil {
		if string(p.row[s.cfg.Width].S) == string(key) && s.replace(p, r, key) {
			return
		}
		s.settle()
	}
	old := s.byKey[string(key)]
	if old != nil && s.sameRow(old, r) {
		return
	}
	if h := s.held; old == nil && h != nil && string(h.row[s.cfg.Width].S) == string(key) && s.sameRow(h, r) {
		s.held = nil
		h.live = true
		s.insert(h)
		s.byKey[unsafeString(h.row[s.cfg.Width].S)] = h
		if h.pub {
			if i := len(s.removed) - 1; i >= 0 && s.removed[i] == h {
				s.removed = s.removed[:i]
			}
		}
		s.ops++
		return
	}
	if old != nil {
		s.drop(old)
	}
	s.seq++
	var e *topnEntry
	if old != nil && !old.pub {
		// Not published: no delete needs its row, so it takes the new one
		// (the map already holds it under this key).
		e = s.fill(old, r, key)
	} else {
		e = s.newEntry(r, key)
		s.byKey[unsafeString(e.row[s.cfg.Width].S)] = e // the entry's own bytes: see fill
	}
	s.insert(e)
	s.touch(e)
	s.ops++
}

// replace takes r (ORDER BY values s.sh.sk) as the new row of pending
// entry e, of key key, in place when that moves no row: the same row
// (nothing changes), or the same ORDER BY values and no later row with
// them (the new version, the latest arrival, ranks where e is). A
// published entry's new row is upserted by reconcile; an unpublished one
// stays out. It reports whether it did.
func (s *topnStage) replace(e *topnEntry, r Row, key []byte) bool {
	if s.sameRow(e, r) {
		s.pending = nil
		return true
	}
	if s.cmpKey(s.sh.sk, e) != 0 {
		return false
	}
	if i := s.rank(e) + 1; i < size(s.root) && s.cmpKey(s.sh.sk, s.at(i)) == 0 {
		return false
	}
	s.seq++
	l, rt, prio, sz, pub := e.l, e.r, e.prio, e.size, e.pub
	s.fill(e, r, key) // the key first in its buffer: where byKey's view of it points
	e.l, e.r, e.prio, e.size, e.pub = l, rt, prio, sz, pub
	s.pending = nil
	if pub {
		s.changed = append(s.changed, e)
	}
	return true
}

// settle removes the pending entry, which the change did not replace.
func (s *topnStage) settle() {
	if e := s.pending; e != nil {
		s.pending = nil
		s.remove(e.row[s.cfg.Width].S)
	}
}

// remove deletes the row of key.
func (s *topnStage) remove(key []byte) {
	s.settle()
	if old := s.byKey[string(key)]; old != nil {
		s.drop(old)
		delete(s.byKey, string(key))
		s.ops++
		if s.batching {
			s.held = old // the same row may come back in this change
		}
	}
}

// sameRow reports whether r (with ORDER BY values s.sh.sk) is exactly e's row.
func (s *topnStage) sameRow(e *topnEntry, r Row) bool {
	same := func(a, b *Value) bool {
		return a.T == b.T && a.Scale == b.Scale && a.I == b.I && math.Float64bits(a.F) == math.Float64bits(b.F) && bytes.Equal(a.S, b.S)
	}
	for i := 0; i < s.cfg.Width; i++ {
		if !same(&r[i], &e.row[i]) {
			return false
		}
	}
	for i := range s.sh.sk {
		if !same(&s.sh.sk[i], &e.sk[i]) {
			return false
		}
	}
	return true
}

func (s *topnStage) drop(e *topnEntry) {
	s.root = s.del(s.root, e)
	e.live = false
	if e.pub {
		if s.removed == nil {
			s.removed, s.sh.removed = s.sh.removed, nil
		}
		s.removed = append(s.removed, e)
	}
}

// reconcile publishes what the changes since the last call did to the top
// N: deletes of rows that left it, then upserts of rows that entered it or
// changed in it.
func (s *topnStage) reconcile(c *Ctx, out Downstream) {
	s.settle()
	if s.ops == 0 && len(s.removed) == 0 && len(s.touched) == 0 && len(s.changed) == 0 {
		return
	}
	n := int(min(s.cfg.N, int64(1<<40)))
	s.sh.dels, s.sh.ups = s.sh.dels[:0], s.sh.ups[:0]
	for _, e := range s.removed {
		if s.byKey != nil {
			if ne := s.byKey[string(e.row[s.cfg.Width].S)]; ne != nil && s.rank(ne) < n {
				continue // replaced by a row in the top N: upserted below
			}
		}
		s.sh.dels = append(s.sh.dels, e)
	}
	// Untouched rows moved by at most ops places: only those around the
	// boundary can have entered or left.
	total := size(s.root)
	for i := max(0, n-s.ops); i < min(total, n+s.ops); i++ {
		e := s.at(i)
		switch want := i < n; {
		case want && !e.pub:
			e.pub = true
			s.sh.ups = append(s.sh.ups, e)
		case !want && e.pub:
			e.pub = false
			s.sh.dels = append(s.sh.dels, e)
		}
	}
	for _, e := range s.touched {
		if e.live && !e.pub && s.rank(e) < n {
			e.pub = true
			s.sh.ups = append(s.sh.ups, e)
		}
	}
	s.sh.ups = append(s.sh.ups, s.changed...)
	if s.cfg.Bounded {
		for size(s.root) > n {
			e := s.at(size(s.root) - 1)
			s.root = s.del(s.root, e)
			s.sh.free = append(s.sh.free, e) // its delete, if any, is emitted below
		}
	}
	cd, _ := out.(ChangeDownstream)
	for _, e := range s.sh.dels {
		if cd != nil {
			cd.Delete(c, e.row)
		}
	}
	for _, e := range s.sh.ups {
		if cd != nil {
			cd.Upsert(c, e.row)
		} else {
			out.Emit(c, e.row)
		}
	}
	clear(s.removed)
	clear(s.touched)
	clear(s.changed)
	s.changed = s.changed[:0]
	s.removed, s.touched, s.ops, s.held = s.removed[:0], s.touched[:0], 0, nil
	if len(s.sh.free) > maxTopNFree {
		clear(s.sh.free[maxTopNFree:])
		s.sh.free = s.sh.free[:maxTopNFree]
	}
	if cap(s.touched) >= cap(s.sh.touched) {
		s.sh.touched, s.touched = s.touched, nil
	}
	if cap(s.removed) >= cap(s.sh.removed) {
		s.sh.removed, s.removed = s.removed, nil
	}
}

// maxTopNFree bounds the entries kept for reuse.
const maxTopNFree = 64

// cmpKey orders sort key sk against entry e (equal keys: 0).
func (s *topnStage) cmpKey(sk []Value, e *topnEntry) int {
	return topnCmpKeys(sk, e.sk, s.cfg.Desc)
}

// less orders entries: ORDER BY, then arrival.
func (s *topnStage) less(a, b *topnEntry) bool {
	if d := s.cmpKey(a.sk, b); d != 0 {
		return d < 0
	}
	return a.seq < b.seq
}

// Order-statistic treap.

func size(e *topnEntry) int {
	if e == nil {
		return 0
	}
	return e.size
}

func (e *topnEntry) fix() { e.size = 1 + size(e.l) + size(e.r) }

// split divides t into the entries ordered before e and the rest.
func (s *topnStage) split(t, e *topnEntry) (*topnEntry, *topnEntry) {
	if t == nil {
		return nil, nil
	}
	if s.less(t, e) {
		l, r := s.split(t.r, e)
		t.r = l
		t.fix()
		return t, r
	}
	l, r := s.split(t.l, e)
	t.l = r
	t.fix()
	return l, t
}

func merge(a, b *topnEntry) *topnEntry {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case a.prio > b.prio:
		a.r = merge(a.r, b)
		a.fix()
		return a
	}
	b.l = merge(a, b.l)
	b.fix()
	return b
}

func (s *topnStage) insert(e *topnEntry) {
	e.l, e.r, e.size = nil, nil, 1
	l, r := s.split(s.root, e)
	s.root = merge(merge(l, e), r)
}

// del removes e (present) from t.
func (s *topnStage) del(t, e *topnEntry) *topnEntry {
	if t == e {
		return merge(t.l, t.r)
	}
	if s.less(e, t) {
		t.l = s.del(t.l, e)
	} else {
		t.r = s.del(t.r, e)
	}
	t.fix()
	return t
}

// rank is e's 0-based position.
func (s *topnStage) rank(e *topnEntry) int {
	r, t := 0, s.root
	for t != nil {
		switch {
		case t == e:
			return r + size(t.l)
		case s.less(e, t):
			t = t.l
		default:
			r += size(t.l) + 1
			t = t.r
		}
	}
	return 1 << 62 // not reached: e is live
}

// at is the entry at position i (0 <= i < size).
func (s *topnStage) at(i int) *topnEntry {
	t := s.root
	for {
		switch l := size(t.l); {
		case i < l:
			t = t.l
		case i == l:
			return t
		default:
			i -= l + 1
			t = t.r
		}
	}
}
