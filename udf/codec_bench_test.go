package udf

import (
	"testing"

	"github.com/velort/velort/runtime"
)

var s0Schema = runtime.Schema{
	{Name: "order_id", Type: runtime.TInt},
	{Name: "customer_id", Type: runtime.TInt},
	{Name: "order_date", Type: runtime.TString},
	{Name: "total_amount", Type: runtime.TDouble},
}

var s0Row = runtime.Row{runtime.Int(123456), runtime.Int(456), runtime.String([]byte("2024-01-15")), runtime.Double(199)}

// BenchmarkCodec decodes and encodes S0's record (bench scenario S0-wasm)
// with the C MessagePack codec; faulty is the near-empty codec (the
// payload as one VARCHAR): the host's cost of a call.
func BenchmarkCodec(b *testing.B) {
	h := newHost(b, Limits{})
	for _, tc := range []struct {
		name, file string
		schema     runtime.Schema
		row        runtime.Row
	}{
		{"msgpack", "c_msgpack.wasm", s0Schema, s0Row},
		{"faulty", "c_codec_faults.wasm", s0Schema[2:3], s0Row[2:3]},
	} {
		c := loadCodec(b, h, tc.file)
		all := []int{}
		for i := range tc.schema {
			all = append(all, i)
		}
		enc, err := c.NewEncoder(tc.schema)
		if err != nil {
			b.Fatal(err)
		}
		dec, err := c.NewDecoder(tc.schema, all, nil)
		if err != nil {
			b.Fatal(err)
		}
		payload, err := enc.Append(nil, tc.row)
		if err != nil {
			b.Fatal(err)
		}
		row := make(runtime.Row, len(tc.schema))
		b.Run(tc.name+"/decode", func(b *testing.B) {
			for range b.N {
				dec.ResetScratch()
				if err := dec.DecodeMore(payload, row); err != nil {
					b.Fatal(err)
				}
			}
		})
		var buf []byte
		b.Run(tc.name+"/encode", func(b *testing.B) {
			for range b.N {
				if buf, err = enc.Append(buf[:0], tc.row); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
