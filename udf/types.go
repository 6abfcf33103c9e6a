package udf

import (
	"fmt"
	"strings"

	"github.com/velort/velort/udf/internal/wasmbin"
)

// Type is the SQL type of a user function's parameter or result.
type Type uint8

// SQL types and their wasm representation (ABI velort/1).
const (
	Int       Type = iota + 1 // BIGINT, INT: i64
	Double                    // DOUBLE, FLOAT: f64
	Bool                      // BOOLEAN: i32 0 or 1
	Timestamp                 // TIMESTAMP: i64 epoch milliseconds
	String                    // VARCHAR, TEXT: (ptr, len) in, (ptr<<32 | len) out
	Bytes                     // VARBINARY: as String
	JSON                      // JSON text: as String
)

var typeNames = [...]string{Int: "BIGINT", Double: "DOUBLE", Bool: "BOOLEAN", Timestamp: "TIMESTAMP",
	String: "VARCHAR", Bytes: "VARBINARY", JSON: "JSON"}

var typeAliases = map[string]Type{
	"BIGINT": Int, "INT": Int, "INTEGER": Int,
	"DOUBLE": Double, "FLOAT": Double, "REAL": Double,
	"BOOLEAN": Bool, "BOOL": Bool,
	"TIMESTAMP": Timestamp,
	"VARCHAR":   String, "TEXT": String, "STRING": String,
	"VARBINARY": Bytes, "BYTES": Bytes,
	"JSON": JSON,
}

// ParseType maps a SQL type name (case-insensitive; a length such as
// VARCHAR(32) is ignored) to a Type.
func ParseType(sqlName string) (Type, error) {
	n := strings.ToUpper(strings.TrimSpace(sqlName))
	if i := strings.IndexByte(n, '('); i > 0 && strings.HasSuffix(n, ")") {
		n = strings.TrimSpace(n[:i])
	}
	if t, ok := typeAliases[n]; ok {
		return t, nil
	}
	return 0, fmt.Errorf("udf: type %q is not supported by user functions (want BIGINT, INT, DOUBLE, FLOAT, BOOLEAN, TIMESTAMP, VARCHAR, TEXT, VARBINARY or JSON)", sqlName)
}

func (t Type) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

func (t Type) valid() bool { return t >= Int && t <= JSON }

// varLen reports whether values of t are passed through guest memory.
func (t Type) varLen() bool { return t == String || t == Bytes || t == JSON }

func hasVarLen(ts []Type) bool {
	for _, t := range ts {
		if t.varLen() {
			return true
		}
	}
	return false
}

// param appends the wasm parameter types of one argument of type t.
func (t Type) param(v []wasmbin.ValType) []wasmbin.ValType {
	switch t {
	case Int, Timestamp:
		return append(v, wasmbin.I64)
	case Double:
		return append(v, wasmbin.F64)
	case Bool:
		return append(v, wasmbin.I32)
	}
	return append(v, wasmbin.I32, wasmbin.I32)
}

// result is the wasm result type of a value of type t.
func (t Type) result() wasmbin.ValType {
	switch t {
	case Double:
		return wasmbin.F64
	case Bool:
		return wasmbin.I32
	}
	return wasmbin.I64
}

// width is the element size of a batch column of type t.
func (t Type) width() uint32 {
	if t == Bool {
		return 4
	}
	return 8
}

// Kind says whether a function is scalar or aggregate.
type Kind uint8

// Function kinds.
const (
	Scalar Kind = iota
	Aggregate
)

func (k Kind) String() string {
	if k == Aggregate {
		return "aggregate"
	}
	return "scalar"
}

// Signature declares one user function: its SQL name and types, and the
// exports that implement it.
type Signature struct {
	Name   string
	Export string // scalar entry point; defaults to Name
	Params []Type
	// Returns is the result type.
	Returns Type
	Kind    Kind
	// HandlesNull: the function is called for NULL arguments too, with a
	// leading i32 bitmask of the NULL arguments (bit i = argument i).
	HandlesNull bool
	// Aggregate exports; default to base+"_init", "_update", "_merge",
	// "_result", where base is Export when set (CREATE FUNCTION f ... WITH
	// (export = 'variance') finds variance_init), else Name. Free is
	// optional: when empty and the module exports base+"_free", the load
	// fills it in.
	Init, Update, Merge, Result, Free string
	// Retract optionally names an aggregate export that undoes one update
	// with the same arguments (same wasm signature as Update). When empty
	// and the module exports base+"_retract", the load fills it in.
	Retract string
	// Batch optionally names an export called once per micro-batch over
	// column arrays (scalar functions with fixed-width types only).
	Batch string
}

// HasRetract reports whether s is an aggregate with a retract export, i.e.
// one that can be used over a changelog input.
func (s *Signature) HasRetract() bool { return s.Kind == Aggregate && s.Retract != "" }

// String renders s as "risk(DOUBLE, BIGINT) -> DOUBLE".
func (s Signature) String() string {
	p := make([]string, len(s.Params))
	for i, t := range s.Params {
		p[i] = t.String()
	}
	str := fmt.Sprintf("%s(%s) -> %s", s.Name, strings.Join(p, ", "), s.Returns)
	if s.Kind == Aggregate {
		str = "aggregate " + str
	}
	return str
}

// Arg is one argument or result value. I carries Int, Bool (0/1) and
// Timestamp; F carries Double; B carries String, Bytes and JSON.
type Arg struct {
	I    int64
	F    float64
	B    []byte
	Null bool
}

// exportBase is the prefix of an aggregate's default export names: Export
// when set, else Name.
func (s *Signature) exportBase() string {
	if s.Export != "" {
		return s.Export
	}
	return s.Name
}
