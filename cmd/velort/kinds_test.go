package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kindsSQL chains a GROUP BY (a changelog keyed by symbol) into a global
// SUM over it (a changelog with the empty key).
const kindsSQL = `CREATE STREAM trades (symbol VARCHAR, qty BIGINT) WITH (subject = 'trades');
CREATE STREAM counts AS SELECT symbol, COUNT(*) AS c FROM trades GROUP BY symbol;
CREATE STREAM total AS SELECT SUM(c) AS total FROM counts;
CREATE STREAM big AS SELECT symbol, qty FROM trades WHERE qty > 10;
`

// TestCheckAndExplainPrintKinds: check and explain print each query's
// input and output kind and key; a time window over a changelog fails
// check at its position.
func TestCheckAndExplainPrintKinds(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "kinds.sql")
	if err := os.WriteFile(file, []byte(kindsSQL), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := velort(t, nil, "check", file)
	if code != 0 {
		t.Fatalf("check: exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"query counts: trades → counts\n  input kind: append-only\n  output kind: changelog (key: symbol)\n",
		"query total: counts → total\n  input kind: changelog (key: symbol)\n  output kind: changelog (key: the empty key — one row)\n",
		"query big: trades → big\n  input kind: append-only\n  output kind: append-only\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	out, errOut, code = velort(t, nil, "explain", file)
	if code != 0 {
		t.Fatalf("explain: exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"query total: counts → total, 1 partition loop(s)\n",
		"  input kind: changelog (key: symbol)\n  output kind: changelog (key: the empty key — one row)\n",
		"stream counts (derived)",
		"  kind: changelog (key: symbol)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain output lacks %q:\n%s", want, out)
		}
	}
	bad := filepath.Join(dir, "bad.sql")
	os.WriteFile(bad, []byte(kindsSQL+"CREATE STREAM w AS SELECT symbol, COUNT(*) AS n FROM counts\n  GROUP BY symbol WINDOW TUMBLING(1m);\n"), 0o644)
	_, errOut, code = velort(t, nil, "check", bad)
	if want := bad + ":6:26: TUMBLING over a changelog: stream counts is a changelog (key: symbol)"; code == 0 || !strings.Contains(errOut, want) {
		t.Errorf("check of a window over a changelog: exit %d, stderr %q, want %q", code, errOut, want)
	}
}
