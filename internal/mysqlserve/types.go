package mysqlserve

import (
	"context"
	"encoding/json"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/dolthub/vitess/go/sqltypes"
	"github.com/shopspring/decimal"

	"github.com/velort/velort/runtime"
)

// timestampType is how TIMESTAMP columns are served: epoch milliseconds
// as a DATETIME(3) in UTC.
var timestampType = types.MustCreateDatetimeType(sqltypes.Datetime, 3)

// sqlType maps a velort column to the go-mysql-server type it is served as,
// following planner/gmsvalue.go's conventions.
func sqlType(c runtime.Column) sql.Type {
	switch c.Type {
	case runtime.TBool:
		return types.Boolean
	case runtime.TInt:
		return types.Int64
	case runtime.TDouble:
		return types.Float64
	case runtime.TDecimal:
		return decimalType(c.Precision, c.Scale)
	case runtime.TString:
		return types.LongText
	case runtime.TTimestamp:
		return timestampType
	case runtime.TJSON:
		return types.JSON
	}
	return types.Null
}

// decimalType is DECIMAL(p,s), widened to the maximum precision when p is
// unknown (0) or too small for s.
func decimalType(p, s uint8) sql.Type {
	if s > types.DecimalTypeMaxScale {
		s = types.DecimalTypeMaxScale
	}
	if p == 0 || p < s || p > types.DecimalTypeMaxPrecision {
		p = types.DecimalTypeMaxPrecision
	}
	return types.MustCreateDecimalType(p, s)
}

// sqlSchema converts a table's schema; every column is nullable.
func sqlSchema(table string, s runtime.Schema) sql.Schema {
	out := make(sql.Schema, len(s))
	for i, c := range s {
		out[i] = &sql.Column{Name: c.Name, Type: sqlType(c), Nullable: true, Source: table, DatabaseSource: dbName}
	}
	return out
}

// toSQL converts a velort value to the Go value go-mysql-server expects for
// column c. A value whose type differs from its column's is converted by
// the column's go-mysql-server type; one that cannot be converted is NULL.
func toSQL(ctx context.Context, c runtime.Column, t sql.Type, v runtime.Value) any {
	if v.T == runtime.TNull {
		return nil
	}
	x := gmsValue(v)
	if v.T == c.Type {
		if v.T == runtime.TDecimal && v.Scale != c.Scale {
			// Served with the column's scale, as DECIMAL(p,s) is in MySQL.
			return x.(decimal.Decimal).Round(int32(c.Scale))
		}
		return x
	}
	if x == nil || c.Type == runtime.TNull {
		return nil
	}
	if intBacked(v.T) && intBacked(c.Type) {
		// BIGINT, BOOLEAN and TIMESTAMP (epoch ms) share I: retype it.
		return gmsValue(runtime.Value{T: c.Type, I: v.I})
	}
	y, _, err := t.Convert(ctx, x)
	if err != nil {
		return nil
	}
	if d, ok := y.(decimal.Decimal); ok {
		return d.Round(int32(c.Scale))
	}
	return y
}

// gmsValue converts a velort value by its own type, as planner.toGMS does.
func gmsValue(v runtime.Value) any {
	switch v.T {
	case runtime.TBool:
		if v.I != 0 {
			return int8(1)
		}
		return int8(0)
	case runtime.TInt:
		return v.I
	case runtime.TDouble:
		return v.F
	case runtime.TDecimal:
		return decimal.New(v.I, -int32(v.Scale))
	case runtime.TString:
		return string(v.S)
	case runtime.TTimestamp:
		return time.UnixMilli(v.I).UTC()
	case runtime.TJSON:
		var doc any
		if err := json.Unmarshal(v.S, &doc); err != nil {
			return nil
		}
		return types.JSONDocument{Val: doc}
	}
	return nil
}

func intBacked(t runtime.Type) bool {
	return t == runtime.TInt || t == runtime.TBool || t == runtime.TTimestamp
}
