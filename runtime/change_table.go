package runtime

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// ChangeTable holds the last row of each key of a changelog input, for one
// partition: what an upsert replaces and a delete removes. Keys are the key
// text (Velort-Key). Each entry keeps the row's payload (an owned copy:
// what checkpoints store and a repartition forwards) and, once KeepRows
// was called, the decoded values of the columns the query reads, so that a
// change retracts the old row without decoding its payload again. An
// entry put from a payload alone (a restored checkpoint, Apply) has no
// decoded row until the next Set.
//
// After KeyInts (a key of one BIGINT column), keys that are the text of a
// BIGINT (strconv.FormatInt's: no sign but '-', no leading zero) are kept
// by their number instead: no key text to hash or copy. The table is the
// same map from key texts to rows; LookupInt and SetInt take the number
// whose text is the key.
type ChangeTable struct {
	ids  map[string]int32 // key → entry
	ints *intIndex        // KeyInts: canonical BIGINT key texts, by number
	ents []changeEntry
	free []int32
	prev []byte // Apply: the replaced payload, valid until the next Apply

	cols  []int   // KeepRows: the columns kept decoded
	width int     // KeepRows: values per entry (the input's columns)
	rows  []Value // width per entry: the kept columns' values, NULL elsewhere
}

type changeEntry struct {
	key     string // the key text, unless isInt
	ik      int64  // isInt: the key is ik's text
	isInt   bool
	payload []byte
	buf     []byte // the bytes of the entry's kept string values
	hasRow  bool
	at      uint32 // Pipeline.ExecuteChangeAt's hint for the row (0: none)
}

// NewChangeTable returns an empty table.
func NewChangeTable() *ChangeTable { return &ChangeTable{ids: map[string]int32{}} }

// KeepRows makes Set keep the decoded values of the columns read marks
// (nil: all width columns), in a row of width values per key (48 bytes
// each, besides the kept strings' bytes). Call it before the first Set.
func (t *ChangeTable) KeepRows(width int, read []bool) {
	t.width = width
	t.cols = t.cols[:0]
	for i := range width {
		if read == nil || (i < len(read) && read[i]) {
			t.cols = append(t.cols, i)
		}
	}
}

// KeyInts keys the texts of BIGINTs by their number (see ChangeTable).
// Call it before the first entry.
func (t *ChangeTable) KeyInts() {
	if t.ints == nil {
		t.ints = newIntIndex()
	}
}

// Lookup returns the entry of key, if it has one (else -1).
func (t *ChangeTable) Lookup(key []byte) (id int32, ok bool) {
	if k, isInt := t.intKey(key); isInt {
		return t.LookupInt(k)
	}
	if id, ok := t.ids[string(key)]; ok {
		return id, true
	}
	return -1, false
}

// LookupInt is Lookup of the key strconv.AppendInt(nil, k, 10), after
// KeyInts.
func (t *ChangeTable) LookupInt(k int64) (id int32, ok bool) {
	return t.ints.get(k)
}

// intKey reports whether key is kept by its number, and which.
func (t *ChangeTable) intKey(key []byte) (int64, bool) {
	if t.ints == nil {
		return 0, false
	}
	return canonicalInt(key)
}

// canonicalInt reports whether b is the text strconv.FormatInt writes for
// some int64, and which.
func canonicalInt(b []byte) (int64, bool) {
	d := b
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 19 || (d[0] == '0' && len(b) > 1) {
		return 0, false // empty, too long, a leading zero or -0
	}
	var u uint64
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0') // 19 digits cannot overflow a uint64
	}
	if len(d) == len(b) {
		if u > math.MaxInt64 {
			return 0, false
		}
		return int64(u), true
	}
	if u > 1<<63 {
		return 0, false
	}
	return -int64(u), true
}

// Payload returns entry id's payload (owned by the table: valid until the
// entry is next changed).
func (t *ChangeTable) Payload(id int32) []byte { return t.ents[id].payload }

// OldRow returns entry id's kept row (owned by the table: valid until the
// entry is next changed), or nil when the entry has none (the row must then
// be decoded from its payload). Columns not kept are NULL.
func (t *ChangeTable) OldRow(id int32) Row {
	if !t.ents[id].hasRow {
		return nil
	}
	w := t.width
	return t.rows[int(id)*w : int(id)*w+w : int(id)*w+w]
}

// Set makes payload and row the last row of key, in entry id when id >= 0
// (from Lookup), in a new entry otherwise, and returns the entry. Both are
// copied; payload may be nil (rows only) and row nil (payload only: the
// entry then has no decoded row). The entry's hint is reset (SetAt).
func (t *ChangeTable) Set(id int32, key, payload []byte, row Row) int32 {
	if id < 0 {
		if k, isInt := t.intKey(key); isInt {
			id = t.newIntEntry(k)
		} else {
			id = t.newEntry(string(key))
		}
	}
	t.set(id, payload, row)
	return id
}

// SetInt is Set of the key strconv.AppendInt(nil, k, 10), after KeyInts.
func (t *ChangeTable) SetInt(id int32, k int64, payload []byte, row Row) int32 {
	if id < 0 {
		id = t.newIntEntry(k)
	}
	t.set(id, payload, row)
	return id
}

// At returns entry id's hint: what Pipeline.ExecuteChangeAt returned for
// the change that set its row (0: none), to pass when the row is replaced.
func (t *ChangeTable) At(id int32) uint32 { return t.ents[id].at }

// SetAt keeps hint at for entry id's current row (after Set).
func (t *ChangeTable) SetAt(id int32, at uint32) { t.ents[id].at = at }

// set makes payload and row entry id's.
func (t *ChangeTable) set(id int32, payload []byte, row Row) {
	e := &t.ents[id]
	if len(payload) > 0 || len(e.payload) > 0 {
		e.payload = append(e.payload[:0], payload...)
	}
	e.hasRow, e.at = false, 0
	if row == nil || t.cols == nil {
		return
	}
	w := t.width
	kept := t.rows[int(id)*w : int(id)*w+w : int(id)*w+w]
	b := e.buf[:0]
	c0 := cap(b)
	// Value by value (a bulk copy of the row is a typedslicecopy call),
	// each string into the entry's buffer.
	for _, c := range t.cols {
		v := &kept[c]
		*v = row[c]
		if v.S != nil {
			off := len(b)
			b = append(b, v.S...)
			v.S = b[off:len(b):len(b)]
		}
	}
	if cap(b) != c0 {
		// The buffer grew: point every kept string into the final one.
		off := 0
		for _, c := range t.cols {
			if v := &kept[c]; v.S != nil {
				n := off + len(v.S)
				v.S = b[off:n:n]
				off = n
			}
		}
	}
	e.buf, e.hasRow = b, true
}

// newEntry adds an entry for key.
func (t *ChangeTable) newEntry(key string) int32 {
	id := t.alloc()
	t.ents[id].key, t.ents[id].isInt = key, false
	t.ids[key] = id
	return id
}

// newIntEntry adds an entry for the key that is k's text.
func (t *ChangeTable) newIntEntry(k int64) int32 {
	id := t.alloc()
	t.ents[id].ik, t.ents[id].isInt = k, true
	t.ints.put(k, id)
	return id
}

// alloc returns an unused entry.
func (t *ChangeTable) alloc() int32 {
	var id int32
	if n := len(t.free); n > 0 {
		id = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		id = int32(len(t.ents))
		t.ents = extend(t.ents, 1)
		t.rows = extend(t.rows, t.width)
	}
	return id
}

// Remove deletes entry id (its buffers are kept for the next entry).
func (t *ChangeTable) Remove(id int32) {
	e := &t.ents[id]
	if e.isInt {
		t.ints.del(e.ik)
	} else {
		delete(t.ids, e.key)
	}
	e.key, e.isInt, e.hasRow, e.at = "", false, false, 0
	e.payload = e.payload[:0]
	t.free = append(t.free, id)
}

// Apply records op for key (payload is the new row for an upsert) and
// returns the payload it replaced or deleted, if any. The returned slice
// is valid until the next Apply. The entry keeps no decoded row.
func (t *ChangeTable) Apply(op Op, key, payload []byte) (old []byte, ok bool) {
	id, had := t.Lookup(key)
	if !had {
		if op != OpDelete {
			t.Set(-1, key, payload, nil)
		}
		return nil, false
	}
	// The old payload becomes prev and prev's buffer takes the new one:
	// one copy per change, not two.
	e := &t.ents[id]
	t.prev, e.payload = e.payload, t.prev
	if op == OpDelete {
		e.payload = nil
		t.Remove(id)
	} else {
		e.payload = append(e.payload[:0], payload...)
		e.hasRow, e.at = false, 0
	}
	return t.prev, true
}

// Len is the number of live keys.
func (t *ChangeTable) Len() int {
	if t.ints == nil {
		return len(t.ids)
	}
	return len(t.ids) + t.ints.n
}

// Range calls f for each live key and payload (for checkpoints), in no
// particular order; f must not keep the slices.
func (t *ChangeTable) Range(f func(key string, payload []byte)) {
	for k, id := range t.ids {
		f(k, t.ents[id].payload)
	}
	if t.ints != nil {
		t.ints.each(func(k int64, id int32) { f(strconv.FormatInt(k, 10), t.ents[id].payload) })
	}
}

// Put sets the payload of key (restoring a checkpoint); the entry has no
// decoded row.
func (t *ChangeTable) Put(key string, payload []byte) {
	id, _ := t.Lookup([]byte(key))
	t.Set(id, []byte(key), payload, nil)
}

// ChangeTable snapshot layout (after the version byte, tag 'T'): #keys,
// then per key in byte order: key, payload (each length-prefixed).
const snapTableTag = 'T'

// Snapshot appends the table's rows to dst (for checkpoints). Keys are
// sorted, so equal tables encode equally.
func (t *ChangeTable) Snapshot(dst []byte) []byte {
	e := snapEnc{b: dst}
	e.u8(snapVersion)
	e.u8(snapTableTag)
	type kp struct {
		key string
		id  int32
	}
	keys := make([]kp, 0, t.Len())
	for k, id := range t.ids {
		keys = append(keys, kp{k, id})
	}
	if t.ints != nil {
		t.ints.each(func(k int64, id int32) { keys = append(keys, kp{strconv.FormatInt(k, 10), id}) })
	}
	slices.SortFunc(keys, func(a, b kp) int { return strings.Compare(a.key, b.key) })
	e.uvar(uint64(len(keys)))
	for _, k := range keys {
		e.uvar(uint64(len(k.key)))
		e.b = append(e.b, k.key...)
		e.bytes(t.ents[k.id].payload)
	}
	return e.b
}

// Restore replaces the table's rows with a snapshot's (copied: b may be
// reused afterwards). On error the table is left empty.
func (t *ChangeTable) Restore(b []byte) error {
	t.clear()
	d := &snapDec{b: b}
	d.expect("snapshot version", int64(d.u8()), snapVersion)
	d.expect("snapshot kind (T = changelog table)", int64(d.u8()), snapTableTag)
	n := d.count(2)
	for range n {
		k := d.bytes()
		v := d.bytes()
		if d.err != nil {
			break
		}
		t.Put(string(k), v)
	}
	if err := d.done(); err != nil {
		t.clear()
		return err
	}
	return nil
}

// clear removes every entry.
func (t *ChangeTable) clear() {
	clear(t.ids)
	if t.ints != nil {
		t.ints.clear()
	}
	t.ents, t.free, t.rows = t.ents[:0], t.free[:0], t.rows[:0]
}
