package planner

import (
	"bytes"
	"regexp/syntax"
	"unicode/utf8"
)

// simpleRE finds the leftmost-first match of a pattern of a few simple
// shapes without RE2 and without allocating: a sequence of items, each a
// fixed run of atoms (literals, character classes, ., ^, $) or a choice
// among such runs (an alternation, in its order; x? as x, then nothing),
// ending with at most one greedy x* or x+ of a one-character atom —
// '(&|^)channel_id=[^&]*' and '^&?channel_id=' (Nexmark q21). A choice
// is tried in priority order and the tail repetition comes last, so the
// first path that matches is the one RE2's leftmost-first search takes;
// start positions advance a character at a time, as RE2's do. Each start
// costs at most the pattern's paths (bounded) times its atoms, and the
// tail runs only on the match: linear in the text.
type simpleRE struct {
	items    [][][]simpleAtom // per item its options, in priority order
	tail     *simpleAtom      // the final repetition's atom (nil: none)
	tailMin  int              // 0 for *, 1 for +
	anchored bool             // every path starts with ^: only position 0
	// A literal every match contains, found first with bytes.Index: a
	// match starts at most lead bytes before its first occurrence.
	lit  []byte
	lead int
}

type simpleAtom struct {
	op  syntax.Op // OpLiteral, OpCharClass, OpAnyChar, OpAnyCharNotNL, OpBeginText, OpEndText, OpEmptyMatch
	lit []byte    // OpLiteral: its UTF-8 bytes
	cls []rune    // OpCharClass: ranges, lo-hi pairs
}

// simpleLimits bound the patterns simpleRE takes.
const (
	simpleMaxItems = 16
	simpleMaxPaths = 64
)

// newSimpleRE returns the matcher of a parsed pattern, or nil when the
// pattern has another shape.
func newSimpleRE(t *syntax.Regexp) *simpleRE {
	parts := simpleFlatten(nil, t)
	m := &simpleRE{}
	paths := 1
	for i, p := range parts {
		p = simpleUncapture(p)
		if i == len(parts)-1 && (p.Op == syntax.OpStar || p.Op == syntax.OpPlus) && p.Flags&syntax.NonGreedy == 0 {
			a, ok := simpleAtomOf(simpleUncapture(p.Sub[0]))
			if !ok || !a.oneChar() {
				return nil
			}
			m.tail = &a
			if p.Op == syntax.OpPlus {
				m.tailMin = 1
			}
			continue
		}
		var opts [][]simpleAtom
		switch p.Op {
		case syntax.OpQuest:
			if p.Flags&syntax.NonGreedy != 0 {
				return nil
			}
			run, ok := simpleRun(p.Sub[0])
			if !ok {
				return nil
			}
			opts = [][]simpleAtom{run, nil}
		case syntax.OpAlternate:
			for _, b := range p.Sub {
				run, ok := simpleRun(b)
				if !ok {
					return nil
				}
				opts = append(opts, run)
			}
		default:
			run, ok := simpleRun(p)
			if !ok {
				return nil
			}
			opts = [][]simpleAtom{run}
		}
		if paths *= len(opts); paths > simpleMaxPaths || len(m.items) == simpleMaxItems {
			return nil
		}
		m.items = append(m.items, opts)
	}
	if len(m.items) > 0 {
		m.anchored = true
		for _, run := range m.items[0] {
			if len(run) == 0 || run[0].op != syntax.OpBeginText {
				m.anchored = false
			}
		}
	}
	// The prefilter: the longest literal of an item without a choice.
	lead := 0
	for _, opts := range m.items {
		w := 0
		for _, run := range opts {
			rw := 0
			for _, a := range run {
				if len(opts) == 1 && a.op == syntax.OpLiteral && len(a.lit) > len(m.lit) {
					m.lit, m.lead = a.lit, lead+rw
				}
				rw += a.width()
			}
			w = max(w, rw)
		}
		lead += w
	}
	return m
}

// simpleFlatten appends t's parts in order, through groups and nested
// sequences (a(?:b|) of ab|a): a sequence of sequences is one sequence.
func simpleFlatten(parts []*syntax.Regexp, t *syntax.Regexp) []*syntax.Regexp {
	t = simpleUncapture(t)
	if t.Op != syntax.OpConcat {
		return append(parts, t)
	}
	for _, s := range t.Sub {
		parts = simpleFlatten(parts, s)
	}
	return parts
}

// simpleUncapture strips capturing groups (only FindIndex is answered).
func simpleUncapture(t *syntax.Regexp) *syntax.Regexp {
	for t.Op == syntax.OpCapture {
		t = t.Sub[0]
	}
	return t
}

// simpleRun is t as a fixed run of atoms.
func simpleRun(t *syntax.Regexp) ([]simpleAtom, bool) {
	t = simpleUncapture(t)
	subs := []*syntax.Regexp{t}
	if t.Op == syntax.OpConcat {
		subs = t.Sub
	}
	var run []simpleAtom
	for _, s := range subs {
		a, ok := simpleAtomOf(simpleUncapture(s))
		if !ok {
			return nil, false
		}
		run = append(run, a)
	}
	return run, true
}

func simpleAtomOf(t *syntax.Regexp) (simpleAtom, bool) {
	switch t.Op {
	case syntax.OpLiteral:
		if t.Flags&syntax.FoldCase != 0 || len(t.Rune) == 0 {
			return simpleAtom{}, false
		}
		s := string(t.Rune)
		if !utf8.ValidString(s) || bytes.ContainsRune([]byte(s), utf8.RuneError) {
			return simpleAtom{}, false
		}
		return simpleAtom{op: t.Op, lit: []byte(s)}, true
	case syntax.OpCharClass:
		return simpleAtom{op: t.Op, cls: t.Rune}, true
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL, syntax.OpBeginText, syntax.OpEndText, syntax.OpEmptyMatch:
		return simpleAtom{op: t.Op}, true
	}
	return simpleAtom{}, false
}

// oneChar: the atom matches exactly one character.
func (a *simpleAtom) oneChar() bool {
	switch a.op {
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return true
	case syntax.OpLiteral:
		return utf8.RuneCount(a.lit) == 1
	}
	return false
}

// width is the most bytes the atom matches.
func (a *simpleAtom) width() int {
	switch a.op {
	case syntax.OpLiteral:
		return len(a.lit)
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return utf8.UTFMax
	}
	return 0
}

// char matches a one-character atom at s[pos:]: the character's width,
// or 0 (no character there or not in the atom). Bytes that are not UTF-8
// are each U+FFFD, as RE2 reads them.
func (a *simpleAtom) char(s []byte, pos int) int {
	if pos >= len(s) {
		return 0
	}
	r, w := rune(s[pos]), 1
	if r >= utf8.RuneSelf {
		r, w = utf8.DecodeRune(s[pos:])
	}
	switch a.op {
	case syntax.OpAnyChar:
		return w
	case syntax.OpAnyCharNotNL:
		if r != '\n' {
			return w
		}
	case syntax.OpLiteral:
		if bytes.HasPrefix(s[pos:], a.lit) {
			return len(a.lit)
		}
	case syntax.OpCharClass:
		for i := 0; i+1 < len(a.cls); i += 2 {
			if r < a.cls[i] {
				break // ranges are sorted
			}
			if r <= a.cls[i+1] {
				return w
			}
		}
	}
	return 0
}

// runAt matches a run of atoms at pos: the end, or -1.
func simpleRunAt(s []byte, run []simpleAtom, pos int) int {
	for i := range run {
		a := &run[i]
		switch a.op {
		case syntax.OpLiteral:
			if !bytes.HasPrefix(s[pos:], a.lit) {
				return -1
			}
			pos += len(a.lit)
		case syntax.OpBeginText:
			if pos != 0 {
				return -1
			}
		case syntax.OpEndText:
			if pos != len(s) {
				return -1
			}
		case syntax.OpEmptyMatch:
		default:
			w := a.char(s, pos)
			if w == 0 {
				return -1
			}
			pos += w
		}
	}
	return pos
}

// from matches items[i:] and the tail at pos, trying each item's options
// in priority order: the end of the first path that matches, or -1.
func (m *simpleRE) from(s []byte, i, pos int) int {
	if i == len(m.items) {
		if m.tail == nil {
			return pos
		}
		n := 0
		for {
			w := m.tail.char(s, pos)
			if w == 0 {
				break
			}
			pos += w
			n++
		}
		if n < m.tailMin {
			return -1
		}
		return pos
	}
	for _, run := range m.items[i] {
		if p := simpleRunAt(s, run, pos); p >= 0 {
			if e := m.from(s, i+1, p); e >= 0 {
				return e
			}
		}
	}
	return -1
}

// findFrom is the leftmost-first match at or after from (a character's
// start; RE2's FindIndex(s) from 0), ^ matching only at 0.
func (m *simpleRE) findFrom(s []byte, from int) (match [2]int, found bool) {
	pos := from
	if m.lit != nil {
		i := bytes.Index(s[from:], m.lit)
		if i < 0 {
			return match, false
		}
		// Start where RE2's character-by-character walk from from passes
		// at or before the literal's position - lead: a byte that is not a
		// UTF-8 continuation byte is never inside a character the walk
		// steps over.
		if pos = from + i - m.lead; pos < from {
			pos = from
		}
		for pos > from && s[pos]&0xc0 == 0x80 {
			pos--
		}
	}
	for {
		if e := m.from(s, 0, pos); e >= 0 {
			return [2]int{pos, e}, true
		}
		if pos >= len(s) || m.anchored {
			return match, false
		}
		if s[pos] < utf8.RuneSelf {
			pos++
		} else {
			_, w := utf8.DecodeRune(s[pos:])
			pos += w
		}
	}
}
