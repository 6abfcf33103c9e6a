package partition

import (
	"math"
	"strconv"
	"time"
	"unsafe"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
)

// Changelog headers (SPEC §2 "Changelogs: results that update"). A record
// of a changelog stream carries HeaderOp (upsert or delete; absent on a
// source record means upsert) and HeaderKey, the text of its row key as
// partitioning hashes it (compound keys joined by '|').
const (
	HeaderOp  = "Velort-Op"
	HeaderKey = "Velort-Key"
	// OpRetract is the HeaderOp of a record the first half of a
	// repartitioned query forwards to take an earlier row back; it never
	// leaves velort's internal subjects.
	OpRetract = "retract"
)

// changeIntake is the state of a loop whose input is a changelog: the last
// row of each key (what an upsert replaces and a delete removes: its
// payload, and its decoded values, so that a change does not decode the
// old payload again), a second row to decode an old payload into when the
// table has no decoded row for it (restored from a checkpoint), and the
// current key text. A key of one BIGINT column is kept by its number
// (ChangeTable.KeyInts); a record without a Velort-Key header then looks
// its key up by the number, writing no key text, when nothing reads that
// text (intCol >= 0: the rows are retracted here and the pipeline's
// outputs are keyed by group, runtime.Pipeline.ChangeKeyUnused).
type changeIntake struct {
	table  *runtime.ChangeTable
	oldDec *runtime.Decoder
	oldRow runtime.Row
	key    []byte
	intCol int
}

func (ci *changeIntake) init(cfg *Config) {
	ci.table = runtime.NewChangeTable()
	ci.intCol = -1
	if k := cfg.ChangelogKey; len(k) == 1 && cfg.Schema[k[0]].Type == runtime.TInt {
		ci.table.KeyInts()
		if cfg.Forward == nil && cfg.Pipeline != nil && cfg.Pipeline.ChangeKeyUnused() {
			ci.intCol = k[0]
		}
	}
	if cfg.Forward == nil {
		// The old row of a change is retracted here: keep it decoded.
		ci.table.KeepRows(len(cfg.Schema), cfg.Read)
	}
	ci.oldDec = runtime.NewDecoder(cfg.Schema, cfg.Read)
	ci.oldRow = make(runtime.Row, len(cfg.Schema))
}

// ChangeTable is the loop's table of the last payload per key of its
// changelog input (nil when the input is append-only).
func (l *Loop) ChangeTable() *runtime.ChangeTable { return l.chg.table }

// headerValue returns the first value of a header, "" when absent. The
// names velort uses are in canonical form, as nats.go stores received
// headers, so this is a map lookup without allocation.
func headerValue(m *nats.Msg, name string) (string, bool) {
	if m.Header == nil {
		return "", false
	}
	vs := m.Header[name]
	if len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// processChange handles one record of a changelog input: its op
// (HeaderOp) and key (HeaderKey, else the key columns of the payload)
// update the partition's ChangeTable, and the replaced row is retracted
// while the new one is inserted (runtime.Pipeline.ExecuteChange). A record
// whose op is unknown, whose upsert payload does not decode, or whose key
// cannot be known is dead-lettered and leaves the table unchanged.
func (l *Loop) processChange(m *nats.Msg) error {
	l.Stats.In.Add(1)
	l.ctx.Reset()
	l.cur = m
	if l.clock {
		l.ctx.NowMs = time.Now().UnixMilli()
	}
	if l.srcMax != nil {
		return l.processForwarded(m)
	}
	opText, _ := headerValue(m, HeaderOp)
	op, ok := runtime.ParseOp(opText)
	if !ok {
		return l.deadLetter(m, "Velort-Op header "+strconv.Quote(opText)+" is neither upsert nor delete")
	}
	keyText, hasKey := headerValue(m, HeaderKey)
	decoded := false
	if op == runtime.OpUpsert || len(trimJSONSpace(m.Data)) > 0 {
		err := l.dec.Decode(m.Data, l.row)
		if err != nil && (op == runtime.OpUpsert || !hasKey) {
			return l.deadLetter(m, err.Error())
		}
		decoded = err == nil // a delete by Velort-Key needs no readable row
	}
	ci := &l.chg
	intKey := false
	switch {
	case hasKey:
		ci.key = append(ci.key[:0], keyText...)
	case !decoded:
		return l.deadLetter(m, "a delete with an empty payload needs a Velort-Key header naming the key it deletes")
	case l.cfg.ChangelogKey == nil:
		return l.deadLetter(m, "no Velort-Key header, and the stream's key is not in the record")
	case ci.intCol >= 0 && l.row[ci.intCol].T == runtime.TInt:
		intKey, ci.key = true, ci.key[:0] // looked up by number: no text
	default:
		ci.key = appendRowKey(ci.key[:0], l.row, l.cfg.ChangelogKey)
	}
	et := l.ctx.NowMs
	if l.cfg.TimeIdx >= 0 {
		if v := l.row[l.cfg.TimeIdx]; decoded && v.T != runtime.TNull {
			et = v.I
		} else if op == runtime.OpUpsert {
			return l.deadLetter(m, l.nullEventTime())
		} else {
			et, decoded = max(l.maxET, l.wm), false // a delete takes no time of its own
		}
	}
	if l.route != nil && decoded {
		if p := l.route.Partition(l.row); p != l.cfg.Partition {
			return l.misrouted(m, p)
		}
	}
	if l.cfg.Forward != nil {
		return l.forwardChange(m, op, et)
	}
	if l.cfg.AckAfter != nil && l.dur.ck == nil {
		// Without a checkpoint the table of last rows lives only in
		// memory: the input stays unacknowledged so that a restart
		// rebuilds it from the stream.
		l.dur.until = math.MaxInt64
	}
	var oldRow, newRow runtime.Row
	var id int32
	var had bool
	var at uint32
	if intKey {
		id, had = ci.table.LookupInt(l.row[ci.intCol].I)
	} else {
		id, had = ci.table.Lookup(ci.key)
	}
	if had {
		if oldRow = ci.table.OldRow(id); oldRow == nil && ci.oldDec.Decode(ci.table.Payload(id), ci.oldRow) == nil {
			oldRow = ci.oldRow
		}
		at = ci.table.At(id)
	}
	if op == runtime.OpUpsert {
		newRow = l.row
	}
	outs, at := l.cfg.Pipeline.ExecuteChangeAt(&l.ctx, oldRow, newRow, ci.key, et, at)
	if l.ctx.Err != nil {
		// A failed change leaves the stage's state as it was (ExecuteChange
		// puts a retracted row back), and publishes nothing: the key keeps
		// its old row here too.
		return l.deadLetter(m, l.ctx.Err.Error())
	}
	err := l.publish(outs)
	// The table changes once the outputs, which may hold the old row's
	// bytes, are published.
	if op == runtime.OpUpsert && intKey {
		ci.table.SetAt(ci.table.SetInt(id, l.row[ci.intCol].I, m.Data, l.row), at)
	} else if op == runtime.OpUpsert {
		ci.table.SetAt(ci.table.Set(id, ci.key, m.Data, l.row), at)
	} else if had {
		ci.table.Remove(id)
	}
	if err != nil {
		return err
	}
	if !decoded || (l.cfg.TimeIdx < 0 && !l.clock) {
		return nil
	}
	return l.observe(m, et)
}

// target returns the target partition of a row: its group key's hash.
func (f *forwarder) target(c *runtime.Ctx, r runtime.Row) int {
	f.buf = f.buf[:0]
	for i, k := range f.keys {
		if i > 0 {
			f.buf = append(f.buf, '|')
		}
		f.buf = AppendKeyText(f.buf, k(c, r))
	}
	return transport.PartitionOf(f.buf, len(f.subjects))
}

// appendRowKey appends the Velort-Key text of r's columns idx: each
// value's runtime.AppendChangeKey, joined by '|' (the text Keyer hashes,
// with '|', '\' and NULL escaped so that distinct keys differ).
func appendRowKey(dst []byte, r runtime.Row, idx []int) []byte {
	for i, c := range idx {
		if i > 0 {
			dst = append(dst, '|')
		}
		dst = runtime.AppendChangeKey(dst, r[c])
	}
	return dst
}

// trimJSONSpace drops leading and trailing JSON white space.
func trimJSONSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r' || b[len(b)-1] == '\n') {
		b = b[:len(b)-1]
	}
	return b
}

// changeOut is what a loop whose output is a changelog reuses to publish
// each record with its HeaderOp and HeaderKey.
type changeOut struct {
	msg nats.Msg
	op  []string
	key []string
}

// publishChange publishes one changelog output over core NATS.
func (l *Loop) publishChange(subject string, data []byte, op runtime.Op, key []byte) error {
	o := &l.chgOut
	if o.msg.Header == nil {
		o.op, o.key = make([]string, 1), make([]string, 1)
		o.msg.Header = nats.Header{HeaderOp: o.op, HeaderKey: o.key}
	}
	// nats.go encodes the headers before PublishMsg returns: the key's
	// bytes need not be copied into a string of their own.
	o.op[0], o.key[0] = op.String(), unsafe.String(unsafe.SliceData(key), len(key))
	o.msg.Subject, o.msg.Data = subject, data
	err := l.nc.PublishMsg(&o.msg)
	o.msg.Data, o.key[0] = nil, ""
	return err
}
