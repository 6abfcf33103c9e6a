package bench

import (
	"errors"

	"github.com/velort/velort/runtime"
)

// changeIntake is the engine's version of what a partition loop does for
// a changelog input (SPEC §2 "Changelogs"): it keeps the last row of each
// key in a runtime.ChangeTable, as the loop does (the decoded values of
// the columns the query reads; in JSON mode the payload too), and hands the
// pipeline each record as the retraction of the key's old row and the
// insertion of the new one.
type changeIntake struct {
	keyCols []int
	key     []byte
	table   *runtime.ChangeTable
}

func newChangeIntake(keyCols []int, width int, read []bool) *changeIntake {
	t := runtime.NewChangeTable()
	t.KeepRows(width, read)
	return &changeIntake{keyCols: keyCols, table: t}
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
	id, had := ci.table.Lookup(key)
	if had {
		if old = ci.table.OldRow(id); old == nil {
			return errors.New("the change table kept no row")
		}
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
	ci.table.Set(id, key, msg, r)
	return nil
}
