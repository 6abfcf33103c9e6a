package runtime

import (
	"hash/maphash"
	"math"
	"slices"
)

// distinctSet is the set of distinct non-NULL values an aggregate has seen
// over an append-only input (COUNT(DISTINCT x), SUM/AVG/GROUP_CONCAT
// (DISTINCT x)). Values of one word type (BOOLEAN, BIGINT, TIMESTAMP or
// DOUBLE), the common case, live as 64-bit words in an open-addressing
// table (linear probing, no allocation per value); values of any other
// type, or of a second word type, are kept in a map by their
// aggDistinctKey encoding. A value's word and its key encode the same
// equality (−0 = +0, one NaN), so the two representations never hold
// one value twice.
type distinctSet struct {
	wt     Type  // the type of the words (TNull: none yet)
	shift  uint8 // 64 − log2(len(words))
	zero   bool  // the word 0 is held
	nsmall uint8 // words in small (while words is nil)
	// small holds the first nonzero words, before a table is needed: most
	// groups of a fine-grained GROUP BY see few values, and their set then
	// costs one allocation and is read in one or two cache lines.
	small [distinctSmall]uint64
	words []uint64 // power-of-two table; 0 marks a free slot
	nw    int      // words held, the word 0 included
	other map[string]struct{}
}

// distinctSmall is the number of words a set holds without a table.
const distinctSmall = 6

// distinctMaxSlots bounds the table a reset set keeps for reuse.
const distinctMaxSlots = 2 * maxKeptDistinct

// distinctSeed randomises the table's hash so that chosen inputs cannot
// make every value probe the same run of slots.
var distinctSeed = func() uint64 {
	var h maphash.Hash
	return h.Sum64()
}()

// distinctWord returns v's word when v is of a word type, with ok false
// otherwise. Equal values (as aggDistinctKey sees them) get equal words.
func distinctWord(v *Value) (w uint64, ok bool) {
	switch v.T {
	case TInt, TTimestamp, TBool:
		return uint64(v.I), true
	case TDouble:
		return distinctFloatBits(v.F), true
	}
	return 0, false
}

// distinctWordType reports whether distinctSet keeps values of type t as
// words (their aggDistinctKey is not read).
func distinctWordType(t Type) bool {
	return t == TInt || t == TTimestamp || t == TBool || t == TDouble
}

// wordValue is the value of type t whose word is w.
func wordValue(t Type, w uint64) Value {
	if t == TDouble {
		return Value{T: TDouble, F: math.Float64frombits(w)}
	}
	return Value{T: t, I: int64(w)}
}

func (d *distinctSet) len() int { return d.nw + len(d.other) }

// slot is the home slot of word w.
func (d *distinctSet) slot(w uint64) uint64 { return distinctSlot(w, d.shift) }

// distinctSlot is the home slot of word w in a table of 2^(64−shift)
// slots (Fibonacci hashing of the seeded word).
func distinctSlot(w uint64, shift uint8) uint64 {
	h := (w ^ distinctSeed) * 0x9e3779b97f4a7c15
	h ^= h >> 29
	return (h * 0xbf58476d1ce4e5b9) >> shift
}

// add inserts v (non-NULL; dk its aggDistinctKey encoding, read only
// for a value not of a word type: the stage computes it only for those)
// and reports whether it was new.
func (d *distinctSet) add(v *Value, dk []byte) bool {
	if w, ok := distinctWord(v); ok {
		if v.T == d.wt || d.wt == TNull {
			d.wt = v.T
			return d.addWord(w)
		}
		var buf [16]byte // a second word type: kept by its key
		dk = aggDistinctKey(buf[:0], *v)
	}
	if d.other == nil {
		d.other = make(map[string]struct{})
	}
	if _, ok := d.other[string(dk)]; ok {
		return false
	}
	d.other[string(dk)] = struct{}{}
	return true
}

// has reports whether v (non-NULL; dk as for add) is in the set.
func (d *distinctSet) has(v *Value, dk []byte) bool {
	if d == nil {
		return false
	}
	if w, ok := distinctWord(v); ok {
		if v.T == d.wt {
			return d.hasWord(w)
		}
		var buf [16]byte
		dk = aggDistinctKey(buf[:0], *v)
	}
	_, ok := d.other[string(dk)]
	return ok
}

func (d *distinctSet) addWord(w uint64) bool {
	if w == 0 {
		if d.zero {
			return false
		}
		d.zero = true
		d.nw++
		return true
	}
	if d.words == nil {
		for _, x := range d.small[:d.nsmall] {
			if x == w {
				return false
			}
		}
		d.nw++
		if int(d.nsmall) < len(d.small) {
			d.small[d.nsmall] = w
			d.nsmall++
			return true
		}
		d.words, d.shift = make([]uint64, 16), 64-4 // the small words and w move to a table
		for _, x := range d.small {
			d.put(x)
		}
		d.nsmall = 0
		d.put(w)
		return true
	}
	mask := uint64(len(d.words) - 1)
	for i := d.slot(w); ; i = (i + 1) & mask {
		switch d.words[i] {
		case w:
			return false
		case 0:
			d.words[i] = w
			d.nw++
			if 4*d.nw > 3*len(d.words) {
				d.grow()
			}
			return true
		}
	}
}

// put stores w, known to be absent and nonzero, in the table (which has room).
func (d *distinctSet) put(w uint64) {
	mask := uint64(len(d.words) - 1)
	i := d.slot(w)
	for d.words[i] != 0 {
		i = (i + 1) & mask
	}
	d.words[i] = w
}

func (d *distinctSet) hasWord(w uint64) bool {
	if w == 0 {
		return d.zero
	}
	if d.words == nil {
		for _, x := range d.small[:d.nsmall] {
			if x == w {
				return true
			}
		}
		return false
	}
	mask := uint64(len(d.words) - 1)
	for i := d.slot(w); ; i = (i + 1) & mask {
		switch d.words[i] {
		case w:
			return true
		case 0:
			return false
		}
	}
}

func (d *distinctSet) grow() {
	old := d.words
	d.words, d.shift = make([]uint64, 2*len(old)), d.shift-1
	for _, w := range old {
		if w != 0 {
			d.put(w)
		}
	}
}

// reset empties the set, keeping a small table and map for reuse.
func (d *distinctSet) reset() {
	if len(d.words) > distinctMaxSlots {
		d.words, d.shift = nil, 0
	} else {
		clear(d.words)
	}
	d.nsmall = 0
	if len(d.other) > maxKeptDistinct {
		d.other = nil
	} else {
		clear(d.other)
	}
	d.wt, d.nw, d.zero = TNull, 0, false
}

// eachKey calls fn with the aggDistinctKey encoding of every value, in no
// particular order. The bytes are only valid during the call.
func (d *distinctSet) eachKey(fn func(k []byte)) {
	var buf []byte
	if d.zero {
		fn(aggDistinctKey(buf[:0], wordValue(d.wt, 0)))
	}
	for _, w := range d.small[:d.nsmall] {
		buf = aggDistinctKey(buf[:0], wordValue(d.wt, w))
		fn(buf)
	}
	for _, w := range d.words {
		if w != 0 {
			buf = aggDistinctKey(buf[:0], wordValue(d.wt, w))
			fn(buf)
		}
	}
	for k := range d.other {
		buf = append(buf[:0], k...)
		fn(buf)
	}
}

// sortedKeys returns the aggDistinctKey encodings of the values, sorted
// (a checkpoint encodes equal sets equally).
func (d *distinctSet) sortedKeys() []string {
	keys := make([]string, 0, d.len())
	d.eachKey(func(k []byte) { keys = append(keys, string(k)) })
	slices.Sort(keys)
	return keys
}

// addKey inserts the value whose aggDistinctKey encoding is k (a
// checkpoint's or another set's) and reports whether it was new.
func (d *distinctSet) addKey(k []byte) bool {
	v := keyWordValue(k)
	return d.add(&v, k)
}

// hasKey reports whether the value encoded as k is in the set.
func (d *distinctSet) hasKey(k []byte) bool {
	v := keyWordValue(k)
	return d.has(&v, k)
}

// keyWordValue decodes k when it encodes a value of a word type, and
// returns a string otherwise: add and has then use k itself (which they
// do for every type but the word types), so a malformed key (a damaged
// checkpoint) cannot fail the decoding.
func keyWordValue(k []byte) Value {
	if len(k) == 9 {
		switch Type(k[0]) {
		case TInt, TTimestamp, TBool, TDouble:
			return aggDistinctValue(string(k))
		}
	}
	return Value{T: TString}
}
