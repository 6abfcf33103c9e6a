package partition

import (
	"fmt"
	"strings"
	"testing"
)

// TestRecentDeadLetters: the ring keeps the latest RecentDeadLetters dead
// letters, newest first, with the payload cut to DeadLetterExcerpt bytes at
// a UTF-8 boundary and its whole size kept.
func TestRecentDeadLetters(t *testing.T) {
	l := &Loop{}
	if got := l.RecentDeadLetters(); len(got) != 0 {
		t.Fatalf("a new loop has dead letters: %v", got)
	}
	for i := range RecentDeadLetters + 3 {
		l.recent.add([]byte(fmt.Sprintf(`{"n":%d}`, i)), "in.0", fmt.Sprintf("reason %d", i), uint64(i))
	}
	got := l.RecentDeadLetters()
	if len(got) != RecentDeadLetters {
		t.Fatalf("%d dead letters kept, want %d", len(got), RecentDeadLetters)
	}
	for k, d := range got {
		i := RecentDeadLetters + 2 - k
		if d.Payload != fmt.Sprintf(`{"n":%d}`, i) || d.Reason != fmt.Sprintf("reason %d", i) || d.Seq != uint64(i) || d.Subject != "in.0" || d.AtMs == 0 {
			t.Errorf("dead letter %d: %+v, want record %d", k, d, i)
		}
	}
	// A long payload whose cut falls inside a 3-byte rune.
	long := strings.Repeat("a", DeadLetterExcerpt-1) + "€" + strings.Repeat("b", 100)
	l.recent.add([]byte(long), "in.0", "too long", 0)
	d := l.RecentDeadLetters()[0]
	if d.Payload != strings.Repeat("a", DeadLetterExcerpt-1) || d.Size != len(long) {
		t.Errorf("long payload kept as %q (%d bytes of %d), want the %d bytes before the cut rune", d.Payload, len(d.Payload), d.Size, DeadLetterExcerpt-1)
	}
	// The excerpt is a copy: the caller's buffer may be reused.
	buf := []byte(`{"x":1}`)
	l.recent.add(buf, "in.0", "copied", 0)
	copy(buf, `XXXXXXX`)
	if p := l.RecentDeadLetters()[0].Payload; p != `{"x":1}` {
		t.Errorf("payload %q changed with the caller's buffer", p)
	}
	// Once every slot has held a payload, adding allocates nothing.
	payload := []byte(strings.Repeat("z", 2*DeadLetterExcerpt))
	for range RecentDeadLetters {
		l.recent.add(payload, "in.0", "warm", 0)
	}
	if n := testing.AllocsPerRun(100, func() { l.recent.add(payload, "in.0", "storm", 7) }); n != 0 {
		t.Errorf("adding a dead letter allocates %v times", n)
	}
}

// BenchmarkDeadLetterRing is what the ring adds to each dead letter (the
// publish it accompanies allocates a message and its headers).
func BenchmarkDeadLetterRing(b *testing.B) {
	l := &Loop{}
	payload := []byte(strings.Repeat("x", 300))
	b.ReportAllocs()
	for b.Loop() {
		l.recent.add(payload, "in.0", "bad record", 7)
	}
}
