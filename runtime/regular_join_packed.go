package runtime

import (
	"encoding/binary"
	"math"
	"unsafe"
)

// Packed sides of a regular join. A side whose rows are never updated,
// deleted or forgotten, and never NULL-padded — an append-only input that
// the join does not preserve, without a TTL, not a window join's — needs
// of each row only what later pairs read: its row key and its kept
// columns. Such a side (RegularJoin.packed) keeps no row object per row:
// each row is appended, as bytes, to its join key's group (joinGroup.data;
// the rows whose join key is NULL to the side's nokeyData), in arrival
// order, and decoded into a scratch row when a change of the other side
// meets it. The bytes hold no pointers (nothing for the GC to scan) and
// only the columns the query reads (a bid's url, channel and extra are
// not copied when the query does not read them).
//
// A row is: uvarint length and bytes of its row key, then each kept
// column (keepIdx order) as packValue writes it.

// packFlag bits say which of a value's fields are set.
const (
	packScale = 1 << iota
	packI
	packF
	packS
)

// packValue appends v, every field exactly (S nil and S empty differ).
func packValue(dst []byte, v *Value) []byte {
	var fl byte
	if v.Scale != 0 {
		fl |= packScale
	}
	if v.I != 0 {
		fl |= packI
	}
	fb := math.Float64bits(v.F)
	if fb != 0 {
		fl |= packF
	}
	if v.S != nil {
		fl |= packS
	}
	dst = append(dst, byte(v.T), fl)
	if fl&packScale != 0 {
		dst = append(dst, v.Scale)
	}
	if fl&packI != 0 {
		dst = binary.LittleEndian.AppendUint64(dst, uint64(v.I))
	}
	if fl&packF != 0 {
		dst = binary.LittleEndian.AppendUint64(dst, fb)
	}
	if fl&packS != 0 {
		dst = binary.AppendUvarint(dst, uint64(len(v.S)))
		dst = append(dst, v.S...)
	}
	return dst
}

// unpackValue decodes the value packValue wrote at b[off:] into v, its
// string pointing into b; it returns the offset after it.
func unpackValue(b []byte, off int, v *Value) int {
	t, fl := Type(b[off]), b[off+1]
	off += 2
	*v = Value{T: t}
	if fl == 0 {
		return off
	}
	if fl&packScale != 0 {
		v.Scale = b[off]
		off++
	}
	if fl&packI != 0 {
		v.I = int64(binary.LittleEndian.Uint64(b[off:]))
		off += 8
	}
	if fl&packF != 0 {
		v.F = math.Float64frombits(binary.LittleEndian.Uint64(b[off:]))
		off += 8
	}
	if fl&packS != 0 {
		n, w := binary.Uvarint(b[off:])
		off += w
		end := off + int(n)
		v.S = b[off:end:end]
		off = end
	}
	return off
}

// rowArena holds a packed side's rows in shared chunks (no pointers: the
// GC does not scan them), each row's bytes in one chunk, which never moves.
// A row is referred to by its chunk and offset (ref: chunk<<32 | offset,
// plus 1, so that 0 is none). Each row starts with the ref of the next row
// of its list (its join key's, or the NULL keys'), so a group is a list
// through the arena: appending a row writes it at the arena's end and
// links it from the group's last row.
type rowArena struct {
	chunks [][]byte
}

// rowList is one list of a packed side's rows, in arrival order.
type rowList struct{ head, tail uint64 }

const arenaChunk = 64 << 10

// packRow appends side's row r (its kept columns) with row key rowKey to
// list l.
func (j *RegularJoin) packRow(l *rowList, side int, rowKey []byte, r Row) {
	a := &j.arena[side]
	size := 8 + binary.MaxVarintLen64 + len(rowKey) // an upper bound
	for _, i := range j.keepIdx[side] {
		size += 3 + 16 + binary.MaxVarintLen64 + len(r[i].S)
	}
	last := len(a.chunks) - 1
	if last < 0 || cap(a.chunks[last])-len(a.chunks[last]) < size {
		a.chunks = append(a.chunks, make([]byte, 0, max(arenaChunk, size)))
		last++
	}
	dst := a.chunks[last]
	ref := uint64(last)<<32 | uint64(len(dst)) + 1
	dst = binary.LittleEndian.AppendUint64(dst, 0) // the next row: none yet
	dst = binary.AppendUvarint(dst, uint64(len(rowKey)))
	dst = append(dst, rowKey...)
	for _, i := range j.keepIdx[side] {
		dst = packValue(dst, &r[i])
	}
	a.chunks[last] = dst
	if l.tail != 0 {
		t := l.tail - 1
		binary.LittleEndian.PutUint64(a.chunks[t>>32][uint32(t):], ref)
	} else {
		l.head = ref
	}
	l.tail = ref
}

// unpackRow decodes the row of side at ref into o (its row key and its
// row's kept columns; the other columns of o.row stay NULL) and returns
// the ref of the next row of its list. o's strings point into the arena.
func (j *RegularJoin) unpackRow(side int, ref uint64, o *regRow) uint64 {
	ref--
	b := j.arena[side].chunks[ref>>32]
	off := int(uint32(ref))
	next := binary.LittleEndian.Uint64(b[off:])
	off += 8
	n, w := binary.Uvarint(b[off:])
	off += w
	end := off + int(n)
	o.rowKey = unsafeString(b[off:end])
	off = end
	row := o.row
	for _, i := range j.keepIdx[side] {
		off = unpackValue(b, off, &row[i])
	}
	return next
}

// packedIn is the row of a change of packed side: new itself, keyed
// rowKey — both valid during the change only: what is kept is packed by
// storePacked. Only its kept columns are read (fill and packRow read a
// side's keepIdx), as only those of a stored row are decoded.
func (j *RegularJoin) packedIn(side int, new Row, rowKey []byte) *regRow {
	n := &j.cur[side]
	*n = regRow{row: new, rowKey: unsafeString(rowKey)}
	return n
}

// storePacked appends the row n of packed side (from packedIn, its join
// key and group looked up) to its group, made if n.group is nil.
func (j *RegularJoin) storePacked(side int, n *regRow, rowKey []byte) {
	st := &j.sides[side]
	st.rows++
	if !n.hasKey {
		j.packRow(&st.nokeyList, side, rowKey, n.row)
		return
	}
	g := n.group
	if g == nil {
		g = &joinGroup{key: n.joinKey, ikey: n.ikey, isInt: n.isInt, packed: true}
		st.link(g)
	}
	j.packRow(&g.list, side, rowKey, n.row)
}

// groupRows iterates the rows of one side's group: its row objects, or
// for a packed side its rows decoded one at a time into a scratch row
// (valid until the next one).
type groupRows struct {
	j      *RegularJoin
	rows   []*regRow
	ref    uint64 // packed: the next row (0: none)
	side   int
	i      int
	packed bool
}

// rowsOf iterates the rows of side's group g (nil: none), as they are now.
func (j *RegularJoin) rowsOf(side int, g *joinGroup) groupRows {
	if g == nil {
		return groupRows{}
	}
	if g.packed {
		return groupRows{j: j, ref: g.list.head, side: side, packed: true}
	}
	return groupRows{rows: g.rows}
}

func (it *groupRows) next() *regRow {
	if it.packed {
		if it.ref == 0 {
			return nil
		}
		o := &it.j.dec[it.side]
		it.ref = it.j.unpackRow(it.side, it.ref, o)
		it.j.reads[it.side]++
		return o
	}
	if it.i >= len(it.rows) {
		return nil
	}
	r := it.rows[it.i]
	it.i++
	return r
}

// snapPacked appends the rows of packed side st (side) to a snapshot as
// snapRow writes a row: by join key, then those without one.
func (j *RegularJoin) snapPacked(e *snapEnc, side int, st *joinSide) {
	o := &j.dec[side]
	st.eachGroup(func(g *joinGroup) {
		for ref := g.list.head; ref != 0; {
			ref = j.unpackRow(side, ref, o)
			o.hasKey, o.isInt, o.ikey, o.joinKey, o.matches = true, g.isInt, g.ikey, g.key, 0
			j.snapRow(e, o)
		}
	})
	for ref := st.nokeyList.head; ref != 0; {
		ref = j.unpackRow(side, ref, o)
		o.hasKey, o.isInt, o.ikey, o.joinKey, o.matches = false, false, 0, "", 0
		j.snapRow(e, o)
	}
}

// A packed row costs a decode each time a change of the other side meets
// it. A side whose rows are met many times each (an auction side that
// every bid meets) is cheaper as rows of Values: once its rows have been
// decoded more than unpackRatio times as many times as it has rows (and
// unpackFloor times at least), unpackSide turns it into an unpacked
// append-only side (rows in shared chunks, rowSlab) for good.
const (
	unpackRatio = 4
	unpackFloor = 4096
)

// maybeUnpack unpacks side if its rows are decoded often enough.
func (j *RegularJoin) maybeUnpack(side int) {
	floor := int64(unpackFloor)
	if j.unpackFloor != 0 {
		floor = j.unpackFloor
	}
	if r := j.reads[side]; r >= floor && r > unpackRatio*int64(j.sides[side].rows) {
		j.unpackSide(side)
	}
}

// unpackSide turns packed side into rows of Values in shared chunks, each
// join key's in the order it had them.
func (j *RegularJoin) unpackSide(side int) {
	st := &j.sides[side]
	o := &j.dec[side]
	slab := &j.slab[side]
	st.eachGroup(func(g *joinGroup) {
		for ref := g.list.head; ref != 0; {
			ref = j.unpackRow(side, ref, o)
			n := slab.row(o.row, nil, unsafe.Slice(unsafe.StringData(o.rowKey), len(o.rowKey)))
			n.hasKey, n.isInt, n.ikey, n.joinKey = true, g.isInt, g.ikey, g.key
			n.group, n.idx = g, len(g.rows)
			g.rows = append(g.rows, n)
		}
		g.packed, g.list = false, rowList{}
	})
	for ref := st.nokeyList.head; ref != 0; {
		ref = j.unpackRow(side, ref, o)
		n := slab.row(o.row, nil, unsafe.Slice(unsafe.StringData(o.rowKey), len(o.rowKey)))
		n.idx = len(st.nokey)
		st.nokey = append(st.nokey, n)
	}
	st.nokeyList = rowList{}
	j.arena[side] = rowArena{}
	j.packed[side] = false
}
