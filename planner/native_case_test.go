package planner

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"

	"github.com/velort/velort/runtime"
)

// TestMapCaseAgainstRunes: LOWER/UPPER's byte path (mapCase) gives what
// mapping every character does (mapString), on random texts of ASCII,
// multi-byte characters whose case changes length (ſ, ı, K) and invalid
// UTF-8 — and returns its input itself when an ASCII text does not change.
func TestMapCaseAgainstRunes(t *testing.T) {
	pieces := []string{"a", "Z", "q", "M", "0", "-", "@", "[", "`", "{", "é", "É", "ſ", "ı", "İ", "\u212a", "ß", "\xff", "\xc3", "channel-", "Google"}
	rng := rand.New(rand.NewPCG(3, 5))
	var c runtime.Ctx
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(8) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := []byte(b.String())
		for _, upper := range []bool{false, true} {
			m := unicode.ToLower
			if upper {
				m = unicode.ToUpper
			}
			c.Reset()
			want := string(mapString(&c, s, m))
			c.Reset()
			got := mapCase(&c, s, upper)
			if string(got) != want {
				t.Fatalf("upper=%v %q: %q, want %q", upper, s, got, want)
			}
			if want == string(s) && len(s) > 0 && isASCII(s) && &got[0] != &s[0] {
				t.Fatalf("upper=%v %q: unchanged text copied", upper, s)
			}
		}
	}
	runFbCases(t, []fbCase{
		{"LOWER('GooGle')", fbRec, `"google"`},
		{"UPPER('channel-1é')", fbRec, `"CHANNEL-1É"`},
		{"LOWER(s)", fbRec, `"hello wörld"`},
	})
}

func isASCII(s []byte) bool {
	for _, b := range s {
		if b >= 0x80 {
			return false
		}
	}
	return true
}
