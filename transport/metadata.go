package transport

import (
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"
)

// MetaKind is the source of a metadata column (SPEC §2 "NATS-native
// streams": `name TYPE METADATA FROM 'source'`).
type MetaKind uint8

const (
	MetaNone          MetaKind = iota
	MetaSubject                // subject.N: the N-th token (1-based) of the message's subject
	MetaHeader                 // header.NAME: the header's first value (NULL when absent)
	MetaReceived               // received: when velort received the message
	MetaJetStreamSeq           // jetstream.sequence: the message's stream sequence
	MetaJetStreamTime          // jetstream.timestamp: when the JetStream server stored it
)

// Metadata is a parsed metadata source.
type Metadata struct {
	Kind   MetaKind
	Token  int    // MetaSubject: 1-based token index
	Header string // MetaHeader: header name
}

// MetadataSources lists what METADATA FROM accepts, for error messages.
const MetadataSources = "'subject.N' (N from 1), 'header.NAME', 'received', 'jetstream.sequence' or 'jetstream.timestamp'"

// ParseMetadata parses a METADATA FROM source.
func ParseMetadata(src string) (Metadata, bool) {
	low := strings.ToLower(src)
	switch {
	case strings.HasPrefix(low, "subject."):
		n, err := strconv.Atoi(src[len("subject."):])
		if err != nil || n < 1 || n > 255 {
			return Metadata{}, false
		}
		return Metadata{Kind: MetaSubject, Token: n}, true
	case strings.HasPrefix(low, "header."):
		name := src[len("header."):]
		if name == "" || strings.ContainsAny(name, " \t\r\n:") {
			return Metadata{}, false
		}
		return Metadata{Kind: MetaHeader, Header: name}, true
	case low == "received":
		return Metadata{Kind: MetaReceived}, true
	case low == "jetstream.sequence":
		return Metadata{Kind: MetaJetStreamSeq}, true
	case low == "jetstream.timestamp":
		return Metadata{Kind: MetaJetStreamTime}, true
	}
	return Metadata{}, false
}

// SubjectToken returns the n-th token (1-based) of subject, without
// allocating; false when the subject has fewer tokens.
func SubjectToken(subject string, n int) (string, bool) {
	for n > 1 {
		i := strings.IndexByte(subject, '.')
		if i < 0 {
			return "", false
		}
		subject = subject[i+1:]
		n--
	}
	if i := strings.IndexByte(subject, '.'); i >= 0 {
		return subject[:i], true
	}
	return subject, true
}

// HeaderValue returns the first value of header name: the exact name
// first, else matched ASCII case-insensitively.
func HeaderValue(h nats.Header, name string) (string, bool) {
	if h == nil {
		return "", false
	}
	if v, ok := h[name]; ok && len(v) > 0 {
		return v[0], true
	}
	for k, v := range h {
		if len(v) > 0 && strings.EqualFold(k, name) {
			return v[0], true
		}
	}
	return "", false
}

// AckTimestamp parses the time (Unix nanoseconds) a JetStream server
// stored a message from its reply subject, without allocating; false if
// reply is not a JetStream ack subject.
func AckTimestamp(reply string) (int64, bool) {
	const prefix = "$JS.ACK."
	if !strings.HasPrefix(reply, prefix) {
		return 0, false
	}
	var toks [12]string
	n, start := 0, 0
	for i := 0; i <= len(reply) && n < len(toks); i++ {
		if i == len(reply) || reply[i] == '.' {
			toks[n] = reply[start:i]
			n++
			start = i + 1
		}
	}
	idx := 7 // $JS ACK stream consumer delivered sseq cseq tm pending
	if n >= 12 {
		idx = 9 // $JS ACK domain account stream consumer delivered sseq cseq tm pending token
	} else if n < 9 {
		return 0, false
	}
	ns := decimal(toks[idx])
	return int64(ns), ns != 0
}
