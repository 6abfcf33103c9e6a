package runtime

import (
	"strconv"
	"sync"
)

// Table is an in-memory keyed table: the live contents of a KV-backed
// table (written by a watcher) or of a materialized query (written by the
// partitions that own its groups), read by lookups in partition loops and by
// the MySQL server. It is the one runtime structure shared between
// goroutines, so it is guarded by a read-write lock; rows are copied in and
// out, never aliased.
type Table struct {
	mu      sync.RWMutex
	schema  Schema
	rows    map[string]Row
	order   []string           // keys in first-insert order, for stable snapshots
	indexes map[int]*secondary // column → index, for lookups on non-key columns
}

type secondary struct {
	byValue map[string]map[string]struct{} // column value text → primary keys
}

// NewTable returns an empty table of the given schema.
func NewTable(schema Schema) *Table {
	return &Table{schema: schema, rows: map[string]Row{}, indexes: map[int]*secondary{}}
}

// Schema returns the table's columns.
func (t *Table) Schema() Schema { return t.schema }

// EnsureIndex maintains an index on column col so that LookupBy(col, …)
// needs no scan. Call before rows arrive (at plan time).
func (t *Table) EnsureIndex(col int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.indexes[col]; ok {
		return
	}
	ix := &secondary{byValue: map[string]map[string]struct{}{}}
	for k, r := range t.rows {
		ix.add(valueKey(nil, r[col]), k)
	}
	t.indexes[col] = ix
}

func (ix *secondary) add(v []byte, key string) {
	set := ix.byValue[string(v)]
	if set == nil {
		set = map[string]struct{}{}
		ix.byValue[string(v)] = set
	}
	set[key] = struct{}{}
}

func (ix *secondary) remove(v []byte, key string) {
	if set := ix.byValue[string(v)]; set != nil {
		delete(set, key)
		if len(set) == 0 {
			delete(ix.byValue, string(v))
		}
	}
}

// Put inserts or replaces the row under key (the row is copied, bytes included).
func (t *Table) Put(key []byte, r Row) {
	cp := copyRow(r)
	t.mu.Lock()
	defer t.mu.Unlock()
	old, existed := t.rows[string(key)]
	k := string(key)
	if !existed {
		t.order = append(t.order, k)
	}
	for col, ix := range t.indexes {
		if existed {
			ix.remove(valueKey(nil, old[col]), k)
		}
		ix.add(valueKey(nil, cp[col]), k)
	}
	t.rows[k] = cp
}

// Delete removes the row under key.
func (t *Table) Delete(key []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	old, ok := t.rows[string(key)]
	if !ok {
		return
	}
	for col, ix := range t.indexes {
		ix.remove(valueKey(nil, old[col]), string(key))
	}
	delete(t.rows, string(key))
	for i, k := range t.order {
		if k == string(key) {
			t.order = append(t.order[:i], t.order[i+1:]...)
			break
		}
	}
}

// Lookup copies the row under key into dst (len(dst) == len(schema)) and
// reports whether it exists. Byte slices in dst alias table memory that is
// never mutated (rows are replaced, not changed), so they stay valid.
func (t *Table) Lookup(key []byte, dst Row) bool {
	t.mu.RLock()
	r, ok := t.rows[string(key)]
	t.mu.RUnlock()
	if ok {
		copy(dst, r)
	}
	return ok
}

// LookupBy finds a row whose column col has the value whose key text is v
// (see AppendValueKey); with several, the first in key order wins.
func (t *Table) LookupBy(col int, v []byte, dst Row) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	ix := t.indexes[col]
	if ix == nil {
		return false
	}
	for k := range ix.byValue[string(v)] {
		copy(dst, t.rows[k])
		return true
	}
	return false
}

// Len returns the number of rows.
func (t *Table) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.rows)
}

// Snapshot returns a consistent copy of all rows in first-insert order.
func (t *Table) Snapshot() []Row {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]Row, 0, len(t.order))
	for _, k := range t.order {
		out = append(out, copyRow(t.rows[k]))
	}
	return out
}

func copyRow(r Row) Row {
	cp := make(Row, len(r))
	copy(cp, r)
	for i := range cp {
		if cp[i].S != nil {
			cp[i].S = append([]byte(nil), cp[i].S...)
		}
	}
	return cp
}

// AppendValueKey appends the text a value is looked up by: its JSON
// rendering (so 1 and "1" differ, and NULL is "null").
func AppendValueKey(dst []byte, v Value) []byte { return valueKey(dst, v) }

func valueKey(dst []byte, v Value) []byte { return AppendValueJSON(dst, v) }

// AppendKeyText appends the text a key value hashes and is looked up as
// (SPEC §2): integers as decimal digits, strings as their bytes, TIMESTAMP
// as epoch-ms digits, NULL as nothing.
func AppendKeyText(dst []byte, v Value) []byte {
	switch v.T {
	case TInt, TTimestamp:
		return strconv.AppendInt(dst, v.I, 10)
	case TString, TJSON:
		return append(dst, v.S...)
	case TBool:
		return strconv.AppendBool(dst, v.I != 0)
	case TDouble:
		return strconv.AppendFloat(dst, v.F, 'g', -1, 64)
	case TDecimal:
		return AppendValueJSON(dst, v)
	}
	return dst
}
