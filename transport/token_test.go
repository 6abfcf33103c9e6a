package transport

import (
	"math/rand"
	"strings"
	"testing"
)

// TestTokenStartEnd: at every token boundary of random subjects (tokens of
// 1 to 24 bytes, UTF-8 among them), TokenStart and TokenEnd find the
// token's other end as strings.LastIndexByte and IndexByte do when it is
// within their 8-byte word, and report false otherwise.
func TestTokenStartEnd(t *testing.T) {
	rng := rand.New(rand.NewSource(17))
	for range 3000 {
		var toks []string
		for n := 1 + rng.Intn(5); len(toks) < n; {
			toks = append(toks, randomToken(rng))
		}
		s := strings.Join(toks, ".")
		for e := 0; e <= len(s); e++ {
			if e < len(s) && s[e] != '.' {
				continue
			}
			// e ends a token
			if e >= 8 {
				want := strings.LastIndexByte(s[:e], '.') + 1
				got, ok := TokenStart(s, e)
				if wok := want > e-8; ok != wok || ok && got != want {
					t.Fatalf("TokenStart(%q, %d) = %d %v, want %d %v", s, e, got, ok, want, wok)
				}
			}
			// e+1 starts a token
			if p := e + 1; e < len(s) && p+8 <= len(s) {
				want := strings.IndexByte(s[p:], '.')
				got, ok := TokenEnd(s, p)
				if wok := want >= 0 && want < 8; ok != wok || ok && got != p+want {
					t.Fatalf("TokenEnd(%q, %d) = %d %v, want %d %v", s, p, got, ok, p+want, wok)
				}
			}
		}
	}
}
