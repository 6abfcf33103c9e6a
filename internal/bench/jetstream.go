package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	velort "github.com/velort/velort/engine"
	"github.com/velort/velort/partition"
	"github.com/velort/velort/planner"
	"github.com/velort/velort/transport"
)

// Durable (JetStream) S0: velort's partition loop reading a durable
// consumer and writing a JetStream sink with message ids, against a
// do-nothing JetStream relay doing the same messaging with no decoding,
// measured in the same run on the same server.

// DurableResult is the outcome of DurableS0: records/s of each run and
// their medians.
type DurableResult struct {
	Records      int
	Velort       []float64 // records/s per run
	Relay        []float64
	VelortMedian float64
	RelayMedian  float64
	RatioMedian  float64 // median of the per-run ratios velort/relay
}

const (
	durIn      = "bench.dur.in"
	durBatch   = 256 // messages per fetch, as velort's loop
	durTimeout = 2 * time.Minute
)

// DurableS0 runs the S0 query `runs` times over `records` JSON records
// stored in a JetStream stream (file storage on a fresh embedded server
// each run): first through a velort partition loop (durable pull consumer
// → decode → filter/project → encode → JetStream publish with
// Nats-Msg-Id, outputs confirmed before each batch is acknowledged), then
// through the relay (same consumer settings, each payload republished as
// is with a message id, same confirmation and acknowledgement); every
// other run the relay goes first. Each is timed from its start until its
// last output is confirmed stored.
func DurableS0(ctx context.Context, records, runs int, log *slog.Logger) (DurableResult, error) {
	res := DurableResult{Records: records}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	pl, err := planner.Parse("internal/bench/sql/s0.sql", mustSQL("s0.sql"), planner.Options{})
	if err != nil {
		return res, err
	}
	q := pl.Queries[0]
	for r := 0; r < runs; r++ {
		v, rl, err := durableRun(ctx, pl, q, records, r%2 == 1, log)
		if err != nil {
			return res, fmt.Errorf("run %d: %w", r+1, err)
		}
		res.Velort = append(res.Velort, float64(records)/v.Seconds())
		res.Relay = append(res.Relay, float64(records)/rl.Seconds())
	}
	ratios := make([]float64, runs)
	for i := range ratios {
		ratios[i] = res.Velort[i] / res.Relay[i]
	}
	res.VelortMedian, res.RelayMedian, res.RatioMedian = median(res.Velort), median(res.Relay), median(ratios)
	return res, nil
}

// s0JSON is record i of S0's data (SPEC §5).
func s0JSON(dst []byte, i int) []byte {
	return fmt.Appendf(dst, `{"order_id":%d,"customer_id":%d,"order_date":"2024-01-15","total_amount":%d}`, i, i%1000, 150+i%100)
}

// durableRun fills the input stream, then times velort and the relay.
func durableRun(ctx context.Context, pl *planner.Plan, q *planner.Query, n int, relayFirst bool, log *slog.Logger) (velort, relay time.Duration, err error) {
	dir, err := os.MkdirTemp("", "velort-bench-js-*")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{DataDir: dir, Logger: log})
	if err != nil {
		return 0, 0, err
	}
	defer emb.Shutdown()
	conn := func() (*transport.Conn, error) {
		return transport.Connect(transport.ConnOptions{URL: emb.ClientURL(), Name: "velort-bench", Logger: log})
	}
	prod, err := conn()
	if err != nil {
		return 0, 0, err
	}
	defer prod.Close()
	for name, subj := range map[string]string{"BENCH_DUR_IN": durIn, "BENCH_DUR_VOUT": "bench.dur.vout", "BENCH_DUR_ROUT": "bench.dur.rout"} {
		if err := prod.EnsureStream(name, []string{subj}, 2*time.Minute); err != nil {
			return 0, 0, err
		}
	}
	if err := fill(prod.NC, n); err != nil {
		return 0, 0, err
	}

	proc, err := conn()
	if err != nil {
		return 0, 0, err
	}
	defer proc.Close()
	rc, err := conn()
	if err != nil {
		return 0, 0, err
	}
	defer rc.Close()
	runVelort := func() (err error) {
		if velort, err = timeVelort(ctx, proc, pl, q, n, log); err != nil {
			return fmt.Errorf("velort: %w", err)
		}
		return nil
	}
	runRelay := func() (err error) {
		if relay, err = timeRelay(rc, n); err != nil {
			return fmt.Errorf("relay: %w", err)
		}
		return nil
	}
	if relayFirst { // alternate, so neither side always meets a warmer server
		err = errors.Join(runRelay(), runVelort())
	} else {
		err = errors.Join(runVelort(), runRelay())
	}
	return velort, relay, err
}

// fill stores n S0 records and an end-of-input marker (not timed).
func fill(nc *nats.Conn, n int) error {
	js, err := nc.JetStream(nats.PublishAsyncMaxPending(16384))
	if err != nil {
		return err
	}
	var buf []byte
	for i := range n {
		buf = s0JSON(buf[:0], i)
		if _, err := js.PublishAsync(durIn, slices.Clone(buf)); err != nil {
			return err
		}
	}
	if _, err := js.PublishMsgAsync(partition.NewEOF(durIn)); err != nil {
		return err
	}
	select {
	case <-js.PublishAsyncComplete():
		return nil
	case <-time.After(durTimeout):
		return errors.New("input not stored in time")
	}
}

// timeVelort runs S0 in a partition loop as `velort run` does for a
// JetStream source and sink, until the end-of-input marker.
func timeVelort(ctx context.Context, proc *transport.Conn, pl *planner.Plan, q *planner.Query, n int, log *slog.Logger) (time.Duration, error) {
	insts := planner.NewInstances(ctx)
	defer insts.Close()
	pipe, err := q.NewPipeline(0, insts)
	if err != nil {
		return 0, err
	}
	names := make([]string, len(q.Columns))
	for i, c := range q.Columns {
		names[i] = c.Name
	}
	cfg := velort.LoopConfig(pl, q)
	cfg.Subject, cfg.Pipeline = durIn, pipe
	cfg.Sink, cfg.SinkJetStream = partition.Sink{Subjects: []string{"bench.dur.vout"}, Columns: names}, true
	cfg.EOFWriters, cfg.Replay, cfg.AckAfter, cfg.Logger = 1, true, q.AckAfter, log
	loop := partition.New(proc.NC, cfg)
	start := time.Now()
	sub, err := proc.DurableConsumerWith("BENCH_DUR_IN", "velort_s0_0", durIn, transport.ConsumerOptions{})
	if err != nil {
		return 0, err
	}
	loop.SubscribePull(sub)
	rctx, cancel := context.WithTimeout(ctx, durTimeout)
	defer cancel()
	if err := loop.Run(rctx); err != nil {
		return 0, err
	}
	d := time.Since(start)
	if rctx.Err() != nil {
		return 0, errors.New("timed out")
	}
	if got := loop.Stats.Out.Load(); got != uint64(n) {
		return 0, fmt.Errorf("%d outputs, want %d", got, n)
	}
	return d, nil
}

// timeRelay copies the input to another stream with no decoding: fetch a
// batch, republish each payload asynchronously with a message id, wait for
// JetStream to confirm the batch, acknowledge it (AckAll on its last
// message); until the end-of-input marker.
func timeRelay(rc *transport.Conn, n int) (time.Duration, error) {
	js, err := rc.NC.JetStream(nats.PublishAsyncMaxPending(4096))
	if err != nil {
		return 0, err
	}
	start := time.Now()
	sub, err := rc.DurableConsumerWith("BENCH_DUR_IN", "relay", durIn, transport.ConsumerOptions{})
	if err != nil {
		return 0, err
	}
	defer sub.Unsubscribe()
	relayed, id := 0, make([]byte, 0, 32)
	for {
		msgs, err := sub.Fetch(durBatch, nats.MaxWait(200*time.Millisecond))
		if err != nil && !errors.Is(err, nats.ErrTimeout) {
			return 0, err
		}
		if time.Since(start) > durTimeout {
			return 0, fmt.Errorf("timed out after %d messages", relayed)
		}
		eof := false
		for _, m := range msgs {
			if partition.IsEOF(m) {
				eof = true
				continue
			}
			out := nats.NewMsg("bench.dur.rout")
			out.Data = m.Data
			id = strconv.AppendUint(append(id[:0], "relay/"...), transport.StreamSeq(m.Reply), 10)
			out.Header.Set(nats.MsgIdHdr, string(id))
			if _, err := js.PublishMsgAsync(out); err != nil {
				return 0, err
			}
			relayed++
		}
		if len(msgs) > 0 {
			select {
			case <-js.PublishAsyncComplete():
			case <-time.After(30 * time.Second):
				return 0, errors.New("outputs not confirmed")
			}
			if err := msgs[len(msgs)-1].Ack(); err != nil {
				return 0, err
			}
		}
		if eof {
			break
		}
	}
	d := time.Since(start)
	if relayed != n {
		return 0, fmt.Errorf("%d relayed, want %d", relayed, n)
	}
	return d, nil
}
