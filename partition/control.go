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
	// HeaderTruncated is set on a dead letter whose payload was cut to fit
	// the server's max_payload; its value is the original size in bytes.
	HeaderTruncated = "Velort-Truncated"
)

// ControlEOF marks the end of replayed input on a subject: every writer
// of a subject sends one after its last record, so a reader knows that
// input is complete when it has seen one from each writer.
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

// NewEOF returns an end-of-input marker for subject.
func NewEOF(subject string) *nats.Msg {
	m := nats.NewMsg(subject)
	m.Header.Set(HeaderControl, ControlEOF)
	m.Header.Set(HeaderToken, ControlToken())
	return m
}
