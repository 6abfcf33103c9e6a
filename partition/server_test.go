package partition

import (
	"io"
	"log/slog"
	"testing"

	"github.com/velort/velort/transport"
)

// quietLog discards the logs of servers and loops under test.
var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// startServer runs an embedded NATS server (JetStream on) for one test.
func startServer(t *testing.T) *transport.Embedded { return startServerTB(t) }

// startServerTB is startServer for tests, benchmarks and fuzz targets.
func startServerTB(t testing.TB) *transport.Embedded {
	t.Helper()
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Shutdown)
	return emb
}

// connectTo opens a connection to emb, closed when the test ends.
func connectTo(t testing.TB, emb *transport.Embedded) *transport.Conn {
	t.Helper()
	conn, err := transport.Connect(transport.ConnOptions{URL: emb.ClientURL(), Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	return conn
}
