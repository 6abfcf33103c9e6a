package mysqlserve

import "github.com/velort/velort/runtime"

// Table is one table served read-only.
type Table interface {
	Name() string
	Schema() runtime.Schema
	// Snapshot returns a consistent copy of the current rows. It is called
	// at most once per table per query; the returned rows belong to the
	// caller and must not be modified afterwards by the table.
	Snapshot() []runtime.Row
}

// StaticTable returns a Table whose Snapshot calls rows, which must return
// rows that the table no longer modifies (a fresh copy, or immutable rows).
func StaticTable(name string, schema runtime.Schema, rows func() []runtime.Row) Table {
	return &staticTable{name: name, schema: schema, rows: rows}
}

type staticTable struct {
	name   string
	schema runtime.Schema
	rows   func() []runtime.Row
}

func (t *staticTable) Name() string           { return t.name }
func (t *staticTable) Schema() runtime.Schema { return t.schema }
func (t *staticTable) Snapshot() []runtime.Row {
	if t.rows == nil {
		return nil
	}
	return t.rows()
}
