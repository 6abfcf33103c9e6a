package runtime

import (
	"strings"
	"testing"
)

func fmtRow(r Row) string {
	var parts []string
	for _, v := range r {
		if v.T == TNull {
			parts = append(parts, "NULL")
			continue
		}
		parts = append(parts, string(AppendValueJSON(nil, v)))
	}
	return strings.Join(parts, " ")
}

var csvSchema = Schema{{Name: "sym", Type: TString}, {Name: "px", Type: TDouble}, {Name: "qty", Type: TInt},
	{Name: "ok", Type: TBool}, {Name: "ts", Type: TTimestamp}, {Name: "amt", Type: TDecimal, Precision: 8, Scale: 2}}

func TestCSVDecode(t *testing.T) {
	dec, err := (&Format{Name: "csv"}).NewDecoder(csvSchema, []int{0, 1, 2, 3, 4, 5}, nil)
	if err != nil {
		t.Fatal(err)
	}
	row := make(Row, len(csvSchema))
	for _, c := range []struct{ in, want string }{
		{"AAPL,1.5,100,true,1000,12.5", `"AAPL" 1.5 100 true "1970-01-01T00:00:01.000Z" 12.50`},
		{"AAPL,1.5,100,TRUE,2024-01-02T03:04:05.678Z,12.5\r\n", `"AAPL" 1.5 100 true "2024-01-02T03:04:05.678Z" 12.50`},
		{`"a,""b""",,1e2,false,,` + "\n", `"a,\"b\"" NULL 100 false NULL NULL`},
		{`"",,,,,`, `"" NULL NULL NULL NULL NULL`},
		{"x,1,2,true,3,\"4\"", `"x" 1 2 true "1970-01-01T00:00:00.003Z" 4.00`},
	} {
		if err := dec.DecodeMore([]byte(c.in), row); err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got := fmtRow(row); got != c.want {
			t.Errorf("%q: got %s, want %s", c.in, got, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"AAPL,1.5,100,true,1000", "CSV record has 5 fields, expected 6"},
		{"AAPL,1.5,1.5,true,1000,1", `column "qty": expected BIGINT, got 1.5`},
		{"AAPL,abc,1,true,1000,1", `column "px": expected DOUBLE, got "abc"`},
		{"AAPL,1,1,yes,1000,1", `column "ok": expected BOOLEAN (true or false), got "yes"`},
		{`"AAPL,1,1,true,1000,1`, "is not closed"},
		{`AA"PL,1,1,true,1000,1`, "does not start with one"},
		{"a,1,1,true,1,1\nb,1,1,true,1,1", "more than one record"},
		{"a,1,1,true,1,123456789", `DECIMAL(8,2) out of range`},
	} {
		err := dec.DecodeMore([]byte(c.in), row)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.in, err, c.want)
		}
	}
}

func TestCSVHeaderAndDelimiter(t *testing.T) {
	f := &Format{Name: "csv", Delimiter: ';', Header: true}
	dec, err := f.NewDecoder(csvSchema, []int{0, 1, 2, 3, 4, 5}, []bool{true, false, true, false, false, false})
	if err != nil {
		t.Fatal(err)
	}
	row := make(Row, len(csvSchema))
	for _, c := range []struct{ in, want string }{
		{"QTY;extra;Sym\n7;zzz;\"a;b\"", `"a;b" NULL 7 NULL NULL NULL`},
		{"QTY;extra;Sym\n8;zzz;c", `"c" NULL 8 NULL NULL NULL`},
		{"sym;px\r\nd;notread", `"d" NULL NULL NULL NULL NULL`},
	} {
		if err := dec.DecodeMore([]byte(c.in), row); err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got := fmtRow(row); got != c.want {
			t.Errorf("%q: got %s, want %s", c.in, got, c.want)
		}
	}
	if err := dec.DecodeMore([]byte("sym;qty"), row); err == nil || !strings.Contains(err.Error(), "no record line") {
		t.Errorf("header only: %v", err)
	}
	enc := newCSVEncoder(f, csvSchema)
	out, _ := enc.Append(nil, Row{String([]byte("a;b")), Double(1.5), Int(3), Bool(true), Timestamp(1000), Decimal(1250, 2)})
	if want := "sym;px;qty;ok;ts;amt\n\"a;b\";1.5;3;true;1970-01-01T00:00:01.000Z;12.50"; string(out) != want {
		t.Errorf("encoded %q, want %q", out, want)
	}
	// what the encoder writes, the decoder reads back
	dec2, _ := f.NewDecoder(csvSchema, []int{0, 1, 2, 3, 4, 5}, nil)
	if err := dec2.DecodeMore(out, row); err != nil || fmtRow(row) != `"a;b" 1.5 3 true "1970-01-01T00:00:01.000Z" 12.50` {
		t.Errorf("round trip: %v %s", err, fmtRow(row))
	}
	out, _ = enc.Append(nil, Row{String(nil), {}, {}, {}, {}, {}})
	if err := dec2.DecodeMore(out, row); err != nil || fmtRow(row) != `"" NULL NULL NULL NULL NULL` {
		t.Errorf("round trip of empty and NULL %q: %v %s", out, err, fmtRow(row))
	}
}

func TestTextFormat(t *testing.T) {
	schema := Schema{{Name: "line", Type: TString}, {Name: "subj", Type: TString, Meta: "subject.1"}}
	f := &Format{Name: "text"}
	if err := f.Check(schema, []int{0, 1}); err == nil {
		t.Error("two payload columns accepted")
	}
	if err := f.Check(Schema{{Name: "n", Type: TInt}}, []int{0}); err == nil {
		t.Error("a BIGINT payload column accepted")
	}
	dec, err := f.NewDecoder(schema, []int{0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	row := make(Row, 2)
	if err := dec.DecodeMore([]byte("hello, {world}"), row); err != nil || fmtRow(row) != `"hello, {world}" NULL` {
		t.Errorf("%v %s", err, fmtRow(row))
	}
	enc, _ := f.NewEncoder(Schema{{Name: "x", Type: TString}})
	if out, _ := enc.Append(nil, Row{Int(42)}); string(out) != "42" {
		t.Errorf("encoded %q", out)
	}
	if _, err := f.NewEncoder(schema); err == nil {
		t.Error("text encoder of two columns")
	}
}

// TestCSVDecodeDoesNotAllocate: after the first record, decoding reuses
// the decoder's buffers.
func TestCSVDecodeDoesNotAllocate(t *testing.T) {
	dec, _ := (&Format{Name: "csv", Header: true}).NewDecoder(csvSchema, []int{0, 1, 2, 3, 4, 5}, nil)
	row := make(Row, len(csvSchema))
	in := []byte("sym,px,qty,ok,ts,amt\n\"A\"\"B\",1.5,100,true,1000,12.5")
	n := testing.AllocsPerRun(100, func() {
		dec.ResetScratch()
		if err := dec.DecodeMore(in, row); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per record", n)
	}
}
