package planner

import (
	"context"
	"fmt"
	"slices"

	"github.com/velort/velort/runtime"
	"github.com/velort/velort/udf"
)

// fromUDFType maps a udf ABI type to velort's.
func fromUDFType(t udf.Type) runtime.Type {
	switch t {
	case udf.Int:
		return runtime.TInt
	case udf.Double:
		return runtime.TDouble
	case udf.Bool:
		return runtime.TBool
	case udf.Timestamp:
		return runtime.TTimestamp
	case udf.JSON:
		return runtime.TJSON
	}
	return runtime.TString
}

// toUDFType maps a velort type to the ABI's; DECIMAL has no ABI form.
func toUDFType(t runtime.Type) (udf.Type, error) {
	switch t {
	case runtime.TInt:
		return udf.Int, nil
	case runtime.TDouble:
		return udf.Double, nil
	case runtime.TBool:
		return udf.Bool, nil
	case runtime.TTimestamp:
		return udf.Timestamp, nil
	case runtime.TString:
		return udf.String, nil
	case runtime.TJSON:
		return udf.JSON, nil
	}
	return 0, fmt.Errorf("type %s cannot cross the user-function ABI (use DOUBLE or BIGINT)", t)
}

// PluginFunctions loads every module of a --plugins directory and returns
// the functions their manifests declare.
func PluginFunctions(ctx context.Context, host *udf.Host, dir string) ([]*Function, error) {
	mods, err := udf.LoadDir(ctx, host, dir)
	if err != nil {
		return nil, err
	}
	var out []*Function
	for _, m := range mods {
		for i, s := range m.Functions() {
			f := &Function{Name: s.Name, Module: m.Path(), Export: s.Export, Kind: "scalar", module: m, index: i}
			if s.Kind == udf.Aggregate {
				f.Kind = "aggregate"
			}
			for _, p := range s.Params {
				f.Params = append(f.Params, fromUDFType(p))
			}
			f.Returns = fromUDFType(s.Returns)
			out = append(out, f)
		}
	}
	return out, nil
}

// LoadModules loads the modules of the file's CREATE FUNCTION statements
// and checks each declared signature against the export's real one.
func (pl *Plan) LoadModules(ctx context.Context, host *udf.Host) error {
	byPath := map[string][]*Function{}
	var paths []string
	for _, f := range pl.Functions {
		if f.module != nil {
			continue
		}
		if _, ok := byPath[f.Module]; !ok {
			paths = append(paths, f.Module)
		}
		byPath[f.Module] = append(byPath[f.Module], f)
	}
	for _, path := range paths {
		fns := byPath[path]
		sigs := make([]udf.Signature, len(fns))
		for i, f := range fns {
			s := udf.Signature{Name: f.Name, Export: f.Export, Kind: udf.Scalar}
			if f.Kind == "aggregate" {
				s.Kind = udf.Aggregate
			}
			for _, p := range f.Params {
				t, err := toUDFType(p)
				if err != nil {
					return pl.src.errorAt(f.pos, "function %s: %v", f.Name, err)
				}
				s.Params = append(s.Params, t)
			}
			t, err := toUDFType(f.Returns)
			if err != nil {
				return pl.src.errorAt(f.pos, "function %s: %v", f.Name, err)
			}
			s.Returns = t
			sigs[i] = s
		}
		m, err := host.LoadWithSignatures(ctx, path, sigs)
		if err != nil {
			return pl.src.errorAt(fns[0].pos, "function %s: %v", fns[0].Name, err)
		}
		for _, f := range fns {
			f.module, f.index = m, m.Index(f.Name)
		}
	}
	if err := pl.loadCodecs(ctx, host); err != nil {
		return err
	}
	for _, q := range pl.Queries {
		for _, r := range q.needRetract {
			if !r.fn.CanRetract() {
				return retractError(pl.src, r.pos, r.fn, r.what)
			}
		}
	}
	return nil
}

// Instances is a partition's set of wasm instances, one per module; it
// binds user-function calls for that partition's pipeline.
type Instances struct {
	ctx   context.Context
	byMod map[*udf.Module]*udf.Instance
}

// NewInstances returns an empty per-partition instance set.
func NewInstances(ctx context.Context) *Instances {
	return &Instances{ctx: ctx, byMod: map[*udf.Module]*udf.Instance{}}
}

// Close releases the partition's instances.
func (s *Instances) Close() {
	for _, in := range s.byMod {
		_ = in.Close(s.ctx)
	}
}

func (s *Instances) instance(f *Function) (*udf.Instance, error) {
	if f.module == nil {
		return nil, fmt.Errorf("user function %s: module %s is not loaded", f.Name, f.Module)
	}
	in, ok := s.byMod[f.module]
	if !ok {
		var err error
		if in, err = f.module.NewInstance(s.ctx); err != nil {
			return nil, fmt.Errorf("user function %s: %w", f.Name, err)
		}
		s.byMod[f.module] = in
	}
	return in, nil
}

func (s *Instances) bind(f *Function) (func(*runtime.Ctx, []runtime.Value) runtime.Value, error) {
	in, err := s.instance(f)
	if err != nil {
		return nil, err
	}
	if f.Kind == "aggregate" {
		return nil, fmt.Errorf("aggregate function %s used outside GROUP BY", f.Name)
	}
	args := make([]udf.Arg, len(f.Params))
	var out udf.Arg
	idx, ret := f.index, f.Returns
	return func(c *runtime.Ctx, vals []runtime.Value) runtime.Value {
		toArgs(args, vals)
		if err := in.Call(idx, args, &out); err != nil {
			c.Err = err
			return runtime.Null
		}
		return fromArg(c, &out, ret)
	}, nil
}

// batch returns f's batch entry point as a runtime.BatchFunc, or nil.
func (s *Instances) batch(f *Function) (runtime.BatchFunc, error) {
	in, err := s.instance(f)
	if err != nil || f.Kind == "aggregate" || !in.HasBatch(f.index) {
		return nil, err
	}
	cols := make([][]udf.Arg, len(f.Params))
	var res []udf.Arg
	idx, ret := f.index, f.Returns
	return func(args [][]runtime.Value, out []runtime.Value) error {
		n := len(out)
		for j := range cols {
			cols[j] = slices.Grow(cols[j][:0], n)[:n]
			toArgs(cols[j], args[j][:n])
		}
		res = slices.Grow(res[:0], n)[:n]
		if err := in.CallBatch(idx, cols, res); err != nil {
			return err
		}
		for i := range out {
			out[i] = fromArg(nil, &res[i], ret) // fixed-width types only: no bytes to copy
		}
		return nil
	}, nil
}

// toArgs fills the ABI arguments field by field (a whole-struct store of
// a fresh literal is slower in this hot path).
func toArgs(args []udf.Arg, vals []runtime.Value) {
	for i := range vals {
		v, a := &vals[i], &args[i]
		a.I, a.F, a.B, a.Null = v.I, v.F, v.S, v.T == runtime.TNull
	}
}

// fromArg converts a result; bytes are copied to the arena because the
// instance reuses its result buffer on the next call.
func fromArg(c *runtime.Ctx, a *udf.Arg, t runtime.Type) runtime.Value {
	if a.Null {
		return runtime.Null
	}
	switch t {
	case runtime.TDouble:
		return runtime.Double(a.F)
	case runtime.TString, runtime.TJSON:
		return runtime.Value{T: t, S: arenaBytes(c, a.B)}
	case runtime.TBool:
		return runtime.Bool(a.I != 0)
	}
	return runtime.Value{T: t, I: a.I}
}

// aggUDF adapts a wasm aggregate to runtime.AggUDF. Its arguments are
// evaluated by argsExpr (the AggSpec's Arg), which stores them here and
// returns NULL when any is NULL, so that the stage skips the row as SQL
// aggregates skip NULLs.
type aggUDF struct {
	in    *udf.Instance
	fn    int
	ret   runtime.Type
	exprs []runtime.Expr
	vals  []runtime.Value
	args  []udf.Arg
	out   udf.Arg
}

func (a *aggUDF) argsExpr(c *runtime.Ctx, r runtime.Row) runtime.Value {
	for i, e := range a.exprs {
		v := e(c, r)
		if v.T == runtime.TNull {
			return runtime.Null
		}
		a.vals[i] = v
	}
	return runtime.Int(1)
}

func (a *aggUDF) Init(*runtime.Ctx) (int64, error) {
	st, err := a.in.AggInit(a.fn)
	return int64(st), err
}

func (a *aggUDF) Update(_ *runtime.Ctx, state int64, _ runtime.Value) error {
	toArgs(a.args, a.vals)
	return a.in.AggUpdate(a.fn, udf.AggState(state), a.args)
}

func (a *aggUDF) Merge(_ *runtime.Ctx, dst, src int64) error {
	return a.in.AggMerge(a.fn, udf.AggState(dst), udf.AggState(src))
}

func (a *aggUDF) Result(c *runtime.Ctx, state int64) runtime.Value {
	if err := a.in.AggResult(a.fn, udf.AggState(state), &a.out); err != nil {
		c.Err = err
		return runtime.Null
	}
	return fromArg(c, &a.out, a.ret)
}

func (a *aggUDF) Free(state int64) { _ = a.in.AggFree(a.fn, udf.AggState(state)) }

// aggUDFRetract is an aggUDF whose module exports the aggregate's retract:
// only it implements runtime.AggUDFRetracter, which the group stage needs
// over a changelog input.
type aggUDFRetract struct{ *aggUDF }

var _ runtime.AggUDFRetracter = aggUDFRetract{}

// CanRetract is true: aggregate() makes an aggUDFRetract only for an
// aggregate with a retract export.
func (aggUDFRetract) CanRetract() bool { return true }

// Retract undoes one Update with the same arguments, which argsExpr has
// just stored, through the aggregate's retract export.
func (a aggUDFRetract) Retract(_ *runtime.Ctx, state int64, _ runtime.Value) error {
	toArgs(a.args, a.vals)
	return a.in.AggRetract(a.fn, udf.AggState(state), a.args)
}

// CanRetract reports whether f is a loaded aggregate user function whose
// module has a retract export, so that it can run over a changelog input.
func (f *Function) CanRetract() bool {
	if f.module == nil || f.Kind != "aggregate" {
		return false
	}
	sigs := f.module.Functions()
	return f.index >= 0 && f.index < len(sigs) && sigs[f.index].HasRetract()
}

// aggregate compiles a call of an aggregate user function into an AggSpec.
func (s *Instances) aggregate(in *exprEnv, u *udfExpr) (runtime.AggSpec, error) {
	inst, err := s.instance(u.fn)
	if err != nil {
		return runtime.AggSpec{}, err
	}
	a := &aggUDF{in: inst, fn: u.fn.index, ret: u.fn.Returns, vals: make([]runtime.Value, len(u.args)), args: make([]udf.Arg, len(u.args))}
	for i, e := range u.args {
		c, err := in.compile(e)
		if err != nil {
			return runtime.AggSpec{}, err
		}
		a.exprs = append(a.exprs, coerceTo(c, u.fn.Params[i], 0))
	}
	var impl runtime.AggUDF = a
	if inst.HasRetract(a.fn) {
		impl = aggUDFRetract{a}
	}
	return runtime.AggSpec{Func: runtime.UDF, Arg: a.argsExpr, ArgType: runtime.TInt, ResultType: u.fn.Returns, UDF: impl}, nil
}
