package udf

import (
	"fmt"

	"github.com/tetratelabs/wazero/api"
)

// AggState names one aggregate state held in the guest: the instance
// generation in the high 32 bits, the guest's i32 handle in the low 32. A
// state from before a fault (which replaces the instance) gives ErrStateLost.
type AggState uint64

func (in *Instance) agg(fn int) (*binding, error) {
	b := &in.fns[fn]
	if b.sig.Kind != Aggregate {
		return nil, fmt.Errorf("udf: %s is %s, not aggregate", b.sig.Name, b.sig.Kind)
	}
	return b, in.ready()
}

func (in *Instance) handle(st AggState) (uint64, error) {
	if uint32(st>>32) != in.gen {
		return 0, ErrStateLost
	}
	return uint64(uint32(st)), nil
}

// AggInit creates a state with the aggregate's init export.
func (in *Instance) AggInit(fn int) (AggState, error) {
	b, err := in.agg(fn)
	if err != nil {
		return 0, err
	}
	in.begin(in.m.h.lim.Timeout)
	err = b.init.CallWithStack(in.ctx, b.stack)
	in.release()
	if err != nil {
		return 0, in.fault(b.sig.Name, err, true)
	}
	return AggState(uint64(in.gen)<<32 | uint64(uint32(b.stack[0]))), nil
}

// AggUpdate folds one row into st. As in SQL, a row with a NULL argument is
// skipped unless the function handles NULLs.
func (in *Instance) AggUpdate(fn int, st AggState, args []Arg) error {
	b, err := in.agg(fn)
	if err != nil {
		return err
	}
	return in.aggStep(fn, b, b.update, st, args)
}

// AggRetract takes one row back out of st: it undoes an AggUpdate with the
// same arguments, through the aggregate's retract export (see HasRetract).
// A row with a NULL argument is skipped exactly as AggUpdate skips it
// (unless the function handles NULLs), so a row whose update was skipped is
// never retracted. Timeouts and faults are handled as for AggUpdate.
func (in *Instance) AggRetract(fn int, st AggState, args []Arg) error {
	b, err := in.agg(fn)
	if err != nil {
		return err
	}
	if b.retract == nil {
		return fmt.Errorf("udf: aggregate %s has no retract export, so it cannot take rows back (over a changelog)", b.sig.Name)
	}
	return in.aggStep(fn, b, b.retract, st, args)
}

// aggStep calls export (update or retract) with state st and one row's
// arguments: NULL rows skipped unless the function handles NULLs, under
// the call timeout, a fault replacing the instance.
func (in *Instance) aggStep(fn int, b *binding, export api.Function, st AggState, args []Arg) error {
	s := b.sig
	if len(args) != len(s.Params) {
		return in.misuse(fn, len(args), Aggregate)
	}
	if !s.HandlesNull {
		for i := range args {
			if args[i].Null {
				return nil
			}
		}
	}
	h, err := in.handle(st)
	if err != nil {
		return err
	}
	in.begin(in.m.h.lim.Timeout)
	t0 := b.sampled()
	b.stack[0] = h
	if err := in.encode(s, args, b.stack[1:], b.varLen); err != nil {
		return err
	}
	err = export.CallWithStack(in.ctx, b.stack)
	in.release()
	if err != nil {
		return in.fault(s.Name, err, true)
	}
	in.m.record(fn, t0)
	return nil
}

// HasRetract reports whether function fn is an aggregate with a retract
// export.
func (in *Instance) HasRetract(fn int) bool { return in.fns[fn].sig.HasRetract() }

// AggMerge folds other into st; other stays valid.
func (in *Instance) AggMerge(fn int, st, other AggState) error {
	b, err := in.agg(fn)
	if err != nil {
		return err
	}
	h, err := in.handle(st)
	if err != nil {
		return err
	}
	o, err := in.handle(other)
	if err != nil {
		return err
	}
	in.begin(in.m.h.lim.Timeout)
	b.stack[0], b.stack[1] = h, o
	err = b.merge.CallWithStack(in.ctx, b.stack)
	in.release()
	if err != nil {
		return in.fault(b.sig.Name, err, true)
	}
	return nil
}

// AggResult stores the aggregate's current result in out; st stays valid.
func (in *Instance) AggResult(fn int, st AggState, out *Arg) error {
	b, err := in.agg(fn)
	if err != nil {
		return err
	}
	h, err := in.handle(st)
	if err != nil {
		return err
	}
	in.begin(in.m.h.lim.Timeout)
	b.stack[0] = h
	err = b.result.CallWithStack(in.ctx, b.stack)
	in.release()
	if err != nil {
		return in.fault(b.sig.Name, err, true)
	}
	return in.decode(b.sig, b.stack[0], out)
}

// AggFree releases st through the free export, if the aggregate has one.
// A state lost in a fault needs no freeing.
func (in *Instance) AggFree(fn int, st AggState) error {
	b, err := in.agg(fn)
	if err != nil || b.free == nil {
		return err
	}
	h, err := in.handle(st)
	if err != nil {
		return nil
	}
	in.begin(in.m.h.lim.Timeout)
	b.stack[0] = h
	err = b.free.CallWithStack(in.ctx, b.stack)
	in.release()
	if err != nil {
		return in.fault(b.sig.Name, err, true)
	}
	return nil
}
