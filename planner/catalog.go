package planner

import (
	"fmt"
	"io"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/velort/velort/runtime"
)

// dbName is the database every stream lives in, for go-mysql-server.
const dbName = "velort"

// gmsType maps a velort column type to the go-mysql-server type used
// while resolving queries and in the fallback evaluator.
func gmsType(c runtime.Column) sql.Type {
	switch c.Type {
	case runtime.TBool:
		return types.Boolean
	case runtime.TInt:
		return types.Int64
	case runtime.TDouble:
		return types.Float64
	case runtime.TDecimal:
		return types.MustCreateDecimalType(c.Precision, c.Scale)
	case runtime.TString:
		return types.LongText
	case runtime.TTimestamp:
		return types.DatetimeMaxPrecision
	case runtime.TJSON:
		return types.JSON
	}
	return types.Null
}

// streamTable presents a stream's schema to go-mysql-server. It has no
// rows: it exists only so that queries resolve. It deliberately implements
// none of the projection, filter or index push-down interfaces, so the
// resolved plan keeps every Filter and column index as written.
type streamTable struct {
	name   string
	schema sql.Schema
}

var _ sql.Table = (*streamTable)(nil)

func newStreamTable(name string, cols runtime.Schema) *streamTable {
	s := make(sql.Schema, len(cols))
	for i, c := range cols {
		s[i] = &sql.Column{Name: c.Name, Type: gmsType(c), Nullable: true, Source: name, DatabaseSource: dbName}
	}
	return &streamTable{name: name, schema: s}
}

func (t *streamTable) Name() string               { return t.name }
func (t *streamTable) String() string             { return t.name }
func (t *streamTable) Schema() sql.Schema         { return t.schema }
func (t *streamTable) Collation() sql.CollationID { return sql.Collation_Default }
func (t *streamTable) Partitions(*sql.Context) (sql.PartitionIter, error) {
	return &emptyPartitions{}, nil
}
func (t *streamTable) PartitionRows(*sql.Context, sql.Partition) (sql.RowIter, error) {
	return nil, fmt.Errorf("stream %s cannot be read as a table", t.name)
}

type emptyPartitions struct{}

func (*emptyPartitions) Next(*sql.Context) (sql.Partition, error) { return nil, io.EOF }
func (*emptyPartitions) Close(*sql.Context) error                 { return nil }

// streamDB is the database of declared streams seen by one query.
type streamDB struct {
	tables map[string]*streamTable // lower-case name
	names  []string
}

var _ sql.Database = (*streamDB)(nil)

func (d *streamDB) Name() string { return dbName }
func (d *streamDB) GetTableInsensitive(_ *sql.Context, name string) (sql.Table, bool, error) {
	t, ok := d.tables[strings.ToLower(name)]
	if !ok {
		return nil, false, nil
	}
	return t, true, nil
}
func (d *streamDB) GetTableNames(*sql.Context) ([]string, error) { return d.names, nil }

func (d *streamDB) add(t *streamTable) {
	if d.tables == nil {
		d.tables = map[string]*streamTable{}
	}
	d.tables[strings.ToLower(t.name)] = t
	d.names = append(d.names, t.name)
}

// streamProvider is the database provider holding the one velort database.
type streamProvider struct{ db *streamDB }

var _ sql.DatabaseProvider = (*streamProvider)(nil)

func (p *streamProvider) Database(_ *sql.Context, name string) (sql.Database, error) {
	if strings.EqualFold(name, dbName) {
		return p.db, nil
	}
	return nil, sql.ErrDatabaseNotFound.New(name)
}
func (p *streamProvider) HasDatabase(_ *sql.Context, name string) bool {
	return strings.EqualFold(name, dbName)
}
func (p *streamProvider) AllDatabases(*sql.Context) []sql.Database { return []sql.Database{p.db} }
