package runtime

import "testing"

// TestAppendChangeKeyDistinguishes: the key texts of distinct compound
// keys differ (they did when parts were joined unescaped), and plain keys
// read as the text partitioning hashes.
func TestAppendChangeKeyDistinguishes(t *testing.T) {
	text := func(parts ...Value) string {
		var b []byte
		for i, p := range parts {
			if i > 0 {
				b = append(b, '|')
			}
			b = AppendChangeKey(b, p)
		}
		return string(b)
	}
	s := func(x string) Value { return String([]byte(x)) }
	distinct := [][]Value{
		{s("x|y"), s("z")}, {s("x"), s("y|z")}, {s(`x\`), s("y")}, {s("x"), s(`\y`)},
		{Null}, {s("")}, {s(`\N`)}, {s("N")},
		{Null, s("")}, {s(""), Null}, {s(""), s("")},
	}
	seen := map[string]int{}
	for i, k := range distinct {
		got := text(k...)
		if j, dup := seen[got]; dup {
			t.Errorf("keys %d and %d both read %q", j, i, got)
		}
		seen[got] = i
	}
	if got := text(s("AAPL"), Int(42), Timestamp(1700000000000)); got != "AAPL|42|1700000000000" {
		t.Errorf("plain key text %q, want the partitioning text AAPL|42|1700000000000", got)
	}
}

// TestChangeKeyHashText: a Velort-Key read back hashes as its parts do.
func TestChangeKeyHashText(t *testing.T) {
	for _, parts := range [][]Value{
		{String([]byte("x|")), String([]byte(`\`))},
		{Null, String([]byte("|y"))},
		{String([]byte("AAPL")), Int(7)},
	} {
		var key, hash []byte
		for i, p := range parts {
			if i > 0 {
				key, hash = append(key, '|'), append(hash, '|')
			}
			key, hash = AppendChangeKey(key, p), AppendKeyText(hash, p)
		}
		if got := ChangeKeyHashText(nil, key); string(got) != string(hash) {
			t.Errorf("ChangeKeyHashText(%q) = %q, want %q", key, got, hash)
		}
	}
}
