package partition

import (
	"crypto/rand"
	"encoding/hex"
	"sync/atomic"

	"github.com/nats-io/nats.go"
)

// Header names velort sets on the messages it publishes.
const (
	HeaderControl       = "Velort-Control"
	HeaderToken         = "Velort-Token"
	HeaderError         = "Velort-Error"
	HeaderQuery         = "Velort-Query"
	HeaderSourceSubject = "Velort-Source-Subject"
	HeaderSinkSubject   = "Velort-Sink-Subject"
	HeaderPartition     = "Velort-Partition"
	HeaderSeq           = "Velort-Seq"
	// HeaderWriter names the writer of an end-of-input marker (NewEOFFrom).
	HeaderWriter = "Velort-Writer"
	// HeaderTruncated is set on a dead letter whose payload was cut to fit
	// the server's max_payload; its value is the original size in bytes.
	HeaderTruncated = "Velort-Truncated"
)

// ControlEOF marks the end of replayed input on a subject: every writer
// of a subject sends one after its last record, so a reader knows that
// input is complete when it has seen one from each writer. A writer
// restarted after a crash sends its marker again, and a JetStream stream
// keeps both: a marker naming its writer (HeaderWriter) counts once per
// writer and subject (eofSeen), so another writer's records after the
// repeat are still read.
const ControlEOF = "eof"

// controlToken authenticates control messages (end-of-input markers and
// watermark heartbeats): velort honours one only when it carries this
// token in HeaderToken. It is random per process unless SetControlToken
// installs one shared by every velort process of a deployment (kept in
// velort's own KV bucket, see transport.Conn.ControlToken), so that markers
// stored in a JetStream stream by an earlier run, and heartbeats between
// instances sharing partitions, are recognised. A message from another
// program with a Velort-Control header but not the token is an ordinary
// record.
var controlToken atomic.Pointer[string]

func init() {
	var b [16]byte
	_, _ = rand.Read(b[:])
	SetControlToken(hex.EncodeToString(b[:]))
}

// SetControlToken installs the token control messages are published with
// and checked against. Call before any loop starts.
func SetControlToken(tok string) { controlToken.Store(&tok) }

// ControlToken is the token in use.
func ControlToken() string { return *controlToken.Load() }

// isControl reports whether m is a control message of the given kind from
// velort itself. Records without headers (the common case) cost one nil
// check.
func isControl(m *nats.Msg, kind string) bool {
	if m.Header == nil {
		return false
	}
	return m.Header.Get(HeaderControl) == kind && m.Header.Get(HeaderToken) == *controlToken.Load()
}

// IsEOF reports whether m is an end-of-input marker published by velort.
func IsEOF(m *nats.Msg) bool { return isControl(m, ControlEOF) }

// NewEOF returns an end-of-input marker for subject. Without a writer's
// name (NewEOFFrom) every one counts.
func NewEOF(subject string) *nats.Msg {
	m := nats.NewMsg(subject)
	m.Header.Set(HeaderControl, ControlEOF)
	m.Header.Set(HeaderToken, ControlToken())
	return m
}

// NewEOFFrom returns an end-of-input marker for subject from the named
// writer, which a reader counts once however often it is sent.
func NewEOFFrom(subject, writer string) *nats.Msg {
	m := NewEOF(subject)
	m.Header.Set(HeaderWriter, writer)
	return m
}

// eofSeen is a reader's set of the named writers whose end-of-input
// marker it has counted, by writer and subject (a writer's name is its
// query and partition, which two forwarders of one join share, each on a
// subject of its own).
type eofSeen map[string]struct{}

// first reports whether m, an end-of-input marker, counts: it names no
// writer, or one not seen on its subject before.
func (s *eofSeen) first(m *nats.Msg) bool {
	w, ok := headerValue(m, HeaderWriter)
	if !ok {
		return true
	}
	if *s == nil {
		*s = eofSeen{}
	}
	k := w + " " + m.Subject
	if _, dup := (*s)[k]; dup {
		return false
	}
	(*s)[k] = struct{}{}
	return true
}
