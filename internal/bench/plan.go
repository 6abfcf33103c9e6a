package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/velort/velort/planner"
	"github.com/velort/velort/runtime"
	"github.com/velort/velort/udf"
)

// query is a scenario's planned continuous query and, when the file
// declares user functions, the wasm host their modules are loaded in.
type query struct {
	*planner.Query
	pl   *planner.Plan // the tables a join looks up
	host *udf.Host
	ctx  context.Context
}

// plan parses the scenario's SQL file, which must hold one query over a
// one-partition stream. A file with CREATE FUNCTION is planned from a
// temporary copy of sql/ so that its relative module paths resolve
// wherever velort runs; the caller closes the query.
func (s *Scenario) plan(ctx context.Context) (*query, error) {
	name := "internal/bench/sql/" + s.File
	q := &query{ctx: ctx}
	var pl *planner.Plan
	var err error
	if !s.UDF {
		pl, err = planner.Parse(name, s.SQL(), planner.Options{})
	} else {
		pl, q.host, err = planWithModules(ctx, s)
	}
	if err != nil {
		return nil, err
	}
	if len(pl.Queries) != 1 {
		q.close()
		return nil, fmt.Errorf("scenario %s: %s has %d queries, want 1", s.Name, s.File, len(pl.Queries))
	}
	q.Query, q.pl = pl.Queries[0], pl
	if n := q.Source.Partitions; n != 1 {
		q.close()
		return nil, fmt.Errorf("scenario %s: stream %s has %d partitions, want 1", s.Name, q.Source.Name, n)
	}
	return q, nil
}

func planWithModules(ctx context.Context, s *Scenario) (*planner.Plan, *udf.Host, error) {
	dir, err := os.MkdirTemp("", "velort-bench-*")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir) // modules are compiled in memory by LoadModules
	files, err := sqlFiles.ReadDir("sql")
	if err != nil {
		return nil, nil, err
	}
	for _, f := range files {
		if strings.HasSuffix(f.Name(), ".wasm") || strings.HasSuffix(f.Name(), ".binpb") || f.Name() == s.File {
			b, err := sqlFiles.ReadFile("sql/" + f.Name())
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, f.Name()), b, 0o600)
			}
			if err != nil {
				return nil, nil, err
			}
		}
	}
	host, err := udf.NewHost(ctx, udf.Limits{}, "")
	if err != nil {
		return nil, nil, err
	}
	pl, err := planner.ParseFile(filepath.Join(dir, s.File), planner.Options{})
	if err == nil {
		err = pl.LoadModules(ctx, host)
	}
	if err != nil {
		host.Close(ctx)
		return nil, nil, err
	}
	return pl, host, nil
}

// pipeline compiles the query for partition 0 with its own wasm
// instances; release frees them.
func (q *query) pipeline() (pipe *runtime.Pipeline, release func(), err error) {
	insts := planner.NewInstances(q.ctx)
	pipe, err = q.NewPipeline(0, insts)
	if err != nil {
		insts.Close()
		return nil, nil, err
	}
	return pipe, insts.Close, nil
}

func (q *query) close() {
	if q.host != nil {
		_ = q.host.Close(q.ctx)
	}
}
