package runtime

import "sort"

// windowSet holds the open TUMBLE/HOP windows of a group stage, sorted by
// start, each with its cells in creation (group first-seen) order. Without
// a window it holds a single window closing at EndOfTime. Window records
// and their cell lists are reused.
type windowSet struct {
	wins []windowInfo
	live []int32 // indexes into wins, sorted by start
	free []int32
}

type windowInfo struct {
	start, end int64
	cells      []int32
}

// get returns the window [start, end), creating it if needed.
func (ws *windowSet) get(start, end int64) int32 {
	n := len(ws.live)
	pos := n
	if n > 0 {
		last := ws.live[n-1]
		if s := ws.wins[last].start; s == start {
			return last
		} else if s > start {
			pos = sort.Search(n, func(i int) bool { return ws.wins[ws.live[i]].start >= start })
			if pos < n && ws.wins[ws.live[pos]].start == start {
				return ws.live[pos]
			}
		}
	}
	var w int32
	if k := len(ws.free); k > 0 {
		w = ws.free[k-1]
		ws.free = ws.free[:k-1]
	} else {
		w = int32(len(ws.wins))
		ws.wins = append(ws.wins, windowInfo{})
	}
	wi := &ws.wins[w]
	wi.start, wi.end, wi.cells = start, end, wi.cells[:0]
	ws.live = append(ws.live, 0)
	copy(ws.live[pos+1:], ws.live[pos:])
	ws.live[pos] = w
	return w
}

// popFront releases the earliest window, which the caller has drained.
func (ws *windowSet) popFront() {
	w := ws.live[0]
	ws.wins[w].cells = ws.wins[w].cells[:0]
	copy(ws.live, ws.live[1:])
	ws.live = ws.live[:len(ws.live)-1]
	ws.free = append(ws.free, w)
}

// windowFloorDiv is floor(a / b) for b > 0.
func windowFloorDiv(a, b int64) int64 {
	if a >= 0 {
		return a / b
	}
	q := a / b
	if q*b != a {
		q--
	}
	return q
}
