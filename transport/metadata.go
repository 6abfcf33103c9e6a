package transport

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"strings"
	"unsafe"

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
// allocating; false when the subject has fewer tokens. It finds dots 8
// bytes at a time (a metadata column costs a few ns per record).
func SubjectToken(subject string, n int) (string, bool) {
	start := 0 // of token k+1 once k dots are passed
	k := n - 1 // dots to pass before the token starts
	i := 0
	for ; i+8 <= len(subject); i += 8 {
		m := dotMask(binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(subject[i:]), 8)))
		for m != 0 {
			at := i + bits.TrailingZeros64(m)>>3
			if k == 0 {
				return subject[start:at], true
			}
			k--
			start = at + 1
			m &= m - 1
		}
	}
	if r := len(subject) - i; r > 0 && len(subject) >= 8 {
		// the last 8 bytes, shifted so that those already seen drop out
		w := binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(subject[len(subject)-8:]), 8)) >> ((8 - r) * 8)
		for m := dotMask(w); m != 0; m &= m - 1 {
			at := i + bits.TrailingZeros64(m)>>3
			if k == 0 {
				return subject[start:at], true
			}
			k--
			start = at + 1
		}
		i = len(subject)
	}
	for ; i < len(subject); i++ {
		if subject[i] == '.' {
			if k == 0 {
				return subject[start:i], true
			}
			k--
			start = i + 1
		}
	}
	if k > 0 {
		return "", false
	}
	return subject[start:], true
}

// dotMask sets the high bit of each byte of x that is '.'.
func dotMask(x uint64) uint64 {
	const lo7, dots = 0x7f7f7f7f7f7f7f7f, 0x2e2e2e2e2e2e2e2e
	t := x ^ dots
	return ^((t&lo7 + lo7) | t | lo7)
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
