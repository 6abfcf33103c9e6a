package runtime

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// kindsMessage: one field of each integer kind, a proto3 optional (with
// presence) and a float.
func kindsMessage(t *testing.T) protoreflect.MessageDescriptor {
	t.Helper()
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	f := func(name string, n int32, typ descriptorpb.FieldDescriptorProto_Type) *descriptorpb.FieldDescriptorProto {
		return &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(n), Type: typ.Enum(), Label: opt, JsonName: proto.String(name)}
	}
	maybe := f("maybe", 7, descriptorpb.FieldDescriptorProto_TYPE_INT64)
	maybe.Proto3Optional, maybe.OneofIndex = proto.Bool(true), proto.Int32(0)
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name: proto.String("k.proto"), Package: proto.String("k"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("K"), Field: []*descriptorpb.FieldDescriptorProto{
			f("i32", 1, descriptorpb.FieldDescriptorProto_TYPE_INT32),
			f("u64", 2, descriptorpb.FieldDescriptorProto_TYPE_UINT64),
			f("s32", 3, descriptorpb.FieldDescriptorProto_TYPE_SINT32),
			f("sf64", 4, descriptorpb.FieldDescriptorProto_TYPE_SFIXED64),
			f("fl", 5, descriptorpb.FieldDescriptorProto_TYPE_FLOAT),
			f("name", 6, descriptorpb.FieldDescriptorProto_TYPE_STRING),
			maybe,
		}, OneofDecl: []*descriptorpb.OneofDescriptorProto{{Name: proto.String("_maybe")}}}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fd.Messages().Get(0)
}

func TestProtobufDecode(t *testing.T) {
	md := kindsMessage(t)
	schema := Schema{{Name: "i32", Type: TInt}, {Name: "u64", Type: TInt}, {Name: "S32", Type: TInt}, {Name: "sf64", Type: TDecimal, Precision: 10, Scale: 2},
		{Name: "fl", Type: TDouble}, {Name: "name", Type: TString}, {Name: "maybe", Type: TInt}}
	all := []int{0, 1, 2, 3, 4, 5, 6}
	dec, err := (&Format{Name: "protobuf", Message: md}).NewDecoder(schema, all, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := dynamicpb.NewMessage(md)
	fs := md.Fields()
	m.Set(fs.ByName("i32"), protoreflect.ValueOfInt32(-5))
	m.Set(fs.ByName("s32"), protoreflect.ValueOfInt32(-7))
	m.Set(fs.ByName("sf64"), protoreflect.ValueOfInt64(-12))
	m.Set(fs.ByName("fl"), protoreflect.ValueOfFloat32(0.5))
	b, _ := proto.Marshal(m)
	row := make(Row, len(schema))
	if err := dec.DecodeMore(b, row); err != nil {
		t.Fatal(err)
	}
	// u64 and name absent without presence: their zero values; maybe has presence: NULL
	if got := fmtRow(row); got != `-5 0 -7 -12.00 0.5 "" NULL` {
		t.Errorf("decoded %s", got)
	}
	m.Set(fs.ByName("maybe"), protoreflect.ValueOfInt64(0))
	m.Set(fs.ByName("u64"), protoreflect.ValueOfUint64(1<<63))
	b, _ = proto.Marshal(m)
	if err := dec.DecodeMore(b, row); err == nil || !strings.Contains(err.Error(), `column "u64": BIGINT out of range`) {
		t.Errorf("u64 2^63: %v", err)
	}
	// a decoder reading only name skips the other fields, even one it could not convert
	only, _ := (&Format{Name: "protobuf", Message: md}).NewDecoder(schema, all, []bool{false, false, false, false, false, true, false})
	if err := only.DecodeMore(b, row); err != nil || fmtRow(row) != `NULL NULL NULL NULL NULL "" NULL` {
		t.Errorf("reading name only: %v %s", err, fmtRow(row))
	}
	bad := protowire.AppendTag(nil, 6, protowire.BytesType)
	bad = protowire.AppendBytes(bad, []byte{0xff})
	if err := dec.DecodeMore(bad, row); err == nil || !strings.Contains(err.Error(), "not valid UTF-8") {
		t.Errorf("invalid UTF-8: %v", err)
	}
	if _, err := (&Format{Name: "protobuf", Message: md}).NewDecoder(Schema{{Name: "name", Type: TInt}}, []int{0}, nil); err == nil ||
		!strings.Contains(err.Error(), "column name BIGINT cannot hold field name (string) of k.K") {
		t.Errorf("type check: %v", err)
	}
	if _, err := (&Format{Name: "protobuf", Message: md}).NewDecoder(Schema{{Name: "nope", Type: TInt}}, []int{0}, nil); err == nil ||
		!strings.Contains(err.Error(), "has no field nope") {
		t.Errorf("unknown field: %v", err)
	}
}

func TestProtobufEncode(t *testing.T) {
	md := kindsMessage(t)
	cols := Schema{{Name: "i32", Type: TInt}, {Name: "s32", Type: TInt}, {Name: "fl", Type: TDouble}, {Name: "name", Type: TString}, {Name: "maybe", Type: TInt}}
	enc, err := (&Format{Name: "protobuf", Message: md}).NewEncoder(cols)
	if err != nil {
		t.Fatal(err)
	}
	b, err := enc.Append(nil, Row{Int(-5), Int(-7), Double(0.25), String([]byte("x")), {}})
	if err != nil {
		t.Fatal(err)
	}
	m := dynamicpb.NewMessage(md)
	if err := proto.Unmarshal(b, m); err != nil {
		t.Fatal(err)
	}
	fs := md.Fields()
	if m.Get(fs.ByName("i32")).Int() != -5 || m.Get(fs.ByName("s32")).Int() != -7 || m.Get(fs.ByName("fl")).Float() != 0.25 ||
		m.Get(fs.ByName("name")).String() != "x" || m.Has(fs.ByName("maybe")) {
		t.Errorf("encoded %v", m)
	}
	if _, err := enc.Append(nil, Row{Int(1 << 40), {}, {}, {}, {}}); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("int32 overflow: %v", err)
	}
}
