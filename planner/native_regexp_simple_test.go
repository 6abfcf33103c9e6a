package planner

import (
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/velort/velort/runtime"
)

// simplePatterns are patterns simpleRE takes (true) or leaves to RE2.
var simplePatterns = []struct {
	pat    string
	simple bool
}{
	{`(&|^)channel_id=[^&]*`, true},
	{`^&?channel_id=`, true},
	{`channel_id=`, true},
	{`(x|yy)ab(c)?`, true},
	{`(x|yy|)ab[^b]+`, true},
	{`[α-ω]ab.`, true},
	{`(é|^|\n)ab(.)`, true},
	{`(?s).?ab.*`, true},
	{`a?b?x`, true},
	{`(ab|a)(b|)x*`, true},
	{`(a|ab)(c|bcd)`, true},
	{`x$`, true},
	{`(a|$)ab`, true},
	{`^`, true},
	{`b*`, true},
	{`é+`, true},
	{`[^x]`, true},
	{`\xff?a[\x{fffd}b]`, true},
	{`[\x{fffd}x]a`, true},
	{`(?i)ab`, false},
	{`(?i:k)ab`, false},
	{`(?m)^ab`, false},
	{`\bab`, false},
	{`a*ab`, false},
	{`a*?`, false},
	{`a{2}`, false},
	{`(ab)*`, false},
	{`((a|b)?c)?`, false},
}

// TestSimpleREAgainstRE2: simpleRE finds what RE2's FindIndex finds (the
// leftmost-first match), over random texts of the patterns' pieces,
// anchors' neighbours, multi-byte characters, lone continuation bytes and
// invalid UTF-8 — also through the finder (first match, an occurrence
// after a position, REGEXP_REPLACE without groups) and REGEXP_LIKE.
func TestSimpleREAgainstRE2(t *testing.T) {
	pieces := []string{"a", "b", "c", "k", "K", "x", "y", "yy", "z", "&", "=", "\n", "é", "α", "ω", "\xff", "\x80", "\xce", "\ufffd", "ab", "abc", "bcd", "channel_id=", "&channel_id=", "channel_", "id="}
	rng := rand.New(rand.NewPCG(16, 99))
	for _, p := range simplePatterns {
		re := regexp.MustCompile(p.pat)
		tree, err := syntax.Parse(re.String(), syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		m := newSimpleRE(tree)
		if (m != nil) != p.simple {
			t.Fatalf("%s: simple %v, want %v", p.pat, m != nil, p.simple)
		}
		f := newRegexpFinder(re)
		if (f.simple != nil) != p.simple {
			t.Fatalf("%s: the finder's simple %v, want %v", p.pat, f.simple != nil, p.simple)
		}
		old := newRegexpFinder(re)
		old.simple = nil
		found := 0
		for range 20000 {
			var b strings.Builder
			for range rng.IntN(10) {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			}
			s := []byte(b.String())
			want := re.FindIndex(s)
			if want != nil {
				found++
			}
			if m != nil {
				got, ok := m.find(s)
				if ok != (want != nil) || ok && !slices.Equal(got[:], want) {
					t.Fatalf("%s in %q: simple %v %v, RE2 %v", p.pat, s, got, ok, want)
				}
			}
			got, ok := f.findIndex(s)
			if ok != (want != nil) || ok && !slices.Equal(got[:], want) {
				t.Fatalf("%s in %q: findIndex %v %v, RE2 %v", p.pat, s, got, ok, want)
			}
			if got, want := f.match(s), re.Match(s); got != want {
				t.Fatalf("%s in %q: match %v, RE2 %v", p.pat, s, got, want)
			}
			// REGEXP_SUBSTR/INSTR's n-th match and REGEXP_REPLACE (without
			// groups) from a character position: as with RE2 (old: the
			// finder without simple)
			pos := int64(1 + rng.IntN(utf8.RuneCount(s)+1))
			off := charOffset(s, pos)
			occ := int64(rng.IntN(4))
			var c runtime.Ctx
			gm, gok := nthMatch(&c, f, s, off, occ)
			wm, wok := nthMatch(&c, old, s, off, occ)
			if gok != wok || gm != wm {
				t.Fatalf("%s in %q from %d, occurrence %d: %v %v, RE2 %v %v", p.pat, s, off, occ, gm, gok, wm, wok)
			}
			rg := regexpReplace(&c, f, s, off, occ, []byte("<>"))
			rw := regexpReplace(&c, old, s, off, occ, []byte("<$$>")) // groups: RE2 and Expand
			if string(rg.S) != strings.ReplaceAll(string(rw.S), "<$>", "<>") {
				t.Fatalf("%s in %q from %d, occurrence %d: replaced %q, RE2 %q", p.pat, s, off, occ, rg.S, rw.S)
			}
		}
		if found == 0 || found == 20000 && !re.MatchString("") {
			t.Fatalf("%s: %d of 20000 texts match: the test proves little", p.pat, found)
		}
	}
}
