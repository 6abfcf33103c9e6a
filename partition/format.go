package partition

import (
	"errors"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
)

// wire is a loop's decode and encode seam for NATS-native streams (SPEC
// §2 "NATS-native streams"): payload formats other than JSON and metadata
// columns filled from the message. A JSON stream without metadata columns
// leaves it empty and keeps the JSON decoder's path unchanged.
type wire struct {
	plain bool                   // JSON payloads, no metadata columns: Loop.dec alone
	dec   runtime.PayloadDecoder // nil: JSON (Loop.dec)
	enc   runtime.PayloadEncoder // nil: JSON (Loop.enc)
	meta  []metaSlot             // read metadata columns
	err   error                  // why the loop cannot run (returned by Run)
	tpl   templateState          // a sink Template's buffers
}

// templateState is the reused buffers of a sink Template.
type templateState struct {
	subj   []byte   // the subject being built
	tokBuf []byte   // a value as text
	hdrMsg nats.Msg // the message published with headers
}

// metaSlot is a read metadata column.
type metaSlot struct {
	col int
	c   runtime.Column
	m   transport.Metadata
	tok *transport.TokenFinder // subject.N: finds the token in subjects of cfg.Subject
}

// payloadRead is the read set of the payload decoder: cfg.Read without
// the metadata columns (a payload field of the same name never fills one).
func payloadRead(cfg *Config) []bool {
	has := false
	for _, c := range cfg.Schema {
		has = has || c.Meta != ""
	}
	if !has {
		return cfg.Read
	}
	read := make([]bool, len(cfg.Schema))
	for i, c := range cfg.Schema {
		read[i] = c.Meta == "" && (cfg.Read == nil || (i < len(cfg.Read) && cfg.Read[i]))
	}
	return read
}

// initWire prepares the seam from the stream's columns and formats.
func (l *Loop) initWire() {
	w := &l.wire
	cfg := &l.cfg
	var payload []int
	for i, c := range cfg.Schema {
		if c.Meta == "" {
			payload = append(payload, i)
			continue
		}
		if cfg.Read != nil && (i >= len(cfg.Read) || !cfg.Read[i]) {
			continue
		}
		m, ok := transport.ParseMetadata(c.Meta)
		if !ok {
			w.err = errors.New("column " + c.Name + ": unknown metadata source " + strconv.Quote(c.Meta) + ": expected " + transport.MetadataSources)
			return
		}
		s := metaSlot{col: i, c: c, m: m}
		if m.Kind == transport.MetaSubject {
			s.tok = transport.NewTokenFinder(cfg.Subject, m.Token)
		}
		w.meta = append(w.meta, s)
	}
	if f := cfg.Format; f != nil {
		dec, err := f.NewDecoder(cfg.Schema, payload, cfg.Read)
		if err != nil {
			w.err = err
			return
		}
		w.dec = dec
	}
	if f := cfg.Sink.Format; f != nil && cfg.Sink.Table == nil {
		enc, err := f.NewEncoder(cfg.Sink.Schema)
		if err != nil {
			w.err = err
			return
		}
		w.enc = enc
	}
	w.plain = w.dec == nil && w.meta == nil
}

// decodeNative decodes m into row through the stream's format (more: keep
// the scratch of earlier rows of a micro-batch) and fills the metadata
// columns.
func (l *Loop) decodeNative(m *nats.Msg, row runtime.Row, more bool) error {
	var err error
	switch {
	case l.wire.dec != nil:
		if !more {
			l.wire.dec.ResetScratch()
		}
		err = l.wire.dec.DecodeMore(m.Data, row)
	case more:
		err = l.dec.DecodeMore(m.Data, row)
	default:
		err = l.dec.Decode(m.Data, row)
	}
	if err != nil {
		return err
	}
	for i := range l.wire.meta {
		if err := l.fillMeta(&l.wire.meta[i], m, row); err != nil {
			return err
		}
	}
	return nil
}

// resetScratch ends a micro-batch (see runtime.Decoder.ResetScratch).
func (l *Loop) resetScratch() {
	l.dec.ResetScratch()
	if l.wire.dec != nil {
		l.wire.dec.ResetScratch()
	}
}

// fillMeta sets one metadata column from the message; text (a subject
// token, a header) converts to the column's type as a JSON string would.
func (l *Loop) fillMeta(s *metaSlot, m *nats.Msg, row runtime.Row) error {
	v := &row[s.col]
	var text string
	switch s.m.Kind {
	case transport.MetaSubject:
		tok, ok := s.tok.Find(m.Subject)
		if !ok {
			return nil // NULL
		}
		text = tok
	case transport.MetaHeader:
		h, ok := transport.HeaderValue(m.Header, s.m.Header)
		if !ok {
			return nil
		}
		text = h
	case transport.MetaReceived:
		ms := l.ctx.NowMs
		if !l.clock || ms == 0 {
			ms = time.Now().UnixMilli()
		}
		*v = runtime.Value{T: s.c.Type, I: ms}
		return nil
	case transport.MetaJetStreamSeq:
		seq := l.dur.seq
		if seq == 0 {
			seq, _ = transport.AckInfo(m.Reply)
		}
		if seq != 0 {
			*v = runtime.Int(int64(seq))
		}
		return nil
	case transport.MetaJetStreamTime:
		if ns, ok := transport.AckTimestamp(m.Reply); ok {
			*v = runtime.Value{T: s.c.Type, I: ns / 1e6}
		}
		return nil
	}
	if s.c.Type == runtime.TString {
		*v = runtime.Value{T: runtime.TString, S: runtime.UnsafeBytes(text)}
		return nil
	}
	if err := runtime.ParseText(&s.c, runtime.UnsafeBytes(text), v); err != nil {
		return errors.New("metadata " + s.c.Meta + ": " + err.Error())
	}
	return nil
}

// encodeNative writes row into l.out in the sink's format (not JSON).
func (l *Loop) encodeNative(r runtime.Row) error {
	var err error
	l.out, err = l.wire.enc.Append(l.out[:0], r)
	return err
}

// unencodable dead-letters an output the sink's format cannot write: the
// dead letter carries the input that produced it or, for rows a watermark
// released, the output as JSON.
func (l *Loop) unencodable(subject string, r runtime.Row, err error) error {
	reason := "output for " + subject + " cannot be encoded: " + err.Error()
	if l.cur != nil {
		return l.deadLetter(l.cur, reason)
	}
	l.out = l.enc.Append(l.out[:0], r)
	return l.publishDeadLetter(l.out, HeaderSinkSubject, subject, reason)
}

// Template builds a sink's subject from each output row and sets headers
// from its columns (planner.SubjectTemplate resolved to column indexes).
type Template struct {
	Parts   []string // literal texts around the columns: len(Cols)+1
	Cols    []int
	Headers []TemplateHeader
}

// TemplateHeader sets header Name from column Col (NULL: no header).
type TemplateHeader struct {
	Name string
	Col  int
}

// templateSubject builds the subject of row r into l.subj. The string
// aliases l.subj when alias is set (a core NATS publish copies it at once).
func (l *Loop) templateSubject(r runtime.Row, alias bool) string {
	t, st := l.cfg.Sink.Template, &l.wire.tpl
	b := append(st.subj[:0], t.Parts[0]...)
	for i, c := range t.Cols {
		b = AppendSubjectToken(b, r[c], &st.tokBuf)
		b = append(b, t.Parts[i+1]...)
	}
	st.subj = b
	if alias {
		return runtime.UnsafeString(b)
	}
	return string(b)
}

// AppendSubjectToken appends v as one valid NATS subject token: ASCII
// letters, digits, '-', '_' and bytes of multi-byte UTF-8 characters as
// they are, every other byte as %XX (upper-case hex); the empty string is
// "%" and NULL is "%N" (neither can come from escaping a value). Numbers
// and times are written as text first (1.5 → 1%2E5).
func AppendSubjectToken(dst []byte, v runtime.Value, scratch *[]byte) []byte {
	var s []byte
	switch v.T {
	case runtime.TNull:
		return append(dst, "%N"...)
	case runtime.TString, runtime.TJSON:
		s = v.S
	default:
		*scratch = runtime.AppendValueText((*scratch)[:0], v)
		s = *scratch
	}
	if len(s) == 0 {
		return append(dst, '%')
	}
	const hex = "0123456789ABCDEF"
	for _, c := range s {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c >= 0x80:
			dst = append(dst, c)
		default:
			dst = append(dst, '%', hex[c>>4], hex[c&15])
		}
	}
	return dst
}

// publishWithHeaders publishes l.out to subject with the template's
// headers set from row r.
func (l *Loop) publishWithHeaders(subject string, r runtime.Row) error {
	st := &l.wire.tpl
	m := &st.hdrMsg
	if m.Header == nil {
		m.Header = nats.Header{}
	}
	for _, h := range l.cfg.Sink.Template.Headers {
		v := r[h.Col]
		if v.T == runtime.TNull {
			delete(m.Header, h.Name)
			continue
		}
		st.tokBuf = runtime.AppendValueText(st.tokBuf[:0], v)
		m.Header[h.Name] = append(m.Header[h.Name][:0], string(st.tokBuf))
	}
	m.Subject, m.Data = subject, l.out
	return l.nc.PublishMsg(m)
}
