package planner

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	_ "google.golang.org/protobuf/types/known/timestamppb" // google.protobuf.Timestamp for sets built without --include_imports

	"github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
)

// metadataClause parses `METADATA FROM 'source'` after a column's type
// (SPEC §2 "NATS-native streams") into c.Meta.
func (p *parser) metadataClause(c *runtime.Column) bool {
	kw := p.peek()
	p.advance()
	if len(p.st.toks) > 1 && isKeyword(p.st.toks[1], "TABLE") {
		p.errorf(kw, "column %s: METADATA columns belong to streams (a table's rows come from its key-value bucket)", c.Name)
		return false
	}
	if !p.expectKeyword("FROM") {
		return false
	}
	t := p.peek()
	if t.kind != tokString {
		p.errorf(t, "expected a metadata source in quotes after METADATA FROM, like 'subject.2' or 'header.Trace-Id', found %s", describe(t))
		return false
	}
	m, ok := transport.ParseMetadata(t.text)
	if !ok {
		p.errorf(t, "unknown metadata source %q: expected %s", t.text, transport.MetadataSources)
		return false
	}
	p.advance()
	switch m.Kind {
	case transport.MetaReceived, transport.MetaJetStreamTime:
		if c.Type != runtime.TTimestamp && c.Type != runtime.TInt {
			p.errorf(t, "column %s: metadata %s is a time: declare it TIMESTAMP (or BIGINT for epoch milliseconds), not %s", c.Name, t.text, c.Type)
			return false
		}
	case transport.MetaJetStreamSeq:
		if c.Type != runtime.TInt {
			p.errorf(t, "column %s: metadata %s is a sequence number: declare it BIGINT, not %s", c.Name, t.text, c.Type)
			return false
		}
	}
	c.Meta = t.text
	return true
}

// streamFormat applies the format options (format, delimiter, header,
// schema, message) once all are read.
type streamFormat struct {
	name                  string
	delimiter, header     string
	schema, message       string
	nameTok, schemaTok    token
	delimTok, headerTok   token
	messageTok            token
	hasDelim, hasHeader   bool
	hasSchema, hasMessage bool
	codec                 string // format = 'wasm' (codec.go)
	codecTok              token
	hasCodec              bool
}

func (f *streamFormat) option(o option) bool {
	switch o.name {
	case "format":
		f.name, f.nameTok = strings.ToLower(o.value), o.tok
	case "delimiter":
		f.delimiter, f.delimTok, f.hasDelim = o.value, o.tok, true
	case "header":
		f.header, f.headerTok, f.hasHeader = strings.ToLower(o.value), o.tok, true
	case "schema":
		f.schema, f.schemaTok, f.hasSchema = o.value, o.tok, true
	case "message":
		f.message, f.messageTok, f.hasMessage = o.value, o.tok, true
	case "codec":
		f.codec, f.codecTok, f.hasCodec = o.value, o.tok, true
	default:
		return false
	}
	return true
}

// apply checks the options and sets s.Format and s.PayloadFormat.
func (p *parser) applyFormat(s *Stream, f *streamFormat) bool {
	if f.name == "" {
		f.name = "json"
	}
	var out *runtime.Format
	switch f.name {
	case "json":
	case "text", "csv", "protobuf", "wasm":
		out = &runtime.Format{Name: f.name}
	default:
		p.errorf(f.nameTok, "unsupported format %s: expected 'json', 'csv', 'text', 'protobuf' or 'wasm'", describe(f.nameTok))
		return false
	}
	if !p.codecOption(s, f, out) {
		return false
	}
	if (f.hasDelim || f.hasHeader) && f.name != "csv" {
		t := f.delimTok
		if !f.hasDelim {
			t = f.headerTok
		}
		p.errorf(t, "options delimiter and header belong to format = 'csv'")
		return false
	}
	if (f.hasSchema || f.hasMessage) && f.name != "protobuf" {
		t := f.schemaTok
		if !f.hasSchema {
			t = f.messageTok
		}
		p.errorf(t, "options schema and message belong to format = 'protobuf'")
		return false
	}
	switch f.name {
	case "csv":
		out.Delimiter = ','
		if f.hasDelim {
			d := f.delimiter
			if d == `\t` || strings.EqualFold(d, "tab") {
				d = "\t"
			}
			if len(d) != 1 || d[0] == '"' || d[0] == '\n' || d[0] == '\r' || d[0] >= 0x80 {
				p.errorf(f.delimTok, "expected a delimiter of one ASCII character (not a quote or line break), like ',', ';', '|' or '\\t', found %s", describe(f.delimTok))
				return false
			}
			out.Delimiter = d[0]
		}
		if f.hasHeader {
			switch f.header {
			case "true":
				out.Header = true
			case "false":
			default:
				p.errorf(f.headerTok, "expected header = 'true' (each payload starts with a line naming its fields) or 'false' (fields in column order), found %s", describe(f.headerTok))
				return false
			}
		}
	case "protobuf":
		if !f.hasSchema || !f.hasMessage {
			p.errorf(f.nameTok, "format = 'protobuf' needs schema = 'file.binpb' (a descriptor set, as protoc --descriptor_set_out or buf build -o writes) and message = 'package.Message'")
			return false
		}
		path := f.schema
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(p.src.name), path)
		}
		md, err := LoadProtoMessage(path, f.message)
		if err != nil {
			t := f.schemaTok
			if strings.Contains(err.Error(), "no message") {
				t = f.messageTok
			}
			p.errorf(t, "%v", err)
			return false
		}
		out.Message = md
	}
	s.Format, s.PayloadFormat = f.name, out
	return true
}

// LoadProtoMessage reads a FileDescriptorSet (protoc --descriptor_set_out,
// buf build -o) and returns the descriptor of message name. Imports
// missing from the set are looked up among the well-known types.
func LoadProtoMessage(path, name string) (protoreflect.MessageDescriptor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("protobuf schema: %v", err)
	}
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(b, &set); err != nil {
		return nil, fmt.Errorf("protobuf schema %s is not a descriptor set (as protoc --descriptor_set_out writes): %v", path, err)
	}
	files := new(protoregistry.Files)
	r := resolver{files}
	for _, fd := range set.File {
		if _, err := files.FindFileByPath(fd.GetName()); err == nil {
			continue
		}
		f, err := protodesc.NewFile(fd, r)
		if err != nil {
			return nil, fmt.Errorf("protobuf schema %s: %v", path, err)
		}
		if err := files.RegisterFile(f); err != nil {
			return nil, fmt.Errorf("protobuf schema %s: %v", path, err)
		}
	}
	d, err := r.FindDescriptorByName(protoreflect.FullName(name))
	md, ok := d.(protoreflect.MessageDescriptor)
	if err != nil || !ok {
		var names []string
		files.RangeFiles(func(f protoreflect.FileDescriptor) bool {
			for i := 0; i < f.Messages().Len(); i++ {
				names = append(names, string(f.Messages().Get(i).FullName()))
			}
			return true
		})
		return nil, fmt.Errorf("protobuf schema %s has no message %s (its messages: %s)", path, name, strings.Join(names, ", "))
	}
	return md, nil
}

// resolver finds files in the set first, then among the registered
// well-known types.
type resolver struct{ files *protoregistry.Files }

func (r resolver) FindFileByPath(path string) (protoreflect.FileDescriptor, error) {
	if f, err := r.files.FindFileByPath(path); err == nil {
		return f, nil
	}
	return protoregistry.GlobalFiles.FindFileByPath(path)
}

func (r resolver) FindDescriptorByName(name protoreflect.FullName) (protoreflect.Descriptor, error) {
	if d, err := r.files.FindDescriptorByName(name); err == nil {
		return d, nil
	}
	return protoregistry.GlobalFiles.FindDescriptorByName(name)
}

// checkNative checks a declared stream's metadata columns and payload
// columns against its subject, options and format.
func (p *parser) checkNative(s *Stream, at token) bool {
	var payload []int
	meta := false
	for i, c := range s.Columns {
		if c.Meta == "" {
			payload = append(payload, i)
			continue
		}
		meta = true
		m, _ := transport.ParseMetadata(c.Meta)
		switch m.Kind {
		case transport.MetaSubject:
			if !strings.Contains(s.Subject, ">") {
				if n := strings.Count(s.Subject, ".") + 1; m.Token > n {
					p.errorf(at, "column %s: metadata %s names token %d, but subject %q of stream %s has %d tokens", c.Name, c.Meta, m.Token, s.Subject, s.Name, n)
					return false
				}
			}
		case transport.MetaJetStreamSeq, transport.MetaJetStreamTime:
			if s.JetStream == "" {
				p.errorf(at, "column %s: metadata %s needs a JetStream source: add jetstream = 'NAME' to stream %s", c.Name, c.Meta, s.Name)
				return false
			}
		}
	}
	if s.Changelog && (meta || s.PayloadFormat != nil) {
		p.errorf(p.src.tokenAt(s.changelogPos), "stream %s: changelog = 'upsert' reads JSON payloads without METADATA columns for now", s.Name)
		return false
	}
	if s.PayloadFormat != nil {
		if err := s.PayloadFormat.Check(s.Columns, payload); err != nil {
			p.errorf(at, "stream %s: %v", s.Name, err)
			return false
		}
	}
	return true
}

// HasMetadata reports whether the stream declares METADATA columns.
func (s *Stream) HasMetadata() bool {
	for _, c := range s.Columns {
		if c.Meta != "" {
			return true
		}
	}
	return false
}
