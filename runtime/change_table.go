package runtime

// ChangeTable holds the last payload of each key of a changelog input,
// for one partition: what an upsert replaces and a delete removes. Keys
// are the key text (Velort-Key); payloads are owned copies.
type ChangeTable struct {
	rows map[string][]byte
	prev []byte // the replaced payload, valid until the next Apply
}

// NewChangeTable returns an empty table.
func NewChangeTable() *ChangeTable { return &ChangeTable{rows: map[string][]byte{}} }

// Apply records op for key (payload is the new row for an upsert) and
// returns the payload it replaced or deleted, if any. The returned slice
// is valid until the next Apply.
func (t *ChangeTable) Apply(op Op, key, payload []byte) (old []byte, ok bool) {
	cur, had := t.rows[string(key)]
	t.prev = append(t.prev[:0], cur...)
	switch op {
	case OpDelete:
		if had {
			delete(t.rows, string(key))
		}
	default:
		if had {
			t.rows[string(key)] = append(cur[:0], payload...)
		} else {
			t.rows[string(key)] = append([]byte(nil), payload...)
		}
	}
	if !had {
		return nil, false
	}
	return t.prev, true
}

// Len is the number of live keys.
func (t *ChangeTable) Len() int { return len(t.rows) }

// Range calls f for each live key and payload (for checkpoints), in no
// particular order; f must not keep the slices.
func (t *ChangeTable) Range(f func(key string, payload []byte)) {
	for k, v := range t.rows {
		f(k, v)
	}
}

// Put sets the payload of key (restoring a checkpoint).
func (t *ChangeTable) Put(key string, payload []byte) {
	t.rows[key] = append([]byte(nil), payload...)
}
