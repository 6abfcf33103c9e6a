package mysqlserve

import (
	"io"

	"github.com/dolthub/go-mysql-server/sql"

	"github.com/velort/velort/runtime"
)

// sqlTable presents a served Table to go-mysql-server. It implements only
// sql.Table: no insert, update, delete, truncate, alter or index interface.
type sqlTable struct {
	srv     *Server
	src     Table
	name    string
	rschema runtime.Schema
	schema  sql.Schema
}

var _ sql.Table = (*sqlTable)(nil)

func (t *sqlTable) Name() string               { return t.name }
func (t *sqlTable) String() string             { return t.name }
func (t *sqlTable) Schema() sql.Schema         { return t.schema }
func (t *sqlTable) Collation() sql.CollationID { return sql.Collation_Default }

func (t *sqlTable) Partitions(*sql.Context) (sql.PartitionIter, error) {
	return &onePartition{}, nil
}

// PartitionRows reads the query's snapshot of the table, converting each
// row only when it is read (so LIMIT stops converting early).
func (t *sqlTable) PartitionRows(ctx *sql.Context, _ sql.Partition) (sql.RowIter, error) {
	rows, err := t.srv.snaps.rows(ctx, t)
	if err != nil {
		return nil, err
	}
	return &rowIter{t: t, rows: rows}, nil
}

type partition struct{}

func (partition) Key() []byte { return []byte{0} }

type onePartition struct{ done bool }

func (p *onePartition) Next(*sql.Context) (sql.Partition, error) {
	if p.done {
		return nil, io.EOF
	}
	p.done = true
	return partition{}, nil
}

func (p *onePartition) Close(*sql.Context) error { return nil }

type rowIter struct {
	t    *sqlTable
	rows []runtime.Row
	next int
}

func (it *rowIter) Next(ctx *sql.Context) (sql.Row, error) {
	if it.next >= len(it.rows) {
		return nil, io.EOF
	}
	src := it.rows[it.next]
	it.next++
	out := make(sql.Row, len(it.t.schema))
	for i := range out {
		if i < len(src) {
			out[i] = toSQL(ctx, it.t.rschema[i], it.t.schema[i].Type, src[i])
		}
	}
	return out, nil
}

func (it *rowIter) Close(*sql.Context) error { return nil }
