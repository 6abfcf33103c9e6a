package udf

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/velort/velort/runtime"
)

func loadCodec(t testing.TB, h *Host, name string) *Codec {
	t.Helper()
	c, err := h.LoadCodec(context.Background(), plugin(name), "")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// codecSchema has a column of every type; "meta" stands for a metadata
// column the codec does not see.
var codecSchema = runtime.Schema{
	{Name: "id", Type: runtime.TInt},
	{Name: "meta", Type: runtime.TString, Meta: "subject.1"},
	{Name: "price", Type: runtime.TDouble},
	{Name: "ok", Type: runtime.TBool},
	{Name: "ts", Type: runtime.TTimestamp},
	{Name: "name", Type: runtime.TString},
	{Name: "doc", Type: runtime.TJSON},
	{Name: "amount", Type: runtime.TDecimal, Precision: 10, Scale: 2},
	{Name: "gone", Type: runtime.TString},
}

var codecPayload = []int{0, 2, 3, 4, 5, 6, 7, 8}

func rowText(r runtime.Row) string {
	parts := make([]string, len(r))
	for i, v := range r {
		parts[i] = v.T.String() + ":" + string(runtime.AppendValueText(nil, v))
	}
	return strings.Join(parts, " ")
}

// TestCodecRoundTrip encodes rows with the C and the Go MessagePack codecs
// and decodes each with both: every type, NULLs, an empty string and
// non-ASCII text come back equal; a decoder fills only payload columns.
func TestCodecRoundTrip(t *testing.T) {
	h := newHost(t, Limits{})
	codecs := map[string]*Codec{"c": loadCodec(t, h, "c_msgpack.wasm"), "go": loadCodec(t, h, "msgpack.wasm")}
	out := make(runtime.Schema, 0, len(codecPayload))
	for _, i := range codecPayload {
		out = append(out, codecSchema[i])
	}
	rows := []runtime.Row{
		{runtime.Int(-70000), runtime.Double(2.5), runtime.Bool(true), runtime.Timestamp(1_700_000_000_123), runtime.String([]byte("Zürich ✓")),
			{T: runtime.TJSON, S: []byte(`{"a":[1,2]}`)}, runtime.Decimal(-12345, 2), runtime.Null},
		{runtime.Int(1 << 40), runtime.Double(-0.125), runtime.Bool(false), runtime.Timestamp(-1500), runtime.String([]byte("")),
			runtime.Null, runtime.Decimal(7, 2), runtime.String([]byte(strings.Repeat("x", 300)))},
		{runtime.Null, runtime.Null, runtime.Null, runtime.Null, runtime.Null, runtime.Null, runtime.Null, runtime.Null},
	}
	for encName, ec := range codecs {
		enc, err := ec.NewEncoder(out)
		if err != nil {
			t.Fatal(err)
		}
		for decName, dc := range codecs {
			dec, err := dc.NewDecoder(codecSchema, codecPayload, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				payload, err := enc.Append(nil, r)
				if err != nil {
					t.Fatalf("%s encode: %v", encName, err)
				}
				got := make(runtime.Row, len(codecSchema))
				got[1] = runtime.Int(99) // cleared: metadata is the caller's
				if err := dec.DecodeMore(payload, got); err != nil {
					t.Fatalf("%s → %s: %v (payload %x)", encName, decName, err, payload)
				}
				want := make(runtime.Row, len(codecSchema))
				for k, i := range codecPayload {
					want[i] = r[k]
				}
				if rowText(got) != rowText(want) {
					t.Errorf("%s → %s:\n got %s\nwant %s", encName, decName, rowText(got), rowText(want))
				}
			}
		}
	}
}

// msgpack builds a MessagePack map from key, value-bytes pairs.
func msgpack(kv ...string) []byte {
	b := []byte{0x80 | byte(len(kv)/2)}
	for i := 0; i < len(kv); i += 2 {
		b = append(b, 0xa0|byte(len(kv[i])))
		b = append(b, kv[i]...)
		b = append(b, kv[i+1]...)
	}
	return b
}

// TestCodecDecodeErrors: a payload the guest rejects and a value that
// does not fit its column are decode errors with a reason; the instance
// is kept (no fault), and keys are matched case-insensitively, unknown
// ones (nested too) skipped, unread columns left NULL.
func TestCodecDecodeErrors(t *testing.T) {
	h := newHost(t, Limits{})
	for _, name := range []string{"c_msgpack.wasm", "msgpack.wasm"} {
		c := loadCodec(t, h, name)
		read := make([]bool, len(codecSchema))
		read[0], read[5] = true, true // id, name
		d, err := c.NewDecoder(codecSchema, codecPayload, read)
		if err != nil {
			t.Fatal(err)
		}
		dec := d.(*CodecDecoder)
		gen := dec.in.Generation()
		for _, tc := range []struct {
			payload []byte
			want    string
		}{
			{[]byte{0x93, 1, 2, 3}, "codec msgpack: msgpack: the payload is not a map at offset 0"},
			{msgpack("id", "\xcd\x01"), "codec msgpack: msgpack: payload ends inside a value at offset 4"},
			{append(msgpack("id", "\x01"), 0xc0), "codec msgpack: msgpack: bytes after the map at offset 5"},
			{msgpack("id", "\xa3abc"), `column "id": expected BIGINT, the codec gave VARCHAR "abc"`},
			{msgpack("id", "\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00"), `column "id": expected BIGINT, got 1.5`},
			{msgpack("NAME", "\xc3"), `column "name": expected VARCHAR, the codec gave BOOLEAN`},
			{msgpack("name", "\xa2\xff\xfe"), `column "name": expected VARCHAR, got text that is not valid UTF-8`},
			{msgpack("id", "\x91\x01"), "codec msgpack: msgpack: a nested array or map for a column at offset 4"},
			{msgpack("ID", "\x05", "x", "\x92\x81\xa1k\xc0\x01", "price", "\xa1?", "Name", "\xa2ok"), ""}, // price: not read
		} {
			row := make(runtime.Row, len(codecSchema))
			err := dec.DecodeMore(tc.payload, row)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if name == "c_msgpack.wasm" {
				got = strings.Replace(got, "nested array or map (or an unknown type) for a column", "nested array or map for a column", 1)
			}
			if got != tc.want {
				t.Errorf("%s: %x: got %q, want %q", name, tc.payload, got, tc.want)
			}
			if err == nil && rowText(row) != rowText(runtime.Row{runtime.Int(5), {}, {}, {}, {}, runtime.String([]byte("ok")), {}, {}, {}}) {
				t.Errorf("%s: %s", name, rowText(row))
			}
		}
		if dec.in.Generation() != gen {
			t.Errorf("%s: decode errors replaced the instance", name)
		}
	}
}

// TestCodecFaults: a trap, a timeout, memory exhaustion and output that
// breaks the ABI (a string outside guest memory, an unknown tag) fail that
// payload with a *CallError and replace the instance, whose init runs
// again: the next payload decodes. The same for an encoder.
func TestCodecFaults(t *testing.T) {
	h := newHost(t, Limits{Timeout: 50 * time.Millisecond, MemoryLimitBytes: 8 << 20})
	c := loadCodec(t, h, "c_codec_faults.wasm")
	schema := runtime.Schema{{Name: "line", Type: runtime.TString}}
	d, err := c.NewDecoder(schema, []int{0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dec := d.(*CodecDecoder)
	ok := func() {
		t.Helper()
		row := make(runtime.Row, 1)
		if err := dec.DecodeMore([]byte("fine"), row); err != nil || string(row[0].S) != "fine" {
			t.Fatalf("after a fault: %v %s", err, rowText(row))
		}
	}
	ok()
	for _, tc := range []struct {
		payload string
		kind    ErrorKind
		detail  string
	}{
		{"trap", Trap, "wasm error: unreachable"},
		{"loop", Timeout, "ran longer than the 50ms timeout"},
		{"grow", MemoryLimit, "memory.grow failed at the 8 MiB limit"},
		{"badptr", Trap, "malformed output: column line: (ptr 4294967280, len 64) is outside guest memory"},
		{"badtag", Trap, "malformed output: column line: unknown tag 99"},
	} {
		gen := dec.in.Generation()
		err := dec.DecodeMore([]byte(tc.payload), make(runtime.Row, 1))
		var ce *CallError
		if !errors.As(err, &ce) || ce.Kind != tc.kind || !strings.HasPrefix(ce.Detail, tc.detail) || ce.Func != "codec faulty decode" {
			t.Errorf("%s: got %v, want a %s: %s", tc.payload, err, tc.kind, tc.detail)
		}
		if dec.in.Generation() != gen+1 {
			t.Errorf("%s: the instance was not replaced", tc.payload)
		}
		ok()
	}
	if err := dec.DecodeMore([]byte("reject"), make(runtime.Row, 1)); err == nil || err.Error() != "codec faulty: faulty: rejected on request" {
		t.Errorf("reject: %v", err)
	}

	e, err := c.NewEncoder(schema)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ in, out, err string }{
		{"a", "a", ""},
		{"trap", "", "udf codec faulty encode: trap: wasm error: unreachable"},
		{"b", "b", ""},
	} {
		got, err := e.Append([]byte("x"), runtime.Row{runtime.String([]byte(tc.in))})
		if tc.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
				t.Errorf("encode %s: %v, want %s", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || string(got) != "x"+tc.out {
			t.Errorf("encode %s: %q %v", tc.in, got, err)
		}
	}
	if _, err := e.Append(nil, runtime.Row{runtime.Int(1)}); err == nil || err.Error() != "codec faulty: faulty: the first column is not text" {
		t.Errorf("encode a BIGINT: %v", err)
	}
	// init refuses columns
	_, err = c.NewDecoder(runtime.Schema{{Name: "n", Type: runtime.TInt}}, []int{0}, nil)
	if err == nil || !strings.Contains(err.Error(), "refuses the columns (n BIGINT): faulty: the first column must be VARCHAR") {
		t.Errorf("init: %v", err)
	}
}

// TestLoadCodecChecks: the manifest's codec must exist, with exports of
// the codec ABI's signatures.
func TestLoadCodecChecks(t *testing.T) {
	h := newHost(t, Limits{})
	var (
		tInit   = []byte{0x60, 2, 0x7f, 0x7f, 1, 0x7e}
		tDecode = []byte{0x60, 3, 0x7f, 0x7f, 0x7f, 1, 0x7e}
		tEncode = []byte{0x60, 1, 0x7f, 1, 0x7e}
		tAlloc  = []byte{0x60, 1, 0x7f, 1, 0x7f}
		ret64   = []byte{0, 0x42, 0, 0x0b}
		ret32   = []byte{0, 0x41, 8, 0x0b}
	)
	gen := func(manifest string, decodeType []byte, alloc bool) string {
		g := newGen()
		g.memory = true
		g.export("x_init", g.fn(tInit, ret64))
		g.export("x_decode", g.fn(decodeType, ret64))
		g.export("x_encode", g.fn(tEncode, ret64))
		if alloc {
			g.export("velort_alloc", g.fn(tAlloc, ret32))
		}
		g.manifest(manifest)
		return g.write(t, "x.wasm")
	}
	for _, tc := range []struct {
		path, name, want string
	}{
		{gen(`{"codecs":[{"name":"x"}]}`, tDecode, true), "", ""},
		{gen(`{"codecs":[{"name":"x"}]}`, tEncode, true), "", `codec x: signature mismatch: decode export "x_decode" has wasm signature (i32) -> i64, expected (i32, i32, i32) -> i64 (payload i32, len i32, row i32) -> error i64`},
		{gen(`{"codecs":[{"name":"x"}]}`, tDecode, false), "", `codec x: export "velort_alloc" not found`},
		{gen(`{"codecs":[{"name":"x","decode":"nope"}]}`, tDecode, true), "", `codec x: decode export "nope" not found`},
		{gen(`{"codecs":[{"name":"x"},{"name":"y","init":"x_init","encode":"x_encode"}]}`, tDecode, true), "", "the module declares 2 codecs (x, y): name one, as codec = '"},
		{gen(`{"codecs":[{"name":"x"},{"name":"y","init":"x_init","encode":"x_encode"}]}`, tDecode, true), "Y", ""},
		{gen(`{"codecs":[{"name":"x"}]}`, tDecode, true), "z", `the module declares no codec "z" (its codecs: x)`},
		{plugin("c_numeric.wasm"), "", `the module declares no codecs`},
	} {
		c, err := h.LoadCodec(context.Background(), tc.path, tc.name)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if tc.want == "" && err != nil || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("%s %s: got %q, want %q", tc.path, tc.name, got, tc.want)
		}
		if c != nil && tc.name != "" && !strings.EqualFold(c.Spec().Name, tc.name) {
			t.Errorf("picked codec %s, want %s", c.Spec().Name, tc.name)
		}
	}
	// A codec-only module loads as a plugin module without functions; a
	// module whose codec breaks the ABI fails its load.
	m, err := h.Load(context.Background(), plugin("c_msgpack.wasm"))
	if err != nil || len(m.Functions()) != 0 || len(m.Codecs()) != 1 || m.Codecs()[0] != (CodecSpec{"msgpack", "msgpack_init", "msgpack_decode", "msgpack_encode"}) {
		t.Errorf("Load of a codec module: %v %v", err, m.Codecs())
	}
	_, err = h.Load(context.Background(), gen(`{"codecs":[{"name":"x"}]}`, tEncode, true))
	if err == nil || !strings.Contains(err.Error(), `codec x: signature mismatch: decode export "x_decode"`) {
		t.Errorf("Load of a module with a broken codec: %v", err)
	}
}
