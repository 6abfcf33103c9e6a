package transport

import (
	"math/rand"
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

// matches reports whether subject matches pattern ({...} is a wildcard).
func matches(pattern, subject string) bool {
	p, s := strings.Split(pattern, "."), strings.Split(subject, ".")
	for i, t := range p {
		switch {
		case t == ">":
			return len(s) > i
		case i >= len(s):
			return false
		case t == "*" || strings.HasPrefix(t, "{"):
		case t != s[i]:
			return false
		}
	}
	return len(s) == len(p)
}

// TestTokenFinder: for every subject a subscription to the pattern can
// deliver, TokenFinder answers as SubjectToken.
func TestTokenFinder(t *testing.T) {
	subjects := []string{"plant.north.sensor.d7", "plant.3.sensor.d7", "plant.north.sensor.", "plant.a.sensor.bb", "plant..sensor.x", "plant.north.sensorx.d7", "plantx.n.sensor.d",
		"plant.north", "plant", "plant.north.sensor", "plant.north.sensor.d7.extra", "p.q.r.s.t", "plant.abcdefghijkl.sensor.mnopqrstuvwxyz", "x.north.sensor.d7", "abcdefghijk.north.sensor.abcdefghijklmnop", "a.b.c", "a.bbbbbbbbbbb.ccccccccccc"}
	for _, pattern := range []string{"plant.*.sensor.*", "*.north.sensor.*", "*.*.*.d7", "a.*.*", "plant.*.sensor.>", "plant.>", "plant.{partition}.sensor.*", "*.*.*.*", "plant.north.sensor.d7"} {
		for n := 1; n <= 6; n++ {
			f := NewTokenFinder(pattern, n)
			for _, s := range subjects {
				if !matches(pattern, s) {
					continue
				}
				got, ok := f.Find(s)
				want, wok := SubjectToken(s, n)
				if got != want || ok != wok {
					t.Errorf("pattern %q token %d of %q: %q %v, want %q %v", pattern, n, s, got, ok, want, wok)
				}
			}
		}
	}
}

func BenchmarkTokenFinder(b *testing.B) {
	f := NewTokenFinder("plant.*.sensor.*", 4)
	for range b.N {
		if _, ok := f.Find("plant.north.sensor.d7"); !ok {
			b.Fatal()
		}
	}
}

// BenchmarkTokenFinderCases: the finder on the subjects of the common
// patterns: the last token (device), a token after a literal prefix
// (site), and the device of a stream partitioned by NATS, whose stored
// subjects end in the partition number.
func BenchmarkTokenFinderCases(b *testing.B) {
	for _, c := range []struct {
		name, pattern, subject string
		n                      int
	}{
		{"last", "plant.*.sensor.*", "plant.north.sensor.d7", 4},
		{"second", "plant.*.sensor.*", "plant.north.sensor.d7", 2},
		{"partitioned", "plant.*.sensor.*.3", "plant.north.sensor.d7.3", 4},
		{"long", "plant.*.sensor.*", "plant.north-east-7.sensor.thermometer-0042", 4},
	} {
		b.Run(c.name, func(b *testing.B) {
			f := NewTokenFinder(c.pattern, c.n)
			want, _ := SubjectToken(c.subject, c.n)
			for range b.N {
				if tok, ok := f.Find(c.subject); !ok || len(tok) != len(want) {
					b.Fatal(tok)
				}
			}
		})
	}
}

// TestTokenFinderRandom: on random subjects matching each pattern (tokens
// of 1 to 24 bytes, so a token's end is sometimes past the first 8-byte
// word scanned), TokenFinder answers as SubjectToken.
func TestTokenFinderRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	for _, pattern := range []string{"plant.*.sensor.*", "plant.*.sensor.*.3", "*.north.sensor.*", "*.*.*.d7", "a.*.*", "*", "x.*", "*.x", "plant.*.sensor.>", "averyveryverylongliteral.*.x.*"} {
		pt := strings.Split(pattern, ".")
		for n := 1; n <= len(pt)+1; n++ {
			f := NewTokenFinder(pattern, n)
			for range 3000 {
				var toks []string
				for _, p := range pt {
					switch p {
					case "*":
						toks = append(toks, randomToken(rng))
					case ">":
						for k := rng.Intn(3); k >= 0; k-- {
							toks = append(toks, randomToken(rng))
						}
					default:
						toks = append(toks, p)
					}
				}
				s := strings.Join(toks, ".")
				got, ok := f.Find(s)
				want, wok := SubjectToken(s, n)
				if got != want || ok != wok {
					t.Fatalf("pattern %q token %d of %q: %q %v, want %q %v", pattern, n, s, got, ok, want, wok)
				}
			}
		}
	}
}
