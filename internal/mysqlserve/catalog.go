package mysqlserve

import (
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
)

// dbName is the one database served.
const dbName = "velort"

// provider holds the velort database. It implements none of the mutable
// provider interfaces, so CREATE/DROP DATABASE cannot succeed.
type provider struct{ db *database }

var _ sql.DatabaseProvider = (*provider)(nil)

func (p *provider) Database(_ *sql.Context, name string) (sql.Database, error) {
	if strings.EqualFold(name, dbName) {
		return p.db, nil
	}
	return nil, sql.ErrDatabaseNotFound.New(name)
}

func (p *provider) HasDatabase(_ *sql.Context, name string) bool {
	return strings.EqualFold(name, dbName)
}

func (p *provider) AllDatabases(*sql.Context) []sql.Database { return []sql.Database{p.db} }

// database lists the served tables afresh on every call, so tables may
// appear (or go) while the server runs. It implements no table creation,
// deletion, renaming or alteration interface. It does not declare itself
// sql.ReadOnlyDatabase: that would also refuse LOCK TABLES … READ, which
// mysqldump sends; the engine's read-only mode refuses writes instead.
type database struct{ srv *Server }

var _ sql.Database = (*database)(nil)

func (d *database) Name() string { return dbName }

func (d *database) GetTableInsensitive(_ *sql.Context, name string) (sql.Table, bool, error) {
	tables, err := d.srv.listTables()
	if err != nil {
		return nil, false, err
	}
	for _, t := range tables {
		if strings.EqualFold(t.name, name) {
			return t, true, nil
		}
	}
	return nil, false, nil
}

func (d *database) GetTableNames(*sql.Context) ([]string, error) {
	tables, err := d.srv.listTables()
	if err != nil {
		return nil, err
	}
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = t.name
	}
	return names, nil
}
