package engine

import "testing"

// listenerCheck runs Open's check of the listen options.
func listenerCheck(o Options) error {
	e := &Engine{opts: withDefaults(o)}
	e.log = e.opts.Logger
	return e.checkListeners()
}

// TestListenerChecks (moved from cmd/velort TestListenersBeyondLoopback,
// which still runs the command): which addresses are loopback, and that
// MySQL beyond loopback is served with Insecure or a password; without
// either, Open refuses it before planning.
func TestListenerChecks(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:3306", "localhost:3306", "[::1]:3306"} {
		if !isLoopbackAddr(addr) {
			t.Errorf("%s is loopback", addr)
		}
	}
	for _, addr := range []string{":3306", "0.0.0.0:3306", "[::]:3306", "10.1.2.3:3306", "example.com:3306"} {
		if isLoopbackAddr(addr) {
			t.Errorf("%s is not loopback", addr)
		}
	}
	if err := listenerCheck(Options{MySQL: MySQLOptions{Addr: "0.0.0.0:3306", Insecure: true}}); err != nil {
		t.Errorf("--mysql-insecure refused: %v", err)
	}
	if err := listenerCheck(Options{MySQL: MySQLOptions{Addr: "0.0.0.0:3306", Password: "s3cret"}}); err != nil {
		t.Errorf("--mysql-password refused: %v", err)
	}
	err := listenerCheck(Options{MySQL: MySQLOptions{Addr: ":3306"}})
	if err == nil {
		t.Error("MySQL on :3306 without a password accepted")
	}
}
