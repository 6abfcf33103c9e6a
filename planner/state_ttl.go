package planner

import (
	"time"

	"github.com/velort/velort/runtime"
)

// state_ttl (docs/sql.md, "State and state_ttl"): a derived stream's or
// table's WITH (state_ttl = '1h') bounds the state of its statement's
// operators whose state grows without bound — a GROUP BY without a window
// (SELECT DISTINCT is one) emitting changes, and a regular join — its
// hidden stages included: an entry whose last change is older than the
// watermark less the ttl is forgotten (runtime/state_ttl.go).

// stateTTL parses a state_ttl option's duration.
func (p *parser) stateTTL(o option) (time.Duration, bool) {
	d, err := time.ParseDuration(o.value)
	if err != nil || d <= 0 || d.Milliseconds() < 1 || d.Milliseconds() > runtime.MaxWindowMs {
		p.errorf(o.tok, "expected a duration like '30m', '1h' or '90s' for state_ttl (how long a group or join row is kept after its last change; from 1ms to 100 years), found %s", describe(o.tok))
		return 0, false
	}
	return d, true
}

// applyStateTTL gives the queries sink's statement planned (pl.Queries
// from first on: its stages, then its own) the sink's state_ttl, and
// refuses it when none of them keeps state it bounds.
func (p *parser) applyStateTTL(pl *Plan, sink *Stream, first int) {
	if p.fail != nil || sink == nil || sink.StateTTL <= 0 || first > len(pl.Queries) {
		return
	}
	bounded := false
	for _, q := range pl.Queries[first:] {
		if q.Sink != nil && q.Sink != sink && q.Sink.Hidden {
			q.Sink.StateTTL = sink.StateTTL // a stage inherits its statement's
		}
		bounded = bounded || q.stateTTLMs() > 0
	}
	for _, q := range pl.Queries[first:] {
		if q.ttlEventTime() {
			q.readTTLTimes()
		}
	}
	if !bounded {
		p.errorf(p.src.tokenAt(sink.stateTTLPos), "state_ttl bounds the state of a GROUP BY without a window (SELECT DISTINCT too) and of a regular join, and the query of %s has none: %s; remove state_ttl", sink.Name, unboundedWhy(pl.Queries[first:]))
	}
}

// unboundedWhy says why the queries' state needs no ttl.
func unboundedWhy(qs []*Query) string {
	for _, q := range qs {
		switch {
		case q.Source != nil && q.Source.View:
			return "it reads view " + q.Source.Name + ", whose state is the view's own (a view's queries run once for all their readers; state_ttl does not reach them yet)"
		case q.Kind == "group" && q.Window.Kind != runtime.NoWindow:
			return "a windowed GROUP BY's state is already bounded by the watermark (each window is dropped when it closes)"
		case q.Kind == "group" && q.Emit == runtime.EmitFinal:
			return "a GROUP BY with EMIT FINAL emits each group once, at end of input: forgetting a group would lose its row"
		case q.interval != nil:
			return "an interval join's state is already bounded by its time bound and the watermark"
		case q.regular != nil && q.regular.windowEnd != nil:
			return "a window join's state is already bounded by its windows"
		}
	}
	return "a filter or projection keeps no state"
}

// stateTTLMs is the ttl (ms) of q's state that it bounds; 0 when q has no
// such state or no ttl.
func (q *Query) stateTTLMs() int64 {
	if q.Sink == nil || q.Sink.StateTTL <= 0 {
		return 0
	}
	switch {
	case q.Kind == "group" && q.Window.Kind == runtime.NoWindow && q.Emit == runtime.EmitChanges,
		q.regular != nil && q.regular.windowEnd == nil:
		return q.Sink.StateTTL.Milliseconds()
	}
	return 0
}

// ttlEventTime reports whether q's regular join expires its rows by event
// time: it has a ttl and both its sides an event_time (otherwise by
// arrival).
func (q *Query) ttlEventTime() bool {
	s := q.regular
	return s != nil && q.stateTTLMs() > 0 && s.left.EventTimeIdx >= 0 && s.right.EventTimeIdx >= 0
}

// readTTLTimes makes q's regular join decode and keep each side's event
// time column, which its rows' expiry reads.
func (q *Query) readTTLTimes() {
	s := q.regular
	for side, st := range [2]*Stream{s.left, s.right} {
		if read := q.sideRead[side]; read != nil && st.EventTimeIdx < len(read) {
			read[st.EventTimeIdx] = true
		}
		if st == q.Source && q.Read != nil && st.EventTimeIdx < len(q.Read) {
			q.Read[st.EventTimeIdx] = true
		}
	}
}
