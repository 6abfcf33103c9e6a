package runtime

// ExecuteJoinChange runs one change of a regular join's input through the
// query: side's row keyed key becomes new (nil: deleted). Every joined row
// the change retracts or inserts goes through WHERE and the projection (an
// upsert or delete of its output key) or through the stage (a retraction
// and an insertion; a group stage emits each group the change touched
// once). It returns the outputs, valid until the next call; Ops and Keys
// give their ops and keys. If evaluation failed, c.Err is set and no
// outputs are returned (the join's state keeps what the change did up to
// the failure).
func (p *Pipeline) ExecuteJoinChange(c *Ctx, side int, key []byte, new Row, eventTimeMs int64) []Row {
	p.nouts = 0
	p.op = OpUpsert
	if j := p.RegularJoin; j.EventTime { // state_ttl by event time (state_ttl.go)
		eventTimeMs = j.changeTime(side, new)
	}
	p.joinET = eventTimeMs
	p.RegularJoin.Now = eventTimeMs
	p.RegularJoin.keyUnread = !p.readsInKey()
	b, batch := p.Stage.(changeBatcher)
	if batch {
		b.beginChange()
	}
	p.RegularJoin.Change(c, side, key, new, p)
	if batch {
		b.endChange(c, p)
	}
	if c.Err != nil {
		return nil
	}
	return p.outs[:p.nouts]
}

// JoinChange implements JoinEmitter: one output key's joined row changes
// from old to new (either nil: none).
func (p *Pipeline) JoinChange(c *Ctx, old, new Row, key []byte) {
	if c.Err != nil {
		return
	}
	p.inKey = key
	if p.Stage == nil {
		if new != nil && p.passes(c, new) {
			p.record(c, new, OpUpsert)
		} else if c.Err == nil && old != nil && p.passes(c, old) {
			p.record(c, old, OpDelete)
		}
		return
	}
	if old != nil && p.passes(c, old) {
		rs, ok := p.Stage.(RetractStage)
		if !ok {
			panic("runtime: a regular join into a stage that cannot retract (the planner refuses such queries)")
		}
		rs.Retract(c, old, p.joinET, p)
	}
	if c.Err == nil && new != nil && p.passes(c, new) {
		p.Stage.Process(c, new, p.joinET, p)
	}
}

// readsInKey reports whether the key of an input row (p.inKey) can reach
// the outputs: as a changelog's output key when nothing computes one
// (record), or as the row's identity in a Top-N stage. A group stage
// keys its outputs by its groups.
func (p *Pipeline) readsInKey() bool {
	switch p.Stage.(type) {
	case nil, *groupStage:
		return p.Changelog && p.OutKey == nil
	}
	return true
}
