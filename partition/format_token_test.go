package partition

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/runtime"
)

// randomSubjectToken is a subject token of 1 to 20 bytes: ASCII letters,
// digits and punctuation NATS allows in a token ('/', '-', '_', '%', ':'),
// and 2- and 3-byte UTF-8 characters — so that a token sometimes ends past
// the 8-byte word the loop reads, and a subject is sometimes shorter
// than 8 bytes.
func randomSubjectToken(rng *rand.Rand) string {
	const ascii = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-_%:"
	var b strings.Builder
	for n := 1 + rng.Intn(rng.Intn(20)+1); b.Len() < n; {
		switch rng.Intn(8) {
		case 0:
			b.WriteString("é")
		case 1:
			b.WriteString("日")
		default:
			b.WriteByte(ascii[rng.Intn(len(ascii))])
		}
	}
	return b.String()
}

// TestSubjectTokenColumnsRandom: on random subjects of random patterns
// (literal tokens of 1 to 20 bytes, '*', a '>' tail), every VARCHAR
// subject-token column a loop decodes — through decodeIn's JSON path
// (fillTokens, findTokens) and, with a header column as well, through
// decodeNative — equals token N of strings.Split(subject, "."), NULL when
// the subject has fewer tokens (only past a '>').
func TestSubjectTokenColumnsRandom(t *testing.T) {
	nc := connectTo(t, startServer(t)).NC
	rng := rand.New(rand.NewSource(17))
	for range 150 {
		var pt []string
		for n := 1 + rng.Intn(6); len(pt) < n; {
			if rng.Intn(2) == 0 {
				pt = append(pt, "*")
			} else {
				lit := randomSubjectToken(rng)
				lit = strings.NewReplacer("%", "p", ":", "c").Replace(lit)
				pt = append(pt, lit)
			}
		}
		if len(pt) == 1 && pt[0] == "*" {
			pt[0] = "one" // '*' would match the sink's subject
		}
		tail := rng.Intn(4) == 0
		if tail {
			pt = append(pt, ">")
		}
		pattern := strings.Join(pt, ".")
		maxN := len(pt)
		if tail {
			maxN += 3
		}
		ns := []int{1 + rng.Intn(maxN), 1 + rng.Intn(maxN), maxN}
		header := rng.Intn(3) == 0
		cols := fmt.Sprintf("k VARCHAR, a VARCHAR METADATA FROM 'subject.%d', b VARCHAR METADATA FROM 'subject.%d', c VARCHAR METADATA FROM 'subject.%d'", ns[0], ns[1], ns[2])
		sel := "k, a, b, c"
		if header {
			cols += ", h VARCHAR METADATA FROM 'header.H'"
			sel += ", h"
		}
		sql := fmt.Sprintf("CREATE STREAM s (%s) WITH (subject = '%s', dlq = 'velortdlq');\nCREATE STREAM o WITH (subject = 'velortout') AS SELECT %s FROM s;", cols, pattern, sel)
		l := nativeLoops(t, nc, sql)["o"]
		if l.wire.tokens == header || len(l.wire.toks) != 3 {
			t.Fatalf("%s: tokens %v, %d token columns", pattern, l.wire.tokens, len(l.wire.toks))
		}
		for range 200 {
			var st []string
			for _, p := range pt {
				switch p {
				case "*":
					st = append(st, randomSubjectToken(rng))
				case ">":
					for k := rng.Intn(4); k >= 0; k-- {
						st = append(st, randomSubjectToken(rng))
					}
				default:
					st = append(st, p)
				}
			}
			subject := strings.Join(st, ".")
			m := &nats.Msg{Subject: subject, Data: []byte(`{"k":"x"}`), Header: nats.Header{"H": []string{"h"}}}
			if _, ok, err := l.decodeIn(m); !ok || err != nil {
				t.Fatalf("%s: %q dead-lettered: %v", pattern, subject, err)
			}
			want := strings.Split(subject, ".")
			for i, n := range ns {
				got := l.row[1+i]
				switch {
				case n > len(want):
					if got.T != runtime.TNull {
						t.Fatalf("pattern %q token %d of %q: %v, want NULL", pattern, n, subject, got)
					}
				case got.T != runtime.TString || string(got.S) != want[n-1] || got.I != 0 || got.F != 0:
					t.Fatalf("pattern %q token %d of %q: %v %q, want %q", pattern, n, subject, got.T, got.S, want[n-1])
				}
			}
		}
	}
}
