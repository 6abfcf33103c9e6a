package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/planner"
	velrt "github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
)

// kvBucket returns the KV bucket of a table, created if missing.
func kvBucket(conn *transport.Conn, t *planner.Table) (nats.KeyValue, error) {
	kv, err := conn.KeyValue(nats.KeyValueConfig{Bucket: t.Bucket, Storage: nats.FileStorage})
	if err != nil {
		return nil, fmt.Errorf("table %s: KV bucket %s: %w", t.Name, t.Bucket, err)
	}
	return kv, nil
}

// replayTable puts each JSON line of path into the table's bucket under
// its primary key's KV key (appendKVKey; SPEC §4: before any stream is
// replayed).
func replayTable(log *slog.Logger, conn *transport.Conn, t *planner.Table, path string) (int, error) {
	kv, err := kvBucket(conn, t)
	if err != nil {
		return 0, err
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("--replay %s: %w", t.Name, err)
	}
	defer f.Close()
	read := make([]bool, len(t.Columns))
	read[t.KeyIdx] = true
	dec := velrt.NewDecoder(t.Columns, read)
	row := make(velrt.Row, len(t.Columns))
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	n, line := 0, 0
	for sc.Scan() {
		line++
		b := trimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if err := dec.Decode(b, row); err != nil || row[t.KeyIdx].T == velrt.TNull {
			return n, fmt.Errorf("--replay %s: %s line %d: no usable primary key %s (%v)", t.Name, path, line, t.Columns[t.KeyIdx].Name, err)
		}
		key := string(appendKVKey(nil, velrt.AppendChangeKey(nil, row[t.KeyIdx])))
		if _, err := kv.Put(key, append([]byte(nil), b...)); err != nil {
			return n, fmt.Errorf("--replay %s: %w", t.Name, err)
		}
		n++
	}
	return n, sc.Err()
}

// watchTable keeps t.Store equal to the bucket's contents: it loads every
// entry, returns once the initial values are in, and applies puts and
// deletes until ctx ends. Entries that do not decode are logged and skipped.
func watchTable(log *slog.Logger, ctx context.Context, conn *transport.Conn, t *planner.Table) error {
	kv, err := kvBucket(conn, t)
	if err != nil {
		return err
	}
	w, err := kv.WatchAll(nats.Context(ctx))
	if err != nil {
		return fmt.Errorf("table %s: watching %s: %w", t.Name, t.Bucket, err)
	}
	dec := velrt.NewDecoder(t.Columns, nil)
	row := make(velrt.Row, len(t.Columns))
	apply := func(e nats.KeyValueEntry) {
		key := []byte(tableKey(e.Key()))
		if e.Operation() != nats.KeyValuePut {
			t.Store.Delete(key)
			return
		}
		if err := dec.Decode(e.Value(), row); err != nil {
			log.Warn("table entry skipped", "table", t.Name, "key", e.Key(), "err", err)
			return
		}
		if row[t.KeyIdx].T == velrt.TNull { // the key column may be left out of the value
			v, err := keyValue(t.Columns[t.KeyIdx].Type, string(key))
			if err != nil {
				log.Warn("table entry skipped", "table", t.Name, "key", e.Key(), "err", err)
				return
			}
			row[t.KeyIdx] = v
		}
		t.Store.Put(key, row)
	}
	timeout := time.After(30 * time.Second)
	for loaded := false; !loaded; {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return fmt.Errorf("table %s: watch closed", t.Name)
			}
			if e == nil {
				loaded = true
				continue
			}
			apply(e)
		case <-timeout:
			return fmt.Errorf("table %s: the initial contents of %s did not arrive within 30s", t.Name, t.Bucket)
		}
	}
	log.Info("table loaded", "table", t.Name, "bucket", t.Bucket, "rows", t.Store.Len())
	go func() {
		defer w.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case e, ok := <-w.Updates():
				if !ok {
					return
				}
				if e != nil {
					apply(e)
				}
			}
		}
	}()
	return nil
}

// keyValue converts a KV key to the primary key column's type.
func keyValue(t velrt.Type, key string) (velrt.Value, error) {
	dec := velrt.NewDecoder(velrt.Schema{{Name: "k", Type: t}}, nil)
	row := make(velrt.Row, 1)
	q, _ := json.Marshal(key)
	quoted := []byte(`{"k":` + string(q) + `}`)
	if t == velrt.TInt || t == velrt.TDouble {
		quoted = []byte(`{"k":` + key + `}`)
	}
	if err := dec.Decode(quoted, row); err != nil {
		return velrt.Null, err
	}
	if row[0].S != nil {
		row[0].S = append([]byte(nil), row[0].S...)
	}
	return row[0], nil
}

// KV keys of changelogs (docs/sql.md "Tables and joins"). A materialized
// table with kv = 'bucket' stores each row under its Velort-Key text made
// a valid NATS KV key: letters, digits, '-', '_' and '/' as they are, '.'
// as it is unless it would start or end the key or follow another '.'
// (an empty subject token), and every other byte — '=' included — as '='
// and two upper-case hex digits ("AAPL|NYSE" is AAPL=7CNYSE, "a b" is
// a=20b). The empty key of a global aggregate is "=". The encoding is
// one-to-one, and a key of letters and digits is itself.
func appendKVKey(dst, key []byte) []byte {
	if len(key) == 0 {
		return append(dst, '=')
	}
	const hex = "0123456789ABCDEF"
	for i, b := range key {
		switch {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '-', b == '_', b == '/':
			dst = append(dst, b)
		case b == '.' && i > 0 && i < len(key)-1 && key[i-1] != '.':
			dst = append(dst, b)
		default:
			dst = append(dst, '=', hex[b>>4], hex[b&15])
		}
	}
	return dst
}

// kvKeyText is the Velort-Key text of a KV key (appendKVKey reversed): "="
// is the empty key, "=XX" the byte of hex XX; anything else — a key some
// other program wrote — is taken as it is.
func kvKeyText(k string) string {
	if k == "=" {
		return ""
	}
	if !strings.Contains(k, "=") {
		return k
	}
	b := make([]byte, 0, len(k))
	for i := 0; i < len(k); i++ {
		if k[i] == '=' && i+2 < len(k) && isHex(k[i+1]) && isHex(k[i+2]) {
			b = append(b, unhex(k[i+1])<<4|unhex(k[i+2]))
			i += 2
			continue
		}
		b = append(b, k[i])
	}
	return string(b)
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' || 'a' <= c && c <= 'f' }

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// tableKey is the in-memory key of a KV table's entry (what a join looks
// up: runtime.AppendKeyText of the primary key): the KV key's Velort-Key
// text with the escapes of one key part ("\|", "\\") undone. A NULL part
// (\N) and a key of several parts are kept as they are.
func tableKey(kvKey string) string {
	k := kvKeyText(kvKey)
	if !strings.Contains(k, `\`) || k == `\N` {
		return k
	}
	b := make([]byte, 0, len(k))
	for i := 0; i < len(k); i++ {
		if k[i] == '\\' && i+1 < len(k) && (k[i+1] == '\\' || k[i+1] == '|') {
			i++
		} else if k[i] == '|' {
			return k // several parts
		}
		b = append(b, k[i])
	}
	return string(b)
}

// kvWriter writes a materialized table's changelog into its KV bucket
// (partition.ChangeWriter): an upsert puts the row's JSON under the KV key
// of its Velort-Key, a delete deletes the key (KV-Operation: DEL, as nats
// kv del). Publishes are asynchronous JetStream publishes, in order; Wait
// waits for their acknowledgements.
type kvWriter struct {
	table, bucket string
	js            nats.JetStreamContext
	prefix        string // $KV.<bucket>.
	failed        atomic.Int64
	lastErr       atomic.Pointer[string]
}

func newKVWriter(log *slog.Logger, conn *transport.Conn, t *planner.Table, purge bool) (*kvWriter, error) {
	if _, err := kvBucket(conn, t); err != nil { // created if missing
		return nil, err
	}
	w := &kvWriter{table: t.Name, bucket: t.Bucket, prefix: "$KV." + t.Bucket + "."}
	js, err := conn.NC.JetStream(nats.PublishAsyncMaxPending(4096), nats.PublishAsyncErrHandler(func(_ nats.JetStream, m *nats.Msg, err error) {
		n := w.failed.Add(1)
		s := m.Subject + ": " + err.Error()
		w.lastErr.Store(&s)
		if n&(n-1) == 0 { // the 1st, 2nd, 4th, 8th… refusal: logged, never a flood
			log.Warn("KV bucket refused a write of a materialized table", "table", t.Name, "bucket", t.Bucket, "subject", m.Subject, "err", err, "refused", n)
		}
	}))
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", t.Name, err)
	}
	w.js = js
	if purge { // a --replay run computes the table afresh: the bucket holds its result only
		if err := js.PurgeStream("KV_" + t.Bucket); err != nil {
			return nil, fmt.Errorf("table %s: emptying KV bucket %s: %w", t.Name, t.Bucket, err)
		}
	}
	return w, nil
}

// WriteChange implements partition.ChangeWriter.
func (w *kvWriter) WriteChange(op velrt.Op, key, payload []byte) error {
	m := nats.NewMsg(w.prefix + string(appendKVKey(nil, key)))
	if op == velrt.OpDelete {
		m.Header.Set("KV-Operation", "DEL")
	} else {
		m.Data = append([]byte(nil), payload...)
	}
	for {
		_, err := w.js.PublishMsgAsync(m)
		if err == nil {
			return nil
		}
		if !errors.Is(err, nats.ErrTooManyStalledMsgs) {
			return fmt.Errorf("table %s: writing KV bucket %s: %w", w.table, w.bucket, err)
		}
		select { // acknowledgements are late: wait for them and retry
		case <-w.js.PublishAsyncComplete():
		case <-time.After(time.Second):
		}
	}
}

// Wait waits up to timeout for the bucket to acknowledge every write and
// reports writes it refused.
func (w *kvWriter) Wait(timeout time.Duration) error {
	select {
	case <-w.js.PublishAsyncComplete():
	case <-time.After(timeout):
		return fmt.Errorf("table %s: KV bucket %s did not acknowledge %d writes within %s", w.table, w.bucket, w.js.PublishAsyncPending(), timeout)
	}
	if n := w.failed.Load(); n > 0 {
		return fmt.Errorf("table %s: KV bucket %s refused %d writes (last: %s)", w.table, w.bucket, n, *w.lastErr.Load())
	}
	return nil
}

// feedWindow bounds how many changelog records a KV table's feed
// publishes ahead of what its query has processed.
const feedWindow = 8192

// feedTable publishes the changelog of KV table t to subject, read by the
// partition loop l of a query FROM t: a watch of the bucket gives its
// contents, then each change; a put is an upsert of the entry's row (the
// key column filled from the KV key when the value leaves it out), a
// delete or purge a delete (Velort-Key: the KV key's text). In a --replay
// run the contents are all: end of input follows them. A value that does
// not decode is published as it is, and the loop dead-letters it.
func feedTable(ctx context.Context, conn *transport.Conn, t *planner.Table, subject string, replay bool, l *partition.Loop) error {
	kv, err := kvBucket(conn, t)
	if err != nil {
		return err
	}
	w, err := kv.WatchAll(nats.Context(ctx))
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("table %s: watching %s: %w", t.Name, t.Bucket, err)
	}
	defer w.Stop()
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	dec, enc := velrt.NewDecoder(t.Columns, nil), velrt.NewEncoder(names)
	row := make(velrt.Row, len(t.Columns))
	var sent uint64
	for {
		var e nats.KeyValueEntry
		select {
		case <-ctx.Done():
			return nil
		case u, ok := <-w.Updates():
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("table %s: watch closed", t.Name)
			}
			e = u
		}
		if e == nil { // the contents are in
			if replay {
				return conn.NC.PublishMsg(partition.NewEOF(subject))
			}
			continue
		}
		m := nats.NewMsg(subject)
		m.Header.Set(partition.HeaderKey, kvKeyText(e.Key()))
		if e.Operation() != nats.KeyValuePut {
			m.Header.Set(partition.HeaderOp, velrt.OpDelete.String())
		} else {
			m.Header.Set(partition.HeaderOp, velrt.OpUpsert.String())
			m.Data = e.Value()
			if err := dec.Decode(e.Value(), row); err == nil {
				if row[t.KeyIdx].T == velrt.TNull {
					if v, err := keyValue(t.Columns[t.KeyIdx].Type, tableKey(e.Key())); err == nil {
						row[t.KeyIdx] = v
					}
				}
				m.Data = enc.Append(nil, row)
			}
		}
		if err := conn.NC.PublishMsg(m); err != nil {
			return fmt.Errorf("table %s: %w", t.Name, err)
		}
		sent++
		for sent > l.Stats.In.Load()+feedWindow && ctx.Err() == nil {
			time.Sleep(time.Millisecond)
		}
	}
}
