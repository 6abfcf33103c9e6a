package planner

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/velort/velort/runtime"
	"github.com/velort/velort/udf"
)

// codecOption checks the codec option of format = 'wasm' (SPEC §2 "NATS-native
// streams"; docs/udf.md "Codecs") and records the module's path, relative
// to the SQL file's directory as CREATE FUNCTION's module is. The module
// is loaded by LoadModules (loadCodecs).
func (p *parser) codecOption(s *Stream, f *streamFormat, out *runtime.Format) bool {
	if f.name != "wasm" {
		if f.hasCodec {
			p.errorf(f.codecTok, "option codec belongs to format = 'wasm'")
			return false
		}
		return true
	}
	if !f.hasCodec || strings.TrimSpace(f.codec) == "" {
		p.errorf(f.nameTok, "format = 'wasm' needs codec = 'module.wasm' (a codec module, see docs/udf.md \"Codecs\")")
		return false
	}
	path, name := f.codec, ""
	if i := strings.LastIndexByte(path, '#'); i >= 0 {
		path, name = path[:i], path[i+1:]
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(p.src.name), path)
	}
	out.CodecPath, out.CodecName = path, name
	out.CodecPos = f.codecTok.start
	return true
}

// loadCodecs loads the codec of every stream of format 'wasm' and checks
// it the way the partition loops will use it: a stream a query reads is
// decoded into its payload columns, a query's sink encodes its output
// columns. Each check instantiates the module and runs its init with those
// columns, so a codec that refuses them fails here (velort check) with the
// codec option's position.
func (pl *Plan) loadCodecs(ctx context.Context, host *udf.Host) error {
	type key struct{ path, name string }
	loaded := map[key]*udf.Codec{}
	for _, s := range pl.Streams {
		f := s.PayloadFormat
		if f == nil || f.Name != "wasm" || f.Codec != nil {
			continue
		}
		k := key{f.CodecPath, strings.ToLower(f.CodecName)}
		c, ok := loaded[k]
		if !ok {
			var err error
			if c, err = host.LoadCodec(ctx, f.CodecPath, f.CodecName); err != nil {
				return pl.src.errorAt(s.PayloadFormat.CodecPos, "stream %s: %v", s.Name, err)
			}
			loaded[k] = c
		}
		f.Codec = c
	}
	try := func(s *Stream, make func() (any, error), what string) error {
		v, err := make()
		if err != nil {
			return pl.src.errorAt(s.PayloadFormat.CodecPos, "stream %s (%s): %v", s.Name, what, err)
		}
		if c, ok := v.(interface{ Close() error }); ok {
			_ = c.Close()
		}
		return nil
	}
	read := map[*Stream]bool{}
	for _, q := range pl.Queries {
		if s := q.Source; s != nil && !read[s] && isWasm(s) {
			read[s] = true
			var payload []int
			for i, c := range s.Columns {
				if c.Meta == "" {
					payload = append(payload, i)
				}
			}
			err := try(s, func() (any, error) { return s.PayloadFormat.NewDecoder(s.Columns, payload, nil) }, "read by query "+q.Name)
			if err != nil {
				return err
			}
		}
		if s := q.Sink; s != nil && s.Materialized == nil && isWasm(s) {
			err := try(s, func() (any, error) { return s.PayloadFormat.NewEncoder(q.Columns) }, "written by query "+q.Name)
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func isWasm(s *Stream) bool { return s.PayloadFormat != nil && s.PayloadFormat.Name == "wasm" }
