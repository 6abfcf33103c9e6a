package engine

import (
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/planner"
	"github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
	"github.com/velort/velort/udf"
)

// The operations endpoint of `velort run --http ADDR` (docs/ops.md):
//
//	/          the operations page (ops.html: inline CSS and JS, no external assets)
//	/api/state the page's data as JSON, polled by the page every second
//	/metrics   the Prometheus metrics (as --metrics)
//	/healthz   200 while the process serves
//	/readyz    200 once every partition this instance owns runs, else 503
//
// Everything is read from the loops' atomic counters, their small rings of
// recent dead letters and the consumer info polled off the hot path: the
// page adds no work to the per-record loop.

//go:embed ops.html
var opsPage []byte

// opsRecentDeadLetters is how many dead letters /api/state lists, newest
// first, over all the loops of this instance.
const opsRecentDeadLetters = 20

// opsSampleEvery is how often throughput is sampled, and opsClusterEvery
// how often the cluster's members and leases are read (shared partitions).
const (
	opsSampleEvery  = time.Second
	opsClusterEvery = 5 * time.Second
)

// opsServer serves the operations endpoint.
type opsServer struct {
	log      *slog.Logger
	pl       *planner.Plan
	file     string
	instance string
	started  time.Time
	conn     *transport.Conn
	loops    func() []*partition.Loop
	lc       *loopCollector
	units    []string // every unit of the plan (<query>.<partition>), sorted
	static   opsPlan  // the plan's part of /api/state, built once

	mu          sync.Mutex
	own         *partition.Ownership // non-nil: partitions shared with other instances
	leaseTTL    time.Duration
	sharedSince time.Time
	prev        map[*partition.Loop]opsSample
	rates       map[*partition.Loop][2]float64 // records in and out per second
	members     []opsInstance                  // the cluster's instances, last read
	owners      map[string]string              // unit → the instance holding its lease, last read

	srv  *http.Server
	addr string
	stop chan struct{}
	done sync.WaitGroup
}

type opsSample struct {
	at      time.Time
	in, out uint64
}

// httpAddr gives a listen address without a host the loopback host: the
// page shows queries and dead letters' payloads, so listening on every
// interface is asked for by name (0.0.0.0:8080, [::]:8080).
func httpAddr(addr string) string {
	if _, err := strconv.Atoi(addr); err == nil {
		return "127.0.0.1:" + addr
	}
	if strings.HasPrefix(addr, ":") {
		return "127.0.0.1" + addr
	}
	return addr
}

// startOps listens at addr and serves the operations endpoint until stop.
func startOps(log *slog.Logger, addr string, pl *planner.Plan, file, instance string, conn *transport.Conn, loops func() []*partition.Loop, udfStats func() []udf.FuncStats) (*opsServer, error) {
	addr = httpAddr(addr)
	if !isLoopbackAddr(addr) {
		log.Warn("--http listens beyond this machine (not a loopback address): anyone who can reach it sees the queries, "+
			"metrics and dead letters' payloads; use 127.0.0.1:PORT to keep them local", "addr", addr)
	}
	reg, lc := newMetricsRegistry(loops, udfStats, conn)
	o := &opsServer{log: log, pl: pl, file: file, instance: instance, started: time.Now(), conn: conn, loops: loops, lc: lc,
		units: slices.Sorted(maps.Keys(planUnits(pl))), static: newOpsPlan(pl),
		prev: map[*partition.Loop]opsSample{}, rates: map[*partition.Loop][2]float64{}, stop: make(chan struct{})}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	o.addr = ln.Addr().String()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ready, text := o.readiness()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if !ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprintln(w, text)
	})
	mux.HandleFunc("GET /api/state", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		_ = enc.Encode(o.state())
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(opsPage)
	})
	o.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	o.done.Add(3)
	go func() {
		defer o.done.Done()
		if err := o.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server", "err", err)
		}
	}()
	go func() { defer o.done.Done(); lc.pollConsumers(o.stop) }()
	go func() { defer o.done.Done(); o.sampleRates() }()
	log.Info("serving the operations page", "url", "http://"+o.addr+"/", "metrics", "http://"+o.addr+"/metrics")
	return o, nil
}

// Close stops the server and its pollers.
func (o *opsServer) Close() {
	close(o.stop)
	_ = o.srv.Close()
	o.done.Wait()
}

// setShared tells the server that partitions are shared: it is ready when it
// runs the ones it holds.
func (o *opsServer) setShared(own *partition.Ownership, ttl time.Duration) {
	o.mu.Lock()
	o.own, o.leaseTTL, o.sharedSince = own, ttl, time.Now()
	o.mu.Unlock()
	o.done.Add(1)
	go func() { defer o.done.Done(); o.pollCluster() }()
}

// pollCluster reads the cluster bucket's members and leases (as velort
// status does) every opsClusterEvery.
func (o *opsServer) pollCluster() {
	t := time.NewTicker(opsClusterEvery)
	defer t.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), opsClusterEvery)
		if js, err := jetstream.New(o.conn.NC); err == nil {
			r := &statusReader{js: js, conn: o.conn, log: o.log, parts: map[partKey]*PartitionStatus{}}
			if err := r.cluster(ctx); err == nil {
				owners := map[string]string{}
				count := map[string]int{}
				for k, p := range r.parts {
					if u := checkpointKey(k.query, k.part); slices.Contains(o.units, u) && p.Owner != "" {
						owners[u] = p.Owner
						count[p.Owner]++
					}
				}
				var members []opsInstance
				for _, m := range r.st.Instances {
					members = append(members, opsInstance{Instance: m.Instance, Host: m.Host, PID: m.PID, File: m.File, Started: m.Started,
						Partitions: count[m.Instance], Self: m.Instance == o.instance})
				}
				slices.SortFunc(members, func(a, b opsInstance) int { return strings.Compare(a.Instance, b.Instance) })
				o.mu.Lock()
				o.members, o.owners = members, owners
				o.mu.Unlock()
			}
		}
		cancel()
		select {
		case <-o.stop:
			return
		case <-t.C:
		}
	}
}

// readiness is /readyz: every partition this instance owns (all of them,
// unless they are shared; shared, once its first pass over the assignment
// is done: Ownership.Settled) has all its loops running. Shared, an instance
// holding nothing yet is not ready until one lease TTL has passed (it may
// be waiting for a dead owner's leases to expire); after that, holding
// nothing is a valid share (more instances than partitions).
func (o *opsServer) readiness() (bool, string) {
	byUnit := map[string][]*partition.Loop{}
	for _, l := range o.loops() {
		k := checkpointKey(l.QueryName(), l.Partition())
		byUnit[k] = append(byUnit[k], l)
	}
	o.mu.Lock()
	own, ttl, since := o.own, o.leaseTTL, o.sharedSince
	o.mu.Unlock()
	units := o.units
	if own != nil {
		if !own.Settled() {
			return false, "not ready: taking this instance's partition leases"
		}
		units = own.Held()
		if len(units) == 0 {
			if time.Since(since) < ttl {
				return false, "not ready: no partition leases acquired yet"
			}
			return true, "ready: this instance owns no partitions (others hold them all)"
		}
	}
	var down []string
	for _, u := range units {
		ls := byUnit[u]
		running := len(ls) > 0
		for _, l := range ls {
			running = running && l.Running()
		}
		if !running {
			down = append(down, u)
		}
	}
	if len(down) > 0 {
		if len(down) > 10 {
			down = append(down[:10], "…")
		}
		return false, fmt.Sprintf("not ready: %d of %d partitions not running: %s", len(down), len(units), strings.Join(down, ", "))
	}
	return true, fmt.Sprintf("ready: %d partitions running", len(units))
}

// sampleRates computes each loop's records per second every opsSampleEvery.
func (o *opsServer) sampleRates() {
	t := time.NewTicker(opsSampleEvery)
	defer t.Stop()
	var last time.Time // the previous sample: a loop new since counts from 0 then
	for {
		now := time.Now()
		loops := o.loops()
		o.mu.Lock()
		next := make(map[*partition.Loop]opsSample, len(loops))
		for _, l := range loops {
			s := opsSample{now, l.Stats.In.Load(), l.Stats.Out.Load()}
			p, ok := o.prev[l]
			if !ok {
				p = opsSample{at: last}
			}
			next[l] = s
			if p.at.IsZero() {
				continue
			}
			if dt := s.at.Sub(p.at).Seconds(); dt > 0 {
				o.rates[l] = [2]float64{float64(s.in-p.in) / dt, float64(s.out-p.out) / dt}
			}
		}
		last = now
		for l := range o.rates {
			if _, ok := next[l]; !ok {
				delete(o.rates, l)
			}
		}
		o.prev = next
		o.mu.Unlock()
		select {
		case <-o.stop:
			return
		case <-t.C:
		}
	}
}

// lagOf returns a loop's last polled consumer info.
func (c *loopCollector) lagOf(l *partition.Loop) (consumerLag, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, ok := c.lag[l]
	return g, ok
}

// opsPlan is the plan as the page draws it: the `velort explain` output
// taken apart into streams, tables and queries with their operators.
type opsPlan struct {
	Streams []opsStream `json:"streams"`
	Tables  []opsTable  `json:"tables"`
	Queries []opsQuery  `json:"queries"`
	Explain string      `json:"explain"`
}

type opsStream struct {
	ID         string   `json:"id"` // the graph's node
	Name       string   `json:"name"`
	Kind       string   `json:"kind"` // source | derived | stage (a composed statement's) | view | table (materialized)
	Subject    string   `json:"subject"`
	Partitions int      `json:"partitions"`
	Key        []string `json:"key"`
	Changelog  string   `json:"changelog"` // append-only, or changelog keyed by …
	JetStream  string   `json:"jetstream,omitempty"`
	DLQ        string   `json:"dlq"`
	EventTime  string   `json:"event_time,omitempty"`
	Columns    string   `json:"columns"`
}

type opsTable struct {
	ID     string `json:"id"` // the graph's node (a materialized table's: its sink stream's)
	Name   string `json:"name"`
	Kind   string `json:"kind"` // materialized | kv
	Bucket string `json:"bucket,omitempty"`
	Query  string `json:"query,omitempty"`
}

type opsQuery struct {
	Name       string        `json:"name"`
	Statement  string        `json:"statement,omitempty"` // the statement a stage belongs to ("": a statement's own query)
	Source     string        `json:"source"`
	Sink       string        `json:"sink"`
	SinkID     string        `json:"sink_id"`
	Inputs     []string      `json:"inputs"` // the source first, then joined streams and tables
	InputIDs   []string      `json:"input_ids"`
	Partitions int           `json:"partitions"`
	Kind       string        `json:"kind"`
	InputKind  string        `json:"input_kind"`
	OutputKind string        `json:"output_kind"`
	Key        []string      `json:"key"`
	Subjects   []string      `json:"subjects"` // per partition: source subject → sink
	Operators  []opsOperator `json:"operators"`
	SQL        string        `json:"sql"`
}

type opsOperator struct {
	Op     string `json:"op"`
	Detail string `json:"detail"`
}

var lookupTableRe = regexp.MustCompile(`lookup join \([A-Z]+\) with table (\S+) on`)

func newOpsPlan(pl *planner.Plan) opsPlan {
	exp := pl.Explain()
	out := opsPlan{Explain: exp, Streams: []opsStream{}, Tables: []opsTable{}, Queries: []opsQuery{}}
	ids := map[*planner.Stream]string{}
	// streamID names a stream's node (stage streams of two statements may
	// share a name), adding a stream the plan does not list (e.g. a
	// materialized table's sink).
	streamID := func(s *planner.Stream) string {
		if t := pl.SourceTable(s); t != nil { // a KV table read FROM: its changelog
			return "t:" + strings.ToLower(t.Name)
		}
		if id, ok := ids[s]; ok {
			return id
		}
		id := fmt.Sprintf("s%d", len(ids))
		ids[s] = id
		kind := "source"
		switch {
		case s.Materialized != nil:
			kind = "table"
		case s.Hidden:
			kind = "stage"
		case s.View:
			kind = "view"
		case s.Derived:
			kind = "derived"
		}
		out.Streams = append(out.Streams, opsStream{ID: id, Name: s.Name, Kind: kind, Subject: s.Subject, Partitions: s.Partitions,
			Key: orEmpty(s.Key), Changelog: planner.KindText(s.Changelog, s.ChangelogKey), JetStream: s.JetStream,
			DLQ: s.DLQ, EventTime: s.EventTime, Columns: opsColumns(s.Columns)})
		return id
	}
	for _, s := range pl.Streams {
		streamID(s)
	}
	for _, t := range pl.Tables {
		ot := opsTable{ID: "t:" + strings.ToLower(t.Name), Name: t.Name, Kind: "kv", Bucket: t.Bucket}
		if t.Materialized() {
			ot.Kind, ot.Query, ot.ID = "materialized", t.Query.Name, streamID(t.Query.Sink)
		}
		out.Tables = append(out.Tables, ot)
	}
	sections := explainSections(exp)
	for _, q := range pl.Queries {
		oq := opsQuery{Name: q.Name, Statement: q.Statement, Source: q.Source.Name, Sink: q.Sink.Name, SinkID: streamID(q.Sink),
			Partitions: q.Source.Partitions, Kind: q.Kind, InputKind: q.InputKindText(), OutputKind: q.OutputKindText(),
			Key: orEmpty(q.OutputKey()), SQL: q.Text, Operators: []opsOperator{}, Subjects: []string{}}
		add := func(name, id string) {
			if !slices.Contains(oq.InputIDs, id) {
				oq.Inputs, oq.InputIDs = append(oq.Inputs, name), append(oq.InputIDs, id)
			}
		}
		add(q.Source.Name, streamID(q.Source))
		if l, r, _, _, ok := q.IntervalJoin(); ok {
			add(l.Name, streamID(l))
			add(r.Name, streamID(r))
		}
		if l, r, ok := q.RegularJoin(); ok {
			add(l.Name, streamID(l))
			add(r.Name, streamID(r))
		}
		for _, line := range sections[q.Name] {
			if m := lookupTableRe.FindStringSubmatch(line); m != nil {
				add(m[1], "t:"+strings.ToLower(m[1]))
			}
			op, detail, found := strings.Cut(line, ": ")
			switch {
			case strings.HasPrefix(line, "partition "):
				oq.Subjects = append(oq.Subjects, detail)
			case found && !strings.Contains(op, " ") || found && (op == "input kind" || op == "output kind" || op == "decode json" || op == "changelog input"):
				oq.Operators = append(oq.Operators, opsOperator{op, detail})
			default: // e.g. "lookup join (INNER) with table …", "group by […] TUMBLE 1000ms, EMIT FINAL"
				word, rest, _ := strings.Cut(line, " ")
				if word == "group" || word == "repartition" || word == "row" || word == "lookup" || word == "interval" || word == "regular" {
					oq.Operators = append(oq.Operators, opsOperator{word, rest})
				} else {
					oq.Operators = append(oq.Operators, opsOperator{"", line})
				}
			}
		}
		out.Queries = append(out.Queries, oq)
	}
	return out
}

// orEmpty makes a nil list an empty one (JSON [] rather than null).
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// opsColumns is a schema as explain writes it: name TYPE, ...
func opsColumns(cols runtime.Schema) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.Name + " " + c.Type.String()
	}
	return strings.Join(parts, ", ")
}

// explainSections splits `velort explain` output into each query's
// indented lines (unindented), by query name.
func explainSections(exp string) map[string][]string {
	out := map[string][]string{}
	var cur string
	for _, line := range strings.Split(exp, "\n") {
		if rest, ok := strings.CutPrefix(line, "query "); ok {
			cur, _, _ = strings.Cut(rest, ":")
			continue
		}
		if !strings.HasPrefix(line, "  ") {
			cur = ""
			continue
		}
		if cur != "" {
			out[cur] = append(out[cur], strings.TrimSpace(line))
		}
	}
	return out
}

// opsState is /api/state.
type opsState struct {
	Instance    string          `json:"instance"`
	File        string          `json:"file"`
	NATS        string          `json:"nats"`
	StartedMs   int64           `json:"started_ms"`
	NowMs       int64           `json:"now_ms"`
	Ready       bool            `json:"ready"`
	ReadyText   string          `json:"ready_text"`
	Cluster     *opsCluster     `json:"cluster"`
	Plan        *opsPlan        `json:"plan"`
	Queries     []opsQueryState `json:"queries"`
	DeadLetters []opsDeadLetter `json:"dead_letters"`
}

type opsCluster struct {
	LeaseTTLSeconds float64  `json:"lease_ttl_seconds"`
	Held            []string `json:"held"`
	Units           int      `json:"units"`
	// Instances and Owners as last read from the cluster bucket (every
	// opsClusterEvery): every member, and the owner of each partition with
	// a lease.
	Instances []opsInstance     `json:"instances"`
	Owners    map[string]string `json:"owners"`
}

type opsInstance struct {
	Instance   string `json:"instance"`
	Host       string `json:"host"`
	PID        int    `json:"pid"`
	File       string `json:"file"`
	Started    string `json:"started"`
	Partitions int    `json:"partitions"` // leases it holds of this file's partitions
	Self       bool   `json:"self"`
}

type opsQueryState struct {
	Name         string              `json:"name"`
	RecordsIn    uint64              `json:"records_in"`
	RecordsOut   uint64              `json:"records_out"`
	InPerSec     float64             `json:"in_per_sec"`
	OutPerSec    float64             `json:"out_per_sec"`
	DeadLettered uint64              `json:"dead_lettered"`
	Partitions   []opsPartitionState `json:"partitions"`
}

// opsPartitionState is one loop: a (query, partition), or one half of a
// repartitioned one.
type opsPartitionState struct {
	Partition    int     `json:"partition"`
	Loop         string  `json:"loop"` // "" or "forward"/"aggregate" (the halves of a repartition)
	Running      bool    `json:"running"`
	RecordsIn    uint64  `json:"records_in"`
	RecordsOut   uint64  `json:"records_out"`
	InPerSec     float64 `json:"in_per_sec"`
	OutPerSec    float64 `json:"out_per_sec"`
	DeadLettered uint64  `json:"dead_lettered"`
	Late         uint64  `json:"late"`
	Dropped      uint64  `json:"dropped"`
	Misrouted    uint64  `json:"misrouted"`
	Oversized    uint64  `json:"oversized"`
	// WatermarkMs is the watermark (null: none yet); WatermarkAgeMs how far
	// behind the clock it is; EndOfInput that it reached the end of time.
	WatermarkMs    *int64 `json:"watermark_ms"`
	WatermarkAgeMs *int64 `json:"watermark_age_ms"`
	EndOfInput     bool   `json:"end_of_input,omitempty"`
	// Consumer lag of a JetStream source (null: core NATS, or not polled yet).
	LagPending    *float64       `json:"lag_pending"`
	LagAckPending *float64       `json:"lag_ack_pending"`
	Redelivered   uint64         `json:"redelivered"`
	Checkpoint    *opsCheckpoint `json:"checkpoint"`
}

type opsCheckpoint struct {
	AtMs   int64  `json:"at_ms"` // 0: none yet
	AgeMs  *int64 `json:"age_ms"`
	Seq    uint64 `json:"seq"`
	Bytes  int64  `json:"bytes"`
	Count  uint64 `json:"count"`
	Errors uint64 `json:"errors"`
}

type opsDeadLetter struct {
	Query     string `json:"query"`
	Partition int    `json:"partition"`
	partition.DeadLetter
}

func (o *opsServer) state() opsState {
	now := time.Now()
	nowMs := now.UnixMilli()
	ready, text := o.readiness()
	st := opsState{Instance: o.instance, File: o.file, NATS: o.conn.NC.ConnectedUrlRedacted(), StartedMs: o.started.UnixMilli(),
		NowMs: nowMs, Ready: ready, ReadyText: text, Plan: &o.static, Queries: []opsQueryState{}, DeadLetters: []opsDeadLetter{}}
	o.mu.Lock()
	if o.own != nil {
		st.Cluster = &opsCluster{LeaseTTLSeconds: o.leaseTTL.Seconds(), Held: o.own.Held(), Units: len(o.units),
			Instances: append([]opsInstance{}, o.members...), Owners: maps.Clone(o.owners)}
		if st.Cluster.Owners == nil {
			st.Cluster.Owners = map[string]string{}
		}
	}
	rates := maps.Clone(o.rates)
	o.mu.Unlock()
	byQuery := map[string]*opsQueryState{}
	for _, q := range o.pl.Queries {
		st.Queries = append(st.Queries, opsQueryState{Name: q.Name, Partitions: []opsPartitionState{}})
	}
	for i := range st.Queries {
		byQuery[st.Queries[i].Name] = &st.Queries[i]
	}
	loops := o.loops()
	halves := map[string]int{}
	for _, l := range loops {
		halves[checkpointKey(l.QueryName(), l.Partition())]++
	}
	seenHalf := map[string]int{}
	for _, l := range loops {
		qs := byQuery[l.QueryName()]
		if qs == nil {
			continue
		}
		s := &l.Stats
		ps := opsPartitionState{Partition: l.Partition(), Running: l.Running(), RecordsIn: s.In.Load(), RecordsOut: s.Out.Load(),
			DeadLettered: s.DeadLettered.Load(), Late: s.Late.Load(), Dropped: s.Dropped.Load(), Misrouted: s.Misrouted.Load(),
			Oversized: s.Oversized.Load(), Redelivered: s.Redelivered.Load()}
		if k := checkpointKey(l.QueryName(), l.Partition()); halves[k] == 2 { // a repartition: forward half first (build)
			ps.Loop = []string{"forward", "aggregate"}[min(seenHalf[k], 1)]
			seenHalf[k]++
		}
		r := rates[l]
		ps.InPerSec, ps.OutPerSec = r[0], r[1]
		switch wm := s.Watermark.Load(); {
		case wm >= runtime.EndOfTime-1:
			ps.EndOfInput = true
		case wm > -1<<61:
			age := nowMs - wm
			ps.WatermarkMs, ps.WatermarkAgeMs = &wm, &age
		}
		if l.Consumer() != nil {
			if g, ok := o.lc.lagOf(l); ok {
				ps.LagPending, ps.LagAckPending = &g.pending, &g.ackPending
			}
			if l.Checkpointing() {
				ck := &opsCheckpoint{AtMs: s.CheckpointAtMs.Load(), Seq: s.CheckpointSeq.Load(), Bytes: s.CheckpointBytes.Load(),
					Count: s.Checkpoints.Load(), Errors: s.CheckpointErrors.Load()}
				if ck.AtMs != 0 {
					age := nowMs - ck.AtMs
					ck.AgeMs = &age
				}
				ps.Checkpoint = ck
			}
		}
		if ps.Loop != "aggregate" { // the query's input: what its first loops read
			qs.RecordsIn += ps.RecordsIn
			qs.InPerSec += ps.InPerSec
		}
		if ps.Loop != "forward" { // its output: what its last loops publish
			qs.RecordsOut += ps.RecordsOut
			qs.OutPerSec += ps.OutPerSec
		}
		qs.DeadLettered += ps.DeadLettered
		qs.Partitions = append(qs.Partitions, ps)
		for _, d := range l.RecentDeadLetters() {
			st.DeadLetters = append(st.DeadLetters, opsDeadLetter{l.QueryName(), l.Partition(), d})
		}
	}
	for i := range st.Queries {
		slices.SortStableFunc(st.Queries[i].Partitions, func(a, b opsPartitionState) int { return a.Partition - b.Partition })
	}
	slices.SortStableFunc(st.DeadLetters, func(a, b opsDeadLetter) int { return cmp.Compare(b.AtMs, a.AtMs) })
	if len(st.DeadLetters) > opsRecentDeadLetters {
		st.DeadLetters = st.DeadLetters[:opsRecentDeadLetters]
	}
	return st
}
