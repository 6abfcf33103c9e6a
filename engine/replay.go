package engine

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/planner"
	velrt "github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
)

func runtimeGosched() { time.Sleep(time.Millisecond) }

var _ = runtime.NumCPU

// replayWindow bounds how far replay runs ahead of the slowest consumer,
// so nothing piles up without limit (replay is flow-controlled).
const replayWindow = 1 << 16

// replayFile publishes each line of path to s's partition subjects, then
// an end-of-input marker on each. progress reports how many records the
// slowest consumer of s has taken in (nil: no consumer in this process).
func replayFile(log *slog.Logger, nc *nats.Conn, s *planner.Stream, path string, progress func() uint64, bar func(int)) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("--replay %s: %w", s.Name, err)
	}
	defer f.Close()
	read := make([]bool, len(s.Columns))
	for _, k := range s.KeyIdx {
		read[k] = true
	}
	decode := payloadDecoder(s, read) // in the stream's format (native.go)
	row := make(velrt.Row, len(s.Columns))
	keyer := partition.NewKeyer(s.KeyIdx, s.Partitions)
	subjects := make([]string, s.Partitions)
	for p := range subjects {
		subjects[p] = s.PartitionSubject(p)
	}
	var js nats.JetStreamContext
	if s.JetStream != "" { // durable: ids make a repeated replay idempotent
		if js, err = nc.JetStream(nats.PublishAsyncMaxPending(8192)); err != nil {
			return 0, err
		}
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	n, lineNo, skipped := 0, 0, 0
	// Room for a line: the server's max_payload, less the message-id header
	// of a JetStream replay.
	room := int(nc.MaxPayload())
	if js != nil {
		room -= 64 + len(s.Name)
	}
	for sc.Scan() {
		lineNo++
		line := sc.Bytes()
		if len(trimSpace(line)) == 0 {
			continue
		}
		if len(line) > room { // NATS would refuse it: skipped, not fatal
			skipped++
			log.Warn("--replay: a line is larger than the NATS server's max_payload: skipped", "stream", s.Name, "file", path,
				"line", lineNo, "bytes", len(line), "max_payload", nc.MaxPayload())
			continue
		}
		var env *changeLine
		if s.Changelog {
			env = parseChangeLine(line)
			if env != nil {
				line = env.row
			}
		}
		p := 0
		if err := decode(line, row); err == nil {
			p = keyer.Partition(row)
		} else if env != nil && env.hasKey {
			p = transport.PartitionOf(velrt.ChangeKeyHashText(nil, []byte(env.key)), s.Partitions)
		}
		n++
		if js != nil || env != nil {
			m := nats.NewMsg(subjects[p])
			m.Data = append([]byte(nil), line...)
			if env != nil {
				m.Header.Set(partition.HeaderOp, env.op)
				if env.hasKey {
					m.Header.Set(partition.HeaderKey, env.key)
				}
			}
			if js == nil {
				if err := nc.PublishMsg(m); err != nil {
					return n, err
				}
			} else {
				m.Header.Set(nats.MsgIdHdr, "replay/"+s.Name+"/"+strconv.Itoa(n))
				if _, err := js.PublishMsgAsync(m, nats.StallWait(time.Minute)); err != nil {
					return n, err
				}
			}
		} else if err := nc.Publish(subjects[p], line); err != nil {
			return n, err
		}
		if bar != nil && n%1024 == 0 {
			bar(1024)
		}
		if js == nil && progress != nil && n%4096 == 0 {
			// A join's loops count both its streams' records: progress
			// may pass n (uint64(n)-progress() would wrap and wait forever).
			for uint64(n) > progress()+replayWindow {
				time.Sleep(time.Millisecond)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return n, fmt.Errorf("--replay %s: reading %s: %w", s.Name, path, err)
	}
	if bar != nil {
		bar(n % 1024)
	}
	if skipped > 0 {
		log.Warn("--replay: lines skipped for their size", "stream", s.Name, "file", path, "skipped", skipped)
	}
	if js != nil {
		select {
		case <-js.PublishAsyncComplete():
		case <-time.After(time.Minute):
			return n, fmt.Errorf("--replay %s: JetStream did not confirm the records within a minute", s.Name)
		}
	}
	return n, sendEOF(nc, s)
}

// changeLine is a replayed line of a changelog stream written as a
// capture writes it: {"op":"upsert"|"delete","key":"…","row":{…}}.
type changeLine struct {
	op     string
	key    string
	hasKey bool
	row    []byte // the row's JSON; empty for "row":null
}

// parseChangeLine reads line as a changelog envelope: an object whose
// members are "op" (a string), "row" (an object or null) and optionally
// "key" (a string), and nothing else. Any other line is a plain row
// (nil), an upsert whose key the partition loop computes.
func parseChangeLine(line []byte) *changeLine {
	if !bytes.Contains(line, []byte(`"op"`)) || !bytes.Contains(line, []byte(`"row"`)) {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(line, &m) != nil || len(m) > 3 {
		return nil
	}
	var e changeLine
	rawRow, ok := m["row"]
	if !ok || json.Unmarshal(m["op"], &e.op) != nil {
		return nil
	}
	if k, ok := m["key"]; ok && string(bytes.TrimSpace(k)) != "null" {
		if json.Unmarshal(k, &e.key) != nil {
			return nil
		}
		e.hasKey = true
	} else if len(m) == 3 && !ok {
		return nil
	}
	switch rawRow = bytes.TrimSpace(rawRow); {
	case string(rawRow) == "null":
	case len(rawRow) > 0 && rawRow[0] == '{':
		e.row = rawRow
	default:
		return nil
	}
	return &e
}

// sendEOF tells every reader of s that this writer is done.
func sendEOF(nc *nats.Conn, s *planner.Stream) error {
	for p := 0; p < s.Partitions; p++ {
		// Markers carry no message id: a re-run's marker must arrive even
		// when its records were deduplicated. A marker always follows all
		// records of its run in stream order; it names the replayer, so
		// that readers count an extra one (a re-run's) once.
		if err := nc.PublishMsg(partition.NewEOFFrom(s.PartitionSubject(p), "replay/"+s.Name)); err != nil {
			return err
		}
	}
	return nc.Flush()
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
