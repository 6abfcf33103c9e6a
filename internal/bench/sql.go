package bench

import (
	"embed"
	"io/fs"
)

// sqlFiles holds each scenario's SQL file, the wasm modules the UDF and
// codec variants call and the Protobuf descriptor sets (S0-protobuf);
// `velort check` reads the same files from
// internal/bench/sql/.
//
//go:embed sql/*.sql sql/*.wasm sql/*.binpb
var sqlFiles embed.FS

func mustSQL(name string) string {
	b, err := fs.ReadFile(sqlFiles, "sql/"+name)
	if err != nil {
		panic("bench: missing embedded SQL file " + name)
	}
	return string(b)
}
