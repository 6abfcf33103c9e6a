package runtime

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/valyala/fastjson"
)

var s0Schema = Schema{
	{Name: "order_id", Type: TInt},
	{Name: "customer_id", Type: TInt},
	{Name: "order_date", Type: TString},
	{Name: "total_amount", Type: TDouble},
}

func s0Record(i int) []byte {
	return []byte(`{"order_id":` + strconv.Itoa(i) + `,"customer_id":` + strconv.Itoa(i%1000) +
		`,"order_date":"2024-01-15","total_amount":` + strconv.Itoa(150+i%100) + `}`)
}

// wideSchema has 20 columns of mixed types; a query reads 4 of them.
func wideSchema() Schema {
	types := []Type{TInt, TString, TDouble, TBool, TTimestamp}
	s := make(Schema, 20)
	for i := range s {
		s[i] = Column{Name: "field_" + strconv.Itoa(i), Type: types[i%len(types)]}
	}
	return s
}

func wideRecord(i int) []byte {
	b := []byte{'{'}
	for f, c := range wideSchema() {
		if f > 0 {
			b = append(b, ',')
		}
		b = append(b, `"`+c.Name+`":`...)
		switch c.Type {
		case TInt:
			b = strconv.AppendInt(b, int64(i*f), 10)
		case TString:
			b = append(b, `"some text value `+strconv.Itoa(f)+`"`...)
		case TDouble:
			b = strconv.AppendFloat(b, float64(i)*1.25, 'f', -1, 64)
		case TBool:
			b = strconv.AppendBool(b, i%2 == 0)
		case TTimestamp:
			b = append(b, `"2024-01-15T10:00:00.123Z"`...)
		}
	}
	return append(b, '}')
}

func benchDecode(b *testing.B, schema Schema, read []bool, msgs [][]byte) {
	d := NewDecoder(schema, read)
	row := make(Row, len(schema))
	size := 0
	for _, m := range msgs {
		size += len(m)
	}
	b.SetBytes(int64(size / len(msgs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := d.Decode(msgs[i%len(msgs)], row); err != nil {
			b.Fatal(err)
		}
	}
}

func s0Messages() [][]byte {
	msgs := make([][]byte, 1024)
	for i := range msgs {
		msgs[i] = s0Record(i)
	}
	return msgs
}

func BenchmarkDecodeS0(b *testing.B) {
	benchDecode(b, s0Schema, nil, s0Messages())
}

func BenchmarkDecodeWide(b *testing.B) {
	read := make([]bool, 20)
	read[0], read[3], read[7], read[14] = true, true, true, true // BIGINT, BOOLEAN, DOUBLE, TIMESTAMP
	msgs := make([][]byte, 1024)
	for i := range msgs {
		msgs[i] = wideRecord(i)
	}
	benchDecode(b, wideSchema(), read, msgs)
}

func BenchmarkEncodeS0(b *testing.B) {
	names := []string{"order_id", "customer_id", "order_date", "total_amount"}
	e := NewEncoder(names)
	row := Row{Int(123456), Int(456), str("2024-01-15"), Double(199)}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = e.Append(buf[:0], row)
	}
	b.SetBytes(int64(len(buf)))
}

// Baselines for the choice of a hand-written scanner.

func BenchmarkBaselineFastjsonS0(b *testing.B) {
	msgs := s0Messages()
	var p fastjson.Parser
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		v, err := p.ParseBytes(msgs[i%len(msgs)])
		if err != nil {
			b.Fatal(err)
		}
		o, _ := v.Object()
		o.Visit(func(k []byte, v *fastjson.Value) {
			switch v.Type() {
			case fastjson.TypeNumber:
				_, _ = v.Int64()
			case fastjson.TypeString:
				_, _ = v.StringBytes()
			}
		})
	}
}

func BenchmarkBaselineEncodingJSONS0(b *testing.B) {
	msgs := s0Messages()
	var rec struct {
		OrderID     int64   `json:"order_id"`
		CustomerID  int64   `json:"customer_id"`
		OrderDate   string  `json:"order_date"`
		TotalAmount float64 `json:"total_amount"`
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := json.Unmarshal(msgs[i%len(msgs)], &rec); err != nil {
			b.Fatal(err)
		}
	}
}
