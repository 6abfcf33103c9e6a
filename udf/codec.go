package udf

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	goruntime "runtime"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tetratelabs/wazero/api"

	"github.com/velort/velort/runtime"
	"github.com/velort/velort/udf/internal/wasmbin"
)

// Codecs (docs/udf.md "Codecs"): a module may declare codecs in its
// manifest, which decode a message payload into a stream's typed columns
// and encode an output row into a payload, for streams declared with
// format = 'wasm'. Each decoder and encoder is one instance of the module
// (one per partition loop), sandboxed and faulted like a function's.

// manifestCodec is one entry of the manifest's "codecs".
type manifestCodec struct {
	Name   string `json:"name"`
	Init   string `json:"init"`
	Decode string `json:"decode"`
	Encode string `json:"encode"`
}

// CodecSpec is a codec as its module's manifest declares it, defaults
// filled: Init is name_init, Decode and Encode name_decode and name_encode
// when the module exports them ("" when a codec does only one way).
type CodecSpec struct {
	Name, Init, Decode, Encode string
}

// Value tags of the codec row area: the type of a slot's value.
const (
	TagNull      = 0
	TagBigint    = 1 // i64
	TagDouble    = 2 // f64
	TagBoolean   = 3 // i64 0 or 1
	TagTimestamp = 4 // i64 epoch milliseconds
	TagVarchar   = 5 // (ptr, len) of UTF-8 text
	TagVarbinary = 6 // (ptr, len) of bytes
	TagJSON      = 7 // (ptr, len) of a JSON document's text
	TagDecimal   = 8 // i64 unscaled value, len = scale
)

var tagNames = [...]string{"NULL", "BIGINT", "DOUBLE", "BOOLEAN", "TIMESTAMP", "VARCHAR", "VARBINARY", "JSON", "DECIMAL"}

// Codec init modes (the second u32 of the init block).
const (
	CodecModeDecode = 1
	CodecModeEncode = 2
)

// slotSize is the bytes of one column's slot in the row area; the init
// block has a header and one entry of the same size per column.
const (
	slotSize       = 16
	initHeaderSize = 8
)

// parseCodecs reads the codecs of a manifest (its functions are checked
// by parseManifest).
func parseCodecs(data []byte) ([]CodecSpec, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if m.ABI != "" && m.ABI != ABI {
		return nil, fmt.Errorf("manifest: abi %q is not supported (want %q)", m.ABI, ABI)
	}
	seen := map[string]bool{}
	var out []CodecSpec
	for i, c := range m.Codecs {
		if c.Name == "" {
			return nil, fmt.Errorf("manifest: codec %d has no name", i+1)
		}
		k := strings.ToLower(c.Name)
		if seen[k] {
			return nil, fmt.Errorf("manifest: codec %q declared twice", c.Name)
		}
		seen[k] = true
		out = append(out, CodecSpec(c))
	}
	return out, nil
}

// Codec is a loaded codec: it implements runtime.Codec, and each decoder
// or encoder it makes is a fresh instance of its module.
type Codec struct {
	m    *Module
	spec CodecSpec
	ctx  context.Context
}

var _ runtime.Codec = (*Codec)(nil)

// LoadCodec compiles the module at path and returns its codec named name
// ("" when the module declares exactly one). The manifest (custom section
// velort.udf.v1 or velort_describe) declares it under "codecs"; its
// exports are checked against the codec ABI.
func (h *Host) LoadCodec(ctx context.Context, path, name string) (*Codec, error) {
	m, err := h.compile(ctx, path)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Codec, error) {
		m.Close(ctx)
		return nil, fmt.Errorf("udf: %s: %w", path, err)
	}
	in, err := m.start(ctx)
	if err != nil {
		return fail(err)
	}
	data, err := m.manifestData(in)
	in.Close(ctx)
	if err != nil {
		return fail(err)
	}
	specs, err := parseCodecs(data)
	if err != nil {
		return fail(err)
	}
	var spec *CodecSpec
	var names []string
	for i := range specs {
		names = append(names, specs[i].Name)
		if name == "" && len(specs) == 1 || strings.EqualFold(specs[i].Name, name) {
			spec = &specs[i]
		}
	}
	switch {
	case len(specs) == 0:
		return fail(errors.New("the module declares no codecs (its manifest has no \"codecs\" entry)"))
	case spec == nil && name == "":
		return fail(fmt.Errorf("the module declares %d codecs (%s): name one, as codec = '%s#NAME'", len(specs), strings.Join(names, ", "), path))
	case spec == nil:
		return fail(fmt.Errorf("the module declares no codec %q (its codecs: %s)", name, strings.Join(names, ", ")))
	}
	if err := m.checkCodec(spec); err != nil {
		return fail(err)
	}
	return &Codec{m: m, spec: *spec, ctx: ctx}, nil
}

// checkCodec fills spec's default exports and checks their signatures.
func (m *Module) checkCodec(spec *CodecSpec) error {
	i32, i64 := wasmbin.I32, wasmbin.I64
	if spec.Init == "" {
		spec.Init = spec.Name + "_init"
	}
	for _, o := range []struct {
		p      *string
		suffix string
	}{{&spec.Decode, "_decode"}, {&spec.Encode, "_encode"}} {
		if *o.p == "" {
			if _, ok := m.parsed.ExportedFunc(spec.Name + o.suffix); ok {
				*o.p = spec.Name + o.suffix
			}
		}
	}
	if spec.Decode == "" && spec.Encode == "" {
		return fmt.Errorf("codec %s: neither a decode nor an encode export (looked for %s_decode and %s_encode; the module exports: %s)",
			spec.Name, spec.Name, spec.Name, strings.Join(m.parsed.ExportNames(), ", "))
	}
	for _, e := range []struct {
		role, export, note string
		want               wasmbin.FuncType
	}{
		{"init", spec.Init, "(columns i32, len i32) -> error i64", ft([]wasmbin.ValType{i32, i32}, i64)},
		{"decode", spec.Decode, "(payload i32, len i32, row i32) -> error i64", ft([]wasmbin.ValType{i32, i32, i32}, i64)},
		{"encode", spec.Encode, "(row i32) -> payload i64", ft([]wasmbin.ValType{i32}, i64)},
		{"", exportAlloc, "(len i32) -> i32", ft([]wasmbin.ValType{i32}, i32)},
	} {
		if e.export == "" {
			continue
		}
		what := "export"
		if e.role != "" {
			what = e.role + " export"
		}
		got, ok := m.parsed.ExportedFunc(e.export)
		if !ok {
			return fmt.Errorf("codec %s: %s %q not found (the module exports: %s)", spec.Name, what, e.export, strings.Join(m.parsed.ExportNames(), ", "))
		}
		if !got.Equal(e.want) {
			return fmt.Errorf("codec %s: signature mismatch: %s %q has wasm signature %v, expected %v %s", spec.Name, what, e.export, got, e.want, e.note)
		}
	}
	if m.parsed.Memories == 0 {
		return fmt.Errorf("codec %s: the module defines no memory, which the row area needs", spec.Name)
	}
	return nil
}

// setCodecs checks the codecs a manifest declares (Load: a module in a
// --plugins directory), so that a broken one fails its load too.
func (m *Module) setCodecs(manifest []byte) error {
	specs, err := parseCodecs(manifest)
	if err != nil {
		return err
	}
	for i := range specs {
		if err := m.checkCodec(&specs[i]); err != nil {
			return err
		}
	}
	m.codecs = specs
	return nil
}

// Codecs returns the codecs the module's manifest declares (Load),
// defaults filled.
func (m *Module) Codecs() []CodecSpec { return append([]CodecSpec(nil), m.codecs...) }

// Spec returns the codec as declared, defaults filled.
func (c *Codec) Spec() CodecSpec { return c.spec }

// Path is the file the codec's module was loaded from.
func (c *Codec) Path() string { return c.m.path }

// Engine is the module's engine (see Module.Engine).
func (c *Codec) Engine() string { return c.m.Engine() }

// codecInst is one instance of a codec's module serving one decoder or
// encoder: init ran on it with the columns (again after a fault replaced it).
type codecInst struct {
	c     *Codec
	in    *Instance
	fn    api.Function // decode or encode
	mode  uint32
	label string // "codec NAME decode"
	cols  runtime.Schema
	read  []bool
	gen   uint32 // the instance generation init ran on; 0: none yet
	stack [3]uint64
}

func (c *Codec) newInst(mode uint32, cols runtime.Schema, read []bool) (*codecInst, error) {
	export, what := c.spec.Decode, "decode"
	if mode == CodecModeEncode {
		export, what = c.spec.Encode, "encode"
	}
	if export == "" {
		return nil, fmt.Errorf("codec %s (%s) cannot %s: it has no %s export", c.spec.Name, c.m.path, what, what)
	}
	in, err := c.m.newInstance(c.ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("codec %s (%s): %w", c.spec.Name, c.m.path, err)
	}
	ci := &codecInst{c: c, in: in, mode: mode, label: "codec " + c.spec.Name + " " + what, cols: cols, read: read}
	if err := ci.setup(); err != nil {
		in.Close(c.ctx)
		return nil, err
	}
	// A partition loop drops its decoder and encoder without closing them
	// (runtime.PayloadDecoder has no Close): release the instance then.
	goruntime.SetFinalizer(ci, func(ci *codecInst) { _ = ci.in.Close(ci.c.ctx) })
	return ci, nil
}

// Close releases the instance.
func (ci *codecInst) Close() error {
	goruntime.SetFinalizer(ci, nil)
	return ci.in.Close(ci.c.ctx)
}

// setup runs init on a fresh instance (the first, or one that replaced a
// faulted one): the guest learns the columns and may refuse them.
func (ci *codecInst) setup() error {
	in := ci.in
	if err := in.ready(); err != nil {
		return err
	}
	if ci.gen == in.gen {
		return nil
	}
	n := len(ci.cols)
	size := initHeaderSize + slotSize*n
	for _, c := range ci.cols {
		size += len(c.Name)
	}
	in.begin(in.m.h.lim.Timeout)
	if err := in.reserve(ci.label, size); err != nil {
		return err
	}
	area := in.area
	view, ok := in.mem.Read(area, uint32(size))
	if !ok {
		return fmt.Errorf("udf: %s: init block outside guest memory", ci.label)
	}
	le := binary.LittleEndian
	le.PutUint32(view[0:], uint32(n))
	le.PutUint32(view[4:], ci.mode)
	names := uint32(initHeaderSize + slotSize*n)
	for k := range ci.cols {
		c := &ci.cols[k]
		e := view[initHeaderSize+slotSize*k:]
		flags := uint32(0)
		if ci.read == nil || ci.read[k] {
			flags = 1
		}
		if c.Type == runtime.TDecimal {
			flags |= uint32(c.Scale)<<8 | uint32(c.Precision)<<16
		}
		le.PutUint32(e[0:], columnTag(c.Type))
		le.PutUint32(e[4:], flags)
		le.PutUint32(e[8:], area+names)
		le.PutUint32(e[12:], uint32(len(c.Name)))
		copy(view[names:], c.Name)
		names += uint32(len(c.Name))
	}
	fn := in.mod.ExportedFunction(ci.c.spec.Init)
	ci.stack[0], ci.stack[1] = uint64(area), uint64(size)
	err := fn.CallWithStack(in.ctx, ci.stack[:2])
	in.release()
	if err != nil {
		return in.fault(ci.label+" (init)", err, true)
	}
	if r := ci.stack[0]; r != 0 {
		return fmt.Errorf("codec %s (%s) refuses the columns (%s): %s", ci.c.spec.Name, ci.c.m.path, columnList(ci.cols), ci.message(r))
	}
	if ci.mode == CodecModeDecode {
		ci.fn = in.mod.ExportedFunction(ci.c.spec.Decode)
	} else {
		ci.fn = in.mod.ExportedFunction(ci.c.spec.Encode)
	}
	ci.gen = in.gen
	return nil
}

// message reads an error message the guest returned as (ptr << 32) | len.
func (ci *codecInst) message(r uint64) string {
	p, l := uint32(r>>32), uint32(r)
	if l == 0 {
		return "(no message)"
	}
	l = min(l, 1024)
	b, ok := ci.in.mem.Read(p, l)
	if !ok {
		return fmt.Sprintf("(its message at ptr %d, len %d is outside guest memory)", p, l)
	}
	if !utf8.Valid(b) {
		return strconv.Quote(string(b))
	}
	return string(b)
}

// malformed replaces the instance after output that breaks the ABI.
func (ci *codecInst) malformed(format string, args ...any) error {
	return ci.in.fault(ci.label, fmt.Errorf("malformed output: "+format, args...), true)
}

func columnList(cols runtime.Schema) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.Name + " " + c.Type.String()
	}
	return strings.Join(parts, ", ")
}

// columnTag is the tag of a column's SQL type.
func columnTag(t runtime.Type) uint32 {
	switch t {
	case runtime.TInt:
		return TagBigint
	case runtime.TDouble:
		return TagDouble
	case runtime.TBool:
		return TagBoolean
	case runtime.TTimestamp:
		return TagTimestamp
	case runtime.TString:
		return TagVarchar
	case runtime.TJSON:
		return TagJSON
	case runtime.TDecimal:
		return TagDecimal
	}
	return TagNull
}

// NewDecoder returns a decoder of payloads into schema's payload columns
// (runtime.Format.NewDecoder): one new instance, initialised with them.
func (c *Codec) NewDecoder(schema runtime.Schema, payload []int, read []bool) (runtime.PayloadDecoder, error) {
	cols := make(runtime.Schema, len(payload))
	rd := make([]bool, len(payload))
	for k, i := range payload {
		cols[k] = schema[i]
		rd[k] = read == nil || (i < len(read) && read[i])
	}
	ci, err := c.newInst(CodecModeDecode, cols, rd)
	if err != nil {
		return nil, err
	}
	return &CodecDecoder{codecInst: ci, width: len(schema), idx: payload}, nil
}

// NewEncoder returns an encoder of rows of cols: one new instance,
// initialised with them.
func (c *Codec) NewEncoder(cols runtime.Schema) (runtime.PayloadEncoder, error) {
	ci, err := c.newInst(CodecModeEncode, cols, nil)
	if err != nil {
		return nil, err
	}
	return &CodecEncoder{codecInst: ci}, nil
}

// CodecDecoder decodes payloads with one instance of a codec; it
// implements runtime.PayloadDecoder. One goroutine at a time.
type CodecDecoder struct {
	*codecInst
	width   int   // columns of the row
	idx     []int // the row column of each slot
	scratch []byte
	num     []byte
}

// ResetScratch ends a micro-batch: strings of earlier rows may be overwritten.
func (d *CodecDecoder) ResetScratch() { d.scratch = d.scratch[:0] }

// DecodeMore decodes data into row (see runtime.PayloadDecoder). A
// trap, a timeout or output that breaks the ABI replaces the instance and
// returns a *CallError; a payload the guest rejects, or a value that does
// not fit its column, a *runtime.DecodeError.
func (d *CodecDecoder) DecodeMore(data []byte, row runtime.Row) error {
	if len(row) != d.width {
		panic("udf: codec Decode row length does not match the schema")
	}
	clear(row)
	if err := d.setup(); err != nil {
		return err
	}
	in := d.in
	slots := uint32(slotSize * len(d.idx))
	if uint64(len(data)) > math.MaxInt32-uint64(slots) {
		return &runtime.DecodeError{Offset: -1, Msg: "codec " + d.c.spec.Name + ": payload of " + strconv.Itoa(len(data)) + " bytes is too large"}
	}
	size := slots + uint32(len(data))
	in.begin(in.m.h.lim.Timeout)
	if err := in.reserve(d.label, int(size)); err != nil {
		return err
	}
	area := in.area
	view, ok := in.mem.Read(area, size)
	if !ok {
		return fmt.Errorf("udf: %s: row area outside guest memory", d.label)
	}
	clear(view[:slots])
	copy(view[slots:], data)
	d.stack[0], d.stack[1], d.stack[2] = uint64(area+slots), uint64(len(data)), uint64(area)
	err := d.fn.CallWithStack(in.ctx, d.stack[:3])
	in.release()
	if err != nil {
		return in.fault(d.label, err, true)
	}
	if r := d.stack[0]; r != 0 {
		return &runtime.DecodeError{Offset: -1, Msg: "codec " + d.c.spec.Name + ": " + d.message(r)}
	}
	if view, ok = in.mem.Read(area, slots); !ok { // memory may have grown
		return d.malformed("the row area left guest memory")
	}
	le := binary.LittleEndian
	for k, col := range d.idx {
		if !d.read[k] {
			continue
		}
		s := view[slotSize*k:]
		tag, l, bits := le.Uint32(s), le.Uint32(s[4:]), le.Uint64(s[8:])
		if err := d.value(&d.cols[k], tag, l, bits, &row[col]); err != nil {
			return err
		}
	}
	return nil
}

// value converts one slot into its column's type, as strictly as JSON
// input: a number into BIGINT only when integral, BOOLEAN only from a
// boolean, VARCHAR only from valid UTF-8 text, and so on.
func (d *CodecDecoder) value(c *runtime.Column, tag, l uint32, bits uint64, v *runtime.Value) error {
	switch tag {
	case TagNull:
		return nil
	case TagBigint:
		i := int64(bits)
		switch c.Type {
		case runtime.TInt:
			*v = runtime.Int(i)
			return nil
		case runtime.TDouble:
			*v = runtime.Double(float64(i))
			return nil
		case runtime.TTimestamp:
			*v = runtime.Timestamp(i)
			return nil
		case runtime.TDecimal, runtime.TJSON:
			d.num = strconv.AppendInt(d.num[:0], i, 10)
			return d.parse(c, d.num, v)
		}
	case TagDouble:
		f := math.Float64frombits(bits)
		if c.Type == runtime.TDouble {
			*v = runtime.Double(f)
			return nil
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			if c.Type == runtime.TInt || c.Type == runtime.TDecimal || c.Type == runtime.TJSON {
				return mismatch(c, "DOUBLE "+strconv.FormatFloat(f, 'g', -1, 64))
			}
			break
		}
		switch c.Type {
		case runtime.TInt, runtime.TDecimal, runtime.TJSON:
			d.num = strconv.AppendFloat(d.num[:0], f, 'f', -1, 64)
			return d.parse(c, d.num, v)
		}
	case TagBoolean:
		switch c.Type {
		case runtime.TBool:
			*v = runtime.Bool(bits != 0)
			return nil
		case runtime.TJSON:
			*v = runtime.Value{T: runtime.TJSON, S: []byte("false")}
			if bits != 0 {
				v.S = []byte("true")
			}
			return nil
		}
	case TagTimestamp:
		switch c.Type {
		case runtime.TTimestamp, runtime.TInt:
			*v = runtime.Value{T: c.Type, I: int64(bits)}
			return nil
		}
	case TagVarchar, TagVarbinary, TagJSON:
		p := uint32(bits)
		b, ok := d.in.mem.Read(p, l)
		if !ok {
			return d.malformed("column %s: (ptr %d, len %d) is outside guest memory", c.Name, p, l)
		}
		switch {
		case tag == TagJSON && c.Type == runtime.TJSON:
			return d.parse(c, b, v)
		case tag == TagJSON:
		case c.Type == runtime.TString:
			if !utf8.Valid(b) {
				return &runtime.DecodeError{Offset: -1, Column: c.Name, Msg: "expected VARCHAR, got text that is not valid UTF-8"}
			}
			*v = runtime.Value{T: runtime.TString, S: d.keep(b)}
			return nil
		case c.Type == runtime.TJSON && tag == TagVarchar:
			if !utf8.Valid(b) {
				return &runtime.DecodeError{Offset: -1, Column: c.Name, Msg: "expected JSON, got text that is not valid UTF-8"}
			}
			start := len(d.scratch)
			d.scratch = runtime.AppendValueJSON(d.scratch, runtime.Value{T: runtime.TString, S: b})
			*v = runtime.Value{T: runtime.TJSON, S: d.scratch[start:len(d.scratch):len(d.scratch)]}
			return nil
		case tag == TagVarchar && (c.Type == runtime.TTimestamp || c.Type == runtime.TDecimal):
			return d.parse(c, b, v)
		}
		return mismatch(c, tagNames[tag]+" "+quote(b))
	case TagDecimal:
		if l > 18 {
			return d.malformed("column %s: DECIMAL scale %d (at most 18)", c.Name, l)
		}
		dv := runtime.Decimal(int64(bits), uint8(l))
		switch c.Type {
		case runtime.TDouble:
			*v = runtime.Double(float64(int64(bits)) / math.Pow10(int(l)))
			return nil
		case runtime.TInt, runtime.TDecimal, runtime.TJSON:
			d.num = runtime.AppendValueText(d.num[:0], dv)
			return d.parse(c, d.num, v)
		}
	default:
		return d.malformed("column %s: unknown tag %d", c.Name, tag)
	}
	return mismatch(c, tagNames[tag])
}

// parse converts text with runtime.ParseText, which may alias it: the
// text is kept in the scratch first when it is a JSON column's.
func (d *CodecDecoder) parse(c *runtime.Column, text []byte, v *runtime.Value) error {
	if c.Type == runtime.TJSON {
		text = d.keep(text)
	}
	return runtime.ParseText(c, text, v)
}

// keep copies b into the scratch (valid until ResetScratch).
func (d *CodecDecoder) keep(b []byte) []byte {
	start := len(d.scratch)
	d.scratch = append(d.scratch, b...)
	return d.scratch[start:len(d.scratch):len(d.scratch)]
}

func mismatch(c *runtime.Column, got string) error {
	want := c.Type.String()
	return &runtime.DecodeError{Offset: -1, Column: c.Name, Msg: "expected " + want + ", the codec gave " + got}
}

func quote(b []byte) string {
	if len(b) > 64 {
		return strconv.Quote(string(b[:64])) + "…"
	}
	return strconv.Quote(string(b))
}

// CodecEncoder encodes rows with one instance of a codec; it implements
// runtime.PayloadEncoder. One goroutine at a time.
type CodecEncoder struct{ *codecInst }

// Append writes row as one payload after dst. A trap, a timeout or
// output that breaks the ABI replaces the instance and returns a
// *CallError; a row the guest refuses, an error with its reason.
func (e *CodecEncoder) Append(dst []byte, row runtime.Row) ([]byte, error) {
	if len(row) != len(e.cols) {
		return dst, fmt.Errorf("udf: %s: row of %d columns, want %d", e.label, len(row), len(e.cols))
	}
	if err := e.setup(); err != nil {
		return dst, err
	}
	in := e.in
	slots := slotSize * len(row)
	size := slots
	for i := range row {
		if t := row[i].T; t == runtime.TString || t == runtime.TJSON {
			size += len(row[i].S)
		}
	}
	if size > math.MaxInt32 {
		return dst, fmt.Errorf("codec %s: a row of %d bytes is too large", e.c.spec.Name, size)
	}
	in.begin(in.m.h.lim.Timeout)
	if err := in.reserve(e.label, size); err != nil {
		return dst, err
	}
	area := in.area
	view, ok := in.mem.Read(area, uint32(size))
	if !ok {
		return dst, fmt.Errorf("udf: %s: row area outside guest memory", e.label)
	}
	le := binary.LittleEndian
	off := uint32(slots)
	for k := range row {
		v := &row[k]
		s := view[slotSize*k : slotSize*(k+1)]
		var tag, l uint32
		var bits uint64
		switch v.T {
		case runtime.TNull:
		case runtime.TDouble:
			tag, bits = TagDouble, math.Float64bits(v.F)
		case runtime.TString, runtime.TJSON:
			tag, l, bits = TagVarchar, uint32(len(v.S)), uint64(area+off)
			if v.T == runtime.TJSON {
				tag = TagJSON
			}
			copy(view[off:], v.S)
			off += l
		case runtime.TDecimal:
			tag, l, bits = TagDecimal, uint32(v.Scale), uint64(v.I)
		default: // BIGINT, BOOLEAN, TIMESTAMP
			tag, bits = columnTag(v.T), uint64(v.I)
		}
		le.PutUint32(s, tag)
		le.PutUint32(s[4:], l)
		le.PutUint64(s[8:], bits)
	}
	e.stack[0] = uint64(area)
	err := e.fn.CallWithStack(in.ctx, e.stack[:1])
	in.release()
	if err != nil {
		return dst, in.fault(e.label, err, true)
	}
	r := e.stack[0]
	if in.cur.resultNull {
		return dst, fmt.Errorf("codec %s: %s", e.c.spec.Name, e.message(r))
	}
	p, l := uint32(r>>32), uint32(r)
	out, ok := in.mem.Read(p, l)
	if !ok {
		return dst, e.malformed("payload (ptr %d, len %d) is outside guest memory", p, l)
	}
	return append(dst, out...), nil
}
