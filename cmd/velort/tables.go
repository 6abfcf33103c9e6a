package main

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/nats-io/nats.go"

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
// its primary key (SPEC §4: before any stream is replayed).
func replayTable(conn *transport.Conn, t *planner.Table, path string) (int, error) {
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
		key := string(velrt.AppendKeyText(nil, row[t.KeyIdx]))
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
func watchTable(ctx context.Context, conn *transport.Conn, t *planner.Table) error {
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
		key := []byte(e.Key())
		if e.Operation() != nats.KeyValuePut {
			t.Store.Delete(key)
			return
		}
		if err := dec.Decode(e.Value(), row); err != nil {
			slog.Warn("table entry skipped", "table", t.Name, "key", e.Key(), "err", err)
			return
		}
		if row[t.KeyIdx].T == velrt.TNull { // the key column may be left out of the value
			v, err := keyValue(t.Columns[t.KeyIdx].Type, e.Key())
			if err != nil {
				slog.Warn("table entry skipped", "table", t.Name, "key", e.Key(), "err", err)
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
	slog.Info("table loaded", "table", t.Name, "bucket", t.Bucket, "rows", t.Store.Len())
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
	quoted := []byte(`{"k":"` + key + `"}`)
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
