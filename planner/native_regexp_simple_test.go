package planner

import (
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
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
				got, ok := m.findFrom(s, 0)
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
			// a search from inside the text, which sees the text before
			from := charOffset(s, int64(1+rng.IntN(utf8.RuneCount(s)+1)))
			want = regexpFromReference(re, s, from, false)
			if got, ok := f.findIndexFrom(s, from); ok != (want != nil) || ok && !slices.Equal(got[:], want) {
				t.Fatalf("%s in %q from %d: %v %v, want %v", p.pat, s, from, got, ok, want)
			}
			if got := old.findFrom(s, from, false); !slices.Equal(got, want) {
				t.Fatalf("%s in %q from %d: RE2 %v, want %v", p.pat, s, from, got, want)
			}
			if got, want := old.findFrom(s, from, true), regexpFromReference(re, s, from, true); !slices.Equal(got, want) {
				t.Fatalf("%s in %q from %d: RE2's groups %v, want %v", p.pat, s, from, got, want)
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

// regexpFromReference is the first match of re in s starting at or after
// from, with the whole text as context: at each character start q from
// from on, \A(?s:.){n}(re) (n characters before q) anchored at 0 says
// whether and how re matches starting at q. Offsets (and with sub the
// groups') in s.
func regexpFromReference(re *regexp.Regexp, s []byte, from int, sub bool) []int {
	for q := from; q <= len(s); {
		key := strconv.Itoa(utf8.RuneCount(s[:q])) + " " + re.String()
		at := regexpAtCache[key]
		if at == nil {
			at = regexp.MustCompile(`\A(?s:.){` + strconv.Itoa(utf8.RuneCount(s[:q])) + `}(` + re.String() + `)`)
			regexpAtCache[key] = at
		}
		if m := at.FindSubmatchIndex(s); m != nil {
			if sub {
				return m[2:]
			}
			return m[2:4]
		}
		if q == len(s) {
			break
		}
		_, w := utf8.DecodeRune(s[q:])
		q += w
	}
	return nil
}

var regexpAtCache = map[string]*regexp.Regexp{}

// TestRegexpSearchAfterAMatchSeesTheText: ^ anchors to the text, not to
// where a search after a match (or from a position) starts, and \b, \B
// and a multi-line ^ see the character before it — MySQL 8 and MariaDB
// (REGEXP_REPLACE('aaa', '^a', 'b') is 'baa'; velort gave 'bbb').
func TestRegexpSearchAfterAMatchSeesTheText(t *testing.T) {
	runFbCases(t, []fbCase{
		{"REGEXP_REPLACE('aaa', '^a', 'b')", fbRec, `"baa"`},
		{"REGEXP_REPLACE('abab', '^ab', 'x')", fbRec, `"xab"`},
		{"REGEXP_REPLACE('aaa', '^a?', '-')", fbRec, `"-aa"`},
		{"REGEXP_REPLACE('aa', '(?m)^a', 'b')", fbRec, `"ba"`},
		{"REGEXP_REPLACE('a\\na', '(?m)^a', 'b')", fbRec, `"b\nb"`},
		{"REGEXP_REPLACE('aab', '\\\\ba', 'x')", fbRec, `"xab"`},
		{"REGEXP_REPLACE('aa a', '\\\\Ba', 'x')", fbRec, `"ax a"`},
		{"REGEXP_SUBSTR('aaa', '^a', 1, 2)", fbRec, `null`},
		{"REGEXP_SUBSTR('&channel_id=1&channel_id=2', '(&|^)channel_id=[^&]*', 1, 2)", fbRec, `"&channel_id=2"`},
		{"REGEXP_INSTR('aaa', '^a', 2)", fbRec, `0`},
		{"REGEXP_INSTR('aaa', 'a$', 2)", fbRec, `3`},
		{"REGEXP_REPLACE('aaa', '^a', 'b', 2)", fbRec, `"aaa"`},
		{"REGEXP_REPLACE('channel_id=channel_id=5', '^&?channel_id=', '')", fbRec, `"channel_id=5"`},
	})
}
