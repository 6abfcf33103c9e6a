package runtime

import "encoding/binary"

// Decoder turns JSON messages into rows of one Schema (SPEC §2 "JSON
// input"). It is owned by one partition loop.
//
// Only read columns are decoded and type-checked; the rest of the message
// is validated but not converted. Byte slices in decoded Values alias the
// message (strings without escapes, JSON values) or the decoder's scratch
// buffer (unescaped strings) and stay valid until the next Decode.
// (DecodeMore keeps them valid longer, for micro-batches.)
// Field names match column names ASCII-case-insensitively; when a field
// appears more than once, each occurrence is checked and the last wins.
type Decoder struct {
	schema  Schema
	slots   []slot // open-addressing table of the read columns by folded name
	mask    uint32
	lens    uint64 // bit len(name)%64 set for each read column's name
	scratch []byte // unescaped strings of the current message
	keyBuf  []byte // an unescaped field name
	// inOrder[i] is lookup's answer for column i's own name: fields that
	// come in schema order (as producers usually write them) are matched
	// by one comparison with the expected name instead of a hash lookup.
	inOrder []int
}

type slot struct {
	hash uint32
	col  int32 // column index + 1; 0 = empty
}

// NewDecoder returns a decoder for schema; read[i] says column i is read
// by some query (a nil read means every column is).
func NewDecoder(schema Schema, read []bool) *Decoder {
	d := &Decoder{schema: append(Schema(nil), schema...)}
	n := 0
	for i := range schema {
		if read == nil || (i < len(read) && read[i]) {
			n++
		}
	}
	size := 16
	for size < 4*n {
		size <<= 1
	}
	d.slots = make([]slot, size)
	d.mask = uint32(size - 1)
	for i, c := range schema {
		if read != nil && (i >= len(read) || !read[i]) {
			continue
		}
		if d.lookup([]byte(c.Name)) >= 0 {
			continue // a duplicate name: the first column gets the field
		}
		h := foldHash([]byte(c.Name))
		j := h & d.mask
		for d.slots[j].col != 0 {
			j = (j + 1) & d.mask
		}
		d.slots[j] = slot{hash: h, col: int32(i + 1)}
		d.lens |= 1 << (len(c.Name) % 64)
	}
	d.inOrder = make([]int, len(schema))
	for i, c := range schema {
		d.inOrder[i] = d.lookup([]byte(c.Name))
	}
	return d
}

// foldHash hashes a name, ASCII case folded (byte|0x20, which maps each
// upper-case letter onto its lower case), from its length and up to its
// first and last 8 bytes; collisions are resolved by comparing names.
func foldHash(s []byte) uint32 {
	const fold = 0x2020202020202020
	var a, b uint64
	switch n := len(s); {
	case n >= 8:
		a = binary.LittleEndian.Uint64(s) | fold
		b = binary.LittleEndian.Uint64(s[n-8:]) | fold
	case n >= 4:
		a = uint64(binary.LittleEndian.Uint32(s) | 0x20202020)
		b = uint64(binary.LittleEndian.Uint32(s[n-4:]) | 0x20202020)
	case n > 0:
		a = uint64(s[0]|0x20)<<16 | uint64(s[n/2]|0x20)<<8 | uint64(s[n-1]|0x20)
	}
	h := (a*0x9E3779B97F4A7C15^b)*0xC2B2AE3D27D4EB4F ^ uint64(len(s))
	return uint32(h ^ h>>29)
}

// lookup returns the read column named key (ASCII case-insensitive), or -1.
func (d *Decoder) lookup(key []byte) int {
	if d.lens&(1<<(len(key)%64)) == 0 {
		return -1
	}
	h := foldHash(key)
	for j := h & d.mask; ; j = (j + 1) & d.mask {
		sl := d.slots[j]
		if sl.col == 0 {
			return -1
		}
		if sl.hash != h {
			continue
		}
		name := d.schema[sl.col-1].Name
		if string(key) == name || equalFold(unsafeString(key), name) {
			return int(sl.col - 1)
		}
	}
}

// Decode fills row (len(row) == number of columns) from one message, which
// must be exactly one JSON object. Columns not read, missing or null are
// NULL. The error, if any, is a *DecodeError.
func (d *Decoder) Decode(data []byte, row Row) error {
	d.scratch = d.scratch[:0]
	return d.DecodeMore(data, row)
}

// ResetScratch ends a micro-batch: the strings DecodeMore unescaped may be
// overwritten from now on.
func (d *Decoder) ResetScratch() { d.scratch = d.scratch[:0] }

// DecodeMore is Decode for the rows of a micro-batch: the unescaped
// strings of rows decoded since the last Decode or ResetScratch stay valid.
func (d *Decoder) DecodeMore(data []byte, row Row) error {
	if len(row) != len(d.schema) {
		panic("runtime: Decode row length does not match the schema")
	}
	clear(row)
	b := data
	i := skipWS(b, 0)
	if i >= len(b) {
		return syntaxError(i, "unexpected end of JSON input")
	}
	if b[i] != '{' {
		return notObject(b, i)
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return endOfMessage(b, i+1)
	}
	next := 0 // the schema position the next field is expected at
	for {
		if i >= len(b) || b[i] != '"' {
			return unexpected(b, i, "looking for beginning of object key string")
		}
		end, escaped, err := scanString(b, i)
		if err != nil {
			return err
		}
		key := b[i+1 : end-1]
		if escaped {
			d.keyBuf = unescape(d.keyBuf[:0], key)
			key = d.keyBuf
		}
		var col int
		if next < len(d.schema) && string(key) == d.schema[next].Name {
			col = d.inOrder[next]
			next++
		} else if col = d.lookup(key); col >= 0 {
			next = col + 1
		}
		i = skipWS(b, end)
		if i >= len(b) || b[i] != ':' {
			return unexpected(b, i, "after object key")
		}
		i = skipWS(b, i+1)
		if col < 0 {
			i, err = skipValue(b, i, 1)
		} else {
			i, err = d.decodeField(b, i, col, row)
		}
		if err != nil {
			return err
		}
		i = skipWS(b, i)
		if i < len(b) && b[i] == ',' {
			i = skipWS(b, i+1)
			continue
		}
		if i < len(b) && b[i] == '}' {
			return endOfMessage(b, i+1)
		}
		return unexpected(b, i, "after object key:value pair")
	}
}

// endOfMessage accepts only whitespace after the top-level object.
func endOfMessage(b []byte, i int) error {
	i = skipWS(b, i)
	if i < len(b) {
		return unexpected(b, i, "after top-level value")
	}
	return nil
}

// notObject explains a message whose first value is not an object.
func notObject(b []byte, i int) error {
	end, err := skipValue(b, i, 0)
	if err != nil {
		return err
	}
	if err := endOfMessage(b, end); err != nil {
		return err
	}
	return &DecodeError{Offset: -1, Msg: "not a JSON object (got " + kindOf(b[i]) + ")"}
}

// decodeField converts the value at b[i] into row[col] and returns the
// offset just past it.
func (d *Decoder) decodeField(b []byte, i, col int, row Row) (int, error) {
	c := &d.schema[col]
	if i >= len(b) {
		return i, syntaxError(i, "unexpected end of JSON input")
	}
	switch b[i] {
	case '"':
		end, escaped, err := scanString(b, i)
		if err != nil {
			return end, err
		}
		return end, d.setString(c, b[i:end:end], escaped, &row[col])
	case '{', '[':
		if c.Type != TJSON {
			return i, typeError(c, b[i:i+1])
		}
		end, err := skipContainer(b, i, 2)
		if err != nil {
			return end, err
		}
		row[col] = Value{T: TJSON, S: b[i:end:end]}
		return end, nil
	case 't', 'f':
		lit := "true"
		if b[i] == 'f' {
			lit = "false"
		}
		end, err := scanLiteral(b, i, lit)
		if err != nil {
			return end, err
		}
		raw := b[i:end:end]
		switch c.Type {
		case TBool:
			row[col] = Bool(lit == "true")
		case TString:
			row[col] = String(raw)
		case TJSON:
			row[col] = Value{T: TJSON, S: raw}
		default:
			return end, typeError(c, raw)
		}
		return end, nil
	case 'n':
		end, err := scanLiteral(b, i, "null")
		row[col] = Value{}
		return end, err
	}
	if b[i] != '-' && !isDigit(b[i]) {
		return i, unexpected(b, i, "looking for beginning of value")
	}
	var n number
	if err := scanNumber(b, i, &n); err != nil {
		return i, err
	}
	return n.end, setNumber(c, b, &n, &row[col])
}

// setString stores the JSON string raw (with its quotes) as the column's type.
func (d *Decoder) setString(c *Column, raw []byte, escaped bool, v *Value) error {
	switch c.Type {
	case TJSON:
		*v = Value{T: TJSON, S: raw}
		return nil
	case TString, TTimestamp:
	default:
		return typeError(c, raw)
	}
	s := raw[1 : len(raw)-1 : len(raw)-1]
	if escaped {
		start := len(d.scratch)
		d.scratch = unescape(d.scratch, s)
		s = d.scratch[start:len(d.scratch):len(d.scratch)]
	}
	if c.Type == TString {
		*v = Value{T: TString, S: s}
		return nil
	}
	ms, why := parseRFC3339(s)
	if why != "" {
		return columnError(c, "expected TIMESTAMP (epoch milliseconds or RFC 3339), got "+describe(raw)+": "+why)
	}
	*v = Timestamp(ms)
	return nil
}

// setNumber stores the JSON number n (scanned from b) as the column's type.
func setNumber(c *Column, b []byte, n *number, v *Value) error {
	raw := b[n.start:n.end:n.end]
	switch c.Type {
	case TInt, TTimestamp:
		x, st := toScaled(b, n, 0, false)
		switch st {
		case convInexact:
			return typeError(c, raw)
		case convRange:
			return rangeError(c, raw)
		}
		*v = Value{T: c.Type, I: x}
	case TDouble:
		f, ok := toFloat(b, n)
		if !ok {
			return rangeError(c, raw)
		}
		*v = Double(f)
	case TDecimal:
		x, st := toScaled(b, n, int(c.Scale), true)
		if st != convOK || !fitsPrecision(x, c.Precision) {
			return rangeError(c, raw)
		}
		*v = Decimal(x, c.Scale)
	case TString:
		*v = String(raw)
	case TJSON:
		*v = Value{T: TJSON, S: raw}
	default:
		return typeError(c, raw)
	}
	return nil
}

// fitsPrecision reports whether unscaled x has at most p digits (p of
// DECIMAL(p,s); 0 or more than 18 means only the int64 bound applies).
func fitsPrecision(x int64, p uint8) bool {
	if p == 0 || p > 18 {
		return true
	}
	u := uint64(x)
	if x < 0 {
		u = uint64(-x)
	}
	return u < pow10u[p]
}
