package bench

import (
	"fmt"
	"strconv"

	"github.com/velort/velort/runtime"
)

// Dataset is a scenario's input, built in memory before any timing.
type Dataset struct {
	Schema   runtime.Schema
	Rows     []runtime.Row // typed records (engine mode)
	JSON     [][]byte      // the same records as JSON messages (json and nats modes); nil unless asked for
	Expected int64         // outputs the query must produce, end of input included

	join *joinData // join scenarios (dataset_join.go); nil otherwise
}

// checkColumns verifies that the generator writes the stream's columns.
func checkColumns(s *Scenario, g generator, schema runtime.Schema) error {
	cols := g.columns()
	if len(cols) != len(schema) {
		return fmt.Errorf("scenario %s: generator has %d columns, stream has %d", s.Name, len(cols), len(schema))
	}
	for i, c := range cols {
		if schema[i].Name != c {
			return fmt.Errorf("scenario %s: generator column %d is %s, stream column is %s", s.Name, i, c, schema[i].Name)
		}
	}
	return nil
}

// buildDataset generates n records of s for q's source stream.
func buildDataset(s *Scenario, q *query, n int, withJSON bool) (*Dataset, error) {
	if s.isJoin() {
		return buildJoinDataset(s, q, n, withJSON)
	}
	g := s.newGen()
	schema := q.Source.Columns
	if err := checkColumns(s, g, schema); err != nil {
		return nil, err
	}
	w := len(schema)
	slots := make([]runtime.Value, n*w)
	ds := &Dataset{Schema: schema, Rows: make([]runtime.Row, n)}
	for i := range ds.Rows {
		r := runtime.Row(slots[i*w : (i+1)*w : (i+1)*w])
		g.fill(i, r)
		ds.Rows[i] = r
	}
	ds.Expected = g.expected(ds.Rows)
	if withJSON && q.Source.PayloadFormat != nil { // the messages in the stream's format (payload_format.go)
		var err error
		if ds.JSON, err = encodePayloads(q, ds.Rows); err != nil {
			return nil, err
		}
	} else if withJSON {
		ds.JSON = encodeRows(schema, ds.Rows)
	}
	return ds, nil
}

// encodeRows writes each row as one JSON object in a shared buffer.
func encodeRows(schema runtime.Schema, rows []runtime.Row) [][]byte {
	heads := jsonHeads(schema)
	return encodeEach(rows, func(int) [][]byte { return heads })
}

// appendRecord writes a source record as a producer would: TIMESTAMP as
// epoch milliseconds, the rest as velort's encoder writes it.
func appendRecord(dst []byte, heads [][]byte, r runtime.Row) []byte {
	for i, v := range r {
		dst = append(dst, heads[i]...)
		if v.T == runtime.TTimestamp {
			dst = strconv.AppendInt(dst, v.I, 10)
		} else {
			dst = runtime.AppendValueJSON(dst, v)
		}
	}
	return append(dst, '}')
}
