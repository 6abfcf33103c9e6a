package planner

import (
	"strings"

	"github.com/velort/velort/runtime"
)

// Table is a declared table: KV-backed (CREATE TABLE t (...) WITH (kv =
// 'bucket')) or materialized from a query (CREATE TABLE t AS SELECT ...).
// Its live rows are in Store, shared by the partitions that write or read
// it and the MySQL server.
type Table struct {
	Name    string
	Columns runtime.Schema
	KeyIdx  int    // primary key column (KV key), -1 for materialized tables
	Bucket  string // KV bucket, "" for materialized tables
	Format  string
	Query   *Query // the defining query of a materialized table
	Store   *runtime.Table
	pos     int
	// changes is the changelog stream of a KV table read FROM by a query
	// (ChangeStream), nil until one does.
	changes *Stream
}

// Materialized reports whether the table is defined by a query.
func (t *Table) Materialized() bool { return t.Query != nil }

// Table returns the table named name (case-insensitive), or nil.
func (pl *Plan) Table(name string) *Table { return pl.tables[strings.ToLower(name)] }

func (p *parser) createTable(pl *Plan) {
	name, ok := p.ident("a table name")
	if !ok {
		return
	}
	if pl.Table(name.text) != nil || pl.Stream(name.text) != nil {
		p.errorf(name, "%s is already declared", name.text)
		return
	}
	t := &Table{Name: name.text, KeyIdx: -1, Format: "json", pos: name.start}
	hasColumns := isPunct(p.peek(), "(")
	var pk []string
	if hasColumns {
		cols, keys, ok := p.columnList()
		if !ok {
			return
		}
		t.Columns, pk = cols, keys
	}
	opts, ok := p.withOptions()
	if !ok {
		return
	}
	var ttl option // state_ttl (state_ttl.go), of a materialized table
	for _, o := range opts {
		switch o.name {
		case "state_ttl":
			ttl = o
		case "kv":
			t.Bucket = o.value
		case "format":
			if !strings.EqualFold(o.value, "json") {
				p.errorf(o.tok, "unsupported format %s: expected 'json'", describe(o.tok))
				return
			}
		default:
			p.errorf(o.tok, "unknown table option %s: expected kv, format or state_ttl", o.name)
			return
		}
	}
	if isKeyword(p.peek(), "AS") {
		p.advance()
		if hasColumns {
			p.errorf(name, "table %s: a CREATE TABLE ... AS SELECT takes its columns from the query; remove the column list", t.Name)
			return
		}
		sink := newStream(t.Name, name.start)
		sink.Derived, sink.Subject = true, ""
		sink.Materialized = t
		if ttl.name != "" {
			if sink.StateTTL, ok = p.stateTTL(ttl); !ok {
				return
			}
			sink.stateTTLPos = ttl.tok.start
		}
		pl.addTable(t)
		p.query(pl, sink, strings.ToLower(t.Name))
		if p.fail != nil {
			return
		}
		q := pl.Queries[len(pl.Queries)-1]
		if q.Kind != "group" {
			p.errorf(name, "table %s: a materialized table needs a GROUP BY query (its rows are the current groups)", t.Name)
			return
		}
		if t.Bucket != "" && !q.outChangelog {
			p.errorf(name, "table %s: WITH (kv = '%s') writes the table's changelog into the bucket, but its query is EMIT FINAL (append-only, rows with no key to replace); expected EMIT CHANGES (the default without a window)", t.Name, t.Bucket)
			return
		}
		t.Query, t.Columns = q, q.Columns
		t.Store = runtime.NewTable(t.Columns)
		return
	}
	if !hasColumns {
		p.errorf(p.peek(), "expected a column list or AS SELECT for table %s, found %s", t.Name, describe(p.peek()))
		return
	}
	if ttl.name != "" {
		p.errorf(ttl.tok, "state_ttl bounds the state of a query: it belongs to CREATE TABLE %s ... AS SELECT, not to a KV-backed table", t.Name)
		return
	}
	if t.Bucket == "" {
		p.errorf(name, "table %s needs WITH (kv = 'bucket'): its rows come from a NATS KV bucket", t.Name)
		return
	}
	if len(pk) != 1 {
		p.errorf(name, "table %s needs exactly one PRIMARY KEY column (the KV key)", t.Name)
		return
	}
	t.KeyIdx = t.Columns.Index(pk[0])
	t.Store = runtime.NewTable(t.Columns)
	if !p.atEOF() {
		p.errorf(p.peek(), "expected end of statement, found %s", describe(p.peek()))
		return
	}
	pl.addTable(t)
}

func (pl *Plan) addTable(t *Table) {
	pl.tables[strings.ToLower(t.Name)] = t
	pl.Tables = append(pl.Tables, t)
}
