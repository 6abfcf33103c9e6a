package planner

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/velort/velort/runtime"
)

// streamingClauses are the parts of a continuous query that MySQL's
// grammar lacks, removed from the text before go-mysql-server sees it.
type streamingClauses struct {
	emit        string // "", "changes" or "final"
	window      runtime.WindowSpec
	timeColumn  string // window time column; "" = processing time
	timeToken   token  // where timeColumn is written
	hasWindow   bool
	windowToken token
	// inserts are text insertions (at byte offsets of the file) that turn
	// Velostream's ROWS WINDOW BUFFER n ROWS into a standard frame.
	inserts []insertion
}

type insertion struct {
	at   int
	text string
}

// stripStreaming blanks EMIT …, WINDOW TUMBLING/SLIDING/SESSION(…) and the
// TUMBLE/HOP/SESSION(…) group windows out of the statement text (replacing
// bytes with spaces so that every offset stays valid) and returns the
// clauses found. toks are the SELECT's tokens; text is the whole file.
func (p *parser) stripStreaming(toks []token, text []byte) (streamingClauses, bool) {
	var sc streamingClauses
	blank := func(from, to int) {
		for i := from; i < to; i++ {
			if text[i] != '\n' {
				text[i] = ' '
			}
		}
	}
	depth := 0
	groupBy := -1 // index of the BY token of a top-level GROUP BY
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case isPunct(t, "("):
			depth++
			continue
		case isPunct(t, ")"):
			depth--
			continue
		}
		// FIRST_VALUE(x)/LAST_VALUE(x) without OVER are the grouped
		// aggregates; MySQL's grammar knows them only as window functions,
		// so they become FIRST(x)/LAST(x), right-aligned to keep offsets.
		if (isKeyword(t, "FIRST_VALUE") || isKeyword(t, "LAST_VALUE")) && i+1 < len(toks) && isPunct(toks[i+1], "(") {
			if closing := matchingParen(toks, i+2); closing > 0 && !(closing+1 < len(toks) && isKeyword(toks[closing+1], "OVER")) {
				name := strings.TrimSuffix(strings.ToUpper(t.text), "_VALUE")
				blank(t.start, t.end)
				copy(text[t.end-len(name):t.end], name)
			}
		}
		if depth != 0 {
			if isKeyword(t, "ROWS") && i+4 < len(toks) && isKeyword(toks[i+1], "WINDOW") && isKeyword(toks[i+2], "BUFFER") && isKeyword(toks[i+4], "ROWS") {
				n, err := strconv.Atoi(toks[i+3].text)
				if err != nil || n < 1 || n > runtime.MaxFrameRows {
					p.errorf(toks[i+3], "expected a row count from 1 to %d after BUFFER, found %s (see docs/sql.md, Limits)", runtime.MaxFrameRows, describe(toks[i+3]))
					return sc, false
				}
				closing := matchingParen(toks, i)
				if closing < 0 {
					p.errorf(t, "expected ')' to close OVER (")
					return sc, false
				}
				blank(t.start, toks[i+4].end)
				sc.inserts = append(sc.inserts, insertion{at: toks[closing].start, text: fmt.Sprintf(" ROWS BETWEEN %d PRECEDING AND CURRENT ROW", n-1)})
				i += 4
			}
			continue
		}
		next := token{kind: tokEOF}
		if i+1 < len(toks) {
			next = toks[i+1]
		}
		switch {
		case isKeyword(t, "GROUP") && isKeyword(next, "BY"):
			groupBy = i + 1
		case isKeyword(t, "EMIT"):
			switch {
			case isKeyword(next, "CHANGES"):
				sc.emit = "changes"
			case isKeyword(next, "FINAL"):
				sc.emit = "final"
			default:
				p.errorf(next, "expected CHANGES or FINAL after EMIT, found %s", describe(next))
				return sc, false
			}
			blank(t.start, next.end)
			i++
		case isKeyword(t, "WINDOW") && next.kind == tokIdent && isWindowKind(next.text, true):
			end, ok := p.windowCall(toks, i+1, &sc, true)
			if !ok {
				return sc, false
			}
			blank(t.start, toks[end].end)
			i = end
		case groupBy >= 0 && t.kind == tokIdent && isWindowKind(t.text, false) && isPunct(next, "("):
			end, ok := p.windowCall(toks, i, &sc, false)
			if !ok {
				return sc, false
			}
			// The window's bounds stay grouping columns (go-mysql-server
			// then accepts window_start without an aggregate): the call
			// becomes `window_start, window_end` in place, when it fits.
			if bounds := "window_start, window_end"; t.start+len(bounds) <= toks[end].end {
				blank(t.start, toks[end].end)
				copy(text[t.start:], bounds)
				i = end
				continue
			}
			from, to := t.start, toks[end].end
			switch {
			case i-1 > groupBy && isPunct(toks[i-1], ","):
				from = toks[i-1].start
			case end+1 < len(toks) && isPunct(toks[end+1], ","):
				to = toks[end+1].end
			case i-1 == groupBy: // the window was the only grouping item
				from = toks[groupBy-1].start
			}
			blank(from, to)
			i = end
		}
	}
	return sc, true
}

func isWindowKind(name string, velostream bool) bool {
	n := strings.ToUpper(name)
	if velostream {
		return n == "TUMBLING" || n == "SLIDING" || n == "SESSION" || n == "HOPPING"
	}
	return n == "TUMBLE" || n == "HOP" || n == "SESSION"
}

// windowCall parses NAME(args) starting at toks[at] and returns the index
// of the closing parenthesis.
func (p *parser) windowCall(toks []token, at int, sc *streamingClauses, velostream bool) (int, bool) {
	name := toks[at]
	if sc.hasWindow {
		p.errorf(name, "a query can have only one window")
		return 0, false
	}
	sc.hasWindow, sc.windowToken = true, name
	if at+1 >= len(toks) || !isPunct(toks[at+1], "(") {
		p.errorf(name, "expected '(' after %s", name.text)
		return 0, false
	}
	var args [][]token
	var cur []token
	depth := 0
	end := -1
	for j := at + 2; j < len(toks); j++ {
		t := toks[j]
		if isPunct(t, "(") {
			depth++
		} else if isPunct(t, ")") {
			if depth == 0 {
				end = j
				break
			}
			depth--
		}
		if depth == 0 && isPunct(t, ",") {
			args = append(args, cur)
			cur = nil
			continue
		}
		cur = append(cur, t)
	}
	if end < 0 {
		p.errorf(name, "expected ')' to close %s(", name.text)
		return 0, false
	}
	args = append(args, cur)
	// A first argument that is a column names the time attribute.
	if len(args[0]) > 0 && args[0][0].kind == tokIdent && !isKeyword(args[0][0], "INTERVAL") {
		col := args[0][len(args[0])-1]
		sc.timeColumn, sc.timeToken = col.text, col
		args = args[1:]
	}
	durs := make([]int64, len(args))
	for k, a := range args {
		d, ok := p.duration(a, name)
		if !ok {
			return 0, false
		}
		durs[k] = d
	}
	kind := strings.ToUpper(name.text)
	want := map[string]int{"TUMBLE": 1, "TUMBLING": 1, "HOP": 2, "SLIDING": 2, "HOPPING": 2, "SESSION": 1}[kind]
	if len(durs) != want {
		p.errorf(name, "%s expects a time column and %d interval(s), found %d", kind, want, len(durs))
		return 0, false
	}
	switch kind {
	case "TUMBLE", "TUMBLING":
		sc.window = runtime.WindowSpec{Kind: runtime.Tumble, Size: durs[0]}
	case "HOP": // Flink: HOP(time, slide, size)
		sc.window = runtime.WindowSpec{Kind: runtime.Hop, Slide: durs[0], Size: durs[1]}
	case "SLIDING", "HOPPING": // Velostream: SLIDING(time, size, advance)
		sc.window = runtime.WindowSpec{Kind: runtime.Hop, Size: durs[0], Slide: durs[1]}
	case "SESSION":
		sc.window = runtime.WindowSpec{Kind: runtime.Session, Gap: durs[0]}
	}
	if w := sc.window; w.Kind == runtime.Hop && w.Slide <= w.Size {
		if n := runtime.HopWindows(w); n > runtime.MaxHopWindows {
			p.errorf(name, "%s with size %d ms and slide %d ms puts each record in %d windows: the limit is %d (size/slide); expected a longer slide, or a TUMBLE (see docs/sql.md, Limits)", kind, w.Size, w.Slide, n, runtime.MaxHopWindows)
			return 0, false
		}
	}
	return end, true
}

// duration parses INTERVAL 'n' UNIT, INTERVAL n UNIT, or a Go-style
// duration literal (1m, 500ms), returning milliseconds.
func (p *parser) duration(a []token, at token) (int64, bool) {
	if len(a) == 0 {
		p.errorf(at, "expected an interval like INTERVAL '1' MINUTE")
		return 0, false
	}
	if len(a) == 1 && a[0].kind == tokNumber {
		d, err := time.ParseDuration(a[0].text)
		if err != nil || d <= 0 {
			p.errorf(a[0], "expected a duration like 1m, 30s or 500ms, found %s", describe(a[0]))
			return 0, false
		}
		if d.Milliseconds() > runtime.MaxWindowMs {
			p.errorf(a[0], "duration %s is too long: windows are limited to 100 years (see docs/sql.md, Limits)", a[0].text)
			return 0, false
		}
		return d.Milliseconds(), true
	}
	if !isKeyword(a[0], "INTERVAL") || len(a) != 3 {
		p.errorf(a[0], "expected INTERVAL 'n' UNIT, found %s", describe(a[0]))
		return 0, false
	}
	n, err := strconv.ParseInt(a[1].text, 10, 64)
	if err != nil || n <= 0 {
		p.errorf(a[1], "expected a positive whole number of units, found %s", describe(a[1]))
		return 0, false
	}
	unit := strings.ToUpper(strings.TrimSuffix(strings.ToUpper(a[2].text), "S"))
	ms := map[string]int64{"MILLISECOND": 1, "SECOND": 1000, "MINUTE": 60_000, "HOUR": 3_600_000, "DAY": 86_400_000}[unit]
	if ms == 0 {
		p.errorf(a[2], "expected MILLISECOND, SECOND, MINUTE, HOUR or DAY, found %s", describe(a[2]))
		return 0, false
	}
	if n > runtime.MaxWindowMs/ms {
		p.errorf(a[1], "interval %d %s is too long: windows are limited to 100 years (see docs/sql.md, Limits)", n, strings.ToUpper(a[2].text))
		return 0, false
	}
	return n * ms, true
}

// matchingParen returns the index of the ')' closing the parenthesis that
// encloses toks[i], or -1.
func matchingParen(toks []token, i int) int {
	depth := 0
	for j := i; j < len(toks); j++ {
		switch {
		case isPunct(toks[j], "("):
			depth++
		case isPunct(toks[j], ")"):
			if depth == 0 {
				return j
			}
			depth--
		}
	}
	return -1
}

// applyInserts returns text[from:] with the insertions applied.
func applyInserts(text []byte, from int, ins []insertion) string {
	var b []byte
	last := from
	for _, in := range ins {
		b = append(b, text[last:in.at]...)
		b = append(b, in.text...)
		last = in.at
	}
	return string(append(b, text[last:]...))
}
