package engine

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/planner"
	"github.com/velort/velort/runtime"
)

// Row is a table row by column name. NULL is nil, BIGINT int64, DOUBLE
// float64, DECIMAL a string of its exact digits ("12.50"), VARCHAR string,
// BOOLEAN bool, TIMESTAMP time.Time (UTC) and JSON json.RawMessage.
type Row map[string]any

// Table is the live contents of a materialized (CREATE TABLE … AS SELECT)
// or KV-backed table, read in process: the rows the query's partition
// loops (or the bucket's watch) have written so far. It is safe to read
// from any goroutine while the engine runs and after it stopped.
type Table struct {
	t *planner.Table
}

// Table returns the table named name (nil if the SQL declares none).
func (e *Engine) Table(name string) *Table {
	t := e.pl.Table(name)
	if t == nil || t.Store == nil {
		return nil
	}
	return &Table{t}
}

// Tables lists the names of the tables Table reads.
func (e *Engine) Tables() []string {
	var out []string
	for _, t := range e.pl.Tables {
		if t.Store != nil {
			out = append(out, t.Name)
		}
	}
	return out
}

// Name is the table's name as declared.
func (t *Table) Name() string { return t.t.Name }

// Columns are the table's column names in order.
func (t *Table) Columns() []string {
	out := make([]string, len(t.t.Columns))
	for i, c := range t.t.Columns {
		out[i] = c.Name
	}
	return out
}

// Len is the number of rows.
func (t *Table) Len() int { return t.t.Store.Len() }

// Rows returns a consistent snapshot of every row, in the order their keys
// first appeared.
func (t *Table) Rows() []Row {
	snap := t.t.Store.Snapshot()
	out := make([]Row, len(snap))
	for i, r := range snap {
		out[i] = t.row(r)
	}
	return out
}

// Lookup returns the first row (in Rows' order) whose column equals value
// (compared as Row holds it; Go integers and float32 are widened first),
// scanning a snapshot.
func (t *Table) Lookup(column string, value any) (Row, bool) {
	col := t.t.Columns.Index(column)
	if col < 0 {
		return nil, false
	}
	want := widen(value)
	for _, r := range t.t.Store.Snapshot() {
		if equalValue(goValue(r[col]), want) {
			return t.row(r), true
		}
	}
	return nil, false
}

// Key names the table's key columns: a KV table's primary key, or the
// columns a materialized table's rows are keyed by (its GROUP BY columns,
// with window_start and window_end for a window); nil when it has none or
// a part of its key is an expression no column carries.
func (t *Table) Key() []string {
	var out []string
	for _, i := range t.keyIdx() {
		out = append(out, t.t.Columns[i].Name)
	}
	return out
}

func (t *Table) keyIdx() []int {
	if !t.t.Materialized() {
		if t.t.KeyIdx < 0 {
			return nil
		}
		return []int{t.t.KeyIdx}
	}
	var idx []int
	for _, name := range t.t.Query.OutputKey() {
		i := t.t.Columns.Index(name)
		if i < 0 { // a key expression no column carries
			return nil
		}
		idx = append(idx, i)
	}
	return idx
}

// Get returns the row whose key columns (Key, in order) equal key, as
// Lookup compares them.
func (t *Table) Get(key ...any) (Row, bool) {
	idx := t.keyIdx()
	if len(idx) == 0 || len(key) != len(idx) {
		return nil, false
	}
	want := make([]any, len(key))
	for i, k := range key {
		want[i] = widen(k)
	}
	for _, r := range t.t.Store.Snapshot() {
		match := true
		for i, c := range idx {
			match = match && equalValue(goValue(r[c]), want[i])
		}
		if match {
			return t.row(r), true
		}
	}
	return nil, false
}

func (t *Table) row(r runtime.Row) Row {
	out := make(Row, len(r))
	for i, c := range t.t.Columns {
		out[c.Name] = goValue(r[i])
	}
	return out
}

// goValue converts a velort value to Row's Go value.
func goValue(v runtime.Value) any {
	switch v.T {
	case runtime.TBool:
		return v.I != 0
	case runtime.TInt:
		return v.I
	case runtime.TDouble:
		return v.F
	case runtime.TDecimal:
		return decimalText(v.I, int(v.Scale))
	case runtime.TString:
		return string(v.S)
	case runtime.TTimestamp:
		return time.UnixMilli(v.I).UTC()
	case runtime.TJSON:
		return json.RawMessage(slices.Clone(v.S))
	}
	return nil
}

func decimalText(unscaled int64, scale int) string {
	s := strconv.FormatInt(unscaled, 10)
	if scale <= 0 {
		return s
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if len(s) <= scale {
		s = strings.Repeat("0", scale-len(s)+1) + s
	}
	s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	if neg {
		s = "-" + s
	}
	return s
}

func widen(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case float32:
		return float64(x)
	}
	return v
}

func equalValue(a, b any) bool {
	if ta, ok := a.(time.Time); ok {
		tb, ok := b.(time.Time)
		return ok && ta.Equal(tb)
	}
	if ja, ok := a.(json.RawMessage); ok {
		jb, ok := b.(json.RawMessage)
		return ok && string(ja) == string(jb)
	}
	return a == b
}

// PartitionStats are the live counters of one (query, partition) running
// in this engine (a repartitioned query's two halves counted as one: In
// is what the first reads, Out what the second publishes).
type PartitionStats struct {
	Query     string
	Partition int
	Running   bool   // every loop of the partition runs
	In, Out   uint64 // records taken in (markers excluded), records published
	// DeadLettered counts records sent to the dead-letter subject, Late
	// the late records dropped or dead-lettered, Dropped the core NATS
	// records dropped because the intake was full.
	DeadLettered, Late, Dropped uint64
	// Watermark is the event-time watermark (zero: none yet);
	// EndOfInput is set once every writer of the input has ended it.
	Watermark  time.Time
	EndOfInput bool
	// Lag is the JetStream consumers' inputs not yet delivered, AckPending
	// those delivered and not yet acknowledged (polled every few seconds;
	// -1: unknown or not a JetStream source).
	Lag, AckPending int64
	// StateRows is the entries its operators hold (groups × windows, join
	// rows, …), StateExpired those its state_ttl forgot (velort_state_rows,
	// velort_state_expired_total).
	StateRows    int64
	StateExpired uint64
	// LastCheckpoint is when its state was last saved (zero: never).
	LastCheckpoint time.Time
	// DeadLetters are its latest dead letters, newest first.
	DeadLetters []partition.DeadLetter
}

// Stats returns the live counters of every (query, partition) this engine
// runs now (with shared partitions, the ones whose leases it holds),
// sorted by query and partition.
func (e *Engine) Stats() []PartitionStats {
	var out []PartitionStats
	at := map[string]int{}
	for _, l := range e.running.all() { // a repartition: forward half first (build)
		k := checkpointKey(l.QueryName(), l.Partition())
		s := &l.Stats
		i, seen := at[k]
		if !seen {
			at[k] = len(out)
			out = append(out, PartitionStats{Query: l.QueryName(), Partition: l.Partition(), Running: true, In: s.In.Load(), Lag: -1, AckPending: -1})
			i = len(out) - 1
		}
		ps := &out[i]
		ps.Running = ps.Running && l.Running()
		ps.Out = s.Out.Load()
		ps.DeadLettered += s.DeadLettered.Load()
		ps.Late += s.Late.Load()
		ps.Dropped += s.Dropped.Load()
		ps.StateRows += s.StateRows.Load()
		ps.StateExpired += s.StateExpired.Load()
		switch wm := s.Watermark.Load(); {
		case wm >= runtime.EndOfTime-1:
			ps.EndOfInput, ps.Watermark = true, time.Time{}
		case wm > -1<<61:
			ps.Watermark = time.UnixMilli(wm).UTC()
		}
		if l.Consumer() != nil {
			if g, ok := e.lc.lagOf(l); ok {
				ps.Lag = max(ps.Lag, 0) + int64(g.pending)
				ps.AckPending = max(ps.AckPending, 0) + int64(g.ackPending)
			}
		}
		if ms := s.CheckpointAtMs.Load(); ms != 0 {
			ps.LastCheckpoint = time.UnixMilli(ms).UTC()
		}
		ps.DeadLetters = append(ps.DeadLetters, l.RecentDeadLetters()...)
	}
	slices.SortFunc(out, func(a, b PartitionStats) int {
		return cmp.Or(strings.Compare(a.Query, b.Query), cmp.Compare(a.Partition, b.Partition))
	})
	return out
}

// Owned lists the units (<query>.<partition>) this engine runs: all of
// them, or with shared partitions the ones whose leases it holds.
func (e *Engine) Owned() []string {
	e.mu.Lock()
	own := e.own
	e.mu.Unlock()
	if own != nil {
		return own.Held()
	}
	var out []string
	for _, l := range e.running.all() {
		k := checkpointKey(l.QueryName(), l.Partition())
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
