package transport

import (
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// startServer starts an embedded server (temp store) stopped at test end.
func startServer(t testing.TB, configure func(*server.Options)) *Embedded {
	t.Helper()
	e, err := StartEmbedded(EmbeddedOptions{Logger: testLogger(t), Configure: configure})
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	t.Cleanup(e.Shutdown)
	return e
}

// connect connects to url with opts (URL and Logger filled in), closed at test end.
func connect(t testing.TB, url string, opts ConnOptions) *Conn {
	t.Helper()
	opts.URL = url
	opts.Logger = testLogger(t)
	c, err := Connect(opts)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// waitFor polls cond until it holds; it fails the test after a generous bound.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
