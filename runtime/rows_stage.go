package runtime

import "sort"

// rowsStage evaluates OVER (PARTITION BY … ROWS …) functions per record.
type rowsStage struct {
	partExprs []Expr
	partCols  []int
	funcs     []RowFunc
	keys      keyIndex
	parts     []rowPart // by key id
	kv        []Value
	av, dv    []Value // per function: argument and default of the current row
	res       []Value
	out       Row
	hasDef    bool
	exactSums bool  // a SUM whose result can leave BIGINT's range
	maxLead   int   // largest LEAD offset; -1 without LEAD
	gseq      int64 // arrival number, for the end-of-input flush order
	flush     []rowPendRef
}

// rowPart is the state of one PARTITION BY key.
type rowPart struct {
	n        int64 // rows seen
	fns      []rowFn
	pend     []rowPending // ring of maxLead+1 rows waiting for LEAD values
	pendFrom int64        // rows before this one have been emitted
}

// rowPending is a row held back until its LEAD values are known. It owns
// copies of its bytes.
type rowPending struct {
	gseq  int64
	vals  Row // input values then function results
	buf   []byte
	lbufs [][]byte // per function: bytes of a LEAD value filled later
}

type rowPendRef struct {
	gseq int64
	part int32
	slot int32
}

func newRowsStage(cfg RowsConfig) *rowsStage {
	nf := len(cfg.Funcs)
	s := &rowsStage{
		partExprs: cfg.PartitionBy,
		partCols:  cfg.PartitionCols,
		funcs:     cfg.Funcs,
		keys:      newKeyIndex(len(cfg.PartitionBy)),
		kv:        make([]Value, len(cfg.PartitionBy)),
		av:        make([]Value, nf),
		dv:        make([]Value, nf),
		res:       make([]Value, nf),
		maxLead:   -1,
	}
	for j := range cfg.Funcs {
		f := &cfg.Funcs[j]
		s.hasDef = s.hasDef || f.Default != nil
		s.exactSums = s.exactSums || f.Func == RowSum && f.ResultType != TDouble
		if f.Func == RowLead {
			s.maxLead = max(s.maxLead, f.Offset)
		}
	}
	return s
}

// Process implements Stage.
func (s *rowsStage) Process(c *Ctx, r Row, _ int64, out Downstream) {
	for i, e := range s.partExprs {
		if s.partCols != nil && s.partCols[i] >= 0 {
			s.kv[i] = r[s.partCols[i]]
		} else {
			s.kv[i] = e(c, r)
		}
	}
	for j := range s.funcs {
		if f := &s.funcs[j]; f.ArgIsCol {
			s.av[j] = r[f.ArgCol]
		} else if f.Arg != nil {
			s.av[j] = f.Arg(c, r)
		}
	}
	if s.hasDef {
		for j := range s.funcs {
			if d := s.funcs[j].Default; d != nil {
				s.dv[j] = d(c, r)
			}
		}
	}
	if c.Err != nil {
		return
	}
	h := s.keys.hash(s.kv)
	id, pos := s.keys.find(h, s.kv)
	if id < 0 {
		id = s.newPart(h, pos)
	}
	p := &s.parts[id]
	k := p.n
	for j := range s.funcs {
		p.fns[j].step(&s.funcs[j], k, &s.av[j], &s.dv[j], &s.res[j])
	}
	p.n++
	if s.exactSums && s.maxLead < 0 {
		for j := range s.funcs {
			if p.fns[j].over { // the row stays in the frame; its output is dead-lettered
				c.Err = errSumOverflow
				return
			}
		}
	}
	if s.maxLead >= 0 {
		s.processLead(c, p, k, r, out)
		return
	}
	w := len(r) + len(s.funcs)
	if len(s.out) != w {
		s.out = make(Row, w)
	}
	copy(s.out, r)
	copy(s.out[len(r):], s.res)
	out.Emit(c, s.out)
}

func (s *rowsStage) newPart(h, pos uint64) int32 {
	id := s.keys.insert(h, s.kv, pos)
	p := rowPart{fns: make([]rowFn, len(s.funcs))}
	for j := range s.funcs {
		p.fns[j] = newRowFn(&s.funcs[j])
	}
	if s.maxLead >= 0 {
		p.pend = make([]rowPending, s.maxLead+1)
	}
	s.parts = append(s.parts, p)
	return id
}

// processLead fills the LEAD values that row k supplies to earlier rows,
// holds row k back, and emits the row whose LEAD values are now all known.
func (s *rowsStage) processLead(c *Ctx, p *rowPart, k int64, r Row, out Downstream) {
	L := int64(len(p.pend))
	nIn := len(r)
	for j := range s.funcs {
		f := &s.funcs[j]
		if f.Func != RowLead || f.Offset == 0 {
			continue
		}
		if e := k - int64(f.Offset); e >= p.pendFrom {
			p.pend[e%L].setLead(nIn+j, j, s.av[j])
		}
	}
	s.gseq++
	p.pend[k%L].store(s.gseq, r, s.res)
	if e := k - int64(s.maxLead); e >= p.pendFrom {
		p.pendFrom = e + 1
		out.Emit(c, p.pend[e%L].vals)
	}
}

// store keeps a copy of the input row and its results.
func (pr *rowPending) store(gseq int64, r Row, res []Value) {
	pr.gseq = gseq
	w := len(r) + len(res)
	if len(pr.vals) != w {
		pr.vals = make(Row, w)
		pr.lbufs = make([][]byte, len(res))
	}
	copy(pr.vals, r)
	copy(pr.vals[len(r):], res)
	total := 0
	for i := range pr.vals {
		total += len(pr.vals[i].S)
	}
	if cap(pr.buf) < total {
		pr.buf = make([]byte, 0, total)
	}
	buf := pr.buf[:0]
	for i := range pr.vals {
		if v := &pr.vals[i]; v.S != nil {
			off := len(buf)
			buf = append(buf, v.S...)
			v.S = buf[off:len(buf):len(buf)]
		}
	}
	pr.buf = buf
}

// setLead fills function j's LEAD value (column col) with a copy of v.
func (pr *rowPending) setLead(col, j int, v Value) {
	if v.S != nil {
		pr.lbufs[j] = append(pr.lbufs[j][:0], v.S...)
		v.S = pr.lbufs[j]
	}
	pr.vals[col] = v
}

// Advance implements Stage. Row frames never close; at end of input the
// rows still waiting for LEAD values are emitted, in arrival order, with
// the LEAD default (or NULL).
func (s *rowsStage) Advance(c *Ctx, watermarkMs int64, out Downstream) {
	if watermarkMs != EndOfTime || s.maxLead < 0 {
		return
	}
	s.flush = s.flush[:0]
	for id := range s.parts {
		p := &s.parts[id]
		L := int64(len(p.pend))
		for e := p.pendFrom; e < p.n; e++ {
			s.flush = append(s.flush, rowPendRef{gseq: p.pend[e%L].gseq, part: int32(id), slot: int32(e % L)})
		}
		p.pendFrom = p.n
	}
	sort.Slice(s.flush, func(a, b int) bool { return s.flush[a].gseq < s.flush[b].gseq })
	for _, ref := range s.flush {
		out.Emit(c, s.parts[ref.part].pend[ref.slot].vals)
	}
}
