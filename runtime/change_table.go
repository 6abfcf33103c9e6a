package runtime

import "slices"

// ChangeTable holds the last payload of each key of a changelog input,
// for one partition: what an upsert replaces and a delete removes. Keys
// are the key text (Velort-Key); payloads are owned copies.
type ChangeTable struct {
	rows map[string]*[]byte // a pointer, so that replacing a row does not store the key again
	prev []byte             // the replaced payload, valid until the next Apply
}

// NewChangeTable returns an empty table.
func NewChangeTable() *ChangeTable { return &ChangeTable{rows: map[string]*[]byte{}} }

// Apply records op for key (payload is the new row for an upsert) and
// returns the payload it replaced or deleted, if any. The returned slice
// is valid until the next Apply.
func (t *ChangeTable) Apply(op Op, key, payload []byte) (old []byte, ok bool) {
	cur, had := t.rows[string(key)]
	if !had {
		if op != OpDelete {
			row := append([]byte(nil), payload...)
			t.rows[string(key)] = &row
		}
		return nil, false
	}
	// The old payload becomes prev and prev's buffer takes the new one:
	// one copy per change, not two.
	t.prev, *cur = *cur, t.prev
	if op == OpDelete {
		delete(t.rows, string(key))
	} else {
		*cur = append((*cur)[:0], payload...)
	}
	return t.prev, true
}

// Len is the number of live keys.
func (t *ChangeTable) Len() int { return len(t.rows) }

// Range calls f for each live key and payload (for checkpoints), in no
// particular order; f must not keep the slices.
func (t *ChangeTable) Range(f func(key string, payload []byte)) {
	for k, v := range t.rows {
		f(k, *v)
	}
}

// Put sets the payload of key (restoring a checkpoint).
func (t *ChangeTable) Put(key string, payload []byte) {
	row := append([]byte(nil), payload...)
	t.rows[key] = &row
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
	keys := make([]string, 0, len(t.rows))
	for k := range t.rows {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.uvar(uint64(len(keys)))
	for _, k := range keys {
		e.uvar(uint64(len(k)))
		e.b = append(e.b, k...)
		e.bytes(*t.rows[k])
	}
	return e.b
}

// Restore replaces the table's rows with a snapshot's (copied: b may be
// reused afterwards). On error the table is left empty.
func (t *ChangeTable) Restore(b []byte) error {
	clear(t.rows)
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
		row := append([]byte(nil), v...)
		t.rows[string(k)] = &row
	}
	if err := d.done(); err != nil {
		clear(t.rows)
		return err
	}
	return nil
}
