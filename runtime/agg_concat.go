package runtime

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"unicode/utf8"
)

// GROUP_CONCAT(... ORDER BY ...): each value is an entry
//
//	uvarint(len(key)) key text
//
// where key encodes the ORDER BY values so that bytes.Compare orders
// entries as MySQL does (NULL first ascending, last descending). The state
// (accum.s) holds the entries sorted, each prefixed by its length, and only
// as many as the cut result can show: an entry that sorts after the cut
// never appears, whatever arrives later, so memory stays near the maximum
// length.

// OrderedConcatArg is the argument of GROUP_CONCAT(items ORDER BY keys):
// NULL when an item is NULL, else an entry. desc[i] says keys[i] sorts
// descending. The result's bytes are reused by the next call.
func OrderedConcatArg(keys []Expr, desc []bool, items []Expr) Expr {
	var buf, key []byte
	return func(c *Ctx, r Row) Value {
		key = key[:0]
		for i, e := range keys {
			from := len(key)
			key = appendSortKey(key, e(c, r))
			if desc[i] {
				for j := from; j < len(key); j++ {
					key[j] = ^key[j]
				}
			}
		}
		buf = binary.AppendUvarint(buf[:0], uint64(len(key)))
		buf = append(buf, key...)
		for _, e := range items {
			v := e(c, r)
			if v.T == TNull {
				return Null
			}
			buf = append(buf, v.S...)
		}
		return Value{T: TString, S: buf}
	}
}

// appendSortKey appends a byte-comparable encoding of v: NULL first, then
// numbers by value, strings byte-wise.
func appendSortKey(dst []byte, v Value) []byte {
	if v.T == TNull {
		return append(dst, 0)
	}
	dst = append(dst, 1)
	switch v.T {
	case TDouble:
		f := v.F
		if f == 0 {
			f = 0
		}
		b := math.Float64bits(f)
		if b>>63 != 0 {
			b = ^b
		} else {
			b |= 1 << 63
		}
		return binary.BigEndian.AppendUint64(dst, b)
	case TDecimal: // integer part, then the fraction at 18 digits
		p := aggPow10[min(int(v.Scale), 18)]
		ip, fp := v.I/p, v.I%p
		fp *= aggPow10[18-min(int(v.Scale), 18)]
		dst = binary.BigEndian.AppendUint64(dst, uint64(ip)^1<<63)
		return binary.BigEndian.AppendUint64(dst, uint64(fp)^1<<63)
	case TString, TJSON:
		for _, c := range v.S {
			if c == 0 {
				dst = append(dst, 0, 0xff)
			} else {
				dst = append(dst, c)
			}
		}
		return append(dst, 0, 1)
	}
	return binary.BigEndian.AppendUint64(dst, uint64(v.I)^1<<63)
}

// splitEntry splits an entry into its key and text.
func splitEntry(e []byte) (key, text []byte) {
	n, w := binary.Uvarint(e)
	return e[w : w+int(n)], e[w+int(n):]
}

// nextEntry reads the length-prefixed entry at s[pos:] and the offset
// after it.
func nextEntry(s []byte, pos int) (entry []byte, next int) {
	n, w := binary.Uvarint(s[pos:])
	start := pos + w
	return s[start : start+int(n)], start + int(n)
}

// orderedText is an entry's text (for DISTINCT).
func orderedText(e []byte) []byte {
	_, text := splitEntry(e)
	return text
}

// orderedInsert adds entry e after the entries whose keys sort before or
// equal to its own, then drops what the cut result cannot show.
func (a *accum) orderedInsert(sp *AggSpec, e []byte) {
	key, _ := splitEntry(e)
	pos := len(a.s)
	for p := 0; p < len(a.s); {
		cur, next := nextEntry(a.s, p)
		if k, _ := splitEntry(cur); bytes.Compare(k, key) > 0 {
			pos = p
			break
		}
		p = next
	}
	var hdr [binary.MaxVarintLen64]byte
	h := binary.PutUvarint(hdr[:], uint64(len(e)))
	grow := h + len(e)
	a.s = slices.Grow(a.s, grow)[:len(a.s)+grow]
	copy(a.s[pos+grow:], a.s[pos:len(a.s)-grow])
	copy(a.s[pos:], hdr[:h])
	copy(a.s[pos+h:], e)
	a.orderedTrim(sp)
}

// orderedTrim drops the entries after the one that reaches the maximum
// length, and cuts that one's text to what shows.
func (a *accum) orderedTrim(sp *AggSpec) {
	limit := sp.MaxLen
	if limit <= 0 {
		limit = GroupConcatMaxLen
	}
	used := 0
	for p, i := 0, 0; p < len(a.s); i++ {
		cur, next := nextEntry(a.s, p)
		if i > 0 {
			used += len(sp.Separator)
		}
		_, text := splitEntry(cur)
		if used+len(text) < limit {
			used += len(text)
			p = next
			continue
		}
		// This entry reaches the limit: keep what shows of it, drop the rest.
		room := max(limit-used, 0)
		if room < len(text) {
			for room > 0 && !utf8.RuneStart(text[room]) {
				room--
			}
			// The kept entry is a prefix of the old one; its length
			// header may shrink: move it down, then write the header.
			ne := cur[:len(cur)-len(text)+room]
			var hdr [binary.MaxVarintLen64]byte
			h := binary.PutUvarint(hdr[:], uint64(len(ne)))
			n := copy(a.s[p+h:], ne)
			copy(a.s[p:], hdr[:h])
			a.s = a.s[:p+h+n]
			return
		}
		a.s = a.s[:next]
		return
	}
}

// orderedResult writes the entries' texts, separated, cut at the maximum
// length, into the record's arena.
func (a *accum) orderedResult(c *Ctx, sp *AggSpec, dst *Value) {
	limit := sp.MaxLen
	if limit <= 0 {
		limit = GroupConcatMaxLen
	}
	out := c.Alloc(0)
	for p, i := 0, 0; p < len(a.s); i++ {
		cur, next := nextEntry(a.s, p)
		if i > 0 {
			out = append(out, sp.Separator...)
		}
		_, text := splitEntry(cur)
		out = append(out, text...)
		p = next
	}
	if len(out) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(out[cut]) {
			cut--
		}
		out = out[:cut]
	}
	*dst = Value{T: TString, S: out}
}
