package planner

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/velort/velort/udf"
)

// TestWASMAggregateOverChangelog: a WebAssembly aggregate runs over a
// changelog only if its module has a retract export — checked once the
// module is loaded (CREATE FUNCTION modules load after planning), at the
// call's position.
func TestWASMAggregateOverChangelog(t *testing.T) {
	mod, err := filepath.Abs("../testdata/plugins/c_stats.wasm")
	if err != nil {
		t.Fatal(err)
	}
	decl := "CREATE FUNCTION wvar(x DOUBLE) RETURNS DOUBLE WITH (module = '" + mod + "', export = 'variance', kind = 'aggregate');\n" +
		"CREATE FUNCTION wmax(x DOUBLE) RETURNS DOUBLE WITH (module = '" + mod + "', export = 'maximum', kind = 'aggregate');\n" +
		"CREATE STREAM c (k VARCHAR, g VARCHAR, v DOUBLE) WITH (subject = 'c', key = 'k', changelog = 'upsert');\n"
	ctx := context.Background()
	host, err := udf.NewHost(ctx, udf.Limits{}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close(ctx)
	load := func(sql string) error {
		pl, err := Parse("q.sql", sql, Options{})
		if err != nil {
			return err
		}
		return pl.LoadModules(ctx, host)
	}
	if err := load(decl + "CREATE STREAM o AS SELECT g, wvar(v) AS var FROM c GROUP BY g;"); err != nil {
		t.Fatalf("variance (wvar) has a retract export, so it may run over a changelog: %v", err)
	}
	err = load(decl + "CREATE STREAM o AS SELECT g, wmax(v) AS m FROM c GROUP BY g;")
	const want = "q.sql:4:30: aggregate function wmax over a changelog"
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "no retract export") {
		t.Fatalf("maximum (wmax) has no retract export: got %v, want an error containing %q", err, want)
	}
	if err := load(strings.Replace(decl, "changelog = 'upsert'", "format = 'json'", 1) + "CREATE STREAM o AS SELECT g, wmax(v) AS m FROM c GROUP BY g;"); err != nil {
		t.Fatalf("over an append-only stream any aggregate runs: %v", err)
	}
}
