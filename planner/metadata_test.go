package planner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

func TestMetadataAndFormatOptions(t *testing.T) {
	const sink = ";\nCREATE STREAM o WITH (subject = 'o') AS SELECT * FROM s;"
	ok := `CREATE STREAM s (site VARCHAR METADATA FROM 'subject.2', n BIGINT METADATA FROM 'header.N', r TIMESTAMP METADATA FROM 'received',
  q BIGINT METADATA FROM 'jetstream.sequence', line VARCHAR) WITH (subject = 'a.*.c', format = 'text', jetstream = 'S')` + sink
	pl, err := Parse("a.sql", ok, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := pl.Stream("s")
	if got := []string{s.Columns[0].Meta, s.Columns[1].Meta, s.Columns[2].Meta, s.Columns[3].Meta, s.Columns[4].Meta}; strings.Join(got, ",") != "subject.2,header.N,received,jetstream.sequence," {
		t.Errorf("metadata %q", got)
	}
	if s.PayloadFormat == nil || s.PayloadFormat.Name != "text" {
		t.Errorf("format %+v", s.PayloadFormat)
	}
	for _, c := range []struct{ sql, want string }{
		{`CREATE STREAM s (a VARCHAR METADATA FROM 'subject.0', b BIGINT) WITH (subject = 'x')` + sink, "unknown metadata source \"subject.0\""},
		{`CREATE STREAM s (a VARCHAR METADATA FROM 'subject.4', b BIGINT) WITH (subject = 'x.y.z')` + sink, "names token 4, but subject \"x.y.z\" of stream s has 3 tokens"},
		{`CREATE STREAM s (a VARCHAR METADATA FROM 'subject.9', b BIGINT) WITH (subject = 'x.>')` + sink, ""},
		{`CREATE STREAM s (a BIGINT METADATA FROM 'jetstream.sequence', b BIGINT) WITH (subject = 'x')` + sink, "needs a JetStream source"},
		{`CREATE STREAM s (a VARCHAR METADATA FROM 'received', b BIGINT)` + sink, "is a time: declare it TIMESTAMP"},
		{`CREATE STREAM s (a VARCHAR METADATA 'x', b BIGINT)` + sink, "expected FROM"},
		{`CREATE TABLE t (a VARCHAR METADATA FROM 'subject.1' PRIMARY KEY, b BIGINT) WITH (kv = 'T')` + sink, "METADATA columns belong to streams"},
		{`CREATE STREAM s (a VARCHAR METADATA FROM 'header.K', b BIGINT) WITH (key = 'a', changelog = 'upsert')` + sink, "changelog = 'upsert' reads JSON payloads without METADATA"},
		{`CREATE STREAM s (a VARCHAR, b BIGINT) WITH (format = 'xml')` + sink, "unsupported format 'xml'"},
		{`CREATE STREAM s (a VARCHAR, b BIGINT) WITH (format = 'csv', delimiter = '::')` + sink, "expected a delimiter of one ASCII character"},
		{`CREATE STREAM s (a VARCHAR, b BIGINT) WITH (format = 'csv', header = 'yes')` + sink, "expected header = 'true'"},
		{`CREATE STREAM s (a VARCHAR, b BIGINT) WITH (format = 'json', delimiter = ';')` + sink, "belong to format = 'csv'"},
		{`CREATE STREAM s (a VARCHAR, b BIGINT) WITH (format = 'text')` + sink, "format 'text' reads the payload as one VARCHAR column"},
		{`CREATE STREAM s (a VARCHAR, b BIGINT) WITH (format = 'protobuf', schema = 'x.binpb')` + sink, "needs schema = 'file.binpb'"},
		{`CREATE STREAM s (a VARCHAR, b BIGINT) WITH (format = 'protobuf', schema = 'missing.binpb', message = 'm.M')` + sink, "missing.binpb: no such file"},
		{`CREATE STREAM s (a VARCHAR, b BIGINT) WITH (subject = 's');
CREATE STREAM o WITH (subject = 'o.{a}.{c}') AS SELECT * FROM s;`, "subject names column {c}, which the query does not output (it outputs a, b)"},
		{`CREATE STREAM s (a VARCHAR, b BIGINT) WITH (subject = 's');
CREATE STREAM o WITH (subject = 'o', headers = 'X-B = nope') AS SELECT * FROM s;`, "header X-B takes column nope"},
		{`CREATE STREAM s (a VARCHAR, b BIGINT) WITH (subject = 's');
CREATE STREAM o WITH (subject = 'o', headers = 'X-B') AS SELECT * FROM s;`, "expected headers = 'Header-Name = column, ...'"},
		{`CREATE STREAM s (a VARCHAR, b BIGINT) WITH (subject = 's');
CREATE STREAM o WITH (subject = 'o.x{a}') AS SELECT * FROM s;`, "must be a whole token"},
		{`CREATE STREAM s (a VARCHAR, b BIGINT) WITH (subject = 's');
CREATE STREAM o WITH (subject = 'o.{a}.{partition}', partitions = 2) AS SELECT * FROM s;`, "is one partition"},
		{`CREATE STREAM s (a VARCHAR, b BIGINT) WITH (subject = 'o.x.y');
CREATE STREAM o WITH (subject = 'o.{a}.{b}') AS SELECT * FROM s;`, "feedback loop"},
		{`CREATE STREAM s (a VARCHAR, b BIGINT) WITH (subject = 's');
CREATE STREAM o WITH (subject = 'o', format = 'text') AS SELECT * FROM s;`, "stream o (written by query o): format 'text' writes one column, the payload; the query has 2 (a VARCHAR, b BIGINT)"},
	} {
		_, err := Parse("a.sql", c.sql, Options{})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s\n: %v", c.sql, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s\n: error %v, want %q", c.sql, err, c.want)
		}
	}
}

func TestProtobufSchemaChecked(t *testing.T) {
	dir := t.TempDir()
	// a descriptor set that is not one
	os.WriteFile(filepath.Join(dir, "bad.binpb"), []byte("\xff\xff"), 0o644)
	_, err := Parse(filepath.Join(dir, "a.sql"), `CREATE STREAM s (a VARCHAR) WITH (format = 'protobuf', schema = 'bad.binpb', message = 'x.Y');
CREATE STREAM o AS SELECT * FROM s;`, Options{})
	if err == nil || !strings.Contains(err.Error(), "is not a descriptor set") {
		t.Errorf("bad descriptor set: %v", err)
	}
	// a real set: a sink column the message lacks, or of a type its field cannot take, is refused by check
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	set := &descriptorpb.FileDescriptorSet{File: []*descriptorpb.FileDescriptorProto{{
		Name: proto.String("m.proto"), Package: proto.String("m"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("M"), Field: []*descriptorpb.FieldDescriptorProto{
			{Name: proto.String("a"), Number: proto.Int32(1), Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), Label: opt},
			{Name: proto.String("b"), Number: proto.Int32(2), Type: descriptorpb.FieldDescriptorProto_TYPE_INT64.Enum(), Label: opt},
		}}},
	}}}
	b, _ := proto.Marshal(set)
	os.WriteFile(filepath.Join(dir, "m.binpb"), b, 0o644)
	for _, c := range []struct{ sql, want string }{
		{`CREATE STREAM s (a VARCHAR, b BIGINT) WITH (format = 'protobuf', schema = 'm.binpb', message = 'm.M');
CREATE STREAM o WITH (format = 'protobuf', schema = 'm.binpb', message = 'm.M') AS SELECT a, b FROM s;`, ""},
		{`CREATE STREAM s (a VARCHAR, b BIGINT) WITH (format = 'protobuf', schema = 'm.binpb', message = 'm.N');
CREATE STREAM o AS SELECT * FROM s;`, "has no message m.N (its messages: m.M)"},
		{`CREATE STREAM s (a VARCHAR, c BIGINT) WITH (format = 'protobuf', schema = 'm.binpb', message = 'm.M');
CREATE STREAM o AS SELECT * FROM s;`, "column c: message m.M has no field c (its fields: a, b)"},
		{`CREATE STREAM s (a VARCHAR, b BIGINT) WITH (subject = 's');
CREATE STREAM o WITH (format = 'protobuf', schema = 'm.binpb', message = 'm.M') AS SELECT b AS a FROM s;`, "column a BIGINT cannot hold field a (string) of m.M"},
	} {
		_, err := Parse(filepath.Join(dir, "a.sql"), c.sql, Options{})
		if (c.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s\n: error %v, want %q", c.sql, err, c.want)
		}
	}
}
