package partition

import (
	"errors"

	"github.com/velort/velort/runtime"
)

// outlet is where a loop's results go: core NATS subjects (outlet_core.go),
// a JetStream stream with message ids (outlet_jetstream.go), a
// materialized table and its KV change writer (outlet_table.go), or, for
// the first half of a repartition, the partitions of the second half
// (outlet_exchange.go, which forwards input records rather than rows).
// New picks it once from Config; the loop calls publish once per record
// that has outputs and once per watermark that releases rows.
//
// publish takes the pipeline's outputs for the current input (its ops,
// keys and ids are the pipeline's: runtime.Pipeline.Ops, Keys, IDs) and
// returns only errors that end the loop: an output too large for the
// server or that its format cannot encode is dead-lettered and counted.
// confirm returns once every output published so far is stored (JetStream)
// or handed to the connection; the loop acknowledges inputs only after
// it. markers is where the loop's end-of-input markers go.
type outlet interface {
	publish(rows []runtime.Row) error
	confirm() error
	markers() []string
}

// newOutlet picks the loop's outlet from its configuration.
func (l *Loop) newOutlet() outlet {
	o := l.sinkOutlet()
	if l.ann.on && l.cfg.Sink.Announce.TimeIdx >= 0 {
		return &announcingOutlet{outlet: o, l: l}
	}
	return o
}

// sinkOutlet is the outlet of the loop's sink.
func (l *Loop) sinkOutlet() outlet {
	switch {
	case l.cfg.Forward != nil: // whatever the second half's sink
		return &l.fwd
	case l.cfg.Sink.Table != nil:
		return &tableOutlet{l: l}
	case l.cfg.SinkJetStream:
		return &jsOutlet{l: l}
	}
	return &coreOutlet{l: l}
}

// publish hands the outputs of the current input (or of a watermark:
// l.cur nil) to the outlet.
func (l *Loop) publish(rows []runtime.Row) error { return l.outlet.publish(rows) }

// announcingOutlet is the outlet of a stage writer that announces the
// largest event time it published (Sink.Announce with a TimeIdx,
// stage_watermark.go): it notes each output's time, whichever processor
// or watermark published it, then hands it on.
type announcingOutlet struct {
	outlet
	l *Loop
}

func (o *announcingOutlet) publish(rows []runtime.Row) error {
	o.l.noteOutputs(rows)
	return o.outlet.publish(rows)
}

// errForwardRows: the first half of a repartition has no stage; its
// pipeline only filters.
var errForwardRows = errors.New("partition: the first half of a repartition publishes no rows")
