package runtime

// A keyed Top-N: ROW_NUMBER() OVER (PARTITION BY p ORDER BY o) <= n over
// a derived table (SPEC §2 "Composed queries") — the first n rows of each
// PARTITION BY key, each key ranked by a Top-N stage of its own. Rows
// ranked by arrival (an append-only input) are keyed by the PARTITION BY
// key's text, '|' and their arrival number within it; rows of a changelog
// by their input key.

// NewKeyedTopN returns a Top-N stage ranking the rows of each value of
// partitionBy apart. cfg.Inner must be nil. A Top-N of a few rows over an append-only
// input is the cheaper keyedTopSmall (topn_top1.go), with the same output.
func NewKeyedTopN(cfg TopNConfig, partitionBy []Expr) Stage {
	if cfg.N >= 1 && cfg.N <= topnSmallMax && cfg.Bounded && cfg.Inner == nil {
		return newKeyedTopSmall(cfg, partitionBy)
	}
	return newKeyedTopN(cfg, partitionBy)
}

// newKeyedTopN returns the general keyed Top-N.
func newKeyedTopN(cfg TopNConfig, partitionBy []Expr) *keyedTopN {
	return &keyedTopN{cfg: cfg, by: partitionBy, subs: map[string]*topnStage{},
		sh: topnScratch{sk: make([]Value, len(cfg.Keys))}}
}

type keyedTopN struct {
	cfg      TopNConfig
	sh       topnScratch // the subs' working space
	stages   []topnStage // a chunk the subs are cut from (never dropped)
	by       []Expr
	subs     map[string]*topnStage
	kbuf     []byte
	batching bool
	touched  []*topnStage // subs changed in the current change
	last     *topnStage   // the sub of the latest row
}

var (
	_ RetractStage  = (*keyedTopN)(nil)
	_ changeBatcher = (*keyedTopN)(nil)
	_ Checkpointer  = (*keyedTopN)(nil)
)

// sub returns the stage of r's PARTITION BY key, made on first use; nil
// when the key's evaluation failed (c.Err).
func (k *keyedTopN) sub(c *Ctx, r Row) *topnStage {
	k.kbuf = k.kbuf[:0]
	for i, e := range k.by {
		v := e(c, r)
		if c.Err != nil {
			return nil
		}
		if i > 0 {
			k.kbuf = append(k.kbuf, '|')
		}
		k.kbuf = AppendChangeKey(k.kbuf, v)
	}
	s := k.last // a change's retraction and insertion: mostly one key
	if s == nil || s.prefix[:len(s.prefix)-1] != string(k.kbuf) {
		if s = k.subs[string(k.kbuf)]; s == nil {
			s = k.newSub(k.kbuf)
		}
		k.last = s
	}
	if k.batching && !s.batching {
		s.beginChange()
		k.touched = append(k.touched, s)
	}
	return s
}

func (k *keyedTopN) newSub(key []byte) *topnStage {
	if len(k.stages) == cap(k.stages) {
		k.stages = make([]topnStage, 0, 64)
	}
	k.stages = k.stages[:len(k.stages)+1]
	s := initTopN(&k.stages[len(k.stages)-1], &k.cfg, &k.sh)
	s.prefix = string(append(key, '|')) // one copy: the prefix, and the map's key without its '|'
	k.subs[s.prefix[:len(s.prefix)-1]] = s
	return s
}

// Process implements Stage.
func (k *keyedTopN) Process(c *Ctx, r Row, eventTimeMs int64, out Downstream) {
	if s := k.sub(c, r); s != nil {
		s.Process(c, r, eventTimeMs, out)
	}
}

// Retract implements RetractStage.
func (k *keyedTopN) Retract(c *Ctx, r Row, eventTimeMs int64, out Downstream) {
	if s := k.sub(c, r); s != nil {
		s.Retract(c, r, eventTimeMs, out)
	}
}

// Advance implements Stage: rows are ranked as they come.
func (k *keyedTopN) Advance(*Ctx, int64, Downstream) {}

func (k *keyedTopN) beginChange() { k.batching = true }

func (k *keyedTopN) endChange(c *Ctx, out Downstream) {
	k.batching = false
	for _, s := range k.touched {
		s.endChange(c, out)
	}
	clear(k.touched)
	k.touched = k.touched[:0]
}

// Snapshot implements Checkpointer: the number of keys, then each key's
// text and its stage's snapshot.
func (k *keyedTopN) Snapshot(dst []byte) ([]byte, error) {
	e := &snapEnc{b: dst}
	e.u8(snapVersion)
	e.u8('K')
	e.uvar(uint64(len(k.subs)))
	for key, s := range k.subs {
		e.bytes([]byte(key))
		body, err := s.Snapshot(nil)
		if err != nil {
			return dst, err
		}
		e.bytes(body)
	}
	return e.b, nil
}

// Restore implements Checkpointer.
func (k *keyedTopN) Restore(b []byte) error {
	d := &snapDec{b: b}
	d.expect("snapshot version", int64(d.u8()), snapVersion)
	d.expect("stage kind (K = keyed Top-N)", int64(d.u8()), 'K')
	n := d.count(2)
	type kv struct{ key, body []byte }
	var all []kv
	for range n {
		key := d.bytes()
		body := d.bytes()
		if d.err != nil {
			return d.err
		}
		all = append(all, kv{append([]byte(nil), key...), body})
	}
	if err := d.done(); err != nil {
		return err
	}
	clear(k.subs)
	k.last = nil
	for _, x := range all {
		if err := k.newSub(x.key).Restore(x.body); err != nil {
			return err
		}
	}
	return nil
}
