package mysqlserve

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer/analyzererrors"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/vt/sqlparser"
)

// ReadOnlyMessage starts the error returned for every refused statement.
const ReadOnlyMessage = "velort serves its state read-only"

// readOnlyError is the MySQL error for a refused statement: ER_OPTION_PREVENTS_STATEMENT
// (1290), which MySQL itself returns when running with --read-only.
func readOnlyError(what string) error {
	return mysql.NewSQLError(mysql.EROptionPreventsStatement, mysql.SSUnknownSQLState, "%s: %s", ReadOnlyMessage, what)
}

// check refuses the first statement of q if it would change the process
// or touch the server's files although go-mysql-server deems it
// read-only: SET GLOBAL/PERSIST (system variables are process-wide),
// SELECT … INTO OUTFILE/DUMPFILE and LOAD_FILE(). A statement that does
// not parse is left to go-mysql-server to report.
func (g *guard) check(c *mysql.Conn, q string) error {
	opts, err := g.Handler.ParserOptionsForConnection(c)
	if err != nil {
		return nil
	}
	stmt, _, err := sqlparser.ParseOneWithOptions(context.Background(), q, opts)
	if err != nil || stmt == nil {
		return nil
	}
	var refused error
	_ = sqlparser.Walk(func(n sqlparser.SQLNode) (bool, error) {
		switch n := n.(type) {
		case *sqlparser.Into:
			if n != nil && (n.Outfile != "" || n.Dumpfile != "") {
				refused = readOnlyError("SELECT … INTO OUTFILE/DUMPFILE is refused")
			}
		case *sqlparser.SetVarExpr:
			switch n.Scope {
			case sqlparser.SetScope_Global, sqlparser.SetScope_Persist, sqlparser.SetScope_PersistOnly:
				refused = readOnlyError("SET " + strings.ToUpper(string(n.Scope)) + " is refused")
			}
		case *sqlparser.FuncExpr:
			if n != nil && n.Name.Lowered() == "load_file" {
				refused = readOnlyError("LOAD_FILE is refused")
			}
		}
		return refused == nil, nil
	}, stmt)
	return refused
}

// readOnlyErrors match go-mysql-server's errors for a statement refused by
// the engine's read-only mode or because the velort database or a table
// implements no write interface. Only errors that no reading statement
// can raise belong here (not, say, "doesn't support stored procedures",
// which SHOW CREATE PROCEDURE raises too).
var readOnlyErrors = kindPatterns(
	sql.ErrReadOnly.Message,
	analyzererrors.ErrReadOnlyDatabase.Message,
	sql.ErrCreateTableNotSupported.Message,
	sql.ErrDropTableNotSupported.Message,
	sql.ErrRenameTableNotSupported.Message,
	sql.ErrAlterTableNotSupported.Message,
	sql.ErrTemporaryTableNotSupported.Message,
	plan.ErrInsertIntoNotSupported.Message,
	plan.ErrReplaceIntoNotSupported.Message,
	plan.ErrOnDuplicateKeyUpdateNotSupported.Message,
	plan.ErrUpdateNotSupported.Message,
	plan.ErrUpdateForTableNotSupported.Message,
	plan.ErrDeleteFromNotSupported.Message,
	plan.ErrTruncateNotSupported.Message,
)

// kindPatterns turns go-errors Kind formats into anchored patterns.
func kindPatterns(formats ...string) []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(formats))
	for i, f := range formats {
		out[i] = regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(f), "%s", ".*") + "$")
	}
	return out
}

func isReadOnlyError(err error) bool {
	msg := err.Error()
	var se *mysql.SQLError
	if errors.As(err, &se) {
		if se.Num == mysql.EROptionPreventsStatement {
			return false // already ours
		}
		msg = se.Message
	}
	for _, re := range readOnlyErrors {
		if re.MatchString(msg) {
			return true
		}
	}
	return false
}
