package transport

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Limits of the embedded server, raised so that a fast local publisher
// stalls (flow control) instead of having velort cut off as a slow consumer.
const (
	embeddedMaxPending    = 256 << 20 // outbound bytes buffered per client (default 64 MiB)
	embeddedWriteDeadline = 60 * time.Second
	embeddedReadyTimeout  = 15 * time.Second
)

// EmbeddedOptions configures StartEmbedded.
type EmbeddedOptions struct {
	// DataDir holds the JetStream store; empty means a temporary directory
	// removed by Shutdown.
	DataDir string
	// Host to listen on; default 127.0.0.1.
	Host string
	// Port to listen on; 0 picks a free port.
	Port int
	// Logger receives the server's log; nil means slog.Default().
	Logger *slog.Logger
	// Configure, when set, adjusts the server options just before start
	// (auth, TLS, extra limits).
	Configure func(*server.Options)
}

// Embedded is an in-process nats-server with JetStream enabled.
type Embedded struct {
	srv      *server.Server
	storeDir string
	tempDir  string
	once     sync.Once
}

// StartEmbedded starts an in-process NATS server with JetStream and waits
// until it accepts connections.
func StartEmbedded(opts EmbeddedOptions) (*Embedded, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	e := &Embedded{storeDir: opts.DataDir}
	storeDir := opts.DataDir
	if storeDir == "" {
		dir, err := os.MkdirTemp("", "velort-nats-*")
		if err != nil {
			return nil, fmt.Errorf("embedded NATS: temp data dir: %w", err)
		}
		e.tempDir, e.storeDir, storeDir = dir, dir, dir
	} else if err := os.MkdirAll(storeDir, 0o755); err != nil {
		return nil, fmt.Errorf("embedded NATS: data dir: %w", err)
	}

	sopts := &server.Options{
		ServerName:    "velort-embedded",
		Host:          opts.Host,
		Port:          opts.Port,
		JetStream:     true,
		StoreDir:      storeDir,
		MaxPending:    embeddedMaxPending,
		WriteDeadline: embeddedWriteDeadline,
		NoSigs:        true,
	}
	if sopts.Host == "" {
		sopts.Host = "127.0.0.1"
	}
	if sopts.Port == 0 {
		sopts.Port = server.RANDOM_PORT
	}
	if opts.Configure != nil {
		opts.Configure(sopts)
	}

	srv, err := server.NewServer(sopts)
	if err != nil {
		e.removeTemp()
		return nil, fmt.Errorf("embedded NATS: %w", err)
	}
	e.srv = srv
	srv.SetLoggerV2(newServerLogger(logger), false, false, false)
	go srv.Start()
	if !srv.ReadyForConnections(embeddedReadyTimeout) {
		e.Shutdown()
		return nil, errors.New("embedded NATS: server not ready for connections")
	}
	if !srv.JetStreamEnabled() {
		e.Shutdown()
		return nil, errors.New("embedded NATS: JetStream failed to start")
	}
	return e, nil
}

// ClientURL is the URL clients use to connect (nats://host:port).
func (e *Embedded) ClientURL() string { return e.srv.ClientURL() }

// Server exposes the underlying nats-server (for accounts, mappings, monitoring).
func (e *Embedded) Server() *server.Server { return e.srv }

// StoreDir is the data directory in use (DataDir or the temporary one);
// JetStream keeps its files under StoreDir()/jetstream.
func (e *Embedded) StoreDir() string { return e.storeDir }

// Shutdown stops the server, waits for it to exit and removes a temporary
// data directory. Safe to call more than once.
func (e *Embedded) Shutdown() {
	e.once.Do(func() {
		if e.srv != nil {
			e.srv.Shutdown()
			e.srv.WaitForShutdown()
		}
		e.removeTemp()
	})
}

func (e *Embedded) removeTemp() {
	if e.tempDir != "" {
		_ = os.RemoveAll(e.tempDir)
	}
}
