package main

import (
	"errors"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/transport"
)

// consumerPoll is how often JetStream consumer info (lag) is fetched.
const consumerPoll = 3 * time.Second

// serveMetrics exposes the loops' counters in Prometheus format at addr
// and returns a function that stops the server.
func serveMetrics(addr string, loops []*partition.Loop, conn *transport.Conn) (func(), error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	var polled []*consumerGauges
	for _, l := range loops {
		labels := prometheus.Labels{"query": l.QueryName(), "partition": strconv.Itoa(l.Partition())}
		counter := func(name, help string, f func() float64) {
			reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels}, f))
		}
		gauge := func(name, help string, f func() float64) {
			reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels}, f))
		}
		st := &l.Stats
		counter("velort_records_in_total", "Records received by a partition loop.", func() float64 { return float64(st.In.Load()) })
		counter("velort_records_out_total", "Records published by a partition loop.", func() float64 { return float64(st.Out.Load()) })
		counter("velort_records_dead_lettered_total", "Records sent to the dead-letter subject.", func() float64 { return float64(st.DeadLettered.Load()) })
		counter("velort_records_late_total", "Records that arrived after their windows closed.", func() float64 { return float64(st.Late.Load()) })
		gauge("velort_watermark_ms", "Current watermark (epoch ms).", func() float64 { return float64(st.Watermark.Load()) })
		sub := l.Consumer()
		if sub == nil {
			continue
		}
		counter("velort_redeliveries_total", "JetStream inputs delivered more than once (a redelivery of an input already processed is skipped).",
			func() float64 { return float64(st.Redelivered.Load()) })
		counter("velort_sink_retries_total", "Outputs published again after a JetStream sink refused or did not confirm them.",
			func() float64 { return float64(st.SinkRetries.Load()) })
		g := newConsumerGauges(l)
		polled = append(polled, g)
		gauge("velort_consumer_pending_messages", "Consumer lag: messages of the partition's subject not yet delivered (JetStream num_pending, polled).",
			func() float64 { return math.Float64frombits(g.pending.Load()) })
		gauge("velort_consumer_ack_pending_messages", "Messages delivered and not yet acknowledged (JetStream num_ack_pending, polled).",
			func() float64 { return math.Float64frombits(g.ackPending.Load()) })
		gauge("velort_consumer_redelivered_messages", "Messages being redelivered (JetStream num_redelivered, polled).",
			func() float64 { return math.Float64frombits(g.redelivered.Load()) })
		if !l.Checkpointing() {
			continue
		}
		counter("velort_checkpoints_total", "Operator-state checkpoints saved.", func() float64 { return float64(st.Checkpoints.Load()) })
		counter("velort_checkpoint_errors_total", "Checkpoint saves that failed (retried at the next interval).", func() float64 { return float64(st.CheckpointErrors.Load()) })
		gauge("velort_checkpoint_bytes", "Size of the last checkpoint.", func() float64 { return float64(st.CheckpointBytes.Load()) })
		gauge("velort_checkpoint_seq", "Stream sequence of the last input the last checkpoint reflects.", func() float64 { return float64(st.CheckpointSeq.Load()) })
		gauge("velort_checkpoint_age_seconds", "Time since the last checkpoint was saved (NaN: none yet).", func() float64 {
			at := st.CheckpointAtMs.Load()
			if at == 0 {
				return math.NaN()
			}
			return float64(time.Now().UnixMilli()-at) / 1000
		})
	}
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "velort_nats_slow_consumer_events_total", Help: "Slow-consumer events reported by the NATS client."},
		func() float64 { return float64(conn.SlowConsumers()) }))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	stopPoll := make(chan struct{})
	if len(polled) > 0 {
		go pollConsumers(polled, stopPoll)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("metrics server", "err", err)
		}
	}()
	slog.Info("serving metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	return func() { close(stopPoll); _ = srv.Close() }, nil
}

// consumerGauges holds the last polled consumer info of a loop (float64
// bits; NaN until the first poll succeeds).
type consumerGauges struct {
	loop                             *partition.Loop
	pending, ackPending, redelivered atomic.Uint64
}

func newConsumerGauges(l *partition.Loop) *consumerGauges {
	g := &consumerGauges{loop: l}
	nan := math.Float64bits(math.NaN())
	g.pending.Store(nan)
	g.ackPending.Store(nan)
	g.redelivered.Store(nan)
	return g
}

// pollConsumers fetches consumer info off the hot path, every consumerPoll.
func pollConsumers(gs []*consumerGauges, stop <-chan struct{}) {
	t := time.NewTicker(consumerPoll)
	defer t.Stop()
	for {
		for _, g := range gs {
			info, err := g.loop.Consumer().ConsumerInfo()
			if err != nil {
				continue
			}
			g.pending.Store(math.Float64bits(float64(info.NumPending)))
			g.ackPending.Store(math.Float64bits(float64(info.NumAckPending)))
			g.redelivered.Store(math.Float64bits(float64(info.NumRedelivered)))
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}
