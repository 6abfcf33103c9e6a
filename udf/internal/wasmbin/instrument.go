package wasmbin

import "fmt"

// Options configure Instrument.
type Options struct {
	HostModule string // module the added imports come from
	Yield      string // () -> i32, called when fuel runs out; returns the new fuel
	GrowHook   string // (i32) -> i32, sees every memory.grow result and returns it
	Fuel       int32  // global fuel: yield is called when it runs out
	// LoopFuel is the per-activation loop budget: every LoopFuel iterations
	// of its loops, a function activation spends one global fuel.
	LoopFuel int32
	// MaxMemoryPages, when non-zero, lowers a declared memory maximum above it.
	MaxMemoryPages uint32
	// Shape, when not nil, receives the shape of the module's code.
	Shape *Shape
}

// Shape is what an optimizing compiler's work grows with beyond the code's
// size: wazero's takes time quadratic in how deeply control structures nest
// when they branch (5 000 nested blocks each with a br_if take over a second,
// 20 000 take 17 s), while its interpreter compiles the same in milliseconds.
type Shape struct {
	MaxDepth int    // the deepest nesting of block, loop, if, try and try_table
	DeepFunc uint32 // the index of the (first) function nested that deep
	// A function's cost is its deepest nesting times its number of control
	// instructions (structures, else, branches). FuncCost is the largest,
	// Cost their sum.
	FuncCost, Cost uint64
}

// kept lists the custom sections that survive instrumentation; others (DWARF,
// linking, branch hints) describe code offsets that the rewrite invalidates.
var kept = map[string]bool{"name": true, "producers": true, "target_features": true}

// KeepCustom adds a custom section name that Instrument keeps.
func KeepCustom(name string) { kept[name] = true }

// Instrument rewrites m so that a guest cannot run without calling the host:
// it imports Yield and GrowHook (appended after the existing function imports,
// so every defined function's index moves up by two and is renumbered
// everywhere), adds a mutable i32 fuel global and an i32 local to every
// function, and inserts at function entry
//
//	loops = LoopFuel; fuel -= 1; if fuel == 0 { fuel = yield() }
//
// and at every loop header
//
//	loops -= 1; if loops == 0 { loops = LoopFuel; fuel -= 1; if fuel == 0 { fuel = yield() } }
//
// The loop counter lives in a register, so a loop iteration costs a
// decrement and a branch; between two yields run at most Fuel function
// entries or Fuel*LoopFuel loop iterations. Each memory.grow is followed by a
// call to GrowHook.
func Instrument(m *Module, opt Options) ([]byte, error) {
	w := &rewriter{m: m, nimp: uint32(m.FuncImports), shape: opt.Shape}
	if w.shape == nil {
		w.shape = new(Shape)
	}
	yield, grow := w.nimp, w.nimp+1
	g := uint32(m.GlobalCount)
	tyYield := uint32(len(m.Types))

	c := []byte{0x23}
	c = appendU32(c, g)
	c = append(c, 0x41, 0x01, 0x6b, 0x24)
	c = appendU32(c, g)
	c = append(c, 0x23)
	c = appendU32(c, g)
	c = append(c, 0x45, 0x04, 0x40, 0x10)
	c = appendU32(c, yield)
	c = append(c, 0x24)
	c = appendU32(c, g)
	w.check = append(c, 0x0b)
	w.loopFuel = appendS32([]byte{0x41}, opt.LoopFuel)
	w.growCall = appendU32([]byte{0x10}, grow)

	newTypes := []byte{0x60, 0, 1, byte(I32), 0x60, 1, byte(I32), 1, byte(I32)}
	var newImports []byte
	for i, name := range []string{opt.Yield, opt.GrowHook} {
		newImports = appendName(newImports, opt.HostModule)
		newImports = appendName(newImports, name)
		newImports = append(newImports, byte(KindFunc))
		newImports = appendU32(newImports, tyYield+uint32(i))
	}
	newGlobal := appendS32([]byte{byte(I32), 1, 0x41}, opt.Fuel)
	newGlobal = append(newGlobal, opEnd)

	pending := map[byte][]byte{
		secType:   append(appendU32(nil, 2), newTypes...),
		secImport: append(appendU32(nil, 2), newImports...),
		secGlobal: append(appendU32(nil, 1), newGlobal...),
	}
	out := []byte("\x00asm\x01\x00\x00\x00")
	flush := func(before int) {
		for _, id := range []byte{secType, secImport, secGlobal} {
			if p, ok := pending[id]; ok && order[id] < before {
				out = appendSection(out, id, p)
				delete(pending, id)
			}
		}
	}
	for _, s := range m.Sections {
		if s.ID == secCustom {
			if !kept[s.Name] {
				continue
			}
			p := s.Payload
			if s.Name == "name" {
				p = w.names(p, yield, opt)
				if p == nil {
					continue
				}
			}
			out = appendSection(out, secCustom, append(appendName(nil, s.Name), p...))
			continue
		}
		flush(order[s.ID])
		var p []byte
		var err error
		switch s.ID {
		case secType:
			p, err = appendCount(s.Payload, 2, newTypes)
		case secImport:
			p, err = appendCount(s.Payload, 2, newImports)
		case secGlobal:
			p, err = w.globals(s.Payload, newGlobal)
		case secMemory:
			p, err = clampMemory(s.Payload, opt.MaxMemoryPages)
		case secExport:
			p, err = w.exports(s.Payload)
		case secStart:
			r := &reader{b: s.Payload}
			p, err = appendU32(nil, w.remap(r.u32())), r.err
		case secElement:
			p, err = w.elements(s.Payload)
		case secCode:
			p, err = w.code(s.Payload)
		default:
			p = s.Payload
		}
		if err != nil {
			return nil, fmt.Errorf("section %d: %w", s.ID, err)
		}
		delete(pending, s.ID)
		out = appendSection(out, s.ID, p)
	}
	flush(1 << 30)
	return out, nil
}

type rewriter struct {
	m        *Module
	nimp     uint32
	check    []byte // global fuel check
	loopFuel []byte // i32.const LoopFuel
	growCall []byte // call to the grow hook, after memory.grow
	local    []byte // LEB128 index of the current function's loop counter
	shape    *Shape
	depth    int // nesting of the current function's body
	maxDepth int
	controls uint64
}

// setLocal appends local.set of the loop counter to LoopFuel.
func (w *rewriter) setLocal(out []byte) []byte {
	out = append(out, w.loopFuel...)
	return append(append(out, 0x21), w.local...)
}

// loopCheck appends the check at a loop header.
func (w *rewriter) loopCheck(out []byte) []byte {
	out = append(append(out, 0x20), w.local...)             // local.get
	out = append(out, 0x41, 0x01, 0x6b, 0x22)               // i32.const 1; i32.sub; local.tee
	out = append(append(out, w.local...), 0x45, 0x04, 0x40) // i32.eqz; if
	out = w.setLocal(out)
	out = append(out, w.check...)
	return append(out, 0x0b)
}

// measure counts op into the current function's shape.
func (w *rewriter) measure(op uint32) {
	switch op {
	case 0x02, opLoop, 0x04, 0x06, 0x1f: // block loop if try try_table
		w.depth++
		w.maxDepth = max(w.maxDepth, w.depth)
		w.controls++
	case opEnd:
		w.depth--
	case 0x05, 0x0c, 0x0d, 0x0e: // else br br_if br_table
		w.controls++
	}
}

func (w *rewriter) remap(idx uint32) uint32 {
	if idx >= w.nimp {
		return idx + 2
	}
	return idx
}

// appendCount returns a vector payload with n more entries appended.
func appendCount(payload []byte, n uint32, entries []byte) ([]byte, error) {
	r := &reader{b: payload}
	cnt := r.u32()
	if r.err != nil {
		return nil, r.err
	}
	out := appendU32(nil, cnt+n)
	out = append(out, payload[r.pos:]...)
	return append(out, entries...), nil
}

func (w *rewriter) globals(payload, extra []byte) ([]byte, error) {
	r := &reader{b: payload}
	n := r.u32()
	out := appendU32(nil, n+1)
	var err error
	for ; n > 0 && r.err == nil; n-- {
		out = append(out, byte(r.valType()), r.byte())
		if out, err = w.expr(r, out, len(r.b), false); err != nil {
			return nil, err
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	return append(out, extra...), nil
}

func clampMemory(payload []byte, maxPages uint32) ([]byte, error) {
	if maxPages == 0 {
		return payload, nil
	}
	r := &reader{b: payload}
	n := r.u32()
	out := appendU32(nil, n)
	for ; n > 0 && r.err == nil; n-- {
		start := r.pos
		min, max, hasMax := r.limits()
		if r.err != nil {
			break
		}
		flag := r.b[start]
		if flag > 3 || !hasMax || max <= uint64(maxPages) || min > uint64(maxPages) {
			out = append(out, r.b[start:r.pos]...)
			continue
		}
		out = append(out, flag)
		out = appendU32(out, uint32(min))
		out = appendU32(out, maxPages)
	}
	return out, r.err
}

func (w *rewriter) exports(payload []byte) ([]byte, error) {
	r := &reader{b: payload}
	n := r.u32()
	out := appendU32(nil, n)
	for ; n > 0 && r.err == nil; n-- {
		out = appendName(out, r.name())
		k := r.byte()
		idx := r.u32()
		if ExternKind(k) == KindFunc {
			idx = w.remap(idx)
		}
		out = appendU32(append(out, k), idx)
	}
	return out, r.err
}

func (w *rewriter) elements(payload []byte) ([]byte, error) {
	r := &reader{b: payload}
	n := r.u32()
	out := appendU32(nil, n)
	var err error
	for ; n > 0 && r.err == nil; n-- {
		flag := r.u32()
		if flag > 7 {
			return nil, fmt.Errorf("bad element segment flag %d", flag)
		}
		out = appendU32(out, flag)
		if flag == 2 || flag == 6 {
			out = appendU32(out, r.u32()) // table index
		}
		if flag&1 == 0 { // active: offset expression
			if out, err = w.expr(r, out, len(r.b), false); err != nil {
				return nil, err
			}
		}
		if flag&3 != 0 { // elemkind or reftype
			out = append(out, r.byte())
		}
		cnt := r.u32()
		out = appendU32(out, cnt)
		for ; cnt > 0 && r.err == nil; cnt-- {
			if flag&4 == 0 {
				out = appendU32(out, w.remap(r.u32()))
			} else if out, err = w.expr(r, out, len(r.b), false); err != nil {
				return nil, err
			}
		}
	}
	return out, r.err
}

func (w *rewriter) code(payload []byte) ([]byte, error) {
	r := &reader{b: payload}
	n := r.u32()
	if int(n) != len(w.m.Funcs) {
		return nil, fmt.Errorf("%d bodies for %d functions", n, len(w.m.Funcs))
	}
	out := make([]byte, 0, len(payload)+len(payload)/4)
	out = appendU32(out, n)
	var body, locals []byte
	var err error
	for i := uint32(0); i < n && r.err == nil; i++ {
		size := int(r.u32())
		end := r.pos + size
		if r.err != nil || end > len(r.b) {
			return nil, errEOF
		}
		ti := w.m.Funcs[i]
		if int(ti) >= len(w.m.Types) {
			return nil, fmt.Errorf("function %d: bad type index", w.nimp+i)
		}
		idx := uint64(len(w.m.Types[ti].Params))
		decls := r.u32()
		locals = appendU32(locals[:0], decls+1)
		for d := decls; d > 0 && r.err == nil; d-- {
			start := r.pos
			idx += uint64(r.u32())
			r.valType()
			locals = append(locals, r.b[start:r.pos]...)
		}
		if idx >= 50000 {
			return nil, fmt.Errorf("function %d: too many locals", w.nimp+i)
		}
		locals = append(locals, 1, byte(I32))
		w.local = appendU32(w.local[:0], uint32(idx))
		body = append(body[:0], locals...)
		body = w.setLocal(body)
		body = append(body, w.check...)
		w.depth, w.maxDepth, w.controls = 0, 0, 0
		if body, err = w.expr(r, body, end, true); err != nil {
			return nil, fmt.Errorf("function %d: %w", w.nimp+i, err)
		}
		if w.maxDepth > w.shape.MaxDepth {
			w.shape.MaxDepth, w.shape.DeepFunc = w.maxDepth, w.nimp+i
		}
		cost := uint64(w.maxDepth) * w.controls
		w.shape.Cost += cost
		w.shape.FuncCost = max(w.shape.FuncCost, cost)
		out = appendU32(out, uint32(len(body)))
		out = append(out, body...)
	}
	return out, r.err
}

// expr copies instructions to out, renumbering function indices. A code body
// (fuel) runs to end and gets fuel checks; a constant expression stops after
// its first end.
func (w *rewriter) expr(r *reader, out []byte, end int, fuel bool) ([]byte, error) {
	for r.pos < end && r.err == nil {
		start := r.pos
		op := r.instr()
		if r.err != nil {
			break
		}
		if fuel {
			w.measure(op)
		}
		switch op {
		case opCall, opReturnCall, opRefFunc:
			ir := &reader{b: r.b, pos: start + 1}
			out = appendU32(append(out, byte(op)), w.remap(ir.u32()))
		case opLoop:
			out = append(out, r.b[start:r.pos]...)
			if fuel {
				out = w.loopCheck(out)
			}
		case opMemoryGrow:
			out = append(out, r.b[start:r.pos]...)
			out = append(out, w.growCall...)
		default:
			out = append(out, r.b[start:r.pos]...)
			if op == opEnd && !fuel {
				return out, nil
			}
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if !fuel {
		return nil, fmt.Errorf("constant expression without end")
	}
	if r.pos != end {
		return nil, fmt.Errorf("instruction crosses the end of the body")
	}
	return out, nil
}
