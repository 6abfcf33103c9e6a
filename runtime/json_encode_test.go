package runtime

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func TestAppendValueJSON(t *testing.T) {
	cases := []struct {
		v    Value
		want string
	}{
		{Null, `null`},
		{Bool(true), `true`},
		{Bool(false), `false`},
		{Int(0), `0`},
		{Int(-42), `-42`},
		{Int(math.MinInt64), `-9223372036854775808`},
		{Int(math.MaxInt64), `9223372036854775807`},
		{Double(150.0), `150`},
		{Double(-150), `-150`},
		{Double(999999999999999), `999999999999999`},
		{Double(1e15), `1000000000000000`},
		{Double(123456789.125), `123456789.125`},
		{Double(1.5), `1.5`},
		{Double(0.1), `0.1`},
		{Double(-0.0025), `-0.0025`},
		{Double(1e20), `100000000000000000000`},
		{Double(1e21), `1e+21`},
		{Double(1.5e300), `1.5e+300`},
		{Double(0.000001), `0.000001`},
		{Double(1e-7), `1e-7`},
		{Double(-1.234e-10), `-1.234e-10`},
		{Double(5e-324), `5e-324`},
		{Double(math.Copysign(0, -1)), `-0`},
		{Double(math.NaN()), `null`},
		{Double(math.Inf(1)), `null`},
		{Double(math.Inf(-1)), `null`},
		{Decimal(1250, 2), `12.50`},
		{Decimal(-1250, 2), `-12.50`},
		{Decimal(5, 2), `0.05`},
		{Decimal(-5, 2), `-0.05`},
		{Decimal(0, 2), `0.00`},
		{Decimal(7, 0), `7`},
		{Decimal(-7, 0), `-7`},
		{Decimal(math.MinInt64, 4), `-922337203685477.5808`},
		{Decimal(math.MaxInt64, 18), `9.223372036854775807`},
		{Decimal(1, 25), `0.0000000000000000000000001`},
		{Decimal(math.MinInt64, 19), `-0.9223372036854775808`},
		{str(`plain`), `"plain"`},
		{str(``), `""`},
		{str("q\"b\\s/"), `"q\"b\\s/"`},
		{str("\b\f\n\r\t\x00\x1f\x7f"), `"\b\f\n\r\t\u0000\u001f` + "\x7f" + `"`},
		{str("<a href='x'>&amp;</a>"), `"<a href='x'>&amp;</a>"`},
		{str("é中😀"), `"é中😀"`},
		{str("a\u2028b\u2029c"), `"a\u2028b\u2029c"`},
		{str("bad\xffutf8\xc3\x28"), `"bad\ufffdutf8\ufffd("`},
		{str("\xed\xa0\x80"), `"\ufffd\ufffd\ufffd"`},
		{Timestamp(1705312800000), `"2024-01-15T10:00:00.000Z"`},
		{Timestamp(1705312800123), `"2024-01-15T10:00:00.123Z"`},
		{Timestamp(0), `"1970-01-01T00:00:00.000Z"`},
		{Timestamp(-1), `"1969-12-31T23:59:59.999Z"`},
		{Timestamp(-86400001), `"1969-12-30T23:59:59.999Z"`},
		{Timestamp(253402300799999), `"9999-12-31T23:59:59.999Z"`},
		{Timestamp(-62135596800000), `"0001-01-01T00:00:00.000Z"`},
		{js(`{"a": [1, 2]}`), `{"a": [1, 2]}`},
		{js(`"s"`), `"s"`},
		{Value{T: TJSON}, `null`},
	}
	for _, tc := range cases {
		if got := string(AppendValueJSON([]byte("pre:"), tc.v)); got != "pre:"+tc.want {
			t.Errorf("%s: got %s, want %s", showValue(tc.v), got[4:], tc.want)
		}
	}
}

// stdEncode is encoding/json without HTML escaping, the reference for
// strings and floats.
func stdEncode(t testing.TB, v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func TestAppendFloatMatchesEncodingJSON(t *testing.T) {
	seed := uint64(7)
	for k := 0; k < 20000; k++ {
		seed = seed*6364136223846793005 + 1442695040888963407
		var f float64
		switch k % 3 {
		case 0:
			f = math.Float64frombits(seed)
		case 1:
			f = float64(int64(seed>>20)) / math.Pow(10, float64(seed%30))
		default:
			f = float64(seed>>11) * math.Pow(10, float64(int(seed%60)-30))
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		got := string(appendFloat(nil, f))
		if want := stdEncode(t, f); got != want {
			t.Fatalf("%v: got %s, want %s", f, got, want)
		}
	}
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	var all []byte
	for c := 0; c < 256; c++ {
		all = append(all, byte(c))
	}
	inputs := []string{string(all), "\u2028\u2029\ufeff\U0010FFFF", "\xf4\x90\x80\x80", "\xc0\xaf", "tail\xe2\x82"}
	for _, s := range inputs {
		got := string(appendJSONString(nil, []byte(s)))
		if want := stdEncode(t, s); got != want {
			t.Errorf("%q:\n got %s\nwant %s", s, got, want)
		}
	}
}

func TestFormatTimestampMatchesTimePackage(t *testing.T) {
	seed := uint64(3)
	for k := 0; k < 20000; k++ {
		seed = seed*6364136223846793005 + 1442695040888963407
		ms := int64(seed)
		switch k % 4 {
		case 0:
			ms %= 400 * 365 * msPerDay // around the epoch
		case 1:
			ms %= 10000 * 365 * msPerDay
		}
		if k == 0 {
			ms = math.MinInt64
		} else if k == 1 {
			ms = math.MaxInt64
		}
		got := string(FormatTimestamp(nil, ms))
		want := time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z07:00")
		if got != want {
			t.Fatalf("%d: got %s, want %s", ms, got, want)
		}
	}
}

func TestEncoderAppend(t *testing.T) {
	e := NewEncoder([]string{"id", "COUNT(*)", `we"ird\name`, "é<>", "ts"})
	row := Row{Int(1), Int(3), str("x"), Null, Timestamp(1705312800000)}
	got := string(e.Append([]byte("prefix "), row))
	want := `prefix {"id":1,"COUNT(*)":3,"we\"ird\\name":"x","é<>":null,"ts":"2024-01-15T10:00:00.000Z"}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(got[len("prefix "):]), &m); err != nil || m[`we"ird\name`] != "x" {
		t.Errorf("output does not parse back: %v %v", err, m)
	}
	if got := string(NewEncoder(nil).Append(nil, nil)); got != `{}` {
		t.Errorf("no columns: got %s", got)
	}
	if got := string(NewEncoder([]string{"only"}).Append(nil, Row{Decimal(1250, 2)})); got != `{"only":12.50}` {
		t.Errorf("one column: got %s", got)
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	names := make([]string, len(decSchema))
	for i, c := range decSchema {
		names[i] = c.Name
	}
	rows := []Row{
		{Int(1), Double(150), str("2024-01-15"), Bool(true), Timestamp(1705312800123), Decimal(1250, 2), js(`{"a":[1,2]}`)},
		{Int(math.MinInt64), Double(1e21), str("tab\t quote\" back\\ nul\x00 é中😀 \u2028"), Bool(false), Timestamp(-1), Decimal(-5, 2), js(`[]`)},
		{Int(math.MaxInt64), Double(5e-324), str(""), Null, Timestamp(-62135596800000), Decimal(9999999999, 2), js(`"s"`)},
		{Null, Double(-0.1), Null, Null, Timestamp(253402300799999), Decimal(-9999999999, 2), js(`-1.5e3`)},
		{Null, Double(math.Copysign(0, -1)), Null, Null, Null, Null, Null},
		{Int(0), Double(0.30000000000000004), str("<&>"), Bool(true), Timestamp(0), Decimal(0, 2), js(`null`)},
	}
	e := NewEncoder(names)
	d := NewDecoder(decSchema, nil)
	got := make(Row, len(decSchema))
	for _, row := range rows {
		msg := e.Append(nil, row)
		if !json.Valid(msg) {
			t.Fatalf("invalid JSON: %s", msg)
		}
		if err := d.Decode(msg, got); err != nil {
			t.Fatalf("%s: %v", msg, err)
		}
		for i := range row {
			want := row[i]
			if want.T == TJSON && string(want.S) == "null" {
				want = Null // a JSON null reads back as SQL NULL
			}
			if !sameValue(got[i], want) {
				t.Errorf("%s: column %s = %s, want %s", msg, names[i], showValue(got[i]), showValue(want))
			}
		}
	}
}

func TestEncodeZeroAllocs(t *testing.T) {
	e := NewEncoder([]string{"order_id", "customer_id", "order_date", "total_amount", "ts", "amt", "note"})
	row := Row{Int(1), Int(1), str("2024-01-15"), Double(150.5), Timestamp(1705312800000), Decimal(1250, 2), str("tab\there é")}
	buf := make([]byte, 0, 512)
	if n := testing.AllocsPerRun(200, func() { buf = e.Append(buf[:0], row) }); n != 0 {
		t.Errorf("Append allocates %v times per row", n)
	}
	if n := testing.AllocsPerRun(200, func() { buf = AppendValueJSON(buf[:0], Double(1e-7)) }); n != 0 {
		t.Errorf("AppendValueJSON allocates %v times per value", n)
	}
}

// FuzzEncodeString checks string escaping against encoding/json and that
// the decoder reads back what encoding/json would.
func FuzzEncodeString(f *testing.F) {
	for _, s := range []string{"", "abc", "\x00\x1f\"\\", "é\u2028", "\xff\xfe", "<>&"} {
		f.Add(s)
	}
	d := NewDecoder(Schema{{Name: "s", Type: TString}}, nil)
	row := make(Row, 1)
	f.Fuzz(func(t *testing.T, s string) {
		enc := appendJSONString(nil, []byte(s))
		if want := stdEncode(t, s); string(enc) != want {
			t.Fatalf("%q: got %s, want %s", s, enc, want)
		}
		msg := append(append([]byte(`{"s":`), enc...), '}')
		if err := d.Decode(msg, row); err != nil {
			t.Fatalf("%s: %v", msg, err)
		}
		var back string
		if err := json.Unmarshal(enc, &back); err != nil || string(row[0].S) != back {
			t.Fatalf("%s: decoded %q, encoding/json %q (%v)", enc, row[0].S, back, err)
		}
	})
}
