package planner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/velort/velort/runtime"
)

// casefoldPieces build texts for the LOWER/UPPER comparisons: ASCII of
// both cases, characters whose case maps change their length or map to
// ASCII (the Kelvin sign to 'k', 'İ' to 'i'), and invalid UTF-8.
var casefoldPieces = []string{"a", "A", "b", "B", "k", "K", "i", "I", "-", "1", "ß", "ẞ", "\u212a", "İ", "ı", "é", "É", "ǅ", "\xff", "\xc3", "apple", "Apple", "GOOGLE", "Baidu"}

func casefoldText(rng *rand.Rand) string {
	var b strings.Builder
	for range rng.IntN(5) {
		b.WriteString(casefoldPieces[rng.IntN(len(casefoldPieces))])
	}
	return b.String()
}

// TestCaseMappedEqualsAgainstMapCase: LOWER(s) = k (UPPER) decided
// without building LOWER(s) while s is ASCII is the byte comparison of
// the whole mapping, for random texts and constants (often a text's own
// mapping, or one byte off), and leaves the arena as it was.
func TestCaseMappedEqualsAgainstMapCase(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 7))
	var c runtime.Ctx
	for i := range 200000 {
		upper := rng.IntN(2) == 0
		s := []byte(casefoldText(rng))
		c.Reset()
		var k []byte
		switch rng.IntN(3) {
		case 0:
			k = []byte(casefoldText(rng))
		default:
			k = bytes.Clone(mapCase(&c, s, upper))
			if len(k) > 0 && rng.IntN(2) == 0 {
				k[rng.IntN(len(k))] ^= byte(1 << rng.IntN(8))
			}
		}
		c.Reset()
		want := bytes.Equal(mapCase(&c, s, upper), k)
		c.Reset()
		if got := caseMappedEquals(&c, s, k, upper); got != want || len(c.Arena) != 0 {
			t.Fatalf("%d: upper %v, %q vs %q: %v (arena %d bytes), want %v", i, upper, s, k, got, len(c.Arena), want)
		}
	}
}

// TestCaseMappedComparisonsInSQL: LOWER(s) = 'k', 'k' = UPPER(s) and
// LOWER(s) IN (...) (compiled to caseMappedEquals) give what the same
// comparisons of CONCAT(LOWER(s)) (compiled as any string comparison)
// give, NULL for a NULL s, over random records.
func TestCaseMappedComparisonsInSQL(t *testing.T) {
	consts := []string{"apple", "google", "k", "i", "ß", "ss", "straße", "", "APPLE", "é", "\ufffd"}
	var sel []string
	lit := func(k string) string { return "'" + k + "'" }
	for i, k := range consts {
		sel = append(sel,
			fmt.Sprintf("LOWER(s) = %s AS f%d, CONCAT(LOWER(s)) = %s AS g%d", lit(k), i, lit(k), i),
			fmt.Sprintf("%s = UPPER(s) AS uf%d, %s = CONCAT(UPPER(s)) AS ug%d", lit(k), i, lit(k), i),
			fmt.Sprintf("LOWER(s) <> %s AS nf%d, CONCAT(LOWER(s)) <> %s AS ng%d", lit(k), i, lit(k), i))
	}
	in := "'apple', 'google', 'facebook', 'baidu', 'k', 'ß'"
	sel = append(sel, "LOWER(s) IN ("+in+") AS fin, CONCAT(LOWER(s)) IN ("+in+") AS gin",
		"UPPER(s) NOT IN ('APPLE', 'K', 'SS') AS fnin, CONCAT(UPPER(s)) NOT IN ('APPLE', 'K', 'SS') AS gnin")
	q, pipe := checkPipeline(t, fbStream+"CREATE STREAM o WITH (subject = 'o') AS SELECT "+strings.Join(sel, ", ")+" FROM t;")
	dec := runtime.NewDecoder(q.Source.Columns, q.Read)
	row := make(runtime.Row, len(q.Source.Columns))
	var names []string
	for _, c := range q.Columns {
		names = append(names, c.Name)
	}
	enc := runtime.NewEncoder(names)
	var c runtime.Ctx
	rng := rand.New(rand.NewPCG(3, 5))
	seen := map[string]bool{}
	for i := range 3000 {
		s := casefoldText(rng)
		if rng.IntN(4) == 0 {
			s = consts[rng.IntN(len(consts))]
			if rng.IntN(2) == 0 {
				s = strings.ToUpper(s)
			}
		}
		rec, _ := json.Marshal(map[string]any{"s": s})
		if i%50 == 0 {
			rec = []byte(`{"s":null}`)
		}
		c.Reset()
		if err := dec.Decode(rec, row); err != nil {
			t.Fatal(err)
		}
		outs := pipe.Execute(&c, row, 0)
		if c.Err != nil || len(outs) != 1 {
			t.Fatalf("%s: %v, %d outputs", rec, c.Err, len(outs))
		}
		var got map[string]any
		if err := json.Unmarshal(enc.Append(nil, outs[0]), &got); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if n[0] == 'f' || n[0] == 'u' && n[1] == 'f' || n[0] == 'n' && n[1] == 'f' {
				ref := strings.Replace(n, "f", "g", 1)
				if got[n] != got[ref] {
					t.Fatalf("%s: %s = %v, %s = %v", rec, n, got[n], ref, got[ref])
				}
				seen[fmt.Sprint(n, got[n])] = true
			}
		}
	}
	for _, n := range []string{"f0", "f2", "f4", "uf8", "nf1", "fin", "fnin"} {
		if !seen[n+"true"] || !seen[n+"false"] || !seen[n+"<nil>"] {
			t.Fatalf("%s was not true, false and NULL: the test proves little", n)
		}
	}
}
