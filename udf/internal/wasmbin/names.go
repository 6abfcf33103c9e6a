package wasmbin

// names rewrites the "name" custom section for the shifted function indices
// and names the added imports. It returns nil (drop the section) if the
// section cannot be read.
func (w *rewriter) names(payload []byte, first uint32, opt Options) []byte {
	r := &reader{b: payload}
	var out []byte
	for !r.eof() {
		id := r.byte()
		sub := r.bytes(int(r.u32()))
		if r.err != nil {
			return nil
		}
		sr := &reader{b: sub}
		var p []byte
		switch id {
		case 1: // function names: namemap
			n := sr.u32()
			p = appendU32(nil, n+2)
			added := false
			for ; n > 0 && sr.err == nil; n-- {
				idx, name := sr.u32(), sr.name()
				if !added && idx >= first {
					p = appendName(appendU32(p, first), opt.HostModule+"."+opt.Yield)
					p = appendName(appendU32(p, first+1), opt.HostModule+"."+opt.GrowHook)
					added = true
				}
				p = appendName(appendU32(p, w.remap(idx)), name)
			}
			if !added {
				p = appendName(appendU32(p, first), opt.HostModule+"."+opt.Yield)
				p = appendName(appendU32(p, first+1), opt.HostModule+"."+opt.GrowHook)
			}
		case 2, 3: // local and label names: indirect maps keyed by function index
			n := sr.u32()
			p = appendU32(nil, n)
			for ; n > 0 && sr.err == nil; n-- {
				p = appendU32(p, w.remap(sr.u32()))
				start := sr.pos
				for m := sr.u32(); m > 0 && sr.err == nil; m-- {
					sr.u32()
					sr.name()
				}
				p = append(p, sub[start:sr.pos]...)
			}
		default:
			p = sub
		}
		if sr.err != nil {
			return nil
		}
		out = append(out, id)
		out = appendU32(out, uint32(len(p)))
		out = append(out, p...)
	}
	return out
}
