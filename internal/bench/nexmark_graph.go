package bench

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/velort/velort/planner"
	"github.com/velort/velort/runtime"
)

// graph runs every query of a plan in one goroutine (engine mode of the
// multi-stage Nexmark scenarios): a record of a source stream goes to
// each query reading that stream, and each query's outputs go at once,
// depth first, to the queries reading its sink stream — what a chain of
// partition loops does over NATS, without NATS. Each stage is fed the way
// its partition loop feeds it: Execute and Advance for an append-only
// input, ExecuteChangeAt with the key's previous row (and where the stage
// counted it) for a changelog input,
// ExecuteSide for an interval join, ExecuteJoinChange for a regular join.
// At the end every stage, in plan order, gets Advance(EndOfTime).
type graph struct {
	nodes     []*gnode
	consumers map[*planner.Stream][]gin // who reads each stream
	out       *planner.Stream           // the stream whose rows are checked
	capture   *outCapture               // keeps them for the check (after the timed section)
	clock     int
	now       int64

	enc  map[*planner.Stream]*runtime.Encoder // JSON mode: each query's outputs are encoded
	buf  []byte
	json bool

	outs  int64 // rows of the checked stream (changes included)
	late  int64
	bytes int64
}

// gin is one input of a node: the node and the side the stream feeds.
type gin struct {
	n    *gnode
	side int
}

type gnode struct {
	q       *planner.Query
	ctx     runtime.Ctx
	down    []gin // the queries reading this one's sink stream
	isOut   bool  // its sink is the checked stream
	pipe    *runtime.Pipeline
	release func()
	kind    int // nodePlain, nodeChange, nodeInterval, nodeRegular
	timeIdx [2]int
	maxET   [2]int64
	wm      int64
	delay   int64
	// changelog input: the last row of each key, kept as a partition
	// loop keeps it (the values of the columns the query reads).
	table *runtime.ChangeTable
	key   []byte
	// regular join: arrival numbers of append-only sides.
	seq      [2]uint64
	sideChg  [2]bool
	sideKeys [2][]int
	self     bool
}

const (
	nodePlain = iota
	nodeChange
	nodeInterval
	nodeRegular
)

// newGraph compiles every query of pl for partition 0. out names the
// stream whose rows are checked.
func newGraph(q *query, out string, json bool) (*graph, error) {
	pl := q.pl
	g := &graph{consumers: map[*planner.Stream][]gin{}, json: json}
	g.out = pl.Stream(out)
	if g.out == nil {
		return nil, fmt.Errorf("no stream %s in the plan", out)
	}
	if json {
		g.enc = map[*planner.Stream]*runtime.Encoder{}
	}
	for _, pq := range pl.Queries {
		insts := planner.NewInstances(q.ctx)
		pipe, err := pq.NewPipeline(0, insts)
		if err != nil {
			insts.Close()
			g.release()
			return nil, fmt.Errorf("query %s: %w", pq.Name, err)
		}
		n := &gnode{q: pq, pipe: pipe, release: insts.Close, timeIdx: [2]int{pq.TimeIdx, -1},
			maxET: [2]int64{-1 << 62, -1 << 62}, wm: -1 << 62, delay: pq.Source.WatermarkDelay.Milliseconds()}
		g.nodes = append(g.nodes, n)
		if left, right, lt, rt, ok := pq.IntervalJoin(); ok {
			n.kind, n.timeIdx = nodeInterval, [2]int{lt, rt}
			g.consumers[left] = append(g.consumers[left], gin{n, runtime.LeftSide})
			g.consumers[right] = append(g.consumers[right], gin{n, runtime.RightSide})
		} else if left, right, ok := pq.RegularJoin(); ok {
			n.kind = nodeRegular
			n.sideChg = [2]bool{left.Changelog, right.Changelog}
			n.sideKeys = [2][]int{pq.RegularJoinKeyCols(runtime.LeftSide), pq.RegularJoinKeyCols(runtime.RightSide)}
			if left == right {
				n.self = true
				g.consumers[left] = append(g.consumers[left], gin{n, runtime.LeftSide})
			} else {
				g.consumers[left] = append(g.consumers[left], gin{n, runtime.LeftSide})
				g.consumers[right] = append(g.consumers[right], gin{n, runtime.RightSide})
			}
		} else {
			if pq.InputChangelog() {
				n.kind, n.table = nodeChange, runtime.NewChangeTable()
				n.table.KeepRows(len(pq.Source.Columns), pq.Read)
				if k := pq.SourceKeyCols(); len(k) == 1 && pq.Source.Columns[k[0]].Type == runtime.TInt {
					n.table.KeyInts()
				}
			}
			g.consumers[pq.Source] = append(g.consumers[pq.Source], gin{n, 0})
		}
		if json {
			names := make([]string, len(pq.Columns))
			for i, c := range pq.Columns {
				names[i] = c.Name
			}
			g.enc[pq.Sink] = runtime.NewEncoder(names)
		}
	}
	for _, n := range g.nodes {
		n.down, n.isOut = g.consumers[n.q.Sink], n.q.Sink == g.out
	}
	return g, nil
}

func (g *graph) release() {
	for _, n := range g.nodes {
		n.release()
	}
}

// feed runs one record of source stream s.
func (g *graph) feed(s *planner.Stream, r runtime.Row) error {
	return g.feedTo(g.consumers[s], r)
}

// feedTo runs one source record read by the queries to (a source
// stream's consumers, looked up once by the caller).
func (g *graph) feedTo(to []gin, r runtime.Row) error {
	if g.clock == 0 {
		g.now, g.clock = time.Now().UnixMilli(), clockEvery
	}
	g.clock--
	return g.deliver(to, false, r, runtime.OpUpsert, nil)
}

// deliver hands one record (op and key for a changelog's) to the queries
// reading its stream (to); when it is the checked stream's, a copy of it
// is kept for the check (outCapture).
func (g *graph) deliver(to []gin, out bool, r runtime.Row, op runtime.Op, key []byte) error {
	if out {
		g.outs++
		if g.capture != nil {
			g.capture.add(r, op, key)
		}
	}
	for _, in := range to {
		if err := g.run(in.n, in.side, r, op, key); err != nil {
			return fmt.Errorf("query %s: %w", in.n.q.Name, err)
		}
	}
	return nil
}

func (g *graph) run(n *gnode, side int, r runtime.Row, op runtime.Op, key []byte) error {
	ctx := &n.ctx
	ctx.Reset()
	ctx.NowMs = g.now
	et := g.now
	if ti := n.timeIdx[side]; ti >= 0 && r != nil && n.kind != nodeRegular {
		if r[ti].T == runtime.TNull {
			return errors.New("event time is NULL")
		}
		et = r[ti].I
	}
	var outs []runtime.Row
	switch n.kind {
	case nodePlain:
		outs = n.pipe.Execute(ctx, r, et)
	case nodeInterval:
		outs = n.pipe.ExecuteSide(ctx, side, r, et)
	case nodeChange:
		if key == nil {
			n.key = appendKeyCols(n.key[:0], r, n.q.SourceKeyCols())
			key = n.key
		}
		id, had := n.table.Lookup(key)
		var old, nr runtime.Row
		var at uint32
		if had {
			if old = n.table.OldRow(id); old == nil {
				return errors.New("the change table kept no row")
			}
			at = n.table.At(id)
		}
		if op == runtime.OpUpsert {
			nr = r
		}
		outs, at = n.pipe.ExecuteChangeAt(ctx, old, nr, key, et, at)
		if ctx.Err != nil {
			break // the loop dead-letters it; the key keeps its row
		}
		err := g.emit(n, outs)
		// As in the loop, the table changes once the outputs, which may
		// hold the old row's bytes, are passed on.
		switch {
		case op == runtime.OpUpsert:
			n.table.SetAt(n.table.Set(id, key, nil, r), at)
		case had:
			n.table.Remove(id)
		}
		if err != nil {
			return err
		}
		outs = nil
	case nodeRegular:
		if !n.sideChg[side] {
			n.seq[side]++
			n.key = strconv.AppendUint(append(n.key[:0], '0', '.'), n.seq[side], 10)
			key = n.key
		} else if key == nil {
			n.key = appendKeyCols(n.key[:0], r, n.sideKeys[side])
			key = n.key
		}
		var nr runtime.Row
		if op == runtime.OpUpsert {
			nr = r
		}
		sides := []int{side}
		if n.self {
			sides = []int{runtime.LeftSide, runtime.RightSide}
		}
		for _, sd := range sides {
			outs = n.pipe.ExecuteJoinChange(ctx, sd, key, nr, g.now)
			if ctx.Err != nil {
				return ctx.Err
			}
			if err := g.emit(n, outs); err != nil {
				return err
			}
		}
		return nil
	}
	if ctx.Err != nil {
		var late *runtime.LateError
		if errors.As(ctx.Err, &late) {
			g.late++
			return nil
		}
		return ctx.Err
	}
	if err := g.emit(n, outs); err != nil {
		return err
	}
	if r != nil && et > n.maxET[side] { // event time, or processing time as a loop's clock
		n.maxET[side] = et
		wm := et
		if n.kind == nodeInterval {
			wm = min(n.maxET[0], n.maxET[1])
			if wm <= -1<<62 {
				return nil
			}
		}
		return g.advance(n, wm-n.delay)
	}
	return nil
}

// emit passes a node's outputs (valid until its next call) downstream.
func (g *graph) emit(n *gnode, outs []runtime.Row) error {
	if len(outs) == 0 {
		return nil
	}
	ops, keys := n.pipe.Ops(), n.pipe.Keys()
	sink := n.q.Sink
	for i, o := range outs {
		op, key := runtime.OpUpsert, []byte(nil)
		if ops != nil {
			op, key = ops[i], keys[i]
		}
		if g.json {
			g.buf = g.enc[sink].Append(g.buf[:0], o)
			g.bytes += int64(len(g.buf))
		}
		if err := g.deliver(n.down, n.isOut, o, op, key); err != nil {
			return err
		}
	}
	return nil
}

func (g *graph) advance(n *gnode, wm int64) error {
	if wm <= n.wm {
		return nil
	}
	n.wm = wm
	if n.pipe.Stage == nil && n.pipe.Join == nil {
		return nil
	}
	ctx := &n.ctx
	ctx.Reset()
	ctx.NowMs = g.now
	outs := n.pipe.Advance(ctx, wm)
	if ctx.Err != nil {
		return ctx.Err
	}
	return g.emit(n, outs)
}

// finish is end of input, stage by stage in plan order (a stage's
// upstream stages are before it).
func (g *graph) finish() error {
	g.now = time.Now().UnixMilli()
	for _, n := range g.nodes {
		if n.kind == nodeRegular || n.pipe.Stage == nil && n.pipe.Join == nil {
			continue
		}
		n.wm = runtime.EndOfTime
		ctx := &n.ctx
		ctx.Reset()
		ctx.NowMs = g.now
		outs := n.pipe.Advance(ctx, runtime.EndOfTime)
		if ctx.Err != nil {
			return fmt.Errorf("query %s: %w", n.q.Name, ctx.Err)
		}
		if err := g.emit(n, outs); err != nil {
			return err
		}
	}
	return nil
}

// appendKeyCols is the Velort-Key text of r's columns idx.
func appendKeyCols(dst []byte, r runtime.Row, idx []int) []byte {
	for i, c := range idx {
		if i > 0 {
			dst = append(dst, '|')
		}
		dst = runtime.AppendChangeKey(dst, r[c])
	}
	return dst
}
