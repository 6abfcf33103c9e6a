package bench

import (
	"fmt"

	"github.com/velort/velort/runtime"
)

// initFormat gives a json-mode engine the formats' decoder and encoder
// when q's streams declare formats; release then frees them too.
func (e *engine) initFormat(q *query) error {
	f, err := newFormatIO(q)
	if err != nil || f == nil {
		return err
	}
	e.fio = f
	release := e.release
	e.release = func() { f.close(); release() }
	return nil
}

// decodeOne decodes one message into row in the source's format.
func (e *engine) decodeOne(msg []byte, row runtime.Row) error {
	if e.fio == nil || e.fio.dec == nil {
		return e.dec.Decode(msg, row)
	}
	e.fio.dec.ResetScratch()
	return e.fio.dec.DecodeMore(msg, row)
}

// decodeMore decodes a message of a micro-batch (see runtime.Decoder.DecodeMore).
func (e *engine) decodeMore(msg []byte, row runtime.Row) error {
	if e.fio == nil || e.fio.dec == nil {
		return e.dec.DecodeMore(msg, row)
	}
	return e.fio.dec.DecodeMore(msg, row)
}

// resetScratch starts a micro-batch.
func (e *engine) resetScratch() {
	if e.fio == nil || e.fio.dec == nil {
		e.dec.ResetScratch()
		return
	}
	e.fio.dec.ResetScratch()
}

// encodeOut encodes an output in the sink's format into e.buf; the first
// error is kept for finish.
func (e *engine) encodeOut(o runtime.Row) {
	if e.fio == nil || e.fio.enc == nil {
		e.buf = e.enc.Append(e.buf[:0], o)
		return
	}
	var err error
	if e.buf, err = e.fio.enc.Append(e.buf[:0], o); err != nil && e.fio.err == nil {
		e.fio.err = err
	}
}

// formatErr is the first output the sink's format could not encode.
func (e *engine) formatErr() error {
	if e.fio == nil || e.fio.err == nil {
		return nil
	}
	return fmt.Errorf("encode: %w", e.fio.err)
}
