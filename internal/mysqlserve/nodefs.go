package mysqlserve

import (
	"time"

	"github.com/dolthub/go-mysql-server/sql"
)

// The velort database stores no views, triggers, stored procedures or
// events. It still answers for them (with none) because clients read them:
// information_schema.routines and .triggers (BI tools), SHOW TRIGGERS
// (mysqldump), SHOW EVENTS; creating or dropping one is refused.
var (
	_ sql.ViewDatabase            = (*database)(nil)
	_ sql.TriggerDatabase         = (*database)(nil)
	_ sql.StoredProcedureDatabase = (*database)(nil)
	_ sql.EventDatabase           = (*database)(nil)
)

func (d *database) GetViewDefinition(*sql.Context, string) (sql.ViewDefinition, bool, error) {
	return sql.ViewDefinition{}, false, nil
}
func (d *database) AllViews(*sql.Context) ([]sql.ViewDefinition, error) { return nil, nil }
func (d *database) CreateView(*sql.Context, string, string, string) error {
	return sql.ErrReadOnly.New()
}
func (d *database) DropView(*sql.Context, string) error { return sql.ErrReadOnly.New() }

func (d *database) GetTriggers(*sql.Context) ([]sql.TriggerDefinition, error) { return nil, nil }
func (d *database) CreateTrigger(*sql.Context, sql.TriggerDefinition) error {
	return sql.ErrReadOnly.New()
}
func (d *database) DropTrigger(*sql.Context, string) error { return sql.ErrReadOnly.New() }

func (d *database) GetStoredProcedure(*sql.Context, string) (sql.StoredProcedureDetails, bool, error) {
	return sql.StoredProcedureDetails{}, false, nil
}
func (d *database) GetStoredProcedures(*sql.Context) ([]sql.StoredProcedureDetails, error) {
	return nil, nil
}
func (d *database) SaveStoredProcedure(*sql.Context, sql.StoredProcedureDetails) error {
	return sql.ErrReadOnly.New()
}
func (d *database) DropStoredProcedure(*sql.Context, string) error { return sql.ErrReadOnly.New() }

func (d *database) GetEvent(*sql.Context, string) (sql.EventDefinition, bool, error) {
	return sql.EventDefinition{}, false, nil
}
func (d *database) GetEvents(*sql.Context) ([]sql.EventDefinition, any, error) {
	return nil, nil, nil
}
func (d *database) SaveEvent(*sql.Context, sql.EventDefinition) (bool, error) {
	return false, sql.ErrReadOnly.New()
}
func (d *database) DropEvent(*sql.Context, string) error { return sql.ErrReadOnly.New() }
func (d *database) UpdateEvent(*sql.Context, string, sql.EventDefinition) (bool, error) {
	return false, sql.ErrReadOnly.New()
}
func (d *database) UpdateLastExecuted(*sql.Context, string, time.Time) error {
	return sql.ErrReadOnly.New()
}
func (d *database) NeedsToReloadEvents(*sql.Context, any) (bool, error) { return false, nil }
