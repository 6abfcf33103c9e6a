package runtime

import (
	"hash/maphash"
	"math"
)

// keyIndex interns key tuples (GROUP BY or PARTITION BY values) into dense
// ids with an open-addressing hash table (linear probing, backward-shift
// deletion). Stored keys are owned copies; a lookup allocates nothing and
// a reused id reuses its byte buffer.
type keyIndex struct {
	nk     int
	seed   maphash.Seed
	slots  []keySlot
	mask   uint64
	count  int
	vals   []Value  // nk values per id
	bufs   [][]byte // bytes backing an id's string keys
	hashes []uint64
	live   []bool
	free   []int32
}

type keySlot struct {
	h   uint64
	id  int32 // id+1; 0 is an empty slot
	aux int32 // the owner's word for id (setAux; 0 until set): read with the slot, no cache miss more
}

func newKeyIndex(nk int) keyIndex {
	const initial = 64
	return keyIndex{nk: nk, seed: maphash.MakeSeed(), slots: make([]keySlot, initial), mask: initial - 1}
}

func keyMix(h, x uint64) uint64 {
	h ^= x
	h *= 0xbf58476d1ce4e5b9
	return h ^ (h >> 31)
}

// hash hashes a key tuple consistently with aggKeyEqual.
func (x *keyIndex) hash(k []Value) uint64 {
	h := uint64(keySeed)
	for i := range k {
		h = x.mix(h, &k[i])
	}
	return h
}

// hashCols is hash of the key tuple r[cols[0]], r[cols[1]], … (a group
// key of columns, hashed where the row holds it).
func (x *keyIndex) hashCols(r Row, cols []int) uint64 {
	h := uint64(keySeed)
	for _, c := range cols {
		if v := &r[c]; v.T == TInt || v.T == TTimestamp { // mix's, inlined for the common key
			h = keyMix(keyMix(h, uint64(v.T)+1), uint64(v.I))
		} else {
			h = x.mix(h, v)
		}
	}
	return h
}

const keySeed = 0x9e3779b97f4a7c15

// mix adds v to hash h.
func (x *keyIndex) mix(h uint64, v *Value) uint64 {
	h = keyMix(h, uint64(v.T)+1)
	switch v.T {
	case TNull:
	case TDouble:
		f := v.F
		if f == 0 {
			f = 0
		}
		h = keyMix(h, math.Float64bits(f))
	case TString, TJSON:
		h = keyMix(h, maphash.Bytes(x.seed, v.S))
	case TDecimal:
		n, sc := aggNormDecimal(v.I, v.Scale)
		h = keyMix(keyMix(h, uint64(n)), uint64(sc))
	default:
		h = keyMix(h, uint64(v.I))
	}
	return h
}

func (x *keyIndex) equal(id int32, k []Value) bool {
	stored := x.vals[int(id)*x.nk : int(id)*x.nk+x.nk]
	for i := range k {
		if !aggKeyEqual(&stored[i], &k[i]) {
			return false
		}
	}
	return true
}

// find returns the id of key k with hash h, or -1 and the slot where it
// would be inserted.
func (x *keyIndex) find(h uint64, k []Value) (int32, uint64) {
	for i := h & x.mask; ; i = (i + 1) & x.mask {
		s := x.slots[i]
		if s.id == 0 {
			return -1, i
		}
		if s.h == h && x.equal(s.id-1, k) {
			return s.id - 1, i
		}
	}
}

// findCols is find of the key r[cols[0]], r[cols[1]], … (hashCols).
func (x *keyIndex) findCols(h uint64, r Row, cols []int) (int32, uint64) {
	for i := h & x.mask; ; i = (i + 1) & x.mask {
		s := x.slots[i]
		if s.id == 0 {
			return -1, i
		}
		if s.h == h && x.equalCols(s.id-1, r, cols) {
			return s.id - 1, i
		}
	}
}

func (x *keyIndex) equalCols(id int32, r Row, cols []int) bool {
	stored := x.vals[int(id)*x.nk : int(id)*x.nk+x.nk]
	for i, c := range cols {
		a, b := &stored[i], &r[c]
		if a.T == b.T && (a.T == TInt || a.T == TTimestamp) { // aggKeyEqual's, inlined for the common keys
			if a.I != b.I {
				return false
			}
		} else if !aggKeyEqual(a, b) {
			return false
		}
	}
	return true
}

// peek returns the id in the slot where a lookup of hash h starts, and
// its aux word, if its hash is h (-1 and 0 otherwise): likely h's id,
// known before its key is read.
func (x *keyIndex) peek(h uint64) (id, aux int32) {
	if s := x.slots[h&x.mask]; s.h == h {
		return s.id - 1, s.aux
	}
	return -1, 0
}

// setAux sets the word kept beside live id in its slot (peek returns it).
func (x *keyIndex) setAux(id, aux int32) {
	i := x.hashes[id] & x.mask
	for x.slots[i].id != id+1 {
		i = (i + 1) & x.mask
	}
	x.slots[i].aux = aux
}

// insert stores a copy of k at slot pos (from find) and returns its id.
func (x *keyIndex) insert(h uint64, k []Value, pos uint64) int32 {
	var id int32
	if n := len(x.free); n > 0 {
		id = x.free[n-1]
		x.free = x.free[:n-1]
	} else {
		id = int32(len(x.hashes))
		x.hashes = extend(x.hashes, 1)
		x.live = extend(x.live, 1)
		x.bufs = extend(x.bufs, 1)
		x.vals = extend(x.vals, x.nk)
	}
	x.hashes[id], x.live[id] = h, true
	stored := x.vals[int(id)*x.nk : int(id)*x.nk+x.nk]
	total := 0
	for i := range k {
		total += len(k[i].S)
	}
	buf := x.bufs[id][:0]
	if cap(buf) < total {
		buf = make([]byte, 0, total)
	}
	for i := range k {
		v := k[i]
		if v.S != nil {
			off := len(buf)
			buf = append(buf, v.S...)
			v.S = buf[off:len(buf):len(buf)]
		}
		stored[i] = v
	}
	x.bufs[id] = buf
	x.slots[pos] = keySlot{h: h, id: id + 1}
	x.count++
	if x.count*2 > len(x.slots) {
		x.grow()
	}
	return id
}

func (x *keyIndex) grow() {
	old := x.slots
	x.slots = make([]keySlot, 2*len(old))
	x.mask = uint64(len(x.slots) - 1)
	for _, s := range old {
		if s.id == 0 {
			continue
		}
		i := s.h & x.mask
		for x.slots[i].id != 0 {
			i = (i + 1) & x.mask
		}
		x.slots[i] = s
	}
}

// remove forgets id; its buffer is kept for the next insert.
func (x *keyIndex) remove(id int32) {
	i := x.hashes[id] & x.mask
	for x.slots[i].id != id+1 {
		i = (i + 1) & x.mask
	}
	shiftDelete(x.slots, i, x.mask, func(s *keySlot) bool { return s.id == 0 }, func(s *keySlot) uint64 { return s.h & x.mask })
	x.live[id] = false
	x.free = append(x.free, id)
	x.count--
}

// key returns the stored key values of id (owned by the index).
func (x *keyIndex) key(id int32) []Value {
	return x.vals[int(id)*x.nk : int(id)*x.nk+x.nk]
}
