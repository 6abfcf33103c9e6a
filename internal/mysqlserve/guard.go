package mysqlserve

import (
	"context"
	"sync"

	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
	"github.com/dolthub/vitess/go/vt/proto/query"
)

// guard wraps go-mysql-server's connection handler: it refuses the
// statements that the engine's read-only mode lets through but that would
// change the process or its files (SET GLOBAL, SELECT … INTO OUTFILE,
// LOAD_FILE), rewrites the engine's read-only errors into one clear
// message, turns panics into errors, and drops per-query snapshots when a
// command ends. It deliberately does not forward go-mysql-server's
// replication (binlog) handler.
type guard struct {
	mysql.Handler
	srv *Server

	mu    sync.Mutex
	conns map[uint32]*mysql.Conn
}

func (g *guard) NewConnection(c *mysql.Conn) {
	g.mu.Lock()
	if g.conns == nil {
		g.conns = map[uint32]*mysql.Conn{}
	}
	g.conns[c.ConnectionID] = c
	g.mu.Unlock()
	g.Handler.NewConnection(c)
}

func (g *guard) ConnectionClosed(c *mysql.Conn) {
	g.mu.Lock()
	delete(g.conns, c.ConnectionID)
	g.mu.Unlock()
	g.srv.snaps.release(c.ConnectionID)
	g.Handler.ConnectionClosed(c)
}

// closeAll closes every open client connection.
func (g *guard) closeAll() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, c := range g.conns {
		c.Close()
	}
}

func (g *guard) ComQuery(ctx context.Context, c *mysql.Conn, q string, cb mysql.ResultSpoolFn) (err error) {
	defer g.finish(c, q, &err)
	if err := g.check(c, q); err != nil {
		return err
	}
	return g.Handler.ComQuery(ctx, c, q, cb)
}

func (g *guard) ComMultiQuery(ctx context.Context, c *mysql.Conn, q string, cb mysql.ResultSpoolFn) (rest string, err error) {
	defer g.finish(c, q, &err)
	if err := g.check(c, q); err != nil {
		return "", err
	}
	return g.Handler.ComMultiQuery(ctx, c, q, cb)
}

func (g *guard) ComPrepare(ctx context.Context, c *mysql.Conn, q string, p *mysql.PrepareData) (f []*query.Field, err error) {
	defer g.finish(c, q, &err)
	if err := g.check(c, q); err != nil {
		return nil, err
	}
	return g.Handler.ComPrepare(ctx, c, q, p)
}

func (g *guard) ComStmtExecute(ctx context.Context, c *mysql.Conn, p *mysql.PrepareData, cb func(*sqltypes.Result) error) (err error) {
	q := ""
	if p != nil {
		q = p.PrepareStmt
	}
	defer g.finish(c, q, &err)
	return g.Handler.ComStmtExecute(ctx, c, p, cb)
}

// finish ends a command: recovers a panic, rewrites read-only errors and
// drops the command's snapshots.
func (g *guard) finish(c *mysql.Conn, q string, err *error) {
	if r := recover(); r != nil {
		g.srv.log.Error("mysql: query panicked", "query", q, "panic", r)
		*err = mysql.NewSQLError(mysql.ERUnknownError, mysql.SSUnknownSQLState, "internal error: %v", r)
	}
	if *err != nil && isReadOnlyError(*err) {
		*err = readOnlyError("this statement would modify it")
	}
	g.srv.snaps.release(c.ConnectionID)
}
