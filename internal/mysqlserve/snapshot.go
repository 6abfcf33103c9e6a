package mysqlserve

import (
	"strings"
	"sync"

	"github.com/dolthub/go-mysql-server/sql"

	"github.com/velort/velort/runtime"
)

// snapshots keeps, for the query each connection is running, the one
// snapshot taken of each table it reads, so that a table read twice in a
// query (a self-join, a subquery, a nested-loop join's inner side) shows
// the same rows. A connection's snapshots are dropped when its command ends.
type snapshots struct {
	mu     sync.Mutex
	byConn map[uint32]*querySnapshots
}

type querySnapshots struct {
	mu   sync.Mutex
	pid  uint64 // the query (go-mysql-server process id) they belong to
	rows map[string][]runtime.Row
}

// rows returns the query's snapshot of t, taking it on first use.
func (s *snapshots) rows(ctx *sql.Context, t *sqlTable) ([]runtime.Row, error) {
	if ctx == nil || ctx.Session == nil {
		return snapshot(t.src)
	}
	q := s.forQuery(ctx.Session.ID(), ctx.Pid())
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.pid != ctx.Pid() { // a newer query on the same connection
		q.pid, q.rows = ctx.Pid(), nil
	}
	key := strings.ToLower(t.name)
	if rows, ok := q.rows[key]; ok {
		return rows, nil
	}
	rows, err := snapshot(t.src)
	if err != nil {
		return nil, err
	}
	if q.rows == nil {
		q.rows = map[string][]runtime.Row{}
	}
	q.rows[key] = rows
	return rows, nil
}

func (s *snapshots) forQuery(conn uint32, pid uint64) *querySnapshots {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, ok := s.byConn[conn]
	if !ok {
		if s.byConn == nil {
			s.byConn = map[uint32]*querySnapshots{}
		}
		q = &querySnapshots{pid: pid}
		s.byConn[conn] = q
	}
	return q
}

// release drops the snapshots held for a connection's last command.
func (s *snapshots) release(conn uint32) {
	s.mu.Lock()
	delete(s.byConn, conn)
	s.mu.Unlock()
}
