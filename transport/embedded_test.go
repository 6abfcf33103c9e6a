package transport

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

func TestEmbeddedDataDirPersistsJetStream(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nats")
	ctx := context.Background()

	e, err := StartEmbedded(EmbeddedOptions{DataDir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.StoreDir(); got != dir {
		t.Fatalf("StoreDir = %q, want %q", got, dir)
	}
	if !strings.HasPrefix(e.ClientURL(), "nats://127.0.0.1:") {
		t.Fatalf("ClientURL = %q", e.ClientURL())
	}
	c := connect(t, e.ClientURL(), ConnOptions{})
	js, err := jetstream.New(c.NC)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}, Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "t.a", []byte("kept")); err != nil {
		t.Fatal(err)
	}
	c.Close()
	e.Shutdown()
	if _, err := os.Stat(filepath.Join(dir, "jetstream")); err != nil {
		t.Fatalf("JetStream store not under DataDir: %v", err)
	}

	e2, err := StartEmbedded(EmbeddedOptions{DataDir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Shutdown()
	c2 := connect(t, e2.ClientURL(), ConnOptions{})
	js2, _ := jetstream.New(c2.NC)
	s, err := js2.Stream(ctx, "T")
	if err != nil {
		t.Fatalf("stream lost across restart: %v", err)
	}
	m, err := s.GetLastMsgForSubject(ctx, "t.a")
	if err != nil {
		t.Fatalf("message lost across restart: %v", err)
	}
	if string(m.Data) != "kept" {
		t.Fatalf("data after restart = %q", m.Data)
	}
}

func TestEmbeddedTempDirRemovedOnShutdown(t *testing.T) {
	e, err := StartEmbedded(EmbeddedOptions{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	dir := e.StoreDir()
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("temp store missing while running: %v", err)
	}
	if !e.Server().JetStreamEnabled() {
		t.Fatal("JetStream not enabled")
	}
	e.Shutdown()
	e.Shutdown() // idempotent
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("temp store %s still present after Shutdown: %v", dir, err)
	}
}

func TestEmbeddedRaisedLimits(t *testing.T) {
	e := startServer(t, nil)
	o := e.Server().JetStreamConfig()
	if o == nil {
		t.Fatal("no JetStream config")
	}
	varz, err := e.Server().Varz(nil)
	if err != nil {
		t.Fatal(err)
	}
	if varz.MaxPending != embeddedMaxPending || varz.WriteDeadline != embeddedWriteDeadline {
		t.Fatalf("limits not raised: max_pending=%d write_deadline=%v", varz.MaxPending, varz.WriteDeadline)
	}
}
