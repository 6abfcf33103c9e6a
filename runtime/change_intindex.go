package runtime

import "math/rand/v2"

// intIndex maps BIGINT keys to entry ids for a ChangeTable whose keys are
// numbers (KeyInts): open addressing with linear probing and
// backward-shift deletion, at most three quarters full (16 bytes a slot:
// about what a Go map of the same keys takes). A lookup is one seeded mix
// of the key and, usually, one slot read — a change table is looked up
// once per record. The seed is random per index, so that keys chosen to
// collide in one process do not in another.
type intIndex struct {
	slots []intSlot
	mask  uint64
	n     int
	seed  uint64
}

// intSlot is a key and its id + 1 (0: the slot is empty).
type intSlot struct {
	k  int64
	id int32
}

func newIntIndex() *intIndex {
	const initial = 64
	return &intIndex{slots: make([]intSlot, initial), mask: initial - 1, seed: rand.Uint64()}
}

func (x *intIndex) home(k int64) uint64 {
	h := uint64(k) ^ x.seed
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 31
	return h & x.mask
}

// get returns k's id, if it has one.
func (x *intIndex) get(k int64) (int32, bool) {
	for i := x.home(k); ; i = (i + 1) & x.mask {
		s := &x.slots[i]
		if s.id == 0 {
			return -1, false
		}
		if s.k == k {
			return s.id - 1, true
		}
	}
}

// put gives k (not in the index) id.
func (x *intIndex) put(k int64, id int32) {
	if 4*(x.n+1) > 3*len(x.slots) {
		x.grow()
	}
	i := x.home(k)
	for x.slots[i].id != 0 {
		i = (i + 1) & x.mask
	}
	x.slots[i] = intSlot{k: k, id: id + 1}
	x.n++
}

// del removes k, if present.
func (x *intIndex) del(k int64) {
	i := x.home(k)
	for {
		if x.slots[i].id == 0 {
			return
		}
		if x.slots[i].k == k {
			break
		}
		i = (i + 1) & x.mask
	}
	shiftDelete(x.slots, i, x.mask, func(s *intSlot) bool { return s.id == 0 }, func(s *intSlot) uint64 { return x.home(s.k) })
	x.n--
}

func (x *intIndex) grow() {
	old := x.slots
	x.slots = make([]intSlot, 2*len(old))
	x.mask = uint64(len(x.slots) - 1)
	for _, s := range old {
		if s.id == 0 {
			continue
		}
		i := x.home(s.k)
		for x.slots[i].id != 0 {
			i = (i + 1) & x.mask
		}
		x.slots[i] = s
	}
}

// each calls f for every key and id, in no particular order.
func (x *intIndex) each(f func(k int64, id int32)) {
	for _, s := range x.slots {
		if s.id != 0 {
			f(s.k, s.id-1)
		}
	}
}

func (x *intIndex) clear() {
	clear(x.slots)
	x.n = 0
}

// shiftDelete empties slot i of an open-addressing table with linear
// probing (len(slots) = mask+1, a power of two) by backward shift: each
// later entry of i's probe run moves into the hole when its home is not
// cyclically between the hole and it, so every entry stays reachable from
// its home without tombstones. free reports an empty slot, home an
// entry's home slot. (intIndex, keyIndex.)
func shiftDelete[S any](slots []S, i, mask uint64, free func(*S) bool, home func(*S) uint64) {
	j := i
	for {
		j = (j + 1) & mask
		s := &slots[j]
		if free(s) {
			break
		}
		if h := home(s); (j-h)&mask >= (j-i)&mask {
			slots[i] = *s
			i = j
		}
	}
	var zero S
	slots[i] = zero
}
