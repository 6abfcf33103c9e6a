package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary act as the velort command, so process
// tests run the real CLI (flags, exit codes) without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("VELORT_AS_CLI") == "1" {
		os.Args = append([]string{"velort"}, strings.Fields(os.Getenv("VELORT_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// velort runs the CLI in a child process and returns stdout, stderr, exit code.
func velort(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, "VELORT_AS_CLI=1", "VELORT_ARGS="+strings.Join(args, " "))...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func sortedLines(s string) []string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	sort.Strings(lines)
	return lines
}

const quickSQL = "../../testdata/quickstart/quickstart.sql"
const quickIn = "../../testdata/quickstart/trades.jsonl"

var quickWant = []string{
	`{"symbol":"AAPL","price":190.5,"qty":1000,"notional":190500,"prefix":"AA"}`,
	`{"symbol":"MSFT","price":411.5,"qty":300,"notional":123450,"prefix":"MS"}`,
	`{"symbol":"NVDA","price":550.25,"qty":400,"notional":220100,"prefix":"NV"}`,
	`{"symbol":"TSLA","price":240,"qty":500,"notional":120000,"prefix":"TS"}`,
}

// TestQuickstartCommand runs the README's quickstart as a user would.
func TestQuickstartCommand(t *testing.T) {
	out, errOut, code := velort(t, []string{"NATS_URL="}, "run", quickSQL, "--replay", "trades="+quickIn, "--capture", "big_trades=-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if got := sortedLines(out); strings.Join(got, "\n") != strings.Join(quickWant, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(quickWant, "\n"))
	}
	if !strings.Contains(errOut, "embedded NATS server started") || !strings.Contains(errOut, "nats://127.0.0.1:") {
		t.Errorf("the embedded server's URL is not logged: %s", errOut)
	}
}

// TestRunAgainstSeparateServer runs the quickstart over TCP against a
// nats-server process built from the nats-server module.
func TestRunAgainstSeparateServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds nats-server")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "nats-server")
	build := exec.Command("go", "build", "-o", bin, "github.com/nats-io/nats-server/v2")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building nats-server: %v\n%s", err, out)
	}
	port := freePort(t)
	srv := exec.Command(bin, "-a", "127.0.0.1", "-p", port, "-js", "-sd", filepath.Join(dir, "js"))
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Process.Kill(); _, _ = srv.Process.Wait() }()
	url := "nats://127.0.0.1:" + port
	waitTCP(t, "127.0.0.1:"+port)
	out, errOut, code := velort(t, nil, "run", "--nats", url, quickSQL, "--replay", "trades="+quickIn, "--capture", "big_trades=-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if got := sortedLines(out); strings.Join(got, "\n") != strings.Join(quickWant, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(quickWant, "\n"))
	}
	if strings.Contains(errOut, "embedded NATS server started") {
		t.Errorf("an embedded server was started despite --nats")
	}
	// NATS_URL is honoured too.
	out, errOut, code = velort(t, []string{"NATS_URL=" + url}, "run", quickSQL, "--replay", "trades="+quickIn, "--capture", "big_trades=-")
	if code != 0 || len(sortedLines(out)) != len(quickWant) || strings.Contains(errOut, "embedded NATS server started") {
		t.Errorf("with NATS_URL: exit %d, %d lines, stderr %s", code, len(sortedLines(out)), errOut)
	}
}

// TestCheckCommand: ok files exit 0; bad SQL exits non-zero with file:line:col.
func TestCheckCommand(t *testing.T) {
	out, errOut, code := velort(t, nil, "check", quickSQL)
	if code != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("check of the quickstart: exit %d, %s %s", code, out, errOut)
	}
	bad := filepath.Join(t.TempDir(), "bad.sql")
	os.WriteFile(bad, []byte("CREATE STREAM t (a BIGINT) WITH (subject = 't');\nCREATE STREAM o AS\n  SELECT b FROM t;\n"), 0o644)
	_, errOut, code = velort(t, nil, "check", bad)
	if code == 0 {
		t.Fatal("check of a bad file exited 0")
	}
	if want := bad + ":3:10: unknown column b"; !strings.Contains(errOut, want) {
		t.Errorf("stderr %q lacks %q", errOut, want)
	}
}

// TestUnreachableServer: a clear message and a non-zero exit.
func TestUnreachableServer(t *testing.T) {
	_, errOut, code := velort(t, nil, "run", "--nats", "nats://127.0.0.1:1", quickSQL, "--replay", "trades="+quickIn)
	if code == 0 || !strings.Contains(errOut, "cannot connect to NATS at nats://127.0.0.1:1") {
		t.Errorf("exit %d, stderr %s", code, errOut)
	}
}

func TestHelpEverywhere(t *testing.T) {
	for _, c := range []string{"run", "check", "explain", "version", "status", "bench", "udf"} {
		out, _, code := velort(t, nil, c, "--help")
		if code != 0 || !strings.Contains(out, "Usage:") {
			t.Errorf("%s --help: exit %d, %q", c, code, out)
		}
	}
}

// TestUDFInspect lists a module's functions, and fails clearly on a bad one.
func TestUDFInspect(t *testing.T) {
	out, errOut, code := velort(t, nil, "udf", "inspect", "../../testdata/plugins/c_numeric.wasm")
	if code != 0 || !strings.Contains(out, "fee(DOUBLE, BIGINT) -> DOUBLE") || !strings.Contains(out, "coalesce0(DOUBLE) -> DOUBLE  [handles NULL]") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	for _, bad := range []string{"badimport.wasm", "badsig.wasm"} {
		_, errOut, code := velort(t, nil, "udf", "inspect", "../../testdata/plugins/bad/"+bad)
		if code == 0 || errOut == "" {
			t.Errorf("%s: exit %d, stderr %q", bad, code, errOut)
		}
	}
}
