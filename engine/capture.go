package engine

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"slices"
	"sync"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/planner"
	velrt "github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
)

// capture writes what is published on a stream's (or a subject's)
// subjects to a file, one line per message.
type capture struct {
	name     string
	raw      bool            // a stream: the payload is the line; else {subject, headers, data}
	expected int             // end-of-input markers that complete a stream capture
	chg      *changeEnvelope // a changelog stream: each line is {"op","key","row"}
	file     *os.File
	w        *bufio.Writer
	sub      *nats.Subscription

	mu    sync.Mutex
	eofs  int
	done  chan struct{}
	close sync.Once
}

func openCapture(name, target string, stdout io.Writer, raw bool, expected int) (*capture, error) {
	c := &capture{name: name, raw: raw, expected: expected, done: make(chan struct{})}
	if target == "-" {
		c.w = bufio.NewWriter(stdout)
	} else {
		f, err := os.Create(target)
		if err != nil {
			return nil, err
		}
		c.file, c.w = f, bufio.NewWriter(f)
	}
	if raw && expected == 0 {
		close(c.done)
	}
	return c, nil
}

// subscribe starts capturing subject (may be a wildcard).
func (c *capture) subscribe(conn *transport.Conn, subject string) error {
	sub, err := conn.Subscribe(subject, c.handle)
	c.sub = sub
	return err
}

func (c *capture) handle(m *nats.Msg) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if partition.IsWatermark(m) { // a writer's progress announcement (partition/stage_watermark.go)
		return
	}
	if partition.IsEOF(m) {
		if c.raw {
			c.eofs++
			if c.eofs == c.expected {
				c.w.Flush()
				c.close.Do(func() { close(c.done) })
			}
		}
		return
	}
	if c.raw {
		if c.chg != nil {
			c.w.Write(c.chg.line(m))
		} else {
			c.w.Write(m.Data)
		}
		c.w.WriteByte('\n')
		return
	}
	headers := map[string]string{}
	for k, v := range m.Header {
		if len(v) > 0 {
			headers[k] = v[0]
		}
	}
	line, _ := json.Marshal(struct {
		Subject string            `json:"subject"`
		Headers map[string]string `json:"headers"`
		Data    string            `json:"data"`
	}{m.Subject, headers, string(m.Data)})
	c.w.Write(line)
	c.w.WriteByte('\n')
}

// finish drains the subscription and closes the file.
func (c *capture) finish() error {
	if c.sub != nil {
		_ = c.sub.Drain()
		for c.sub.IsValid() {
			runtimeGosched()
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.w.Flush()
	if c.file != nil {
		if cerr := c.file.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// changeEnvelope writes the records of a changelog stream as capture
// lines {"op":"upsert"|"delete","key":"<Velort-Key>","row":{…}}: the op and
// key travel in headers, so the payload alone would not tell an update
// from a delete. A record without Velort-Op is an upsert; one without
// Velort-Key gets the key text computed from its row (as the partition
// loop does); a delete with an empty payload has "row":null.
type changeEnvelope struct {
	keyIdx []int // the key columns in the row (nil: not all in it)
	dec    *velrt.Decoder
	row    velrt.Row
	buf    []byte
}

func newChangeEnvelope(s *planner.Stream) *changeEnvelope {
	e := &changeEnvelope{keyIdx: keyColumns(s)}
	if e.keyIdx != nil {
		read := make([]bool, len(s.Columns))
		for _, k := range e.keyIdx {
			read[k] = true
		}
		e.dec, e.row = velrt.NewDecoder(s.Columns, read), make(velrt.Row, len(s.Columns))
	}
	return e
}

// keyColumns returns the positions of a changelog stream's key columns,
// nil when one is not a column of its rows.
func keyColumns(s *planner.Stream) []int {
	idx := []int{}
	for _, k := range s.ChangelogKey {
		i := slices.IndexFunc(s.Columns, func(c velrt.Column) bool { return c.Name == k })
		if i < 0 {
			return nil
		}
		idx = append(idx, i)
	}
	return idx
}

// line returns the capture line of record m (valid until the next call).
func (e *changeEnvelope) line(m *nats.Msg) []byte {
	op := m.Header.Get(partition.HeaderOp)
	if op == "" {
		op = "upsert"
	}
	key, hasKey := m.Header.Get(partition.HeaderKey), len(m.Header.Values(partition.HeaderKey)) > 0
	if !hasKey && e.dec != nil && e.dec.Decode(m.Data, e.row) == nil {
		var k []byte
		for i, c := range e.keyIdx {
			if i > 0 {
				k = append(k, '|')
			}
			k = velrt.AppendChangeKey(k, e.row[c])
		}
		key, hasKey = string(k), true
	}
	b := append(e.buf[:0], `{"op":`...)
	q, _ := json.Marshal(op)
	b = append(b, q...)
	if hasKey {
		q, _ = json.Marshal(key)
		b = append(append(b, `,"key":`...), q...)
	}
	b = append(b, `,"row":`...)
	if data := bytes.TrimSpace(m.Data); len(data) > 0 && json.Valid(data) {
		b = append(b, data...)
	} else if len(data) > 0 { // not JSON (published by another program): kept as text
		q, _ = json.Marshal(string(data))
		b = append(b, q...)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, '}')
	e.buf = b
	return b
}
