package runtime

import (
	"strconv"
	"unicode/utf8"
)

// DecodeError says why a message could not be decoded into a record. Its
// text is meant for the dead-letter header Velort-Error.
type DecodeError struct {
	Offset int    // byte offset of a JSON syntax error; -1 otherwise
	Column string // the column whose value was rejected; "" for message-level errors
	Msg    string
}

func (e *DecodeError) Error() string {
	switch {
	case e.Column != "":
		return "column " + strconv.Quote(e.Column) + ": " + e.Msg
	case e.Offset >= 0:
		return "invalid JSON at offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
	}
	return e.Msg
}

func syntaxError(off int, msg string) error {
	return &DecodeError{Offset: off, Msg: msg}
}

// unexpected reports the byte at b[i] (or the end of input) where a value,
// key or delimiter was expected.
func unexpected(b []byte, i int, context string) error {
	if i >= len(b) {
		return syntaxError(i, "unexpected end of JSON input")
	}
	return syntaxError(i, "invalid character "+quoteChar(b[i:])+" "+context)
}

func quoteChar(b []byte) string {
	r, _ := utf8.DecodeRune(b)
	if b[0] < utf8.RuneSelf {
		r = rune(b[0])
	}
	if r == '\'' {
		return `'\''`
	}
	if r == '"' {
		return `'"'`
	}
	s := strconv.QuoteRune(r)
	return "'" + s[1:len(s)-1] + "'"
}

func columnError(c *Column, msg string) error {
	return &DecodeError{Offset: -1, Column: c.Name, Msg: msg}
}

// typeError says which type the column wanted and shows what came instead.
func typeError(c *Column, raw []byte) error {
	return columnError(c, "expected "+typeName(c)+", got "+describe(raw))
}

func rangeError(c *Column, raw []byte) error {
	return columnError(c, typeName(c)+" out of range, got "+describe(raw))
}

func typeName(c *Column) string {
	if c.Type == TDecimal {
		return "DECIMAL(" + strconv.Itoa(int(c.Precision)) + "," + strconv.Itoa(int(c.Scale)) + ")"
	}
	return c.Type.String()
}

// describe renders a JSON value for an error message: scalars as written
// (shortened), containers by kind.
func describe(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	}
	const max = 40
	if len(raw) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(raw[cut]) {
			cut--
		}
		return string(raw[:cut]) + "…"
	}
	return string(raw)
}

func kindOf(c byte) string {
	switch c {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}
