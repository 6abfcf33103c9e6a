package partition

import "time"

// State size in the metrics (velort_state_rows, velort_state_expired_total)
// and the clock of a regular join with a state_ttl (runtime/state_ttl.go).

// noteState copies the entries the pipeline's operators hold, and those
// its state_ttl forgot, into the loop's Stats. The loop calls it every
// 1 024 records, on idle ticks and when input ends or stops: not per
// record.
func (l *Loop) noteState() {
	if p := l.cfg.Pipeline; p != nil {
		l.Stats.StateRows.Store(int64(p.StateRows()))
		l.Stats.StateExpired.Store(uint64(p.StateExpired()))
	}
}

// regularTTL reports whether the loop's regular join forgets its rows by
// a state_ttl, and then, when its sides have no event time, reads the
// clock for the current record (its time is then its arrival).
func (l *Loop) regularTTL() bool {
	rj := l.cfg.Pipeline.RegularJoin
	if rj == nil || rj.TTL == 0 {
		return false
	}
	if !rj.EventTime {
		l.ctx.NowMs = time.Now().UnixMilli()
	}
	return true
}

// regularAdvance moves a regular join's watermark to the largest time of
// the records it applied (event time, or arrival), less the watermark
// delay: rows (and the groups of a GROUP BY over the join) whose last
// change is older than the ttl are forgotten.
func (l *Loop) regularAdvance() error {
	l.maxET = max(l.maxET, l.cfg.Pipeline.RegularJoin.Now)
	wm := l.maxET - l.cfg.Delay.Milliseconds()
	if wm <= l.wm {
		return nil
	}
	l.wm = wm
	l.Stats.Watermark.Store(wm)
	l.cur = nil
	l.ctx.Reset()
	return l.publish(l.cfg.Pipeline.Advance(&l.ctx, wm))
}
