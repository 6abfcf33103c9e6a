package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/velort/velort/engine"
	"github.com/velort/velort/partition"
	"github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
	"github.com/velort/velort/udf"
)

// runFlags are `velort run`'s options.
type runFlags struct {
	nats          string
	data          string
	plugins       string
	replay        []string
	capture       []string
	metrics       string
	http          string
	mysql         string
	mysqlUser     string
	mysqlPassword string
	mysqlInsecure bool
	instance      string
	conn          transport.ConnOptions

	udfTimeout         time.Duration
	checkpointInterval time.Duration
	leaseTTL           time.Duration
	udfMemory          uint64
	shutdownGrace      time.Duration
	intakeMessages     int
	intakeBytes        int
	maxValueBytes      int
}

func newRunCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run FILE.sql",
		Short: "Run the continuous queries of a SQL file",
		Long: `Run the continuous queries of a SQL file against NATS.

Without --nats and NATS_URL, an embedded NATS server with JetStream is
started (data in a temp dir, or --data DIR) and its URL is logged.

--replay STREAM=FILE.jsonl publishes each line of FILE to the stream's
subjects; once every replayed record is processed, open windows are
emitted, sinks flushed, and velort exits 0.
With --mysql ADDR, tables (KV-backed and CREATE TABLE ... AS SELECT) and the
catalog (velort_streams, velort_queries, velort_partitions) are served
read-only to MySQL clients; with --replay, velort then keeps serving the
final state until SIGINT/SIGTERM.
--capture STREAM=FILE writes every record published to a stream as one
JSON object per line (- for stdout); a changelog stream's records as
{"op":"upsert"|"delete","key":"<Velort-Key>","row":{...}}, lines that
--replay into a changelog source takes back (as it takes plain rows, each
an upsert); --capture SUBJECT=FILE with a NATS subject or wildcard (e.g.
'velort.dlq.>') writes subject, headers, data.
--http ADDR serves the operations page (queries and their stage graph,
throughput, consumer lag, watermarks, checkpoints, the latest dead letters)
with /api/state, /metrics, /healthz and /readyz for Kubernetes probes;
a bare PORT listens on 127.0.0.1 (see docs/ops.md).

Against an external server and without --replay, several run processes
with the same FILE share its partitions through leases in the KV bucket
velort_cluster (see docs/cluster.md and velort status): each has an
--instance-id; one joining takes its share, one stopping (SIGTERM) hands its
partitions over after checkpointing, one dying loses them after --lease-ttl.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runFile(ctx, args[0], f, cmd.OutOrStdout())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.nats, "nats", "", "NATS server URL (default $NATS_URL, else an embedded server)")
	fl.StringVar(&f.data, "data", "", "data directory of the embedded server (default: a temp dir)")
	fl.StringVar(&f.plugins, "plugins", "", "directory of .wasm plugins to register")
	fl.StringArrayVar(&f.replay, "replay", nil, "STREAM=FILE.jsonl: publish FILE's lines to STREAM, then end input (repeatable)")
	fl.StringArrayVar(&f.capture, "capture", nil, "STREAM=FILE|- or SUBJECT=FILE|-: write what is published (repeatable)")
	fl.StringVar(&f.metrics, "metrics", "", "serve Prometheus metrics at ADDR (e.g. 127.0.0.1:9090)")
	fl.StringVar(&f.http, "http", "", "serve the operations page at ADDR (PORT alone: 127.0.0.1:PORT): / (queries, stage graph, throughput, lag, watermarks, checkpoints, dead letters), /api/state (JSON), /metrics, /healthz, /readyz (docs/ops.md)")
	fl.StringVar(&f.mysql, "mysql", "", "serve tables and catalog read-only over the MySQL protocol at ADDR (e.g. 127.0.0.1:3306)")
	fl.StringVar(&f.mysqlUser, "mysql-user", "root", "MySQL user for --mysql")
	fl.StringVar(&f.mysqlPassword, "mysql-password", "", "MySQL password for --mysql (required when ADDR is not a loopback address, unless --mysql-insecure)")
	fl.BoolVar(&f.mysqlInsecure, "mysql-insecure", false, "allow --mysql on a non-loopback address without --mysql-password")
	fl.DurationVar(&f.shutdownGrace, "shutdown-grace", engine.DefaultShutdownGrace, "on SIGTERM/SIGINT, wait this long for partition loops to finish (checkpoint, acknowledge); loops still busy then (stuck in a function call) are abandoned and their unacknowledged inputs redelivered to the next run (0: wait without limit)")
	fl.IntVar(&f.intakeMessages, "intake-messages", partition.DefaultIntakeMessages, "core NATS sources: records received but not yet processed that each partition holds; past it (or --intake-bytes) new records are dropped and counted (velort_records_dropped_total)")
	fl.IntVar(&f.maxValueBytes, "max-value-bytes", runtime.DefaultMaxValueBytes, "largest value a built-in function may produce (REPEAT, SPACE, LPAD, CONCAT, ...); a larger result dead-letters its record")
	fl.IntVar(&f.intakeBytes, "intake-bytes", partition.DefaultIntakeBytes, "core NATS sources: payload bytes each partition holds received but not yet processed")
	fl.StringVar(&f.instance, "instance-id", engine.DefaultInstanceID(), "this instance's identity among several velort processes")
	fl.DurationVar(&f.leaseTTL, "lease-ttl", engine.DefaultLeaseTTL, "partitions are shared with other instances running the same file against the same NATS (not in --replay, not on the embedded server) through leases that expire this long after their owner stops renewing them (0: run every partition here)")
	fl.DurationVar(&f.checkpointInterval, "checkpoint-interval", engine.DefaultCheckpointInterval, "how often stateful queries over JetStream sources save their state (0: never; inputs are then acknowledged when their windows close)")
	fl.DurationVar(&f.udfTimeout, "udf-timeout", 100*time.Millisecond, "stop a user-function call that runs longer (the record is dead-lettered)")
	fl.Uint64Var(&f.udfMemory, "udf-memory-limit", 64<<20, "memory cap of each user-function instance, bytes")
	addConnFlags(fl, &f.conn)
	return cmd
}

// options maps the flags to the engine's options: a duration of 0 turns
// its feature off, as the flags' help says.
func (f runFlags) options(stdout io.Writer) (engine.Options, error) {
	off := func(d time.Duration) time.Duration {
		if d <= 0 {
			return -1
		}
		return d
	}
	conn := f.conn
	conn.URL = cmp.Or(f.nats, transport.URLFromEnv())
	o := engine.Options{
		NATS: conn, DataDir: f.data, Plugins: f.plugins,
		UDFLimits:     udf.Limits{Timeout: f.udfTimeout, MemoryLimitBytes: f.udfMemory},
		MaxValueBytes: f.maxValueBytes, Logger: slog.Default(), InstanceID: f.instance,
		LeaseTTL: off(f.leaseTTL), CheckpointInterval: off(f.checkpointInterval), ShutdownGrace: off(f.shutdownGrace),
		IntakeMessages: f.intakeMessages, IntakeBytes: f.intakeBytes,
		Stdout: stdout, HTTPAddr: f.http, MetricsAddr: f.metrics,
		MySQL: engine.MySQLOptions{Addr: f.mysql, User: f.mysqlUser, Password: f.mysqlPassword, Insecure: f.mysqlInsecure},
	}
	if o.MySQL.User == "" {
		o.MySQL.User = "root"
	}
	for _, r := range f.replay {
		name, path, err := splitAssign("replay", r)
		if err != nil {
			return o, err
		}
		o.Replay = append(o.Replay, engine.Replay{Stream: name, Path: path})
	}
	for _, c := range f.capture {
		name, path, err := splitAssign("capture", c)
		if err != nil {
			return o, err
		}
		o.Capture = append(o.Capture, engine.Capture{Target: name, Path: path})
	}
	if isTerminal(os.Stderr) {
		o.ReplayProgress = func(stream string) func(int) {
			bar := progressbar.NewOptions(-1, progressbar.OptionSetDescription("replay "+stream), progressbar.OptionSetWriter(os.Stderr),
				progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
			return func(n int) { _ = bar.Add(n) }
		}
	}
	return o, nil
}

// runFile is `velort run`: the engine opened on file with f's options, run
// until the end of input or a signal (ctx).
func runFile(ctx context.Context, file string, f runFlags, stdout io.Writer) error {
	opts, err := f.options(stdout)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	e, err := engine.Open(ctx, engine.File(file), opts)
	if err != nil {
		return exitFor(err)
	}
	return exitFor(e.Run(ctx))
}

// exitFor gives the engine's configuration errors exit status 2.
func exitFor(err error) error {
	var ce *engine.ConfigError
	if errors.As(err, &ce) {
		return &exitError{code: 2, err: err}
	}
	return err
}

// splitAssign splits NAME=VALUE.
func splitAssign(flag, s string) (string, string, error) {
	i := strings.IndexByte(s, '=')
	if i <= 0 || i == len(s)-1 {
		return "", "", fmt.Errorf("--%s %q: expected NAME=FILE", flag, s)
	}
	return s[:i], s[i+1:], nil
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
