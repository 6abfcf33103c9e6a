package velort

import (
	"fmt"
	"math"
	"unsafe"
)

// Codec is a codec for streams declared with format = 'wasm' (docs/udf.md
// "Codecs"): it decodes a message payload into the stream's columns and
// encodes an output row into a payload. Register it with RegisterCodec.
// The host makes one instance of the module per decoder or encoder, and
// calls Init once on it before any Decode or Encode.
type Codec interface {
	// Init receives the columns, in slot order, and whether the instance
	// will decode or encode; an error refuses them (velort check fails).
	Init(cols []Column, mode CodecMode) error
	// Decode reads payload into row, whose slots are all NULL. payload is
	// valid until Decode returns; SetText and SetBytes may point into it.
	// An error rejects the payload: the record is dead-lettered with it.
	Decode(payload []byte, row Row) error
	// Encode appends the payload of row to dst.
	Encode(row Row, dst []byte) ([]byte, error)
}

// CodecMode says what an instance does.
type CodecMode uint32

// Codec modes.
const (
	Decoding CodecMode = 1
	Encoding CodecMode = 2
)

// Tag is the type of a value in the row area.
type Tag uint32

// Tags (docs/udf.md "Codecs").
const (
	TagNull Tag = iota
	TagBigint
	TagDouble
	TagBoolean
	TagTimestamp
	TagVarchar
	TagVarbinary
	TagJSON
	TagDecimal
)

// Column is a column of the stream a codec serves.
type Column struct {
	Name             string
	Type             Tag  // the column's SQL type, as the tag of its values
	Read             bool // a query reads it (decoding); a decoder may skip the others
	Scale, Precision int  // DECIMAL(Precision, Scale)
}

// slot is one column's value in the row area: 16 bytes.
type slot struct {
	tag, len uint32
	v        uint64
}

// Row is the row area: one slot per column. On decode the codec sets the
// slots it has values for; on encode it reads them. Text and bytes it
// returns are valid until the call returns.
type Row struct{ s []slot }

// Len is the number of columns.
func (r Row) Len() int { return len(r.s) }

// Tag is the type of column k's value (TagNull: NULL).
func (r Row) Tag(k int) Tag { return Tag(r.s[k].tag) }

// Int is a BIGINT, BOOLEAN (0 or 1) or TIMESTAMP value, or a DECIMAL's unscaled value.
func (r Row) Int(k int) int64 { return int64(r.s[k].v) }

// Double is a DOUBLE value.
func (r Row) Double(k int) float64 { return math.Float64frombits(r.s[k].v) }

// Scale is a DECIMAL's scale.
func (r Row) Scale(k int) int { return int(r.s[k].len) }

// Bytes is a VARCHAR, VARBINARY or JSON value, without copying.
func (r Row) Bytes(k int) []byte {
	s := &r.s[k]
	if s.len == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Add(nil, uintptr(s.v))), s.len)
}

// SetNull makes column k NULL.
func (r Row) SetNull(k int) { r.s[k] = slot{} }

// SetInt sets a BIGINT.
func (r Row) SetInt(k int, v int64) { r.s[k] = slot{tag: uint32(TagBigint), v: uint64(v)} }

// SetDouble sets a DOUBLE.
func (r Row) SetDouble(k int, v float64) {
	r.s[k] = slot{tag: uint32(TagDouble), v: math.Float64bits(v)}
}

// SetBool sets a BOOLEAN.
func (r Row) SetBool(k int, v bool) {
	s := slot{tag: uint32(TagBoolean)}
	if v {
		s.v = 1
	}
	r.s[k] = s
}

// SetTimestamp sets a TIMESTAMP.
func (r Row) SetTimestamp(k int, v Timestamp) {
	r.s[k] = slot{tag: uint32(TagTimestamp), v: uint64(v)}
}

// SetDecimal sets a DECIMAL unscaled / 10^scale.
func (r Row) SetDecimal(k int, unscaled int64, scale int) {
	r.s[k] = slot{tag: uint32(TagDecimal), len: uint32(scale), v: uint64(unscaled)}
}

// SetText sets VARCHAR text (the host checks it is UTF-8) without
// copying: b must stay unchanged until the call returns (the payload
// passed to Decode does; so does memory the codec keeps).
func (r Row) SetText(k int, b []byte) { r.setBytes(k, TagVarchar, b) }

// SetString sets VARCHAR text; s is kept alive until the next call.
func (r Row) SetString(k int, s string) {
	keep = append(keep, s)
	r.s[k] = slot{tag: uint32(TagVarchar), len: uint32(len(s)), v: uint64(addr(unsafe.Pointer(unsafe.StringData(s))))}
}

// SetBytes sets VARBINARY bytes without copying (as SetText).
func (r Row) SetBytes(k int, b []byte) { r.setBytes(k, TagVarbinary, b) }

// SetJSON sets a JSON document's text without copying (as SetText).
func (r Row) SetJSON(k int, b []byte) { r.setBytes(k, TagJSON, b) }

func (r Row) setBytes(k int, tag Tag, b []byte) {
	s := slot{tag: uint32(tag), len: uint32(len(b))}
	if len(b) > 0 {
		s.v = uint64(addr(unsafe.Pointer(unsafe.SliceData(b))))
	}
	r.s[k] = s
}

// keep holds strings set by SetString until the next call.
var keep []string

var codecs []codecEntry

type codecEntry struct {
	name string
	c    Codec
}

// The exports of a Go codec (codec_wasip1.go); one codec per module.
const (
	codecInit   = "velort_codec_init"
	codecDecode = "velort_codec_decode"
	codecEncode = "velort_codec_encode"
)

// RegisterCodec declares the module's codec: its manifest entry names the
// SDK's exports velort_codec_init, velort_codec_decode and
// velort_codec_encode, which call c. A Go module has at most one codec.
func RegisterCodec(name string, c Codec) {
	if !isIdent(name) {
		panic(fmt.Sprintf("velort: codec name %q is not an identifier", name))
	}
	if len(codecs) > 0 {
		panic(fmt.Sprintf("velort: codec %s: a Go module has one codec (%s is registered)", name, codecs[0].name))
	}
	codecs = append(codecs, codecEntry{name, c})
}

// NewRow returns a row of n NULL columns in Go memory, to test a codec
// with a plain go test (text and bytes work only in a wasm guest).
func NewRow(n int) Row { return Row{make([]slot, n)} }
