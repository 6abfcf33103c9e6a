package transport

import (
	"strings"
	"testing"
)

func TestSubjectToken(t *testing.T) {
	for _, subject := range []string{"a", "plant.north.sensor.d7", "x..y", ".lead", "trail.", "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q",
		"abcdefgh.ijklmnop.qrstuvwxyz0123456789.x", "........", "12345678.", strings.Repeat("é.", 20)} {
		want := strings.Split(subject, ".")
		for n := 1; n <= len(want)+2; n++ {
			got, ok := SubjectToken(subject, n)
			if n <= len(want) && (!ok || got != want[n-1]) || n > len(want) && ok {
				t.Errorf("SubjectToken(%q, %d) = %q, %v", subject, n, got, ok)
			}
		}
	}
}

func TestAckTimestamp(t *testing.T) {
	if ns, ok := AckTimestamp("$JS.ACK.S.C.1.42.7.1700000000123456789.0"); !ok || ns != 1700000000123456789 {
		t.Errorf("v1: %d %v", ns, ok)
	}
	if ns, ok := AckTimestamp("$JS.ACK.dom.acc.S.C.1.42.7.1700000000123456789.0.rnd"); !ok || ns != 1700000000123456789 {
		t.Errorf("v2: %d %v", ns, ok)
	}
	if _, ok := AckTimestamp("_INBOX.x"); ok {
		t.Error("not an ack subject")
	}
}

func BenchmarkSubjectToken(b *testing.B) {
	for range b.N {
		if _, ok := SubjectToken("plant.north.sensor.d7", 4); !ok {
			b.Fatal()
		}
	}
}
