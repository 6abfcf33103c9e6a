package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/planner"
	"github.com/velort/velort/transport"
	"github.com/velort/velort/udf"
)

// runFile is `velort run`: plan, connect, start every partition loop,
// replay and capture, and wait for end of input or a signal.
func runFile(ctx context.Context, file string, f runFlags, stdout io.Writer) error {
	if err := checkListeners(f); err != nil {
		return &exitError{code: 2, err: err}
	}
	pl, host, err := loadPlan(ctx, file, f.plugins, udf.Limits{Timeout: f.udfTimeout, MemoryLimitBytes: f.udfMemory}, f.maxValueBytes)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	// abandoned is set when shutdown gives up on loops stuck past
	// --shutdown-grace: nothing then waits for them or closes what they use.
	abandoned := false
	defer func() {
		if !abandoned {
			host.Close(context.Background())
		}
	}()
	replays := map[*planner.Stream]string{}
	type tableReplay struct {
		t    *planner.Table
		path string
	}
	var tableReplays []tableReplay
	for _, r := range f.replay {
		name, path, err := splitAssign("replay", r)
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		if _, err := os.Stat(path); err != nil {
			return &exitError{code: 2, err: fmt.Errorf("--replay %s: %w", r, err)}
		}
		if t := pl.Table(name); t != nil && !t.Materialized() {
			tableReplays = append(tableReplays, tableReplay{t, path})
			continue
		}
		s := pl.Stream(name)
		if s == nil {
			return &exitError{code: 2, err: fmt.Errorf("--replay %s: no stream or KV table %s in %s", r, name, file)}
		}
		if s.Transform != nil { // planner/intake.go
			return &exitError{code: 2, err: fmt.Errorf("--replay %s: stream %s is partitioned by NATS from the subjects messages are published to, which replayed lines do not have: publish them to %s instead (nats pub)", r, name, s.Transform.Source)}
		}
		replays[s] = path
	}
	replayMode := len(replays) > 0 || len(tableReplays) > 0 // a table's replay alone ends too (feedTable)

	conn, emb, err := connect(f)
	if err != nil {
		return err
	}
	defer func() {
		conn.Close()
		if emb != nil {
			emb.Shutdown()
		}
	}()
	nc := conn.NC
	ck := newCheckpoints(conn, f.checkpointInterval)
	running := &loopSet{}
	var ops *opsServer // --http: served from now on; /readyz says when every partition runs (ops.go)
	if f.http != "" {
		if ops, err = startOps(f.http, pl, file, f.instance, conn, running.all, host.Stats); err != nil {
			return &exitError{code: 2, err: fmt.Errorf("--http %s: %w", f.http, err)}
		}
		defer ops.Close()
	}
	// Control messages (end-of-input markers, heartbeats) carry the
	// deployment's token, so that records from other programs cannot
	// end input or move watermarks (partition/control.go).
	if tok, err := conn.ControlToken(); err == nil {
		partition.SetControlToken(tok)
	} else if isNoJetStream(err) {
		slog.Debug("no shared control token (no JetStream): control messages carry this process's own", "err", err)
	} else {
		slog.Warn("cannot read the shared control token: control messages carry this process's own, so end-of-input markers "+
			"and watermark heartbeats of other velort processes (shared partitions, earlier runs) are taken for records", "err", err)
	}

	// JetStream streams exist before anything subscribes or publishes.
	for _, s := range pl.Streams {
		if s.JetStream == "" {
			continue
		}
		subjects, tr := s.JetStreamSubjects() // tr: a wildcard partitioned by NATS (planner/intake.go)
		if err := conn.EnsureStream(s.JetStream, subjects, s.DedupWindow, tr); err != nil {
			return &exitError{code: 2, err: err}
		}
	}

	// KV tables: replayed records go in first, then each table is loaded
	// into memory and kept live by a watch.
	for _, tr := range tableReplays {
		n, err := replayTable(conn, tr.t, tr.path)
		if err != nil {
			return err
		}
		slog.Info("replayed", "table", tr.t.Name, "records", n, "file", tr.path)
	}
	watchCtx, stopWatches := context.WithCancel(context.Background())
	defer stopWatches()
	for _, t := range pl.Tables {
		if !t.Materialized() {
			if err := watchTable(watchCtx, conn, t); err != nil {
				return err
			}
		}
	}

	// How many writers end each stream's input (replay mode only).
	writers := map[*planner.Stream]int{}
	if replayMode {
		for _, q := range pl.Queries {
			writers[q.Sink] += q.Source.Partitions
		}
		for _, s := range pl.Streams {
			if _, ok := replays[s]; ok || writers[s] == 0 {
				writers[s]++ // the replayer (an empty replay for unfed sources)
			}
		}
		for _, q := range pl.Queries {
			if pl.SourceTable(q.Source) != nil {
				writers[q.Source] = 1 // a KV table's contents, then end of input (feedTable)
			}
		}
	}

	// Partition loops: one unit per (query, partition), subscribed before
	// any input is published. Shared with other instances, units start as
	// their leases are acquired (shared.go).
	builder, err := newUnitBuilder(conn, ck, pl, writers, replayMode, f)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	consumers := map[*planner.Stream][]*partition.Loop{}
	var units []*unit
	leases, err := openLeases(conn, f, replayMode, emb != nil)
	if err != nil {
		return err
	}
	defer func() { // also on an early return, before any unit ran
		if abandoned {
			return
		}
		for _, u := range units {
			u.wg.Wait()
			u.close()
		}
	}()
	if leases == nil {
		for _, q := range pl.Queries {
			for p := 0; p < q.Source.Partitions; p++ {
				u, err := builder.build(q, p)
				if err != nil {
					return err
				}
				units = append(units, u)
				running.add(u.loops...)
				for s, ls := range u.consumers {
					consumers[s] = append(consumers[s], ls...)
				}
			}
		}
	}

	// Captures.
	var captures []*capture
	for _, c := range f.capture {
		name, target, err := splitAssign("capture", c)
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		s := pl.Stream(name)
		var cp *capture
		if s != nil {
			cp, err = openCapture(name, target, stdout, true, writers[s]*s.Partitions)
			if err == nil && s.Changelog {
				cp.chg = newChangeEnvelope(s)
			}
			if err == nil {
				err = cp.subscribe(conn, transport.WildcardSubject(s.Subject))
			}
		} else {
			if strings.ContainsAny(name, " \t") {
				return &exitError{code: 2, err: fmt.Errorf("--capture %s: %s is neither a stream of %s nor a NATS subject", c, name, file)}
			}
			cp, err = openCapture(name, target, stdout, false, 0)
			if err == nil {
				err = cp.subscribe(conn, name)
			}
		}
		if err != nil {
			return &exitError{code: 2, err: fmt.Errorf("--capture %s: %w", c, err)}
		}
		captures = append(captures, cp)
	}
	if err := conn.Flush(5 * time.Second); err != nil {
		return err
	}

	if f.metrics != "" && f.metrics != f.http && f.metrics != httpAddr(f.http) { // --http serves /metrics too
		stopMetrics, err := serveMetrics(f.metrics, running.all, host.Stats, conn)
		if err != nil {
			return &exitError{code: 2, err: fmt.Errorf("--metrics %s: %w", f.metrics, err)}
		}
		defer stopMetrics()
	}
	if f.mysql != "" {
		srv, err := serveMySQL(ctx, f, pl, running.all)
		if err != nil {
			return &exitError{code: 2, err: fmt.Errorf("--mysql %s: %w", f.mysql, err)}
		}
		defer srv.Close()
		slog.Info("serving MySQL", "addr", srv.Addr(), "database", "velort", "user", f.mysqlUser)
	}

	loopCtx, cancelLoops := context.WithCancel(ctx)
	defer cancelLoops()
	errs := make(chan error, 64)
	done := make(chan struct{})
	if leases == nil {
		for _, u := range units {
			u.run(loopCtx, errs)
		}
		go func() {
			for _, u := range units {
				u.wg.Wait()
			}
			close(done)
		}()
		slog.Info("velort running", "file", file, "queries", len(pl.Queries), "partition_loops", len(running.all()))
	} else {
		own := newShared(pl, builder, running, leases, f, file, errs)
		ck.fence = own.Holds
		if ops != nil {
			ops.setShared(own, leases.TTL())
		}
		go func() {
			if err := own.Run(loopCtx); err != nil {
				errs <- err
			}
			close(done)
		}()
		slog.Info("velort running, sharing partitions", "file", file, "queries", len(pl.Queries), "units", len(own.Units),
			"instance", f.instance, "lease_ttl", leases.TTL())
	}

	if replayMode {
		for _, s := range pl.Streams {
			path, ok := replays[s]
			if !ok {
				if writers[s] == 1 && !s.Derived && !hasWriter(pl, s) {
					if err := sendEOF(nc, s); err != nil {
						return err
					}
				}
				continue
			}
			progress := slowestConsumer(consumers[s])
			var bar *progressbar.ProgressBar
			if isTerminal(os.Stderr) {
				bar = progressbar.NewOptions(-1, progressbar.OptionSetDescription("replay "+s.Name), progressbar.OptionSetWriter(os.Stderr), progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
			}
			n, err := replayFile(nc, s, path, progress, bar)
			if err != nil {
				return err
			}
			slog.Info("replayed", "stream", s.Name, "records", n, "file", path)
		}
	}

	select {
	case <-done:
	case err := <-errs:
		cancelLoops()
		if stuck := waitStopped(done, f.shutdownGrace, running.all); stuck != nil {
			abandoned = true
			return errors.Join(err, stuck)
		}
		return err
	case <-ctx.Done():
		slog.Info("shutting down: stopping intake", "grace", f.shutdownGrace)
		cancelLoops()
		if stuck := waitStopped(done, f.shutdownGrace, running.all); stuck != nil {
			abandoned = true
			return &exitError{code: 1, err: stuck}
		}
	}
	select {
	case err := <-errs:
		return err
	default:
	}
	if err := conn.Flush(10 * time.Second); err != nil {
		return err
	}
	for _, w := range builder.kv {
		if err := w.Wait(30 * time.Second); err != nil {
			return err
		}
	}
	for _, c := range captures {
		if c.raw && ctx.Err() == nil {
			select {
			case <-c.done:
			case <-time.After(30 * time.Second):
				return errors.New("capture " + c.name + ": end of input not seen within 30s")
			}
		}
		if err := c.finish(); err != nil {
			return err
		}
	}
	if f.mysql != "" && replayMode && ctx.Err() == nil {
		slog.Info("input replayed; serving the final state over MySQL until interrupted")
		<-ctx.Done()
	}
	var in, out, dlq, late uint64
	for _, l := range running.history() {
		in += l.Stats.In.Load()
		out += l.Stats.Out.Load()
		dlq += l.Stats.DeadLettered.Load()
		late += l.Stats.Late.Load()
	}
	slog.Info("velort stopped", "records_in", in, "records_out", out, "dead_lettered", dlq, "late", late)
	return nil
}

// waitStopped waits up to grace (0: without limit) for the loops to stop
// after they were told to. A loop stuck in a built-in or user function
// past it is abandoned: the error names it; its inputs not yet
// acknowledged (JetStream) are redelivered to the next run.
func waitStopped(done <-chan struct{}, grace time.Duration, loops func() []*partition.Loop) error {
	if grace <= 0 {
		<-done
		return nil
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-t.C:
	}
	var stuck []string
	for _, l := range loops() {
		if l.Running() {
			stuck = append(stuck, fmt.Sprintf("%s/%d", l.QueryName(), l.Partition()))
		}
	}
	err := fmt.Errorf("shutdown: partition loops still busy after --shutdown-grace %s: %s; exiting without them "+
		"(what they acknowledged stays exact; their unacknowledged JetStream inputs are redelivered to the next run)",
		grace, strings.Join(stuck, ", "))
	slog.Error(err.Error())
	return err
}

func hasWriter(pl *planner.Plan, s *planner.Stream) bool {
	for _, q := range pl.Queries {
		if q.Sink == s {
			return true
		}
	}
	return false
}

// slowestConsumer returns the intake count of the query that has read the
// least of a stream (each query reads every record once).
func slowestConsumer(loops []*partition.Loop) func() uint64 {
	if len(loops) == 0 {
		return nil
	}
	return func() uint64 {
		byQuery := map[string]uint64{}
		for _, l := range loops {
			byQuery[l.QueryName()] += l.Stats.In.Load()
		}
		var m uint64 = ^uint64(0)
		for _, v := range byQuery {
			m = min(m, v)
		}
		return m
	}
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
