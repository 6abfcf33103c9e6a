package planner

import (
	"strconv"
	"strings"
	"time"

	"github.com/velort/velort/runtime"
)

// parseColumnType parses a column type at the parser's cursor.
func (p *parser) columnType() (runtime.Column, bool) {
	t, ok := p.ident("a column type")
	if !ok {
		return runtime.Column{}, false
	}
	var c runtime.Column
	switch strings.ToUpper(t.text) {
	case "BOOLEAN", "BOOL":
		c.Type = runtime.TBool
	case "INT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "MEDIUMINT":
		c.Type = runtime.TInt
	case "FLOAT", "DOUBLE", "REAL":
		c.Type = runtime.TDouble
		if isKeyword(p.peek(), "PRECISION") {
			p.advance()
		}
	case "DECIMAL", "NUMERIC", "DEC":
		c.Type, c.Precision, c.Scale = runtime.TDecimal, 10, 0
		if isPunct(p.peek(), "(") {
			p.advance()
			prec, ok := p.smallInt("decimal precision", 1, 18)
			if !ok {
				return c, false
			}
			c.Precision = uint8(prec)
			if isPunct(p.peek(), ",") {
				p.advance()
				sc, ok := p.smallInt("decimal scale", 0, prec)
				if !ok {
					return c, false
				}
				c.Scale = uint8(sc)
			}
			if !p.expectPunct(")") {
				return c, false
			}
		}
	case "VARCHAR", "TEXT", "STRING", "CHAR", "LONGTEXT", "VARBINARY":
		c.Type = runtime.TString
		if isPunct(p.peek(), "(") {
			p.advance()
			if _, ok := p.smallInt("a length", 0, 1<<30); !ok {
				return c, false
			}
			if !p.expectPunct(")") {
				return c, false
			}
		}
	case "TIMESTAMP", "DATETIME":
		c.Type = runtime.TTimestamp
		if isPunct(p.peek(), "(") {
			p.advance()
			if _, ok := p.smallInt("a precision", 0, 6); !ok {
				return c, false
			}
			if !p.expectPunct(")") {
				return c, false
			}
		}
	case "JSON":
		c.Type = runtime.TJSON
	default:
		p.errorf(t, "unknown type %s: expected BOOLEAN, INT, BIGINT, FLOAT, DOUBLE, DECIMAL(p,s), VARCHAR, TEXT, TIMESTAMP or JSON", t.text)
		return c, false
	}
	return c, true
}

func (p *parser) smallInt(what string, lo, hi int) (int, bool) {
	t := p.peek()
	n, err := strconv.Atoi(t.text)
	if t.kind != tokNumber || err != nil || n < lo || n > hi {
		p.errorf(t, "expected %s (%d..%d), found %s", what, lo, hi, describe(t))
		return 0, false
	}
	p.advance()
	return n, true
}

// option is one `name = value` entry of a WITH (...) list.
type option struct {
	name  string
	value string
	tok   token // the value token, for error positions
}

// withOptions parses `WITH ( name = value, ... )` if present.
func (p *parser) withOptions() ([]option, bool) {
	if !isKeyword(p.peek(), "WITH") {
		return nil, true
	}
	p.advance()
	if !p.expectPunct("(") {
		return nil, false
	}
	var opts []option
	for {
		name, ok := p.ident("an option name")
		if !ok {
			return nil, false
		}
		if !p.expectPunct("=") {
			return nil, false
		}
		v := p.peek()
		if v.kind != tokString && v.kind != tokNumber && v.kind != tokIdent {
			p.errorf(v, "expected a value for option %s, found %s", name.text, describe(v))
			return nil, false
		}
		p.advance()
		opts = append(opts, option{name: strings.ToLower(name.text), value: v.text, tok: v})
		if isPunct(p.peek(), ",") {
			p.advance()
			continue
		}
		if !p.expectPunct(")") {
			return nil, false
		}
		return opts, true
	}
}

// applyStreamOptions sets a stream's WITH options, checking each.
func (p *parser) applyStreamOptions(s *Stream, opts []option) bool {
	var keyTok token
	var format streamFormat
	var headers option
	hasHeaders := false
	for _, o := range opts {
		if format.option(o) {
			continue
		}
		switch o.name {
		case "headers":
			headers, hasHeaders = o, true
		case "subject":
			if why := subjectProblem(o.value, true); why != "" {
				p.errorf(o.tok, "invalid NATS subject %q: %s; expected tokens separated by '.', like 'orders.eu' or 'orders.{partition}'", o.value, why)
				return false
			}
			s.Subject, s.subjectPos = o.value, o.tok.start
		case "partitions":
			n, err := strconv.Atoi(o.value)
			if err != nil || n < 1 || n > 4096 {
				p.errorf(o.tok, "expected a partition count from 1 to 4096, found %s", describe(o.tok))
				return false
			}
			s.Partitions = n
		case "key":
			s.Key = nil
			for _, k := range strings.Split(o.value, ",") {
				if k = strings.TrimSpace(k); k != "" {
					s.Key = append(s.Key, k)
				}
			}
			keyTok = o.tok
			s.keyPos = o.tok.start
		case "changelog":
			if !strings.EqualFold(o.value, "upsert") {
				p.errorf(o.tok, "expected changelog = 'upsert' (each record replaces the row of its key, a record with header Velort-Op: delete deletes it), found %s", describe(o.tok))
				return false
			}
			s.Changelog, s.changelogPos = true, o.tok.start
		case "event_time":
			s.EventTime = o.value
		case "watermark_delay", "idle_timeout", "dedup_window":
			d, err := time.ParseDuration(o.value)
			if err != nil || d < 0 {
				p.errorf(o.tok, "expected a duration like '500ms', '2s' or '1m' for %s, found %s", o.name, describe(o.tok))
				return false
			}
			switch o.name {
			case "watermark_delay":
				s.WatermarkDelay = d
			case "idle_timeout":
				s.IdleTimeout = d
			default:
				s.DedupWindow = d
			}
		case "state_ttl":
			d, ok := p.stateTTL(o)
			if !ok {
				return false
			}
			s.StateTTL, s.stateTTLPos = d, o.tok.start
		case "late":
			v := strings.ToLower(o.value)
			if v != "drop" && v != "dlq" {
				p.errorf(o.tok, "expected late = 'drop' or 'dlq', found %s", describe(o.tok))
				return false
			}
			s.Late = v
		case "dlq":
			if why := subjectProblem(o.value, false); why != "" {
				p.errorf(o.tok, "invalid dead-letter subject %q: %s; expected tokens separated by '.', like 'velort.dlq.orders'", o.value, why)
				return false
			}
			s.DLQ, s.dlqPos = o.value, o.tok.start
		case "jetstream":
			s.JetStream = o.value
		case "start":
			v := strings.ToLower(o.value)
			if v != "earliest" && v != "latest" {
				p.errorf(o.tok, "expected start = 'earliest' or 'latest', found %s", describe(o.tok))
				return false
			}
			s.Start = v
		default:
			p.errorf(o.tok, "unknown stream option %s: expected subject, partitions, key, changelog, format, event_time, watermark_delay, idle_timeout, late, dlq, jetstream, start, dedup_window, state_ttl, delimiter, header, schema, message, codec or headers", o.name)
			return false
		}
	}
	if !p.applyFormat(s, &format) || !p.templateOptions(s, headers, hasHeaders) {
		return false
	}
	if why := subjectProblem(s.Subject, true); why != "" { // the default: the stream's name
		p.errorf(p.src.tokenAt(s.subjectPos), "invalid NATS subject %q for stream %s: %s; expected WITH (subject = 'name.like.this')", s.Subject, s.Name, why)
		return false
	}
	if why := subjectProblem(s.DLQ, false); why != "" {
		p.errorf(p.src.tokenAt(s.dlqPos), "invalid dead-letter subject %q for stream %s: %s; expected WITH (dlq = 'velort.dlq.name')", s.DLQ, s.Name, why)
		return false
	}
	if s.Partitions > 1 && !strings.Contains(s.Subject, partitionToken) {
		if strings.ContainsAny(s.Subject, "*>") && s.Template == nil {
			s.intake = true // velort partitions it (intake.go)
		} else {
			p.errorf(keyTok, "stream %s has %d partitions but its subject %q has no {partition} (nor a wildcard for velort to partition)", s.Name, s.Partitions, s.Subject)
			return false
		}
	}
	_ = keyTok
	return true
}

// newStream returns a stream with SPEC defaults.
func newStream(name string, pos int) *Stream {
	return &Stream{
		Name:         name,
		Subject:      name,
		Partitions:   1,
		Format:       "json",
		EventTimeIdx: -1,
		IdleTimeout:  5 * time.Second,
		Late:         "drop",
		DLQ:          "velort.dlq." + strings.ToLower(name),
		Start:        "earliest",
		DedupWindow:  2 * time.Minute,
		pos:          pos,
		keyPos:       pos,
		changelogPos: -1,
		subjectPos:   pos,
		dlqPos:       pos,
	}
}

// resolveStreamColumns checks key and event_time against the columns.
func (p *parser) resolveStreamColumns(s *Stream, at token) bool {
	s.KeyIdx = s.KeyIdx[:0]
	for _, k := range s.Key {
		i := s.Columns.Index(k)
		if i < 0 {
			p.errorf(at, "key column %q is not a column of stream %s", k, s.Name)
			return false
		}
		s.KeyIdx = append(s.KeyIdx, i)
	}
	if s.StateTTL > 0 && !s.Derived {
		p.errorf(p.src.tokenAt(s.stateTTLPos), "state_ttl bounds the state of a query: it belongs in the WITH (...) of CREATE STREAM %s ... AS SELECT (or CREATE TABLE ... AS SELECT), not of a declared stream", s.Name)
		return false
	}
	if s.Changelog && !s.Derived {
		if len(s.Key) == 0 {
			p.errorf(p.src.tokenAt(s.changelogPos), "stream %s: changelog = 'upsert' needs key = 'column, ...': the key names the row each record replaces (and partitions the stream)", s.Name)
			return false
		}
		s.ChangelogKey = append([]string(nil), s.Key...)
		s.changelogKeyIdx = append([]int{}, s.KeyIdx...)
	}
	if s.EventTime != "" {
		i := s.Columns.Index(s.EventTime)
		if i < 0 {
			p.errorf(at, "event_time column %q is not a column of stream %s", s.EventTime, s.Name)
			return false
		}
		if s.Columns[i].Type != runtime.TTimestamp && s.Columns[i].Type != runtime.TInt {
			p.errorf(at, "event_time column %q must be TIMESTAMP or BIGINT (epoch ms), not %s", s.EventTime, s.Columns[i].Type)
			return false
		}
		s.EventTimeIdx = i
	}
	if !s.Derived && !p.checkNative(s, at) {
		return false
	}
	return true
}

// columnList parses `( name type [PRIMARY KEY] [NOT NULL], ... )`.
func (p *parser) columnList() (runtime.Schema, []string, bool) {
	if !p.expectPunct("(") {
		return nil, nil, false
	}
	var cols runtime.Schema
	var pk []string
	for {
		name, ok := p.ident("a column name")
		if !ok {
			return nil, nil, false
		}
		if cols.Index(name.text) >= 0 {
			p.errorf(name, "duplicate column %s", name.text)
			return nil, nil, false
		}
		c, ok := p.columnType()
		if !ok {
			return nil, nil, false
		}
		c.Name = name.text
		for {
			switch {
			case isKeyword(p.peek(), "METADATA"):
				if !p.metadataClause(&c) {
					return nil, nil, false
				}
				continue
			case isKeyword(p.peek(), "PRIMARY"):
				p.advance()
				if !p.expectKeyword("KEY") {
					return nil, nil, false
				}
				pk = append(pk, c.Name)
				continue
			case isKeyword(p.peek(), "NOT"):
				p.advance()
				if !p.expectKeyword("NULL") {
					return nil, nil, false
				}
				continue
			case isKeyword(p.peek(), "NULL"):
				p.advance()
				continue
			}
			break
		}
		cols = append(cols, c)
		if isPunct(p.peek(), ",") {
			p.advance()
			continue
		}
		if !p.expectPunct(")") {
			return nil, nil, false
		}
		return cols, pk, true
	}
}
