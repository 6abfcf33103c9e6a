package runtime

import "math"

// EndOfTime is the watermark that closes every window (end of input).
const EndOfTime = math.MaxInt64

// Downstream receives rows produced by a stateful Stage.
type Downstream interface {
	Emit(c *Ctx, r Row)
}

// Stage is a stateful operator between a query's filter and its output
// projection (grouped aggregation, windows, row frames). It owns its
// per-partition state. Rows passed to Emit may be reused by the stage
// after Emit returns.
type Stage interface {
	// Process consumes one input row that passed the query's WHERE clause.
	// eventTimeMs is the row's event time (or processing time when the
	// source has no event_time).
	Process(c *Ctx, r Row, eventTimeMs int64, out Downstream)
	// Advance moves the watermark; windows with end <= watermarkMs are
	// emitted (EMIT FINAL) and freed. Advance(c, EndOfTime, out) is end of input.
	Advance(c *Ctx, watermarkMs int64, out Downstream)
}

// Output is one row a query produced, already projected to the sink's columns.
type Output struct {
	Row Row
}

// Pipeline is one continuous query compiled for one partition:
// filter → optional stage → having → projection. It is not safe for
// concurrent use; each partition owns its own Pipeline.
type Pipeline struct {
	// PreFilter and Lookup implement a stream–table join: PreFilter (over
	// the stream row) drops rows before the lookup; Lookup returns the
	// joined row, or false when an inner join finds no match.
	PreFilter Expr
	Lookup    func(c *Ctx, r Row) (Row, bool)
	// KeyPrefix starts the key of every changelog output: a UNION ALL
	// branch's number and '|', so the branches' keys stay apart.
	KeyPrefix []byte
	// Join, for a stream–stream interval join, pairs rows of two sources
	// (see ExecuteSide); Execute is then not used.
	Join *IntervalJoin
	// RegularJoin, for a regular join over changelogs, keeps both inputs'
	// live rows (see ExecuteJoinChange, regular_join.go); Execute is then
	// not used.
	RegularJoin *RegularJoin

	Filter  Expr   // WHERE; nil means all rows pass
	Stage   Stage  // nil for stateless queries
	Having  Expr   // applied to rows leaving Stage; nil means all pass
	Project []Expr // output columns
	// ProjectCols, when set, gives for each output the input column it
	// copies directly, or -1 for a computed output.
	ProjectCols []int

	// Batch lists the projection's calls of functions with a batch form,
	// nested calls first (see Batched).
	Batch []*BatchCall

	// Identity, when set, names the group (and window) an output row
	// belongs to, for idempotent sinks: it appends the identity of the
	// stage row r to dst. IDs returns them for the last outputs.
	Identity func(dst []byte, r Row) []byte

	// Changelog marks a query whose output is a changelog: each output
	// row has an Op and a key text (Ops, Keys). OutKey appends the key text
	// of a stage row (group keys, then window bounds, joined by '|'); when
	// nil (queries without a stage) an output's key is its input's key.
	Changelog bool
	OutKey    func(dst []byte, r Row) []byte

	outs []Row // outputs of the current Execute call; reused
	ids  [][]byte
	ops  []Op
	keys [][]byte
	// direct[n]: outs[n]'s count columns were last written by a group
	// stage's emitDirect (emitCounts), so they are BIGINTs whose integers
	// alone change. Consumers only read outputs.
	direct []bool
	op     Op     // the op Emit gives the rows it records
	inKey  []byte // the key of the current changelog input row
	// downErr: HAVING or the projection failed on a row the stage emitted
	// in the current change (ExecuteChange undoes the change).
	downErr bool
	// joinET is the event time of the current regular join change.
	joinET int64
	nouts  int
}

// IDs returns the identities of the rows last returned by Execute or
// Advance (nil without an Identity function).
func (p *Pipeline) IDs() [][]byte {
	if p.Identity == nil {
		return nil
	}
	return p.ids[:p.nouts]
}

// NewPipeline returns a pipeline for one partition.
func NewPipeline(filter Expr, stage Stage, having Expr, project []Expr) *Pipeline {
	return &Pipeline{Filter: filter, Stage: stage, Having: having, Project: project}
}

// Execute runs one input row through the query and returns its outputs.
// The returned rows are owned by the pipeline and valid until the next call.
// If evaluation failed, c.Err is set and no outputs are returned.
func (p *Pipeline) Execute(c *Ctx, r Row, eventTimeMs int64) []Row {
	p.nouts = 0
	p.op = OpUpsert
	if p.PreFilter != nil {
		if v := p.PreFilter(c, r); c.Err != nil || v.T == TNull || !Truthy(v) {
			return p.outs[:0]
		}
	}
	if p.Lookup != nil {
		wide, ok := p.Lookup(c, r)
		if c.Err != nil || !ok {
			return p.outs[:0]
		}
		r = wide
	}
	p.filtered(c, r, eventTimeMs)
	if c.Err != nil {
		return nil
	}
	return p.outs[:p.nouts]
}

// filtered runs WHERE, the stage and the projection for one row, adding
// to the current outputs.
func (p *Pipeline) filtered(c *Ctx, r Row, eventTimeMs int64) {
	if p.Filter != nil {
		v := p.Filter(c, r)
		if c.Err != nil || v.T == TNull || !Truthy(v) {
			return
		}
	}
	if p.Stage == nil {
		p.Emit(c, r)
	} else {
		p.Stage.Process(c, r, eventTimeMs, p)
	}
}

// ExecuteSide runs one row of side (LeftSide/RightSide) of an interval
// join: every joined row it completes goes through the rest of the query.
func (p *Pipeline) ExecuteSide(c *Ctx, side int, r Row, eventTimeMs int64) []Row {
	p.nouts = 0
	for _, w := range p.Join.Process(c, side, r) {
		p.filtered(c, w, eventTimeMs)
		if c.Err != nil {
			return nil
		}
	}
	return p.outs[:p.nouts]
}

// Advance moves the query's watermark and returns the rows it released.
func (p *Pipeline) Advance(c *Ctx, watermarkMs int64) []Row {
	p.nouts = 0
	if p.Join != nil {
		p.Join.Advance(watermarkMs)
	}
	if p.RegularJoin != nil {
		p.RegularJoin.Advance(watermarkMs) // state_ttl: forgets expired rows
	}
	if p.Stage != nil {
		p.Stage.Advance(c, watermarkMs, p)
	}
	return p.outs[:p.nouts]
}

// Emit applies HAVING and the projection to a row and records the output.
func (p *Pipeline) Emit(c *Ctx, r Row) {
	if p.Having != nil {
		v := p.Having(c, r)
		if c.Err != nil {
			p.downErr = true
			return
		}
		if v.T == TNull || !Truthy(v) {
			return
		}
	}
	if p.record(c, r, p.op); c.Err != nil {
		p.downErr = true
	}
}

// growOuts makes room for one more output (the buffers are reused from
// call to call: only the first records that far allocate).
func (p *Pipeline) growOuts() {
	if p.nouts == len(p.outs) {
		p.outs = append(p.outs, make(Row, len(p.Project)))
		p.ids = append(p.ids, nil)
		p.ops = append(p.ops, OpAppend)
		p.keys = append(p.keys, nil)
		p.direct = append(p.direct, false)
	}
}

// record projects r into the next output, with op and key for a changelog.
func (p *Pipeline) record(c *Ctx, r Row, op Op) {
	p.growOuts()
	if p.Identity != nil {
		p.ids[p.nouts] = p.Identity(p.ids[p.nouts][:0], r)
	}
	if p.Changelog {
		p.ops[p.nouts] = op
		if p.OutKey != nil {
			p.keys[p.nouts] = p.OutKey(append(p.keys[p.nouts][:0], p.KeyPrefix...), r)
		} else {
			p.keys[p.nouts] = append(append(p.keys[p.nouts][:0], p.KeyPrefix...), p.inKey...)
		}
	}
	out := p.outs[p.nouts]
	p.direct[p.nouts] = false
	for i, e := range p.Project {
		if p.ProjectCols != nil && p.ProjectCols[i] >= 0 {
			out[i] = r[p.ProjectCols[i]]
		} else {
			out[i] = e(c, r)
		}
	}
	if c.Err != nil {
		return
	}
	p.nouts++
}

// Truthy reports whether a non-NULL value counts as true in a condition
// (MySQL: non-zero numbers, strings that convert to non-zero).
func Truthy(v Value) bool {
	switch v.T {
	case TBool, TInt:
		return v.I != 0
	case TTimestamp: // a DATETIME is its number YYYYMMDDHHMMSS, never 0 (1970-01-01 is true)
		return true
	case TDouble:
		return v.F != 0
	case TDecimal:
		return v.I != 0
	case TString, TJSON:
		f, ok := ParseFloatPrefix(v.S)
		return ok && f != 0
	}
	return false
}
