package planner

import (
	"context"
	"fmt"
	"sync"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/variables"
)

var initGMS sync.Once

// analyzer resolves SELECT statements with go-mysql-server.
type analyzer struct {
	engine *sqle.Engine
	ctx    *sql.Context
	db     *streamDB
}

func newAnalyzer(db *streamDB, funcs []sql.Function) *analyzer {
	initGMS.Do(variables.InitStatusVariables)
	pro := &streamProvider{db: db}
	e := sqle.NewDefault(pro)
	keepBetweenTypes(e.Analyzer) // between_rule.go
	ctx := sql.NewContext(context.Background(), sql.WithSession(sql.NewBaseSession()))
	ctx.SetCurrentDatabase(dbName)
	if len(funcs) > 0 {
		e.Analyzer.Catalog.RegisterFunction(ctx, funcs...)
	}
	return &analyzer{engine: e, ctx: ctx, db: db}
}

// analyze parses and resolves one SELECT. Panics raised inside
// go-mysql-server's analysis are returned as errors.
func (a *analyzer) analyze(query string) (node sql.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return a.engine.AnalyzeQuery(a.ctx, keepLikeEscapes(query)) // native_literal.go
}
