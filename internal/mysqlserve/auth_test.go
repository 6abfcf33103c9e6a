package mysqlserve

import (
	"errors"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// pingError connects as user/password and returns the error, if any.
func pingError(t *testing.T, s *Server, user, password string) error {
	t.Helper()
	return open(t, s, user, password).Ping()
}

func wantAccessDenied(t *testing.T, err error, who string) {
	t.Helper()
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != 1045 {
		t.Errorf("%s: err = %v, want access denied (1045)", who, err)
	}
}

// wantUnknownUser: go-mysql-server refuses a user it does not know during
// the handshake, with "No authentication methods available" (2012).
func wantUnknownUser(t *testing.T, err error, who string) {
	t.Helper()
	var me *mysql.MySQLError
	if !errors.As(err, &me) || (me.Number != 1045 && me.Number != 2012) {
		t.Errorf("%s: err = %v, want a refused handshake (1045 or 2012)", who, err)
	}
}

func TestDefaultUserIsRootWithoutPassword(t *testing.T) {
	s := startServer(t, Options{}, nil)
	if err := pingError(t, s, "root", ""); err != nil {
		t.Fatalf("root without password: %v", err)
	}
	wantAccessDenied(t, pingError(t, s, "root", "secret"), "root with a password")
	wantUnknownUser(t, pingError(t, s, "bob", ""), "another user")
}

func TestPasswordIsRequiredWhenSet(t *testing.T) {
	s := startServer(t, Options{User: "reader", Password: "s3cret"}, nil)
	if err := pingError(t, s, "reader", "s3cret"); err != nil {
		t.Fatalf("right password: %v", err)
	}
	wantAccessDenied(t, pingError(t, s, "reader", "wrong"), "wrong password")
	wantAccessDenied(t, pingError(t, s, "reader", ""), "no password")
	wantUnknownUser(t, pingError(t, s, "root", ""), "root")
	wantUnknownUser(t, pingError(t, s, "root", "s3cret"), "root with the password")
}

func TestListensOnLoopbackByDefault(t *testing.T) {
	if DefaultAddr != "127.0.0.1:3306" {
		t.Errorf("DefaultAddr = %s", DefaultAddr)
	}
	s := startServer(t, Options{Addr: "localhost:0"}, nil)
	if err := pingError(t, s, "root", ""); err != nil {
		t.Fatal(err)
	}
}

func TestServeReportsAnAddressInUse(t *testing.T) {
	s := startServer(t, Options{}, nil)
	if _, err := Serve(t.Context(), Options{Addr: s.Addr()}, nil); err == nil {
		t.Errorf("Serve on %s, already in use, succeeded", s.Addr())
	}
}
