package runtime

// Ctx is the per-partition evaluation context handed to every compiled
// expression. It is owned by one partition loop and never shared.
type Ctx struct {
	// Arena holds bytes produced while evaluating one record (string
	// results). Reset before each record; Values may alias it until then.
	Arena []byte
	// Err is set by an expression that fails on this record (a UDF trap, a
	// conversion error in a fallback function). The operator checks it
	// after evaluation and turns the record into a dead letter.
	Err error
	// NowMs is the processing time of the current record, epoch ms.
	NowMs int64
	// BatchRow is the row of the micro-batch being executed (see
	// BatchCall); meaningless outside one.
	BatchRow int
	// Partition is the source partition this context serves.
	Partition int
	// MaxValueBytes bounds the size of one value a built-in function may
	// produce (REPEAT, SPACE, LPAD, CONCAT, ...): a larger result is an
	// error for the record, detected before allocating. 0 means
	// DefaultMaxValueBytes. Set from the plan's max_value_bytes.
	MaxValueBytes int
	// Extensions lets the planner attach per-partition resources (UDF
	// instances, fallback evaluation contexts) keyed by a slot it allocated.
	Extensions []any
}

// DefaultMaxValueBytes is the default bound on one produced value: 16 MiB.
const DefaultMaxValueBytes = 16 << 20

// ValueLimit returns the bound on one produced value's size in bytes.
func (c *Ctx) ValueLimit() int {
	if c.MaxValueBytes > 0 {
		return c.MaxValueBytes
	}
	return DefaultMaxValueBytes
}

// Reset prepares the context for the next record.
func (c *Ctx) Reset() {
	c.Arena = c.Arena[:0]
	c.Err = nil
}

// Alloc returns n bytes of arena space, valid until the next Reset.
func (c *Ctx) Alloc(n int) []byte {
	start := len(c.Arena)
	if cap(c.Arena)-start < n {
		// Grow: old slices stay valid because they keep the old backing array.
		grown := make([]byte, start, 2*cap(c.Arena)+n)
		copy(grown, c.Arena)
		c.Arena = grown
	}
	c.Arena = c.Arena[:start+n]
	return c.Arena[start : start+n : start+n]
}

// Expr is a compiled expression: it evaluates to a Value over one row.
// A failing evaluation sets c.Err and returns Null.
type Expr func(c *Ctx, r Row) Value
