package runtime

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// protoField is a column bound to a field of the message.
type protoField struct {
	col      int
	c        Column
	fd       protoreflect.FieldDescriptor
	kind     protoreflect.Kind
	wire     protowire.Type
	ts       bool // a google.protobuf.Timestamp message
	presence bool // absent is NULL (else the field's zero value)
}

const timestampName = "google.protobuf.Timestamp"

// protoFields binds each column of cols to the message field of its name
// (exact, else ASCII case-insensitive, else the field's JSON name) and
// checks that the column's type can hold the field's values.
func protoFields(md protoreflect.MessageDescriptor, cols Schema, decode bool) ([]protoField, error) {
	fields := md.Fields()
	out := make([]protoField, 0, len(cols))
	for i, c := range cols {
		fd := fields.ByName(protoreflect.Name(c.Name))
		for k := 0; fd == nil && k < fields.Len(); k++ {
			if f := fields.Get(k); strings.EqualFold(string(f.Name()), c.Name) || strings.EqualFold(f.JSONName(), c.Name) {
				fd = f
			}
		}
		if fd == nil {
			names := make([]string, fields.Len())
			for k := range names {
				names[k] = string(fields.Get(k).Name())
			}
			return nil, fmt.Errorf("column %s: message %s has no field %s (its fields: %s)", c.Name, md.FullName(), c.Name, strings.Join(names, ", "))
		}
		if fd.IsList() || fd.IsMap() {
			return nil, fmt.Errorf("column %s: field %s of %s is repeated or a map: velort reads single fields only", c.Name, fd.Name(), md.FullName())
		}
		f := protoField{col: i, c: c, fd: fd, kind: fd.Kind(), presence: fd.HasPresence()}
		ok := false
		switch f.kind {
		case protoreflect.Int32Kind, protoreflect.Int64Kind, protoreflect.Uint32Kind, protoreflect.Uint64Kind,
			protoreflect.Sint32Kind, protoreflect.Sint64Kind, protoreflect.BoolKind, protoreflect.EnumKind:
			f.wire = protowire.VarintType
		case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind, protoreflect.FloatKind:
			f.wire = protowire.Fixed32Type
		case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind:
			f.wire = protowire.Fixed64Type
		case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind:
			f.wire = protowire.BytesType
		}
		switch f.kind {
		case protoreflect.BoolKind:
			ok = c.Type == TBool
		case protoreflect.FloatKind, protoreflect.DoubleKind:
			ok = c.Type == TDouble
		case protoreflect.EnumKind:
			ok = c.Type == TInt || c.Type == TString
		case protoreflect.StringKind:
			ok = c.Type == TString || c.Type == TTimestamp || c.Type == TJSON
		case protoreflect.BytesKind:
			ok = c.Type == TString || c.Type == TJSON
		case protoreflect.MessageKind:
			f.ts = fd.Message().FullName() == timestampName
			ok = (f.ts && c.Type == TTimestamp) || c.Type == TJSON
		case protoreflect.GroupKind:
		default: // integers
			ok = c.Type == TInt || c.Type == TTimestamp || c.Type == TDecimal || c.Type == TDouble
		}
		if !ok {
			return nil, fmt.Errorf("column %s %s cannot hold field %s (%s) of %s", c.Name, typeName(&cols[i]), fd.Name(), kindName(fd), md.FullName())
		}
		out = append(out, f)
	}
	return out, nil
}

func kindName(fd protoreflect.FieldDescriptor) string {
	if fd.Kind() == protoreflect.MessageKind {
		return string(fd.Message().FullName())
	}
	return fd.Kind().String()
}

// protoDecoder decodes a protobuf message, converting only the fields of
// read columns; other fields are skipped unparsed (their wire framing is
// still checked).
type protoDecoder struct {
	n        int
	md       protoreflect.MessageDescriptor
	byNum    []int32 // field number → index in fields + 1 (0: not read)
	fields   []protoField
	defaults []int // indexes in fields of read fields without presence
	scratch  []byte
}

func newProtoDecoder(md protoreflect.MessageDescriptor, schema Schema, payload []int, rd func(int) bool) (*protoDecoder, error) {
	d := &protoDecoder{n: len(schema), md: md}
	var cols []int
	for _, c := range payload {
		if rd(c) {
			cols = append(cols, c)
		}
	}
	fs, err := protoFields(md, pick(schema, cols), true)
	if err != nil {
		return nil, err
	}
	for k := range fs {
		fs[k].col = cols[fs[k].col]
		num := int(fs[k].fd.Number())
		if num >= 1<<16 {
			return nil, fmt.Errorf("column %s: field number %d is above 65535, not supported", fs[k].c.Name, num)
		}
		for len(d.byNum) <= num {
			d.byNum = append(d.byNum, 0)
		}
		d.byNum[num] = int32(k + 1)
		if !fs[k].presence {
			d.defaults = append(d.defaults, k)
		}
	}
	d.fields = fs
	return d, nil
}

func (d *protoDecoder) ResetScratch() { d.scratch = d.scratch[:0] }

func protoError(msg string) error { return &DecodeError{Offset: -1, Msg: "invalid protobuf: " + msg} }

func (d *protoDecoder) DecodeMore(data []byte, row Row) error {
	if len(row) != d.n {
		panic("runtime: Decode row length does not match the schema")
	}
	clear(row)
	for _, k := range d.defaults {
		f := &d.fields[k]
		switch f.kind {
		case protoreflect.StringKind, protoreflect.BytesKind:
			if f.c.Type == TString {
				row[f.col] = Value{T: TString, S: data[:0:0]}
			}
		case protoreflect.BoolKind:
			row[f.col] = Bool(false)
		case protoreflect.EnumKind:
			if f.c.Type == TString {
				if ev := f.fd.Enum().Values().ByNumber(0); ev != nil {
					row[f.col] = Value{T: TString, S: unsafeBytes(string(ev.Name()))}
				}
			} else {
				row[f.col] = Int(0)
			}
		case protoreflect.FloatKind, protoreflect.DoubleKind:
			row[f.col] = Double(0)
		default:
			_ = setProtoInt(f, 0, &row[f.col])
		}
	}
	b := data
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protoError(protowire.ParseError(n).Error() + " at offset " + strconv.Itoa(len(data)-len(b)))
		}
		b = b[n:]
		var f *protoField
		if int(num) < len(d.byNum) && d.byNum[num] != 0 {
			f = &d.fields[d.byNum[num]-1]
		}
		if f == nil || typ != f.wire {
			if f != nil {
				return columnError(&f.c, "field "+string(f.fd.Name())+" (number "+strconv.Itoa(int(num))+") has wire type "+strconv.Itoa(int(typ))+", expected "+strconv.Itoa(int(f.wire))+" for "+kindName(f.fd))
			}
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return protoError(protowire.ParseError(n).Error() + " in field " + strconv.Itoa(int(num)))
			}
			b = b[n:]
			continue
		}
		v := &row[f.col]
		switch typ {
		case protowire.VarintType:
			x, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return protoError(protowire.ParseError(n).Error() + " in field " + string(f.fd.Name()))
			}
			b = b[n:]
			if err := d.setVarint(f, x, v); err != nil {
				return err
			}
		case protowire.Fixed32Type:
			x, n := protowire.ConsumeFixed32(b)
			if n < 0 {
				return protoError(protowire.ParseError(n).Error() + " in field " + string(f.fd.Name()))
			}
			b = b[n:]
			switch f.kind {
			case protoreflect.FloatKind:
				*v = Double(float64(math.Float32frombits(x)))
			case protoreflect.Sfixed32Kind:
				_ = setProtoInt(f, int64(int32(x)), v)
			default:
				_ = setProtoInt(f, int64(x), v)
			}
		case protowire.Fixed64Type:
			x, n := protowire.ConsumeFixed64(b)
			if n < 0 {
				return protoError(protowire.ParseError(n).Error() + " in field " + string(f.fd.Name()))
			}
			b = b[n:]
			switch f.kind {
			case protoreflect.DoubleKind:
				*v = Double(math.Float64frombits(x))
			case protoreflect.Fixed64Kind:
				if x > math.MaxInt64 {
					return columnError(&f.c, typeName(&f.c)+" out of range, got "+strconv.FormatUint(x, 10))
				}
				if err := setProtoInt(f, int64(x), v); err != nil {
					return err
				}
			default:
				if err := setProtoInt(f, int64(x), v); err != nil {
					return err
				}
			}
		case protowire.BytesType:
			s, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return protoError(protowire.ParseError(n).Error() + " in field " + string(f.fd.Name()))
			}
			b = b[n:]
			if err := d.setBytes(f, s[:len(s):len(s)], v); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *protoDecoder) setVarint(f *protoField, x uint64, v *Value) error {
	var i int64
	switch f.kind {
	case protoreflect.BoolKind:
		*v = Bool(x != 0)
		return nil
	case protoreflect.EnumKind:
		if f.c.Type == TString {
			ev := f.fd.Enum().Values().ByNumber(protoreflect.EnumNumber(int32(x)))
			if ev == nil {
				return columnError(&f.c, "enum "+string(f.fd.Enum().FullName())+" has no value numbered "+strconv.Itoa(int(int32(x))))
			}
			*v = Value{T: TString, S: unsafeBytes(string(ev.Name()))}
			return nil
		}
		i = int64(int32(x))
	case protoreflect.Int32Kind:
		i = int64(int32(x))
	case protoreflect.Uint32Kind:
		i = int64(uint32(x))
	case protoreflect.Sint32Kind:
		i = int64(int32(protowire.DecodeZigZag(x & math.MaxUint32)))
	case protoreflect.Sint64Kind:
		i = protowire.DecodeZigZag(x)
	case protoreflect.Uint64Kind:
		if x > math.MaxInt64 {
			return columnError(&f.c, typeName(&f.c)+" out of range, got "+strconv.FormatUint(x, 10))
		}
		i = int64(x)
	default:
		i = int64(x)
	}
	return setProtoInt(f, i, v)
}

// setProtoInt stores an integer field as the column's type.
func setProtoInt(f *protoField, i int64, v *Value) error {
	switch f.c.Type {
	case TInt:
		*v = Int(i)
	case TTimestamp:
		*v = Timestamp(i)
	case TDouble:
		*v = Double(float64(i))
	case TDecimal:
		p := pow10u[f.c.Scale]
		x := i * int64(p)
		if (i != 0 && x/int64(p) != i) || !fitsPrecision(x, f.c.Precision) {
			return columnError(&f.c, typeName(&f.c)+" out of range, got "+strconv.FormatInt(i, 10))
		}
		*v = Decimal(x, f.c.Scale)
	}
	return nil
}

func (d *protoDecoder) setBytes(f *protoField, s []byte, v *Value) error {
	switch f.kind {
	case protoreflect.StringKind:
		if !utf8.Valid(s) {
			return columnError(&f.c, "field "+string(f.fd.Name())+" is not valid UTF-8")
		}
	case protoreflect.MessageKind:
		if f.ts {
			return d.setTimestamp(f, s, v)
		}
		m := dynamicpb.NewMessage(f.fd.Message())
		if err := proto.Unmarshal(s, m); err != nil {
			return columnError(&f.c, "field "+string(f.fd.Name())+": "+err.Error())
		}
		j, err := protojson.Marshal(m)
		if err != nil {
			return columnError(&f.c, "field "+string(f.fd.Name())+": "+err.Error())
		}
		*v = Value{T: TJSON, S: j}
		return nil
	}
	switch f.c.Type {
	case TString:
		*v = Value{T: TString, S: s}
		return nil
	}
	return ParseText(&f.c, s, v)
}

// setTimestamp decodes a google.protobuf.Timestamp (seconds, nanos) into
// epoch milliseconds.
func (d *protoDecoder) setTimestamp(f *protoField, b []byte, v *Value) error {
	var sec, nanos int64
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protoError(protowire.ParseError(n).Error() + " in field " + string(f.fd.Name()))
		}
		b = b[n:]
		if (num == 1 || num == 2) && typ == protowire.VarintType {
			x, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return protoError(protowire.ParseError(n).Error() + " in field " + string(f.fd.Name()))
			}
			b = b[n:]
			if num == 1 {
				sec = int64(x)
			} else {
				nanos = int64(int32(x))
			}
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return protoError(protowire.ParseError(n).Error() + " in field " + string(f.fd.Name()))
		}
		b = b[n:]
	}
	if sec > math.MaxInt64/1000 || sec < math.MinInt64/1000 {
		return columnError(&f.c, "TIMESTAMP out of range, got "+strconv.FormatInt(sec, 10)+" seconds")
	}
	*v = Timestamp(sec*1000 + nanos/1e6)
	return nil
}

// protoEncoder writes a row as a message; NULL columns are left out.
type protoEncoder struct {
	fields []protoField
	tmp    []byte
}

func newProtoEncoder(md protoreflect.MessageDescriptor, cols Schema) (*protoEncoder, error) {
	fs, err := protoFields(md, cols, false)
	if err != nil {
		return nil, err
	}
	return &protoEncoder{fields: fs}, nil
}

func encodeError(f *protoField, v Value, why string) error {
	return fmt.Errorf("column %s: cannot write %s value to field %s (%s)%s", f.c.Name, v.T, f.fd.Name(), kindName(f.fd), why)
}

func (e *protoEncoder) Append(dst []byte, row Row) ([]byte, error) {
	for k := range e.fields {
		f := &e.fields[k]
		v := row[f.col]
		if v.T == TNull {
			continue
		}
		dst = protowire.AppendTag(dst, f.fd.Number(), f.wire)
		switch f.kind {
		case protoreflect.BoolKind:
			if v.T != TBool {
				return dst, encodeError(f, v, "")
			}
			dst = protowire.AppendVarint(dst, uint64(v.I&1))
		case protoreflect.FloatKind, protoreflect.DoubleKind:
			var x float64
			switch v.T {
			case TDouble:
				x = v.F
			case TInt:
				x = float64(v.I)
			case TDecimal:
				x = DecimalToFloat(v.I, v.Scale)
			default:
				return dst, encodeError(f, v, "")
			}
			if f.kind == protoreflect.FloatKind {
				dst = protowire.AppendFixed32(dst, math.Float32bits(float32(x)))
			} else {
				dst = protowire.AppendFixed64(dst, math.Float64bits(x))
			}
		case protoreflect.StringKind, protoreflect.BytesKind:
			if v.T == TString || v.T == TJSON {
				dst = protowire.AppendBytes(dst, v.S)
			} else {
				e.tmp = AppendValueText(e.tmp[:0], v)
				dst = protowire.AppendBytes(dst, e.tmp)
			}
		case protoreflect.EnumKind:
			var n int64
			switch v.T {
			case TInt:
				n = v.I
			case TString:
				ev := f.fd.Enum().Values().ByName(protoreflect.Name(v.S))
				if ev == nil {
					return dst, encodeError(f, v, ": "+strconv.Quote(string(v.S))+" is not a value of "+string(f.fd.Enum().FullName()))
				}
				n = int64(ev.Number())
			default:
				return dst, encodeError(f, v, "")
			}
			dst = protowire.AppendVarint(dst, uint64(n))
		case protoreflect.MessageKind:
			if f.ts {
				if v.T != TTimestamp && v.T != TInt {
					return dst, encodeError(f, v, "")
				}
				sec, ms := v.I/1000, v.I%1000
				if ms < 0 {
					sec, ms = sec-1, ms+1000
				}
				e.tmp = e.tmp[:0]
				if sec != 0 {
					e.tmp = protowire.AppendTag(e.tmp, 1, protowire.VarintType)
					e.tmp = protowire.AppendVarint(e.tmp, uint64(sec))
				}
				if ms != 0 {
					e.tmp = protowire.AppendTag(e.tmp, 2, protowire.VarintType)
					e.tmp = protowire.AppendVarint(e.tmp, uint64(ms*1e6))
				}
				dst = protowire.AppendBytes(dst, e.tmp)
				continue
			}
			if v.T != TJSON && v.T != TString {
				return dst, encodeError(f, v, "")
			}
			m := dynamicpb.NewMessage(f.fd.Message())
			if err := protojson.Unmarshal(v.S, m); err != nil {
				return dst, encodeError(f, v, ": "+err.Error())
			}
			b, err := proto.Marshal(m)
			if err != nil {
				return dst, encodeError(f, v, ": "+err.Error())
			}
			dst = protowire.AppendBytes(dst, b)
		default: // integers
			var n int64
			switch v.T {
			case TInt, TTimestamp:
				n = v.I
			case TDecimal:
				p := int64(pow10u[v.Scale])
				if v.I%p != 0 {
					return dst, encodeError(f, v, ": not an integer")
				}
				n = v.I / p
			default:
				return dst, encodeError(f, v, "")
			}
			switch f.kind {
			case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
				if n != int64(int32(n)) {
					return dst, encodeError(f, v, ": "+strconv.FormatInt(n, 10)+" is out of range")
				}
			case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
				if n < 0 || n > math.MaxUint32 {
					return dst, encodeError(f, v, ": "+strconv.FormatInt(n, 10)+" is out of range")
				}
			case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
				if n < 0 {
					return dst, encodeError(f, v, ": "+strconv.FormatInt(n, 10)+" is out of range")
				}
			}
			switch f.kind {
			case protoreflect.Sint32Kind, protoreflect.Sint64Kind:
				dst = protowire.AppendVarint(dst, protowire.EncodeZigZag(n))
			case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind:
				dst = protowire.AppendFixed32(dst, uint32(n))
			case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind:
				dst = protowire.AppendFixed64(dst, uint64(n))
			default:
				dst = protowire.AppendVarint(dst, uint64(n))
			}
		}
	}
	return dst, nil
}
