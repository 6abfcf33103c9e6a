package mysqlserve

import (
	"fmt"

	"github.com/velort/velort/runtime"
)

// listTables calls the caller's table list, turning a panic into an error.
func (s *Server) listTables() (out []*sqlTable, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("listing tables: panic: %v", r)
			s.log.Error("mysql: listing tables panicked", "panic", r)
		}
	}()
	if s.tables == nil {
		return nil, nil
	}
	for _, t := range s.tables() {
		if t == nil {
			continue
		}
		name, schema := t.Name(), t.Schema()
		out = append(out, &sqlTable{srv: s, src: t, name: name, rschema: schema, schema: sqlSchema(name, schema)})
	}
	return out, nil
}

// snapshot calls a table's Snapshot, turning a panic into an error.
func snapshot(t Table) (rows []runtime.Row, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("snapshot of table %s: panic: %v", t.Name(), r)
		}
	}()
	return t.Snapshot(), nil
}
