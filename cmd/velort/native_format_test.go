package main

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// writeReadingSchema writes a descriptor set (as protoc
// --descriptor_set_out writes, without --include_imports) of
// plant.Reading to path and returns the message's descriptor.
func writeReadingSchema(t *testing.T, path string) protoreflect.MessageDescriptor {
	t.Helper()
	field := func(name string, num int32, typ descriptorpb.FieldDescriptorProto_Type, typeName string) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(num), Type: typ.Enum(),
			Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), JsonName: proto.String(name)}
		if typeName != "" {
			f.TypeName = proto.String(typeName)
		}
		return f
	}
	fdp := &descriptorpb.FileDescriptorProto{
		Name: proto.String("plant.proto"), Package: proto.String("plant"), Syntax: proto.String("proto3"),
		Dependency: []string{"google/protobuf/timestamp.proto"},
		EnumType: []*descriptorpb.EnumDescriptorProto{{Name: proto.String("Level"), Value: []*descriptorpb.EnumValueDescriptorProto{
			{Name: proto.String("LOW"), Number: proto.Int32(0)}, {Name: proto.String("HIGH"), Number: proto.Int32(1)}}}},
		MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("Reading"), Field: []*descriptorpb.FieldDescriptorProto{
			field("symbol", 1, descriptorpb.FieldDescriptorProto_TYPE_STRING, ""),
			field("price", 2, descriptorpb.FieldDescriptorProto_TYPE_DOUBLE, ""),
			field("qty", 3, descriptorpb.FieldDescriptorProto_TYPE_SINT64, ""),
			field("ts", 4, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, ".google.protobuf.Timestamp"),
			field("level", 5, descriptorpb.FieldDescriptorProto_TYPE_ENUM, ".plant.Level"),
			field("note", 6, descriptorpb.FieldDescriptorProto_TYPE_STRING, ""), // read by no query
		}}},
	}
	fd, err := protodesc.NewFile(fdp, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	b, err := proto.Marshal(&descriptorpb.FileDescriptorSet{File: []*descriptorpb.FileDescriptorProto{fdp}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return fd.Messages().ByName("Reading")
}

// reading encodes a plant.Reading with dynamicpb (as a producer would).
func reading(t *testing.T, md protoreflect.MessageDescriptor, symbol string, price float64, qty int64, tsMs int64, level int32, note string) string {
	m := dynamicpb.NewMessage(md)
	f := md.Fields()
	m.Set(f.ByName("symbol"), protoreflect.ValueOfString(symbol))
	m.Set(f.ByName("price"), protoreflect.ValueOfFloat64(price))
	m.Set(f.ByName("qty"), protoreflect.ValueOfInt64(qty))
	m.Set(f.ByName("ts"), protoreflect.ValueOfMessage(timestamppb.New(timeMs(tsMs)).ProtoReflect()))
	m.Set(f.ByName("level"), protoreflect.ValueOfEnum(protoreflect.EnumNumber(level)))
	m.Set(f.ByName("note"), protoreflect.ValueOfString(note))
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFormatsRoundTrip: rows written by velort in the protobuf, csv and
// text formats are read back by velort (velort → NATS → velort) with
// their values intact; the protobuf payloads are genuine (dynamicpb reads
// them), a producer's dynamicpb messages are read too (their unread
// fields skipped), and malformed payloads in each format are dead letters
// with the reason.
func TestFormatsRoundTrip(t *testing.T) {
	_, js, f, dir := nativeServer(t)
	md := writeReadingSchema(t, filepath.Join(dir, "plant.binpb"))
	sqlFile := filepath.Join(dir, "q.sql")
	os.WriteFile(sqlFile, []byte(`
CREATE STREAM src (symbol VARCHAR, price DOUBLE, qty BIGINT, ts TIMESTAMP, level VARCHAR) WITH (subject = 'fmt.src', jetstream = 'FMT_SRC');
CREATE STREAM as_pb WITH (subject = 'fmt.pb', jetstream = 'FMT_PB', format = 'protobuf', schema = 'plant.binpb', message = 'plant.Reading') AS
SELECT symbol, price, qty, ts, level FROM src;
CREATE STREAM from_pb WITH (subject = 'fmt.from_pb', jetstream = 'FMT_FROM_PB') AS
SELECT symbol, price, qty * 2 AS qty2, ts, level FROM as_pb WHERE price > 0;
CREATE STREAM as_csv WITH (subject = 'fmt.csv', jetstream = 'FMT_CSV', format = 'csv', delimiter = ';', header = 'true') AS
SELECT symbol, price, qty, ts FROM src;
CREATE STREAM from_csv WITH (subject = 'fmt.from_csv', jetstream = 'FMT_FROM_CSV') AS
SELECT symbol, price, qty, ts FROM as_csv WHERE price > 0;
CREATE STREAM as_text WITH (subject = 'fmt.text', jetstream = 'FMT_TEXT', format = 'text') AS
SELECT CONCAT(symbol, ' x', qty) AS line FROM src;
CREATE STREAM from_text WITH (subject = 'fmt.from_text', jetstream = 'FMT_FROM_TEXT') AS
SELECT line, CHAR_LENGTH(line) AS len FROM as_text;
`), 0o644)
	stop, exited := runInBackground(t, sqlFile, f)
	waitUntil(t, "the streams", exited, func() bool {
		_, err1 := js.StreamInfo("FMT_SRC")
		_, err2 := js.StreamInfo("FMT_PB")
		_, err3 := js.StreamInfo("FMT_CSV")
		return err1 == nil && err2 == nil && err3 == nil
	})
	for _, r := range []string{
		`{"symbol":"A;1","price":1.5,"qty":10,"ts":1000,"level":"HIGH"}`,
		`{"symbol":"B \"q\"","price":2.25,"qty":-3,"ts":"2024-01-02T03:04:05.678Z","level":"LOW"}`,
		`{"symbol":"C","price":-1,"qty":7,"ts":2000,"level":"HIGH"}`,
		`{"symbol":"D","price":3,"qty":0,"ts":3000,"level":null}`,
	} {
		publishMsg(t, js, "fmt.src", r)
	}
	// another producer's messages and malformed payloads
	publishMsg(t, js, "fmt.pb", reading(t, md, "P", 9.5, -42, 1_700_000_000_123, 1, "unread note"))
	publishMsg(t, js, "fmt.pb", "\x0a\x05ab")                                                     // a string field cut short
	publishMsg(t, js, "fmt.pb", string(protowire.AppendTag(nil, 2, protowire.BytesType))+"\x01x") // price with a wrong wire type
	publishMsg(t, js, "fmt.csv", "symbol;price;qty;ts\nE;4;5;6")
	publishMsg(t, js, "fmt.csv", "symbol;price;qty;ts\nF;4;five;6")
	publishMsg(t, js, "fmt.csv", "symbol;price;qty;ts\n\"G;4;5;6")
	publishMsg(t, js, "fmt.text", "ok")
	publishMsg(t, js, "fmt.text", "\xff\xfe")

	waitUntil(t, "outputs", exited, func() bool {
		return streamCount(js, "FMT_FROM_PB") == 4 && streamCount(js, "FMT_FROM_CSV") == 4 && streamCount(js, "FMT_FROM_TEXT") == 5 &&
			streamCount(js, "NATIVE_DLQ") == 5
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	check := func(stream string, want ...string) {
		t.Helper()
		got := payloads(t, js, stream) // records of two publishers: in no set order
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s:\n%s\nwant\n%s", stream, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	check("FMT_FROM_PB",
		`{"symbol":"A;1","price":1.5,"qty2":20,"ts":"1970-01-01T00:00:01.000Z","level":"HIGH"}`,
		`{"symbol":"B \"q\"","price":2.25,"qty2":-6,"ts":"2024-01-02T03:04:05.678Z","level":"LOW"}`,
		`{"symbol":"D","price":3,"qty2":0,"ts":"1970-01-01T00:00:03.000Z","level":"LOW"}`,
		`{"symbol":"P","price":9.5,"qty2":-84,"ts":"2023-11-14T22:13:20.123Z","level":"HIGH"}`)
	check("FMT_FROM_CSV",
		`{"symbol":"A;1","price":1.5,"qty":10,"ts":"1970-01-01T00:00:01.000Z"}`,
		`{"symbol":"B \"q\"","price":2.25,"qty":-3,"ts":"2024-01-02T03:04:05.678Z"}`,
		`{"symbol":"D","price":3,"qty":0,"ts":"1970-01-01T00:00:03.000Z"}`,
		`{"symbol":"E","price":4,"qty":5,"ts":"1970-01-01T00:00:00.006Z"}`)
	check("FMT_FROM_TEXT",
		`{"line":"A;1 x10","len":7}`, `{"line":"B \"q\" x-3","len":9}`, `{"line":"C x7","len":4}`, `{"line":"D x0","len":4}`, `{"line":"ok","len":2}`)
	check("FMT_CSV",
		"symbol;price;qty;ts\n\"A;1\";1.5;10;1970-01-01T00:00:01.000Z",
		"symbol;price;qty;ts\n\"B \"\"q\"\"\";2.25;-3;2024-01-02T03:04:05.678Z",
		"symbol;price;qty;ts\nC;-1;7;1970-01-01T00:00:02.000Z",
		"symbol;price;qty;ts\nD;3;0;1970-01-01T00:00:03.000Z",
		"symbol;price;qty;ts\nE;4;5;6", "symbol;price;qty;ts\nF;4;five;6", "symbol;price;qty;ts\n\"G;4;5;6")
	// velort's protobuf output is read by dynamicpb
	msgs := streamMsgs(t, js, "FMT_PB")
	m := dynamicpb.NewMessage(md)
	for _, pm := range msgs {
		if strings.Contains(string(pm.Data), "A;1") {
			if err := proto.Unmarshal(pm.Data, m); err != nil {
				t.Fatalf("velort's protobuf output: %v", err)
			}
		}
	}
	if got := m.Get(md.Fields().ByName("symbol")).String() + " " + strconv.Itoa(int(m.Get(md.Fields().ByName("level")).Enum())); got != "A;1 1" {
		t.Errorf("velort's protobuf output read as %s", got)
	}
	var dl []string
	for _, m := range streamMsgs(t, js, "NATIVE_DLQ") {
		dl = append(dl, m.Subject+": "+m.Header.Get("Velort-Error"))
	}
	sort.Strings(dl)
	want := []string{
		`velort.dlq.as_pb: column "price": field price (number 2) has wire type 2, expected 1 for double`,
		"velort.dlq.as_pb: invalid protobuf: unexpected EOF in field symbol",
		"velort.dlq.as_text: text payload is not valid UTF-8",
	}
	want = append([]string{
		`velort.dlq.as_csv: CSV field opened with a quote at offset 0 is not closed`,
		`velort.dlq.as_csv: column "qty": expected BIGINT, got "five"`,
	}, want...)
	if strings.Join(dl, "\n") != strings.Join(want, "\n") {
		t.Errorf("dead letters:\n%s\nwant\n%s", strings.Join(dl, "\n"), strings.Join(want, "\n"))
	}
}

func timeMs(ms int64) time.Time { return time.UnixMilli(ms) }
