package partition

import (
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/runtime"
)

// Forward configures the first half of a repartition. Subjects[t] is the
// subject of target partition t for this source partition; it ends in the
// source partition's number so the target can tell its upstreams apart.
type Forward struct {
	Subjects []string
	Keys     []runtime.Expr // the group key, evaluated on the source row
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

type forwarder struct {
	subjects []string
	keys     []runtime.Expr
	buf      []byte
}

func (f *forwarder) init(cfg *Forward) {
	f.subjects, f.keys = cfg.Subjects, cfg.Keys
}

// forward sends a record that passes the filter to its group's partition.
func (l *Loop) forward(m *nats.Msg, et int64) error {
	if outs := l.cfg.Pipeline.Execute(&l.ctx, l.row, et); l.ctx.Err != nil {
		return l.deadLetter(m, l.ctx.Err.Error())
	} else if len(outs) == 0 {
		return nil
	}
	f := &l.fwd
	if err := l.nc.Publish(f.subjects[f.target(&l.ctx, l.row)], m.Data); err != nil {
		return err
	}
	l.Stats.Out.Add(1)
	if et > l.maxET {
		l.maxET = et
	}
	return nil
}

// heartbeat tells every target how far this idle upstream has got, so
// their watermarks (a minimum over upstreams) keep moving.
func (l *Loop) heartbeat() error {
	l.noteIdle()
	if l.maxET == -1<<62 || time.Since(l.lastIn) < l.cfg.Idle {
		return nil
	}
	progress := l.maxET + time.Since(l.lastIn).Milliseconds()
	for _, s := range l.fwd.subjects {
		hb := nats.NewMsg(s)
		hb.Header.Set(HeaderControl, ControlWatermark)
		hb.Header.Set(HeaderToken, ControlToken())
		hb.Header.Set(HeaderWatermark, strconv.FormatInt(progress, 10))
		if err := l.nc.PublishMsg(hb); err != nil {
			return err
		}
	}
	return nil
}

// sourceWatermark applies an upstream's heartbeat.
func (l *Loop) sourceWatermark(m *nats.Msg) {
	if l.srcMax == nil {
		return
	}
	v, err := strconv.ParseInt(m.Header.Get(HeaderWatermark), 10, 64)
	if err == nil {
		_ = l.observe(m, v)
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
