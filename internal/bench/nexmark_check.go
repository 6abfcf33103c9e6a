package bench

import (
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/velort/velort/runtime"
)

// outSink holds what a run's checked stream produced, in the form the
// result rule compares (SPEC §2 "Changelogs"): for an append-only stream
// the multiset of its rows, for a changelog the last row of each key not
// deleted. Rows are reduced to their checked columns in canonical text
// (canonCell) and, unless collect is set, only hashed: an append-only
// stream keeps the count and the sum of its rows' hashes, a changelog the
// hash of each key's row by the hash of the key — so checking costs no
// allocation per row (a changelog's map grows with its keys). With
// collect set it keeps the rows' text (to show a difference).
type outSink struct {
	cols      []int // checked columns of the stream's rows
	changelog bool
	sumCol    int // >= 0: rows are summed into this column per other columns (q12)
	collect   bool

	buf   []byte
	n     int64
	sum   uint64
	byKey map[uint64]uint64 // changelog: the hash of each key → the hash of its row
	rows  map[string]string // collect: key (or row) → row text
	multi map[string]int    // collect, append-only: row text → count
	sums  map[string]int64  // sumCol
}

var canonSeed = maphash.MakeSeed()

func newOutSink(cols []int, changelog bool, sumCol int, collect bool) *outSink {
	return &outSink{cols: cols, changelog: changelog, sumCol: sumCol, collect: collect,
		byKey: map[uint64]uint64{}, rows: map[string]string{}, multi: map[string]int{}, sums: map[string]int64{}}
}

// presize makes room for a changelog's n keys (the oracle's count of
// rows, known before the run) so that the check's map does not grow
// inside the timed section.
func (s *outSink) presize(n int) {
	if s.changelog && s.sumCol < 0 && len(s.byKey) == 0 {
		s.byKey = make(map[uint64]uint64, n)
	}
}

func (s *outSink) add(r runtime.Row, op runtime.Op, key []byte) {
	s.buf = canonRow(s.buf[:0], r, s.cols, s.sumCol)
	if s.sumCol >= 0 {
		s.sums[string(s.buf)] += r[s.sumCol].I
		return
	}
	if !s.changelog {
		s.n++
		s.sum += maphash.Bytes(canonSeed, s.buf)
		if s.collect {
			s.multi[string(s.buf)]++
		}
		return
	}
	// Keys are kept as their 64-bit hashes (no copy of each key): two keys
	// of a run sharing one would make the check fail, not pass.
	kh := maphash.Bytes(canonSeed, key)
	if op == runtime.OpDelete {
		delete(s.byKey, kh)
		delete(s.rows, string(key))
		return
	}
	s.byKey[kh] = maphash.Bytes(canonSeed, s.buf)
	if s.collect {
		s.rows[string(key)] = string(s.buf)
	}
}

// digest is the result's count of rows and the sum of their hashes.
func (s *outSink) digest() (int64, uint64) {
	if s.sumCol >= 0 {
		var n int64
		var sum uint64
		for k, v := range s.sums {
			n++
			sum += maphash.String(canonSeed, k+"\x1f"+strconv.FormatInt(v, 10))
		}
		return n, sum
	}
	if !s.changelog {
		return s.n, s.sum
	}
	var sum uint64
	for _, h := range s.byKey {
		sum += h
	}
	return int64(len(s.byKey)), sum
}

// texts is the result as sorted row texts (collect mode).
func (s *outSink) texts() []string {
	var out []string
	switch {
	case s.sumCol >= 0:
		for k, v := range s.sums {
			out = append(out, k+"\x1f"+strconv.FormatInt(v, 10))
		}
	case s.changelog:
		for _, r := range s.rows {
			out = append(out, r)
		}
	default:
		for r, c := range s.multi {
			for range c {
				out = append(out, r)
			}
		}
	}
	slices.Sort(out)
	return out
}

// oracleResult is an oracle's rows as canonical texts, sorted, and their
// digest. The texts are kept end to end in one string (text, ends): one
// object without pointers, which a garbage collection during a timed run
// does not have to scan row by row.
type oracleResult struct {
	text string
	ends []int
	n    int64
	sum  uint64
}

func newOracleResult(rows []string) *oracleResult {
	slices.Sort(rows)
	o := &oracleResult{n: int64(len(rows)), ends: make([]int, len(rows))}
	var b strings.Builder
	for i, r := range rows {
		o.sum += maphash.String(canonSeed, r)
		b.WriteString(r)
		o.ends[i] = b.Len()
	}
	o.text = b.String()
	return o
}

// rows are the oracle's row texts, sorted.
func (o *oracleResult) rows() []string {
	out := make([]string, len(o.ends))
	at := 0
	for i, e := range o.ends {
		out[i], at = o.text[at:e], e
	}
	return out
}

// canonRow appends the canonical text of r's columns cols (all when nil),
// each cell's canonCell, separated by 0x1f; sumCol is left out.
func canonRow(dst []byte, r runtime.Row, cols []int, sumCol int) []byte {
	first := true
	one := func(v runtime.Value) {
		if !first {
			dst = append(dst, 0x1f)
		}
		first = false
		dst = canonCell(dst, v)
	}
	if cols == nil {
		for i, v := range r {
			if i != sumCol {
				one(v)
			}
		}
		return dst
	}
	for _, c := range cols {
		if c != sumCol {
			one(r[c])
		}
	}
	return dst
}

// canonCell writes a value so that the engine's and an oracle's agree
// whatever numeric type either uses: integers (and integral numbers) as
// digits, DECIMAL exactly without trailing zeros, DOUBLE to 10
// significant digits; strings as their bytes; NULL as \x00.
func canonCell(dst []byte, v runtime.Value) []byte {
	switch v.T {
	case runtime.TNull:
		return append(dst, 0)
	case runtime.TInt, runtime.TTimestamp, runtime.TBool:
		return strconv.AppendInt(dst, v.I, 10)
	case runtime.TDecimal:
		if v.Scale == 0 {
			return strconv.AppendInt(dst, v.I, 10)
		}
		start := len(dst)
		neg := v.I < 0
		u := v.I
		if neg {
			u = -u
			dst = append(dst, '-')
		}
		p := int64(math.Pow10(int(v.Scale)))
		dst = strconv.AppendInt(dst, u/p, 10)
		if frac := u % p; frac != 0 {
			dst = append(dst, '.')
			at := len(dst)
			dst = strconv.AppendInt(dst, frac+p, 10) // 1 then the digits, zero-padded
			dst = append(dst[:at], dst[at+1:]...)
			for dst[len(dst)-1] == '0' {
				dst = dst[:len(dst)-1]
			}
		}
		if string(dst[start:]) == "-0" {
			dst = append(dst[:start], '0')
		}
		return dst
	case runtime.TDouble:
		if v.F == math.Trunc(v.F) && math.Abs(v.F) < 1e15 {
			return strconv.AppendInt(dst, int64(v.F), 10)
		}
		return strconv.AppendFloat(dst, v.F, 'g', 10, 64)
	}
	return append(dst, v.S...)
}

// canonOf is the canonical text of oracle cells.
func canonOf(vals ...runtime.Value) string {
	var b []byte
	for i, v := range vals {
		if i > 0 {
			b = append(b, 0x1f)
		}
		b = canonCell(b, v)
	}
	return string(b)
}

// diffResults describes how got differs from want (first few rows).
func diffResults(got, want []string) string {
	gm := map[string]int{}
	for _, r := range got {
		gm[r]++
	}
	for _, r := range want {
		gm[r]--
	}
	var extra, missing []string
	for r, c := range gm {
		for ; c > 0; c-- {
			extra = append(extra, r)
		}
		for ; c < 0; c++ {
			missing = append(missing, r)
		}
	}
	slices.Sort(extra)
	slices.Sort(missing)
	show := func(rs []string) string {
		var b strings.Builder
		for i, r := range rs {
			if i == 5 {
				fmt.Fprintf(&b, "\n      … %d more", len(rs)-5)
				break
			}
			b.WriteString("\n      " + strings.ReplaceAll(strings.ReplaceAll(r, "\x1f", " | "), "\x00", "NULL"))
		}
		return b.String()
	}
	return fmt.Sprintf("%d rows, the oracle %d; %d not in the oracle's:%s\n    %d of the oracle's missing:%s",
		len(got), len(want), len(extra), show(extra), len(missing), show(missing))
}
