package engine

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/planner"
	velrt "github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
)

// A unit is the work of one (query, partition): its partition loop, or
// the two halves of a repartitioned query, subscribed to their inputs.
// Units are what several instances of `velort run` share.
type unit struct {
	name      string // <query>.<partition>, the lease and checkpoint key
	loops     []*partition.Loop
	consumers map[*planner.Stream][]*partition.Loop // loops by the stream whose input they count
	insts     []*planner.Instances
	feeds     []tableFeed // KV tables this unit's query reads FROM

	cancel   context.CancelFunc
	wg       sync.WaitGroup
	stopOnce sync.Once
}

// close releases the unit's UDF instances (after its loops have stopped).
func (u *unit) close() {
	for _, in := range u.insts {
		in.Close()
	}
}

// run starts the unit's loops; a loop's error goes to errs.
func (u *unit) run(ctx context.Context, errs chan<- error) {
	ctx, u.cancel = context.WithCancel(ctx)
	for _, l := range u.loops {
		u.wg.Add(1)
		go func() {
			defer u.wg.Done()
			if err := l.Run(ctx); err != nil {
				errs <- err
			}
		}()
	}
	for _, f := range u.feeds { // after the loop has subscribed (build)
		u.wg.Add(1)
		go func() {
			defer u.wg.Done()
			if err := feedTable(ctx, f.conn, f.t, f.subject, f.replay, f.loop); err != nil {
				errs <- err
			}
		}()
	}
}

// tableFeed is the changelog of a KV table fed to the loop of a query that
// reads FROM it, on a subject of the unit's own (feedTable).
type tableFeed struct {
	conn    *transport.Conn
	t       *planner.Table
	subject string
	replay  bool
	loop    *partition.Loop
}

// stop ends the loops (each checkpoints and acknowledges on its way out)
// and waits for them.
func (u *unit) stop() {
	if u.cancel != nil {
		u.cancel()
	}
	u.wg.Wait()
	u.close()
}

// unitBuilder makes units from a plan.
type unitBuilder struct {
	log     *slog.Logger
	conn    *transport.Conn
	ck      *checkpoints
	writers map[*planner.Stream]int // EOF writers per stream (replay mode)
	replay  bool
	bases   map[*planner.Query]partition.Config
	pl      *planner.Plan
	kv      []*kvWriter // materialized tables written into KV buckets

	intakeMessages, intakeBytes int // core NATS intake bounds per partition (0: defaults)
}

func newUnitBuilder(log *slog.Logger, conn *transport.Conn, ck *checkpoints, pl *planner.Plan, writers map[*planner.Stream]int, replay bool, intakeMessages, intakeBytes int) (*unitBuilder, error) {
	b := &unitBuilder{log: log, conn: conn, ck: ck, writers: writers, replay: replay, bases: map[*planner.Query]partition.Config{},
		intakeMessages: intakeMessages, intakeBytes: intakeBytes, pl: pl}
	for _, q := range pl.Queries {
		var sinkSubjects []string
		var sinkTable *velrt.Table
		var sinkKV partition.ChangeWriter
		if t := q.Sink.Materialized; t != nil {
			sinkTable = t.Store
			if t.Bucket != "" {
				w, err := newKVWriter(log, conn, t, replay)
				if err != nil {
					return nil, err
				}
				b.kv = append(b.kv, w)
				sinkKV = w
			}
		} else {
			sinkSubjects = make([]string, q.Sink.Partitions)
			for p := range sinkSubjects {
				sinkSubjects[p] = q.Sink.PartitionSubject(p)
			}
		}
		names := make([]string, len(q.Columns))
		for i, c := range q.Columns {
			names[i] = c.Name
		}
		base := LoopConfig(pl, q)
		base.Sink = partition.Sink{Subjects: sinkSubjects, KeyIdx: q.Sink.KeyIdx, Columns: names, Table: sinkTable, Changes: sinkKV}
		base.EOFWriters, base.Replay, base.Logger = writers[q.Source], replay, log
		base.SinkJetStream = q.Sink.JetStream != ""
		base.IntakeMessages, base.IntakeBytes = b.intakeMessages, b.intakeBytes
		if ti, ok := q.AnnounceWatermarks(); ok { // one of several writers of a stage read by event time
			base.Sink.Announce = &partition.Announce{TimeIdx: ti}
		}
		base.Writers = q.InputWriters()
		if err := nativeConfig(q, &base); err != nil {
			return nil, err
		}
		if q.Source.JetStream != "" {
			base.AckAfter = q.AckAfter
		}
		b.bases[q] = base
	}
	return b, nil
}

// unitRef is the query and partition a unit serves.
type unitRef struct {
	q *planner.Query
	p int
}

// planUnits maps the name of every unit of the plan to its query and
// partition.
func planUnits(pl *planner.Plan) map[string]unitRef {
	out := map[string]unitRef{}
	for _, q := range pl.Queries {
		for p := 0; p < q.Source.Partitions; p++ {
			out[checkpointKey(q.Name, p)] = unitRef{q, p}
		}
	}
	return out
}

// build makes and subscribes the loops of query q's partition p.
func (b *unitBuilder) build(q *planner.Query, p int) (u *unit, err error) {
	u = &unit{name: checkpointKey(q.Name, p), consumers: map[*planner.Stream][]*partition.Loop{}}
	defer func() {
		if err != nil {
			u.close() // the process exits: its loops need no more care
		}
	}()
	n := q.Source.Partitions
	cfg := b.bases[q]
	cfg.Partition, cfg.Subject = p, q.Source.PartitionSubject(p)
	kvSource := b.pl.SourceTable(q.Source)
	if kvSource != nil { // a KV table's changelog, fed by this unit on a subject of its own
		cfg.Subject += "." + strings.TrimPrefix(nats.NewInbox(), nats.InboxPrefix)
		subject := cfg.Subject
		defer func() {
			if err == nil {
				u.feeds = append(u.feeds, tableFeed{b.conn, kvSource, subject, b.replay, u.consumers[q.Source][0]})
			}
		}()
	}
	var joinOther *planner.Stream // the second stream of an interval join
	if left, right, lt, rt, isJoin := q.IntervalJoin(); isJoin {
		j := &partition.Joined{Side: 0, TimeIdx: lt, OtherTime: rt, Schema: right.Columns, Read: q.SideRead(1)}
		other := right
		if right == q.Source && left != q.Source {
			j = &partition.Joined{Side: 1, TimeIdx: rt, OtherTime: lt, Schema: left.Columns, Read: q.SideRead(0)}
			other = left
		}
		if other != q.Source {
			j.Subject = other.PartitionSubject(p)
			if b.replay {
				cfg.EOFWriters += b.writers[other]
			}
			joinOther = other
		}
		cfg.Joined = j
	}
	if other := b.regularJoined(q, p, &cfg); other != nil {
		joinOther = other
		if t := b.pl.SourceTable(other); t != nil { // a KV table joined: fed to this loop (regularJoined)
			subject := cfg.Joined.Subject
			defer func() {
				if err == nil {
					u.feeds = append(u.feeds, tableFeed{b.conn, t, subject, b.replay, u.consumers[other][0]})
				}
			}()
		}
	}
	if err := b.regularForwards(u, q, p, &cfg); err != nil { // a regular join's sides not partitioned by its key
		return u, err
	}
	insts := planner.NewInstances(context.Background())
	u.insts = append(u.insts, insts)
	if q.NeedsRepartition() {
		// First half: filter and forward by group key.
		pipe, keys, err := q.ForwardPipeline(p, insts)
		if err != nil {
			return u, fmt.Errorf("query %s partition %d: %w", q.Name, p, err)
		}
		fwd := &partition.Forward{Keys: keys}
		for t := 0; t < n; t++ {
			fwd.Subjects = append(fwd.Subjects, q.RepartitionSubject(t, p))
		}
		cfg.Pipeline, cfg.Forward, cfg.SinkJetStream = pipe, fwd, false
		l := partition.New(b.conn.NC, cfg)
		u.loops = append(u.loops, l)
		if err := b.ck.subscribe(l, q, p); err != nil {
			return u, err
		}
		u.consumers[q.Source] = append(u.consumers[q.Source], l)
		// Second half: aggregate what all source partitions forward.
		cfg = b.bases[q]
		cfg.Partition, cfg.Subject, cfg.Sources, cfg.AckAfter = p, q.RepartitionWildcard(p), n, nil
		// Over a stage of several writers the first half relays their
		// announcements: the second half's upstream progress comes from those.
		cfg.SourcesAnnounce, cfg.Writers = cfg.Writers > 1, 0
		if b.replay {
			cfg.EOFWriters = n
		}
		insts = planner.NewInstances(context.Background())
		u.insts = append(u.insts, insts)
	}
	pipe, err := q.NewPipeline(p, insts)
	if err != nil {
		return u, fmt.Errorf("query %s partition %d: %w", q.Name, p, err)
	}
	cfg.Pipeline = pipe
	l := partition.New(b.conn.NC, cfg)
	u.loops = append(u.loops, l)
	if cfg.Sources > 0 {
		err = l.Subscribe()
	} else {
		err = b.ck.subscribe(l, q, p)
	}
	if err != nil {
		return u, err
	}
	if cfg.Sources == 0 {
		u.consumers[q.Source] = append(u.consumers[q.Source], l)
	}
	if joinOther != nil {
		u.consumers[joinOther] = append(u.consumers[joinOther], l)
	}
	return u, nil
}

// loopSet is the partition loops running in this process, for metrics and
// the MySQL catalog; with shared partitions it changes as units move.
type loopSet struct {
	mu    sync.Mutex
	loops []*partition.Loop
	ever  []*partition.Loop // every loop run here, for the final totals
}

func (s *loopSet) add(ls ...*partition.Loop) {
	s.mu.Lock()
	s.loops = append(s.loops, ls...)
	s.ever = append(s.ever, ls...)
	s.mu.Unlock()
}

// history returns every loop that has run in this process.
func (s *loopSet) history() []*partition.Loop {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ever)
}

func (s *loopSet) remove(ls ...*partition.Loop) {
	s.mu.Lock()
	s.loops = slices.DeleteFunc(s.loops, func(l *partition.Loop) bool { return slices.Contains(ls, l) })
	s.mu.Unlock()
}

// all returns a snapshot of the running loops.
func (s *loopSet) all() []*partition.Loop {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.loops)
}
