package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	goruntime "runtime"
	"sync/atomic"
	"time"

	velort "github.com/velort/velort/engine"
	"github.com/velort/velort/partition"
	"github.com/velort/velort/transport"
)

const (
	// natsWindow bounds how many records the publisher runs ahead of the
	// velort loop (and the loop's outputs ahead of the counting
	// subscriber), far below a sync subscription's queue (262,144).
	natsWindow = 1 << 16
	// natsStall fails a run that makes no progress for this long.
	natsStall = 30 * time.Second
	relayIn   = "bench.relay.in"
	relayOut  = "bench.relay.out"
)

// natsEnv is an embedded server and three connections: the producer, the
// processor (velort's loop, or the relay) and the sink (the counter).
type natsEnv struct {
	emb                  *transport.Embedded
	producer, proc, sink *transport.Conn
	log                  *slog.Logger
}

func startNATS(log *slog.Logger) (*natsEnv, error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{Logger: quiet})
	if err != nil {
		return nil, err
	}
	env := &natsEnv{emb: emb, log: log}
	for _, c := range []**transport.Conn{&env.producer, &env.proc, &env.sink} {
		*c, err = transport.Connect(transport.ConnOptions{URL: emb.ClientURL(), Name: "velort-bench", Logger: log})
		if err != nil {
			env.close()
			return nil, err
		}
	}
	return env, nil
}

func (env *natsEnv) close() {
	for _, c := range []*transport.Conn{env.producer, env.proc, env.sink} {
		if c != nil {
			c.Close()
		}
	}
	env.emb.Shutdown()
}

// runNATS times one nats-mode run: ds.JSON published to the query's source
// subject, consumed, processed and republished by a velort partition loop,
// and counted by a subscriber on the sink subject, from the first publish
// until the loop's end-of-input marker arrives. Then, in the same run, the
// do-nothing relay over as many messages of the dataset's median size.
func runNATS(env *natsEnv, q *query, ds *Dataset) (measurement, error) {
	var m measurement
	if err := ds.loadTableKV(env); err != nil { // a stream–table join's table (run_nats_join.go)
		return m, err
	}
	pipe, release, err := q.pipeline()
	if err != nil {
		return m, err
	}
	defer release()
	names := make([]string, len(q.Columns))
	for i, c := range q.Columns {
		names[i] = c.Name
	}
	sinkSubjects := make([]string, q.Sink.Partitions)
	for p := range sinkSubjects {
		sinkSubjects[p] = q.Sink.PartitionSubject(p)
	}
	in := q.Source.PartitionSubject(0)
	// What the query fixes, as velort run's loops get it (a changelog
	// source's key: S2-changelog's records upsert their ids).
	cfg := velort.LoopConfig(q.pl, q.Query)
	cfg.Partition, cfg.Subject, cfg.Pipeline = 0, in, pipe
	cfg.Sink = partition.Sink{Subjects: sinkSubjects, KeyIdx: q.Sink.KeyIdx, Columns: names}
	cfg.EOFWriters, cfg.Replay, cfg.Logger = 1, true, env.log
	if f := q.Sink.PayloadFormat; f != nil { // a format scenario (payload_format.go)
		cfg.Sink.Format, cfg.Sink.Schema = f, q.Columns
	}
	cfg.Format = q.Source.PayloadFormat
	// An interval join reads two streams: sideSubjects[side] is where a
	// record of that side is published (run_nats_join.go).
	sideSubjects := configureJoin(q, ds, &cfg)
	inputs := []string{in}
	if sideSubjects != nil {
		inputs = sideSubjects
	}
	loop := partition.New(env.proc.NC, cfg)
	if err := loop.Subscribe(); err != nil {
		return m, err
	}
	sub, err := env.sink.SubscribeSync(transport.WildcardSubject(q.Sink.Subject))
	if err != nil {
		return m, err
	}
	defer sub.Unsubscribe()
	for _, c := range []*transport.Conn{env.proc, env.sink} {
		if err := c.Flush(5 * time.Second); err != nil {
			return m, err
		}
	}

	var received atomic.Int64
	sinkDone := make(chan error, 1)
	go func() {
		eofs := 0
		for {
			msg, err := sub.NextMsg(natsStall)
			if err != nil {
				sinkDone <- fmt.Errorf("sink %s: %d outputs received, then: %w", q.Sink.Subject, received.Load(), err)
				return
			}
			if partition.IsEOF(msg) {
				if eofs++; eofs == len(sinkSubjects) {
					sinkDone <- nil
					return
				}
				continue
			}
			received.Add(1)
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	loopDone := make(chan error, 1)
	go func() { loopDone <- loop.Run(ctx) }()

	var m0, m1 goruntime.MemStats
	goruntime.ReadMemStats(&m0)
	start := time.Now()
	nc := env.producer.NC
	for i, msg := range ds.JSON {
		if i%1024 == 0 {
			if err := waitWindow(int64(i), &loop.Stats, &received, loopDone); err != nil {
				return m, err
			}
		}
		to := in
		if sideSubjects != nil {
			to = sideSubjects[ds.join.sides[i]]
		}
		if err := nc.Publish(to, msg); err != nil {
			return m, err
		}
	}
	for _, s := range inputs {
		if err := nc.PublishMsg(partition.NewEOF(s)); err != nil {
			return m, err
		}
	}
	if err := nc.Flush(); err != nil {
		return m, err
	}
	select {
	case err := <-sinkDone:
		if err != nil {
			return m, err
		}
	case err := <-loopDone:
		if err == nil {
			err = <-sinkDone
		}
		if err != nil {
			return m, fmt.Errorf("velort loop: %w", err)
		}
	}
	m.elapsed = time.Since(start)
	goruntime.ReadMemStats(&m1)
	m.allocs, m.bytes = m1.Mallocs-m0.Mallocs, m1.TotalAlloc-m0.TotalAlloc
	m.outputs = received.Load()
	if dl := loop.Stats.DeadLettered.Load(); dl != 0 {
		return m, fmt.Errorf("%d records dead-lettered", dl)
	}
	if late := loop.Stats.Late.Load(); late != 0 {
		return m, fmt.Errorf("%d records dropped as late; the data is in order", late)
	}

	payload := medianPayload(ds.JSON)
	m.relay, err = transport.RunRelayConns(env.producer.NC, env.proc.NC, env.sink.NC, relayIn, relayOut, len(ds.JSON), payload)
	if err != nil {
		return m, err
	}
	return m, nil
}

// waitWindow holds the publisher until the loop has taken in all but
// natsWindow of the published records and the sink has received all but
// natsWindow of the loop's outputs.
func waitWindow(published int64, st *partition.Stats, received *atomic.Int64, loopDone chan error) error {
	last, lastAt := int64(-1), time.Now()
	for {
		in := int64(st.In.Load())
		lag := int64(st.Out.Load()) - received.Load()
		if published-in <= natsWindow && lag <= natsWindow {
			return nil
		}
		if p := in + received.Load(); p != last {
			last, lastAt = p, time.Now()
		} else if time.Since(lastAt) > natsStall {
			return fmt.Errorf("stalled: %d published, %d taken in by velort, %d outputs received", published, in, received.Load())
		}
		select {
		case err := <-loopDone:
			if err == nil {
				err = errors.New("velort loop ended early")
			}
			return err
		default:
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// medianPayload returns a message of the median length.
func medianPayload(msgs [][]byte) []byte {
	lens := make([]int, len(msgs))
	for i, m := range msgs {
		lens[i] = len(m)
	}
	med := medianInt(lens)
	for _, m := range msgs {
		if len(m) == med {
			return m
		}
	}
	return msgs[len(msgs)/2]
}
