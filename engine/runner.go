package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"time"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/planner"
	"github.com/velort/velort/transport"
)

// Run starts the engine's partition loops, replays and captures, and
// runs until the end of input (with Options.Replay), an error of a loop,
// ctx's end or Shutdown; then it stops gracefully (see Shutdown) and
// releases what Open made. With MySQL serving and Replay, it serves the
// final state until ctx ends or Shutdown is called. Run is called once.
func (e *Engine) Run(ctx context.Context) error {
	e.mu.Lock()
	if e.started {
		unran := e.unran
		e.mu.Unlock()
		if unran {
			return nil // shut down before it ran
		}
		return ErrRunning
	}
	e.started = true
	e.mu.Unlock()
	// abandoned is set when shutdown gives up on loops stuck past
	// ShutdownGrace: nothing then waits for them or closes what they use.
	abandoned := false
	defer func() {
		if !abandoned {
			e.release()
		}
		close(e.done)
	}()
	stopCtx, cancelStop := context.WithCancel(ctx)
	defer cancelStop()
	go func() {
		select {
		case <-e.stopping:
			cancelStop()
		case <-stopCtx.Done():
		}
	}()
	err := e.run(stopCtx, &abandoned)
	return err
}

// run is Run's body; ctx ends at a shutdown.
func (e *Engine) run(ctx context.Context, abandoned *bool) error {
	f, pl, conn, log := &e.opts, e.pl, e.conn, e.log
	file := e.src.name
	replays, replayMode := e.replays, e.replayMode()
	nc := conn.NC
	ck := newCheckpoints(conn, f.CheckpointInterval)
	running := e.running
	var ops *opsServer // HTTPAddr: served from now on; /readyz says when every partition runs (ops.go)
	var err error
	if f.HTTPAddr != "" {
		if ops, err = startOps(log, f.HTTPAddr, pl, file, f.InstanceID, conn, running.all, e.host.Stats); err != nil {
			return configErr(fmt.Errorf("--http %s: %w", f.HTTPAddr, err))
		}
		defer ops.Close()
	}
	stopPoll := make(chan struct{})
	defer close(stopPoll)
	go e.lc.pollConsumers(stopPoll)
	// Control messages (end-of-input markers, heartbeats) carry the
	// deployment's token, so that records from other programs cannot
	// end input or move watermarks (partition/control.go).
	if tok, err := conn.ControlToken(); err == nil {
		partition.SetControlToken(tok)
	} else if isNoJetStream(err) {
		log.Debug("no shared control token (no JetStream): control messages carry this process's own", "err", err)
	} else {
		log.Warn("cannot read the shared control token: control messages carry this process's own, so end-of-input markers "+
			"and watermark heartbeats of other velort processes (shared partitions, earlier runs) are taken for records", "err", err)
	}

	// JetStream streams exist before anything subscribes or publishes.
	for _, s := range pl.Streams {
		if s.JetStream == "" {
			continue
		}
		subjects, tr := s.JetStreamSubjects() // tr: a wildcard partitioned by NATS (planner/intake.go)
		if err := conn.EnsureStream(s.JetStream, subjects, s.DedupWindow, tr); err != nil {
			return configErr(err)
		}
	}

	// KV tables: replayed records go in first, then each table is loaded
	// into memory and kept live by a watch.
	for _, tr := range e.tableReplays {
		n, err := replayTable(log, conn, tr.t, tr.path)
		if err != nil {
			return err
		}
		log.Info("replayed", "table", tr.t.Name, "records", n, "file", tr.path)
	}
	watchCtx, stopWatches := context.WithCancel(context.Background())
	defer stopWatches()
	for _, t := range pl.Tables {
		if !t.Materialized() {
			if err := watchTable(log, watchCtx, conn, t); err != nil {
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
	builder, err := newUnitBuilder(log, conn, ck, pl, writers, replayMode, f.IntakeMessages, f.IntakeBytes)
	if err != nil {
		return configErr(err)
	}
	consumers := map[*planner.Stream][]*partition.Loop{}
	var units []*unit
	leases, err := openLeases(log, conn, f.LeaseTTL, replayMode, e.emb != nil)
	if err != nil {
		return err
	}
	defer func() { // also on an early return, before any unit ran
		if *abandoned {
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
	for _, cs := range f.Capture {
		name, target := cs.Target, cs.Path
		c := name + "=" + target
		s := pl.Stream(name)
		var cp *capture
		if s != nil {
			cp, err = openCapture(name, target, f.Stdout, true, writers[s]*s.Partitions)
			if err == nil && s.Changelog {
				cp.chg = newChangeEnvelope(s)
			}
			if err == nil {
				err = cp.subscribe(conn, transport.WildcardSubject(s.Subject))
			}
		} else {
			if strings.ContainsAny(name, " \t") {
				return configErr(fmt.Errorf("--capture %s: %s is neither a stream of %s nor a NATS subject", c, name, file))
			}
			cp, err = openCapture(name, target, f.Stdout, false, 0)
			if err == nil {
				err = cp.subscribe(conn, name)
			}
		}
		if err != nil {
			return configErr(fmt.Errorf("--capture %s: %w", c, err))
		}
		captures = append(captures, cp)
	}
	if err := conn.Flush(5 * time.Second); err != nil {
		return err
	}

	if f.MetricsAddr != "" && f.MetricsAddr != f.HTTPAddr && f.MetricsAddr != httpAddr(f.HTTPAddr) { // --http serves /metrics too
		stopMetrics, err := serveMetrics(log, f.MetricsAddr, running.all, e.host.Stats, conn)
		if err != nil {
			return configErr(fmt.Errorf("--metrics %s: %w", f.MetricsAddr, err))
		}
		defer stopMetrics()
	}
	if f.MySQL.Addr != "" {
		srv, err := serveMySQL(ctx, f.MySQL, f.InstanceID, pl, running.all)
		if err != nil {
			return configErr(fmt.Errorf("--mysql %s: %w", f.MySQL.Addr, err))
		}
		defer srv.Close()
		log.Info("serving MySQL", "addr", srv.Addr(), "database", "velort", "user", f.MySQL.User)
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
		log.Info("velort running", "file", file, "queries", len(pl.Queries), "partition_loops", len(running.all()))
	} else {
		own := newShared(log, pl, builder, running, leases, f.InstanceID, file, errs)
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
		log.Info("velort running, sharing partitions", "file", file, "queries", len(pl.Queries), "units", len(own.Units),
			"instance", f.InstanceID, "lease_ttl", leases.TTL())
		e.mu.Lock()
		e.own = own
		e.mu.Unlock()
		go e.watchReady(loopCtx, own, leases.TTL())
	}
	if leases == nil {
		close(e.ready)
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
			var bar func(int)
			if f.ReplayProgress != nil {
				bar = f.ReplayProgress(s.Name)
			}
			n, err := replayFile(log, nc, s, path, progress, bar)
			if err != nil {
				return err
			}
			log.Info("replayed", "stream", s.Name, "records", n, "file", path)
		}
	}

	select {
	case <-done:
	case err := <-errs:
		cancelLoops()
		if stuck := waitStopped(log, done, f.ShutdownGrace, running.all); stuck != nil {
			*abandoned = true
			return errors.Join(err, stuck)
		}
		return err
	case <-ctx.Done():
		log.Info("shutting down: stopping intake", "grace", f.ShutdownGrace)
		cancelLoops()
		if stuck := waitStopped(log, done, f.ShutdownGrace, running.all); stuck != nil {
			*abandoned = true
			return stuck
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
	if f.MySQL.Addr != "" && replayMode && ctx.Err() == nil {
		log.Info("input replayed; serving the final state over MySQL until interrupted")
		<-ctx.Done()
	}
	var in, out, dlq, late uint64
	for _, l := range running.history() {
		in += l.Stats.In.Load()
		out += l.Stats.Out.Load()
		dlq += l.Stats.DeadLettered.Load()
		late += l.Stats.Late.Load()
	}
	log.Info("velort stopped", "records_in", in, "records_out", out, "dead_lettered", dlq, "late", late)
	return nil
}

// waitStopped waits up to grace (0: without limit) for the loops to stop
// after they were told to. A loop stuck in a built-in or user function
// past it is abandoned: the error names it; its inputs not yet
// acknowledged (JetStream) are redelivered to the next run.
func waitStopped(log *slog.Logger, done <-chan struct{}, grace time.Duration, loops func() []*partition.Loop) error {
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
	log.Error(err.Error())
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

// watchReady closes e.ready once the ownership has made its first pass
// over the assignment and every unit this instance holds runs all its
// loops — or, holding none, once a lease TTL has passed (others hold them
// all), as /readyz decides (ops.go).
func (e *Engine) watchReady(ctx context.Context, own *partition.Ownership, ttl time.Duration) {
	deadline := time.Now().Add(ttl)
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !own.Settled() {
			continue // its share may be partly taken: ready too early would lose records
		}
		held := own.Held()
		if len(held) == 0 {
			if time.Now().After(deadline) {
				close(e.ready)
				return
			}
			continue
		}
		byUnit := map[string]bool{}
		for _, l := range e.running.all() {
			k := checkpointKey(l.QueryName(), l.Partition())
			r, seen := byUnit[k]
			byUnit[k] = (r || !seen) && l.Running()
		}
		all := true
		for _, u := range held {
			all = all && byUnit[u]
		}
		if all {
			close(e.ready)
			return
		}
	}
}
