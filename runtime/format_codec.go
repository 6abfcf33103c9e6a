package runtime

import (
	"fmt"
	"strings"
	"unsafe"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// PayloadDecoder turns one message payload of a format other than JSON
// into a row (SPEC §2 "NATS-native streams"). *Decoder is JSON's.
//
// DecodeMore fills row (len(row) == len(schema)) from data: the payload's
// read columns; every other column is NULL. Byte slices in the row alias
// data or the decoder's scratch, valid until ResetScratch. An error is a
// *DecodeError whose text is the dead letter's reason.
type PayloadDecoder interface {
	DecodeMore(data []byte, row Row) error
	ResetScratch()
}

// PayloadEncoder writes a row as one message payload.
type PayloadEncoder interface {
	Append(dst []byte, row Row) ([]byte, error)
}

// Codec makes the decoders and encoders of format 'wasm': a codec module
// under the velort/1 codec ABI (docs/udf.md "Codecs"). udf.Codec
// implements it; runtime knows nothing of wasm. Each decoder and encoder
// is its own sandboxed instance (one per partition loop), so calls need
// no lock. A decoder or encoder may also have a Close() error method that
// releases its instance.
type Codec interface {
	// NewDecoder is Format.NewDecoder for this codec.
	NewDecoder(schema Schema, payload []int, read []bool) (PayloadDecoder, error)
	// NewEncoder is Format.NewEncoder for this codec.
	NewEncoder(cols Schema) (PayloadEncoder, error)
}

// Format is a stream's payload format when it is not JSON (WITH format =
// 'csv' | 'text' | 'protobuf' | 'wasm').
type Format struct {
	Name      string // "csv", "text", "protobuf" or "wasm"
	Delimiter byte   // csv: the field separator (default ',')
	Header    bool   // csv: each payload starts with a header line naming its fields
	// Message is the protobuf message type of each payload.
	Message protoreflect.MessageDescriptor
	// CodecPath is the wasm codec's module (codec = '...', resolved
	// against the SQL file's directory) and CodecName the codec it names
	// after a '#' ("" when the module declares one). Codec is set once
	// the module is loaded (planner: Plan.LoadModules).
	CodecPath, CodecName string
	Codec                Codec
	CodecPos             int // where codec = '…' is written in the SQL file (the planner's errors)
}

// NewDecoder returns a decoder of f for schema. payload lists, in order,
// the columns that come from the payload (the others are metadata columns
// filled by the caller and left NULL); read[i] says column i is read (nil:
// all are).
func (f *Format) NewDecoder(schema Schema, payload []int, read []bool) (PayloadDecoder, error) {
	if err := f.Check(schema, payload); err != nil {
		return nil, err
	}
	rd := func(i int) bool { return read == nil || (i < len(read) && read[i]) }
	switch f.Name {
	case "text":
		d := &textDecoder{n: len(schema), col: -1}
		if rd(payload[0]) {
			d.col = payload[0]
		}
		return d, nil
	case "csv":
		return newCSVDecoder(f, schema, payload, rd), nil
	case "protobuf":
		return newProtoDecoder(f.Message, schema, payload, rd)
	case "wasm":
		if f.Codec == nil {
			return nil, f.unloaded()
		}
		return f.Codec.NewDecoder(schema, payload, read)
	}
	return nil, fmt.Errorf("unknown format %q", f.Name)
}

// NewEncoder returns an encoder of f for rows of cols.
func (f *Format) NewEncoder(cols Schema) (PayloadEncoder, error) {
	switch f.Name {
	case "text":
		if len(cols) != 1 {
			return nil, fmt.Errorf("format 'text' writes one column, the payload; the query has %d (%s)", len(cols), columnNames(cols))
		}
		return textEncoder{}, nil
	case "csv":
		return newCSVEncoder(f, cols), nil
	case "protobuf":
		return newProtoEncoder(f.Message, cols)
	case "wasm":
		if f.Codec == nil {
			return nil, f.unloaded()
		}
		return f.Codec.NewEncoder(cols)
	}
	return nil, fmt.Errorf("unknown format %q", f.Name)
}

func (f *Format) unloaded() error {
	return fmt.Errorf("format 'wasm': codec %s is not loaded", f.CodecPath)
}

// Check reports whether the payload columns of schema fit the format.
func (f *Format) Check(schema Schema, payload []int) error {
	switch f.Name {
	case "text":
		if len(payload) != 1 || schema[payload[0]].Type != TString {
			return fmt.Errorf("format 'text' reads the payload as one VARCHAR column: declare exactly one column that is not METADATA, of type VARCHAR (the stream has %d: %s)", len(payload), columnNames(pick(schema, payload)))
		}
	case "csv":
		if len(payload) == 0 {
			return fmt.Errorf("format 'csv' needs at least one column that is not METADATA")
		}
	case "wasm":
		if len(payload) == 0 {
			return fmt.Errorf("format 'wasm' needs at least one column that is not METADATA")
		}
	case "protobuf":
		if f.Message == nil {
			return fmt.Errorf("format 'protobuf' needs schema = 'file.binpb' and message = 'package.Message'")
		}
		_, err := protoFields(f.Message, pick(schema, payload), true)
		return err
	default:
		return fmt.Errorf("unknown format %q", f.Name)
	}
	return nil
}

func pick(s Schema, idx []int) Schema {
	out := make(Schema, len(idx))
	for i, j := range idx {
		out[i] = s[j]
	}
	return out
}

func columnNames(s Schema) string {
	names := make([]string, len(s))
	for i, c := range s {
		names[i] = c.Name + " " + typeName(&s[i])
	}
	return strings.Join(names, ", ")
}

// unsafeBytes views s as bytes without copying; they must not be written.
func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// UnsafeBytes is unsafeBytes for other packages of velort.
func UnsafeBytes(s string) []byte { return unsafeBytes(s) }
