package engine

import (
	"context"
	"strings"

	"github.com/velort/velort/internal/mysqlserve"
	"github.com/velort/velort/partition"
	"github.com/velort/velort/planner"
	velrt "github.com/velort/velort/runtime"
)

// storeTable serves a planner table's live rows.
type storeTable struct{ t *planner.Table }

func (s storeTable) Name() string          { return s.t.Name }
func (s storeTable) Schema() velrt.Schema  { return s.t.Columns }
func (s storeTable) Snapshot() []velrt.Row { return s.t.Store.Snapshot() }

func str(s string) velrt.Value { return velrt.String([]byte(s)) }

// servedTables lists every KV-backed and materialized table plus the
// catalog tables velort_streams, velort_queries and velort_partitions.
func servedTables(pl *planner.Plan, instance string, loops func() []*partition.Loop) func() []mysqlserve.Table {
	streams := mysqlserve.StaticTable("velort_streams", velrt.Schema{
		{Name: "name", Type: velrt.TString}, {Name: "subject", Type: velrt.TString},
		{Name: "partitions", Type: velrt.TInt}, {Name: "partition_key", Type: velrt.TString},
		{Name: "event_time", Type: velrt.TString}, {Name: "jetstream", Type: velrt.TString},
		{Name: "dead_letters", Type: velrt.TString},
	}, func() []velrt.Row {
		var rows []velrt.Row
		for _, s := range pl.Streams {
			rows = append(rows, velrt.Row{str(s.Name), str(s.Subject), velrt.Int(int64(s.Partitions)),
				str(strings.Join(s.Key, ", ")), str(s.EventTime), str(s.JetStream), str(s.DLQ)})
		}
		return rows
	})
	queries := mysqlserve.StaticTable("velort_queries", velrt.Schema{
		{Name: "name", Type: velrt.TString}, {Name: "source", Type: velrt.TString},
		{Name: "sink", Type: velrt.TString}, {Name: "kind", Type: velrt.TString}, {Name: "text", Type: velrt.TString},
	}, func() []velrt.Row {
		var rows []velrt.Row
		for _, q := range pl.Queries {
			rows = append(rows, velrt.Row{str(q.Name), str(q.Source.Name), str(q.Sink.Name), str(q.Kind), str(q.Text)})
		}
		return rows
	})
	parts := mysqlserve.StaticTable("velort_partitions", velrt.Schema{
		{Name: "query", Type: velrt.TString}, {Name: "partition", Type: velrt.TInt},
		{Name: "instance", Type: velrt.TString},
		{Name: "records_in", Type: velrt.TInt}, {Name: "records_out", Type: velrt.TInt},
		{Name: "dead_lettered", Type: velrt.TInt}, {Name: "late", Type: velrt.TInt},
		{Name: "watermark", Type: velrt.TTimestamp},
	}, func() []velrt.Row {
		var rows []velrt.Row
		for _, l := range loops() {
			wm := velrt.Timestamp(l.Stats.Watermark.Load())
			if wm.I < -1<<61 || wm.I > 1<<61 {
				wm = velrt.Null
			}
			rows = append(rows, velrt.Row{str(l.QueryName()), velrt.Int(int64(l.Partition())), str(instance),
				velrt.Int(int64(l.Stats.In.Load())), velrt.Int(int64(l.Stats.Out.Load())),
				velrt.Int(int64(l.Stats.DeadLettered.Load())), velrt.Int(int64(l.Stats.Late.Load())), wm})
		}
		return rows
	})
	return func() []mysqlserve.Table {
		out := []mysqlserve.Table{streams, queries, parts}
		for _, t := range pl.Tables {
			if t.Store != nil {
				out = append(out, storeTable{t})
			}
		}
		return out
	}
}

// serveMySQL starts the read-only MySQL server over the plan's tables.
func serveMySQL(ctx context.Context, o MySQLOptions, instance string, pl *planner.Plan, loops func() []*partition.Loop) (*mysqlserve.Server, error) {
	return mysqlserve.Serve(ctx, mysqlserve.Options{Addr: o.Addr, User: o.User, Password: o.Password}, servedTables(pl, instance, loops))
}
