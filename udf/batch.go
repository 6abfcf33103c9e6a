package udf

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// HasBatch reports whether function fn has a batch entry point.
func (in *Instance) HasBatch(fn int) bool { return in.fns[fn].b != nil }

// CallBatch computes fn over len(out) rows in one guest call. cols holds one
// column per parameter (each at least len(out) long). Rows with a NULL
// argument get a NULL result and are not passed to the guest. A batch that
// completes counts in Stats as one batch and as a call per row passed.
//
// Layout (ABI velort/1): the host writes each parameter column as a packed
// array in the argument area (BIGINT and TIMESTAMP as i64, DOUBLE as f64,
// BOOLEAN as i32), reserves the result array after them (each array starts
// 8-byte aligned) and calls batch(n, col0, ..., colK, out).
func (in *Instance) CallBatch(fn int, cols [][]Arg, out []Arg) error {
	b := &in.fns[fn]
	s := b.sig
	if b.b == nil && s.Batch == "" {
		return fmt.Errorf("udf: %s has no batch entry point", s.Name)
	}
	if len(cols) != len(s.Params) {
		return in.misuse(fn, len(cols), Scalar)
	}
	n := len(out)
	for j := range cols {
		if len(cols[j]) < n {
			return fmt.Errorf("udf: %s: column %d has %d rows, want %d", s.Name, j+1, len(cols[j]), n)
		}
	}
	m := 0
	for r := 0; r < n; r++ {
		if !rowNull(cols, r) {
			m++
		}
	}
	if m == 0 {
		for r := range out {
			out[r] = Arg{Null: true}
		}
		return nil
	}
	size := 0
	for _, t := range s.Params {
		size += align8(m * int(t.width()))
	}
	size += align8(m * int(s.Returns.width()))
	if err := in.ready(); err != nil {
		return err
	}
	in.begin(in.m.h.lim.Timeout)
	t0 := time.Now()
	if err := in.reserve(s.Name, size); err != nil {
		return err
	}
	off := in.area
	b.stack[0] = uint64(m)
	for j, t := range s.Params {
		w := int(t.width())
		view, ok := in.mem.Read(off, uint32(m*w))
		if !ok {
			return fmt.Errorf("udf: %s: batch area outside guest memory", s.Name)
		}
		k := 0
		for r := 0; r < n; r++ {
			if m == n || !rowNull(cols, r) { // without NULLs, no row is skipped
				putValue(view[k*w:], t, &cols[j][r])
				k++
			}
		}
		b.stack[1+j] = uint64(off)
		off += uint32(align8(m * w))
	}
	b.stack[1+len(s.Params)] = uint64(off)
	err := b.b.CallWithStack(in.ctx, b.stack)
	in.release()
	if err != nil {
		return in.fault(s.Name, err, true)
	}
	w := int(s.Returns.width())
	view, ok := in.mem.Read(off, uint32(m*w))
	if !ok {
		return fmt.Errorf("udf: %s: batch area outside guest memory", s.Name)
	}
	k := 0
	for r := 0; r < n; r++ {
		if m < n && rowNull(cols, r) {
			out[r] = Arg{Null: true}
			continue
		}
		out[r] = getValue(view[k*w:], s.Returns)
		k++
	}
	in.m.recordBatch(fn, m, t0)
	return nil
}

func rowNull(cols [][]Arg, r int) bool {
	for j := range cols {
		if cols[j][r].Null {
			return true
		}
	}
	return false
}

func align8(n int) int { return (n + 7) &^ 7 }

func putValue(dst []byte, t Type, a *Arg) {
	switch t {
	case Double:
		binary.LittleEndian.PutUint64(dst, math.Float64bits(a.F))
	case Bool:
		v := uint32(0)
		if a.I != 0 {
			v = 1
		}
		binary.LittleEndian.PutUint32(dst, v)
	default:
		binary.LittleEndian.PutUint64(dst, uint64(a.I))
	}
}

func getValue(src []byte, t Type) Arg {
	switch t {
	case Double:
		return Arg{F: math.Float64frombits(binary.LittleEndian.Uint64(src))}
	case Bool:
		if binary.LittleEndian.Uint32(src) != 0 {
			return Arg{I: 1}
		}
		return Arg{}
	}
	return Arg{I: int64(binary.LittleEndian.Uint64(src))}
}
