package partition

import (
	"strconv"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/runtime"
)

// exchangeIntake is the second half of a repartition (Config.Sources > 0):
// a core NATS subscription to the subjects every upstream partition
// forwards this partition's groups to (outlet_exchange.go), whose last
// token names the upstream. The loop's watermark is the minimum over the
// upstreams of each one's progress (Loop.srcMax: its records' event
// times, its heartbeats while idle), less the delay; an upstream's
// end-of-input marker stops it holding the watermark back.
type exchangeIntake struct {
	coreIntake
}

func (l *Loop) subscribeExchange() error {
	in, err := l.subscribeCore()
	if err != nil {
		return err
	}
	l.intake = &exchangeIntake{coreIntake: *in}
	return nil
}

// HeaderWatermark carries an upstream partition's progress (max event time
// seen) on a watermark control message.
const HeaderWatermark = "Velort-Watermark"

// ControlWatermark marks a watermark heartbeat from an idle upstream.
const ControlWatermark = "watermark"

// IsWatermark reports whether m is a watermark heartbeat published by
// velort (see controlToken). Only the second half of a repartition, which
// reads velort's internal _velort.repart subjects, applies them.
func IsWatermark(m *nats.Msg) bool { return isControl(m, ControlWatermark) }

// observeSource records event time et of upstream src's record and moves
// the watermark to the minimum over the upstreams.
func (l *Loop) observeSource(m *nats.Msg, et int64) error {
	if l.cfg.SourcesAnnounce {
		l.maxET = max(l.maxET, et)
		return nil // only the upstreams' heartbeats move the watermark
	}
	return l.sourceProgress(m, et)
}

// sourceProgress moves upstream src's progress to et, and the watermark to
// the minimum over the upstreams.
func (l *Loop) sourceProgress(m *nats.Msg, et int64) error {
	src := sourceOf(m.Subject)
	if src < 0 || src >= len(l.srcMax) || et <= l.srcMax[src] {
		return nil
	}
	l.srcMax[src] = et
	if et > l.maxET {
		l.maxET = et
	}
	return l.advance(minOf(l.srcMax) - l.cfg.Delay.Milliseconds())
}

// sourceWatermark applies an upstream's heartbeat.
func (l *Loop) sourceWatermark(m *nats.Msg) {
	if l.srcMax == nil {
		return
	}
	v, err := strconv.ParseInt(m.Header.Get(HeaderWatermark), 10, 64)
	if err == nil {
		_ = l.sourceProgress(m, v)
	}
}

// sourceDone marks an upstream as finished: it no longer holds the
// watermark back.
func (l *Loop) sourceDone(m *nats.Msg) {
	if src := sourceOf(m.Subject); src >= 0 && src < len(l.srcMax) {
		l.srcMax[src] = runtime.EndOfTime / 2
	}
}

// sourceOf parses the upstream partition from a repartition subject's
// last token; -1 if it is not a number.
func sourceOf(subject string) int {
	i := len(subject)
	for i > 0 && subject[i-1] != '.' {
		i--
	}
	n, err := strconv.Atoi(subject[i:])
	if err != nil {
		return -1
	}
	return n
}

func minOf(xs []int64) int64 {
	m := xs[0]
	for _, x := range xs[1:] {
		m = min(m, x)
	}
	return m
}
