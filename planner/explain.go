package planner

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/velort/velort/runtime"
)

// Explain renders the physical plan: streams with their subjects and
// partitions, and per query its operators and UDF bindings.
func (pl *Plan) Explain() string {
	var b strings.Builder
	fmt.Fprintf(&b, "file %s\n", pl.File)
	pl.explainStages(&b)
	raw := map[*Stream]*Stream{} // the raw wildcard streams of intakes (intake.go)
	for _, s := range pl.Streams {
		if s.IntakeOf != nil {
			raw[s.IntakeOf] = s
		}
	}
	for _, s := range pl.Streams {
		kind := "source"
		switch {
		case raw[s] != nil:
			kind = "wildcard source, read by one intake loop that partitions it into " + raw[s].Name
		case s.IntakeOf != nil:
			kind = "source, partitioned by velort's intake from " + s.IntakeOf.Subject
		case s.Transform != nil:
			kind = "source on " + s.Transform.Source + ", partitioned by NATS: the JetStream stream's subject transform stores it as " + s.Transform.Destination
		case s.View && s.unread:
			kind = "view, read by no query: not run"
		case s.View:
			kind = "view"
		case s.Hidden:
			kind = "stage"
		case s.Derived:
			kind = "derived"
		}
		fmt.Fprintf(&b, "stream %s (%s): subject %s, %d partition(s)", s.Name, kind, s.Subject, s.Partitions)
		if len(s.Key) > 0 {
			fmt.Fprintf(&b, ", key %s", strings.Join(s.Key, ", "))
		}
		if s.EventTime != "" {
			fmt.Fprintf(&b, ", event_time %s, watermark_delay %s", s.EventTime, s.WatermarkDelay)
		}
		if s.JetStream != "" {
			fmt.Fprintf(&b, ", jetstream %s", s.JetStream)
		} else {
			b.WriteString(", core NATS (at most once)")
		}
		fmt.Fprintf(&b, ", dead letters to %s\n", s.DLQ)
		fmt.Fprintf(&b, "  columns: %s\n", schemaText(s.Columns))
		fmt.Fprintf(&b, "  kind: %s\n", KindText(s.Changelog, s.ChangelogKey))
	}
	for _, t := range pl.Tables {
		if t.Materialized() {
			fmt.Fprintf(&b, "table %s (materialized by query %s, in memory%s): %s\n  kind: %s\n", t.Name, t.Query.Name, kvWritten(t), schemaText(t.Columns), t.Query.OutputKindText())
		} else {
			fmt.Fprintf(&b, "table %s (KV bucket %s, loaded by a watch, in memory): key %s; %s\n  kind: %s (a put upserts, a delete deletes)\n", t.Name, t.Bucket, t.Columns[t.KeyIdx].Name, schemaText(t.Columns), KindText(true, []string{t.Columns[t.KeyIdx].Name}))
		}
	}
	for _, f := range pl.Functions {
		params := make([]string, len(f.Params))
		for i, p := range f.Params {
			params[i] = p.String()
		}
		batch := ""
		if e := f.batchExport(); e != "" {
			batch = ", batch export " + e + " for micro-batches"
		}
		fmt.Fprintf(&b, "function %s(%s) RETURNS %s: %s export %s (%s%s)\n", f.Name, strings.Join(params, ", "), f.Returns, f.Module, f.Export, f.Kind, batch)
	}
	for _, q := range pl.Queries {
		fmt.Fprintf(&b, "query %s: %s → %s, %d partition loop(s)", q.Name, q.Source.Name, q.Sink.Name, q.Source.Partitions)
		if q.Statement != "" {
			fmt.Fprintf(&b, " (a stage of %s)", q.Statement)
		}
		b.WriteString("\n")
		for p := 0; p < q.Source.Partitions; p++ {
			fmt.Fprintf(&b, "  partition %d: %s → %s\n", p, q.Source.PartitionSubject(p), sinkSubjects(q.Sink))
		}
		var read []string
		for i, r := range q.Read {
			if r {
				read = append(read, q.Source.Columns[i].Name)
			}
		}
		fmt.Fprintf(&b, "  input kind: %s\n", q.InputKindText())
		fmt.Fprintf(&b, "  output kind: %s\n", q.OutputKindText())
		fmt.Fprintf(&b, "  decode %s: %s\n", formatText(q.Source), strings.Join(read, ", "))
		if q.inChangelog && q.regular == nil {
			how := "from the key columns when a record has no Velort-Key header"
			if q.SourceKeyCols() == nil {
				how = "every record needs a Velort-Key header (the key is not in the payload)"
			}
			fmt.Fprintf(&b, "  changelog input: Velort-Op upsert|delete, last row per key kept (%s); each change retracts the old row and inserts the new\n", how)
		}
		if j := q.join; j != nil {
			kind, how := "INNER", "primary key"
			if j.outer {
				kind = "LEFT"
			}
			if j.tableCol != j.table.KeyIdx {
				how = "in-memory index on " + j.table.Columns[j.tableCol].Name
			}
			fmt.Fprintf(&b, "  lookup join (%s) with table %s on %s = %s (%s)\n", kind, j.table.Name, j.key, j.table.Columns[j.tableCol].Name, how)
		}
		if s := q.regular; s != nil {
			b.WriteString(s.explain(q.Source))
		}
		if s := q.interval; s != nil {
			other := s.other(q.Source)
			fmt.Fprintf(&b, "  interval join %s ⋈ %s on %s = %s, %s.%s − %s.%s ∈ [%dms, %dms]; also reads %s\n",
				s.left.Name, s.right.Name, s.leftKey, s.rightKey, s.right.Name, s.right.Columns[s.rightTime].Name,
				s.left.Name, s.left.Columns[s.leftTime].Name, s.lo, s.hi, other.Subject)
		}
		if q.shape.filter != nil {
			fmt.Fprintf(&b, "  filter: %s\n", q.shape.filter)
		}
		switch q.Kind {
		case "group":
			emit := "EMIT CHANGES"
			if q.Emit == runtime.EmitFinal {
				emit = "EMIT FINAL"
			}
			var keys []string
			for _, k := range q.shape.groupBy.GroupByExprs {
				keys = append(keys, k.String())
			}
			distinct := ""
			if q.shape.distinct {
				distinct = " (SELECT DISTINCT)"
			}
			fmt.Fprintf(&b, "  group by [%s]%s %s, %s\n", strings.Join(keys, ", "), distinct, windowText(q.Window), emit)
			if q.NeedsRepartition() && q.shape.topn == nil { // a Top-N's: topnExplain
				fmt.Fprintf(&b, "  repartition by group key through NATS: %s → %s … (%d loops aggregate)\n", q.RepartitionSubject(0, 0), q.RepartitionWildcard(0), q.Source.Partitions)
				if q.RepartitionNormalizes() {
					b.WriteString("  repartition, first half: keeps the last row per input key and forwards each change as a retraction of the old row (to its group key's partition) and an insertion of the new one\n")
				}
			}
			if q.shape.having != nil {
				fmt.Fprintf(&b, "  having: %s\n", q.shape.having)
			}
		case "rows":
			fmt.Fprintf(&b, "  row window (OVER): %d function(s), arrival order per partition\n", len(q.shape.window.SelectExprs))
		}
		if q.shape.topn != nil {
			b.WriteString(q.topnExplain())
		}
		fmt.Fprintf(&b, "  project: %s\n", schemaText(q.Columns))
		if calls := q.batchCalls(); len(calls) > 0 {
			fmt.Fprintf(&b, "  micro-batches: %s called once per micro-batch of records already received (batch entry point)\n", strings.Join(calls, ", "))
		}
		if q.TimeIdx >= 0 {
			fmt.Fprintf(&b, "  time: event time from %s\n", q.Source.Columns[q.TimeIdx].Name)
		} else if q.Stateful() {
			b.WriteString("  time: processing time\n")
		}
		if ttl := q.stateTTLMs(); ttl > 0 {
			what := "groups"
			if q.regular != nil {
				what = "join rows of both sides"
				if q.Kind == "group" {
					what = "join rows and groups"
				}
			}
			clock := "event time"
			if q.regular != nil && !q.ttlEventTime() || q.regular == nil && q.TimeIdx < 0 {
				clock = "arrival time"
			}
			fmt.Fprintf(&b, "  state_ttl: %s — %s whose last change is older than the watermark less %s are forgotten (by %s)\n",
				time.Duration(ttl)*time.Millisecond, what, time.Duration(ttl)*time.Millisecond, clock)
		}
		if q.Sink.Materialized != nil && q.outChangelog {
			fmt.Fprintf(&b, "  sink: table %s (upsert and delete by group%s)\n", q.Sink.Name, kvWritten(q.Sink.Materialized))
		} else if q.Sink.Materialized != nil {
			fmt.Fprintf(&b, "  sink: table %s (upsert by group)\n", q.Sink.Name)
		} else if q.outChangelog {
			fmt.Fprintf(&b, "  sink: %s, encode %s, headers Velort-Op (upsert|delete) and Velort-Key%s\n", sinkSubjects(q.Sink), formatText(q.Sink), templateText(q.Sink))
		} else {
			fmt.Fprintf(&b, "  sink: %s, encode %s%s\n", sinkSubjects(q.Sink), formatText(q.Sink), templateText(q.Sink))
		}
	}
	return b.String()
}

func groupedByKey(q *Query, keys []string) bool {
	for _, k := range q.Source.Key {
		found := false
		for _, g := range keys {
			if strings.EqualFold(g, q.Source.Name+"."+k) || strings.EqualFold(g, k) ||
				q.sourceAlias != "" && strings.EqualFold(g, q.sourceAlias+"."+k) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return len(q.Source.Key) > 0
}

func windowText(w runtime.WindowSpec) string {
	switch w.Kind {
	case runtime.Tumble:
		return fmt.Sprintf("TUMBLE %dms", w.Size)
	case runtime.Hop:
		return fmt.Sprintf("HOP slide %dms size %dms", w.Slide, w.Size)
	case runtime.Session:
		return fmt.Sprintf("SESSION gap %dms", w.Gap)
	}
	return "no window"
}

func sinkSubjects(s *Stream) string {
	if s.Partitions == 1 {
		return s.PartitionSubject(0)
	}
	return fmt.Sprintf("%s (%d partitions by %s)", s.Subject, s.Partitions, strings.Join(s.Key, ", "))
}

func schemaText(cols runtime.Schema) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.Name + " " + c.Type.String()
		if c.Meta != "" {
			parts[i] += " METADATA FROM '" + c.Meta + "'"
		}
	}
	return strings.Join(parts, ", ")
}

// batchExport is the batch entry point of a loaded function, or "".
func (f *Function) batchExport() string {
	if f.module == nil || f.index < 0 {
		return ""
	}
	return f.module.Functions()[f.index].Batch
}

// batchCalls names the user-function calls of q that the partition loop
// makes once per micro-batch (empty when it runs record at a time).
func (q *Query) batchCalls() []string {
	probe := &batchProbe{}
	p, _, err := q.compile(0, probe)
	if err != nil || !p.Batched() {
		return nil
	}
	var out []string
	count := map[string]int{}
	for _, n := range probe.names {
		if count[n]++; count[n] == 1 {
			out = append(out, n)
		}
	}
	for i, n := range out {
		if count[n] > 1 {
			out[i] = fmt.Sprintf("%s (%d calls)", n, count[n])
		}
	}
	return out
}

// batchProbe binds user functions for explain, recording the calls that
// compile to batch calls.
type batchProbe struct {
	typeOnlyUDFs
	names []string
}

func (p *batchProbe) batch(f *Function) (runtime.BatchFunc, error) {
	if f.batchExport() == "" {
		return nil, nil
	}
	p.names = append(p.names, f.Name)
	return func([][]runtime.Value, []runtime.Value) error { return nil }, nil
}

// explainStages draws each composed statement's graph: its stages in the
// order they run, each one's operator kind, output kind and key,
// partitions and the exchange it publishes to.
func (pl *Plan) explainStages(b *strings.Builder) {
	stages := map[string][]*Query{}
	var order []string
	for _, q := range pl.Queries {
		if q.Statement == "" {
			continue
		}
		if stages[q.Statement] == nil {
			order = append(order, q.Statement)
		}
		stages[q.Statement] = append(stages[q.Statement], q)
	}
	for _, st := range order {
		qs := stages[st]
		for _, q := range pl.Queries { // the statement's own query, last
			if q.Name == st && q.Statement == "" {
				qs = append(qs, q)
			}
		}
		fmt.Fprintf(b, "statement %s: %d stages\n", st, len(qs))
		for _, q := range qs {
			var in []string
			for _, s := range q.sources() {
				in = append(in, s.Name)
			}
			transport := "core NATS"
			if q.Sink.JetStream != "" {
				transport = "JetStream " + q.Sink.JetStream
			}
			out := fmt.Sprintf("exchange %s (%s, %d partition(s)", q.Sink.Subject, transport, q.Sink.Partitions)
			if len(q.Sink.Key) > 0 && q.Sink.Partitions > 1 {
				out += " by " + strings.Join(q.Sink.Key, ", ")
			}
			out += ")"
			if !q.Sink.Hidden && !q.Sink.View {
				out = "sink " + q.Sink.Name
			}
			fmt.Fprintf(b, "  %s: %s → %s [%s, %d loop(s)] → %s; %s\n", q.Sink.Name, strings.Join(in, " ⋈ "), q.Name, q.Kind, q.Source.Partitions, out, q.OutputKindText())
		}
	}
}

// templateText describes a sink's subject template and header columns.
func templateText(s *Stream) string {
	t := s.Template
	if t == nil {
		return ""
	}
	out := ""
	if len(t.Columns) > 0 {
		out += ", subject from columns " + strings.Join(t.Columns, ", ") + " (values escaped into tokens)"
	}
	for _, h := range t.Headers {
		out += fmt.Sprintf(", header %s from %s", h.Name, h.Column)
	}
	return out
}

// formatText is a stream's payload format as explain names it: a wasm
// codec with its module (and codec name when it picks one).
func formatText(s *Stream) string {
	f := s.PayloadFormat
	if s.Format != "wasm" || f == nil || f.CodecPath == "" {
		return s.Format
	}
	t := "wasm (codec " + filepath.Base(f.CodecPath)
	if f.CodecName != "" {
		t += "#" + f.CodecName
	}
	return t + ")"
}
