package planner

import (
	"strings"

	"github.com/velort/velort/runtime"
)

// SubjectTemplate is a sink subject built from each output row (subject =
// 'alerts.{symbol}.{severity}') and headers set from columns (headers =
// 'Trace-Id = trace'); SPEC §2 "NATS-native streams".
type SubjectTemplate struct {
	// Parts are the literal texts around the column references: the
	// subject is Parts[0] value(Columns[0]) Parts[1] ... Parts[len(Columns)].
	Parts   []string
	Columns []string
	// Wildcard is the subject with each {column} as '*': what a reader of
	// the stream subscribes to, and the subjects of its JetStream stream.
	Wildcard string
	Headers  []HeaderColumn
}

// HeaderColumn sets header Name from Column's value (NULL: no header).
type HeaderColumn struct {
	Name, Column string
}

// templateOptions parses {column} references in s.Subject and the headers
// option into s.Template.
func (p *parser) templateOptions(s *Stream, headers option, hasHeaders bool) bool {
	var t SubjectTemplate
	subject := s.Subject
	var wild []string
	for _, tok := range strings.Split(subject, ".") {
		if len(tok) > 2 && tok[0] == '{' && tok[len(tok)-1] == '}' && tok != partitionToken {
			t.Columns = append(t.Columns, tok[1:len(tok)-1])
			wild = append(wild, "*")
			continue
		}
		if strings.ContainsAny(tok, "{}") && tok != partitionToken {
			p.errorf(p.src.tokenAt(s.subjectPos), "subject %q: a {column} reference must be a whole token, like 'alerts.{symbol}'", subject)
			return false
		}
		wild = append(wild, tok)
	}
	if len(t.Columns) > 0 {
		if strings.Contains(subject, partitionToken) || s.Partitions > 1 {
			p.errorf(p.src.tokenAt(s.subjectPos), "subject %q: a subject built from columns is one partition: remove {partition} and partitions", subject)
			return false
		}
		rest := subject
		for _, c := range t.Columns {
			i := strings.Index(rest, "{"+c+"}")
			t.Parts = append(t.Parts, rest[:i])
			rest = rest[i+len(c)+2:]
		}
		t.Parts = append(t.Parts, rest)
		t.Wildcard = strings.Join(wild, ".")
	}
	if hasHeaders {
		for _, kv := range strings.Split(headers.value, ",") {
			name, col, ok := strings.Cut(kv, "=")
			name, col = strings.TrimSpace(name), strings.TrimSpace(col)
			if !ok || name == "" || col == "" || strings.ContainsAny(name, " \t\r\n:") {
				p.errorf(headers.tok, "expected headers = 'Header-Name = column, ...', found %s", describe(headers.tok))
				return false
			}
			t.Headers = append(t.Headers, HeaderColumn{Name: name, Column: col})
		}
	}
	if len(t.Columns) > 0 || len(t.Headers) > 0 {
		s.Template = &t
	}
	return true
}

// checkTemplate checks that the columns a sink's template names are
// columns of the rows written to it.
func (t *SubjectTemplate) check(cols runtime.Schema) string {
	for _, c := range t.Columns {
		if cols.Index(c) < 0 {
			return "subject names column {" + c + "}, which the query does not output"
		}
	}
	for _, h := range t.Headers {
		if cols.Index(h.Column) < 0 {
			return "header " + h.Name + " takes column " + h.Column + ", which the query does not output"
		}
	}
	return ""
}

// checkTemplates refuses a sink template naming a column its query does
// not output, and a sink format that cannot write the query's columns
// (text: one column; protobuf: a field of a fitting type for each).
func (pl *Plan) checkTemplates() *Error {
	for _, q := range pl.Queries {
		if f := q.Sink.PayloadFormat; f != nil && q.Sink.Materialized == nil && f.Name != "wasm" { // a codec is checked by LoadModules
			if _, err := f.NewEncoder(q.Columns); err != nil {
				return pl.src.errorAt(q.Sink.pos, "stream %s (written by query %s): %v", q.Sink.Name, q.Name, err)
			}
		}
		if t := q.Sink.Template; t != nil {
			if why := t.check(q.Columns); why != "" {
				return pl.src.errorAt(q.Sink.subjectPos, "stream %s (written by query %s): %s (it outputs %s)", q.Sink.Name, q.Name, why, outputNames(q.Columns))
			}
		}
	}
	return nil
}

func outputNames(s runtime.Schema) string {
	names := make([]string, len(s))
	for i, c := range s {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// columnToken reports whether a subject token is a template's {column}.
func columnToken(t string) bool {
	return len(t) > 2 && t[0] == '{' && t[len(t)-1] == '}' && t != partitionToken
}

// WildcardSubject is the subject filter covering every subject of the
// stream: {partition} and template {column} tokens as '*'.
func (s *Stream) WildcardSubject() string {
	if s.Template != nil && s.Template.Wildcard != "" {
		return s.Template.Wildcard
	}
	return strings.ReplaceAll(s.Subject, partitionToken, "*")
}
