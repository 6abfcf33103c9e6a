package main

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/transport"
)

// serveMetrics exposes the loops' counters in Prometheus format at addr
// and returns a function that stops the server.
func serveMetrics(addr string, loops []*partition.Loop, conn *transport.Conn) (func(), error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	for _, l := range loops {
		labels := prometheus.Labels{"query": l.QueryName(), "partition": strconv.Itoa(l.Partition())}
		counter := func(name, help string, f func() float64) {
			reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels}, f))
		}
		counter("velort_records_in_total", "Records received by a partition loop.", func() float64 { return float64(l.Stats.In.Load()) })
		counter("velort_records_out_total", "Records published by a partition loop.", func() float64 { return float64(l.Stats.Out.Load()) })
		counter("velort_records_dead_lettered_total", "Records sent to the dead-letter subject.", func() float64 { return float64(l.Stats.DeadLettered.Load()) })
		counter("velort_records_late_total", "Records that arrived after their windows closed.", func() float64 { return float64(l.Stats.Late.Load()) })
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "velort_watermark_ms", Help: "Current watermark (epoch ms).", ConstLabels: labels},
			func() float64 { return float64(l.Stats.Watermark.Load()) }))
	}
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "velort_nats_slow_consumer_events_total", Help: "Slow-consumer events reported by the NATS client."},
		func() float64 { return float64(conn.SlowConsumers()) }))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
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
	return func() { _ = srv.Close() }, nil
}
