package bench

import (
	"errors"

	"github.com/velort/velort/runtime"
)

// changeIntake is the engine's version of what a partition loop does for
// a changelog input (SPEC §2 "Changelogs"): it keeps the last row of each
// key and hands the pipeline each record as the retraction of the key's
// old row and the insertion of the new one. In JSON mode it keeps raw
// payloads in a runtime.ChangeTable and decodes the old one, as the loop
// does; in row mode it keeps copies of the typed rows.
type changeIntake struct {
	keyCols []int
	key     []byte
	table   *runtime.ChangeTable // JSON mode
	oldRow  runtime.Row          // JSON mode: the decoded old payload
	slot    map[string]int       // row mode: key → index in rows
	rows    []runtime.Row
}

func newChangeIntake(keyCols []int, width int) *changeIntake {
	return &changeIntake{keyCols: keyCols, table: runtime.NewChangeTable(), oldRow: make(runtime.Row, width), slot: map[string]int{}}
}

func (ci *changeIntake) keyOf(r runtime.Row) []byte {
	ci.key = ci.key[:0]
	for i, c := range ci.keyCols {
		if i > 0 {
			ci.key = append(ci.key, '|')
		}
		ci.key = runtime.AppendChangeKey(ci.key, r[c])
	}
	return ci.key
}

// executeChange runs one upsert; msg is its payload in JSON mode (r then
// holds it decoded), nil in row mode.
func (e *engine) executeChange(r runtime.Row, msg []byte) error {
	ci := e.change
	key := ci.keyOf(r)
	var old runtime.Row
	if msg != nil {
		if prev, ok := ci.table.Apply(runtime.OpUpsert, key, msg); ok {
			if err := e.dec.Decode(prev, ci.oldRow); err != nil {
				return err
			}
			old = ci.oldRow
		}
	} else if i, ok := ci.slot[string(key)]; ok {
		old = ci.rows[i]
		defer copy(ci.rows[i], r) // after the old row was retracted
	} else {
		ci.slot[string(key)] = len(ci.rows)
		ci.rows = append(ci.rows, append(runtime.Row(nil), r...))
	}
	e.ctx.Reset()
	outs := e.pipe.ExecuteChange(&e.ctx, old, r, key, e.now)
	if e.ctx.Err != nil {
		return e.ctx.Err
	}
	if e.pipe.Ops() == nil {
		return errors.New("a query over a changelog must publish a changelog")
	}
	e.emit(outs)
	return nil
}
