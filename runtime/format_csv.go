package runtime

import (
	"bytes"
	"strconv"
)

// csvDecoder reads one CSV record per payload (RFC 4180: fields separated
// by the delimiter, optionally quoted with "", "" inside quotes is one ").
// An unquoted empty field is NULL, a quoted one the empty string. A
// trailing line break is allowed. Without a header, fields are the payload
// columns in order and their count must match; with one (Format.Header),
// the payload's first line names the fields (ASCII case-insensitive;
// unknown names are ignored, missing columns are NULL).
type csvDecoder struct {
	schema  Schema
	delim   byte
	header  bool
	payload []int  // payload columns in field order
	read    []bool // per column
	scratch []byte // unquoted fields
	fields  [][2]int32
	quoted  []bool
	// the last header line seen and the column of each of its fields (-1: none)
	lastHead []byte
	headCols []int
}

func newCSVDecoder(f *Format, schema Schema, payload []int, rd func(int) bool) *csvDecoder {
	d := &csvDecoder{schema: schema, delim: f.Delimiter, header: f.Header, payload: payload, read: make([]bool, len(schema))}
	if d.delim == 0 {
		d.delim = ','
	}
	for _, c := range payload {
		d.read[c] = rd(c)
	}
	return d
}

func (d *csvDecoder) ResetScratch() { d.scratch = d.scratch[:0] }

func (d *csvDecoder) DecodeMore(data []byte, row Row) error {
	if len(row) != len(d.schema) {
		panic("runtime: Decode row length does not match the schema")
	}
	clear(row)
	b := data
	cols := d.payload
	if d.header {
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			return &DecodeError{Offset: -1, Msg: "CSV payload has a header line but no record line"}
		}
		head := bytes.TrimSuffix(b[:nl], []byte{'\r'})
		b = b[nl+1:]
		if !bytes.Equal(head, d.lastHead) {
			if err := d.readHeader(head); err != nil {
				return err
			}
		}
		cols = d.headCols
	}
	start := len(d.scratch)
	end, err := d.split(b)
	if err != nil {
		d.scratch = d.scratch[:start]
		return err
	}
	if end < len(b) {
		return &DecodeError{Offset: -1, Msg: "CSV payload holds more than one record (line break at offset " + strconv.Itoa(end) + "); send one record per message"}
	}
	if len(d.fields) != len(cols) {
		return &DecodeError{Offset: -1, Msg: "CSV record has " + strconv.Itoa(len(d.fields)) + " fields, expected " + strconv.Itoa(len(cols))}
	}
	for k, c := range cols {
		if c < 0 || !d.read[c] {
			continue
		}
		f := d.fields[k]
		var s []byte
		if d.quoted[k] {
			s = d.scratch[f[0]:f[1]:f[1]]
		} else {
			s = b[f[0]:f[1]:f[1]]
			if len(s) == 0 {
				continue // NULL
			}
		}
		if err := ParseText(&d.schema[c], s, &row[c]); err != nil {
			return err
		}
	}
	return nil
}

// split finds the fields of the record at the start of b (d.fields,
// offsets into b, or into d.scratch for quoted fields) and returns the
// offset past its line break (len(b) when it runs to the end).
func (d *csvDecoder) split(b []byte) (int, error) {
	d.fields, d.quoted = d.fields[:0], d.quoted[:0]
	i := 0
	for {
		if i < len(b) && b[i] == '"' {
			s := len(d.scratch)
			j := i + 1
			for {
				q := bytes.IndexByte(b[j:], '"')
				if q < 0 {
					return 0, &DecodeError{Offset: -1, Msg: "CSV field opened with a quote at offset " + strconv.Itoa(i) + " is not closed"}
				}
				d.scratch = append(d.scratch, b[j:j+q]...)
				j += q + 1
				if j < len(b) && b[j] == '"' {
					d.scratch = append(d.scratch, '"')
					j++
					continue
				}
				break
			}
			d.fields = append(d.fields, [2]int32{int32(s), int32(len(d.scratch))})
			d.quoted = append(d.quoted, true)
			i = j
		} else {
			j := i
			for j < len(b) && b[j] != d.delim && b[j] != '\n' && b[j] != '\r' {
				if b[j] == '"' {
					return 0, &DecodeError{Offset: -1, Msg: "CSV field has a quote at offset " + strconv.Itoa(j) + " but does not start with one"}
				}
				j++
			}
			d.fields = append(d.fields, [2]int32{int32(i), int32(j)})
			d.quoted = append(d.quoted, false)
			i = j
		}
		switch {
		case i >= len(b):
			return len(b), nil
		case b[i] == d.delim:
			i++
			if i == len(b) { // a final empty field
				d.fields = append(d.fields, [2]int32{int32(i), int32(i)})
				d.quoted = append(d.quoted, false)
				return i, nil
			}
		case b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n':
			if i+2 == len(b) {
				return len(b), nil
			}
			return i, nil
		case b[i] == '\n':
			if i+1 == len(b) {
				return len(b), nil
			}
			return i, nil
		default:
			return 0, &DecodeError{Offset: -1, Msg: "CSV: unexpected " + quoteChar(b[i:]) + " after a quoted field at offset " + strconv.Itoa(i)}
		}
	}
}

// readHeader maps the fields of a header line onto columns.
func (d *csvDecoder) readHeader(head []byte) error {
	start := len(d.scratch)
	defer func() { d.scratch = d.scratch[:start] }()
	if _, err := d.split(head); err != nil {
		return err
	}
	d.headCols = d.headCols[:0]
	for k, f := range d.fields {
		var name []byte
		if d.quoted[k] {
			name = d.scratch[f[0]:f[1]]
		} else {
			name = head[f[0]:f[1]]
		}
		col := -1
		for _, c := range d.payload {
			if equalFold(string(name), d.schema[c].Name) {
				col = c
				break
			}
		}
		d.headCols = append(d.headCols, col)
	}
	d.lastHead = append(d.lastHead[:0], head...)
	return nil
}

// csvEncoder writes a row as one CSV record (and, with a header, the
// header line first), fields quoted when they hold the delimiter, a quote,
// a line break or are the empty string; NULL is an empty field.
type csvEncoder struct {
	delim byte
	head  []byte
}

func newCSVEncoder(f *Format, cols Schema) *csvEncoder {
	e := &csvEncoder{delim: f.Delimiter}
	if e.delim == 0 {
		e.delim = ','
	}
	if f.Header {
		for i, c := range cols {
			if i > 0 {
				e.head = append(e.head, e.delim)
			}
			e.head = e.appendField(e.head, []byte(c.Name))
		}
		e.head = append(e.head, '\n')
	}
	return e
}

func (e *csvEncoder) Append(dst []byte, row Row) ([]byte, error) {
	dst = append(dst, e.head...)
	for i, v := range row {
		if i > 0 {
			dst = append(dst, e.delim)
		}
		switch v.T {
		case TNull:
		case TString, TJSON:
			dst = e.appendField(dst, v.S)
		default:
			dst = AppendValueText(dst, v)
		}
	}
	return dst, nil
}

func (e *csvEncoder) appendField(dst, s []byte) []byte {
	need := len(s) == 0
	for _, c := range s {
		if c == e.delim || c == '"' || c == '\n' || c == '\r' {
			need = true
			break
		}
	}
	if !need {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for _, c := range s {
		if c == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}
