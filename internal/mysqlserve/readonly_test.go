package mysqlserve

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
)

func TestWritesAreRefused(t *testing.T) {
	vol := volumeTable()
	s := startServer(t, Options{}, func() []Table { return []Table{vol} })
	db := open(t, s, "root", "")
	out := filepath.Join(t.TempDir(), "out.txt")
	for _, q := range []string{
		"INSERT INTO volume (symbol, volume) VALUES ('IBM', 1)",
		"INSERT INTO volume (symbol) VALUES ('IBM') ON DUPLICATE KEY UPDATE volume = 2",
		"REPLACE INTO volume (symbol) VALUES ('IBM')",
		"UPDATE volume SET volume = 0",
		"DELETE FROM volume WHERE symbol = 'AAPL'",
		"TRUNCATE TABLE volume",
		"CREATE TABLE t2 (a INT)",
		"CREATE TABLE t3 AS SELECT * FROM volume",
		"CREATE TEMPORARY TABLE t4 (a INT)",
		"DROP TABLE volume",
		"ALTER TABLE volume ADD COLUMN x INT",
		"RENAME TABLE volume TO v2",
		"CREATE INDEX i ON volume (volume)",
		"CREATE VIEW v AS SELECT 1",
		"CREATE DATABASE other",
		"DROP DATABASE velort",
		"CREATE USER bob IDENTIFIED BY 'x'",
		"GRANT SELECT ON *.* TO root",
		"CREATE PROCEDURE p() SELECT 1",
		"CREATE TRIGGER tr BEFORE INSERT ON volume FOR EACH ROW SET @x = 1",
		"CREATE EVENT e ON SCHEDULE EVERY 1 HOUR DO SELECT 1",
		"LOAD DATA INFILE '/etc/hostname' INTO TABLE volume",
		"SET GLOBAL max_connections = 5",
		"SET @@persist.sql_mode = ''",
		"SELECT * FROM volume INTO OUTFILE '" + out + "'",
		"SELECT symbol FROM volume WHERE symbol = LOAD_FILE('/etc/hostname')",
	} {
		_, err := db.Exec(q)
		var me *mysql.MySQLError
		if !errors.As(err, &me) {
			t.Errorf("%s: err = %v, want a MySQL error", q, err)
			continue
		}
		if me.Number != 1290 || !strings.HasPrefix(me.Message, ReadOnlyMessage) {
			t.Errorf("%s: error %d %q, want 1290 %q", q, me.Number, me.Message, ReadOnlyMessage)
		}
	}
	expectRows(t, db, "SELECT COUNT(*), SUM(volume) FROM volume", [][]string{{"4", "1005"}})
	expectRows(t, db, "SHOW TABLES", [][]string{{"volume"}})
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("INTO OUTFILE wrote %s (stat: %v)", out, err)
	}
	// Statements that read, or change only the session, still work.
	for _, q := range []string{
		"SHOW TRIGGERS", "SHOW EVENTS", "SHOW PROCEDURE STATUS", "SHOW FULL TABLES", "SHOW CREATE TABLE volume",
		"SELECT * FROM information_schema.routines", "SELECT * FROM information_schema.triggers", "SELECT * FROM information_schema.views",
		"SET SESSION sql_mode = 'ANSI'", "SET @x = 1", "USE velort", "LOCK TABLES volume READ", "UNLOCK TABLES",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
}

func TestWritesAreRefusedInPreparedAndMultiStatements(t *testing.T) {
	vol := volumeTable()
	s := startServer(t, Options{}, func() []Table { return []Table{vol} })
	db := open(t, s, "root", "")
	_, err := db.Exec("INSERT INTO volume (symbol, volume) VALUES (?, ?)", "IBM", 1)
	if err == nil || !strings.Contains(err.Error(), ReadOnlyMessage) {
		t.Errorf("prepared INSERT: err = %v, want %q", err, ReadOnlyMessage)
	}
	multi := openDSN(t, "root:@tcp("+s.Addr()+")/velort?multiStatements=true")
	_, err = multi.Exec("SELECT 1; DELETE FROM volume")
	if err == nil || !strings.Contains(err.Error(), ReadOnlyMessage) {
		t.Errorf("multi-statement DELETE: err = %v, want %q", err, ReadOnlyMessage)
	}
	_, err = multi.Exec("SELECT 1; SET GLOBAL max_connections = 1")
	if err == nil || !strings.Contains(err.Error(), ReadOnlyMessage) {
		t.Errorf("multi-statement SET GLOBAL: err = %v, want %q", err, ReadOnlyMessage)
	}
	expectRows(t, db, "SELECT COUNT(*) FROM volume", [][]string{{"4"}})
}
