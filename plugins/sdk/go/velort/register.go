package velort

import (
	"fmt"
	"reflect"
	"strings"
)

// Timestamp is a TIMESTAMP: milliseconds since the Unix epoch, UTC.
type Timestamp int64

// JSON is a JSON document's text.
type JSON string

// Function is one manifest entry. Register and RegisterAggregate fill it from
// Go types; Declare takes it as written.
type Function struct {
	Name, Export string
	Params       []string // SQL type names
	Returns      string
	HandlesNull  bool
	Batch        string
	Aggregate    bool
	// Aggregate exports; default to Name + "_init" and so on.
	Init, Update, Merge, Result, Free string
	// Retract optionally names an aggregate export that undoes one update
	// with the same arguments (needed to aggregate over a changelog). Left
	// empty, the host still finds an export named Name + "_retract".
	Retract string
}

var registry []Function

// Register declares a scalar function whose export is named name, with the
// SQL types of fn's parameters and single result.
func Register(name string, fn any) {
	params, ret := sqlSignature(name, fn, 0)
	Declare(Function{Name: name, Export: name, Params: params, Returns: ret})
}

// RegisterAggregate declares an aggregate named name whose exports are
// name_init, name_update, name_merge, name_result and name_free. update is
// the Go func behind name_update, func(h int32, args...); result is the one
// behind name_result, func(h int32) T. The aggregate's SQL parameters are
// update's parameters after the handle, its SQL result is result's result.
func RegisterAggregate(name string, update, result any) {
	params, _ := sqlSignature(name, update, 1)
	_, ret := sqlSignature(name, result, 1)
	Declare(Function{Name: name, Params: params, Returns: ret, Aggregate: true})
}

// RegisterAggregateRetract is RegisterAggregate for an aggregate that can
// also take a row back out of its state: retract is the Go func behind
// name_retract, with the same parameters as update, and must undo one
// update with the same arguments. velort calls it when the aggregate runs
// over a changelog (an update of a row = retract of the old row, then
// update with the new one); an aggregate without it is refused there.
func RegisterAggregateRetract(name string, update, retract, result any) {
	params, _ := sqlSignature(name, update, 1)
	rparams, _ := sqlSignature(name, retract, 1)
	if strings.Join(params, ",") != strings.Join(rparams, ",") {
		panic(fmt.Sprintf("velort: %s: retract takes (%s), update takes (%s); they must match",
			name, strings.Join(rparams, ", "), strings.Join(params, ", ")))
	}
	_, ret := sqlSignature(name, result, 1)
	Declare(Function{Name: name, Params: params, Returns: ret, Aggregate: true, Retract: name + "_retract"})
}

// Declare adds a manifest entry as given.
func Declare(f Function) {
	if !isIdent(f.Name) {
		panic(fmt.Sprintf("velort: function name %q is not an identifier", f.Name))
	}
	if f.Aggregate {
		def := func(s *string, suffix string) {
			if *s == "" {
				*s = f.Name + suffix
			}
		}
		def(&f.Init, "_init")
		def(&f.Update, "_update")
		def(&f.Merge, "_merge")
		def(&f.Result, "_result")
		def(&f.Free, "_free")
	} else if f.Export == "" {
		f.Export = f.Name
	}
	registry = append(registry, f)
}

var (
	tTimestamp = reflect.TypeFor[Timestamp]()
	tJSON      = reflect.TypeFor[JSON]()
	tBytes     = reflect.TypeFor[[]byte]()
)

func sqlType(t reflect.Type) (string, bool) {
	switch t {
	case tTimestamp:
		return "TIMESTAMP", true
	case tJSON:
		return "JSON", true
	case tBytes:
		return "VARBINARY", true
	}
	switch t.Kind() {
	case reflect.Int64, reflect.Int:
		return "BIGINT", true
	case reflect.Float64:
		return "DOUBLE", true
	case reflect.Bool:
		return "BOOLEAN", true
	case reflect.String:
		return "VARCHAR", true
	}
	return "", false
}

// sqlSignature maps fn's parameters (after skip leading ones) and result.
func sqlSignature(name string, fn any, skip int) (params []string, ret string) {
	t := reflect.TypeOf(fn)
	if t == nil || t.Kind() != reflect.Func || t.NumIn() < skip {
		panic(fmt.Sprintf("velort: %s: want a func, got %T", name, fn))
	}
	for i := skip; i < t.NumIn(); i++ {
		s, ok := sqlType(t.In(i))
		if !ok {
			panic(fmt.Sprintf("velort: %s: parameter %d has Go type %s, which has no SQL type", name, i+1, t.In(i)))
		}
		params = append(params, s)
	}
	if t.NumOut() == 1 {
		s, ok := sqlType(t.Out(0))
		if !ok {
			panic(fmt.Sprintf("velort: %s: result has Go type %s, which has no SQL type", name, t.Out(0)))
		}
		ret = s
	} else if skip == 0 {
		panic(fmt.Sprintf("velort: %s: want exactly one result", name))
	}
	return params, ret
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Manifest returns the JSON manifest of every registered function and
// codec.
func Manifest() []byte {
	var b strings.Builder
	b.WriteString(`{"abi":"velort/1","functions":[`)
	for i, f := range registry {
		if i > 0 {
			b.WriteByte(',')
		}
		field := func(k, v string) {
			b.WriteString(`,"` + k + `":`)
			quote(&b, v)
		}
		b.WriteString(`{"name":`)
		quote(&b, f.Name)
		if f.Aggregate {
			b.WriteString(`,"kind":"aggregate"`)
			field("init", f.Init)
			field("update", f.Update)
			field("merge", f.Merge)
			field("result", f.Result)
			field("free", f.Free)
			if f.Retract != "" {
				field("retract", f.Retract)
			}
		} else {
			field("export", f.Export)
		}
		b.WriteString(`,"params":[`)
		for j, p := range f.Params {
			if j > 0 {
				b.WriteByte(',')
			}
			quote(&b, p)
		}
		b.WriteByte(']')
		field("returns", f.Returns)
		if f.HandlesNull {
			b.WriteString(`,"handles_null":true`)
		}
		if f.Batch != "" {
			field("batch", f.Batch)
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	if len(codecs) > 0 {
		b.WriteString(`,"codecs":[`)
		for i, c := range codecs {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"name":`)
			quote(&b, c.name)
			b.WriteString(`,"init":"` + codecInit + `","decode":"` + codecDecode + `","encode":"` + codecEncode + `"}`)
		}
		b.WriteByte(']')
	}
	b.WriteByte('}')
	return []byte(b.String())
}

// quote writes s as a JSON string.
func quote(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
