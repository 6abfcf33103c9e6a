package conformance

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
)

// findBinary looks for name on PATH and in /usr/sbin (where Debian puts
// mariadbd, outside a normal user's PATH).
func findBinary(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

// mariadb is a private server: its own data directory and socket, no
// network, stopped by the test's cleanup.
type mariadb struct {
	db   *sql.DB
	conn *sql.Conn // one pinned session: SHOW WARNINGS follows its last statement
	ver  string
}

// startMariaDB starts a private mariadbd for t. Without the binaries it
// skips loudly — unless CI=true, where .ci/run installs them and their
// absence is a failure.
func startMariaDB(t testing.TB) *mariadb {
	t.Helper()
	server, installDB := findBinary("mariadbd"), findBinary("mariadb-install-db")
	if server == "" {
		server = findBinary("mysqld")
	}
	if installDB == "" {
		installDB = findBinary("mysql_install_db")
	}
	if server == "" || installDB == "" {
		msg := "MARIADB CONFORMANCE TEST NOT RUN: mariadbd / mariadb-install-db not found on PATH or in /usr/sbin " +
			"(apt-get install mariadb-server mariadb-client)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true, and .ci/run installs them, so this is a failure")
		}
		t.Skip("\n\n*** " + msg + " ***\n")
	}
	dir, err := os.MkdirTemp("", "velort-mariadb-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	data := filepath.Join(dir, "data")
	sock := filepath.Join(dir, "mariadb.sock")
	args := []string{"--no-defaults", "--auth-root-authentication-method=normal", "--datadir=" + data, "--skip-test-db"}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	if out, err := exec.Command(installDB, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", installDB, err, out)
	}
	srvArgs := []string{"--no-defaults", "--datadir=" + data, "--socket=" + sock, "--skip-networking",
		"--pid-file=" + filepath.Join(dir, "mariadb.pid"), "--skip-log-bin", "--innodb-buffer-pool-size=32M",
		"--skip-name-resolve", "--log-error=" + filepath.Join(dir, "error.log")}
	if os.Geteuid() == 0 {
		srvArgs = append(srvArgs, "--user=root")
	}
	cmd := exec.Command(server, srvArgs...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", server, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM) // a clean shutdown
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	db, err := sql.Open("mysql", "root@unix("+sock+")/?charset=utf8mb4&collation=utf8mb4_bin")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		err = db.Ping()
		if err == nil {
			break
		}
		select {
		case e := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("mariadbd exited: %v\n%s", e, log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("mariadbd not ready: %v\n%s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	m := &mariadb{db: db, conn: conn}
	for _, s := range sessionSettings {
		if _, err := conn.ExecContext(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if err := conn.QueryRowContext(context.Background(), "SELECT VERSION()").Scan(&m.ver); err != nil {
		t.Fatal(err)
	}
	return m
}

// sessionSettings are the same every run: UTC, strict mode (errors where
// MySQL's strict mode raises them; a warning-only result is then a value
// velort may also refuse), a binary NO PAD collation (velort compares
// strings byte-wise; MariaDB's utf8mb4_bin is PAD SPACE, 'a ' = 'a', while
// MySQL 8's utf8mb4_0900_bin is NO PAD, like utf8mb4_nopad_bin) and the
// largest division precision.
var sessionSettings = []string{
	"SET NAMES utf8mb4 COLLATE utf8mb4_nopad_bin",
	"SET time_zone = '+00:00'",
	"SET sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE,NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION,NO_AUTO_CREATE_USER'",
	"SET div_precision_increment = 30",
	"SET collation_connection = utf8mb4_nopad_bin",
	"SET group_concat_max_len = 1048576",
	"SET max_statement_time = 10",
	"CREATE DATABASE conf CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin",
	"USE conf",
}

// result is one MariaDB cell: its text as the server wrote it (nil for
// NULL) and the column's type name.
type cell struct {
	null bool
	text string
	typ  string // DatabaseTypeName: BIGINT, DECIMAL, DOUBLE, VARCHAR, DATETIME, DATE, …
	// decimals is the fraction digits MariaDB formats a DOUBLE with (PI()
	// is sent as 3.141593), or -1 when it writes the shortest repr.
	decimals int
}

// warning is one SHOW WARNINGS line.
type warning struct {
	level, msg string
	code       int
}

func (w warning) String() string { return fmt.Sprintf("%s %d %s", w.level, w.code, w.msg) }

// query runs q (text protocol, so values come back as MariaDB formats
// them) and returns its rows, its warnings, and its error.
func (m *mariadb) query(q string) (rows [][]cell, warns []warning, err error) {
	ctx := context.Background()
	rs, err := m.conn.QueryContext(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	types, err := rs.ColumnTypes()
	if err != nil {
		rs.Close()
		return nil, nil, err
	}
	raw := make([]sql.RawBytes, len(types))
	ptrs := make([]any, len(types))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	for rs.Next() {
		if err := rs.Scan(ptrs...); err != nil {
			rs.Close()
			return nil, nil, err
		}
		row := make([]cell, len(types))
		for i, r := range raw {
			row[i] = cell{null: r == nil, text: string(r), typ: strings.ToUpper(types[i].DatabaseTypeName()), decimals: -1}
			if _, scale, ok := types[i].DecimalSize(); ok && scale < 31 && mariaKind(row[i].typ) == "approx" {
				row[i].decimals = int(scale)
			}
		}
		rows = append(rows, row)
	}
	if err := rs.Err(); err != nil {
		rs.Close()
		return nil, nil, err
	}
	rs.Close()
	ws, err := m.conn.QueryContext(ctx, "SHOW WARNINGS")
	if err != nil {
		return nil, nil, err
	}
	for ws.Next() {
		var w warning
		if err := ws.Scan(&w.level, &w.code, &w.msg); err != nil {
			ws.Close()
			return nil, nil, err
		}
		warns = append(warns, w)
	}
	ws.Close()
	return rows, warns, nil
}
