package runtime

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// Encoder writes rows as JSON objects with fixed field names, in the
// format of SPEC §4 (what sinks publish and --capture writes).
type Encoder struct {
	heads []byte  // `{"a":` then `,"b":` …, concatenated
	ends  []int32 // end of each column's head in heads
}

// NewEncoder returns an encoder for rows whose columns are named names.
func NewEncoder(names []string) *Encoder {
	e := &Encoder{ends: make([]int32, len(names))}
	for i, name := range names {
		if i == 0 {
			e.heads = append(e.heads, '{')
		} else {
			e.heads = append(e.heads, ',')
		}
		e.heads = appendJSONString(e.heads, []byte(name))
		e.heads = append(e.heads, ':')
		e.ends[i] = int32(len(e.heads))
	}
	return e
}

// Append appends row (one Value per name, in order) as one JSON object.
func (e *Encoder) Append(dst []byte, row Row) []byte {
	if len(e.ends) == 0 {
		return append(dst, '{', '}')
	}
	start := int32(0)
	for i, end := range e.ends {
		dst = append(dst, e.heads[start:end]...)
		dst = AppendValueJSON(dst, row[i])
		start = end
	}
	return append(dst, '}')
}

// AppendValueJSON appends v as a JSON value: NULL as null, BOOLEAN as
// true/false, numbers as JSON numbers (DECIMAL with exactly Scale fraction
// digits, DOUBLE as encoding/json writes it, NaN and ±Inf as null),
// VARCHAR as a string, TIMESTAMP as an RFC 3339 UTC string with
// milliseconds, JSON as its text.
func AppendValueJSON(dst []byte, v Value) []byte {
	switch v.T {
	case TBool:
		if v.I != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case TInt:
		return strconv.AppendInt(dst, v.I, 10)
	case TDouble:
		return appendFloat(dst, v.F)
	case TDecimal:
		return appendDecimal(dst, v.I, v.Scale)
	case TString:
		return appendJSONString(dst, v.S)
	case TTimestamp:
		dst = append(dst, '"')
		dst = FormatTimestamp(dst, v.I)
		return append(dst, '"')
	case TJSON:
		if len(v.S) > 0 {
			return append(dst, v.S...)
		}
	}
	return append(dst, "null"...)
}

// appendFloat writes f as encoding/json does: the shortest text that
// round-trips, in exponent form only below 1e-6 or from 1e21 on.
func appendFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	abs := math.Abs(f)
	if abs < 1e15 && f == math.Trunc(f) && (f != 0 || !math.Signbit(f)) {
		return strconv.AppendInt(dst, int64(f), 10) // integral: same digits, no float formatting
	}
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		dst = strconv.AppendFloat(dst, f, 'e', -1, 64)
		// e-09 → e-9, as encoding/json writes it.
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
		return dst
	}
	return strconv.AppendFloat(dst, f, 'f', -1, 64)
}

// appendDecimal writes unscaled/10^scale with exactly scale fraction digits.
func appendDecimal(dst []byte, unscaled int64, scale uint8) []byte {
	u := uint64(unscaled)
	if unscaled < 0 {
		dst = append(dst, '-')
		u = -u
	}
	if scale == 0 {
		return strconv.AppendUint(dst, u, 10)
	}
	var buf [24]byte
	i := len(buf)
	for k := 0; k < int(scale) && k < 20; k++ {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
	}
	dst = strconv.AppendUint(dst, u, 10)
	dst = append(dst, '.')
	for k := 20; k < int(scale); k++ { // a scale past int64's digits
		dst = append(dst, '0')
	}
	return append(dst, buf[i:]...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as a JSON string with encoding/json's escapes,
// minus HTML escaping: \" \\ \b \f \n \r \t, other control characters as
// \u00XX, U+2028 and U+2029 escaped, invalid UTF-8 as \ufffd.
func appendJSONString(dst, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if strPlain[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
