package planner

import "strings"

// ChangeStream returns the changelog a query reads FROM a KV-backed table
// (SPEC §2: a put upserts, a delete deletes): a stream of one partition,
// keyed by the primary key, whose records velort publishes itself from a
// watch of the bucket (cmd/velort: the bucket's contents when the query
// starts, then every change; in a --replay run the contents, then end of
// input). Its Subject is a placeholder under _velort.kv.; each running
// query gets a subject of its own. Nil for a materialized table.
func (t *Table) ChangeStream() *Stream {
	if t.Materialized() {
		return nil
	}
	if t.changes == nil {
		s := newStream(t.Name, t.pos)
		s.Columns = t.Columns
		s.Subject = "_velort.kv." + strings.ToLower(t.Name)
		s.Key, s.KeyIdx = []string{t.Columns[t.KeyIdx].Name}, []int{t.KeyIdx}
		s.Changelog = true
		s.ChangelogKey, s.changelogKeyIdx = []string{t.Columns[t.KeyIdx].Name}, []int{t.KeyIdx}
		t.changes = s
	}
	return t.changes
}

// SourceTable returns the KV-backed table whose changelog s is
// (Table.ChangeStream), or nil for a declared or derived stream.
func (pl *Plan) SourceTable(s *Stream) *Table {
	for _, t := range pl.Tables {
		if t.changes != nil && t.changes == s {
			return t
		}
	}
	return nil
}

// tableSource is the stream a query reads when FROM names table t: a KV
// table's changelog. A materialized table is refused at name: its rows are
// the output of a query of this file.
func (p *parser) tableSource(t *Table, name token) *Stream {
	if t.Materialized() {
		p.errorf(name, "%s is a materialized table: a query cannot read it FROM here; write its query as CREATE STREAM … AS SELECT (a changelog stream) and read that, or read its KV bucket from another file as a KV table", name.text)
		return nil
	}
	return t.ChangeStream()
}

// kvWritten is what explain adds to a materialized table written into a
// KV bucket.
func kvWritten(t *Table) string {
	if t.Bucket == "" {
		return ""
	}
	return ", and KV bucket " + t.Bucket + ": put/delete by Velort-Key"
}
