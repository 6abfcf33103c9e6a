package bench

import (
	"context"
	"fmt"
	goruntime "runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/velort/velort/planner"
	"github.com/velort/velort/runtime"
)

// nxQuery is a Nexmark scenario of several queries (or one, over the
// Nexmark streams), checked row by row against its oracle.
type nxQuery struct {
	out    string                   // the stream whose result is checked
	cols   []string                 // the columns checked (nil: all)
	sumCol string                   // q12: the column summed per the others' values
	oracle func(*nxEvents) []string // the result, computed without the engine
	// side, when set, is a KV table's name and rows, loaded before the
	// queries run (q13's bounded side input).
	side func() (string, []runtime.Row)
}

// planNx parses a multi-stage scenario's file; q.Query is its first query.
func (s *Scenario) planNx(ctx context.Context) (*query, error) {
	pl, err := planner.Parse("internal/bench/sql/"+s.File, s.SQL(), planner.Options{})
	if err != nil {
		return nil, err
	}
	if len(pl.Queries) == 0 {
		return nil, fmt.Errorf("scenario %s: %s has no query", s.Name, s.File)
	}
	return &query{Query: pl.Queries[0], pl: pl, ctx: ctx}, nil
}

// nxInput is one (scenario, mode)'s input: events, their JSON messages
// (json and nats modes) and the oracle's result.
type nxInput struct {
	ev   *nxEvents
	msgs [][]byte
	want *oracleResult
	side []runtime.Row
	json [][]byte // the side table's rows as KV values
}

func (s *Scenario) nxInput(q *query, n int, withJSON bool) (*nxInput, error) {
	streams, err := readStreams(q.pl)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	in := &nxInput{ev: genEvents(streams, n)}
	in.want = newOracleResult(s.nx.oracle(in.ev))
	in.ev.moveOffHeap()
	if withJSON {
		in.msgs = in.ev.json()
	}
	if s.nx.side != nil {
		name, rows := s.nx.side()
		t := q.pl.Table(name)
		if t == nil {
			return nil, fmt.Errorf("scenario %s: no table %s", s.Name, name)
		}
		in.side = rows
		in.json = encodeRows(t.Columns, rows)
	}
	return in, nil
}

// sideTable is the plan's side-input table (nil when none).
func (s *Scenario) sideTable(q *query) *planner.Table {
	if s.nx.side == nil {
		return nil
	}
	name, _ := s.nx.side()
	return q.pl.Table(name)
}

// newSink is the checker of the scenario's output stream.
func (s *Scenario) newSink(out *planner.Stream, collect bool) (*outSink, error) {
	sum := -1
	if s.nx.sumCol != "" {
		for i, c := range out.Columns {
			if strings.EqualFold(c.Name, s.nx.sumCol) {
				sum = i
			}
		}
		if sum < 0 {
			return nil, fmt.Errorf("scenario %s: stream %s has no column %s", s.Name, out.Name, s.nx.sumCol)
		}
	}
	var cols []int
	for _, name := range s.nx.cols {
		i := slices.IndexFunc(out.Columns, func(c runtime.Column) bool { return strings.EqualFold(c.Name, name) })
		if i < 0 {
			return nil, fmt.Errorf("scenario %s: stream %s has no column %s", s.Name, out.Name, name)
		}
		cols = append(cols, i)
	}
	return newOutSink(cols, out.Changelog, sum, collect), nil
}

// runGraph times one engine-mode (or, with in.msgs, json-mode) run of
// every query of the scenario on one core, and returns what the checked
// stream's result is. The timed section (wall clock, the process's CPU
// time, heap allocations) is the loop over the events and the end of
// input: each record fed to the queries reading its stream, their outputs
// to the queries downstream, and each row of the checked stream copied
// into the capture buffer (outCapture.add). The events are generated and
// the oracle's result computed before, both kept where a garbage
// collection in the timed section does not scan them (moveOffHeap,
// oracleResult). Putting the output rows in canonical form, hashing them
// and keeping a changelog's last row per key (outSink.add) is done after
// it — or, when the capture buffer fills up, with the clocks stopped.
func runGraph(s *Scenario, q *query, in *nxInput, json, collect bool) (measurement, *outSink, error) {
	return runGraphCapture(s, q, in, json, collect, captureBytes, nil)
}

// runGraphCapture is runGraph with a capture buffer of size bytes; tamper,
// when set, is called with the capture after the timed section, before the
// rows it holds are checked (tests: a corrupted output must fail).
func runGraphCapture(s *Scenario, q *query, in *nxInput, json, collect bool, size int, tamper func(*outCapture)) (measurement, *outSink, error) {
	if t := s.sideTable(q); t != nil {
		t.Store = runtime.NewTable(t.Columns)
		var key []byte
		for _, r := range in.side {
			key = runtime.AppendKeyText(key[:0], r[t.KeyIdx])
			t.Store.Put(key, r)
		}
	}
	g, err := newGraph(q, s.nx.out, json)
	if err != nil {
		return measurement{}, nil, err
	}
	defer g.release()
	sink, err := s.newSink(g.out, collect)
	if err != nil {
		return measurement{}, nil, err
	}
	sink.presize(int(in.want.n))
	g.capture = newOutCapture(sink, size)
	var decs [3]*runtime.Decoder
	var rows [3]runtime.Row
	if json {
		for k, st := range in.ev.streams {
			if st != nil {
				decs[k], rows[k] = runtime.NewDecoder(st.Columns, nil), make(runtime.Row, len(st.Columns))
			}
		}
	}
	prev := goruntime.GOMAXPROCS(1)
	defer goruntime.GOMAXPROCS(prev)
	var to [3][]gin
	for k, st := range in.ev.streams {
		if st != nil {
			to[k] = g.consumers[st]
		}
	}
	var clock runClock
	g.capture.drain = func() {
		g.capture.drains++
		clock.stop()
		g.capture.replay()
		clock.start()
	}
	goruntime.GC()
	clock.start()
	ev := in.ev
	for i, r := range ev.rows {
		k := ev.kind[i]
		if json {
			if err := decs[k].Decode(in.msgs[i], rows[k]); err != nil {
				return measurement{}, nil, fmt.Errorf("record %d: decode: %w", i, err)
			}
			r = rows[k]
		}
		if err := g.feedTo(to[k], r); err != nil {
			return measurement{}, nil, fmt.Errorf("record %d: %w", i, err)
		}
	}
	if err := g.finish(); err != nil {
		return measurement{}, nil, fmt.Errorf("end of input: %w", err)
	}
	clock.stop()
	lastCPU = clock.cpu
	m := measurement{elapsed: clock.wall, allocs: clock.allocs, bytes: clock.bytes}
	if g.late != 0 {
		return measurement{}, nil, fmt.Errorf("%d records dropped as late; the data is in order", g.late)
	}
	g.capture.drain = g.capture.replay
	if tamper != nil {
		tamper(g.capture)
	}
	g.capture.replay()
	m.outputs, _ = sink.digest()
	return m, sink, nil
}

// checkResult compares a run's result with the oracle's; on a difference
// the run is repeated (rerun) keeping rows, to show it.
func checkResult(in *nxInput, sink *outSink, rerun func() (*outSink, error)) error {
	n, sum := sink.digest()
	if n == in.want.n && sum == in.want.sum {
		return nil
	}
	if !sink.collect {
		again, err := rerun()
		if err != nil {
			return fmt.Errorf("result differs from the oracle's (%d rows, the oracle %d); the rerun to show it failed: %w", n, in.want.n, err)
		}
		sink = again
	}
	return fmt.Errorf("result differs from the oracle's: %s", diffResults(sink.texts(), in.want.rows()))
}

// runNexmark measures a multi-stage Nexmark scenario in every mode: each
// run's result is checked against the oracle's.
func runNexmark(ctx context.Context, cfg Config, env *natsEnv, s *Scenario, progress func(Event), step *int, steps int) ([]Result, error) {
	q, err := s.planNx(ctx)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	defer q.close()
	var results []Result
	for _, mode := range cfg.Modes {
		n := cfg.Records
		if n <= 0 {
			n = DefaultRecords(mode)
		}
		in, err := s.nxInput(q, n, mode != ModeEngine)
		if err != nil {
			return results, err
		}
		var runs []measurement
		for k := 1; k <= cfg.Runs; k++ {
			if err := ctx.Err(); err != nil {
				return results, err
			}
			ev := Event{Scenario: s.Name, Mode: mode, Run: k, Runs: cfg.Runs, Step: *step, Steps: steps}
			progress(ev)
			var m measurement
			var sink *outSink
			run := func(collect bool) (measurement, *outSink, error) {
				if mode == ModeNATS {
					return runGraphNATS(env, s, q, in, collect)
				}
				return runGraph(s, q, in, mode == ModeJSON, collect)
			}
			m, sink, err = run(false)
			if err == nil {
				err = checkResult(in, sink, func() (*outSink, error) {
					_, again, err := run(true)
					return again, err
				})
			}
			if err != nil {
				return results, fmt.Errorf("scenario %s, %s mode, run %d: %w", s.Name, mode, k, err)
			}
			runs = append(runs, m)
			*step++
			ev.Step, ev.Done, ev.RecordsPer = *step, true, float64(n)/m.elapsed.Seconds()
			progress(ev)
			cfg.Logger.Debug("bench run", "scenario", s.Name, "mode", mode, "run", k, "records", n, "seconds", m.elapsed.Seconds(), "outputs", m.outputs,
				"cpu_seconds", lastCPU.Seconds(), "records_per_cpu_second", float64(n)/lastCPU.Seconds())
		}
		results = append(results, summarize(s, mode, n, in.want.n, runs).withEvents(in.ev.generated))
	}
	return results, nil
}

// q13Rows is the side input: k → "side-k".
func q13Rows() (string, []runtime.Row) {
	rows := make([]runtime.Row, q13SideRows)
	for k := range rows {
		rows[k] = runtime.Row{runtime.Int(int64(k)), runtime.String([]byte(q13Side(int64(k))))}
	}
	return "side_input", rows
}

// lastCPU is the process CPU time of runGraph's last timed section: on a
// shared machine records per CPU second is the per-core figure that load
// does not change (GOMAXPROCS is 1, so it is one core's work, GC included).
var lastCPU time.Duration

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
