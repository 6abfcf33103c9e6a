package engine

import (
	"fmt"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/planner"
	velrt "github.com/velort/velort/runtime"
)

// nativeConfig sets the payload formats of q's source and sink (SPEC §2
// "NATS-native streams") and refuses what the loops do not support yet:
// formats other than JSON or METADATA columns on a join, a changelog
// input or a repartitioned query.
func nativeConfig(q *planner.Query, cfg *partition.Config) error {
	src, sink := q.Source, q.Sink
	native := func(s *planner.Stream) bool { return s.PayloadFormat != nil || s.HasMetadata() }
	cfg.Format = src.PayloadFormat
	if sink.Materialized == nil && sink.PayloadFormat != nil {
		if _, err := sink.PayloadFormat.NewEncoder(q.Columns); err != nil {
			return fmt.Errorf("query %s: sink %s: %w", q.Name, sink.Name, err)
		}
		cfg.Sink.Format, cfg.Sink.Schema = sink.PayloadFormat, q.Columns
	}
	if l, r, _, _, ok := q.IntervalJoin(); ok && (native(l) || native(r)) {
		return fmt.Errorf("query %s: joins read JSON streams without METADATA columns for now (streams %s, %s)", q.Name, l.Name, r.Name)
	}
	if l, r, ok := q.RegularJoin(); ok && (native(l) || native(r)) {
		return fmt.Errorf("query %s: joins read JSON streams without METADATA columns for now (streams %s, %s)", q.Name, l.Name, r.Name)
	}
	if t := sink.Template; t != nil && sink.Materialized == nil {
		if len(t.Headers) > 0 && sink.JetStream == "" && q.OutputChangelog() {
			return fmt.Errorf("query %s: sink %s: headers = '...' on a changelog written to core NATS is not supported yet (declare the sink with jetstream = 'NAME')", q.Name, sink.Name)
		}
		pt := &partition.Template{}
		for _, p := range t.Parts {
			pt.Parts = append(pt.Parts, p)
		}
		for _, c := range t.Columns {
			pt.Cols = append(pt.Cols, q.Columns.Index(c))
		}
		for _, h := range t.Headers {
			pt.Headers = append(pt.Headers, partition.TemplateHeader{Name: h.Name, Col: q.Columns.Index(h.Column)})
		}
		cfg.Sink.Template = pt
	}
	if !native(src) {
		return nil
	}
	if q.InputChangelog() {
		return fmt.Errorf("query %s: a changelog input is read as JSON without METADATA columns for now (stream %s)", q.Name, src.Name)
	}
	return nil
}

// payloadDecoder decodes a payload of stream s in its format into row
// (read as for runtime.NewDecoder; metadata columns stay NULL): what
// --replay reads partition keys with.
func payloadDecoder(s *planner.Stream, read []bool) func([]byte, velrt.Row) error {
	if s.PayloadFormat == nil {
		return velrt.NewDecoder(s.Columns, read).Decode
	}
	var payload []int
	for i, c := range s.Columns {
		if c.Meta == "" {
			payload = append(payload, i)
		}
	}
	d, err := s.PayloadFormat.NewDecoder(s.Columns, payload, read)
	if err != nil {
		return func([]byte, velrt.Row) error { return err }
	}
	return func(b []byte, row velrt.Row) error {
		d.ResetScratch()
		return d.DecodeMore(b, row)
	}
}
