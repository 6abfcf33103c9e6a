// Package engine runs velort's continuous SQL queries inside a Go program:
// the library under the velort command.
//
// Open plans a SQL file (or text), loads its user functions and connects
// to NATS — an existing *nats.Conn, a server URL with the nats CLI's
// options, or an embedded server. Run starts one partition loop per
// (query, partition) and returns at the end of input (with Replay) or
// when it is stopped; Shutdown stops it gracefully: intake stops, records
// in flight finish, sinks are flushed, inputs acknowledged, open windows
// of durable sources checkpointed and, with partitions shared between
// instances, leases handed over — what `velort run` does on SIGTERM.
// While it runs, Table reads a materialized or KV-backed table in
// process, and Stats the loops' live counters.
//
//	e, err := engine.Open(ctx, engine.File("orders.sql"), engine.Options{Conn: nc, Logger: log})
//	if err != nil { ... }
//	go e.Run(ctx)
//	...
//	rows := e.Table("totals").Rows()
//	...
//	err = e.Shutdown(ctx)
//
// Check and Explain plan a file without running it (velort check,
// velort explain); their errors name file:line:col.
package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/planner"
	"github.com/velort/velort/transport"
	"github.com/velort/velort/udf"
)

// Defaults of Options (and of `velort run`'s flags).
const (
	DefaultLeaseTTL           = 5 * time.Second
	DefaultCheckpointInterval = time.Second
	DefaultShutdownGrace      = 10 * time.Second
)

// Source is the SQL an engine runs: a file (File) or text (SQL).
type Source struct {
	name, text string
	file       bool
}

// File is the SQL file at path (error positions name it).
func File(path string) Source { return Source{name: path, file: true} }

// SQL is SQL text; name stands for the file in error positions
// (name:line:col) and its directory is where relative module paths of
// CREATE FUNCTION are resolved.
func SQL(name, text string) Source { return Source{name: name, text: text} }

// Name is the file's path or the text's name.
func (s Source) Name() string { return s.name }

// Replay publishes a JSON Lines file to a stream's subjects (or puts its
// records into a KV-backed table) once the loops run; with any Replay, Run
// returns when every replayed record has been processed (`velort run
// --replay`).
type Replay struct {
	Stream string // a stream or KV-backed table of the file
	Path   string
}

// Capture writes every record published to a stream (or every message on
// a NATS subject or wildcard) to a file, one JSON object per line
// (`velort run --capture`).
type Capture struct {
	Target string // a stream of the file, else a NATS subject
	Path   string // "-": Options.Stdout
}

// MySQLOptions serves the tables and the catalog read-only over the MySQL
// protocol (`velort run --mysql`).
type MySQLOptions struct {
	Addr     string // "": not served
	User     string // default root
	Password string // required beyond loopback unless Insecure
	Insecure bool
}

// Options configure an engine. The zero value runs on an embedded NATS
// server with the defaults of `velort run`.
type Options struct {
	// Conn is the NATS connection to use; the engine never closes it.
	// Partition loops read with synchronous subscriptions: give it
	// nats.SyncQueueLen of at least IntakeMessages. (Its slow-consumer
	// events are not counted in velort_nats_slow_consumer_events_total:
	// the engine installs no handlers on a connection it did not make.)
	Conn *nats.Conn
	// NATS, when Conn is nil and NATS.URL is set, is the server to connect
	// to with the nats CLI's options (user, password, token, creds, nkey,
	// TLS). With neither, an embedded server with JetStream is started
	// (data in DataDir, else a temp dir) and stopped by Shutdown.
	NATS    transport.ConnOptions
	DataDir string

	// Plugins is a directory of .wasm modules whose functions the SQL may call.
	Plugins string
	// UDFLimits bound user-function calls (0 fields: udf's defaults).
	UDFLimits udf.Limits
	// MaxValueBytes bounds a value a built-in function produces (0:
	// runtime.DefaultMaxValueBytes).
	MaxValueBytes int

	// Logger receives the engine's logs (nil: slog.Default()).
	Logger *slog.Logger
	// Registerer, if set, gets velort's metrics (the velort_* series of
	// `velort run --metrics`, without Go and process collectors) until
	// Run returns. Several engines on one registry need distinct labels:
	// prometheus.WrapRegistererWith(prometheus.Labels{"engine": "a"}, reg).
	Registerer prometheus.Registerer

	// InstanceID names this engine among instances sharing the file's
	// partitions (default host-pid).
	InstanceID string
	// LeaseTTL: against an external server, without Replay, instances
	// running the same SQL share its partitions through leases that expire
	// this long after their owner stops renewing them. 0:
	// DefaultLeaseTTL; negative: run every partition here.
	LeaseTTL time.Duration
	// CheckpointInterval is how often stateful queries over JetStream
	// sources save their state. 0: DefaultCheckpointInterval; negative: never.
	CheckpointInterval time.Duration
	// ShutdownGrace bounds how long stopping waits for busy loops; those
	// still busy are abandoned. 0: DefaultShutdownGrace; negative: no limit.
	ShutdownGrace time.Duration
	// IntakeMessages and IntakeBytes bound what each partition of a core
	// NATS source holds received but not processed (0: partition's defaults).
	IntakeMessages, IntakeBytes int

	Replay  []Replay
	Capture []Capture
	// Stdout is where captures to "-" write (nil: os.Stdout).
	Stdout io.Writer
	// ReplayProgress, if set, is called once per replayed stream; the
	// function it returns (may be nil) is given counts of records published.
	ReplayProgress func(stream string) func(records int)

	// HTTPAddr serves the operations page, /api/state, /metrics, /healthz
	// and /readyz (a bare PORT listens on 127.0.0.1); MetricsAddr serves
	// /metrics alone.
	HTTPAddr, MetricsAddr string
	MySQL                 MySQLOptions
}

// ConfigError is an error in the SQL, the plugins or the options: `velort`
// exits with status 2 on it.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

func configErr(err error) error { return &ConfigError{Err: err} }

// ErrRunning is returned by Run called a second time.
var ErrRunning = errors.New("engine: Run called more than once")

// Engine is a planned SQL file, connected to NATS, that runs its queries.
// Several engines may run in one process; they share the process's
// control token (read from the server by Run, partition.SetControlToken),
// so they should run against the same NATS deployment.
type Engine struct {
	opts Options // defaults resolved: durations <= 0 mean off / no limit
	log  *slog.Logger
	src  Source
	pl   *planner.Plan
	host *udf.Host

	conn    *transport.Conn
	ownConn bool                // the engine connected: it closes conn
	emb     *transport.Embedded // the embedded server, if started

	replays      map[*planner.Stream]string
	tableReplays []tableReplay

	running *loopSet
	lc      *loopCollector // live lag of JetStream consumers (Stats, Registerer)
	unreg   func()

	mu       sync.Mutex
	started  bool
	stopping chan struct{} // closed by Shutdown
	stopOnce sync.Once
	done     chan struct{} // closed when Run has returned (or Shutdown released an engine never run)
	ready    chan struct{} // closed once every loop (or the ownership) has started
	closed   bool
	unran    bool                 // shut down before Run
	own      *partition.Ownership // shared partitions: this instance's share
}

type tableReplay struct {
	t    *planner.Table
	path string
}

// Open plans src, loads its user functions, checks the options and
// connects to NATS. Errors in the SQL or the options are *ConfigError.
func Open(ctx context.Context, src Source, opts Options) (*Engine, error) {
	e := &Engine{src: src, running: &loopSet{}, stopping: make(chan struct{}), done: make(chan struct{}), ready: make(chan struct{})}
	e.opts = withDefaults(opts)
	e.log = e.opts.Logger
	if err := e.checkListeners(); err != nil {
		return nil, configErr(err)
	}
	lim := e.opts.UDFLimits
	pl, host, err := loadPlan(ctx, src, e.opts.Plugins, lim, e.opts.MaxValueBytes)
	if err != nil {
		return nil, configErr(err)
	}
	e.pl, e.host = pl, host
	if err := e.resolveReplays(); err != nil {
		host.Close(context.Background())
		return nil, configErr(err)
	}
	if err := e.connect(); err != nil {
		host.Close(context.Background())
		return nil, err
	}
	e.lc = &loopCollector{loops: e.running.all, lag: map[*partition.Loop]consumerLag{}}
	if r := e.opts.Registerer; r != nil {
		if e.unreg, err = registerMetrics(r, e.lc, e.host.Stats, e.conn); err != nil {
			e.release()
			return nil, configErr(fmt.Errorf("metrics registerer: %w", err))
		}
	}
	return e, nil
}

func withDefaults(o Options) Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.InstanceID == "" {
		o.InstanceID = DefaultInstanceID()
	}
	off := func(d *time.Duration, def time.Duration) {
		switch {
		case *d == 0:
			*d = def
		case *d < 0:
			*d = 0
		}
	}
	off(&o.LeaseTTL, DefaultLeaseTTL)
	off(&o.CheckpointInterval, DefaultCheckpointInterval)
	off(&o.ShutdownGrace, DefaultShutdownGrace)
	if o.MySQL.User == "" {
		o.MySQL.User = "root"
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	return o
}

// DefaultInstanceID is host-pid.
func DefaultInstanceID() string {
	h, _ := os.Hostname()
	return fmt.Sprintf("%s-%d", h, os.Getpid())
}

// resolveReplays finds each Replay's stream or KV table.
func (e *Engine) resolveReplays() error {
	e.replays = map[*planner.Stream]string{}
	for _, r := range e.opts.Replay {
		arg := r.Stream + "=" + r.Path
		if _, err := os.Stat(r.Path); err != nil {
			return fmt.Errorf("--replay %s: %w", arg, err)
		}
		if t := e.pl.Table(r.Stream); t != nil && !t.Materialized() {
			e.tableReplays = append(e.tableReplays, tableReplay{t, r.Path})
			continue
		}
		s := e.pl.Stream(r.Stream)
		if s == nil {
			return fmt.Errorf("--replay %s: no stream or KV table %s in %s", arg, r.Stream, e.src.name)
		}
		if s.Transform != nil { // planner/intake.go
			return fmt.Errorf("--replay %s: stream %s is partitioned by NATS from the subjects messages are published to, which replayed lines do not have: publish them to %s instead (nats pub)", arg, r.Stream, s.Transform.Source)
		}
		e.replays[s] = r.Path
	}
	for _, s := range e.pl.Streams {
		if s.Transform != nil && e.replayMode() { // its partitions take no end-of-input marker (planner/intake.go)
			return fmt.Errorf("--replay: stream %s is partitioned by NATS (jetstream = '%s' on %s), whose partitions cannot be sent the end of input a --replay run ends with: run the file without --replay, or declare %s without jetstream", s.Name, s.JetStream, s.Transform.Source, s.Name)
		}
	}
	return nil
}

// replayMode: input ends (a table's replay alone ends too: feedTable).
func (e *Engine) replayMode() bool { return len(e.replays) > 0 || len(e.tableReplays) > 0 }

// connect uses Options.Conn, else connects to NATS.URL, else starts an
// embedded server and connects to it.
func (e *Engine) connect() error {
	if nc := e.opts.Conn; nc != nil {
		e.conn = &transport.Conn{NC: nc}
		return nil
	}
	url := e.opts.NATS.URL
	if url == "" {
		emb, err := transport.StartEmbedded(transport.EmbeddedOptions{DataDir: e.opts.DataDir, Logger: e.log})
		if err != nil {
			return fmt.Errorf("starting the embedded NATS server: %w", err)
		}
		e.emb = emb
		url = emb.ClientURL()
		e.log.Info("embedded NATS server started", "url", url, "jetstream", emb.StoreDir())
	}
	opts := e.opts.NATS
	opts.URL = url
	if e.opts.IntakeMessages > transport.DefaultSyncQueueLen { // the subscription's queue must hold the intake
		opts.SyncQueueLen = e.opts.IntakeMessages
	}
	if opts.Name == "" {
		opts.Name = "velort " + e.opts.InstanceID
	}
	opts.Logger = e.log
	c, err := transport.Connect(opts)
	if err != nil {
		if e.emb != nil {
			e.emb.Shutdown()
		}
		return err
	}
	e.conn, e.ownConn = c, true
	return nil
}

// release closes what Open made: the UDF host, the connection (if the
// engine made it), the embedded server.
func (e *Engine) release() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	e.closed = true
	if e.unreg != nil {
		e.unreg()
	}
	e.host.Close(context.Background())
	if e.ownConn {
		e.conn.Close()
	}
	if e.emb != nil {
		e.emb.Shutdown()
	}
}

// Shutdown stops the engine gracefully, as `velort run` does on SIGTERM:
// intake stops, records in flight finish, sinks are flushed and inputs
// acknowledged, state is checkpointed and shared partitions are handed
// over to the other instances. It waits for Run to return, or for ctx to
// end (then it returns ctx's error; Run goes on stopping within
// Options.ShutdownGrace). An engine never run is released at once.
func (e *Engine) Shutdown(ctx context.Context) error {
	e.stopOnce.Do(func() { close(e.stopping) })
	e.mu.Lock()
	started := e.started
	if !started {
		e.started, e.unran = true, true // Run after Shutdown returns at once
	}
	e.mu.Unlock()
	if !started {
		e.release()
		close(e.done)
		return nil
	}
	select {
	case <-e.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Done is closed when Run has returned.
func (e *Engine) Done() <-chan struct{} { return e.done }

// Ready is closed once Run runs every partition loop of this instance:
// all of them, or with shared partitions those of the units whose leases
// it holds, once it has tried to take each unit assigned to it
// (partition.Ownership.Settled; holding none: once a lease TTL has
// passed). Until then, records
// published to core NATS sources may be missed. It stays open if Run
// returns first (see Done).
func (e *Engine) Ready() <-chan struct{} { return e.ready }

// Instance is the engine's instance id.
func (e *Engine) Instance() string { return e.opts.InstanceID }

// Conn is the NATS connection the engine uses.
func (e *Engine) Conn() *nats.Conn { return e.conn.NC }

// ServerURL is the embedded server's client URL ("" when the engine was
// given a connection or a URL).
func (e *Engine) ServerURL() string {
	if e.emb == nil {
		return ""
	}
	return e.emb.ClientURL()
}

// Explain is the physical plan of `velort explain`.
func (e *Engine) Explain() string { return e.pl.Explain() }
