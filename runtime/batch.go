package runtime

// BatchFunc computes a function over many rows in one call: args[j][i] is
// argument j of row i and the result of row i goes to out[i]. An error
// fails the whole batch.
type BatchFunc func(args [][]Value, out []Value) error

// BatchCall is a call, in a query's projection, of a function that has a
// batch form (a user function's batch entry point). PrepareBatch computes
// it for every row of a micro-batch at once; the compiled call then takes
// its row's value from Cached instead of calling the function.
//
// The values are only a cache: when the batch call fails, or a row's
// arguments cannot be evaluated, the compiled call computes that row
// itself, so outputs and dead letters are those of row-at-a-time
// execution. Calls nested in arguments come before the calls using them
// in Pipeline.Batch, so an argument can itself read a cached value.
type BatchCall struct {
	Args []Expr
	// ArgCols, when set, gives for each argument the row column it is a
	// copy of, or -1 when Args computes it.
	ArgCols []int
	Fn      BatchFunc

	args [][]Value // per argument, the values of the rows in pos order
	out  []Value
	pos  []int32 // row of the micro-batch → index in out, or -1
	live bool    // out holds the current micro-batch's values
}

// Cached returns the value computed for the row being executed
// (c.BatchRow), or false when the call must be made for that row.
func (b *BatchCall) Cached(c *Ctx) (Value, bool) {
	if !b.live {
		return Null, false
	}
	if k := b.pos[c.BatchRow]; k >= 0 {
		return b.out[k], true
	}
	return Null, false
}

// prepare evaluates the arguments of every row and makes the batch call.
func (b *BatchCall) prepare(c *Ctx, rows []Row) {
	b.live = false
	if cap(b.pos) < len(rows) {
		b.pos = make([]int32, len(rows))
	}
	b.pos = b.pos[:len(rows)]
	if len(b.args) != len(b.Args) {
		b.args = make([][]Value, len(b.Args))
	}
	for j := range b.args {
		if cap(b.args[j]) < len(rows) {
			b.args[j] = make([]Value, len(rows))
		}
		b.args[j] = b.args[j][:len(rows)]
	}
	n := 0
	for i, r := range rows {
		c.Reset()
		c.BatchRow = i
		for j, e := range b.Args {
			if b.ArgCols != nil && b.ArgCols[j] >= 0 {
				b.args[j][n] = r[b.ArgCols[j]]
			} else {
				b.args[j][n] = e(c, r)
			}
		}
		if c.Err != nil { // the row's own evaluation will meet (and report) it
			b.pos[i] = -1
			continue
		}
		b.pos[i] = int32(n)
		n++
	}
	c.Reset()
	if n == 0 {
		return
	}
	for j := range b.args {
		b.args[j] = b.args[j][:n]
	}
	if cap(b.out) < n {
		b.out = make([]Value, n)
	}
	b.out = b.out[:n]
	b.live = b.Fn(b.args, b.out) == nil
}

// Batched reports whether the pipeline runs micro-batches (PassesFilter
// per row, then ExecuteBatch): a query without state, lookup or join
// whose projection calls a function with a batch form.
func (p *Pipeline) Batched() bool {
	return len(p.Batch) > 0 && p.Stage == nil && p.Lookup == nil && p.Join == nil
}

// PassesFilter evaluates WHERE over one row of a micro-batch. If the
// evaluation failed, c.Err is set.
func (p *Pipeline) PassesFilter(c *Ctx, r Row) bool {
	if p.Filter == nil {
		return true
	}
	v := p.Filter(c, r)
	return c.Err == nil && v.T != TNull && Truthy(v)
}

// ExecuteBatch projects rows, the rows of a micro-batch that passed WHERE,
// making each batch call once over all of them. each receives, in order,
// row i's outputs (owned by the pipeline, valid until the next row) or,
// when its evaluation failed, nil with c.Err set; an error from each ends
// the batch.
func (p *Pipeline) ExecuteBatch(c *Ctx, rows []Row, each func(i int, outs []Row) error) error {
	for _, b := range p.Batch {
		b.prepare(c, rows)
	}
	defer func() {
		for _, b := range p.Batch {
			b.live = false
		}
	}()
	for i, r := range rows {
		c.Reset()
		c.BatchRow = i
		p.nouts = 0
		p.Emit(c, r)
		outs := p.outs[:p.nouts]
		if c.Err != nil {
			outs = nil
		}
		if err := each(i, outs); err != nil {
			return err
		}
	}
	return nil
}
