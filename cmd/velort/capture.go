package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"sync"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/transport"
)

// capture writes what is published on a stream's (or a subject's)
// subjects to a file, one line per message.
type capture struct {
	name     string
	raw      bool // a stream: the payload is the line; else {subject, headers, data}
	expected int  // end-of-input markers that complete a stream capture
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
		c.w.Write(m.Data)
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
