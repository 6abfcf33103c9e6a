package planner

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/velort/velort/udf"
)

// TestWasmCodecCheck: a format = 'wasm' stream's codec is loaded and
// initialised with the columns each query reads or writes when the file's
// modules are loaded (velort check), and every failure names the codec
// option's position; the codec path is relative to the SQL file's
// directory; the options are checked when the file is parsed.
func TestWasmCodecCheck(t *testing.T) {
	abs, err := filepath.Abs(filepath.Join("..", "testdata", "plugins"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	host, err := udf.NewHost(ctx, udf.Limits{}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close(ctx)
	file := filepath.Join(abs, "q.sql") // codec paths resolve against testdata/plugins
	for _, tc := range []struct{ sql, want string }{
		{`CREATE STREAM s (id BIGINT, line VARCHAR) WITH (format = 'wasm', codec = 'c_msgpack.wasm');
CREATE STREAM o WITH (format = 'wasm', codec = 'c_codec_faults.wasm#faulty') AS SELECT line, id FROM s;`, ""},
		{`CREATE STREAM s (id BIGINT, line VARCHAR) WITH (format = 'wasm',
  codec = 'c_codec_faults.wasm');
CREATE STREAM o AS SELECT id FROM s;`, "q.sql:2:11: stream s (read by query o): codec faulty (" + abs + "/c_codec_faults.wasm) refuses the columns (id BIGINT, line VARCHAR): faulty: the first column must be VARCHAR"},
		{`CREATE STREAM s (line VARCHAR) WITH (format = 'wasm', codec = 'c_codec_faults.wasm');
CREATE STREAM o WITH (format = 'wasm', codec = 'c_codec_faults.wasm') AS SELECT CHAR_LENGTH(line) AS n FROM s;`,
			"q.sql:2:48: stream o (written by query o): codec faulty (" + abs + "/c_codec_faults.wasm) refuses the columns (n BIGINT)"},
		{`CREATE STREAM s (x DOUBLE) WITH (format = 'wasm', codec = 'c_numeric.wasm');
CREATE STREAM o AS SELECT x FROM s;`, "q.sql:1:59: stream s: udf: " + abs + "/c_numeric.wasm: the module declares no codecs"},
		{`CREATE STREAM s (x DOUBLE) WITH (format = 'wasm', codec = 'c_msgpack.wasm#other');
CREATE STREAM o AS SELECT x FROM s;`, `the module declares no codec "other" (its codecs: msgpack)`},
		{`CREATE STREAM s (x DOUBLE) WITH (format = 'wasm', codec = 'missing.wasm');
CREATE STREAM o AS SELECT x FROM s;`, "q.sql:1:59: stream s: udf: open " + abs + "/missing.wasm: no such file or directory"},
		{`CREATE STREAM s (x DOUBLE) WITH (format = 'wasm');
CREATE STREAM o AS SELECT x FROM s;`, "q.sql:1:43: format = 'wasm' needs codec = 'module.wasm'"},
		{`CREATE STREAM s (x DOUBLE) WITH (format = 'csv', codec = 'c_msgpack.wasm');
CREATE STREAM o AS SELECT x FROM s;`, "q.sql:1:58: option codec belongs to format = 'wasm'"},
	} {
		pl, err := Parse(file, tc.sql, Options{})
		if err == nil {
			err = pl.LoadModules(ctx, host)
		}
		got := ""
		if err != nil {
			got = strings.TrimPrefix(err.Error(), abs+"/") // the file's name
		}
		if tc.want == "" && err != nil || !strings.Contains(got, tc.want) {
			t.Errorf("%s\ngot  %q\nwant %q", tc.sql, got, tc.want)
		}
	}
}
