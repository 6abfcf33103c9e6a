package mysqlserve

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/server"
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/go-mysql-server/sql/variables"
	"github.com/dolthub/vitess/go/mysql"
	"github.com/sirupsen/logrus"
)

// Options configures Serve.
type Options struct {
	Addr     string // listen address; default 127.0.0.1:3306
	User     string // the one account; default root
	Password string // empty: no password
	Logger   *slog.Logger
}

// DefaultAddr is where Serve listens when Options.Addr is empty.
const DefaultAddr = "127.0.0.1:3306"

// Server is a running read-only MySQL-protocol server.
type Server struct {
	tables func() []Table
	log    *slog.Logger
	snaps  snapshots
	engine *sqle.Engine
	srv    *server.Server
	guard  *guard
	addr   string

	queryLog *logrus.Entry // the sessions' logger

	closeOnce sync.Once
	accepted  chan struct{} // closed when the accept loop has returned
}

// Serve starts serving the tables listed by tables (called on every query
// and SHOW, so tables may appear later) until ctx ends or Close is called.
func Serve(ctx context.Context, opts Options, tables func() []Table) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if opts.User == "" {
		opts.User = "root"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	variables.InitStatusVariables()
	routeGlobalLogrus(opts.Logger)

	s := &Server{tables: tables, log: opts.Logger, accepted: make(chan struct{})}
	s.queryLog = logrus.NewEntry(newLogrus(opts.Logger, logrus.WarnLevel))
	s.engine = sqle.New(analyzer.NewDefault(&provider{db: &database{srv: s}}), &sqle.Config{IsReadOnly: true})

	// One account, in go-mysql-server's MySQL-compatible user store; any
	// other user, or a wrong password, is refused at connection time.
	users := s.engine.Analyzer.Catalog.MySQLDb
	ed := users.Editor()
	users.AddEphemeralSuperUser(ed, opts.User, "%", opts.Password)
	ed.Close()

	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		s.engine.Close()
		return nil, fmt.Errorf("mysql: listen on %s: %w", opts.Addr, err)
	}
	s.addr = ln.Addr().String()
	cfg := server.Config{Protocol: "tcp", Address: s.addr, Listener: ln}
	s.srv, err = server.NewServerWithHandler(cfg, s.engine, sql.NewContext, s.newSession, nil, s.wrap)
	if err != nil {
		ln.Close()
		s.engine.Close()
		return nil, fmt.Errorf("mysql: %w", err)
	}
	// Accept directly rather than through server.Start, which logs through
	// logrus; velort logs with slog.
	go func() {
		defer close(s.accepted)
		s.srv.Listener.Accept()
	}()
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.accepted:
		}
	}()
	s.log.Info("mysql: serving velort state read-only", "addr", s.addr, "user", opts.User)
	return s, nil
}

// Addr is the address the server listens on (with the port chosen when
// Options.Addr asked for port 0).
func (s *Server) Addr() string { return s.addr }

// Close stops accepting connections, closes the open ones and waits for
// the accept loop to end.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.srv.Listener.Close()
		<-s.accepted
		s.guard.closeAll()
		s.engine.Close()
	})
	return nil
}

func (s *Server) wrap(h mysql.Handler) (mysql.Handler, error) {
	s.guard = &guard{Handler: h, srv: s}
	return s.guard, nil
}

// newSession builds a plain session whose current database is velort, so
// that clients connecting without a database name can query at once.
func (s *Server) newSession(_ context.Context, c *mysql.Conn, addr string) (sql.Session, error) {
	var client sql.Client
	if u, ok := c.UserData.(sql.MysqlConnectionUser); ok {
		client = sql.Client{Address: u.Host, User: u.User, Capabilities: c.Capabilities}
	}
	sess := sql.NewBaseSessionWithClientServer(addr, client, c.ConnectionID)
	sess.SetCurrentDatabase(dbName)
	sess.SetLogger(s.queryLog)
	return sess, nil
}
