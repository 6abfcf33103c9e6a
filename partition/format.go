package partition

import (
	"errors"
	"strconv"
	"time"
	"unsafe"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
)

// wire is a loop's decode and encode seam for NATS-native streams (SPEC
// §2 "NATS-native streams"): payload formats other than JSON and metadata
// columns filled from the message. A JSON stream without metadata columns
// leaves it empty and keeps the JSON decoder's path unchanged.
type wire struct {
	plain  bool                   // JSON payloads, no metadata columns: Loop.dec alone
	tokens bool                   // JSON payloads, VARCHAR subject tokens the only metadata columns: Loop.dec and fillTokens
	dec    runtime.PayloadDecoder // nil: JSON (Loop.dec)
	enc    runtime.PayloadEncoder // nil: JSON (Loop.enc)
	toks   []tokenSlot            // read VARCHAR subject-token columns of the message's own subject
	meta   []metaSlot             // the other read metadata columns
	err    error                  // why the loop cannot run (returned by Run)
	tpl    templateState          // a sink Template's buffers
}

// templateState is the reused buffers of a sink Template.
type templateState struct {
	subj   []byte      // the subject being built
	tokBuf []byte      // a value as text
	hdrMsg nats.Msg    // the message published with headers
	row    runtime.Row // the output a JetStream publish sets headers from (nil: none)
}

// metaSlot is a read metadata column.
type metaSlot struct {
	col int
	c   runtime.Column
	m   transport.Metadata
	tok *transport.TokenFinder // subject.N: finds the token in subjects of cfg.Subject
}

// tokenSlot is a read VARCHAR column `METADATA FROM 'subject.N'` of a
// stream that reads its messages' own subjects (not a repartition's
// second half): fillTokens sets it by the finder's fast case inline (its
// kind and offset copied here), findTokens by Find.
type tokenSlot struct {
	col  int
	kind uint8 // transport.TokenFinder.Quick's
	off  int
	f    *transport.TokenFinder
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
			pattern := cfg.Subject
			if cfg.Sources > 0 { // a repartition's second half: the subject is a header's
				pattern = ">"
			}
			s.tok = transport.NewTokenFinder(pattern, m.Token)
			if cfg.Sources == 0 && c.Type == runtime.TString {
				t := tokenSlot{col: i, f: s.tok}
				t.kind, t.off = s.tok.Quick()
				w.toks = append(w.toks, t)
				continue
			}
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
	w.plain = w.dec == nil && w.meta == nil && w.toks == nil
	w.tokens = w.dec == nil && w.meta == nil && w.toks != nil
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
	if !l.wire.fillTokens(m.Subject, row) {
		l.wire.findTokens(m.Subject, row)
	}
	for i := range l.wire.meta {
		if err := l.fillMeta(&l.wire.meta[i], m, row); err != nil {
			return err
		}
	}
	return nil
}

// fillTokens sets the VARCHAR subject-token columns from subject when
// each is at a fixed offset from one end of the subject and shorter than
// 8 bytes: found inline from one 8-byte load (transport.TokenStart,
// TokenEnd), in a function that calls nothing but the write barrier;
// false when one is not (the caller then runs findTokens). The payload
// decoder left the columns NULL (Value{}: it sets every column it does
// not read so), so only T and S are written. The value is a view of the
// subject's bytes, valid as long as the message (as a JSON string value
// is a view of the payload).
func (w *wire) fillTokens(subject string, row runtime.Row) bool {
	for _, t := range w.toks {
		var s, e int
		switch t.kind {
		case transport.QuickBack: // the token ends t.off bytes before the end
			e = len(subject) - t.off
			if e < 8 || t.off != 0 && subject[e] != '.' {
				return false
			}
			var ok bool
			if s, ok = transport.TokenStart(subject, e); !ok {
				return false
			}
		case transport.QuickForward: // it starts t.off bytes after the start
			s = t.off
			if s+8 > len(subject) || subject[s-1] != '.' {
				return false
			}
			var ok bool
			if e, ok = transport.TokenEnd(subject, s); !ok {
				return false
			}
		default:
			return false
		}
		if s == e { // an empty token (not a valid subject): Find, whose view stays inside the subject
			return false
		}
		v := &row[t.col]
		v.T = runtime.TString
		*(*bytesHeader)(unsafe.Pointer(&v.S)) = bytesHeader{unsafe.Add(unsafe.Pointer(unsafe.StringData(subject)), s), e - s, e - s}
	}
	return true
}

// bytesHeader is a []byte's layout: fillTokens builds a view of the
// subject from offsets it has checked (s < e <= len(subject)), without
// the slice expression's checks; the pointer field is written with the
// write barrier as any pointer.
type bytesHeader struct {
	p      unsafe.Pointer
	n, cap int
}

// findTokens sets the VARCHAR subject-token columns from subject by Find
// (a missing token leaves its column NULL).
func (w *wire) findTokens(subject string, row runtime.Row) {
	for _, t := range w.toks {
		if tok, ok := t.f.Find(subject); ok {
			row[t.col] = runtime.Value{T: runtime.TString, S: runtime.UnsafeBytes(tok)}
		} else {
			row[t.col] = runtime.Value{}
		}
	}
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
	fwd := l.cfg.Sources > 0 // a repartition's second half: metadata comes in headers
	switch s.m.Kind {
	case transport.MetaSubject:
		subject := m.Subject
		if fwd {
			subject, _ = transport.HeaderValue(m.Header, HeaderMetaSubject)
		}
		tok, ok := s.tok.Find(subject)
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
		if fwd {
			if f, ok := forwardedInt(m, HeaderMetaReceived); ok {
				ms = f
			}
		}
		*v = runtime.Value{T: s.c.Type, I: ms}
		return nil
	case transport.MetaJetStreamSeq:
		seq := int64(l.dur.seq)
		if seq == 0 {
			s, _ := transport.AckInfo(m.Reply)
			seq = int64(s)
		}
		if fwd {
			seq, _ = forwardedInt(m, HeaderMetaSeq)
		}
		if seq != 0 {
			*v = runtime.Int(seq)
		}
		return nil
	case transport.MetaJetStreamTime:
		ns, ok := transport.AckTimestamp(m.Reply)
		if fwd {
			ns, ok = forwardedInt(m, HeaderMetaTime)
		}
		if ok {
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
	m := &l.wire.tpl.hdrMsg
	if m.Header == nil {
		m.Header = nats.Header{}
	}
	l.setTemplateHeaders(m.Header, r)
	m.Subject, m.Data = subject, l.out
	return l.nc.PublishMsg(m)
}

// setTemplateHeaders sets the template's headers in h from row r (a NULL
// column removes its header).
func (l *Loop) setTemplateHeaders(h nats.Header, r runtime.Row) {
	st := &l.wire.tpl
	for _, th := range l.cfg.Sink.Template.Headers {
		v := r[th.Col]
		if v.T == runtime.TNull {
			delete(h, th.Name)
			continue
		}
		st.tokBuf = runtime.AppendValueText(st.tokBuf[:0], v)
		h[th.Name] = append(h[th.Name][:0], string(st.tokBuf))
	}
}

// Headers a repartition's first half adds to a record it forwards when the
// stream has metadata columns, so that the second half reads them as the
// first half did (the subject it arrived on, its arrival time, its
// JetStream sequence and time); the record's own headers travel with it.
const (
	HeaderMetaSubject  = "Velort-Meta-Subject"
	HeaderMetaReceived = "Velort-Meta-Received"
	HeaderMetaSeq      = "Velort-Meta-Seq"
	HeaderMetaTime     = "Velort-Meta-Time"
)

// forwardRecord publishes m's payload to subject for a repartition's
// second half, with its metadata in headers when the stream has metadata
// columns.
func (l *Loop) forwardRecord(subject string, m *nats.Msg) error {
	if l.wire.meta == nil && l.wire.toks == nil {
		return l.nc.Publish(subject, m.Data)
	}
	fm := &l.wire.tpl.hdrMsg
	if fm.Header == nil {
		fm.Header = nats.Header{}
	}
	clear(fm.Header)
	for k, v := range m.Header {
		fm.Header[k] = v
	}
	fm.Header[HeaderMetaSubject] = []string{m.Subject}
	for i := range l.wire.meta {
		switch l.wire.meta[i].m.Kind {
		case transport.MetaReceived:
			ms := l.ctx.NowMs
			if !l.clock || ms == 0 {
				ms = time.Now().UnixMilli()
			}
			fm.Header[HeaderMetaReceived] = []string{strconv.FormatInt(ms, 10)}
		case transport.MetaJetStreamSeq, transport.MetaJetStreamTime:
			if seq, _ := transport.AckInfo(m.Reply); seq != 0 {
				fm.Header[HeaderMetaSeq] = []string{strconv.FormatUint(seq, 10)}
			}
			if ns, ok := transport.AckTimestamp(m.Reply); ok {
				fm.Header[HeaderMetaTime] = []string{strconv.FormatInt(ns, 10)}
			}
		}
	}
	fm.Subject, fm.Data = subject, m.Data
	return l.nc.PublishMsg(fm)
}

// forwardedInt reads an integer metadata header a repartition's first
// half set (false: absent).
func forwardedInt(m *nats.Msg, name string) (int64, bool) {
	v, ok := transport.HeaderValue(m.Header, name)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}
