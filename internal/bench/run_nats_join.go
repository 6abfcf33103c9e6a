package bench

import (
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/runtime"
)

// loadTableKV is a stream–table join's table in nats mode, before the
// pipeline is compiled and before timing: the rows are put into the
// table's KV bucket under their primary key, and the table is then loaded
// from the bucket into a fresh store as `velort run` loads it (a watch of
// every entry, decoded and put, until the initial values are in). The
// bench's tables are looked up by their key, so the fresh store needs no
// secondary index.
func (ds *Dataset) loadTableKV(env *natsEnv) error {
	jd := ds.join
	if jd == nil || jd.table == nil || jd.loaded {
		return nil
	}
	t := jd.table
	js, err := env.producer.NC.JetStream(nats.PublishAsyncMaxPending(4096))
	if err != nil {
		return err
	}
	kv, err := env.producer.KeyValue(nats.KeyValueConfig{Bucket: t.Bucket, Storage: nats.FileStorage})
	if err != nil {
		return fmt.Errorf("table %s: KV bucket %s: %w", t.Name, t.Bucket, err)
	}
	var key []byte
	for i, r := range jd.tableRows {
		key = runtime.AppendKeyText(key[:0], r[t.KeyIdx])
		if _, err := js.PublishAsync("$KV."+t.Bucket+"."+string(key), jd.tableJSON[i], nats.StallWait(natsStall)); err != nil {
			return fmt.Errorf("table %s: put %s: %w", t.Name, key, err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(natsStall):
		return fmt.Errorf("table %s: %d puts unacknowledged after %s", t.Name, js.PublishAsyncPending(), natsStall)
	}

	t.Store = runtime.NewTable(t.Columns)
	w, err := kv.WatchAll()
	if err != nil {
		return fmt.Errorf("table %s: watching %s: %w", t.Name, t.Bucket, err)
	}
	defer w.Stop()
	dec := runtime.NewDecoder(t.Columns, nil)
	row := make(runtime.Row, len(t.Columns))
	timeout := time.After(natsStall)
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return fmt.Errorf("table %s: watch closed", t.Name)
			}
			if e == nil { // the initial values are in
				if n := t.Store.Len(); n != len(jd.tableRows) {
					return fmt.Errorf("table %s: %d rows loaded from %s, %d put", t.Name, n, t.Bucket, len(jd.tableRows))
				}
				jd.loaded = true
				return nil
			}
			if e.Operation() != nats.KeyValuePut {
				continue
			}
			if err := dec.Decode(e.Value(), row); err != nil {
				return fmt.Errorf("table %s: entry %s: %w", t.Name, e.Key(), err)
			}
			t.Store.Put([]byte(e.Key()), row)
		case <-timeout:
			return fmt.Errorf("table %s: the contents of %s did not arrive within %s", t.Name, t.Bucket, natsStall)
		}
	}
}

// configureJoin makes cfg an interval join's loop, reading both streams
// as `velort run` does (partition.Joined), and returns the subject of each
// side; nil for a query that is not an interval join.
func configureJoin(q *query, ds *Dataset, cfg *partition.Config) []string {
	left, right, lt, rt, ok := q.IntervalJoin()
	if !ok {
		return nil
	}
	j := &partition.Joined{Side: runtime.LeftSide, TimeIdx: lt, OtherTime: rt, Schema: right.Columns}
	other := right
	if right == q.Source {
		j = &partition.Joined{Side: runtime.RightSide, TimeIdx: rt, OtherTime: lt, Schema: left.Columns}
		other = left
	}
	j.Subject = other.PartitionSubject(0)
	cfg.Joined = j
	cfg.EOFWriters = 2 // one end-of-input marker per stream
	return ds.join.subjects[:]
}
