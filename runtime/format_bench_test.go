package runtime

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// s0Message is the S0 benchmark's record as a protobuf message.
func s0Message(tb testing.TB) protoreflect.MessageDescriptor {
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	f := func(name string, n int32, typ descriptorpb.FieldDescriptorProto_Type) *descriptorpb.FieldDescriptorProto {
		return &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(n), Type: typ.Enum(), Label: opt, JsonName: proto.String(name)}
	}
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name: proto.String("s0.proto"), Package: proto.String("bench"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("Order"), Field: []*descriptorpb.FieldDescriptorProto{
			f("order_id", 1, descriptorpb.FieldDescriptorProto_TYPE_INT64),
			f("customer_id", 2, descriptorpb.FieldDescriptorProto_TYPE_INT64),
			f("order_date", 3, descriptorpb.FieldDescriptorProto_TYPE_STRING),
			f("total_amount", 4, descriptorpb.FieldDescriptorProto_TYPE_DOUBLE),
		}}},
	}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return fd.Messages().Get(0)
}

// BenchmarkFormatsS0: decoding and encoding S0's record (every column
// read) in each format; the payloads are the encoders' own.
func BenchmarkFormatsS0(b *testing.B) {
	row := Row{Int(123456), Int(456), String([]byte("2024-01-15")), Double(206)}
	all := []int{0, 1, 2, 3}
	formats := []*Format{{Name: "csv", Delimiter: ','}, {Name: "protobuf", Message: s0Message(b)}}
	names := []string{"order_id", "customer_id", "order_date", "total_amount"}
	jdec, jenc := NewDecoder(s0Schema, nil), NewEncoder(names)
	out := make(Row, 4)
	payload := jenc.Append(nil, row)
	b.Run("decode/json", func(b *testing.B) {
		for range b.N {
			if err := jdec.Decode(payload, out); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, f := range formats {
		enc, _ := f.NewEncoder(s0Schema)
		dec, err := f.NewDecoder(s0Schema, all, nil)
		if err != nil {
			b.Fatal(err)
		}
		p, _ := enc.Append(nil, row)
		b.Run("decode/"+f.Name, func(b *testing.B) {
			for range b.N {
				dec.ResetScratch()
				if err := dec.DecodeMore(p, out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	var buf []byte
	b.Run("encode/json", func(b *testing.B) {
		for range b.N {
			buf = jenc.Append(buf[:0], row)
		}
	})
	for _, f := range formats {
		enc, _ := f.NewEncoder(s0Schema)
		b.Run("encode/"+f.Name, func(b *testing.B) {
			for range b.N {
				buf, _ = enc.Append(buf[:0], row)
			}
		})
	}
}
