package planner

import (
	"fmt"

	"github.com/velort/velort/runtime"
)

// regularSides resolves the two sides of a join to the streams a regular
// join reads: declared or derived streams as they are, and a KV table as
// its changelog (Table.ChangeStream) when the other side is a changelog
// or a KV table too — SPEC §2: a table joined with a changelog, or with
// another table, keeps both sides by key and re-emits the joined rows as
// either changes. An append-only stream joined to a table stays a lookup
// as of its records' arrival (nil, nil: decomposeJoin's lookup path), and
// so does a materialized table (refused there).
//
// When the query reads FROM a KV table and joins a stream, the stream
// becomes q.Source: the query runs one loop per partition of the stream,
// and each loop gets the whole table (cmd/velort feeds it to every one).
func (q *Query) regularSides(ln, rn string) (l, r *Stream) {
	pl := q.plan
	l, r = pl.Stream(ln), pl.Stream(rn)
	if l != nil && r != nil {
		return l, r
	}
	kv := func(name string) *Table {
		if t := pl.Table(name); t != nil && !t.Materialized() {
			return t
		}
		return nil
	}
	lt, rt := kv(ln), kv(rn)
	switch {
	case l == nil && r == nil && lt != nil && rt != nil:
		l, r = lt.ChangeStream(), rt.ChangeStream()
	case l != nil && l.Changelog && r == nil && rt != nil:
		r = rt.ChangeStream()
	case r != nil && r.Changelog && l == nil && lt != nil:
		l = lt.ChangeStream()
	case l == nil && lt != nil && r != nil && pl.SourceTable(q.Source) == lt,
		r == nil && rt != nil && l != nil && pl.SourceTable(q.Source) == rt:
		// FROM a KV table JOIN an append-only stream: refused by
		// refuseAppendOnlyTable, which says to write it FROM the stream
		// (a lookup).
		if l == nil {
			l = lt.ChangeStream()
		} else {
			r = rt.ChangeStream()
		}
		return l, r
	default:
		return nil, nil
	}
	if pl.SourceTable(q.Source) != nil {
		switch {
		case pl.SourceTable(l) == nil:
			q.Source = l
		case pl.SourceTable(r) == nil:
			q.Source = r
		}
	}
	return l, r
}

// refuseTableJoin checks the partitions of a regular join with a KV table
// (done: true when one side is a table). The table's changelog is one
// partition, fed whole to every partition of the other side: each joined
// row is then made in the partition of its changelog row alone, as long as
// the table's side is not preserved — a table row without a match would be
// NULL-padded by every partition, and a match in one partition would not
// delete the padded rows of the others.
func (q *Query) refuseTableJoin(p *parser, at int) (done bool, e *Error) {
	s := q.regular
	lt, rt := q.plan.SourceTable(s.left), q.plan.SourceTable(s.right)
	if lt == nil && rt == nil {
		return false, nil
	}
	if lt != nil && rt != nil {
		return true, nil // table–table: one partition each
	}
	t, other, tableSide := lt, s.right, runtime.LeftSide
	if rt != nil {
		t, other, tableSide = rt, s.left, runtime.RightSide
	}
	if other.Partitions > 1 && (s.preserve == tableSide || s.preserve == runtime.BothSides) {
		return true, p.src.errorAt(at, "an outer join keeping every row of table %s, with %s on %d partitions: the table's rows go to every partition, and a row without a match there would be NULL-padded by each of them; expected %s with partitions = 1, or a join that keeps the rows of %s (INNER JOIN, or %s LEFT JOIN %s)",
			t.Name, other.Name, other.Partitions, other.Name, other.Name, other.Name, t.Name)
	}
	return true, nil
}

// tableJoinExplain is explain's text for the table side of a regular join.
func (pl *Plan) tableJoinExplain(s *Stream, partitions int) string {
	t := pl.SourceTable(s)
	if t == nil {
		return s.Subject
	}
	every := ""
	if partitions > 1 {
		every = fmt.Sprintf(", fed whole to each of the %d partitions", partitions)
	}
	return fmt.Sprintf("KV bucket %s (table %s: its contents, then each put and delete as upserts and deletes%s)", t.Bucket, t.Name, every)
}

// refuseAppendOnlyTable is why a regular join of a KV table and an
// append-only stream cannot run ("" when it can): SPEC §2 keeps a stream
// joined to a table a lookup as of each record's arrival, which reads the
// query FROM the stream.
func (pl *Plan) refuseAppendOnlyTable(l, r *Stream) string {
	t, s := pl.SourceTable(l), r
	if t == nil {
		t, s = pl.SourceTable(r), l
	}
	if t == nil || s.Changelog || pl.SourceTable(s) != nil {
		return ""
	}
	return fmt.Sprintf("an append-only stream joined with a KV table is a lookup of each record as it arrives, which reads the query FROM the stream: expected FROM %s JOIN %s ON … (or %s LEFT JOIN %s)", s.Name, t.Name, s.Name, t.Name)
}
