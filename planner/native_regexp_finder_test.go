package planner

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestRegexpFinderAgainstRE2: a search that skips to the pattern's
// required literal (regexpFinder) finds what RE2 finds searching the
// whole text, match and submatches, over random texts of the literal's
// pieces, anchors' neighbours, multi-byte and invalid UTF-8.
func TestRegexpFinderAgainstRE2(t *testing.T) {
	patterns := []struct {
		pat      string
		shortcut bool // the finder skips to a literal
	}{
		{`(&|^)channel_id=[^&]*`, true},
		{`^&?channel_id=`, true},
		{`a?b{0,3}xyz`, true},
		{`(x|yy)ab(c)?`, true},
		{`[α-ω]ab`, true},
		{`(é|^|\n)ab(.)`, true},
		{`(?i:k)ab`, true},
		{`.{2}ab$`, true},
		{`(a|$)ab`, true},
		{`(?s).?ab`, true},
		{`(?i)ab`, false},
		{`(?m)^ab`, false},
		{`\bab`, false},
		{`a*ab`, false},
		{`ab`, false}, // a literal prefix: RE2 skips to it itself
		{`x+`, false},
	}
	pieces := []string{"a", "b", "x", "y", "z", "c", "&", "=", "\n", "é", "α", "\xff", "K", "k", "ab", "xyz", "channel_id=", "&channel_id=", "channel_"}
	rng := rand.New(rand.NewPCG(16, 21))
	for _, p := range patterns {
		re := regexp.MustCompile(p.pat)
		f := newRegexpFinder(re)
		if got := f.lit != nil; got != p.shortcut {
			t.Fatalf("%s: shortcut %v, want %v", p.pat, got, p.shortcut)
		}
		for range 3000 {
			var b strings.Builder
			for range rng.IntN(12) {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			}
			s := []byte(b.String())
			if got, want := f.find(s, false), re.FindIndex(s); !slices.Equal(got, want) {
				t.Fatalf("%s in %q: find %v, RE2 %v", p.pat, s, got, want)
			}
			if got, want := f.find(s, true), re.FindSubmatchIndex(s); !slices.Equal(got, want) {
				t.Fatalf("%s in %q: submatches %v, RE2 %v", p.pat, s, got, want)
			}
			if got, want := f.match(s), re.Match(s); got != want {
				t.Fatalf("%s in %q: match %v, RE2 %v", p.pat, s, got, want)
			}
		}
	}
}

// TestRegexpNexmarkQ21: Nexmark q21's two calls on its URLs.
func TestRegexpNexmarkQ21(t *testing.T) {
	hot := `https://www.nexmark.com/abcde/fghij/klmno/item.htm?query=1`
	runFbCases(t, []fbCase{
		{"REGEXP_SUBSTR('" + hot + "&channel_id=123', '(&|^)channel_id=[^&]*')", fbRec, `"&channel_id=123"`},
		{"REGEXP_SUBSTR('channel_id=7&x=1', '(&|^)channel_id=[^&]*')", fbRec, `"channel_id=7"`},
		{"REGEXP_SUBSTR('" + hot + "', '(&|^)channel_id=[^&]*')", fbRec, `null`},
		{"REGEXP_SUBSTR('xchannel_id=1&channel_id=2', '(&|^)channel_id=[^&]*')", fbRec, `"&channel_id=2"`},
		{"REGEXP_REPLACE('&channel_id=123', '^&?channel_id=', '')", fbRec, `"123"`},
		{"REGEXP_REPLACE('a&channel_id=123', '^&?channel_id=', '')", fbRec, `"a&channel_id=123"`},
		{"REGEXP_REPLACE('x&channel_id=1&channel_id=2', '&channel_id=', '-', 1, 2)", fbRec, `"x&channel_id=1-2"`},
		{"REGEXP_INSTR('xchannel_id=1&channel_id=2', '(&|^)channel_id=')", fbRec, `14`},
		{"'xchannel_id=1' REGEXP '(&|^)channel_id='", fbRec, `false`},
	})
}
