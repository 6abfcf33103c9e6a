package planner

import (
	"bytes"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"

	"github.com/dolthub/go-mysql-server/sql"

	"github.com/velort/velort/runtime"
)

// REGEXP, RLIKE, REGEXP_LIKE, REGEXP_INSTR, REGEXP_SUBSTR, REGEXP_REPLACE
// run on Go's regexp package (RE2: matching time linear in the input, so
// no pattern can make a record spin), with MySQL 8's arguments. A
// constant pattern is compiled once at check time (an unsupported one is
// refused there); a varying one through a small per-closure cache.
// velort's strings use a binary collation: matching is case-sensitive
// unless match_type says 'i'. Positions count characters. Patterns of a
// few simple shapes find their matches with simpleRE instead (the same
// leftmost-first matches, also linear, without allocating).

func init() {
	nativeFuncs["regexp_like"] = nativeRegexp
	nativeFuncs["regexp_instr"] = nativeRegexp
	nativeFuncs["regexp_substr"] = nativeRegexp
	nativeFuncs["regexp_replace"] = nativeRegexp
}

// regexpSpec gives, per function, the argument index of match_type and
// the number of arguments allowed.
var regexpSpec = map[string]struct{ flags, minArgs, maxArgs int }{
	"regexp_like":    {2, 2, 3},
	"regexp_instr":   {5, 2, 6},
	"regexp_substr":  {4, 2, 5},
	"regexp_replace": {5, 3, 6},
}

// compileMySQLRegexp compiles a MySQL (ICU) pattern with match_type
// flags to RE2.
func compileMySQLRegexp(pat, flags string) (*regexp.Regexp, error) {
	var ci, multi, dotall bool
	for _, f := range flags {
		switch f {
		case 'c':
			ci = false
		case 'i':
			ci = true
		case 'm':
			multi = true
		case 'n':
			dotall = true
		case 'u':
		default:
			return nil, fmt.Errorf("Invalid match mode flag in regular expression: '%s'", flags)
		}
	}
	prefix := ""
	if ci || multi || dotall {
		prefix = "(?"
		if ci {
			prefix += "i"
		}
		if multi {
			prefix += "m"
		}
		if dotall {
			prefix += "s"
		}
		prefix += ")"
	}
	re, err := regexp.Compile(prefix + pat)
	if err != nil {
		msg := err.Error()
		if strings.Contains(msg, `\1`) || strings.Contains(msg, `\2`) || strings.Contains(msg, "(?=") || strings.Contains(msg, "(?!") || strings.Contains(msg, "(?<") || strings.Contains(msg, "invalid nested repetition") {
			msg += " (velort matches with linear-time RE2: backreferences, look-around and possessive quantifiers are not supported)"
		}
		return nil, fmt.Errorf("regular expression '%s' is not supported: %s", pat, msg)
	}
	return re, nil
}

// regexpCache keeps the most recently used compiled patterns of one
// closure (a varying pattern argument), most recent first.
type regexpCache struct {
	entries [16]regexpEntry
	n       int
}

type regexpEntry struct {
	pat, flags string
	re         *regexpFinder
	err        error
}

func (rc *regexpCache) get(pat, flags []byte) (*regexpFinder, error) {
	for i := 0; i < rc.n; i++ {
		e := &rc.entries[i]
		if e.pat == string(pat) && e.flags == string(flags) {
			hit := *e
			copy(rc.entries[1:i+1], rc.entries[:i])
			rc.entries[0] = hit
			return hit.re, hit.err
		}
	}
	var f *regexpFinder
	re, err := compileMySQLRegexp(string(pat), string(flags))
	if err == nil {
		f = newRegexpFinder(re)
	}
	if rc.n < len(rc.entries) {
		rc.n++
	}
	copy(rc.entries[1:rc.n], rc.entries[:rc.n-1])
	rc.entries[0] = regexpEntry{pat: string(pat), flags: string(flags), re: f, err: err}
	return f, err
}

func nativeRegexp(env *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	name := lowerName(f)
	spec := regexpSpec[name]
	if len(args) < spec.minArgs || len(args) > spec.maxArgs {
		return compiled{}, false, nil
	}
	children := f.Children()
	// The pattern: constant (compiled now) or per record (cached).
	var constRE *regexpFinder
	patConst, flagsConst := constText(children[1]), ""
	hasFlags := len(args) > spec.flags
	flagsKnown := true
	if hasFlags {
		if s, ok := constStringOrNull(children[spec.flags]); ok {
			flagsConst = s
		} else {
			flagsKnown = false
		}
	}
	if patConst != nil && flagsKnown {
		re, err := compileMySQLRegexp(*patConst, flagsConst)
		if err != nil {
			return compiled{}, true, err
		}
		constRE = newRegexpFinder(re)
	}
	cache := &regexpCache{}
	patFn := args[1].fn
	var flagsFn runtime.Expr
	if hasFlags {
		flagsFn = args[spec.flags].fn
	}
	// pattern returns the record's compiled pattern; null is true when the
	// pattern or flags are NULL.
	pattern := func(c *runtime.Ctx, r runtime.Row) (re *regexpFinder, null bool) {
		if constRE != nil {
			return constRE, false
		}
		p := patFn(c, r)
		if p.T == runtime.TNull {
			return nil, true
		}
		var fl []byte
		if flagsFn != nil {
			fv := flagsFn(c, r)
			if fv.T == runtime.TNull {
				return nil, true
			}
			fl = textOf(c, fv)
		}
		re, err := cache.get(textOf(c, p), fl)
		if err != nil {
			c.Err = err
			return nil, true
		}
		return re, false
	}
	x := args[0].fn
	intArg := func(i int, def int64) func(c *runtime.Ctx, r runtime.Row) (int64, bool) {
		if i >= len(args) || i == spec.flags {
			return func(*runtime.Ctx, runtime.Row) (int64, bool) { return def, true }
		}
		a := args[i].fn
		return func(c *runtime.Ctx, r runtime.Row) (int64, bool) {
			v := a(c, r)
			if v.T == runtime.TNull {
				return 0, false
			}
			return intOf(v), true
		}
	}
	switch name {
	case "regexp_like":
		if constRE != nil {
			return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
				v := x(c, r)
				if v.T == runtime.TNull {
					return runtime.Null
				}
				return runtime.Bool(constRE.match(textOf(c, v)))
			}, typ: runtime.TBool}, true, nil
		}
		return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
			v := x(c, r)
			re, null := pattern(c, r)
			if v.T == runtime.TNull || null {
				return runtime.Null
			}
			return runtime.Bool(re.match(textOf(c, v)))
		}, typ: runtime.TBool}, true, nil
	case "regexp_instr":
		posFn, occFn, optFn := intArg(2, 1), intArg(3, 1), intArg(4, 0)
		return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
			v := x(c, r)
			re, null := pattern(c, r)
			pos, ok1 := posFn(c, r)
			occ, ok2 := occFn(c, r)
			opt, ok3 := optFn(c, r)
			if v.T == runtime.TNull || null || !ok1 || !ok2 || !ok3 {
				return runtime.Null
			}
			s := textOf(c, v)
			off, ok := regexpStart(c, s, pos)
			if !ok {
				return runtime.Null
			}
			if opt != 0 && opt != 1 {
				c.Err = fmt.Errorf("Incorrect arguments to regexp_instr: return_option must be 0 or 1")
				return runtime.Null
			}
			m, found := nthMatch(c, re, s, off, occ)
			if !found {
				return runtime.Int(0)
			}
			at := m[0]
			if opt == 1 {
				at = m[1]
			}
			return runtime.Int(int64(utf8.RuneCount(s[:at])) + 1)
		}, typ: runtime.TInt}, true, nil
	case "regexp_substr":
		posFn, occFn := intArg(2, 1), intArg(3, 1)
		return strResult(func(c *runtime.Ctx, r runtime.Row) runtime.Value {
			v := x(c, r)
			re, null := pattern(c, r)
			pos, ok1 := posFn(c, r)
			occ, ok2 := occFn(c, r)
			if v.T == runtime.TNull || null || !ok1 || !ok2 {
				return runtime.Null
			}
			s := textOf(c, v)
			off, ok := regexpStart(c, s, pos)
			if !ok {
				return runtime.Null
			}
			m, found := nthMatch(c, re, s, off, occ)
			if !found {
				return runtime.Null
			}
			return runtime.String(s[m[0]:m[1]:m[1]])
		}), true, nil
	case "regexp_replace":
		replFn := args[2].fn
		var replConst []byte // a constant replacement, translated once
		if p := constText(children[2]); p != nil {
			replConst = icuReplacement([]byte(*p))
		}
		posFn, occFn := intArg(3, 1), intArg(4, 0)
		return strResult(func(c *runtime.Ctx, r runtime.Row) runtime.Value {
			v := x(c, r)
			re, null := pattern(c, r)
			rv := replFn(c, r)
			pos, ok1 := posFn(c, r)
			occ, ok2 := occFn(c, r)
			if v.T == runtime.TNull || null || rv.T == runtime.TNull || !ok1 || !ok2 {
				return runtime.Null
			}
			s := textOf(c, v)
			off, ok := regexpStart(c, s, pos)
			if !ok {
				return runtime.Null
			}
			tmpl := replConst
			if tmpl == nil {
				tmpl = icuReplacement(textOf(c, rv))
			}
			return regexpReplace(c, re, s, off, occ, tmpl)
		}), true, nil
	}
	return compiled{}, false, nil
}

// regexpStart is the byte offset of the 1-based character position pos
// (MySQL: 1 to CHAR_LENGTH+1, else an error).
func regexpStart(c *runtime.Ctx, s []byte, pos int64) (int, bool) {
	off := charOffset(s, pos)
	if off < 0 {
		c.Err = fmt.Errorf("Index out of bounds in regular expression search (position %d)", pos)
		return 0, false
	}
	return off, true
}

// nthMatch returns the occ-th (1-based) match of re in s at or after
// byte offset off, as absolute offsets; found is false when there is none.
func nthMatch(c *runtime.Ctx, re *regexpFinder, s []byte, off int, occ int64) (m [2]int, found bool) {
	if occ <= 1 && off == 0 {
		return re.first(c, s)
	}
	if occ < 1 {
		occ = 1
	}
	for off <= len(s) {
		x, ok := re.findIndexFrom(s, off)
		if !ok {
			return m, false
		}
		m = x
		if occ--; occ == 0 {
			return m, true
		}
		off = nextSearch(s, m[:])
	}
	return m, false
}

// regexpMemo is a partition's last search for a first match (regexpFinder.first):
// a pattern's text, the text searched (a copy) and the match.
type regexpMemo struct {
	pat   string
	in    []byte
	m     [2]int
	found bool
	set   bool
}

// regexpMemoMax bounds the texts the memo keeps.
const regexpMemoMax = 1 << 10

// regexpMemoOf returns the memo of c's partition (kept in c.Extensions).
func regexpMemoOf(c *runtime.Ctx) *regexpMemo {
	for _, x := range c.Extensions {
		if m, ok := x.(*regexpMemo); ok {
			return m
		}
	}
	m := &regexpMemo{}
	c.Extensions = append(c.Extensions, m)
	return m
}

// first is the first match of f in s. The same search repeated on the
// same text — REGEXP_SUBSTR(url, p) in WHERE and again in the SELECT list
// (Nexmark q21), two calls compiled apart — is answered by the partition's
// memo of its last search instead of running again.
func (f *regexpFinder) first(c *runtime.Ctx, s []byte) ([2]int, bool) {
	if len(s) > regexpMemoMax {
		return f.findIndex(s)
	}
	memo := regexpMemoOf(c)
	if memo.set && memo.pat == f.src && bytes.Equal(memo.in, s) {
		return memo.m, memo.found
	}
	memo.m, memo.found = f.findIndex(s)
	memo.pat, memo.in, memo.set = f.src, append(memo.in[:0], s...), true
	return memo.m, memo.found
}

// nextSearch is where the search after match m resumes: its end, or one
// character further for an empty match.
func nextSearch(s []byte, m []int) int {
	if m[1] > m[0] {
		return m[1]
	}
	if m[1] >= len(s) {
		return len(s) + 1
	}
	_, w := utf8.DecodeRune(s[m[1]:])
	return m[1] + w
}

// regexpReplace replaces the occ-th match (every match when occ is 0)
// from byte offset off, expanding $n group references.
func regexpReplace(c *runtime.Ctx, f *regexpFinder, s []byte, off int, occ int64, tmpl []byte) runtime.Value {
	start := len(c.Arena)
	out := append(c.Arena, s[:off]...)
	last := off
	n := int64(0)
	// A template without $ needs no groups: the match alone (findIndex,
	// which allocates nothing) and the template as it is (what Expand
	// appends then).
	groups := bytes.IndexByte(tmpl, '$') >= 0
	var whole [2]int
	for p := off; p <= len(s); {
		var m []int
		if groups {
			if m = f.findFrom(s, p, true); m == nil {
				break
			}
		} else {
			x, ok := f.findIndexFrom(s, p)
			if !ok {
				break
			}
			whole = x
			m = whole[:]
		}
		n++
		if occ == 0 || n == occ {
			out = append(out, s[last:m[0]]...)
			if groups {
				out = f.re.Expand(out, tmpl, s, m)
			} else {
				out = append(out, tmpl...)
			}
			last = m[1]
			if int64(len(out)-start) > int64(c.ValueLimit()) {
				c.Arena = c.Arena[:start]
				checkSize(c, "regexp_replace", int64(len(out)-start))
				return runtime.Null
			}
			if occ != 0 {
				break
			}
		}
		p = nextSearch(s, m[:2])
	}
	out = append(out, s[last:]...)
	c.Arena = out
	return runtime.String(out[start:len(out):len(out)])
}

// icuReplacement translates a MySQL (ICU) replacement string to Go's
// Expand template: $n stays a group reference, \x is a literal x.
func icuReplacement(r []byte) []byte {
	out := make([]byte, 0, len(r)+4)
	for i := 0; i < len(r); i++ {
		switch ch := r[i]; {
		case ch == '\\' && i+1 < len(r):
			i++
			if r[i] == '$' {
				out = append(out, '$', '$')
			} else {
				out = append(out, r[i])
			}
		case ch == '$':
			j := i + 1
			for j < len(r) && r[j] >= '0' && r[j] <= '9' {
				j++
			}
			if j == i+1 {
				out = append(out, '$', '$')
				continue
			}
			out = append(out, "${"...)
			out = append(out, r[i+1:j]...)
			out = append(out, '}')
			i = j - 1
		default:
			out = append(out, ch)
		}
	}
	return out
}

// constText returns the text of a constant string or number argument.
func constText(e sql.Expression) *string {
	v, ok := isConst(e)
	if !ok || v == nil {
		return nil
	}
	var c runtime.Ctx
	s := string(appendGMSText(&c, v))
	return &s
}

// constStringOrNull is a constant argument's text; ok is false when the
// argument is not constant (or is NULL).
func constStringOrNull(e sql.Expression) (string, bool) {
	if p := constText(e); p != nil {
		return *p, true
	}
	return "", false
}

// regexpFinder searches with one compiled pattern. When every match of
// the pattern contains a literal (a top-level part of it, "channel_id="
// in '(&|^)channel_id=[^&]*') that starts at most lead bytes after the
// match does, a search first finds the literal's first occurrence with
// bytes.Index: none, no match; else no match can start more than lead
// bytes before it, so RE2 runs from there (mid: the pattern with ^ and \A,
// which cannot match past the text's start, made never to match) instead
// of trying every earlier position.
type regexpFinder struct {
	re   *regexp.Regexp
	src  string // re's pattern text (with its flags)
	lit  []byte // nil: no shortcut
	lead int
	mid  *regexp.Regexp
	// simple, when the pattern has one of its shapes, finds matches (not
	// groups) instead of RE2 (native_regexp_simple.go).
	simple *simpleRE
	// ctx, when the pattern reads the text before where it matches (^ or
	// \A, a multi-line ^, \b, \B), is (?s:.)(pattern): a search from
	// inside the text cannot run on the text's rest alone, so it runs ctx
	// from the character before.
	ctx *regexp.Regexp
}

// newRegexpFinder returns a finder of re (compiled from its String()).
func newRegexpFinder(re *regexp.Regexp) *regexpFinder {
	f := &regexpFinder{re: re, src: re.String()}
	if tree, err := syntax.Parse(re.String(), syntax.Perl); err == nil {
		f.simple = newSimpleRE(tree)
		if regexpReadsBefore(tree) {
			f.ctx, _ = regexp.Compile(`(?s:.)(` + f.src + `)`) // f.src compiles alone: balanced
		}
	}
	if p, _ := re.LiteralPrefix(); p != "" {
		return f // RE2 itself skips to a literal prefix
	}
	tree, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil || !regexpShortcutSafe(tree) {
		return f
	}
	parts := []*syntax.Regexp{tree}
	if tree.Op == syntax.OpConcat {
		parts = tree.Sub
	}
	lead := 0
	for _, part := range parts {
		if part.Op == syntax.OpLiteral && part.Flags&syntax.FoldCase == 0 {
			lit := []byte(string(part.Rune))
			if len(lit) > len(f.lit) && !bytes.ContainsRune(lit, utf8.RuneError) {
				f.lit, f.lead = lit, lead
			}
		}
		w, ok := regexpMaxWidth(part)
		if !ok {
			break
		}
		lead += w
	}
	if f.lit == nil {
		return f
	}
	mid, err := regexp.Compile(regexpNoBeginText(tree).String())
	if err != nil || mid.NumSubexp() != re.NumSubexp() {
		f.lit = nil
		return f
	}
	f.mid = mid
	return f
}

// find is f.re.FindIndex(s), or FindSubmatchIndex(s) when sub is set.
func (f *regexpFinder) find(s []byte, sub bool) []int {
	re, start := f.re, 0
	if f.lit != nil {
		i := bytes.Index(s, f.lit)
		if i < 0 {
			return nil
		}
		if start = i - f.lead; start > 0 {
			re = f.mid
		} else {
			start = 0
		}
	}
	var m []int
	if sub {
		m = re.FindSubmatchIndex(s[start:])
	} else {
		m = re.FindIndex(s[start:])
	}
	if start > 0 {
		for i := range m {
			if m[i] >= 0 {
				m[i] += start
			}
		}
	}
	return m
}

// findIndex is f.re.FindIndex(s), without allocating when the pattern
// is simple.
func (f *regexpFinder) findIndex(s []byte) ([2]int, bool) {
	if f.simple != nil {
		return f.simple.findFrom(s, 0)
	}
	x := f.find(s, false)
	if x == nil {
		return [2]int{}, false
	}
	return [2]int{x[0], x[1]}, true
}

// findFrom is the first match of f in s at or after byte offset from (a
// character's start), its offsets (and with sub its groups') in s; the
// text before from is the match's context, as in MySQL (ICU), whose
// search after a match, or from a position, goes on in the same text:
// REGEXP_REPLACE('aaa', '^a', 'b') is 'baa', not 'bbb'.
func (f *regexpFinder) findFrom(s []byte, from int, sub bool) []int {
	if from == 0 {
		return f.find(s, sub)
	}
	if !sub && f.simple != nil {
		m, ok := f.simple.findFrom(s, from)
		if !ok {
			return nil
		}
		return m[:]
	}
	var m []int
	base := from
	if f.ctx != nil {
		_, w := utf8.DecodeLastRune(s[:from])
		base = from - w
		if m = f.ctx.FindSubmatchIndex(s[base:]); m != nil {
			m = m[2:] // the pattern's match and groups
			if !sub {
				m = m[:2]
			}
		}
	} else {
		m = f.find(s[from:], sub)
	}
	for i := range m {
		if m[i] >= 0 {
			m[i] += base
		}
	}
	return m
}

// findIndexFrom is findFrom without groups, without allocating when the
// pattern is simple.
func (f *regexpFinder) findIndexFrom(s []byte, from int) ([2]int, bool) {
	if f.simple != nil {
		return f.simple.findFrom(s, from)
	}
	m := f.findFrom(s, from, false)
	if m == nil {
		return [2]int{}, false
	}
	return [2]int{m[0], m[1]}, true
}

// regexpReadsBefore: t has an assertion that reads the text before where
// it is tested (^ or \A, a multi-line ^, \b, \B).
func regexpReadsBefore(t *syntax.Regexp) bool {
	switch t.Op {
	case syntax.OpBeginText, syntax.OpBeginLine, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	}
	for _, s := range t.Sub {
		if regexpReadsBefore(s) {
			return true
		}
	}
	return false
}

// match is f.re.Match(s).
func (f *regexpFinder) match(s []byte) bool {
	if f.simple != nil {
		_, ok := f.simple.findFrom(s, 0)
		return ok
	}
	if f.lit == nil {
		return f.re.Match(s)
	}
	i := bytes.Index(s, f.lit)
	switch {
	case i < 0:
		return false
	case i-f.lead > 0:
		return f.mid.Match(s[i-f.lead:])
	}
	return f.re.Match(s)
}

// regexpShortcutSafe: t has no assertion that reads the character before
// where a search starts (multi-line ^, \b, \B), which a search from the
// middle of the text cannot see.
func regexpShortcutSafe(t *syntax.Regexp) bool {
	switch t.Op {
	case syntax.OpBeginLine, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return false
	}
	for _, s := range t.Sub {
		if !regexpShortcutSafe(s) {
			return false
		}
	}
	return true
}

// regexpNoBeginText returns t with every ^/\A (start of text) made
// never to match (t is changed).
func regexpNoBeginText(t *syntax.Regexp) *syntax.Regexp {
	if t.Op == syntax.OpBeginText {
		return &syntax.Regexp{Op: syntax.OpNoMatch}
	}
	for i, s := range t.Sub {
		t.Sub[i] = regexpNoBeginText(s)
	}
	return t
}

// regexpMaxWidth is the most bytes t can match; ok is false when it is
// unbounded (or huge).
func regexpMaxWidth(t *syntax.Regexp) (int, bool) {
	const limit = 1 << 16
	w := 0
	switch t.Op {
	case syntax.OpNoMatch, syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine,
		syntax.OpBeginText, syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
	case syntax.OpLiteral:
		for _, r := range t.Rune {
			if n := utf8.RuneLen(r); n > 0 && t.Flags&syntax.FoldCase == 0 {
				w += n
			} else {
				w += utf8.UTFMax // a case variant may be longer
			}
		}
	case syntax.OpCharClass, syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		w = utf8.UTFMax
	case syntax.OpCapture, syntax.OpQuest:
		return regexpMaxWidth(t.Sub[0])
	case syntax.OpRepeat:
		if t.Max < 0 {
			return 0, false
		}
		s, ok := regexpMaxWidth(t.Sub[0])
		if !ok || t.Max > limit {
			return 0, false
		}
		w = s * t.Max
	case syntax.OpConcat, syntax.OpAlternate:
		for _, sub := range t.Sub {
			s, ok := regexpMaxWidth(sub)
			if !ok {
				return 0, false
			}
			if t.Op == syntax.OpConcat {
				w += s
			} else {
				w = max(w, s)
			}
		}
	default: // star, plus
		return 0, false
	}
	return w, w <= limit
}
