package partition

import "github.com/velort/velort/runtime"

// tableOutlet upserts each output into a materialized table under its
// group identity (deletes it for a changelog's delete) and, when the
// table is written into a KV bucket too (Sink.Changes), hands each
// changelog output to that writer (changesink.go).
type tableOutlet struct {
	l *Loop
}

func (o *tableOutlet) publish(rows []runtime.Row) error {
	l := o.l
	t := l.cfg.Sink.Table
	ops, keys := l.cfg.Pipeline.Ops(), l.cfg.Pipeline.Keys() // nil: append-only output
	ids := l.cfg.Pipeline.IDs()
	if ids == nil { // a changelog without a stage: rows are keyed like its input
		ids = keys
	}
	for i, r := range rows {
		if ops != nil && ops[i] == runtime.OpDelete {
			t.Delete(ids[i])
		} else {
			t.Put(ids[i], r)
		}
		if w := l.cfg.Sink.Changes; w != nil && keys != nil {
			l.out = l.enc.Append(l.out[:0], r)
			if err := w.WriteChange(ops[i], keys[i], l.out); err != nil {
				return err
			}
		}
		l.Stats.Out.Add(1)
	}
	return nil
}

func (o *tableOutlet) confirm() error    { return nil }
func (o *tableOutlet) markers() []string { return o.l.cfg.Sink.Subjects }
