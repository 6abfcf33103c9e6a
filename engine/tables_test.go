package engine

import "testing"

// TestKVKeyEncoding: appendKVKey gives valid NATS KV keys, one-to-one,
// and kvKeyText reverses it.
func TestKVKeyEncoding(t *testing.T) {
	cases := map[string]string{
		"":           "=",
		"AAPL":       "AAPL",
		"a-b_c/d":    "a-b_c/d",
		"BRK.A":      "BRK.A",
		".x.":        "=2Ex=2E",
		"a..b":       "a.=2Eb",
		"a b":        "a=20b",
		"x|y":        "x=7Cy",
		`x\|y`:       "x=5C=7Cy",
		"=":          "=3D",
		"é*>":        "=C3=A9=2A=3E",
		`\N`:         "=5CN",
		"1.5|2024|7": "1.5=7C2024=7C7",
	}
	for text, key := range cases {
		if got := string(appendKVKey(nil, []byte(text))); got != key {
			t.Errorf("appendKVKey(%q) = %q, want %q", text, got, key)
		}
		if got := kvKeyText(key); got != text {
			t.Errorf("kvKeyText(%q) = %q, want %q", key, got, text)
		}
	}
	if got := tableKey("x=5C=7Cy"); got != "x|y" {
		t.Errorf("tableKey: %q", got)
	}
	if got := kvKeyText("a=b"); got != "a=b" { // written by another program
		t.Errorf("kvKeyText(a=b) = %q", got)
	}
}
