package runtime

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// The JSON scanner below validates RFC 8259 text (strict: UTF-8 only, no
// control characters in strings, no leading zeros, nesting up to
// maxJSONDepth) without allocating. Offsets in its errors are byte offsets
// into the message.

const maxJSONDepth = 1000

// strPlain marks the bytes a JSON string holds as they are (read or written):
// printable ASCII other than '"' and '\\'.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func skipWS(b []byte, i int) int {
	if i < len(b) && b[i] > ' ' {
		return i
	}
	for i < len(b) {
		switch b[i] {
		case ' ', '\n', '\t', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanString checks the string starting at b[i] == '"' and returns the
// offset just past its closing quote and whether it holds escapes.
func scanString(b []byte, i int) (end int, escaped bool, err error) {
	j := i + 1
	for {
		j = skipPlain(b, j)
		if j >= len(b) {
			return j, escaped, syntaxError(j, "unexpected end of JSON input")
		}
		switch c := b[j]; {
		case c == '"':
			return j + 1, escaped, nil
		case c == '\\':
			escaped = true
			if j+1 >= len(b) {
				return j + 1, escaped, syntaxError(j+1, "unexpected end of JSON input")
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				for k := j + 2; k < j+6; k++ {
					if k >= len(b) {
						return k, escaped, syntaxError(k, "unexpected end of JSON input")
					}
					if hexVal(b[k]) < 0 {
						return k, escaped, unexpected(b, k, "in \\u hexadecimal character escape")
					}
				}
				j += 6
			default:
				return j + 1, escaped, unexpected(b, j+1, "in string escape code")
			}
		case c < 0x20:
			return j, escaped, unexpected(b, j, "in string literal")
		default:
			r, size := utf8.DecodeRune(b[j:])
			if r == utf8.RuneError && size == 1 {
				return j, escaped, syntaxError(j, "invalid UTF-8 in string")
			}
			j += size
		}
	}
}

// skipPlain returns the offset of the first byte from b[j] on that is not
// strPlain, testing 8 bytes at a time.
func skipPlain(b []byte, j int) int {
	const lsb, msb = 0x0101010101010101, 0x8080808080808080
	for j+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[j:])
		q := x ^ lsb*'"'
		s := x ^ lsb*'\\'
		// The lowest flagged byte is exact: a borrow only runs upwards
		// from a byte that is flagged itself.
		m := ((q-lsb)&^q | (s-lsb)&^s | (x-lsb*0x20)&^x | x) & msb
		if m != 0 {
			return j + bits.TrailingZeros64(m)>>3
		}
		j += 8
	}
	for j < len(b) && strPlain[b[j]] {
		j++
	}
	return j
}

func hexVal(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func hex4(s []byte) rune {
	return rune(hexVal(s[0])<<12 | hexVal(s[1])<<8 | hexVal(s[2])<<4 | hexVal(s[3]))
}

// unescape appends the text of a validated string body (between the
// quotes) to dst. Unpaired surrogates become U+FFFD, as in encoding/json.
func unescape(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		if s[i] != '\\' {
			j := i + 1
			for j < len(s) && s[j] != '\\' {
				j++
			}
			dst = append(dst, s[i:j]...)
			i = j
			continue
		}
		c := s[i+1]
		i += 2
		switch c {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(s[i:])
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					r2 = hex4(s[i+2:])
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\', '/'
			dst = append(dst, c)
		}
	}
	return dst
}

// number is what scanNumber learned about a numeric literal on its way.
type number struct {
	mant  uint64 // the digits (integer and fraction part) as an integer; exact when nd <= 19
	nd    int    // count of digits
	frac  int    // count of fraction digits
	exp   bool   // has an exponent part
	neg   bool
	start int // offset of the literal
	end   int // offset just past it
}

// scanNumber checks the number starting at b[i] ('-' or a digit) and
// describes it in *n.
func scanNumber(b []byte, i int, n *number) error {
	*n = number{start: i}
	if b[i] == '-' {
		n.neg = true
		i++
	}
	if i >= len(b) {
		return syntaxError(i, "unexpected end of JSON input")
	}
	switch c := b[i]; {
	case c == '0':
		i++
		n.nd = 1
	case '1' <= c && c <= '9':
		for i < len(b) && isDigit(b[i]) {
			if n.nd < 19 {
				n.mant = n.mant*10 + uint64(b[i]-'0')
			}
			n.nd++
			i++
		}
	default:
		return unexpected(b, i, "in numeric literal")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return unexpected(b, i, "after decimal point in numeric literal")
		}
		for i < len(b) && isDigit(b[i]) {
			if n.nd < 19 {
				n.mant = n.mant*10 + uint64(b[i]-'0')
			}
			n.nd++
			n.frac++
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		n.exp = true
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return unexpected(b, i, "in exponent of numeric literal")
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	n.end = i
	return nil
}

func scanLiteral(b []byte, i int, lit string) (int, error) {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit), nil
	}
	for k := 1; k < len(lit); k++ {
		if i+k >= len(b) {
			return i + k, syntaxError(i+k, "unexpected end of JSON input")
		}
		if b[i+k] != lit[k] {
			return i + k, unexpected(b, i+k, "in literal "+lit+" (expecting '"+lit[k:k+1]+"')")
		}
	}
	return i + len(lit), nil
}

// skipValue checks the value starting at b[i] and returns the offset just
// past it. depth is the nesting depth of the value's container.
func skipValue(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return i, syntaxError(i, "unexpected end of JSON input")
	}
	switch c := b[i]; c {
	case '"':
		end, _, err := scanString(b, i)
		return end, err
	case '{', '[':
		return skipContainer(b, i, depth+1)
	case 't':
		return scanLiteral(b, i, "true")
	case 'f':
		return scanLiteral(b, i, "false")
	case 'n':
		return scanLiteral(b, i, "null")
	default:
		if c == '-' || isDigit(c) {
			var n number
			err := scanNumber(b, i, &n)
			return n.end, err
		}
		return i, unexpected(b, i, "looking for beginning of value")
	}
}

// skipContainer checks the object or array starting at b[i].
func skipContainer(b []byte, i, depth int) (int, error) {
	if depth > maxJSONDepth {
		return i, syntaxError(i, "exceeded max nesting depth")
	}
	object := b[i] == '{'
	closer := byte(']')
	if object {
		closer = '}'
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == closer {
		return i + 1, nil
	}
	for {
		var err error
		if object {
			if i >= len(b) || b[i] != '"' {
				return i, unexpected(b, i, "looking for beginning of object key string")
			}
			if i, _, err = scanString(b, i); err != nil {
				return i, err
			}
			i = skipWS(b, i)
			if i >= len(b) || b[i] != ':' {
				return i, unexpected(b, i, "after object key")
			}
			i = skipWS(b, i+1)
		}
		if i, err = skipValue(b, i, depth); err != nil {
			return i, err
		}
		i = skipWS(b, i)
		if i < len(b) && b[i] == ',' {
			i = skipWS(b, i+1)
			continue
		}
		if i < len(b) && b[i] == closer {
			return i + 1, nil
		}
		if object {
			return i, unexpected(b, i, "after object key:value pair")
		}
		return i, unexpected(b, i, "after array element")
	}
}
