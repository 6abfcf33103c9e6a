package runtime

// Changelogs (SPEC §2 "Changelogs: results that update").
//
// A changelog input record replaces or deletes the row of its key. The
// partition loop keeps the last row of each key in a ChangeTable and
// turns every change into a retraction of the old row and an insertion of
// the new one (Pipeline.ExecuteChange). Stages that can take rows back
// implement RetractStage; a query whose output is a changelog marks each
// output with an Op and the key text it replaces (Pipeline.Ops, Keys).

// Op is what an output record does to the result.
type Op uint8

const (
	// OpAppend is a record of an append-only stream: a new fact. It
	// carries no Velort-Op header.
	OpAppend Op = iota
	// OpUpsert inserts or replaces the row of its key.
	OpUpsert
	// OpDelete deletes the row of its key; the record carries that row.
	OpDelete
)

// String is the Velort-Op header value ("" for OpAppend).
func (o Op) String() string {
	switch o {
	case OpUpsert:
		return "upsert"
	case OpDelete:
		return "delete"
	}
	return ""
}

// ParseOp reads a Velort-Op header value; "" is an upsert (a changelog
// source's records without the header replace the row of their key).
func ParseOp(s string) (Op, bool) {
	switch s {
	case "", "upsert", "UPSERT":
		return OpUpsert, true
	case "delete", "DELETE":
		return OpDelete, true
	}
	return OpAppend, false
}

// RetractStage is a Stage over a changelog input: it can take back a row
// it processed earlier.
type RetractStage interface {
	Stage
	// Retract removes one earlier input row r (one that passed WHERE) from
	// the stage's state and emits the rows it changed.
	Retract(c *Ctx, r Row, eventTimeMs int64, out Downstream)
}

// ChangeDownstream is the Downstream of a stage whose output is a
// changelog (Pipeline implements it).
type ChangeDownstream interface {
	Downstream
	// Upsert applies HAVING to the stage row r and, when it holds,
	// records an upsert of r's projection; it reports whether it held.
	Upsert(c *Ctx, r Row) bool
	// Delete records a delete of r's projection (the row last upserted
	// for its key); HAVING is not applied.
	Delete(c *Ctx, r Row)
}

// Ops returns the op of each row last returned by Execute, ExecuteChange
// or Advance; nil when the output is append-only.
func (p *Pipeline) Ops() []Op {
	if !p.Changelog {
		return nil
	}
	return p.ops[:p.nouts]
}

// Keys returns the key text (Velort-Key) of each row last returned; nil
// when the output is append-only.
func (p *Pipeline) Keys() [][]byte {
	if !p.Changelog {
		return nil
	}
	return p.keys[:p.nouts]
}

// ChangeKeyUnused reports whether ExecuteChange does not read its key
// argument: the pipeline's outputs are a group stage's rows keyed by their
// group (OutKey). A caller holding the input key as a number (a key of one
// BIGINT column, ChangeTable.KeyInts) need not write its text then.
func (p *Pipeline) ChangeKeyUnused() bool {
	_, group := p.Stage.(*groupStage)
	return group && p.Changelog && p.OutKey != nil
}

// Upsert implements ChangeDownstream.
func (p *Pipeline) Upsert(c *Ctx, r Row) bool {
	if p.Having != nil {
		v := p.Having(c, r)
		if c.Err != nil {
			p.downErr = true
			return false
		}
		if v.T == TNull || !Truthy(v) {
			return false
		}
	}
	p.record(c, r, OpUpsert)
	if c.Err != nil {
		p.downErr = true
	}
	return c.Err == nil
}

// Delete implements ChangeDownstream.
func (p *Pipeline) Delete(c *Ctx, r Row) {
	if p.record(c, r, OpDelete); c.Err != nil {
		p.downErr = true
	}
}

// groupKeyed reports whether the output key of a group stage row is
// OutKey's text of its group key alone: a changelog with OutKey, the stage
// a group stage without a window. The planner's OutKey for a group stage
// (group keys, then window bounds) reads nothing else, so the stage may
// keep each group's text (with KeyPrefix) and pass it to upsertKeyed and
// deleteKeyed.
func (p *Pipeline) groupKeyed() bool { return p.Changelog && p.OutKey != nil }

// upsertKeyed is Upsert of a row whose output key (KeyPrefix included) is
// key.
func (p *Pipeline) upsertKeyed(c *Ctx, r Row, key []byte) bool {
	if p.Having != nil {
		v := p.Having(c, r)
		if c.Err != nil {
			p.downErr = true
			return false
		}
		if v.T == TNull || !Truthy(v) {
			return false
		}
	}
	if p.recordKeyed(c, r, OpUpsert, key); c.Err != nil {
		p.downErr = true
	}
	return c.Err == nil
}

// keyedSlot is recordKeyed's bookkeeping for an output row its caller
// (emitDirect) writes itself (in projected order) into the row returned:
// op and key are set; the caller counts the row (nouts++) once written,
// and keeps p.direct for it.
func (p *Pipeline) keyedSlot(op Op, key []byte) Row {
	p.growOuts()
	n := p.nouts
	p.ops[n] = op
	p.keys[n] = append(p.keys[n][:0], key...)
	return p.outs[n]
}

// deleteKeyed is Delete of a row whose output key is key.
func (p *Pipeline) deleteKeyed(c *Ctx, r Row, key []byte) {
	if p.recordKeyed(c, r, OpDelete, key); c.Err != nil {
		p.downErr = true
	}
}

// recordKeyed is record (pipeline.go) for a changelog output whose key
// text is given, not written by OutKey.
func (p *Pipeline) recordKeyed(c *Ctx, r Row, op Op, key []byte) {
	p.growOuts()
	n := p.nouts
	if p.Identity != nil {
		p.ids[n] = p.Identity(p.ids[n][:0], r)
	}
	p.ops[n] = op
	p.keys[n] = append(p.keys[n][:0], key...)
	out := p.outs[n]
	p.direct[n] = false
	if cols := p.ProjectCols; cols != nil {
		out = out[:len(cols)] // (one bounds check; the loop reads only locals)
		for i, k := range cols {
			if k >= 0 {
				out[i] = r[k]
			} else {
				out[i] = p.Project[i](c, r)
			}
		}
	} else {
		for i, e := range p.Project {
			out[i] = e(c, r)
		}
	}
	if c.Err != nil {
		return
	}
	p.nouts++
}

// passes applies WHERE to r.
func (p *Pipeline) passes(c *Ctx, r Row) bool {
	if p.Filter == nil {
		return true
	}
	v := p.Filter(c, r)
	return c.Err == nil && v.T != TNull && Truthy(v)
}

// ExecuteChange runs one change of a changelog input: old (nil: the key
// had no row) is retracted and new (nil: a delete) inserted. key is the
// input row's key text, the output key of a query without a stage. It
// returns the outputs, valid until the next call (Ops and Keys give their
// ops and keys). If evaluation failed, c.Err is set and no outputs are
// returned.
//
// Without a stage (filter and projection) the output is keyed like the
// input: an upsert of new's projection when new passes WHERE, else a
// delete of old's projection when old passed. With a stage, old goes to
// the stage's Retract and new to its Process; a group stage emits each
// group the change touched once, with its final row (retracting and
// inserting in one group is one upsert). When the insertion fails (c.Err,
// e.g. a SUM overflow) after old was retracted, old is put back, so the
// dead-lettered change leaves the stage's state as it was.
func (p *Pipeline) ExecuteChange(c *Ctx, old, new Row, key []byte, eventTimeMs int64) []Row {
	outs, _ := p.ExecuteChangeAt(c, old, new, key, eventTimeMs, 0)
	return outs
}

// ExecuteChangeAt is ExecuteChange with a hint of where the stage counted
// old: at is what ExecuteChangeAt returned for the change that inserted
// old (0: not known). It also returns the hint for new (0: none). A hint
// only spares a group stage the lookup of old's group by its key (a
// change table keeps it beside the row: ChangeTable.SetAt); one that is
// wrong or stale is detected and ignored, so any at gives the same result.
func (p *Pipeline) ExecuteChangeAt(c *Ctx, old, new Row, key []byte, eventTimeMs int64, at uint32) ([]Row, uint32) {
	p.nouts = 0
	p.op = OpUpsert
	p.inKey = key
	if p.Stage == nil {
		at = 0
		if new != nil && p.passes(c, new) {
			p.record(c, new, OpUpsert)
		} else if c.Err == nil && old != nil && p.passes(c, old) {
			p.record(c, old, OpDelete)
		}
	} else {
		p.downErr = false
		if g, ok := p.Stage.(*groupStage); ok {
			at = g.changeAt(c, p, old, new, eventTimeMs, at) // (stageChange's, one call less)
		} else {
			at = p.stageChange(c, old, new, eventTimeMs, at)
		}
		if c.Err != nil && p.downErr {
			// HAVING or the projection failed on a row the stage emitted:
			// the stage holds the change, which is dead-lettered. Undo it
			// (its outputs dropped), so that the stage, like the loop's
			// table of last rows, keeps the old row.
			err := c.Err
			c.Err = nil
			p.stageChange(c, new, old, eventTimeMs, 0)
			c.Err = err
		}
	}
	if c.Err != nil {
		p.nouts = 0
		return nil, 0
	}
	return p.outs[:p.nouts], at
}

// stageChange retracts old from the pipeline's stage and inserts new, as
// one change; at and the result are ExecuteChangeAt's hints.
func (p *Pipeline) stageChange(c *Ctx, old, new Row, eventTimeMs int64, at uint32) uint32 {
	if g, ok := p.Stage.(*groupStage); ok {
		return g.changeAt(c, p, old, new, eventTimeMs, at)
	}
	rs, ok := p.Stage.(RetractStage)
	if !ok {
		panic("runtime: ExecuteChange on a stage that cannot retract (the planner refuses such queries)")
	}
	b, batch := p.Stage.(changeBatcher)
	if batch {
		b.beginChange()
	}
	executeChange(c, p, rs, old, new, eventTimeMs)
	if batch {
		b.endChange(c, p)
	}
	return 0
}

// executeChange retracts old from stage s and inserts new, each when it
// passes p's WHERE.
func executeChange(c *Ctx, p *Pipeline, s RetractStage, old, new Row, eventTimeMs int64) {
	if old != nil && !p.passes(c, old) {
		old = nil
	}
	if new != nil && c.Err == nil && !p.passes(c, new) {
		new = nil
	}
	if c.Err == nil {
		applyChange(c, p, s, old, new, eventTimeMs)
	}
}

// applyChange retracts old (unless nil) from stage s and inserts new
// (unless nil), putting old back when the insertion fails.
func applyChange(c *Ctx, p *Pipeline, s RetractStage, old, new Row, eventTimeMs int64) {
	if old != nil {
		if s.Retract(c, old, eventTimeMs, p); c.Err != nil {
			return
		}
	}
	if new == nil {
		return
	}
	if s.Process(c, new, eventTimeMs, p); c.Err != nil && old != nil {
		// The insertion failed (a SUM overflow): put old back, so that
		// the dead-lettered change leaves the state as it was.
		err := c.Err
		c.Err = nil
		s.Process(c, old, eventTimeMs, p)
		c.Err = err
	}
}
