package runtime

import "slices"

// ChangeTable holds the last row of each key of a changelog input, for one
// partition: what an upsert replaces and a delete removes. Keys are the key
// text (Velort-Key). Each entry keeps the row's payload (an owned copy:
// what checkpoints store and a repartition forwards) and, once KeepRows
// was called, the decoded values of the columns the query reads, so that a
// change retracts the old row without decoding its payload again. An
// entry put from a payload alone (a restored checkpoint, Apply) has no
// decoded row until the next Set.
type ChangeTable struct {
	ids  map[string]int32 // key → entry
	ents []changeEntry
	free []int32
	prev []byte // Apply: the replaced payload, valid until the next Apply

	cols  []int   // KeepRows: the columns kept decoded
	width int     // KeepRows: values per entry (the input's columns)
	rows  []Value // width per entry: the kept columns' values, NULL elsewhere
}

type changeEntry struct {
	key     string
	payload []byte
	buf     []byte // the bytes of the entry's kept string values
	hasRow  bool
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

// Lookup returns the entry of key, if it has one (else -1).
func (t *ChangeTable) Lookup(key []byte) (id int32, ok bool) {
	if id, ok := t.ids[string(key)]; ok {
		return id, true
	}
	return -1, false
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
// (from Lookup), in a new entry otherwise. Both are copied; payload may be
// nil (rows only) and row nil (payload only: the entry then has no
// decoded row).
func (t *ChangeTable) Set(id int32, key, payload []byte, row Row) {
	if id < 0 {
		id = t.newEntry(string(key))
	}
	e := &t.ents[id]
	e.payload = append(e.payload[:0], payload...)
	e.hasRow = false
	if row == nil || t.cols == nil {
		return
	}
	w := t.width
	kept := t.rows[int(id)*w : int(id)*w+w : int(id)*w+w]
	b := e.buf[:0]
	c0 := cap(b)
	if len(t.cols) == w {
		// Every column: one bulk copy, then the strings into the buffer.
		copy(kept, row)
		for c := range kept {
			if v := &kept[c]; v.S != nil {
				off := len(b)
				b = append(b, v.S...)
				v.S = b[off:len(b):len(b)]
			}
		}
	} else {
		for _, c := range t.cols {
			v := row[c]
			if v.S != nil {
				off := len(b)
				b = append(b, v.S...)
				v.S = b[off:len(b):len(b)]
			}
			kept[c] = v
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
	var id int32
	if n := len(t.free); n > 0 {
		id = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		id = int32(len(t.ents))
		t.ents = append(t.ents, changeEntry{})
		for range t.width {
			t.rows = append(t.rows, Value{})
		}
	}
	t.ents[id].key = key
	t.ids[key] = id
	return id
}

// Remove deletes entry id (its buffers are kept for the next entry).
func (t *ChangeTable) Remove(id int32) {
	e := &t.ents[id]
	delete(t.ids, e.key)
	e.key, e.hasRow = "", false
	e.payload = e.payload[:0]
	t.free = append(t.free, id)
}

// Apply records op for key (payload is the new row for an upsert) and
// returns the payload it replaced or deleted, if any. The returned slice
// is valid until the next Apply. The entry keeps no decoded row.
func (t *ChangeTable) Apply(op Op, key, payload []byte) (old []byte, ok bool) {
	id, had := t.ids[string(key)]
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
		e.hasRow = false
	}
	return t.prev, true
}

// Len is the number of live keys.
func (t *ChangeTable) Len() int { return len(t.ids) }

// Range calls f for each live key and payload (for checkpoints), in no
// particular order; f must not keep the slices.
func (t *ChangeTable) Range(f func(key string, payload []byte)) {
	for k, id := range t.ids {
		f(k, t.ents[id].payload)
	}
}

// Put sets the payload of key (restoring a checkpoint); the entry has no
// decoded row.
func (t *ChangeTable) Put(key string, payload []byte) {
	id, ok := t.ids[key]
	if !ok {
		id = t.newEntry(key)
	}
	t.Set(id, nil, payload, nil)
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
	keys := make([]string, 0, len(t.ids))
	for k := range t.ids {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.uvar(uint64(len(keys)))
	for _, k := range keys {
		e.uvar(uint64(len(k)))
		e.b = append(e.b, k...)
		e.bytes(t.ents[t.ids[k]].payload)
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
	t.ents, t.free, t.rows = t.ents[:0], t.free[:0], t.rows[:0]
}
