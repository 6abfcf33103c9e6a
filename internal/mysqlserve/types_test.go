package mysqlserve

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/shopspring/decimal"

	"github.com/velort/velort/runtime"
)

func TestToSQLConvertsToTheColumnType(t *testing.T) {
	ctx := context.Background()
	dec2 := runtime.Column{Name: "d", Type: runtime.TDecimal, Precision: 10, Scale: 2}
	cases := []struct {
		col  runtime.Column
		v    runtime.Value
		want string // fmt %v of the result, with its Go type
	}{
		{runtime.Column{Type: runtime.TInt}, runtime.Int(7), "int64 7"},
		{runtime.Column{Type: runtime.TBool}, runtime.Bool(true), "int8 1"},
		{runtime.Column{Type: runtime.TDouble}, runtime.Int(3), "float64 3"},
		{dec2, runtime.Decimal(5, 0), "decimal.Decimal 5.00"},
		{dec2, runtime.Int(5), "decimal.Decimal 5.00"},
		{dec2, runtime.Decimal(12345, 3), "decimal.Decimal 12.35"},
		{runtime.Column{Type: runtime.TTimestamp}, runtime.Int(1705312800000), "time.Time 2024-01-15 10:00:00 +0000 UTC"},
		{runtime.Column{Type: runtime.TInt}, runtime.Timestamp(42), "int64 42"},
		{runtime.Column{Type: runtime.TString}, runtime.Int(42), "string 42"},
		{runtime.Column{Type: runtime.TJSON}, runtime.Value{T: runtime.TJSON, S: []byte(`{"a":[1,true]}`)}, `types.JSONDocument {"a": [1, true]}`},
		{runtime.Column{Type: runtime.TJSON}, runtime.Value{T: runtime.TJSON, S: []byte(`{not json`)}, "<nil> <nil>"},
		{runtime.Column{Type: runtime.TInt}, runtime.Null, "<nil> <nil>"},
	}
	for _, c := range cases {
		got := toSQL(ctx, c.col, sqlType(c.col), c.v)
		s := fmt.Sprintf("%T %v", got, got)
		if d, ok := got.(decimal.Decimal); ok {
			s = "decimal.Decimal " + d.StringFixed(-d.Exponent())
		}
		if tm, ok := got.(time.Time); ok {
			s = "time.Time " + tm.String()
		}
		if s != c.want {
			t.Errorf("toSQL(%v, %+v) = %s, want %s", c.col.Type, c.v, s, c.want)
		}
	}
}

func TestDecimalTypeWidensUnknownPrecision(t *testing.T) {
	if got := sqlType(runtime.Column{Type: runtime.TDecimal, Scale: 4}).String(); got != "decimal(65,4)" {
		t.Errorf("DECIMAL without precision served as %s, want decimal(65,4)", got)
	}
	if got := sqlType(runtime.Column{Type: runtime.TTimestamp}); got != timestampType || got.String() != "datetime(3)" {
		t.Errorf("TIMESTAMP served as %s, want datetime(3)", got)
	}
	if got := sqlType(runtime.Column{Type: runtime.TJSON}); got != types.JSON {
		t.Errorf("JSON served as %s", got)
	}
}
