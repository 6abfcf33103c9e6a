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
		m := dotMask(load8(subject, i))
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
		w := load8(subject, len(subject)-8) >> ((8 - r) * 8)
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

// load8 reads s[i:i+8] as a little-endian word; the caller checks that
// i+8 <= len(s).
func load8(s string, i int) uint64 {
	return binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(unsafe.Pointer(unsafe.StringData(s)), i))[:])
}

// littleEndian: a native load puts the first byte lowest (TokenFinder's
// fast case relies on it).
var littleEndian = func() bool { x := uint16(1); return *(*byte)(unsafe.Pointer(&x)) == 1 }()

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

// TokenFinder finds token N of subjects that match a subscription
// pattern (NATS delivers no other): literal tokens of the pattern are
// skipped by their known length, so only wildcard tokens are scanned,
// from the start or from the end of the subject, whichever scans fewer
// ('plant.*.sensor.*': token 4 is found from the end, in the last 8
// bytes). A subject whose lengths do not fit falls back to SubjectToken.
type TokenFinder struct {
	n    int
	back bool  // search from the end
	skip []int // tokens passed before token N (from its far side when back): length when literal, -1 when scanned
	lit  int   // token N's length when literal, else -1
	edge bool  // token N is the first (forward: the last) token: it runs to the subject's edge
	// fixed: every skipped token is literal and token N is a wildcard, so
	// token N starts (back: ends) off bytes from the subject's start (back:
	// end) — one check of the dot there and one scan for its other end
	// (none at an edge). The common case: plant.*.sensor.* token 2 or 4.
	fixed bool
	off   int
	quick uint8 // fixed and not at the edge, on a little-endian machine: Find's fast case
}

const (
	quickBack    = 1 + iota // token N ends off bytes before the subject's end
	quickForward            // token N starts off (> 0) bytes after the subject's start
)

// NewTokenFinder prepares finding token n (1-based) in subjects matching
// pattern ({...} tokens, '*' and '>' are wildcards).
func NewTokenFinder(pattern string, n int) *TokenFinder {
	toks := strings.Split(pattern, ".")
	literal := func(t string) bool { return t != "*" && t != ">" && !strings.ContainsAny(t, "{}") }
	hasTail := toks[len(toks)-1] == ">"
	if n > len(toks) || (hasTail && n >= len(toks)) {
		return &TokenFinder{n: -n} // generic: past a '>' nothing is known
	}
	f := &TokenFinder{n: n, lit: -1}
	if literal(toks[n-1]) {
		f.lit = len(toks[n-1])
	}
	scans := func(ts []string) int {
		c := 0
		for _, t := range ts {
			if !literal(t) {
				c++
			}
		}
		return c
	}
	fwd := scans(toks[:n-1])
	if f.lit < 0 && n < len(toks) {
		fwd++ // token N's own end
	}
	bwd := scans(toks[n:])
	if f.lit < 0 && n > 1 {
		bwd++ // token N's own start
	}
	f.back = !hasTail && (bwd < fwd || bwd == fwd && len(toks)-n < n-1) // fewer scans, else fewer steps
	if f.back {
		for i := len(toks) - 1; i >= n; i-- {
			f.skip = append(f.skip, tokenSkip(toks[i], literal))
		}
		f.edge = n == 1
	} else {
		for i := 0; i < n-1; i++ {
			f.skip = append(f.skip, tokenSkip(toks[i], literal))
		}
		f.edge = n == len(toks)
	}
	f.fixed = f.lit < 0
	for _, l := range f.skip {
		f.fixed = f.fixed && l >= 0
		f.off += l + 1
	}
	if f.fixed && !f.edge && littleEndian {
		switch {
		case f.back:
			f.quick = quickBack
		case f.off > 0:
			f.quick = quickForward
		}
	}
	return f
}

func tokenSkip(t string, literal func(string) bool) int {
	if literal(t) {
		return len(t)
	}
	return -1
}

// Find returns token N of subject; false when it has fewer tokens.
// The common case — a wildcard token at a fixed offset from one end of
// the subject (every token between is literal) — is a check of the dot
// there and a scan, 8 bytes a word, for the token's other end; the rest
// is find.
func (f *TokenFinder) Find(subject string) (string, bool) {
	base := unsafe.Pointer(unsafe.StringData(subject))
	switch f.quick {
	case quickBack: // token N ends f.off bytes before the end
		e := len(subject) - f.off
		if e < 0 || f.off > 0 && *(*byte)(unsafe.Add(base, e)) != '.' {
			break
		}
		for i := e; i >= 8; i -= 8 {
			if m := dotMask(*(*uint64)(unsafe.Add(base, i-8))); m != 0 {
				// the word's last dot is its byte 7-lz/8: the token starts lz/8 bytes before i
				s := i - bits.LeadingZeros64(m)>>3
				return unsafe.String((*byte)(unsafe.Add(base, s)), e-s), true
			}
		}
	case quickForward: // token N starts f.off bytes after the start
		p := f.off
		if p > len(subject) || *(*byte)(unsafe.Add(base, p-1)) != '.' {
			break
		}
		for i := p; i+8 <= len(subject); i += 8 {
			if m := dotMask(*(*uint64)(unsafe.Add(base, i))); m != 0 {
				e := i + bits.TrailingZeros64(m)>>3
				return unsafe.String((*byte)(unsafe.Add(base, p)), e-p), true
			}
		}
	}
	return f.find(subject)
}

// find is Find past its inlined fast path.
func (f *TokenFinder) find(subject string) (string, bool) {
	if f.fixed {
		if f.back {
			if end := len(subject) - f.off; end >= 0 && (f.off == 0 || subject[end] == '.') {
				if f.edge {
					return subject[:end], true
				}
				if d := prevDot(subject, end); d >= 0 {
					return subject[d+1 : end], true
				}
			}
		} else if pos := f.off; pos <= len(subject) && (pos == 0 || subject[pos-1] == '.') {
			if f.edge {
				return subject[pos:], true
			}
			if d := nextDot(subject, pos); d >= 0 {
				return subject[pos:d], true
			}
			return subject[pos:], true
		}
		return SubjectToken(subject, f.n) // lengths do not fit the pattern
	}
	if f.n < 0 {
		return SubjectToken(subject, -f.n)
	}
	if f.back {
		return f.findBack(subject)
	}
	pos := 0
	for _, l := range f.skip {
		if l >= 0 {
			pos += l + 1
			if pos > len(subject) || subject[pos-1] != '.' {
				return SubjectToken(subject, f.n)
			}
			continue
		}
		d := nextDot(subject, pos)
		if d < 0 {
			return "", false
		}
		pos = d + 1
	}
	end := len(subject)
	switch {
	case f.lit >= 0:
		end = pos + f.lit
		if end > len(subject) || (end < len(subject) && subject[end] != '.') || (f.edge && end != len(subject)) {
			return SubjectToken(subject, f.n)
		}
	case f.edge:
		if pos > len(subject) {
			return SubjectToken(subject, f.n)
		}
	default:
		if pos > len(subject) {
			return "", false
		}
		if d := nextDot(subject, pos); d >= 0 {
			end = d
		}
	}
	return subject[pos:end], true
}

// findBack finds token N from the end of the subject.
func (f *TokenFinder) findBack(subject string) (string, bool) {
	end := len(subject) // just past token N once the tokens after it are passed
	for _, l := range f.skip {
		if l >= 0 {
			end -= l + 1
			if end < 0 || subject[end] != '.' {
				return SubjectToken(subject, f.n)
			}
			continue
		}
		d := prevDot(subject, end)
		if d < 0 {
			return SubjectToken(subject, f.n)
		}
		end = d
	}
	start := 0
	switch {
	case f.lit >= 0:
		start = end - f.lit
		if start < 0 || (start > 0 && subject[start-1] != '.') || (f.edge && start != 0) {
			return SubjectToken(subject, f.n)
		}
	case f.edge:
	default:
		d := prevDot(subject, end)
		if d < 0 {
			return SubjectToken(subject, f.n)
		}
		start = d + 1
	}
	return subject[start:end], true
}

// nextDot returns the offset of the first '.' at or after i, or -1.
func nextDot(s string, i int) int {
	for ; i+8 <= len(s); i += 8 {
		if m := dotMask(load8(s, i)); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(s); i++ {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}

// prevDot returns the offset of the last '.' before e, or -1.
func prevDot(s string, e int) int {
	for ; e >= 8; e -= 8 {
		if m := dotMask(load8(s, e-8)); m != 0 {
			return e - 8 + (63-bits.LeadingZeros64(m))>>3
		}
	}
	for e--; e >= 0; e-- {
		if s[e] == '.' {
			return e
		}
	}
	return -1
}
