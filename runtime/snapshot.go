package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Checkpointer is implemented by stages whose state can be saved and
// restored (operator-state checkpoints of durable sources).
//
// Snapshot appends the stage's complete state to dst in a compact binary
// form; it fails for state that lives outside Go (user aggregates), and
// the caller then keeps inputs unacknowledged until their windows close.
// Restore replaces the stage's state with a snapshot taken from a stage of
// the same configuration: feeding both the same records afterwards gives
// the same outputs in the same order.
type Checkpointer interface {
	Snapshot(dst []byte) ([]byte, error)
	Restore(b []byte) error
}

// ErrNotCheckpointable is returned by Snapshot for a stage holding user
// aggregate (WebAssembly) state.
var ErrNotCheckpointable = errors.New("stage state cannot be checkpointed: it holds user aggregate (WebAssembly) state")

// snapVersion is the first byte of every stage snapshot.
const snapVersion = 1

// snapEnc appends the primitive encodings used by stage snapshots.
type snapEnc struct{ b []byte }

func (e *snapEnc) u8(x uint8)       { e.b = append(e.b, x) }
func (e *snapEnc) uvar(x uint64)    { e.b = binary.AppendUvarint(e.b, x) }
func (e *snapEnc) ivar(x int64)     { e.b = binary.AppendVarint(e.b, x) }
func (e *snapEnc) f64(x float64)    { e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(x)) }
func (e *snapEnc) bytes(s []byte)   { e.uvar(uint64(len(s))); e.b = append(e.b, s...) }
func (e *snapEnc) bool(x bool)      { e.u8(b2u8(x)) }
func (e *snapEnc) values(r []Value) { e.uvar(uint64(len(r))); e.valueList(r) }

func (e *snapEnc) valueList(r []Value) {
	for i := range r {
		e.value(&r[i])
	}
}

// valueFields is the flags byte of an exact encoding of v: which of its
// fields are set (1 Scale, 2 I, 4 F's bits, 8 S, even empty). Snapshots
// and the Top-N arena (topnPutValue) write a value as its type, these
// flags and the fields set.
func valueFields(v *Value) uint8 {
	var fl uint8
	if v.Scale != 0 {
		fl |= 1
	}
	if v.I != 0 {
		fl |= 2
	}
	if math.Float64bits(v.F) != 0 {
		fl |= 4
	}
	if v.S != nil {
		fl |= 8
	}
	return fl
}

// value encodes every field of v exactly (a flags byte says which are set).
func (e *snapEnc) value(v *Value) {
	fl := valueFields(v)
	e.u8(uint8(v.T))
	e.u8(fl)
	if fl&1 != 0 {
		e.u8(v.Scale)
	}
	if fl&2 != 0 {
		e.ivar(v.I)
	}
	if fl&4 != 0 {
		e.f64(v.F)
	}
	if fl&8 != 0 {
		e.bytes(v.S)
	}
}

func b2u8(x bool) uint8 {
	if x {
		return 1
	}
	return 0
}

// snapDec reads a snapshot; the first failure sticks in err and later
// reads return zero values.
type snapDec struct {
	b   []byte
	off int
	err error
}

var errSnapTruncated = errors.New("snapshot truncated or corrupt")

func (d *snapDec) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *snapDec) u8() uint8 {
	if d.err != nil || d.off >= len(d.b) {
		d.fail(errSnapTruncated)
		return 0
	}
	x := d.b[d.off]
	d.off++
	return x
}

func (d *snapDec) uvar() uint64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail(errSnapTruncated)
		return 0
	}
	d.off += n
	return x
}

func (d *snapDec) ivar() int64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		d.fail(errSnapTruncated)
		return 0
	}
	d.off += n
	return x
}

func (d *snapDec) f64() float64 {
	if d.err != nil || len(d.b)-d.off < 8 {
		d.fail(errSnapTruncated)
		return 0
	}
	x := math.Float64frombits(binary.LittleEndian.Uint64(d.b[d.off:]))
	d.off += 8
	return x
}

// count reads a length and checks that at least min bytes per element remain.
func (d *snapDec) count(min int) int {
	n := d.uvar()
	if d.err == nil && (n > uint64(len(d.b)) || int(n)*min > len(d.b)-d.off) {
		d.fail(errSnapTruncated)
		return 0
	}
	return int(n)
}

// bytes returns a slice aliasing the snapshot; callers copy what they keep.
func (d *snapDec) bytes() []byte {
	n := d.count(1)
	if d.err != nil {
		return nil
	}
	s := d.b[d.off : d.off+n : d.off+n]
	d.off += n
	return s
}

func (d *snapDec) bool() bool { return d.u8() != 0 }

// value reads a value whose bytes alias the snapshot.
func (d *snapDec) value() Value {
	var v Value
	v.T = Type(d.u8())
	fl := d.u8()
	if fl&1 != 0 {
		v.Scale = d.u8()
	}
	if fl&2 != 0 {
		v.I = d.ivar()
	}
	if fl&4 != 0 {
		v.F = d.f64()
	}
	if fl&8 != 0 {
		v.S = d.bytes()
		if v.S == nil {
			v.S = []byte{}
		}
	}
	return v
}

// valuesInto reads n values into dst (resized), aliasing the snapshot.
func (d *snapDec) valuesInto(dst []Value, n int) []Value {
	dst = dst[:0]
	for range n {
		dst = append(dst, d.value())
	}
	return dst
}

// expect checks a configuration field recorded in the snapshot.
func (d *snapDec) expect(what string, got, want int64) {
	if d.err == nil && got != want {
		d.fail(fmt.Errorf("snapshot does not match the stage: %s is %d in the snapshot, %d in the query", what, got, want))
	}
}

// done reports the first error, or trailing bytes.
func (d *snapDec) done() error {
	if d.err == nil && d.off != len(d.b) {
		d.fail(fmt.Errorf("snapshot has %d trailing bytes", len(d.b)-d.off))
	}
	return d.err
}

var (
	_ Checkpointer = (*groupStage)(nil)
	_ Checkpointer = (*rowsStage)(nil)
)
