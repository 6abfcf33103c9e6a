package runtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var decSchema = Schema{
	{Name: "id", Type: TInt},
	{Name: "price", Type: TDouble},
	{Name: "name", Type: TString},
	{Name: "ok", Type: TBool},
	{Name: "ts", Type: TTimestamp},
	{Name: "amt", Type: TDecimal, Precision: 10, Scale: 2},
	{Name: "doc", Type: TJSON},
}

// col names one column of decSchema and its expected value.
type col struct {
	name string
	v    Value
}

func allRead(n int) []bool {
	r := make([]bool, n)
	for i := range r {
		r[i] = true
	}
	return r
}

func sameValue(a, b Value) bool {
	if a.T != b.T || a.I != b.I || a.Scale != b.Scale || !bytes.Equal(a.S, b.S) {
		return false
	}
	return math.Float64bits(a.F) == math.Float64bits(b.F)
}

func showValue(v Value) string {
	return fmt.Sprintf("%s{I:%d F:%v Scale:%d S:%q}", v.T, v.I, v.F, v.Scale, v.S)
}

func ms(s string) int64 {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UnixMilli()
}

func js(s string) Value  { return Value{T: TJSON, S: []byte(s)} }
func str(s string) Value { return String([]byte(s)) }

func TestDecodeValues(t *testing.T) {
	cases := []struct {
		in   string
		want []col // columns not listed must be NULL
	}{
		// whole-message rules
		{`{}`, nil},
		{" \r\n\t{ \"id\" : 1 }\n ", []col{{"id", Int(1)}}},
		{`{"id":null,"price":null,"name":null,"ok":null,"ts":null,"amt":null,"doc":null}`, nil},
		{`{"zzz":[1,{"x":"y"}],"id":1,"other":"\u00e9","n":-1.5e3,"t":true,"f":false,"z":null,"o":{}}`, []col{{"id", Int(1)}}},
		{`{"ID":1,"Price":2.5,"NAME":"x","oK":true}`, []col{{"id", Int(1)}, {"price", Double(2.5)}, {"name", str("x")}, {"ok", Bool(true)}}},
		{`{"\u0069\u0044":7}`, []col{{"id", Int(7)}}},
		{`{"id":1,"id":2}`, []col{{"id", Int(2)}}},
		{`{"id":1,"ID":null}`, nil},
		{`{"name":"a","Name":"b\n"}`, []col{{"name", str("b\n")}}},
		// BIGINT
		{`{"id":100}`, []col{{"id", Int(100)}}},
		{`{"id":100.0}`, []col{{"id", Int(100)}}},
		{`{"id":1e2}`, []col{{"id", Int(100)}}},
		{`{"id":1E+2}`, []col{{"id", Int(100)}}},
		{`{"id":12000e-3}`, []col{{"id", Int(12)}}},
		{`{"id":-0}`, []col{{"id", Int(0)}}},
		{`{"id":0.0e99999999999999999999}`, []col{{"id", Int(0)}}},
		{`{"id":-42}`, []col{{"id", Int(-42)}}},
		{`{"id":9223372036854775807}`, []col{{"id", Int(math.MaxInt64)}}},
		{`{"id":-9223372036854775808}`, []col{{"id", Int(math.MinInt64)}}},
		{`{"id":9.223372036854775807e18}`, []col{{"id", Int(math.MaxInt64)}}},
		{`{"id":-922337203685477580.80e1}`, []col{{"id", Int(math.MinInt64)}}},
		{`{"id":123456789012345678900e-2}`, []col{{"id", Int(1234567890123456789)}}},
		// DOUBLE
		{`{"price":1.5}`, []col{{"price", Double(1.5)}}},
		{`{"price":150}`, []col{{"price", Double(150)}}},
		{`{"price":0.1}`, []col{{"price", Double(0.1)}}},
		{`{"price":-0.0}`, []col{{"price", Double(math.Copysign(0, -1))}}},
		{`{"price":1e308}`, []col{{"price", Double(1e308)}}},
		{`{"price":1e-400}`, []col{{"price", Double(0)}}},
		{`{"price":5e-324}`, []col{{"price", Double(5e-324)}}},
		{`{"price":123456789012345678901234567890}`, []col{{"price", Double(1.2345678901234568e29)}}},
		{`{"price":0.30000000000000004}`, []col{{"price", Double(0.30000000000000004)}}},
		{`{"price":9007199254740993}`, []col{{"price", Double(9007199254740992)}}},
		{`{"price":-2.5E-3}`, []col{{"price", Double(-0.0025)}}},
		// VARCHAR
		{`{"name":"abc"}`, []col{{"name", str("abc")}}},
		{`{"name":""}`, []col{{"name", str("")}}},
		{`{"name":12.50}`, []col{{"name", str("12.50")}}},
		{`{"name":-1e5}`, []col{{"name", str("-1e5")}}},
		{`{"name":true}`, []col{{"name", str("true")}}},
		{`{"name":false}`, []col{{"name", str("false")}}},
		{`{"name":"a\"b\\c\/d\b\f\n\r\t"}`, []col{{"name", str("a\"b\\c/d\b\f\n\r\t")}}},
		{`{"name":"\u00e9\u4E2D\ud83d\ude00"}`, []col{{"name", str("é中😀")}}},
		{`{"name":"héllo 中文 😀 <&>"}`, []col{{"name", str("héllo 中文 😀 <&>")}}},
		{`{"name":"\ud800x"}`, []col{{"name", str("\uFFFDx")}}},
		{`{"name":"\ud800\u0041"}`, []col{{"name", str("\uFFFDA")}}},
		{`{"name":"\udc00"}`, []col{{"name", str("\uFFFD")}}},
		{`{"name":"\u0000"}`, []col{{"name", str("\x00")}}},
		// BOOLEAN
		{`{"ok":true}`, []col{{"ok", Bool(true)}}},
		{`{"ok":false}`, []col{{"ok", Bool(false)}}},
		// TIMESTAMP
		{`{"ts":1705312800000}`, []col{{"ts", Timestamp(1705312800000)}}},
		{`{"ts":1.7053128e12}`, []col{{"ts", Timestamp(1705312800000)}}},
		{`{"ts":-1}`, []col{{"ts", Timestamp(-1)}}},
		{`{"ts":-86400001}`, []col{{"ts", Timestamp(-86400001)}}},
		{`{"ts":"2024-01-15T10:00:00Z"}`, []col{{"ts", Timestamp(1705312800000)}}},
		{`{"ts":"2024-01-15T10:00:00.123Z"}`, []col{{"ts", Timestamp(1705312800123)}}},
		{`{"ts":"2024-01-15T10:00:00.1Z"}`, []col{{"ts", Timestamp(1705312800100)}}},
		{`{"ts":"2024-01-15T10:00:00.12Z"}`, []col{{"ts", Timestamp(1705312800120)}}},
		{`{"ts":"2024-01-15T10:00:00.123456789Z"}`, []col{{"ts", Timestamp(1705312800123)}}},
		{`{"ts":"2024-01-15T10:00:00.999999999999Z"}`, []col{{"ts", Timestamp(1705312800999)}}},
		{`{"ts":"2024-01-15T12:00:00+02:00"}`, []col{{"ts", Timestamp(1705312800000)}}},
		{`{"ts":"2024-01-15T05:30:00.5-04:30"}`, []col{{"ts", Timestamp(1705312800500)}}},
		{`{"ts":"2024-01-16T00:00:00+14:00"}`, []col{{"ts", Timestamp(ms("2024-01-15T10:00:00Z"))}}},
		{`{"ts":"2024-01-15t10:00:00z"}`, []col{{"ts", Timestamp(1705312800000)}}},
		{`{"ts":"2024-01-15 10:00:00Z"}`, []col{{"ts", Timestamp(1705312800000)}}},
		{`{"ts":"1969-12-31T23:59:59.9999Z"}`, []col{{"ts", Timestamp(-1)}}},
		{`{"ts":"1970-01-01T00:00:00Z"}`, []col{{"ts", Timestamp(0)}}},
		{`{"ts":"0001-01-01T00:00:00Z"}`, []col{{"ts", Timestamp(ms("0001-01-01T00:00:00Z"))}}},
		{`{"ts":"1900-03-01T00:00:00Z"}`, []col{{"ts", Timestamp(ms("1900-03-01T00:00:00Z"))}}},
		{`{"ts":"2024-02-29T23:59:59.999Z"}`, []col{{"ts", Timestamp(ms("2024-02-29T23:59:59.999Z"))}}},
		{`{"ts":"9999-12-31T23:59:59.999Z"}`, []col{{"ts", Timestamp(ms("9999-12-31T23:59:59.999Z"))}}},
		{`{"ts":"2024-01-15T10:00:00\u005a"}`, []col{{"ts", Timestamp(1705312800000)}}},
		// DECIMAL(10,2): half away from zero
		{`{"amt":12.5}`, []col{{"amt", Decimal(1250, 2)}}},
		{`{"amt":12.50}`, []col{{"amt", Decimal(1250, 2)}}},
		{`{"amt":1}`, []col{{"amt", Decimal(100, 2)}}},
		{`{"amt":1e2}`, []col{{"amt", Decimal(10000, 2)}}},
		{`{"amt":12.345}`, []col{{"amt", Decimal(1235, 2)}}},
		{`{"amt":-12.345}`, []col{{"amt", Decimal(-1235, 2)}}},
		{`{"amt":12.344999}`, []col{{"amt", Decimal(1234, 2)}}},
		{`{"amt":0.005}`, []col{{"amt", Decimal(1, 2)}}},
		{`{"amt":-0.005}`, []col{{"amt", Decimal(-1, 2)}}},
		{`{"amt":0.0049}`, []col{{"amt", Decimal(0, 2)}}},
		{`{"amt":0.0001}`, []col{{"amt", Decimal(0, 2)}}},
		{`{"amt":1.23456e1}`, []col{{"amt", Decimal(1235, 2)}}},
		{`{"amt":1e-400}`, []col{{"amt", Decimal(0, 2)}}},
		{`{"amt":99999999.99}`, []col{{"amt", Decimal(9999999999, 2)}}},
		{`{"amt":-99999999.994}`, []col{{"amt", Decimal(-9999999999, 2)}}},
		// JSON: raw text as written
		{`{"doc":{ "a" : [1, 2, {"b":null}] }}`, []col{{"doc", js(`{ "a" : [1, 2, {"b":null}] }`)}}},
		{`{"doc":[]}`, []col{{"doc", js(`[]`)}}},
		{`{"doc":"a\nb"}`, []col{{"doc", js(`"a\nb"`)}}},
		{`{"doc":12.50}`, []col{{"doc", js(`12.50`)}}},
		{`{"doc":true}`, []col{{"doc", js(`true`)}}},
	}
	d := NewDecoder(decSchema, allRead(len(decSchema)))
	row := make(Row, len(decSchema))
	for _, tc := range cases {
		for i := range row { // Decode must reset what a previous message left
			row[i] = Int(99)
		}
		if err := d.Decode([]byte(tc.in), row); err != nil {
			t.Errorf("%s: unexpected error: %v", tc.in, err)
			continue
		}
		want := make(Row, len(decSchema))
		for _, c := range tc.want {
			want[decSchema.Index(c.name)] = c.v
		}
		for i := range want {
			if !sameValue(row[i], want[i]) {
				t.Errorf("%s: column %s = %s, want %s", tc.in, decSchema[i].Name, showValue(row[i]), showValue(want[i]))
			}
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	deep := `{"doc":` + strings.Repeat("[", 1200) + strings.Repeat("]", 1200) + `}`
	deepUnread := `{"x":` + strings.Repeat(`{"a":`, 1200) + `1` + strings.Repeat("}", 1200) + `}`
	cases := []struct{ in, want string }{
		// not one complete valid JSON object
		{``, `invalid JSON at offset 0: unexpected end of JSON input`},
		{"  \n", `invalid JSON at offset 3: unexpected end of JSON input`},
		{`[1,2]`, `not a JSON object (got array)`},
		{` 42 `, `not a JSON object (got number)`},
		{`"s"`, `not a JSON object (got string)`},
		{`null`, `not a JSON object (got null)`},
		{`true`, `not a JSON object (got boolean)`},
		{`[1,2`, `invalid JSON at offset 4: unexpected end of JSON input`},
		{`[1,2] x`, `invalid JSON at offset 6: invalid character 'x' after top-level value`},
		{`hello`, `invalid JSON at offset 0: invalid character 'h' looking for beginning of value`},
		{`{`, `invalid JSON at offset 1: unexpected end of JSON input`},
		{`{"id":1`, `invalid JSON at offset 7: unexpected end of JSON input`},
		{`{"id":1}x`, `invalid JSON at offset 8: invalid character 'x' after top-level value`},
		{`{"id":1}{"id":2}`, `invalid JSON at offset 8: invalid character '{' after top-level value`},
		{"{\"id\":1}\x00", `invalid JSON at offset 8: invalid character '\x00' after top-level value`},
		{`{"id":1,}`, `invalid JSON at offset 8: invalid character '}' looking for beginning of object key string`},
		{`{'id':1}`, `invalid JSON at offset 1: invalid character '\'' looking for beginning of object key string`},
		{`{id:1}`, `invalid JSON at offset 1: invalid character 'i' looking for beginning of object key string`},
		{`{"id" 1}`, `invalid JSON at offset 6: invalid character '1' after object key`},
		{`{"id":01}`, `invalid JSON at offset 7: invalid character '1' after object key:value pair`},
		{`{"id":1 "x":2}`, `invalid JSON at offset 8: invalid character '"' after object key:value pair`},
		{`{"id":-}`, `invalid JSON at offset 7: invalid character '}' in numeric literal`},
		{`{"id":1.}`, `invalid JSON at offset 8: invalid character '}' after decimal point in numeric literal`},
		{`{"id":1e}`, `invalid JSON at offset 8: invalid character '}' in exponent of numeric literal`},
		{`{"id":+1}`, `invalid JSON at offset 6: invalid character '+' looking for beginning of value`},
		{`{"id":.5}`, `invalid JSON at offset 6: invalid character '.' looking for beginning of value`},
		{`{"id":NaN}`, `invalid JSON at offset 6: invalid character 'N' looking for beginning of value`},
		{`{"id":}`, `invalid JSON at offset 6: invalid character '}' looking for beginning of value`},
		{"{\"name\":\"a\x01b\"}", `invalid JSON at offset 10: invalid character '\x01' in string literal`},
		{"{\"name\":\"a\nb\"}", `invalid JSON at offset 10: invalid character '\n' in string literal`},
		{`{"name":"\q"}`, `invalid JSON at offset 10: invalid character 'q' in string escape code`},
		{`{"name":"\u12G4"}`, `invalid JSON at offset 13: invalid character 'G' in \u hexadecimal character escape`},
		{`{"name":"abc`, `invalid JSON at offset 12: unexpected end of JSON input`},
		{"{\"name\":\"\xff\"}", `invalid JSON at offset 9: invalid UTF-8 in string`},
		{"{\"\xc3\x28\":1}", `invalid JSON at offset 2: invalid UTF-8 in string`},
		{`{"ok":tru}`, `invalid JSON at offset 9: invalid character '}' in literal true (expecting 'e')`},
		{`{"ok":nul`, `invalid JSON at offset 9: unexpected end of JSON input`},
		{`{"ok":True}`, `invalid JSON at offset 6: invalid character 'T' looking for beginning of value`},
		{deep, `invalid JSON at offset 1006: exceeded max nesting depth`},
		{deepUnread, `invalid JSON at offset 5000: exceeded max nesting depth`},
		// unread values are validated too
		{`{"unread":[1,2,}`, `invalid JSON at offset 15: invalid character '}' looking for beginning of value`},
		{`{"unread":"\x"}`, `invalid JSON at offset 12: invalid character 'x' in string escape code`},
		// type errors
		{`{"id":1.5}`, `column "id": expected BIGINT, got 1.5`},
		{`{"id":1e-400}`, `column "id": expected BIGINT, got 1e-400`},
		{`{"id":12345678901234567890e-5}`, `column "id": expected BIGINT, got 12345678901234567890e-5`},
		{`{"id":9223372036854775808}`, `column "id": BIGINT out of range, got 9223372036854775808`},
		{`{"id":-9223372036854775809}`, `column "id": BIGINT out of range, got -9223372036854775809`},
		{`{"id":1e19}`, `column "id": BIGINT out of range, got 1e19`},
		{`{"id":1e400}`, `column "id": BIGINT out of range, got 1e400`},
		{`{"id":123456789012345678901234567890}`, `column "id": BIGINT out of range, got 123456789012345678901234567890`},
		{`{"id":"1"}`, `column "id": expected BIGINT, got "1"`},
		{`{"id":true}`, `column "id": expected BIGINT, got true`},
		{`{"id":[1]}`, `column "id": expected BIGINT, got array`},
		{`{"id":{"a":1}}`, `column "id": expected BIGINT, got object`},
		{`{"id":1.5,"id":2}`, `column "id": expected BIGINT, got 1.5`},
		{`{"price":1e400}`, `column "price": DOUBLE out of range, got 1e400`},
		{`{"price":"1.5"}`, `column "price": expected DOUBLE, got "1.5"`},
		{`{"price":false}`, `column "price": expected DOUBLE, got false`},
		{`{"name":{"a":1}}`, `column "name": expected VARCHAR, got object`},
		{`{"name":[]}`, `column "name": expected VARCHAR, got array`},
		{`{"ok":1}`, `column "ok": expected BOOLEAN, got 1`},
		{`{"ok":"true"}`, `column "ok": expected BOOLEAN, got "true"`},
		{`{"ts":1.5}`, `column "ts": expected TIMESTAMP, got 1.5`},
		{`{"ts":true}`, `column "ts": expected TIMESTAMP, got true`},
		{`{"ts":1e30}`, `column "ts": TIMESTAMP out of range, got 1e30`},
		{`{"ts":"2024-01-15"}`, `column "ts": expected TIMESTAMP (epoch milliseconds or RFC 3339), got "2024-01-15": not an RFC 3339 date-time`},
		{`{"ts":"2024-01-15T10:00:00"}`, `column "ts": expected TIMESTAMP (epoch milliseconds or RFC 3339), got "2024-01-15T10:00:00": missing time zone (Z or ±hh:mm)`},
		{`{"ts":"2024-02-30T00:00:00Z"}`, `column "ts": expected TIMESTAMP (epoch milliseconds or RFC 3339), got "2024-02-30T00:00:00Z": day out of range`},
		{`{"ts":"2023-02-29T00:00:00Z"}`, `column "ts": expected TIMESTAMP (epoch milliseconds or RFC 3339), got "2023-02-29T00:00:00Z": day out of range`},
		{`{"ts":"2024-13-01T00:00:00Z"}`, `column "ts": expected TIMESTAMP (epoch milliseconds or RFC 3339), got "2024-13-01T00:00:00Z": month out of range`},
		{`{"ts":"2024-00-01T00:00:00Z"}`, `column "ts": expected TIMESTAMP (epoch milliseconds or RFC 3339), got "2024-00-01T00:00:00Z": month out of range`},
		{`{"ts":"2024-01-15T24:00:00Z"}`, `column "ts": expected TIMESTAMP (epoch milliseconds or RFC 3339), got "2024-01-15T24:00:00Z": hour out of range`},
		{`{"ts":"2024-01-15T10:60:00Z"}`, `column "ts": expected TIMESTAMP (epoch milliseconds or RFC 3339), got "2024-01-15T10:60:00Z": minute out of range`},
		{`{"ts":"2024-01-15T10:00:60Z"}`, `column "ts": expected TIMESTAMP (epoch milliseconds or RFC 3339), got "2024-01-15T10:00:60Z": second out of range`},
		{`{"ts":"2024-01-15T10:00:00+24:00"}`, `column "ts": expected TIMESTAMP (epoch milliseconds or RFC 3339), got "2024-01-15T10:00:00+24:00": time zone offset out of range`},
		{`{"ts":"2024-01-15T10:00:00+2:00"}`, `column "ts": expected TIMESTAMP (epoch milliseconds or RFC 3339), got "2024-01-15T10:00:00+2:00": not an RFC 3339 date-time`},
		{`{"ts":"2024-01-15T10:00:00.Z"}`, `column "ts": expected TIMESTAMP (epoch milliseconds or RFC 3339), got "2024-01-15T10:00:00.Z": not an RFC 3339 date-time`},
		{`{"ts":"2024-01-15T10:00:00Zjunk"}`, `column "ts": expected TIMESTAMP (epoch milliseconds or RFC 3339), got "2024-01-15T10:00:00Zjunk": not an RFC 3339 date-time`},
		{`{"ts":"2024-01-15X10:00:00Z"}`, `column "ts": expected TIMESTAMP (epoch milliseconds or RFC 3339), got "2024-01-15X10:00:00Z": not an RFC 3339 date-time`},
		{`{"ts":"a long string that is certainly not any kind of timestamp"}`, `column "ts": expected TIMESTAMP (epoch milliseconds or RFC 3339), got "a long string that is certainly not any…: not an RFC 3339 date-time`},
		{`{"amt":"12.5"}`, `column "amt": expected DECIMAL(10,2), got "12.5"`},
		{`{"amt":99999999.995}`, `column "amt": DECIMAL(10,2) out of range, got 99999999.995`},
		{`{"amt":100000000}`, `column "amt": DECIMAL(10,2) out of range, got 100000000`},
		{`{"amt":1e400}`, `column "amt": DECIMAL(10,2) out of range, got 1e400`},
		{`{"amt":true}`, `column "amt": expected DECIMAL(10,2), got true`},
	}
	d := NewDecoder(decSchema, allRead(len(decSchema)))
	row := make(Row, len(decSchema))
	for _, tc := range cases {
		err := d.Decode([]byte(tc.in), row)
		if err == nil {
			t.Errorf("%.60q: no error, want %s", tc.in, tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("%.60q:\n got %s\nwant %s", tc.in, err, tc.want)
		}
		if _, ok := err.(*DecodeError); !ok {
			t.Errorf("%.60q: error is %T, want *DecodeError", tc.in, err)
		}
	}
}

func TestDecodeDecimalBounds(t *testing.T) {
	schema := Schema{
		{Name: "big", Type: TDecimal, Precision: 20, Scale: 2},
		{Name: "whole", Type: TDecimal, Precision: 18, Scale: 0},
		{Name: "unbounded", Type: TDecimal, Scale: 4},
	}
	d := NewDecoder(schema, nil)
	row := make(Row, len(schema))
	ok := map[string]Value{
		`{"big":92233720368547758.07}`:             Decimal(math.MaxInt64, 2),
		`{"big":-92233720368547758.08}`:            Decimal(math.MinInt64, 2),
		`{"big":92233720368547758.0649}`:           Decimal(math.MaxInt64-1, 2),
		`{"whole":999999999999999999}`:             Decimal(999999999999999999, 0),
		`{"whole":2.5}`:                            Decimal(3, 0),
		`{"whole":-2.5}`:                           Decimal(-3, 0),
		`{"whole":0.5e-0}`:                         Decimal(1, 0),
		`{"unbounded":123456789012345.1234}`:       Decimal(1234567890123451234, 4),
		`{"unbounded":1.00005}`:                    Decimal(10001, 4),
		`{"unbounded":0.000000000000000000000001}`: Decimal(0, 4),
	}
	for in, want := range ok {
		if err := d.Decode([]byte(in), row); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		var got Value
		for _, v := range row {
			if !v.IsNull() {
				got = v
			}
		}
		if !sameValue(got, want) {
			t.Errorf("%s: got %s, want %s", in, showValue(got), showValue(want))
		}
	}
	for _, in := range []string{
		`{"big":92233720368547758.08}`,
		`{"big":92233720368547758.075}`,
		`{"whole":1e18}`,
		`{"whole":999999999999999999.5}`,
		`{"unbounded":1e15}`,
	} {
		if err := d.Decode([]byte(in), row); err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("%s: err = %v, want out of range", in, err)
		}
	}
}

func TestDecodeOnlyReadColumns(t *testing.T) {
	read := make([]bool, len(decSchema))
	read[decSchema.Index("id")] = true
	read[decSchema.Index("ts")] = true
	d := NewDecoder(decSchema, read)
	row := make(Row, len(decSchema))
	in := `{"id":5,"price":"not a number","name":{"x":1},"ok":7,"amt":"x","doc":1,"ts":"2024-01-15T10:00:00Z"}`
	if err := d.Decode([]byte(in), row); err != nil {
		t.Fatal(err)
	}
	for i, v := range row {
		switch decSchema[i].Name {
		case "id":
			if !sameValue(v, Int(5)) {
				t.Errorf("id = %s", showValue(v))
			}
		case "ts":
			if !sameValue(v, Timestamp(1705312800000)) {
				t.Errorf("ts = %s", showValue(v))
			}
		default:
			if !v.IsNull() {
				t.Errorf("unread column %s = %s, want NULL", decSchema[i].Name, showValue(v))
			}
		}
	}
	// A read column is still checked.
	if err := d.Decode([]byte(`{"id":"5"}`), row); err == nil {
		t.Error(`{"id":"5"}: want an error for the read column`)
	}
}

func TestDecodeAliasing(t *testing.T) {
	d := NewDecoder(decSchema, nil)
	row := make(Row, len(decSchema))
	msg := []byte(`{"name":"plain","doc":{"a":1}}`)
	if err := d.Decode(msg, row); err != nil {
		t.Fatal(err)
	}
	name, doc := row[decSchema.Index("name")].S, row[decSchema.Index("doc")].S
	if &name[0] != &msg[9] {
		t.Error("a string without escapes should alias the message")
	}
	if &doc[0] != &msg[22] {
		t.Error("a JSON value should alias the message")
	}
	if cap(name) != len(name) {
		t.Error("an aliased string must not expose the rest of the message to append")
	}

	// Unescaped strings live in scratch: valid until the next Decode, then reused.
	if err := d.Decode([]byte(`{"name":"a\tb","doc":"x"}`), row); err != nil {
		t.Fatal(err)
	}
	first := row[decSchema.Index("name")].S
	if string(first) != "a\tb" {
		t.Fatalf("name = %q", first)
	}
	if err := d.Decode([]byte(`{"name":"c\nd"}`), row); err != nil {
		t.Fatal(err)
	}
	if second := row[decSchema.Index("name")].S; &second[0] != &first[0] || string(second) != "c\nd" {
		t.Errorf("scratch buffer not reused: %q", second)
	}
}

func TestDecodeManyEscapedStrings(t *testing.T) {
	// Several escaped strings in one message must not overwrite each other,
	// even when the scratch buffer grows while decoding.
	schema := Schema{{Name: "a", Type: TString}, {Name: "b", Type: TString}, {Name: "c", Type: TString}}
	d := NewDecoder(schema, nil)
	row := make(Row, 3)
	long := strings.Repeat(`x\"`, 500)
	in := `{"a":"1\n","b":"` + long + `","c":"\u00e9"}`
	if err := d.Decode([]byte(in), row); err != nil {
		t.Fatal(err)
	}
	if string(row[0].S) != "1\n" || string(row[1].S) != strings.Repeat(`x"`, 500) || string(row[2].S) != "é" {
		t.Errorf("got %q %q %q", row[0].S, row[1].S[:10], row[2].S)
	}
}

func TestDecodeSchemaEdges(t *testing.T) {
	// Column names with non-letters, long names and names whose folded hash
	// collide all resolve to the right column.
	schema := Schema{
		{Name: "a_x_b", Type: TInt}, {Name: "A_Y_B", Type: TInt}, {Name: "a_z_b", Type: TInt},
		{Name: "COUNT(*)", Type: TInt}, {Name: "é", Type: TInt}, {Name: strings.Repeat("k", 300), Type: TInt},
	}
	d := NewDecoder(schema, nil)
	row := make(Row, len(schema))
	in := `{"a_y_b":2,"A_Z_B":3,"a_x_b":1,"count(*)":4,"é":5,"` + strings.Repeat("K", 300) + `":6,"a_w_b":9}`
	if err := d.Decode([]byte(in), row); err != nil {
		t.Fatal(err)
	}
	for i, v := range row {
		if !sameValue(v, Int(int64(i+1))) {
			t.Errorf("%s = %s, want %d", schema[i].Name, showValue(v), i+1)
		}
	}
	// Two columns whose names differ only in case: the first gets the field.
	dup := NewDecoder(Schema{{Name: "a", Type: TInt}, {Name: "A", Type: TString}}, nil)
	if err := dup.Decode([]byte(`{"A":1}`), row[:2]); err != nil || !sameValue(row[0], Int(1)) || !row[1].IsNull() {
		t.Errorf("duplicate column names: err %v, row %s %s", err, showValue(row[0]), showValue(row[1]))
	}
	// No read column at all: the message is still validated.
	none := NewDecoder(schema, make([]bool, len(schema)))
	if err := none.Decode([]byte(`{"a_x_b":1}`), row); err != nil || !row[0].IsNull() {
		t.Errorf("unread: err %v, value %s", err, showValue(row[0]))
	}
	if err := none.Decode([]byte(`{"a_x_b":1`), row); err == nil {
		t.Error("truncated message accepted")
	}
}

func TestDecodeRFC3339MatchesTimePackage(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("", 2*3600), time.FixedZone("", -(4*3600 + 30*60)), time.FixedZone("", 14*3600)}
	layouts := []string{time.RFC3339, time.RFC3339Nano, "2006-01-02T15:04:05.000Z07:00", "2006-01-02T15:04:05.000000Z07:00"}
	d := NewDecoder(Schema{{Name: "ts", Type: TTimestamp}}, nil)
	row := make(Row, 1)
	seed := uint64(42)
	for k := 0; k < 2000; k++ {
		seed = seed*6364136223846793005 + 1442695040888963407
		// years 0001..9998, any nanosecond
		ns := int64(seed>>1)%(315_000_000_000_000_000) - 62_000_000_000_000_000
		tm := time.Unix(0, 0).Add(time.Duration(ns)).AddDate(int(seed>>50)%8000-1900, 0, 0).In(zones[k%len(zones)])
		text := tm.Format(layouts[(k/4)%len(layouts)])
		parsed, err := time.Parse(time.RFC3339Nano, text)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Decode([]byte(`{"ts":"`+text+`"}`), row); err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if row[0].I != parsed.UnixMilli() {
			t.Fatalf("%s: got %d, want %d", text, row[0].I, parsed.UnixMilli())
		}
	}
}

func TestDecodeZeroAllocs(t *testing.T) {
	s0 := Schema{
		{Name: "order_id", Type: TInt}, {Name: "customer_id", Type: TInt},
		{Name: "order_date", Type: TString}, {Name: "total_amount", Type: TDouble},
	}
	msgs := map[string]struct {
		schema Schema
		msg    string
	}{
		"s0":    {s0, `{"order_id":1,"customer_id":1,"order_date":"2024-01-15","total_amount":150}`},
		"types": {decSchema, `{"id":-7,"price":1.25e3,"name":"caf\u00e9 \"x\"","ok":true,"ts":"2024-01-15T10:00:00.123+02:00","amt":12.345,"doc":{"a":[1,"b"]}}`},
		"wide":  {wideSchema(), string(wideRecord(7))},
	}
	for name, m := range msgs {
		d := NewDecoder(m.schema, nil)
		row := make(Row, len(m.schema))
		msg := []byte(m.msg)
		if err := d.Decode(msg, row); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := testing.AllocsPerRun(200, func() { _ = d.Decode(msg, row) }); n != 0 {
			t.Errorf("%s: Decode allocates %v times per message", name, n)
		}
	}
}

// FuzzDecodeValidity checks the scanner against encoding/json: a message is
// accepted exactly when it is valid UTF-8 JSON whose value is an object.
func FuzzDecodeValidity(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":1}`, `{"a":[1,2,{"b":"c\u00e9"}],"c":-1.5e-3}`, `[1]`, `{"a":}`, `{"a":"\ud800"}`,
		`{"a":01}`, `{"a":1.}`, ` {"a" : true , "b" : null } `, `{"a":"\x"}`, "{\"a\":\"\x7f\"}",
	} {
		f.Add([]byte(s))
	}
	schema := Schema{{Name: "a", Type: TJSON}, {Name: "b", Type: TJSON}}
	unread := NewDecoder(schema, make([]bool, 2))
	read := NewDecoder(schema, nil)
	row := make(Row, 2)
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.Count(data, []byte("["))+bytes.Count(data, []byte("{")) > 900 {
			return
		}
		first := skipWS(data, 0)
		want := json.Valid(data) && utf8.Valid(data) && first < len(data) && data[first] == '{'
		for _, d := range []*Decoder{unread, read} {
			err := d.Decode(data, row)
			if (err == nil) != want {
				t.Fatalf("%q: err = %v, want valid = %v", data, err, want)
			}
		}
		for _, v := range row {
			if !v.IsNull() && !json.Valid(v.S) {
				t.Fatalf("%q: JSON column holds invalid %q", data, v.S)
			}
		}
	})
}

// TestToScaledMatchesBigRat checks BIGINT and DECIMAL conversion of JSON
// number text against exact rational arithmetic, and DOUBLE conversion
// against strconv.
func TestToScaledMatchesBigRat(t *testing.T) {
	seed := uint64(11)
	next := func(n uint64) uint64 {
		seed = seed*6364136223846793005 + 1442695040888963407
		return (seed >> 33) % n
	}
	digits := func(n uint64, lead bool) string {
		var b []byte
		for k := uint64(0); k < n; k++ {
			d := byte('0' + next(10))
			if k == 0 && lead && d == '0' {
				d = '1'
			}
			b = append(b, d)
		}
		return string(b)
	}
	minI, maxI := new(big.Int).SetInt64(math.MinInt64), new(big.Int).SetInt64(math.MaxInt64)
	for k := 0; k < 30000; k++ {
		text := ""
		if next(2) == 0 {
			text = "-"
		}
		if next(4) == 0 {
			text += "0"
		} else {
			text += digits(1+next(22), true)
		}
		if next(2) == 0 {
			text += "." + digits(1+next(22), false)
		}
		if next(2) == 0 {
			text += "e" + []string{"", "+", "-"}[next(3)] + strconv.Itoa(int(next(25)))
		}
		b := []byte(text)
		var n number
		if err := scanNumber(b, 0, &n); err != nil || n.end != len(b) {
			t.Fatalf("%s: scan %v", text, err)
		}
		f, fok := toFloat(b, &n)
		if wf, err := strconv.ParseFloat(text, 64); fok != (err == nil) || math.Float64bits(f) != math.Float64bits(wf) {
			t.Fatalf("%s: toFloat %v %v, strconv %v %v", text, f, fok, wf, err)
		}
		r, ok := new(big.Rat).SetString(text)
		if !ok {
			t.Fatal(text)
		}
		for _, scale := range []int{0, 2, 7} {
			x := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
			// exact
			got, st := toScaled(b, &n, scale, false)
			switch {
			case !x.IsInt():
				if st != convInexact {
					t.Fatalf("%s scale %d: got %d/%d, want inexact", text, scale, got, st)
				}
			case x.Num().Cmp(minI) < 0 || x.Num().Cmp(maxI) > 0:
				if st != convRange {
					t.Fatalf("%s scale %d: got %d/%d, want range", text, scale, got, st)
				}
			case st != convOK || got != x.Num().Int64():
				t.Fatalf("%s scale %d: got %d/%d, want %s", text, scale, got, st, x.Num())
			}
			// rounded half away from zero
			half := new(big.Rat).Add(new(big.Rat).Abs(x), big.NewRat(1, 2))
			want := new(big.Int).Quo(half.Num(), half.Denom())
			if x.Sign() < 0 {
				want.Neg(want)
			}
			got, st = toScaled(b, &n, scale, true)
			if want.Cmp(minI) < 0 || want.Cmp(maxI) > 0 {
				if st != convRange {
					t.Fatalf("%s scale %d rounded: got %d/%d, want range", text, scale, got, st)
				}
			} else if st != convOK || got != want.Int64() {
				t.Fatalf("%s scale %d rounded: got %d/%d, want %s", text, scale, got, st, want)
			}
		}
	}
}

// TestDecodeFieldOrder: the in-order fast path and the hash lookup agree:
// every order of the fields, with unknown and unread fields among them and
// names in another case, decodes to the same row.
func TestDecodeFieldOrder(t *testing.T) {
	fields := []string{`"id":7`, `"price":2.5`, `"name":"x"`, `"ok":true`, `"ts":"2024-01-15T10:00:00Z"`, `"amt":1.25`, `"doc":[1]`, `"extra":{"a":1}`, `"PRICE":3.5`}
	read := make([]bool, len(decSchema))
	for _, c := range []string{"id", "price", "name", "ts", "doc"} {
		read[decSchema.Index(c)] = true
	}
	for _, rd := range [][]bool{nil, read} {
		d := NewDecoder(decSchema, rd)
		want := make(Row, len(decSchema))
		if err := d.Decode([]byte("{"+strings.Join(fields, ",")+"}"), want); err != nil {
			t.Fatal(err)
		}
		want = copyRow(want)
		rng := rand.New(rand.NewPCG(3, 4))
		row := make(Row, len(decSchema))
		for range 200 {
			perm := rng.Perm(len(fields))
			var parts []string
			price := -1 // the last of "price" and "PRICE" wins
			for _, k := range perm {
				parts = append(parts, fields[k])
				if k == 1 || k == 8 {
					price = k
				}
			}
			msg := "{" + strings.Join(parts, ",") + "}"
			if err := d.Decode([]byte(msg), row); err != nil {
				t.Fatalf("%s: %v", msg, err)
			}
			exp := copyRow(want)
			if rd == nil || rd[1] {
				exp[1] = Double(map[int]float64{1: 2.5, 8: 3.5}[price])
			}
			for i := range row {
				if !sameValue(row[i], exp[i]) {
					t.Fatalf("%s: column %s = %s, want %s", msg, decSchema[i].Name, showValue(row[i]), showValue(exp[i]))
				}
			}
		}
	}
}
