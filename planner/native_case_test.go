package planner

import (
	"fmt"
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

// TestReplaceNative: REPLACE natively, as MySQL with a binary collation
// (values from MariaDB 10.11 with utf8mb4_bin); random texts against
// strings.ReplaceAll.
func TestReplaceNative(t *testing.T) {
	runFbCases(t, []fbCase{
		{"REPLACE('www.mysql.com', 'w', 'Ww')", fbRec, `"WwWwWw.mysql.com"`},
		{"REPLACE('aaa', 'aa', 'b')", fbRec, `"ba"`},
		{"REPLACE('abc', '', 'x')", fbRec, `"abc"`},
		{"REPLACE('abcABC', 'b', '')", fbRec, `"acABC"`},
		{"REPLACE(s, 'ö', 'o')", fbRec, `"Hello world"`},
		{"REPLACE(NULL, 'a', 'b')", fbRec, `null`},
		{"REPLACE('a', NULL, 'b')", fbRec, `null`},
		{"REPLACE('a', 'a', NULL)", fbRec, `null`},
		{"REPLACE('a', 'x', NULL)", fbRec, `null`},
		{"REPLACE(1231, 1, 9)", fbRec, `"9239"`},
		{"CHAR_LENGTH(s) - CHAR_LENGTH(REPLACE(s, 'l', ''))", fbRec, `3`},
	})
	if got := fbEval(t, "REPLACE(REPEAT('a', 1000), 'a', REPEAT('b', 100))", fbRec, Options{MaxValueBytes: 50000}); !strings.HasPrefix(got, "ERR: Result of replace() was larger") {
		t.Errorf("REPLACE past max_value_bytes = %s, want an error", got)
	}
	pl, err := Parse("e.sql", fbStream+"CREATE STREAM o WITH (subject = 'o') AS SELECT REPLACE(s, SUBSTRING(s, 1, 2), SUBSTRING(s, 3, 3)) AS x FROM t;", Options{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 14))
	for range 3000 {
		b := make([]byte, rng.IntN(9))
		for i := range b {
			b[i] = "aabx"[rng.IntN(4)]
		}
		s := string(b)
		from, to := s[:min(2, len(s))], s[min(2, len(s)):min(5, len(s))]
		want := s // an empty from changes nothing
		if from != "" {
			want = strings.ReplaceAll(s, from, to)
		}
		want = `"` + want + `"`
		if got := fbExec(t, pl, fbRow(`{"s":"`+s+`"}`)); got != want {
			t.Fatalf("REPLACE(%q, …) = %s, want %s", s, got, want)
		}
	}
}

// TestSubstringIndexConstantArgs: SUBSTRING_INDEX with a constant
// delimiter and count (computed once) gives what the same call with the
// count read from the record gives, over random texts and counts -4..4;
// NULL text is NULL.
func TestSubstringIndexConstantArgs(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 4))
	for n := -4; n <= 4; n++ {
		pl, err := Parse("e.sql", fbStream+fmt.Sprintf("CREATE STREAM o WITH (subject = 'o') AS SELECT CONCAT_WS('|', COALESCE(SUBSTRING_INDEX(s, '/', %d), 'null'), COALESCE(SUBSTRING_INDEX(s, '/', i), 'null'), COALESCE(SUBSTRING_INDEX(s, 'ab', %d), 'null'), COALESCE(SUBSTRING_INDEX(s, 'ab', i), 'null')) AS x FROM t;", n, n), Options{})
		if err != nil {
			t.Fatal(err)
		}
		for range 500 {
			b := make([]byte, rng.IntN(9))
			for j := range b {
				b[j] = "a/bx"[rng.IntN(4)]
			}
			rec := fmt.Sprintf(`{"s":"%s","i":%d}`, b, n)
			if rng.IntN(20) == 0 {
				rec = fmt.Sprintf(`{"s":null,"i":%d}`, n)
			}
			got := fbExec(t, pl, fbRow(rec))
			parts := strings.Split(strings.Trim(got, `"`), "|")
			if len(parts) != 4 || parts[0] != parts[1] || parts[2] != parts[3] {
				t.Fatalf("n=%d %s: %s (constant and per-record counts differ)", n, rec, got)
			}
		}
	}
}
