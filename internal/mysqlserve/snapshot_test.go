package mysqlserve

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/velort/velort/runtime"
)

// growingTable returns one more row on every Snapshot: two snapshots in one
// query would show different contents.
type growingTable struct {
	mu    sync.Mutex
	calls int
}

func (g *growingTable) Name() string { return "growing" }
func (g *growingTable) Schema() runtime.Schema {
	return runtime.Schema{{Name: "n", Type: runtime.TInt}}
}
func (g *growingTable) Snapshot() []runtime.Row {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls++
	rows := make([]runtime.Row, g.calls)
	for i := range rows {
		rows[i] = runtime.Row{runtime.Int(int64(i + 1))}
	}
	return rows
}

func (g *growingTable) snapshots() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls
}

func TestOneSnapshotPerTablePerQuery(t *testing.T) {
	g := &growingTable{}
	s := startServer(t, Options{}, func() []Table { return []Table{g} })
	db := open(t, s, "root", "")
	expectRows(t, db, "SELECT COUNT(*) FROM growing", [][]string{{"1"}})
	// Each query takes a new snapshot (so sees the live state) ...
	expectRows(t, db, "SELECT COUNT(*) FROM growing", [][]string{{"2"}})
	// ... and only one per table, however often the query reads it.
	before := g.snapshots()
	expectRows(t, db, "SELECT COUNT(*) FROM growing a, growing b WHERE a.n <= b.n", [][]string{{"6"}}) // 3 rows: 3+2+1
	expectRows(t, db, "SELECT COUNT(*) FROM growing WHERE n IN (SELECT n FROM growing) AND n > (SELECT MIN(n) FROM growing)", [][]string{{"3"}})
	if got := g.snapshots() - before; got != 2 {
		t.Errorf("two queries took %d snapshots, want 2", got)
	}
	// SHOW TABLES and DESCRIBE take none.
	before = g.snapshots()
	queryStrings(t, db, "SHOW TABLES")
	queryStrings(t, db, "DESCRIBE growing")
	if got := g.snapshots() - before; got != 0 {
		t.Errorf("SHOW TABLES and DESCRIBE took %d snapshots", got)
	}
	if n := len(s.snaps.byConn); n != 0 {
		t.Errorf("%d connections still hold snapshots after their queries ended", n)
	}
}

func TestLiveChangesAreSeenByTheNextQuery(t *testing.T) {
	vol := volumeTable()
	s := startServer(t, Options{}, func() []Table { return []Table{vol} })
	db := open(t, s, "root", "")
	expectRows(t, db, "SELECT volume FROM volume WHERE symbol = 'AAPL'", [][]string{{"300"}})
	vol.set([]runtime.Row{{str("AAPL"), runtime.Int(301)}})
	expectRows(t, db, "SELECT symbol, volume, avg_price FROM volume", [][]string{{"AAPL", "301", "NULL"}})
}

type panicTable struct{ inSchema bool }

func (p panicTable) Name() string { return "boom" }
func (p panicTable) Schema() runtime.Schema {
	if p.inSchema {
		panic("schema exploded")
	}
	return runtime.Schema{{Name: "x", Type: runtime.TInt}}
}
func (p panicTable) Snapshot() []runtime.Row { panic("snapshot exploded") }

func TestPanicsBecomeQueryErrors(t *testing.T) {
	vol := volumeTable()
	var broken sync.Mutex // held while tables() should panic
	s := startServer(t, Options{}, func() []Table {
		if !broken.TryLock() {
			panic("listing exploded")
		}
		broken.Unlock()
		return []Table{vol, panicTable{}}
	})
	db := open(t, s, "root", "")
	db.SetMaxOpenConns(1) // the same connection must survive the errors
	_, err := db.Query("SELECT * FROM boom")
	if err == nil || !strings.Contains(err.Error(), "snapshot exploded") {
		t.Errorf("SELECT from a panicking table: err = %v, want the panic as an error", err)
	}
	broken.Lock()
	_, err = db.Query("SELECT * FROM volume")
	broken.Unlock()
	if err == nil || !strings.Contains(err.Error(), "listing exploded") {
		t.Errorf("SELECT while tables() panics: err = %v, want the panic as an error", err)
	}
	expectRows(t, db, "SELECT COUNT(*) FROM volume", [][]string{{"4"}})
}

func TestCloseAndContextStopTheServer(t *testing.T) {
	s := startServer(t, Options{}, nil)
	db := open(t, s, "root", "")
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Close() // idempotent
	if err := open(t, s, "root", "").Ping(); err == nil {
		t.Error("connected after Close")
	}

	ctx, cancel := context.WithCancel(context.Background())
	s2, err := Serve(ctx, Options{Addr: "127.0.0.1:0"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	<-s2.accepted // the accept loop ends once the context is done
	if err := open(t, s2, "root", "").Ping(); err == nil {
		t.Error("connected after the context ended")
	}
}
