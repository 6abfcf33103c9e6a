package bench

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/velort/velort/planner"
	"github.com/velort/velort/runtime"
)

// joinGen builds the data of a join scenario (q3, q8): records of one or
// two streams and, for a stream–table join, the table's rows.
type joinGen interface {
	// streams are the streams records belong to, by name, with their
	// columns in schema order: one for a stream–table join, two for an
	// interval join.
	streams() []joinStream
	// streamOf is the stream of record i (an index into streams).
	streamOf(i int) int
	// fill writes record i into r, a row of its stream's width.
	fill(i int, r runtime.Row)
	// table is the KV table the query looks up and its rows (all loaded
	// before timing) for a dataset of n records; "" when there is none.
	table(n int) (name string, columns []string, rows []runtime.Row)
	// expected is the number of outputs for the records (stream[i] is the
	// stream of rows[i]) and the table rows, computed without the engine.
	expected(stream []uint8, rows, table []runtime.Row) int64
}

type joinStream struct {
	name    string
	columns []string
}

// joinData is what a join scenario's dataset holds besides its records.
type joinData struct {
	// sides, for an interval join, is each record's side
	// (runtime.LeftSide or RightSide); subjects is each side's subject.
	sides    []uint8
	subjects [2]string
	// table, for a stream–table join, is the table the query looks up,
	// tableRows its contents and tableJSON the same as KV values (nats).
	table     *planner.Table
	tableRows []runtime.Row
	tableJSON [][]byte
	loaded    bool // the table holds tableRows
}

// isJoin reports whether s is a join scenario.
func (s *Scenario) isJoin() bool { return s.newJoin != nil }

// buildJoinDataset generates n records of a join scenario.
func buildJoinDataset(s *Scenario, q *query, n int, withJSON bool) (*Dataset, error) {
	g := s.newJoin()
	streams := g.streams()
	left, right, _, _, interval := q.IntervalJoin()
	want := 1
	if interval {
		want = 2
	}
	if len(streams) != want {
		return nil, fmt.Errorf("scenario %s: generator has %d streams, the query reads %d", s.Name, len(streams), want)
	}
	jd := &joinData{}
	schemas := make([]runtime.Schema, len(streams))
	sideOf := make([]uint8, len(streams))
	for k, st := range streams {
		var ps *planner.Stream
		switch {
		case !interval && strings.EqualFold(st.name, q.Source.Name):
			ps = q.Source
		case interval && strings.EqualFold(st.name, left.Name) && left != right:
			ps, sideOf[k] = left, runtime.LeftSide
		case interval && strings.EqualFold(st.name, right.Name) && left != right:
			ps, sideOf[k] = right, runtime.RightSide
		default:
			return nil, fmt.Errorf("scenario %s: the query does not read stream %s", s.Name, st.name)
		}
		if ps.Partitions != 1 {
			return nil, fmt.Errorf("scenario %s: stream %s has %d partitions, want 1", s.Name, ps.Name, ps.Partitions)
		}
		if err := sameColumns(s, ps.Name, st.columns, ps.Columns); err != nil {
			return nil, err
		}
		schemas[k] = ps.Columns
		jd.subjects[sideOf[k]] = ps.PartitionSubject(0)
	}

	ds := &Dataset{Schema: q.Source.Columns, Rows: make([]runtime.Row, n), join: jd}
	stream := make([]uint8, n)
	width := 0
	for i := range n {
		k := g.streamOf(i)
		stream[i] = uint8(k)
		width += len(schemas[k])
	}
	slots := make([]runtime.Value, width)
	for i := range ds.Rows {
		w := len(schemas[stream[i]])
		ds.Rows[i], slots = slots[:w:w], slots[w:]
		g.fill(i, ds.Rows[i])
	}
	if interval {
		jd.sides = make([]uint8, n)
		for i, k := range stream {
			jd.sides[i] = sideOf[k]
		}
	}

	name, cols, trows := g.table(n)
	if name != "" {
		t := q.pl.Table(name)
		if t == nil || t.Bucket == "" {
			return nil, fmt.Errorf("scenario %s: %s is not a KV-backed table of the plan", s.Name, name)
		}
		if err := sameColumns(s, name, cols, t.Columns); err != nil {
			return nil, err
		}
		jd.table, jd.tableRows = t, trows
	}
	ds.Expected = g.expected(stream, ds.Rows, trows)

	if withJSON {
		heads := make([][][]byte, len(schemas))
		for k, sc := range schemas {
			heads[k] = jsonHeads(sc)
		}
		ds.JSON = encodeEach(ds.Rows, func(i int) [][]byte { return heads[stream[i]] })
		if jd.table != nil {
			th := jsonHeads(jd.table.Columns)
			jd.tableJSON = encodeEach(trows, func(int) [][]byte { return th })
		}
	}
	return ds, nil
}

// sameColumns checks a generator's column names against a schema.
func sameColumns(s *Scenario, what string, cols []string, schema runtime.Schema) error {
	if len(cols) != len(schema) {
		return fmt.Errorf("scenario %s: generator has %d columns for %s, the plan %d", s.Name, len(cols), what, len(schema))
	}
	for i, c := range cols {
		if !strings.EqualFold(schema[i].Name, c) {
			return fmt.Errorf("scenario %s: generator column %d of %s is %s, the plan's is %s", s.Name, i, what, c, schema[i].Name)
		}
	}
	return nil
}

// jsonHeads are the `{"col":` / `,"col":` prefixes of a schema's fields.
func jsonHeads(schema runtime.Schema) [][]byte {
	heads := make([][]byte, len(schema))
	for i, c := range schema {
		sep := ","
		if i == 0 {
			sep = "{"
		}
		heads[i] = []byte(sep + strconv.Quote(c.Name) + ":")
	}
	return heads
}

// encodeEach writes each row as one JSON object (heads(i) gives row i's
// field prefixes) in a shared buffer.
func encodeEach(rows []runtime.Row, heads func(i int) [][]byte) [][]byte {
	var buf []byte
	ends := make([]int, len(rows))
	for i, r := range rows {
		buf = appendRecord(buf, heads(i), r)
		ends[i] = len(buf)
	}
	out := make([][]byte, len(rows))
	start := 0
	for i, end := range ends {
		out[i] = buf[start:end:end]
		start = end
	}
	return out
}

// loadTable puts the table rows into the table's store directly (engine
// and json modes), before the pipeline is compiled and before timing.
func (ds *Dataset) loadTable() {
	jd := ds.join
	if jd == nil || jd.table == nil || jd.loaded {
		return
	}
	t := jd.table
	var key []byte
	for _, r := range jd.tableRows {
		key = runtime.AppendKeyText(key[:0], r[t.KeyIdx])
		t.Store.Put(key, r)
	}
	jd.loaded = true
}
