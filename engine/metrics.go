package engine

import (
	"errors"
	"log/slog"
	"math"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/transport"
	"github.com/velort/velort/udf"
)

// consumerPoll is how often JetStream consumer info (lag) is fetched.
const consumerPoll = 3 * time.Second

// serveMetrics exposes the counters of the loops running at each scrape
// (they change as shared partitions move between instances) in Prometheus
// format at addr, and returns a function that stops the server.
func serveMetrics(log *slog.Logger, addr string, loops func() []*partition.Loop, udfStats func() []udf.FuncStats, conn *transport.Conn) (func(), error) {
	reg, lc := newMetricsRegistry(loops, udfStats, conn)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	stopPoll := make(chan struct{})
	go lc.pollConsumers(stopPoll)
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server", "err", err)
		}
	}()
	log.Info("serving metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	return func() { close(stopPoll); _ = srv.Close() }, nil
}

// newMetricsRegistry registers velort's metrics (served by --metrics and
// --http); the loop collector's consumer poll (lc.pollConsumers) is the
// caller's to run.
func newMetricsRegistry(loops func() []*partition.Loop, udfStats func() []udf.FuncStats, conn *transport.Conn) (*prometheus.Registry, *loopCollector) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	lc := &loopCollector{loops: loops, lag: map[*partition.Loop]consumerLag{}}
	reg.MustRegister(lc, udfCollector(udfStats))
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "velort_nats_slow_consumer_events_total", Help: "Slow-consumer events reported by the NATS client."},
		func() float64 { return float64(conn.SlowConsumers()) }))
	return reg, lc
}

// metric describes one per-loop series.
type metric struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(l *partition.Loop, lag consumerLag) float64
	// which loops have it
	consumer, checkpointing bool
	// how the two loops of a repartitioned query's partition (forward
	// half, then aggregate half) make one series: summed, or the value of
	// the first (records in: the query's input) or the last (records
	// out, watermark: its output)
	merge int
}

const (
	mergeSum = iota
	mergeFirst
	mergeLast
)

func newMetric(name, help string, kind prometheus.ValueType, value func(*partition.Loop, consumerLag) float64) metric {
	return metric{desc: prometheus.NewDesc(name, help, []string{"query", "partition"}, nil), kind: kind, value: value}
}

var loopMetrics = func() []metric {
	counter, gauge := prometheus.CounterValue, prometheus.GaugeValue
	stat := func(f func(st *partition.Stats) float64) func(*partition.Loop, consumerLag) float64 {
		return func(l *partition.Loop, _ consumerLag) float64 { return f(&l.Stats) }
	}
	all := []metric{
		newMetric("velort_records_in_total", "Records received by a partition loop.", counter, stat(func(st *partition.Stats) float64 { return float64(st.In.Load()) })),
		newMetric("velort_records_out_total", "Records published by a partition loop.", counter, stat(func(st *partition.Stats) float64 { return float64(st.Out.Load()) })),
		newMetric("velort_records_dead_lettered_total", "Records sent to the dead-letter subject.", counter, stat(func(st *partition.Stats) float64 { return float64(st.DeadLettered.Load()) })),
		newMetric("velort_records_late_total", "Records that arrived after their windows closed.", counter, stat(func(st *partition.Stats) float64 { return float64(st.Late.Load()) })),
		newMetric("velort_records_dropped_total", "Records of a core NATS source dropped because the partition's intake was full (the query fell behind; see docs/delivery.md#limits-and-overload).", counter,
			stat(func(st *partition.Stats) float64 { return float64(st.Dropped.Load()) })),
		newMetric("velort_outputs_oversized_total", "Outputs larger than the NATS server's max_payload, dead-lettered instead of published.", counter,
			stat(func(st *partition.Stats) float64 { return float64(st.Oversized.Load()) })),
		newMetric("velort_records_misrouted_total", "Records on a partition subject their key does not hash to, dead-lettered (keyed stateful queries).", counter,
			stat(func(st *partition.Stats) float64 { return float64(st.Misrouted.Load()) })),
		newMetric("velort_internal_errors_total", "velort bugs met while processing (a panic in an operator): the record was dead-lettered; a stateful partition stops (see docs/delivery.md#internal-errors).", counter,
			stat(func(st *partition.Stats) float64 { return float64(st.InternalErrors.Load()) })),
		newMetric("velort_state_expired_total", "State entries (groups, join rows) forgotten by the query's state_ttl.", counter,
			stat(func(st *partition.Stats) float64 { return float64(st.StateExpired.Load()) })),
		newMetric("velort_state_rows", "State entries the partition's operators hold: groups (x windows), join rows, Top-N rows, row-frame keys (noted every 1024 records and when idle).", gauge,
			stat(func(st *partition.Stats) float64 { return float64(st.StateRows.Load()) })),
		newMetric("velort_watermark_ms", "Current watermark (epoch ms).", gauge, stat(func(st *partition.Stats) float64 { return float64(st.Watermark.Load()) })),
	}
	all[0].merge, all[1].merge, all[len(all)-1].merge = mergeFirst, mergeLast, mergeLast
	consumer := []metric{
		newMetric("velort_redeliveries_total", "JetStream inputs delivered more than once (a redelivery of an input already processed is skipped).", counter,
			stat(func(st *partition.Stats) float64 { return float64(st.Redelivered.Load()) })),
		newMetric("velort_sink_retries_total", "Outputs published again after a JetStream sink refused or did not confirm them.", counter,
			stat(func(st *partition.Stats) float64 { return float64(st.SinkRetries.Load()) })),
		newMetric("velort_consumer_pending_messages", "Consumer lag: messages of the partition's subject not yet delivered (JetStream num_pending, polled).", gauge,
			func(_ *partition.Loop, g consumerLag) float64 { return g.pending }),
		newMetric("velort_consumer_ack_pending_messages", "Messages delivered and not yet acknowledged (JetStream num_ack_pending, polled).", gauge,
			func(_ *partition.Loop, g consumerLag) float64 { return g.ackPending }),
		newMetric("velort_consumer_redelivered_messages", "Messages being redelivered (JetStream num_redelivered, polled).", gauge,
			func(_ *partition.Loop, g consumerLag) float64 { return g.redelivered }),
	}
	checkpoint := []metric{
		newMetric("velort_checkpoints_total", "Operator-state checkpoints saved.", counter, stat(func(st *partition.Stats) float64 { return float64(st.Checkpoints.Load()) })),
		newMetric("velort_checkpoint_errors_total", "Checkpoint saves that failed (retried at the next interval).", counter, stat(func(st *partition.Stats) float64 { return float64(st.CheckpointErrors.Load()) })),
		newMetric("velort_checkpoint_bytes", "Size of the last checkpoint.", gauge, stat(func(st *partition.Stats) float64 { return float64(st.CheckpointBytes.Load()) })),
		newMetric("velort_checkpoint_seq", "Stream sequence of the last input the last checkpoint reflects.", gauge, stat(func(st *partition.Stats) float64 { return float64(st.CheckpointSeq.Load()) })),
		newMetric("velort_checkpoint_age_seconds", "Time since the last checkpoint was saved (NaN: none yet).", gauge, stat(func(st *partition.Stats) float64 {
			at := st.CheckpointAtMs.Load()
			if at == 0 {
				return math.NaN()
			}
			return float64(time.Now().UnixMilli()-at) / 1000
		})),
	}
	for i := range consumer {
		consumer[i].consumer = true
	}
	for i := range checkpoint {
		checkpoint[i].checkpointing = true
	}
	return append(append(all, consumer...), checkpoint...)
}()

// consumerLag is a loop's last polled consumer info (NaN until a poll
// succeeds).
// registerMetrics registers velort's series (no Go or process collectors)
// with a registerer of the embedding program; it returns their
// unregistration.
func registerMetrics(r prometheus.Registerer, lc *loopCollector, udfStats func() []udf.FuncStats, conn *transport.Conn) (func(), error) {
	cs := []prometheus.Collector{lc, udfCollector(udfStats),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "velort_nats_slow_consumer_events_total", Help: "Slow-consumer events reported by the NATS client."},
			func() float64 { return float64(conn.SlowConsumers()) })}
	var done []prometheus.Collector
	unreg := func() {
		for _, c := range done {
			r.Unregister(c)
		}
	}
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			unreg()
			return nil, err
		}
		done = append(done, c)
	}
	return unreg, nil
}

type consumerLag struct{ pending, ackPending, redelivered float64 }

var unknownLag = consumerLag{math.NaN(), math.NaN(), math.NaN()}

// loopCollector reports every running loop's series at each scrape.
type loopCollector struct {
	loops func() []*partition.Loop
	mu    sync.Mutex
	lag   map[*partition.Loop]consumerLag
}

// Describe sends nothing: the series come and go with the loops (an
// unchecked collector).
func (c *loopCollector) Describe(chan<- *prometheus.Desc) {}

func (c *loopCollector) Collect(ch chan<- prometheus.Metric) {
	// One series per (query, partition): a repartitioned query's two
	// loops (listed forward half first) are merged, as two series with the
	// same labels would fail the whole scrape.
	type unitKey struct {
		q string
		p int
	}
	var units [][]*partition.Loop
	at := map[unitKey]int{}
	for _, l := range c.loops() {
		k := unitKey{l.QueryName(), l.Partition()}
		if i, ok := at[k]; ok {
			units[i] = append(units[i], l)
			continue
		}
		at[k] = len(units)
		units = append(units, []*partition.Loop{l})
	}
	for _, ls := range units {
		labels := []string{ls[0].QueryName(), strconv.Itoa(ls[0].Partition())}
		for _, m := range loopMetrics {
			var v float64
			found := false
			for _, l := range ls {
				consumer := l.Consumer() != nil
				if m.consumer && !consumer || m.checkpointing && !(consumer && l.Checkpointing()) {
					continue
				}
				lag := unknownLag
				if consumer {
					c.mu.Lock()
					if g, ok := c.lag[l]; ok {
						lag = g
					}
					c.mu.Unlock()
				}
				x := m.value(l, lag)
				switch {
				case !found || m.merge == mergeLast:
					v = x
				case m.merge == mergeSum:
					v += x
				}
				found = true
			}
			if found {
				ch <- prometheus.MustNewConstMetric(m.desc, m.kind, v, labels...)
			}
		}
	}
}

// pollConsumers fetches consumer info off the hot path, every consumerPoll.
func (c *loopCollector) pollConsumers(stop <-chan struct{}) {
	t := time.NewTicker(consumerPoll)
	defer t.Stop()
	for {
		seen := map[*partition.Loop]consumerLag{}
		for _, l := range c.loops() {
			sub := l.Consumer()
			if sub == nil {
				continue
			}
			info, err := sub.ConsumerInfo()
			if err != nil {
				continue
			}
			seen[l] = consumerLag{float64(info.NumPending), float64(info.NumAckPending), float64(info.NumRedelivered)}
		}
		c.mu.Lock()
		c.lag = seen
		c.mu.Unlock()
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

var (
	udfCallsDesc = prometheus.NewDesc("velort_udf_calls_total",
		"Calls of a user function over all partitions: scalar calls counted from one call in 64, plus every row of its batch calls.", []string{"module", "function"}, nil)
	udfBatchCallsDesc = prometheus.NewDesc("velort_udf_batch_calls_total",
		"Batch calls (one per micro-batch) of a user function over all partitions.", []string{"module", "function"}, nil)
	udfSecondsDesc = prometheus.NewDesc("velort_udf_seconds_total",
		"Time spent in a user function over all partitions: scalar calls estimated from one call in 64 timed, batch calls timed each.", []string{"module", "function"}, nil)
)

// udfCollector reports every loaded user function's calls, batch calls and time.
type udfCollector func() []udf.FuncStats

func (c udfCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- udfCallsDesc
	ch <- udfBatchCallsDesc
	ch <- udfSecondsDesc
}

func (c udfCollector) Collect(ch chan<- prometheus.Metric) {
	type key struct{ mod, fn string }
	sum := map[key]udf.FuncStats{}
	var order []key
	for _, s := range c() { // a module loaded twice (e.g. --plugins and CREATE FUNCTION) adds up
		k := key{filepath.Base(s.Module), s.Func}
		t, seen := sum[k]
		if !seen {
			order = append(order, k)
		}
		t.Calls += s.Calls
		t.Batches += s.Batches
		t.Time += s.Time
		sum[k] = t
	}
	for _, k := range order {
		ch <- prometheus.MustNewConstMetric(udfCallsDesc, prometheus.CounterValue, float64(sum[k].Calls), k.mod, k.fn)
		ch <- prometheus.MustNewConstMetric(udfBatchCallsDesc, prometheus.CounterValue, float64(sum[k].Batches), k.mod, k.fn)
		ch <- prometheus.MustNewConstMetric(udfSecondsDesc, prometheus.CounterValue, sum[k].Time.Seconds(), k.mod, k.fn)
	}
}
