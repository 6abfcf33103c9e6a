package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
)

// TestMaterializedTableOverMySQL: a CREATE TABLE ... AS SELECT holds the
// batch aggregate of its input, served over the MySQL protocol with the
// catalog tables; the real mariadb client reads it and a write is refused.
func TestMaterializedTableOverMySQL(t *testing.T) {
	dir := t.TempDir()
	var lines []string
	want := map[string][2]int64{}
	for i := 0; i < 3000; i++ {
		sym := fmt.Sprintf("S%02d", i%17)
		qty := int64(i%50 + 1)
		lines = append(lines, fmt.Sprintf(`{"symbol":"%s","qty":%d}`, sym, qty))
		w := want[sym]
		want[sym] = [2]int64{w[0] + 1, w[1] + qty}
	}
	in := filepath.Join(dir, "trades.jsonl")
	os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	q := filepath.Join(dir, "q.sql")
	os.WriteFile(q, []byte(`
CREATE STREAM trades (symbol VARCHAR, qty BIGINT) WITH (subject = 'my.trades.{partition}', partitions = 3, key = 'symbol');
CREATE TABLE volume AS SELECT symbol, COUNT(*) AS trades, SUM(qty) AS volume FROM trades GROUP BY symbol;`), 0o644)
	addr := "127.0.0.1:" + freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runFile(ctx, q, runFlags{replay: []string{"trades=" + in}, mysql: addr, mysqlUser: "root", instance: "host-42"}, io.Discard)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	db, err := sql.Open("mysql", "root@tcp("+addr+")/velort")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got map[string][2]int64
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		got = map[string][2]int64{}
		rows, err := db.Query("SELECT symbol, trades, volume FROM volume")
		if err == nil {
			for rows.Next() {
				var s string
				var n, v int64
				rows.Scan(&s, &n, &v)
				got[s] = [2]int64{n, v}
			}
			rows.Close()
			if fmt.Sprint(got) == fmt.Sprint(want) {
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("volume over MySQL:\n%v\nwant the batch aggregate\n%v", got, want)
	}
	var tables []string
	rows, err := db.Query("SHOW TABLES")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	sort.Strings(tables)
	if got := strings.Join(tables, ","); got != "velort_partitions,velort_queries,velort_streams,volume" {
		t.Errorf("SHOW TABLES: %s", got)
	}
	var in3 int64
	if err := db.QueryRow("SELECT SUM(records_in) FROM velort_partitions").Scan(&in3); err != nil || in3 != 3000 {
		t.Errorf("records_in over the catalog: %d, %v", in3, err)
	}
	var owner string
	if err := db.QueryRow("SELECT GROUP_CONCAT(DISTINCT instance) FROM velort_partitions").Scan(&owner); err != nil || owner != "host-42" {
		t.Errorf("partition owners over the catalog: %q, %v", owner, err)
	}

	// The real command-line client.
	client, err := exec.LookPath("mariadb")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("mariadb client not installed (.ci/run installs mariadb-client)")
		}
		t.Skip("mariadb client not installed")
	}
	host, port, _ := strings.Cut(addr, ":")
	mariadb := func(query string) (string, error) {
		out, err := exec.Command(client, "-h", host, "-P", port, "-uroot", "--batch", "--skip-column-names", "velort", "-e", query).CombinedOutput()
		return string(out), err
	}
	out, err := mariadb("SELECT symbol, volume FROM volume WHERE trades > 176 ORDER BY volume DESC LIMIT 2")
	if err != nil {
		t.Fatalf("mariadb: %v: %s", err, out)
	}
	type sv struct {
		s string
		v int64
	}
	var top []sv
	for s, w := range want {
		if w[0] > 176 {
			top = append(top, sv{s, w[1]})
		}
	}
	sort.Slice(top, func(i, j int) bool { return top[i].v > top[j].v || top[i].v == top[j].v && top[i].s < top[j].s })
	expect := ""
	for _, x := range top[:min(2, len(top))] {
		expect += fmt.Sprintf("%s\t%d\n", x.s, x.v)
	}
	if out != expect {
		t.Errorf("mariadb SELECT:\n%s\nwant\n%s", out, expect)
	}
	if out, err := mariadb("INSERT INTO volume VALUES ('X', 1, 1)"); err == nil || !strings.Contains(out, "read-only") {
		t.Errorf("INSERT was not refused: %v: %s", err, out)
	}
}
