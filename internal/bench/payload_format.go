package bench

import (
	"fmt"

	"github.com/velort/velort/runtime"
)

// Scenarios whose streams declare a payload format other than JSON
// (format = 'wasm', 'protobuf', …; SPEC §2 "NATS-native streams"): their
// dataset's messages are encoded in the source's format, and json and
// nats modes decode them and encode every output with the formats'
// decoder and encoder, as a partition loop does.

// formatIO is the source's decoder and the sink's encoder of a format
// scenario (nil fields: JSON).
type formatIO struct {
	dec    runtime.PayloadDecoder
	enc    runtime.PayloadEncoder
	closes []func() error
	err    error // the first output enc failed on
}

// newFormatIO makes q's decoder and encoder when its streams declare
// formats; nil when both are JSON.
func newFormatIO(q *query) (*formatIO, error) {
	src, sink := q.Source.PayloadFormat, q.Sink.PayloadFormat
	if src == nil && sink == nil {
		return nil, nil
	}
	f := &formatIO{}
	if src != nil {
		d, err := src.NewDecoder(q.Source.Columns, payloadColumns(q.Source.Columns), q.Read)
		if err != nil {
			return nil, fmt.Errorf("stream %s: %w", q.Source.Name, err)
		}
		f.dec = d
		f.closer(d)
	}
	if sink != nil {
		e, err := sink.NewEncoder(q.Columns)
		if err != nil {
			f.close()
			return nil, fmt.Errorf("stream %s: %w", q.Sink.Name, err)
		}
		f.enc = e
		f.closer(e)
	}
	return f, nil
}

func (f *formatIO) closer(v any) {
	if c, ok := v.(interface{ Close() error }); ok {
		f.closes = append(f.closes, c.Close)
	}
}

// close releases the decoder's and encoder's wasm instances.
func (f *formatIO) close() {
	if f == nil {
		return
	}
	for _, c := range f.closes {
		_ = c()
	}
}

func payloadColumns(s runtime.Schema) []int {
	var out []int
	for i, c := range s {
		if c.Meta == "" {
			out = append(out, i)
		}
	}
	return out
}

// encodePayloads writes each row as a message in the format of q's
// source: a format scenario's dataset.
func encodePayloads(q *query, rows []runtime.Row) ([][]byte, error) {
	enc, err := q.Source.PayloadFormat.NewEncoder(q.Source.Columns)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", q.Source.Name, err)
	}
	f := &formatIO{}
	f.closer(enc)
	defer f.close()
	var buf []byte
	ends := make([]int, len(rows))
	for i, r := range rows {
		if buf, err = enc.Append(buf, r); err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		ends[i] = len(buf)
	}
	out := make([][]byte, len(rows))
	start := 0
	for i, end := range ends {
		out[i] = buf[start:end:end]
		start = end
	}
	return out, nil
}
