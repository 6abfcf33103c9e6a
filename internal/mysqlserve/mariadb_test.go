package mysqlserve

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mariadbClient finds the mariadb command-line client. CI installs it
// (.ci/run), so there a missing client fails the test instead of skipping.
func mariadbClient(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("mariadb")
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatal("mariadb client not on PATH; .ci/run installs Debian's mariadb-client")
	}
	t.Skip("mariadb client not on PATH (apt-get install mariadb-client); skipping")
	return ""
}

// runMariadb runs the client against s with args and returns stdout,
// stderr and the exit error.
func runMariadb(t *testing.T, client string, s *Server, args ...string) (string, string, error) {
	t.Helper()
	host, port, err := net.SplitHostPort(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	full := append([]string{"--no-defaults", "--skip-ssl", "-h" + host, "-P", port}, args...)
	cmd := exec.CommandContext(ctx, client, full...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	return stdout.String(), stderr.String(), err
}

func TestMariadbClient(t *testing.T) {
	client := mariadbClient(t)
	vol, sym := volumeTable(), symbolsTable()
	s := startServer(t, Options{}, func() []Table { return []Table{vol, sym} })

	out, errOut, err := runMariadb(t, client, s, "-uroot", "velort", "-e", "SHOW TABLES")
	if err != nil {
		t.Fatalf("SHOW TABLES: %v\n%s", err, errOut)
	}
	if want := "Tables_in_velort\nsymbols\nvolume\n"; out != want {
		t.Errorf("SHOW TABLES printed %q, want %q", out, want)
	}

	out, errOut, err = runMariadb(t, client, s, "-uroot", "velort", "-e",
		"SELECT symbol, volume, avg_price, last_ts FROM volume WHERE volume > 100 ORDER BY volume DESC LIMIT 2")
	if err != nil {
		t.Fatalf("SELECT: %v\n%s", err, errOut)
	}
	want := "symbol\tvolume\tavg_price\tlast_ts\n" +
		"TSLA\t510\t250.10\t2024-01-15 10:00:00.004\n" +
		"AAPL\t300\t185.25\t2024-01-15 10:00:00.001\n"
	if out != want {
		t.Errorf("SELECT printed %q, want %q", out, want)
	}

	out, errOut, err = runMariadb(t, client, s, "-uroot", "velort", "-e", "INSERT INTO volume (symbol, volume) VALUES ('IBM', 1)")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Errorf("INSERT: err = %v, want a non-zero exit", err)
	}
	if !strings.Contains(errOut, "ERROR 1290") || !strings.Contains(errOut, ReadOnlyMessage) {
		t.Errorf("INSERT printed %q on stderr, want ERROR 1290 and %q", errOut, ReadOnlyMessage)
	}
	if out != "" {
		t.Errorf("INSERT printed %q on stdout", out)
	}

	out, _, err = runMariadb(t, client, s, "-uroot", "-N", "-e", "SELECT COUNT(*) FROM velort.volume")
	if err != nil || out != "4\n" {
		t.Errorf("after the refused INSERT: %q, %v; want 4 rows", out, err)
	}
}

func TestMariadbClientPassword(t *testing.T) {
	client := mariadbClient(t)
	s := startServer(t, Options{Password: "s3cret"}, func() []Table { return []Table{symbolsTable()} })
	out, errOut, err := runMariadb(t, client, s, "-uroot", "-ps3cret", "-N", "-e", "SELECT COUNT(*) FROM symbols")
	if err != nil || out != "3\n" {
		t.Errorf("right password: %q %v %s", out, err, errOut)
	}
	_, errOut, err = runMariadb(t, client, s, "-uroot", "-pwrong", "-e", "SELECT 1")
	if err == nil || !strings.Contains(errOut, "Access denied") {
		t.Errorf("wrong password: err = %v, stderr %q; want access denied", err, errOut)
	}
}

func TestMariadbDump(t *testing.T) {
	client := mariadbClient(t)
	dump := filepath.Join(filepath.Dir(client), "mariadb-dump")
	if _, err := os.Stat(dump); err != nil {
		t.Skipf("no mariadb-dump beside %s", client)
	}
	s := startServer(t, Options{}, func() []Table { return []Table{volumeTable()} })
	host, port, _ := net.SplitHostPort(s.Addr())
	out, err := exec.Command(dump, "--no-defaults", "--skip-ssl", "-h"+host, "-P", port, "-uroot",
		"--routines", "--events", "--triggers", "velort").CombinedOutput()
	if err != nil {
		t.Fatalf("mariadb-dump: %v\n%s", err, out)
	}
	for _, want := range []string{"CREATE TABLE `volume`", "`avg_price` decimal(12,2)", "('TSLA',510,250.10,'2024-01-15 10:00:00.004',1,NULL,2)", "-- Dump completed"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("dump lacks %q:\n%s", want, out)
		}
	}
}
