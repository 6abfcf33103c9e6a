package partition

import (
	"context"
	"fmt"
	"runtime/debug"
)

// An internal error is a velort bug met while processing: a panic in an
// operator. It never takes the process down with a Go stack trace:
//
//   - the record being processed goes to the dead-letter subject with
//     "internal error: …" as its reason, counted in Stats.InternalErrors,
//     and the stack is logged at ERROR;
//   - a loop without state (filters, projections, lookups of a table,
//     forwarding) goes on with the next record, as for any bad record;
//   - a loop with state (groups, windows, joins, a changelog's table,
//     micro-batches) stops: the panic may have left its state half
//     updated, and a wrong number is worse than no number. Run returns an
//     error naming the query and partition, and velort stops its other
//     loops as for any fatal error (each checkpoints on its way out).
//
// The guard is one deferred recover per Run, not per record; the loop
// notes the record it hands to its processor (Loop.handling).

// runGuarded runs the loop, turning a panic into an internal error; again
// reports that the loop may go on.
func (l *Loop) runGuarded(ctx context.Context) (err error, again bool) {
	defer func() {
		if r := recover(); r != nil {
			err, again = l.internalError(r, debug.Stack())
		}
	}()
	return l.run(ctx), false
}

// internalError handles a panic r met with the given stack.
func (l *Loop) internalError(r any, stack []byte) (error, bool) {
	m := l.handling
	l.handling = nil
	l.Stats.InternalErrors.Add(1)
	reason := fmt.Sprintf("internal error: %v", r)
	l.cfg.Logger.Error("internal error: a velort bug met while processing; please report it with the dead-lettered record",
		"query", l.cfg.Query, "partition", l.cfg.Partition, "panic", fmt.Sprint(r), "stack", string(stack))
	if m == nil {
		return fmt.Errorf("query %s partition %d: %s (a velort bug, not while processing a record); the partition stopped", l.cfg.Query, l.cfg.Partition, reason), false
	}
	if err := l.deadLetter(m, reason); err != nil {
		return err, false
	}
	if l.stateless() {
		return nil, true
	}
	return fmt.Errorf("query %s partition %d: %s (a velort bug) processing a record of %s, dead-lettered to %s; the partition stopped, as its state may be half updated",
		l.cfg.Query, l.cfg.Partition, reason, m.Subject, l.cfg.DLQ), false
}

// stateless reports whether the loop keeps no state a panic could leave
// half updated: no stage, join or changelog table, no micro-batch.
func (l *Loop) stateless() bool {
	p := l.cfg.Pipeline
	return p.Stage == nil && p.Join == nil && p.RegularJoin == nil && !l.cfg.Changelog && l.cfg.Joined == nil && !l.batched
}
