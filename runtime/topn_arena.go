package runtime

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// The state of a keyed Top-N of a few rows (topn_top1.go) without
// pointers for the garbage collector to trace: rows encoded into chunks of
// bytes (topnArena), keys found through an open-addressing table of
// integers (topnKeyTable). A kept row costs its encoded bytes, not 48
// bytes per Value plus a copy of its texts; a key costs an entry of the
// table and a few integers.

// topnArena hands out regions of byte chunks, named by a reference: the
// chunk's index << 32 | the offset in it. A region given back (release) is
// reused by a later row of the same size class; texts cut by bump are never
// given back.
type topnArena struct {
	chunks [][]byte
	cur    uint32 // the chunk regions are cut from: chunks[cur-1] (0: none yet)
	off    int    // its bytes in use
	free   [topnClasses][]uint64
}

const (
	topnArenaChunk = 64 << 10
	topnClasses    = 23 // 16, 24, 32, 48, …, 24 K, 32 K
	topnMaxClass   = 32 << 10
)

// topnClass returns the size class of a region of n bytes and its size;
// n > topnMaxClass has none (-1).
func topnClass(n int) (int, int) {
	if n <= 16 {
		return 0, 16
	}
	if n > topnMaxClass {
		return -1, n
	}
	b := bits.Len(uint(n - 1)) // 2^(b-1) < n <= 2^b, b >= 5
	if three := 3 << (b - 2); n <= three {
		return 2*(b-5) + 1, three
	}
	return 2*(b-5) + 2, 1 << b
}

// cut returns a reference to n fresh bytes of the current chunk (a new one
// when they do not fit).
func (a *topnArena) cut(n int) uint64 {
	if n > topnArenaChunk/4 {
		// A chunk of its own, so a big region wastes no chunk (and one
		// past the largest class is dropped whole when given back).
		a.chunks = append(a.chunks, make([]byte, n))
		return uint64(len(a.chunks)-1) << 32
	}
	if a.cur == 0 || a.off+n > topnArenaChunk {
		a.chunks = append(a.chunks, make([]byte, topnArenaChunk))
		a.cur, a.off = uint32(len(a.chunks)), 0
	}
	ref := uint64(a.cur-1)<<32 | uint64(a.off)
	a.off += n
	return ref
}

// alloc returns a region of at least n bytes and its size.
func (a *topnArena) alloc(n int) (uint64, int) {
	c, size := topnClass(n)
	if c >= 0 {
		if f := a.free[c]; len(f) > 0 {
			ref := f[len(f)-1]
			a.free[c] = f[:len(f)-1]
			return ref, size
		}
	}
	return a.cut(size), size
}

// release gives back a region of size bytes (a size alloc returned).
func (a *topnArena) release(ref uint64, size int) {
	c, _ := topnClass(size)
	if c < 0 {
		a.chunks[ref>>32] = nil // its own chunk: garbage once no row points into it
		return
	}
	a.free[c] = append(a.free[c], ref)
}

// bytes is the region ref of n bytes.
func (a *topnArena) bytes(ref uint64, n int) []byte {
	off := int(uint32(ref))
	return a.chunks[ref>>32][off : off+n : off+n]
}

// topnValueSize is the size of v encoded by topnPutValue.
func topnValueSize(v *Value) int {
	n := 2
	if v.Scale != 0 {
		n++
	}
	if v.I != 0 {
		n += 8
	}
	if math.Float64bits(v.F) != 0 {
		n += 8
	}
	if v.S != nil {
		n += 4 + len(v.S)
	}
	return n
}

// topnPutValue encodes every field of v exactly at b[at:] (its type, its
// valueFields flags, the fields set: fixed-width, where a snapshot writes
// varints) and returns the offset after it.
func topnPutValue(b []byte, at int, v *Value) int {
	fl := valueFields(v)
	b[at], b[at+1] = uint8(v.T), fl
	at += 2
	if fl&1 != 0 {
		b[at] = v.Scale
		at++
	}
	if fl&2 != 0 {
		binary.LittleEndian.PutUint64(b[at:], uint64(v.I))
		at += 8
	}
	if fl&4 != 0 {
		binary.LittleEndian.PutUint64(b[at:], math.Float64bits(v.F))
		at += 8
	}
	if fl&8 != 0 {
		binary.LittleEndian.PutUint32(b[at:], uint32(len(v.S)))
		at += 4
		at += copy(b[at:], v.S)
	}
	return at
}

// topnGetValue decodes the value at b[at:] into v (its text a view of b)
// and returns the offset after it.
func topnGetValue(b []byte, at int, v *Value) int {
	t, fl := b[at], b[at+1]
	at += 2
	*v = Value{T: Type(t)}
	if fl&1 != 0 {
		v.Scale = b[at]
		at++
	}
	if fl&2 != 0 {
		v.I = int64(binary.LittleEndian.Uint64(b[at:]))
		at += 8
	}
	if fl&4 != 0 {
		v.F = math.Float64frombits(binary.LittleEndian.Uint64(b[at:]))
		at += 8
	}
	if fl&8 != 0 {
		n := int(binary.LittleEndian.Uint32(b[at:]))
		at += 4
		v.S = b[at : at+n : at+n]
		at += n
	}
	return at
}

// topnKeyTable finds a key's index by its 64-bit hash: open addressing,
// linear probing; an entry is the hash's high 32 bits << 32 | index + 1
// (0: empty). Equal hashes of different keys are told apart by the
// caller's check of the key itself.
type topnKeyTable struct {
	slots []uint64
	n     int
}

// find returns the index of the key with hash h for which same(index)
// holds, or -1 and the slot to insert it at.
func (t *topnKeyTable) find(h uint64, same func(int) bool) (int, int) {
	if len(t.slots) == 0 {
		return -1, -1
	}
	mask := uint64(len(t.slots) - 1)
	tag := h >> 32
	for i := h & mask; ; i = (i + 1) & mask {
		e := t.slots[i]
		if e == 0 {
			return -1, int(i)
		}
		if e>>32 == tag && same(int(uint32(e))-1) {
			return int(uint32(e)) - 1, int(i)
		}
	}
}

// insert adds index idx of hash h at slot at (find's answer, -1 when the
// table is empty); hashOf gives the hash of any index when it grows.
func (t *topnKeyTable) insert(h uint64, idx, at int, hashOf func(int) uint64) {
	if at < 0 || (t.n+1)*4 > len(t.slots)*3 {
		t.grow(hashOf)
		mask := uint64(len(t.slots) - 1)
		at = int(h & mask)
		for t.slots[at] != 0 {
			at = int((uint64(at) + 1) & mask)
		}
	}
	t.slots[at] = h>>32<<32 | uint64(idx+1)
	t.n++
}

func (t *topnKeyTable) grow(hashOf func(int) uint64) {
	old := t.slots
	t.slots = make([]uint64, max(16, 2*len(old)))
	mask := uint64(len(t.slots) - 1)
	for _, e := range old {
		if e == 0 {
			continue
		}
		i := hashOf(int(uint32(e))-1) & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = e
	}
}

// topnSkipValue returns the offset after the value encoded at b[at:].
func topnSkipValue(b []byte, at int) int {
	fl := b[at+1]
	at += 2 + int(fl&1) + int(fl>>1&1)*8 + int(fl>>2&1)*8
	if fl&8 != 0 {
		at += 4 + int(binary.LittleEndian.Uint32(b[at:]))
	}
	return at
}
