package planner

import (
	"strings"

	"github.com/dolthub/go-mysql-server/sql/expression"
)

// A stream velort writes — a stage, or a derived stream — that several
// loops write (the partitions of the queries writing it) and a query of
// the file reads by event time carries its writers' progress
// announcements, and its readers take their watermark from those — the
// minimum over writers — rather than from the interleaved records
// (partition/stage_watermark.go).

// stageWriters is how many loops write s when s is a stream with an event
// time that only queries of the file write, more than one loop; 0
// otherwise.
func (pl *Plan) stageWriters(s *Stream) int {
	if s == nil || !s.Derived || s.Materialized != nil || s.EventTime == "" {
		return 0
	}
	n := 0
	for _, q := range pl.Queries {
		if q.Sink == s {
			n += q.Source.Partitions
		}
	}
	if n < 2 {
		return 0
	}
	return n
}

// AnnounceWatermarks tells whether q's loops announce their progress to
// the readers of its sink, and which output column's largest published
// value they announce (-1: their input's event time, which q passes
// through unchanged as the sink's event time).
func (q *Query) AnnounceWatermarks() (timeIdx int, ok bool) {
	read := false
	for _, r := range q.plan.Queries {
		if r.Source == q.Sink && r.InputWriters() > 0 {
			read = true
		}
	}
	if !read {
		return 0, false // no query of the file reads it by event time
	}
	if q.passesEventTime(q.Sink.EventTimeIdx) {
		return -1, true
	}
	return q.Sink.EventTimeIdx, true
}

// InputWriters is, for a query reading by event time a stage several
// loops write, how many; 0 when its watermark comes from its records.
// Joins keep their own watermarks per side. A query repartitioned over
// core NATS takes them in its first half, which relays their least
// announcement to its second half as its progress (the records it
// forwards are as interleaved as it received them).
func (q *Query) InputWriters() int {
	if q.TimeIdx < 0 || q.regular != nil || q.interval != nil {
		return 0
	}
	return q.plan.stageWriters(q.Source)
}

// passesEventTime reports whether output column col of the stateless q
// is its source's event-time column, unchanged.
func (q *Query) passesEventTime(col int) bool {
	if q.Kind != "stateless" || q.inChangelog || q.regular != nil || q.interval != nil || q.TimeIdx < 0 ||
		q.shape == nil || len(q.shape.inner) > 0 || col < 0 || col >= len(q.shape.project) {
		return false
	}
	e := q.shape.project[col]
	for {
		a, ok := e.(*expression.Alias)
		if !ok {
			break
		}
		e = a.Child
	}
	gf, ok := e.(*expression.GetField)
	return ok && strings.EqualFold(gf.Name(), q.Source.EventTime)
}
