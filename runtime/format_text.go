package runtime

import (
	"strconv"
	"unicode/utf8"
)

// ParseText converts the text s (a CSV field, a header value, a subject
// token) to the column's type, as strictly as JSON input: BIGINT an
// integral number (100, 100.0, 1e2), DOUBLE any number, DECIMAL a number
// that fits, BOOLEAN true or false (any case), TIMESTAMP epoch
// milliseconds or RFC 3339, JSON a valid JSON value, VARCHAR the text
// itself (valid UTF-8). v aliases s for VARCHAR and JSON.
func ParseText(c *Column, s []byte, v *Value) error {
	switch c.Type {
	case TString:
		if !utf8.Valid(s) {
			return columnError(c, "expected VARCHAR, got text that is not valid UTF-8")
		}
		*v = Value{T: TString, S: s}
		return nil
	case TJSON:
		i := skipWS(s, 0)
		end, err := skipValue(s, i, 0)
		if err == nil {
			err = endOfMessage(s, end)
		}
		if err != nil {
			return columnError(c, "expected JSON, got "+quoteText(s)+": "+err.Error())
		}
		*v = Value{T: TJSON, S: s}
		return nil
	case TBool:
		switch {
		case len(s) == 4 && s[0]|0x20 == 't' && s[1]|0x20 == 'r' && s[2]|0x20 == 'u' && s[3]|0x20 == 'e':
			*v = Bool(true)
			return nil
		case len(s) == 5 && s[0]|0x20 == 'f' && s[1]|0x20 == 'a' && s[2]|0x20 == 'l' && s[3]|0x20 == 's' && s[4]|0x20 == 'e':
			*v = Bool(false)
			return nil
		}
		return columnError(c, "expected BOOLEAN (true or false), got "+quoteText(s))
	case TTimestamp:
		if len(s) > 0 && (s[0] == '-' || isDigit(s[0])) && !isRFC3339Like(s) {
			break // epoch milliseconds
		}
		ms, why := parseRFC3339(s)
		if why != "" {
			return columnError(c, "expected TIMESTAMP (epoch milliseconds or RFC 3339), got "+quoteText(s)+": "+why)
		}
		*v = Timestamp(ms)
		return nil
	}
	if len(s) == 0 || (s[0] != '-' && !isDigit(s[0])) {
		return columnError(c, "expected "+typeName(c)+", got "+quoteText(s))
	}
	var n number
	if err := scanNumber(s, 0, &n); err != nil || n.end != len(s) {
		return columnError(c, "expected "+typeName(c)+", got "+quoteText(s))
	}
	return setNumber(c, s, &n, v)
}

// isRFC3339Like: digits then '-' at offset 4 (a date), not a number.
func isRFC3339Like(s []byte) bool { return len(s) > 4 && s[4] == '-' && isDigit(s[0]) }

// quoteText renders text for an error message, shortened.
func quoteText(s []byte) string {
	if len(s) > 64 {
		return strconv.Quote(string(s[:64])) + "…"
	}
	return strconv.Quote(string(s))
}

// AppendValueText appends v as text: what ParseText reads back. NULL
// appends nothing (the caller tells it from the empty string).
func AppendValueText(dst []byte, v Value) []byte {
	switch v.T {
	case TString, TJSON:
		return append(dst, v.S...)
	case TTimestamp:
		return FormatTimestamp(dst, v.I)
	case TNull:
		return dst
	}
	return AppendValueJSON(dst, v)
}

// textDecoder reads the whole payload into one VARCHAR column.
type textDecoder struct {
	n   int // columns
	col int // the payload column, -1 when not read
}

func (d *textDecoder) DecodeMore(data []byte, row Row) error {
	if len(row) != d.n {
		panic("runtime: Decode row length does not match the schema")
	}
	clear(row)
	if d.col >= 0 {
		if !utf8.Valid(data) {
			return &DecodeError{Offset: -1, Msg: "text payload is not valid UTF-8"}
		}
		row[d.col] = Value{T: TString, S: data[:len(data):len(data)]}
	}
	return nil
}

func (d *textDecoder) ResetScratch() {}

// textEncoder writes the row's one column as the payload (NULL: empty).
type textEncoder struct{}

func (textEncoder) Append(dst []byte, row Row) ([]byte, error) {
	return AppendValueText(dst, row[0]), nil
}
