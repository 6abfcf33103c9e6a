package bench

import (
	"errors"
	"fmt"
	"time"

	"github.com/velort/velort/runtime"
)

// clockEvery is how many records share one reading of the processing-time
// clock (a partition loop reads it per record; here it is amortised so
// that the clock does not dominate a 100 ns record).
const clockEvery = 1024

// engine feeds one partition's pipeline the way partition.Loop does:
// per record ctx.Reset → Execute → outputs, and Advance with the
// watermark whenever event time moves forward; at the end,
// Advance(EndOfTime). With JSON set, records are decoded from messages
// first and every output is encoded.
type engine struct {
	pipe    *runtime.Pipeline
	release func() // frees the pipeline's wasm instances
	ctx     runtime.Ctx
	timeIdx int
	delay   int64
	maxET   int64
	wm      int64
	now     int64
	clock   int

	outs  int64 // outputs produced
	late  int64 // records dropped as late
	bytes int64 // encoded output bytes (JSON)

	join   *joinSides    // interval joins (engine_join.go); nil otherwise
	change *changeIntake // a changelog input (engine_changelog.go); nil otherwise

	batched bool          // micro-batches (engine_batch.go); see runtime.Pipeline.Batched
	brows   []runtime.Row // decoded rows of a micro-batch (JSON)
	passed  []runtime.Row

	json bool
	fio  *formatIO // the formats' decoder and encoder of a format scenario (payload_engine.go)
	dec  *runtime.Decoder
	enc  *runtime.Encoder
	row  runtime.Row
	buf  []byte
}

func newEngine(q *query, json bool) (*engine, error) {
	pipe, release, err := q.pipeline()
	if err != nil {
		return nil, err
	}
	e := &engine{
		pipe:    pipe,
		release: release,
		timeIdx: q.TimeIdx,
		delay:   q.Source.WatermarkDelay.Milliseconds(),
		maxET:   -1 << 62,
		wm:      -1 << 62,
		json:    json,
		batched: pipe.Batched(),
	}
	if json {
		names := make([]string, len(q.Columns))
		for i, c := range q.Columns {
			names[i] = c.Name
		}
		e.dec = runtime.NewDecoder(q.Source.Columns, q.Read)
		e.enc = runtime.NewEncoder(names)
		e.row = make(runtime.Row, len(q.Source.Columns))
		e.buf = make([]byte, 0, 1024)
		if err := e.initFormat(q); err != nil {
			release()
			return nil, err
		}
	}
	e.initJoin(q)
	if q.InputChangelog() {
		e.change = newChangeIntake(q.SourceKeyCols(), len(q.Source.Columns), q.Read)
		e.batched = false
	}
	return e, nil
}

// executeJSON decodes one message and executes it.
func (e *engine) executeJSON(msg []byte) error {
	if err := e.decodeOne(msg, e.row); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	if e.change != nil {
		return e.executeChange(e.row, msg)
	}
	return e.execute(e.row)
}

// execute runs one record.
func (e *engine) execute(r runtime.Row) error {
	if e.change != nil {
		return e.executeChange(r, nil)
	}
	e.ctx.Reset()
	if e.clock == 0 {
		e.now, e.clock = time.Now().UnixMilli(), clockEvery
	}
	e.clock--
	e.ctx.NowMs = e.now
	et := e.now
	if e.timeIdx >= 0 {
		if r[e.timeIdx].T == runtime.TNull {
			return errors.New("event time is NULL")
		}
		et = r[e.timeIdx].I
	}
	outs := e.pipe.Execute(&e.ctx, r, et)
	if e.ctx.Err != nil {
		var late *runtime.LateError
		if errors.As(e.ctx.Err, &late) {
			e.late++
			return nil
		}
		return e.ctx.Err
	}
	e.emit(outs)
	if et > e.maxET {
		e.maxET = et
		return e.advance(et - e.delay)
	}
	return nil
}

func (e *engine) advance(wm int64) error {
	if wm <= e.wm {
		return nil
	}
	e.wm = wm
	if e.pipe.Stage == nil && e.pipe.Join == nil {
		return nil
	}
	e.ctx.Reset()
	outs := e.pipe.Advance(&e.ctx, wm)
	if e.ctx.Err != nil {
		return e.ctx.Err
	}
	e.emit(outs)
	return nil
}

// emit counts (and in JSON mode encodes) outputs.
func (e *engine) emit(outs []runtime.Row) {
	e.outs += int64(len(outs))
	if e.json {
		for _, o := range outs {
			e.encodeOut(o)
			e.bytes += int64(len(e.buf))
		}
	}
}

// finish is end of input: every open window is emitted.
func (e *engine) finish() error {
	e.wm = runtime.EndOfTime - 1
	if e.pipe.Stage == nil && e.pipe.Join == nil {
		return nil
	}
	e.ctx.Reset()
	outs := e.pipe.Advance(&e.ctx, runtime.EndOfTime)
	if e.ctx.Err != nil {
		return e.ctx.Err
	}
	e.emit(outs)
	return nil
}
