package partition

import (
	"sync"
	"time"
	"unicode/utf8"
)

// RecentDeadLetters is how many of its latest dead letters a loop keeps
// for the operations page (velort run --http), and DeadLetterExcerpt how
// many bytes of each payload.
const (
	RecentDeadLetters = 8
	DeadLetterExcerpt = 256
)

// DeadLetter is one of a loop's latest dead letters.
type DeadLetter struct {
	AtMs    int64  `json:"at_ms"`   // when it was published, epoch ms
	Subject string `json:"subject"` // the subject its record came from (or, for an output, was going to)
	Reason  string `json:"reason"`  // its Velort-Error header
	Payload string `json:"payload"` // the payload's first DeadLetterExcerpt bytes (cut at a UTF-8 boundary)
	Size    int    `json:"size"`    // the payload's whole size
	Seq     uint64 `json:"seq"`     // its JetStream stream sequence (0: core NATS)
}

// deadLetterRing keeps a loop's latest dead letters. It is written on the
// dead-letter path only (never per good record) and read by the
// operations page; the excerpt buffers are reused, so a storm of dead
// letters allocates nothing here once each slot has been filled.
type deadLetterRing struct {
	mu    sync.Mutex
	n     uint64 // dead letters added so far
	slots [RecentDeadLetters]struct {
		atMs          int64
		where, reason string
		size          int
		seq           uint64
		payload       []byte
	}
}

func (r *deadLetterRing) add(payload []byte, where, reason string, seq uint64) {
	at := time.Now().UnixMilli()
	r.mu.Lock()
	s := &r.slots[r.n%RecentDeadLetters]
	r.n++
	s.atMs, s.where, s.reason, s.size, s.seq = at, where, reason, len(payload), seq
	s.payload = append(s.payload[:0], payload[:min(len(payload), DeadLetterExcerpt)]...)
	r.mu.Unlock()
}

// RecentDeadLetters returns the loop's latest dead letters, newest first.
func (l *Loop) RecentDeadLetters() []DeadLetter {
	r := &l.recent
	r.mu.Lock()
	defer r.mu.Unlock()
	k := min(r.n, RecentDeadLetters)
	out := make([]DeadLetter, 0, k)
	for i := uint64(1); i <= k; i++ {
		s := &r.slots[(r.n-i)%RecentDeadLetters]
		p := s.payload
		if len(p) < s.size { // cut: drop a partial last rune
			for j := 0; j < utf8.UTFMax && len(p) > 0 && !utf8.Valid(p); j++ {
				p = p[:len(p)-1]
			}
		}
		out = append(out, DeadLetter{AtMs: s.atMs, Subject: s.where, Reason: s.reason, Payload: string(p), Size: s.size, Seq: s.seq})
	}
	return out
}
