package bench

import (
	"fmt"

	"github.com/velort/velort/runtime"
)

// microBatch is partition.Loop's bound on a micro-batch.
const microBatch = 256

// feedRows executes records: a micro-batch at a time when the pipeline
// is batched (as partition.Loop does with input waiting), else one by one.
func (e *engine) feedRows(rows []runtime.Row) error {
	if !e.batched {
		for i, r := range rows {
			if err := e.execute(r); err != nil {
				return fmt.Errorf("record %d: %w", i, err)
			}
		}
		return nil
	}
	for i := 0; i < len(rows); i += microBatch {
		if err := e.executeBatch(rows[i:min(i+microBatch, len(rows))]); err != nil {
			return fmt.Errorf("micro-batch at record %d: %w", i, err)
		}
	}
	return nil
}

// feedJSON decodes and executes messages, batched as feedRows.
func (e *engine) feedJSON(msgs [][]byte) error {
	if !e.batched {
		for i, m := range msgs {
			if err := e.executeJSON(m); err != nil {
				return fmt.Errorf("record %d: %w", i, err)
			}
		}
		return nil
	}
	for i := 0; i < len(msgs); i += microBatch {
		chunk := msgs[i:min(i+microBatch, len(msgs))]
		for len(e.brows) < len(chunk) {
			e.brows = append(e.brows, make(runtime.Row, len(e.row)))
		}
		e.resetScratch()
		for k, m := range chunk {
			if err := e.decodeMore(m, e.brows[k]); err != nil {
				return fmt.Errorf("record %d: decode: %w", i+k, err)
			}
		}
		if err := e.executeBatch(e.brows[:len(chunk)]); err != nil {
			return fmt.Errorf("micro-batch at record %d: %w", i, err)
		}
	}
	return nil
}

// executeBatch runs one micro-batch of a stateless query: filter, the
// batch calls, then the projection of each row that passed.
func (e *engine) executeBatch(rows []runtime.Row) error {
	p := e.pipe
	e.passed = e.passed[:0]
	for _, r := range rows {
		e.ctx.Reset()
		if p.PassesFilter(&e.ctx, r) {
			e.passed = append(e.passed, r)
		}
		if e.ctx.Err != nil {
			return e.ctx.Err
		}
	}
	return p.ExecuteBatch(&e.ctx, e.passed, e.emitBatchRow)
}

func (e *engine) emitBatchRow(_ int, outs []runtime.Row) error {
	if e.ctx.Err != nil {
		return e.ctx.Err
	}
	e.emit(outs)
	return nil
}
