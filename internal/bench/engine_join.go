package bench

import (
	"errors"
	"fmt"

	"github.com/velort/velort/planner"
	"github.com/velort/velort/runtime"
)

// joinSides is the engine's state for an interval join, fed the way a
// partition loop with two sources feeds it: each record goes to its
// side's ExecuteSide, and the watermark is the minimum of the two sides'
// highest event times, minus the delay.
type joinSides struct {
	tcol [2]int   // event-time column of each side's row
	max  [2]int64 // highest event time seen per side
	dec  [2]*runtime.Decoder
	row  [2]runtime.Row
}

// initJoin prepares e for an interval join query (nothing otherwise).
func (e *engine) initJoin(q *query) {
	left, right, lt, rt, ok := q.IntervalJoin()
	if !ok {
		return
	}
	j := &joinSides{tcol: [2]int{lt, rt}, max: [2]int64{-1 << 62, -1 << 62}}
	if e.json {
		for side, s := range [2]*planner.Stream{left, right} {
			j.dec[side] = runtime.NewDecoder(s.Columns, q.SideRead(side))
			j.row[side] = make(runtime.Row, len(s.Columns))
		}
	}
	e.join = j
}

// executeSide runs one record of an interval join's side.
func (e *engine) executeSide(side int, r runtime.Row) error {
	j := e.join
	t := r[j.tcol[side]]
	if t.T == runtime.TNull {
		return errors.New("the join's time column is NULL")
	}
	e.ctx.Reset()
	outs := e.pipe.ExecuteSide(&e.ctx, side, r, t.I)
	if e.ctx.Err != nil {
		return e.ctx.Err
	}
	e.emit(outs)
	if t.I > j.max[side] {
		j.max[side] = t.I
		if wm := min(j.max[0], j.max[1]); wm > -1<<62 {
			return e.advance(wm - e.delay)
		}
	}
	return nil
}

// feedSides runs every record of ds (an interval join's two streams).
func (e *engine) feedSides(ds *Dataset, json bool) error {
	j := e.join
	for i, side := range ds.join.sides {
		var err error
		if json {
			if err = j.dec[side].Decode(ds.JSON[i], j.row[side]); err == nil {
				err = e.executeSide(int(side), j.row[side])
			}
		} else {
			err = e.executeSide(int(side), ds.Rows[i])
		}
		if err != nil {
			return fmt.Errorf("record %d: %w", i, err)
		}
	}
	return nil
}
