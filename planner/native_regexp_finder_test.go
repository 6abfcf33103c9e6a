package planner

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/velort/velort/runtime"
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

// TestRegexpMemoAcrossCallsAndRecords: the same first-match search in
// several calls of one pipeline (answered by the partition's memo of the
// last search: x6 and x7 by x4's, the next record's WHERE by x7's) gives
// each call its own pattern's answer on its own record's text, record
// after record through one context — equal to Go's regexp on each text.
func TestRegexpMemoAcrossCallsAndRecords(t *testing.T) {
	q, pipe := checkPipeline(t, fbStream+`CREATE STREAM o WITH (subject = 'o') AS SELECT
		COALESCE(REGEXP_SUBSTR(s, 'a+'), '-') AS x1, COALESCE(REGEXP_SUBSTR(s, 'b+'), '-') AS x2,
		COALESCE(REGEXP_SUBSTR(s, 'a+'), '-') AS x3, REGEXP_INSTR(s, 'b+') AS x4,
		COALESCE(REGEXP_SUBSTR(s, 'a+', 1, 2), '-') AS x5, COALESCE(REGEXP_SUBSTR(s, '(?i)A+'), '-') AS x6,
		COALESCE(REGEXP_SUBSTR(s, 'b+'), '-') AS x7
		FROM t WHERE REGEXP_SUBSTR(s, 'b+') IS NOT NULL OR REGEXP_SUBSTR(s, 'a+') IS NOT NULL;`)
	dec := runtime.NewDecoder(q.Source.Columns, q.Read)
	row := make(runtime.Row, len(q.Source.Columns))
	enc := runtime.NewEncoder([]string{"x1", "x2", "x3", "x4", "x5", "x6", "x7"})
	var c runtime.Ctx
	rng := rand.New(rand.NewPCG(7, 11))
	sub := func(re, s string, n int) string {
		m := regexp.MustCompile(re).FindAllString(s, n)
		if len(m) < n {
			return "-"
		}
		return m[n-1]
	}
	for i := range 2000 {
		b := make([]byte, rng.IntN(6))
		for j := range b {
			b[j] = "aabcA"[rng.IntN(5)]
		}
		s := string(b)
		c.Reset()
		if err := dec.Decode([]byte(`{"s":"`+s+`"}`), row); err != nil {
			t.Fatal(err)
		}
		outs := pipe.Execute(&c, row, 0)
		if c.Err != nil {
			t.Fatal(c.Err)
		}
		if !strings.ContainsAny(s, "ab") {
			if len(outs) != 0 {
				t.Fatalf("record %d %q: %d outputs, want none", i, s, len(outs))
			}
			continue
		}
		instr := strings.Index(s, "b") + 1
		want := `{"x1":"` + sub("a+", s, 1) + `","x2":"` + sub("b+", s, 1) + `","x3":"` + sub("a+", s, 1) + `","x4":` + fmt.Sprint(instr) +
			`,"x5":"` + sub("a+", s, 2) + `","x6":"` + sub("(?i)A+", s, 1) + `","x7":"` + sub("b+", s, 1) + `"}`
		if len(outs) != 1 {
			t.Fatalf("record %d %q: %d outputs", i, s, len(outs))
		}
		if got := string(enc.Append(nil, outs[0])); got != want {
			t.Fatalf("record %d %q:\n got %s\nwant %s", i, s, got, want)
		}
	}
}
