package partition

import "github.com/nats-io/nats.go"

// Header names velort sets on the messages it publishes.
const (
	HeaderControl       = "Velort-Control"
	HeaderError         = "Velort-Error"
	HeaderQuery         = "Velort-Query"
	HeaderSourceSubject = "Velort-Source-Subject"
	HeaderPartition     = "Velort-Partition"
	HeaderSeq           = "Velort-Seq"
)

// ControlEOF marks the end of replayed input on a subject: every writer
// of a subject sends one after its last record, so a reader knows that
// input is complete when it has seen one from each writer.
const ControlEOF = "eof"

// IsEOF reports whether m is an end-of-input marker.
func IsEOF(m *nats.Msg) bool {
	return m.Header != nil && m.Header.Get(HeaderControl) == ControlEOF
}

// NewEOF returns an end-of-input marker for subject.
func NewEOF(subject string) *nats.Msg {
	m := nats.NewMsg(subject)
	m.Header.Set(HeaderControl, ControlEOF)
	return m
}
