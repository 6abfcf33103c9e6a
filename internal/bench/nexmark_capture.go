package bench

import (
	"encoding/binary"
	"math"
	goruntime "runtime"
	"time"

	"github.com/velort/velort/runtime"
)

// outCapture is all the check does inside a run's timed section: each
// row of the checked stream, as the engine hands it out (its values, and
// a changelog's key, are only valid until the stage's next call: strings
// may alias buffers it reuses), is copied field by field into a byte
// buffer allocated before the run — per row the op, the key's bytes and,
// for each checked column, the value's type and what of it the check
// reads (appendCaptured). Nothing is put in canonical form, hashed or
// looked up there. replay, outside the timed section, rebuilds each row
// and hands it, in order, to the outSink, so the result and its check are
// the ones outSink.add called during the run would make.
//
// When the buffer is full (a run with more output than it holds), add
// first calls drain, which stops the clocks, replays what the buffer
// holds and starts them again (runGraph).
type outCapture struct {
	sink  *outSink
	cols  []int // the columns captured; nil: all of each row
	width int   // the width of a rebuilt row when cols is set
	buf   []byte
	full  int    // the length of buf beyond which add drains first
	drain func() // replay with the clocks stopped
	row   runtime.Row

	drains int // how many times the buffer was drained during the run
}

// captureBytes is the size of a run's capture buffer: small enough to be
// cheap to allocate before each run, large enough that draining it is
// rare (a few times per 1,000,000 events for q0, whose every bid is an
// output; never for most queries).
const captureBytes = 8 << 20

// captureSlack is room left in the buffer for the row add writes after
// checking that the buffer is not full (a longer row makes append grow
// the buffer: correct, only slower).
const captureSlack = 64 << 10

func newOutCapture(sink *outSink, size int) *outCapture {
	buf := make([]byte, size)
	for i := 0; i < size; i += 4096 {
		buf[i] = 1 // fault its pages in now, not in the timed section
	}
	c := &outCapture{sink: sink, buf: buf[:0], full: size - captureSlack}
	if sink.cols != nil {
		c.cols = sink.cols
		if sink.sumCol >= 0 {
			c.cols = append(append([]int(nil), sink.cols...), sink.sumCol)
		}
		for _, i := range c.cols {
			c.width = max(c.width, i+1)
		}
	}
	c.drain = c.replay
	return c
}

// add copies one row of the checked stream (op and key: a changelog's).
func (c *outCapture) add(r runtime.Row, op runtime.Op, key []byte) {
	if len(c.buf) > c.full {
		c.drain()
	}
	b := append(c.buf, byte(op))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(key)))
	b = append(b, key...)
	if c.cols == nil {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(r)))
		for i := range r {
			b = appendCaptured(b, &r[i])
		}
	} else {
		for _, i := range c.cols {
			b = appendCaptured(b, &r[i])
		}
	}
	c.buf = b
}

// capFull marks a value of a type appendCaptured has no short form for:
// every field follows.
const capFull = 0xff

// appendCaptured appends v: its type and what canonCell and a summed
// column read of it — the integer (also kept for NULL), the float's bits,
// a DECIMAL's scale and integer, a string's bytes; any other type with
// every field.
func appendCaptured(b []byte, v *runtime.Value) []byte {
	switch v.T {
	case runtime.TInt, runtime.TTimestamp, runtime.TBool, runtime.TNull:
		b = append(b, byte(v.T))
		return binary.LittleEndian.AppendUint64(b, uint64(v.I))
	case runtime.TString, runtime.TJSON:
		b = append(b, byte(v.T))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(v.S)))
		return append(b, v.S...)
	case runtime.TDouble:
		b = append(b, byte(v.T))
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(v.F))
	case runtime.TDecimal:
		b = append(b, byte(v.T), v.Scale)
		return binary.LittleEndian.AppendUint64(b, uint64(v.I))
	}
	b = append(b, capFull, byte(v.T), v.Scale)
	b = binary.LittleEndian.AppendUint64(b, uint64(v.I))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v.F))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(v.S)))
	return append(b, v.S...)
}

// readCaptured is the value appendCaptured wrote at the start of b (its
// string aliases b) and the rest of b.
func readCaptured(b []byte) (runtime.Value, []byte) {
	if b[0] == capFull {
		v := runtime.Value{T: runtime.Type(b[1]), Scale: b[2],
			I: int64(binary.LittleEndian.Uint64(b[3:])), F: math.Float64frombits(binary.LittleEndian.Uint64(b[11:]))}
		n := int(binary.LittleEndian.Uint32(b[19:]))
		b = b[23:]
		if n > 0 {
			v.S = b[:n:n]
		}
		return v, b[n:]
	}
	v := runtime.Value{T: runtime.Type(b[0])}
	switch v.T {
	case runtime.TString, runtime.TJSON:
		n := int(binary.LittleEndian.Uint32(b[1:]))
		b = b[5:]
		if n > 0 {
			v.S = b[:n:n]
		}
		return v, b[n:]
	case runtime.TDouble:
		v.F = math.Float64frombits(binary.LittleEndian.Uint64(b[1:]))
	case runtime.TDecimal:
		v.Scale = b[1]
		v.I = int64(binary.LittleEndian.Uint64(b[2:]))
		return v, b[10:]
	default:
		v.I = int64(binary.LittleEndian.Uint64(b[1:]))
	}
	return v, b[9:]
}

// replay hands every captured row, in order, to the sink and empties the
// buffer.
func (c *outCapture) replay() {
	for b := c.buf; len(b) > 0; {
		var r runtime.Row
		var op runtime.Op
		var key []byte
		r, op, key, b = c.decode(b)
		c.sink.add(r, op, key)
	}
	c.buf = c.buf[:0]
}

// decode rebuilds the row add wrote at the start of b (in c.row; its
// strings and key alias b) and returns it with its op and key, and the
// rest of b.
func (c *outCapture) decode(b []byte) (runtime.Row, runtime.Op, []byte, []byte) {
	op := runtime.Op(b[0])
	n := int(binary.LittleEndian.Uint32(b[1:]))
	key := b[5 : 5+n : 5+n]
	b = b[5+n:]
	if c.cols == nil {
		w := int(binary.LittleEndian.Uint32(b))
		b = b[4:]
		r := c.row[:0]
		for range w {
			var v runtime.Value
			v, b = readCaptured(b)
			r = append(r, v)
		}
		c.row = r
		return r, op, key, b
	}
	if c.row == nil {
		c.row = make(runtime.Row, c.width)
	}
	for _, i := range c.cols {
		c.row[i], b = readCaptured(b)
	}
	return c.row, op, key, b
}

// runClock measures the timed sections of a run: wall and process CPU
// time and heap allocations between start and stop, less the pauses.
type runClock struct {
	wall, cpu     time.Duration
	allocs, bytes uint64

	t0      time.Time
	cpu0    time.Duration
	ms      goruntime.MemStats
	allocs0 uint64
	bytes0  uint64
}

func (c *runClock) start() {
	goruntime.ReadMemStats(&c.ms)
	c.allocs0, c.bytes0 = c.ms.Mallocs, c.ms.TotalAlloc
	c.t0, c.cpu0 = time.Now(), cpuTime()
}

func (c *runClock) stop() {
	wall, cpu := time.Since(c.t0), cpuTime()-c.cpu0
	goruntime.ReadMemStats(&c.ms)
	c.wall += wall
	c.cpu += cpu
	c.allocs += c.ms.Mallocs - c.allocs0
	c.bytes += c.ms.TotalAlloc - c.bytes0
}
