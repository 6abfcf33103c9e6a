package runtime

import "fmt"

// Type is the SQL type of a value slot.
type Type uint8

const (
	TNull      Type = iota // the type of a NULL literal; a Value with T == TNull is SQL NULL
	TBool                  // I holds 0 or 1
	TInt                   // I holds the value (BIGINT/INT)
	TDouble                // F holds the value (DOUBLE/FLOAT)
	TDecimal               // I holds the unscaled value, Scale the number of fraction digits
	TString                // S holds UTF-8 bytes (VARCHAR/TEXT)
	TTimestamp             // I holds epoch milliseconds, UTC
	TJSON                  // S holds a JSON document's text
)

var typeNames = [...]string{"NULL", "BOOLEAN", "BIGINT", "DOUBLE", "DECIMAL", "VARCHAR", "TIMESTAMP", "JSON"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// Numeric reports whether t is BIGINT, DOUBLE or DECIMAL.
func (t Type) Numeric() bool { return t == TInt || t == TDouble || t == TDecimal }

// Value is one typed slot of a record. The zero Value is NULL.
type Value struct {
	T     Type
	Scale uint8 // fraction digits of a TDecimal
	I     int64
	F     float64
	S     []byte
}

// Null is the SQL NULL value.
var Null = Value{}

// IsNull reports whether v is SQL NULL.
func (v Value) IsNull() bool { return v.T == TNull }

// Int returns a BIGINT value.
func Int(i int64) Value { return Value{T: TInt, I: i} }

// Double returns a DOUBLE value.
func Double(f float64) Value { return Value{T: TDouble, F: f} }

// Bool returns a BOOLEAN value.
func Bool(b bool) Value {
	if b {
		return Value{T: TBool, I: 1}
	}
	return Value{T: TBool}
}

// String returns a VARCHAR value aliasing s.
func String(s []byte) Value { return Value{T: TString, S: s} }

// Timestamp returns a TIMESTAMP value from epoch milliseconds.
func Timestamp(ms int64) Value { return Value{T: TTimestamp, I: ms} }

// Decimal returns a DECIMAL value unscaled/10^scale.
func Decimal(unscaled int64, scale uint8) Value { return Value{T: TDecimal, I: unscaled, Scale: scale} }

// Row is a record: one Value per column of its Schema.
type Row []Value

// Column describes one slot of a record.
type Column struct {
	Name      string
	Type      Type
	Precision uint8 // DECIMAL(p,s): p
	Scale     uint8 // DECIMAL(p,s): s
	// Meta, when set, is the column's METADATA FROM source (SPEC §2
	// "NATS-native streams"): filled from the message, not its payload.
	Meta string
}

// Schema is the ordered list of a record's columns.
type Schema []Column

// Index returns the position of the column named name (case-insensitive), or -1.
func (s Schema) Index(name string) int {
	for i, c := range s {
		if equalFold(c.Name, name) {
			return i
		}
	}
	return -1
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
