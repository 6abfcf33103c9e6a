package bench

import (
	"context"
	"fmt"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"time"

	velort "github.com/velort/velort/engine"
	"github.com/velort/velort/partition"
	"github.com/velort/velort/planner"
	"github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
)

// runGraphNATS times one nats-mode run of a multi-stage scenario: one
// partition loop per query, each configured as `velort run` configures it
// (one partition, core NATS, replay), reading its source subject and the
// other side of a join, and publishing to its sink subject, where the next
// query reads; the events are published to their streams' subjects in
// event order and the checked stream's records are decoded and kept by a
// subscriber until its end-of-input marker. Then the relay over as many
// messages of the median size, as runNATS does.
func runGraphNATS(env *natsEnv, s *Scenario, q *query, in *nxInput, collect bool) (measurement, *outSink, error) {
	var m measurement
	pl := q.pl
	if t := s.sideTable(q); t != nil {
		ds := &Dataset{join: &joinData{table: t, tableRows: in.side, tableJSON: in.json}}
		if err := ds.loadTableKV(env); err != nil {
			return m, nil, err
		}
	}
	out := pl.Stream(s.nx.out)
	if out == nil {
		return m, nil, fmt.Errorf("no stream %s in the plan", s.nx.out)
	}
	sink, err := s.newSink(out, collect)
	if err != nil {
		return m, nil, err
	}
	var loops []*partition.Loop
	var primary []EventKind // the source kind a loop's progress is paced by (-1: none)
	var releases []func()
	defer func() {
		for _, r := range releases {
			r()
		}
	}()
	kindOf := map[*planner.Stream]EventKind{}
	for k, st := range in.ev.streams {
		if st != nil {
			kindOf[st] = EventKind(k)
		}
	}
	for _, pq := range pl.Queries {
		insts := planner.NewInstances(q.ctx)
		releases = append(releases, insts.Close)
		pipe, err := pq.NewPipeline(0, insts)
		if err != nil {
			return m, nil, fmt.Errorf("query %s: %w", pq.Name, err)
		}
		names := make([]string, len(pq.Columns))
		for i, c := range pq.Columns {
			names[i] = c.Name
		}
		cfg := velort.LoopConfig(pl, pq)
		cfg.Partition, cfg.Subject, cfg.Pipeline = 0, pq.Source.PartitionSubject(0), pipe
		cfg.Sink = partition.Sink{Subjects: []string{pq.Sink.PartitionSubject(0)}, KeyIdx: pq.Sink.KeyIdx, Columns: names}
		cfg.EOFWriters, cfg.Replay, cfg.Logger = 1, true, env.log
		cfg.SourcePartitions = 1 // (every stream of the harness has one partition)
		if left, right, lt, rt, ok := pq.IntervalJoin(); ok {
			j := &partition.Joined{Side: runtime.LeftSide, TimeIdx: lt, OtherTime: rt, Schema: right.Columns, Read: pq.SideRead(runtime.RightSide)}
			other := right
			if right == pq.Source && left != pq.Source {
				j = &partition.Joined{Side: runtime.RightSide, TimeIdx: rt, OtherTime: lt, Schema: left.Columns, Read: pq.SideRead(runtime.LeftSide)}
				other = left
			}
			if other != pq.Source {
				j.Subject = other.PartitionSubject(0)
				cfg.EOFWriters++
			}
			cfg.Joined = j
		} else if left, right, ok := pq.RegularJoin(); ok {
			j := &partition.Joined{Side: runtime.LeftSide, Schema: right.Columns, Read: pq.SideRead(runtime.RightSide), Regular: true,
				Changelog:    [2]bool{left.Changelog, right.Changelog},
				ChangelogKey: [2][]int{pq.RegularJoinKeyCols(runtime.LeftSide), pq.RegularJoinKeyCols(runtime.RightSide)}}
			other := right
			if right == pq.Source && left != pq.Source {
				j.Side, j.Schema, j.Read, other = runtime.RightSide, left.Columns, pq.SideRead(runtime.LeftSide), left
			}
			if other != pq.Source {
				j.Subject = other.PartitionSubject(0)
				j.OtherEOFWriters = 1
				cfg.EOFWriters++
			}
			cfg.Joined = j
		}
		l := partition.New(env.proc.NC, cfg)
		if err := l.Subscribe(); err != nil {
			return m, nil, err
		}
		loops = append(loops, l)
		k, ok := kindOf[pq.Source]
		if !ok {
			k = EventKind(255)
		}
		primary = append(primary, k)
	}
	dec := runtime.NewDecoder(out.Columns, nil)
	row := make(runtime.Row, len(out.Columns))
	sub, err := env.sink.SubscribeSync(out.PartitionSubject(0))
	if err != nil {
		return m, nil, err
	}
	defer sub.Unsubscribe()
	for _, c := range []*transport.Conn{env.proc, env.sink} {
		if err := c.Flush(5 * time.Second); err != nil {
			return m, nil, err
		}
	}

	var received atomic.Int64
	sinkDone := make(chan error, 1)
	go func() {
		for {
			msg, err := sub.NextMsg(natsStall)
			if err != nil {
				sinkDone <- fmt.Errorf("sink %s: %d records received, then: %w", out.Subject, received.Load(), err)
				return
			}
			if partition.IsEOF(msg) {
				sinkDone <- nil
				return
			}
			received.Add(1)
			if err := dec.Decode(msg.Data, row); err != nil {
				sinkDone <- fmt.Errorf("sink %s: %w", out.Subject, err)
				return
			}
			op := runtime.OpUpsert
			var key []byte
			if out.Changelog {
				if o, ok := runtime.ParseOp(msg.Header.Get(partition.HeaderOp)); ok {
					op = o
				}
				key = []byte(msg.Header.Get(partition.HeaderKey))
			}
			sink.add(row, op, key)
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	loopDone := make(chan error, len(loops))
	var wg sync.WaitGroup
	for _, l := range loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.Run(ctx); err != nil {
				loopDone <- err
			}
		}()
	}
	stop := func() {
		cancel()
		wg.Wait()
	}
	defer stop()

	var m0, m1 goruntime.MemStats
	goruntime.ReadMemStats(&m0)
	start := time.Now()
	nc := env.producer.NC
	var subjects [3]string
	for k, st := range in.ev.streams {
		if st != nil {
			subjects[k] = st.PartitionSubject(0)
		}
	}
	var published [3]int64
	for i, msg := range in.msgs {
		k := in.ev.kind[i]
		if i%1024 == 0 {
			if err := waitLoops(loops, primary, published, loopDone); err != nil {
				return m, nil, err
			}
		}
		if err := nc.Publish(subjects[k], msg); err != nil {
			return m, nil, err
		}
		published[k]++
	}
	for _, subj := range subjects {
		if subj != "" {
			if err := nc.PublishMsg(partition.NewEOF(subj)); err != nil {
				return m, nil, err
			}
		}
	}
	if err := nc.Flush(); err != nil {
		return m, nil, err
	}
	select {
	case err := <-sinkDone:
		if err != nil {
			return m, nil, err
		}
	case err := <-loopDone:
		return m, nil, fmt.Errorf("velort loop: %w", err)
	}
	m.elapsed = time.Since(start)
	goruntime.ReadMemStats(&m1)
	m.allocs, m.bytes = m1.Mallocs-m0.Mallocs, m1.TotalAlloc-m0.TotalAlloc
	stop()
	for i, l := range loops {
		if dl := l.Stats.DeadLettered.Load(); dl != 0 {
			return m, nil, fmt.Errorf("query %s: %d records dead-lettered", pl.Queries[i].Name, dl)
		}
		if late := l.Stats.Late.Load(); late != 0 {
			return m, nil, fmt.Errorf("query %s: %d records dropped as late; the data is in order", pl.Queries[i].Name, late)
		}
	}
	m.outputs, _ = sink.digest()
	m.relay, err = transport.RunRelayConns(env.producer.NC, env.proc.NC, env.sink.NC, relayIn, relayOut, len(in.msgs), medianPayload(in.msgs))
	if err != nil {
		return m, nil, err
	}
	return m, sink, nil
}

// waitLoops holds the publisher until every loop reading a source stream
// has taken in all but natsWindow of the records published to it (a join's
// loop counts its other input too, which only loosens the bound).
func waitLoops(loops []*partition.Loop, primary []EventKind, published [3]int64, loopDone chan error) error {
	last, lastAt := int64(-1), time.Now()
	for {
		behind, progress := false, int64(0)
		for i, l := range loops {
			in := int64(l.Stats.In.Load())
			progress += in
			if k := primary[i]; k < 3 && published[k]-in > natsWindow {
				behind = true
			}
		}
		if !behind {
			return nil
		}
		if progress != last {
			last, lastAt = progress, time.Now()
		} else if time.Since(lastAt) > natsStall {
			return fmt.Errorf("stalled: %v published, %d taken in by velort's loops", published, progress)
		}
		select {
		case err := <-loopDone:
			return fmt.Errorf("velort loop: %w", err)
		default:
		}
		time.Sleep(100 * time.Microsecond)
	}
}
