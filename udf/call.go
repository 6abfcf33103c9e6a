package udf

import (
	"fmt"
	"math"
)

// Call calls scalar function fn (an index into Functions) and stores the
// result in out. A NULL argument gives a NULL result without calling the
// guest, unless the function handles NULLs. A VARCHAR, VARBINARY or JSON
// result aliases a buffer of the instance, valid until its next call.
// Call allocates nothing in steady state. A fault returns a *CallError.
func (in *Instance) Call(fn int, args []Arg, out *Arg) error {
	b := &in.fns[fn]
	s := b.sig
	if s.Kind != Scalar || len(args) != len(s.Params) {
		return in.misuse(fn, len(args), Scalar)
	}
	if !s.HandlesNull {
		for i := range args {
			if args[i].Null {
				*out = Arg{Null: true}
				return nil
			}
		}
	}
	if err := in.ready(); err != nil {
		return err
	}
	in.begin(in.m.h.lim.Timeout)
	t0 := b.sampled()
	if err := in.encode(s, args, b.stack, b.varLen); err != nil {
		return err
	}
	err := b.fn.CallWithStack(in.ctx, b.stack)
	in.release()
	if err != nil {
		return in.fault(s.Name, err, true)
	}
	err = in.decode(s, b.stack[0], out)
	in.m.record(fn, t0)
	return err
}

func (in *Instance) misuse(fn, nargs int, want Kind) error {
	s := in.fns[fn].sig
	if s.Kind != want {
		return fmt.Errorf("udf: %s is %s, not %s", s.Name, s.Kind, want)
	}
	return fmt.Errorf("udf: %s takes %d arguments, got %d", s.Name, len(s.Params), nargs)
}

// encode lays args out on stack per ABI velort/1, writing variable-length
// values into the argument area. A leading null mask is added when the
// function handles NULLs.
func (in *Instance) encode(s *Signature, args []Arg, stack []uint64, varLen bool) error {
	n := 0
	if s.HandlesNull {
		var mask uint64
		for i := range args {
			if args[i].Null {
				mask |= 1 << i
			}
		}
		stack[0] = mask
		n = 1
	}
	off := uint32(0)
	if varLen {
		total := 0
		for i, t := range s.Params {
			if t.varLen() && !args[i].Null {
				total += len(args[i].B)
			}
		}
		if err := in.reserve(s.Name, total); err != nil {
			return err
		}
		off = in.area
	}
	for i, t := range s.Params {
		a := &args[i]
		switch {
		case a.Null:
			stack[n] = 0
			if t.varLen() {
				stack[n+1] = 0
				n++
			}
		case t == Double:
			stack[n] = math.Float64bits(a.F)
		case t == Bool:
			stack[n] = 0
			if a.I != 0 {
				stack[n] = 1
			}
		case !t.varLen(): // Int, Timestamp
			stack[n] = uint64(a.I)
		default:
			l := uint32(len(a.B))
			if l > 0 && !in.mem.Write(off, a.B) {
				return fmt.Errorf("udf: %s: argument area out of guest memory", s.Name)
			}
			stack[n], stack[n+1] = uint64(off), uint64(l)
			off += l
			n++
		}
		n++
	}
	return nil
}

// reserve makes the argument area hold at least size bytes. The area
// returned by velort_alloc stays the host's until it asks again, so it is
// reused by every call that fits.
func (in *Instance) reserve(name string, size int) error {
	if size <= int(in.cap) && (size > 0 || in.cap > 0) {
		return nil
	}
	if in.alloc == nil {
		return fmt.Errorf("udf: %s: the module exports no %s", name, exportAlloc)
	}
	if size > math.MaxInt32 {
		return fmt.Errorf("udf: %s: %d bytes of arguments is too much", name, size)
	}
	want := uint32(max(size, 2*int(in.cap), 256))
	in.allocStack[0] = uint64(want)
	err := in.alloc.CallWithStack(in.ctx, in.allocStack[:])
	in.release()
	if err != nil {
		return in.fault(name, err, true)
	}
	p := uint32(in.allocStack[0])
	if p == 0 || in.mem == nil || uint64(p)+uint64(want) > uint64(in.mem.Size()) {
		return fmt.Errorf("udf: %s: %s(%d) returned an unusable pointer %d", name, exportAlloc, want, p)
	}
	in.area, in.cap = p, want
	return nil
}

// decode stores the raw result v of s into out.
func (in *Instance) decode(s *Signature, v uint64, out *Arg) error {
	if in.cur.resultNull {
		*out = Arg{Null: true}
		return nil
	}
	switch s.Returns {
	case Int, Timestamp:
		*out = Arg{I: int64(v)}
	case Double:
		*out = Arg{F: math.Float64frombits(v)}
	case Bool:
		*out = Arg{}
		if uint32(v) != 0 {
			out.I = 1
		}
	default:
		p, l := uint32(v>>32), uint32(v)
		if l > 0 {
			view, ok := in.mem.Read(p, l)
			if !ok {
				return &CallError{Kind: Trap, Func: s.Name, Detail: fmt.Sprintf("result (ptr %d, len %d) is outside guest memory", p, l)}
			}
			in.out = append(in.out[:0], view...)
		}
		*out = Arg{B: in.out[:l]}
	}
	return nil
}
