package partition

import (
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/runtime"
)

// Watermarks through a stage written by several loops (SPEC §2 "Composed
// queries": watermarks flow through exchanges, the minimum over inputs).
//
// A stage's stream interleaves the records of all its writers (the
// partitions of the queries writing it) in whatever order they arrive, so
// the largest event time a reader has seen says nothing about the writers
// that are behind. Each writer therefore announces its progress: a
// watermark control message naming it (HeaderWriter) on every partition of
// the stage, after the records it covers (the same connection publishes
// both, in order). A reader of such a stage (Config.Writers) takes its
// watermark from those announcements only — the minimum over all its
// writers, less its watermark delay — never from its records' event times.
// A writer's end-of-input marker retires it.

// Announce makes a loop announce its progress to the readers of its sink
// (Sink.Announce).
type Announce struct {
	// TimeIdx is the sink column of the stage's event time, whose largest
	// published value is announced; -1 announces the loop's own input
	// event time instead (a stateless loop passing its event time through,
	// whose filtered-out records then still move the readers on).
	TimeIdx int
}

// announceEvery is how many input records a writer processes between
// announcements (and at each idle poll it announces any progress).
const announceEvery = 1024

type announcer struct {
	on     bool
	writer string
	maxOut int64 // largest event time published (TimeIdx >= 0)
	sent   int64 // last value announced
	n      int   // records since the last announcement
}

func (l *Loop) initAnnounce() {
	a := l.cfg.Sink.Announce
	if a == nil || l.cfg.Forward != nil || len(l.cfg.Sink.Subjects) == 0 {
		return
	}
	l.ann = announcer{on: true, writer: l.cfg.Query + "/" + strconv.Itoa(l.cfg.Partition), maxOut: -1 << 62, sent: -1 << 62}
}

// progress is what the loop can announce now.
func (l *Loop) progress() int64 {
	if l.cfg.Sink.Announce.TimeIdx < 0 {
		return l.maxET
	}
	return l.ann.maxOut
}

// noteOutputs tracks the largest event time among published rows.
func (l *Loop) noteOutputs(rows []runtime.Row) {
	idx := l.cfg.Sink.Announce.TimeIdx
	if idx < 0 {
		return
	}
	for _, r := range rows {
		if v := r[idx]; v.T != runtime.TNull && v.I > l.ann.maxOut {
			l.ann.maxOut = v.I
		}
	}
}

// announceSome announces progress every announceEvery records.
func (l *Loop) announceSome() error {
	if l.ann.n++; l.ann.n < announceEvery {
		return nil
	}
	return l.announce(l.progress())
}

// announceIdle announces progress at an idle poll: what was reached, or,
// for a loop announcing its input's event time whose input has been idle
// for the idle timeout, that time moved on by the wall-clock time since
// (as a repartition's heartbeat does; not in replay, whose input only
// waits for its readers).
func (l *Loop) announceIdle() error {
	v := l.progress()
	if l.cfg.Sink.Announce.TimeIdx < 0 && !l.cfg.Replay && l.maxET != -1<<62 && time.Since(l.lastIn) >= l.cfg.Idle {
		v = l.maxET + time.Since(l.lastIn).Milliseconds()
	}
	return l.announce(v)
}

func (l *Loop) announce(v int64) error {
	l.ann.n = 0
	if v <= l.ann.sent || v == -1<<62 {
		return nil
	}
	l.ann.sent = v
	for _, s := range l.cfg.Sink.Subjects {
		m := nats.NewMsg(s)
		m.Header.Set(HeaderControl, ControlWatermark)
		m.Header.Set(HeaderToken, ControlToken())
		m.Header.Set(HeaderWriter, l.ann.writer)
		m.Header.Set(HeaderWatermark, strconv.FormatInt(v, 10))
		if err := l.nc.PublishMsg(m); err != nil {
			return err
		}
	}
	return nil
}

// writerMarks is a stage reader's latest announcement of each writer.
type writerMarks struct {
	n  int
	at map[string]int64
}

// writerWatermark applies a writer's announcement: once every writer has
// announced, the watermark is the least announcement less the delay.
func (l *Loop) writerWatermark(m *nats.Msg) error {
	w, ok := headerValue(m, HeaderWriter)
	if !ok {
		return nil
	}
	v, err := strconv.ParseInt(m.Header.Get(HeaderWatermark), 10, 64)
	if err != nil {
		return nil
	}
	return l.markWriter(w, v)
}

// writerDone retires the writer of an end-of-input marker.
func (l *Loop) writerDone(m *nats.Msg) error {
	if w, ok := headerValue(m, HeaderWriter); ok {
		return l.markWriter(w, runtime.EndOfTime/2)
	}
	return nil
}

func (l *Loop) markWriter(w string, v int64) error {
	wm := &l.marks
	if prev, ok := wm.at[w]; ok && prev >= v {
		return nil
	}
	wm.at[w] = v
	if len(wm.at) < wm.n {
		return nil
	}
	least := int64(runtime.EndOfTime)
	for _, x := range wm.at {
		least = min(least, x)
	}
	if least >= runtime.EndOfTime/2 {
		return nil // every writer ended: end of input flushes
	}
	if l.cfg.Forward != nil {
		// A repartition's first half: its records reach the second half
		// interleaved as the writers wrote them, so it passes their least
		// announcement on as its progress (Config.SourcesAnnounce).
		return l.relayProgress(least)
	}
	return l.advance(least - l.cfg.Delay.Milliseconds())
}
