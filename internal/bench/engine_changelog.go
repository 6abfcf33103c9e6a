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
//
// As in the loop, a key of one BIGINT column is kept by its number
// (ChangeTable.KeyInts), and its text is not written when the pipeline
// does not read it (Pipeline.ChangeKeyUnused).
type changeIntake struct {
	keyCols []int
	intCol  int // the key's one column when its text is not needed, else -1 (-2: not decided yet)
	key     []byte
	table   *runtime.ChangeTable
}

func newChangeIntake(keyCols []int, width int, read []bool) *changeIntake {
	t := runtime.NewChangeTable()
	t.KeepRows(width, read)
	ci := &changeIntake{keyCols: keyCols, table: t, intCol: -1}
	if len(keyCols) == 1 {
		// (The loop does this for a BIGINT key; for another one-column key
		// it changes nothing but the cost: a key is a text either way.)
		t.KeyInts()
		ci.intCol = -2 // decided at the first record, from the pipeline
	}
	return ci
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
	if ci.intCol == -2 {
		ci.intCol = -1
		if e.pipe.ChangeKeyUnused() {
			ci.intCol = ci.keyCols[0]
		}
	}
	var key []byte
	var old runtime.Row
	var id int32
	var had bool
	var at uint32
	intKey := ci.intCol >= 0 && r[ci.intCol].T == runtime.TInt
	if intKey {
		id, had = ci.table.LookupInt(r[ci.intCol].I)
	} else {
		key = ci.keyOf(r)
		id, had = ci.table.Lookup(key)
	}
	if had {
		if old = ci.table.OldRow(id); old == nil {
			return errors.New("the change table kept no row")
		}
		at = ci.table.At(id)
	}
	e.ctx.Reset()
	outs, at := e.pipe.ExecuteChangeAt(&e.ctx, old, r, key, e.now, at)
	if e.ctx.Err != nil {
		return e.ctx.Err
	}
	if e.pipe.Ops() == nil {
		return errors.New("a query over a changelog must publish a changelog")
	}
	e.emit(outs)
	if intKey {
		id = ci.table.SetInt(id, r[ci.intCol].I, msg, r)
	} else {
		id = ci.table.Set(id, key, msg, r)
	}
	ci.table.SetAt(id, at)
	return nil
}
