// Command msgpack is an example velort codec in Go (format = 'wasm',
// codec = 'msgpack.wasm'): each payload is one MessagePack map of column
// name → value, as plugins/examples/c/msgpack.c reads and writes it (the C
// one is the fast one; this one shows the Go SDK's codec API). Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o msgpack.wasm .
package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/velort/velort/plugins/sdk/go/velort"
)

func init() { velort.RegisterCodec("msgpack", &codec{}) }

func main() {}

type codec struct {
	cols  []velort.Column
	index map[string]int // column by lower-case name
}

func (c *codec) Init(cols []velort.Column, _ velort.CodecMode) error {
	c.cols = cols
	c.index = make(map[string]int, len(cols))
	for k, col := range cols {
		c.index[strings.ToLower(col.Name)] = k
	}
	return nil
}

// reader walks a payload.
type reader struct {
	b   []byte
	off int
	at  int // where the value being read starts, for errors
}

var errShort = errors.New("payload ends inside a value")

func (r *reader) fail(what string) error {
	return fmt.Errorf("msgpack: %s at offset %d", what, r.at)
}

func (r *reader) take(n int) ([]byte, error) {
	if n < 0 || len(r.b)-r.off < n {
		return nil, r.fail(errShort.Error())
	}
	b := r.b[r.off : r.off+n]
	r.off += n
	return b, nil
}

// length reads a big-endian length of w bytes.
func (r *reader) length(w int) (int, error) {
	b, err := r.take(w)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, x := range b {
		n = n<<8 | int(x)
	}
	return n, nil
}

// str reads a str; ok is false when the next value is not one.
func (r *reader) str() (s []byte, ok bool, err error) {
	r.at = r.off
	if r.off >= len(r.b) {
		return nil, false, r.fail(errShort.Error())
	}
	t := r.b[r.off]
	var n int
	switch {
	case t&0xe0 == 0xa0:
		r.off++
		n = int(t & 0x1f)
	case t == 0xd9 || t == 0xda || t == 0xdb:
		r.off++
		if n, err = r.length(1 << (t - 0xd9)); err != nil {
			return nil, true, err
		}
	default:
		return nil, false, nil
	}
	s, err = r.take(n)
	return s, true, err
}

// value reads one value into column k of row (k < 0: skip it).
func (r *reader) value(row velort.Row, k int, depth int) error {
	if depth > 64 {
		return r.fail("values nested deeper than 64")
	}
	if s, ok, err := r.str(); ok || err != nil {
		if err == nil && k >= 0 {
			if r.json(k) {
				row.SetJSON(k, s)
			} else {
				row.SetText(k, s)
			}
		}
		return err
	}
	at := r.off
	r.at = at
	t := r.b[r.off]
	r.off++
	setInt := func(i int64) error {
		if k >= 0 {
			row.SetInt(k, i)
		}
		return nil
	}
	switch {
	case t <= 0x7f:
		return setInt(int64(t))
	case t >= 0xe0:
		return setInt(int64(int8(t)))
	case t == 0xc0:
		return nil
	case t == 0xc2 || t == 0xc3:
		if k >= 0 {
			row.SetBool(k, t == 0xc3)
		}
		return nil
	case t >= 0xcc && t <= 0xd3:
		w := 1 << ((t - 0xcc) & 3)
		b, err := r.take(w)
		if err != nil {
			return err
		}
		var u uint64
		for _, x := range b {
			u = u<<8 | uint64(x)
		}
		if t <= 0xcf { // unsigned
			if u > math.MaxInt64 {
				r.off = at
				return r.fail("uint 64 beyond BIGINT")
			}
			return setInt(int64(u))
		}
		shift := 64 - 8*w
		return setInt(int64(u<<shift) >> shift)
	case t == 0xca:
		b, err := r.take(4)
		if err == nil && k >= 0 {
			row.SetDouble(k, float64(math.Float32frombits(binary.BigEndian.Uint32(b))))
		}
		return err
	case t == 0xcb:
		b, err := r.take(8)
		if err == nil && k >= 0 {
			row.SetDouble(k, math.Float64frombits(binary.BigEndian.Uint64(b)))
		}
		return err
	case t >= 0xc4 && t <= 0xc6:
		n, err := r.length(1 << (t - 0xc4))
		if err != nil {
			return err
		}
		b, err := r.take(n)
		if err == nil && k >= 0 {
			row.SetBytes(k, b)
		}
		return err
	case t == 0xd6 || t == 0xd7 || t == 0xc7 || t == 0xd4 || t == 0xd5 || t == 0xd8 || t == 0xc8 || t == 0xc9:
		var n int
		var err error
		switch t {
		case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
			n = 1 << (t - 0xd4)
		case 0xc7, 0xc8, 0xc9:
			n, err = r.length(1 << (t - 0xc7))
		}
		if err != nil {
			return err
		}
		typ, err := r.take(1)
		if err != nil {
			return err
		}
		b, err := r.take(n)
		if err != nil || k < 0 {
			return err
		}
		if int8(typ[0]) != -1 || (n != 4 && n != 8 && n != 12) {
			r.off = at
			return r.fail("an extension other than timestamp")
		}
		var sec int64
		var nsec uint32
		switch n {
		case 4:
			sec = int64(binary.BigEndian.Uint32(b))
		case 8:
			v := binary.BigEndian.Uint64(b)
			nsec, sec = uint32(v>>34), int64(v&(1<<34-1))
		default:
			nsec, sec = binary.BigEndian.Uint32(b), int64(binary.BigEndian.Uint64(b[4:]))
		}
		row.SetTimestamp(k, velort.Timestamp(sec*1000+int64(nsec/1e6)))
		return nil
	case t&0xf0 == 0x90 || t&0xf0 == 0x80 || t == 0xdc || t == 0xdd || t == 0xde || t == 0xdf:
		if k >= 0 {
			r.off = at
			return r.fail("a nested array or map for a column")
		}
		var n int
		var err error
		switch {
		case t&0xf0 == 0x90 || t&0xf0 == 0x80:
			n = int(t & 0x0f)
		case t == 0xdc || t == 0xde:
			n, err = r.length(2)
		default:
			n, err = r.length(4)
		}
		if err != nil {
			return err
		}
		if t&0xf0 == 0x80 || t == 0xde || t == 0xdf {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if err := r.value(row, -1, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	r.off = at
	return r.fail("byte 0x" + strconv.FormatUint(uint64(t), 16) + " (never used)")
}

var jsonCols []bool

func (r *reader) json(k int) bool { return k < len(jsonCols) && jsonCols[k] }

func (c *codec) Decode(payload []byte, row velort.Row) error {
	if len(jsonCols) != len(c.cols) {
		jsonCols = make([]bool, len(c.cols))
		for k, col := range c.cols {
			jsonCols[k] = col.Type == velort.TagJSON
		}
	}
	r := &reader{b: payload}
	if len(payload) == 0 {
		return r.fail(errShort.Error())
	}
	var n int
	var err error
	switch t := payload[0]; {
	case t&0xf0 == 0x80:
		r.off, n = 1, int(t&0x0f)
	case t == 0xde || t == 0xdf:
		r.off = 1
		n, err = r.length(2 << (t - 0xde))
	default:
		return r.fail("the payload is not a map")
	}
	if err != nil {
		return err
	}
	for e := 0; e < n; e++ {
		key, ok, err := r.str()
		if err != nil {
			return err
		}
		if !ok {
			return r.fail("a map key that is not a string")
		}
		k, found := c.index[strings.ToLower(string(key))]
		if !found || !c.cols[k].Read {
			k = -1
		}
		if err := r.value(row, k, 0); err != nil {
			return err
		}
	}
	if r.off != len(payload) {
		r.at = r.off
		return r.fail("bytes after the map")
	}
	return nil
}

func appendStr(b []byte, s []byte) []byte {
	switch n := len(s); {
	case n < 32:
		b = append(b, 0xa0|byte(n))
	case n < 256:
		b = append(b, 0xd9, byte(n))
	case n < 65536:
		b = append(b, 0xda, byte(n>>8), byte(n))
	default:
		b = append(b, 0xdb)
		b = binary.BigEndian.AppendUint32(b, uint32(n))
	}
	return append(b, s...)
}

func appendInt(b []byte, i int64) []byte {
	switch {
	case i >= 0 && i <= 0x7f:
		return append(b, byte(i))
	case i < 0 && i >= -32:
		return append(b, byte(int8(i)))
	case i >= math.MinInt8 && i <= math.MaxInt8:
		return append(b, 0xd0, byte(int8(i)))
	case i >= math.MinInt16 && i <= math.MaxInt16:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(i))
	case i >= math.MinInt32 && i <= math.MaxInt32:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(i))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(i))
}

func (c *codec) Encode(row velort.Row, b []byte) ([]byte, error) {
	if n := len(c.cols); n < 16 {
		b = append(b, 0x80|byte(n))
	} else {
		b = binary.BigEndian.AppendUint16(append(b, 0xde), uint16(n))
	}
	for k, col := range c.cols {
		b = appendStr(b, []byte(col.Name))
		switch row.Tag(k) {
		case velort.TagNull:
			b = append(b, 0xc0)
		case velort.TagBoolean:
			if row.Int(k) != 0 {
				b = append(b, 0xc3)
			} else {
				b = append(b, 0xc2)
			}
		case velort.TagBigint:
			b = appendInt(b, row.Int(k))
		case velort.TagDouble:
			b = binary.BigEndian.AppendUint64(append(b, 0xcb), math.Float64bits(row.Double(k)))
		case velort.TagTimestamp: // timestamp 96
			ms := row.Int(k)
			sec, rem := ms/1000, ms%1000
			if rem < 0 {
				rem += 1000
				sec--
			}
			b = append(b, 0xc7, 12, 0xff)
			b = binary.BigEndian.AppendUint32(b, uint32(rem)*1e6)
			b = binary.BigEndian.AppendUint64(b, uint64(sec))
		case velort.TagVarchar, velort.TagJSON, velort.TagVarbinary:
			b = appendStr(b, row.Bytes(k))
		case velort.TagDecimal:
			b = appendStr(b, []byte(decimalText(row.Int(k), row.Scale(k))))
		default:
			return b, fmt.Errorf("msgpack: column %s has a value of tag %d", col.Name, row.Tag(k))
		}
	}
	return b, nil
}

func decimalText(unscaled int64, scale int) string {
	neg := unscaled < 0
	u := uint64(unscaled)
	if neg {
		u = -u
	}
	s := strconv.FormatUint(u, 10)
	for len(s) <= scale {
		s = "0" + s
	}
	if scale > 0 {
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
