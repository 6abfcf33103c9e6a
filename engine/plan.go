package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/velort/velort/planner"
	"github.com/velort/velort/udf"
)

// CheckReport is what `velort check` prints: the file's streams, queries
// (with their input and output kinds and warnings) and functions.
type CheckReport struct {
	Streams, Functions int
	Queries            []QueryReport
}

// QueryReport is one query of a CheckReport.
type QueryReport struct {
	Name, Source, Sink    string
	InputKind, OutputKind string // "append-only" or "changelog (key: …)"
	Warnings              []string
}

// Check parses, resolves and type-checks src with the functions of
// opts.Plugins, and loads the modules of its CREATE FUNCTION statements.
// Errors in the SQL name file:line:col (the Source's name).
func Check(ctx context.Context, src Source, opts Options) (*CheckReport, error) {
	pl, host, err := loadPlan(ctx, src, opts.Plugins, udf.Limits{}, opts.MaxValueBytes)
	if err != nil {
		return nil, err
	}
	defer host.Close(ctx)
	r := &CheckReport{Streams: len(pl.Streams), Functions: len(pl.Functions)}
	for _, q := range pl.Queries {
		r.Queries = append(r.Queries, QueryReport{Name: q.Name, Source: q.Source.Name, Sink: q.Sink.Name,
			InputKind: q.InputKindText(), OutputKind: q.OutputKindText(), Warnings: q.Warnings()})
	}
	return r, nil
}

// Explain plans src as Check does and returns its physical plan:
// partitions, operators, subjects, UDF bindings (`velort explain`).
func Explain(ctx context.Context, src Source, opts Options) (string, error) {
	pl, host, err := loadPlan(ctx, src, opts.Plugins, udf.Limits{}, opts.MaxValueBytes)
	if err != nil {
		return "", err
	}
	defer host.Close(ctx)
	return pl.Explain(), nil
}

// loadPlan plans a file: it loads the plugins' modules and registers
// their functions, then loads the modules of CREATE FUNCTION statements
// and verifies their signatures. The caller closes the returned host.
func loadPlan(ctx context.Context, src Source, plugins string, lim udf.Limits, maxValueBytes int) (*planner.Plan, *udf.Host, error) {
	cache := ""
	if dir, err := os.UserCacheDir(); err == nil {
		cache = filepath.Join(dir, "velort", "wazero")
	}
	host, err := udf.NewHost(ctx, lim, cache)
	if err != nil {
		return nil, nil, err
	}
	opts := planner.Options{MaxValueBytes: maxValueBytes}
	if plugins != "" {
		fns, err := planner.PluginFunctions(ctx, host, plugins)
		if err != nil {
			host.Close(ctx)
			return nil, nil, fmt.Errorf("--plugins %s: %w", plugins, err)
		}
		opts.Functions = fns
	}
	var pl *planner.Plan
	if src.file {
		pl, err = planner.ParseFile(src.name, opts)
	} else {
		pl, err = planner.Parse(src.name, src.text, opts)
	}
	if err == nil {
		err = pl.LoadModules(ctx, host)
	}
	if err != nil {
		host.Close(ctx)
		return nil, nil, err
	}
	return pl, host, nil
}
