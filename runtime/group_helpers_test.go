package runtime

import (
	"errors"
	"strconv"
	"strings"
)

// Helpers shared by the stage tests (prefixed st to stay clear of other
// test files of the package).

// stSink records every emitted row as text; errors reported by the driver
// are recorded in the same sequence.
type stSink struct{ lines []string }

func (s *stSink) Emit(_ *Ctx, r Row) { s.lines = append(s.lines, stFmt(r)) }

// stCol compiles a column reference.
func stCol(i int) Expr { return func(_ *Ctx, r Row) Value { return r[i] } }

// stCase is CASE WHEN cond THEN then END.
func stCase(cond, then Expr) Expr {
	return func(c *Ctx, r Row) Value {
		if v := cond(c, r); v.T != TNull && Truthy(v) {
			return then(c, r)
		}
		return Null
	}
}

func stStr(s string) Value { return String([]byte(s)) }

// stFmtValue renders a value for exact comparison: NULL, 12, 1.5 (DOUBLE),
// 3.75d (DECIMAL), 'ab' (VARCHAR), @60000 (TIMESTAMP), true/false.
func stFmtValue(v Value) string {
	switch v.T {
	case TNull:
		return "NULL"
	case TInt:
		return strconv.FormatInt(v.I, 10)
	case TDouble:
		return strconv.FormatFloat(v.F, 'g', -1, 64)
	case TDecimal:
		s := strconv.FormatInt(v.I, 10)
		neg := strings.HasPrefix(s, "-")
		s = strings.TrimPrefix(s, "-")
		for len(s) <= int(v.Scale) {
			s = "0" + s
		}
		if v.Scale > 0 {
			s = s[:len(s)-int(v.Scale)] + "." + s[len(s)-int(v.Scale):]
		}
		if neg {
			s = "-" + s
		}
		return s + "d"
	case TString, TJSON:
		return "'" + string(v.S) + "'"
	case TTimestamp:
		return "@" + strconv.FormatInt(v.I, 10)
	case TBool:
		return strconv.FormatBool(v.I != 0)
	}
	return "?"
}

func stFmt(r Row) string {
	parts := make([]string, len(r))
	for i, v := range r {
		parts[i] = stFmtValue(v)
	}
	return strings.Join(parts, "|")
}

// stEvent is one input record with its event time.
type stEvent struct {
	row Row
	t   int64
}

// stRun drives a stage as a partition loop does: Process each record, then
// Advance when the watermark (max event time - delay) moved, and finally
// Advance(EndOfTime). Late records and errors appear in the output as
// "LATE <t>" / "ERR <msg>" lines.
func stRun(st Stage, delay int64, evs []stEvent) []string {
	sink := &stSink{}
	stFeed(st, sink, delay, evs, true)
	return sink.lines
}

func stFeed(st Stage, sink *stSink, delay int64, evs []stEvent, end bool) {
	c := &Ctx{}
	maxT, wm := int64(-1<<62), int64(-1<<62)
	for _, e := range evs {
		c.Reset()
		st.Process(c, e.row, e.t, sink)
		if c.Err != nil {
			var le *LateError
			if errors.As(c.Err, &le) {
				sink.lines = append(sink.lines, "LATE "+strconv.FormatInt(le.EventTimeMs, 10))
			} else {
				sink.lines = append(sink.lines, "ERR "+c.Err.Error())
			}
			continue
		}
		maxT = max(maxT, e.t)
		if maxT-delay > wm {
			wm = maxT - delay
			st.Advance(c, wm, sink)
		}
	}
	if end {
		st.Advance(c, EndOfTime, sink)
	}
}

// stKV builds events [key, value] for a one-key, one-argument query.
func stKV(key string, v Value, t int64) stEvent {
	return stEvent{row: Row{stStr(key), v}, t: t}
}
