package planner

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/shopspring/decimal"

	"github.com/velort/velort/runtime"
)

// runtimeType maps a go-mysql-server result type to velort's.
func runtimeType(t sql.Type) (runtime.Type, uint8) {
	switch {
	case t == nil || t == types.Null:
		return runtime.TNull, 0
	case types.IsJSON(t):
		return runtime.TJSON, 0
	case types.IsDecimal(t):
		return runtime.TDecimal, t.(sql.DecimalType).Scale()
	case types.IsFloat(t):
		return runtime.TDouble, 0
	case types.IsInteger(t) || types.IsYear(t) || types.IsBit(t):
		return runtime.TInt, 0
	case types.IsTime(t) || types.IsDateType(t) || types.IsDatetimeType(t) || types.IsTimestampType(t):
		return runtime.TTimestamp, 0
	}
	return runtime.TString, 0
}

// toGMS converts a velort value to the Go value go-mysql-server expects.
func toGMS(v runtime.Value) any {
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

// fromGMS converts a go-mysql-server result to a velort value of type t,
// copying bytes into the context's arena.
func fromGMS(c *runtime.Ctx, x any, t runtime.Type, scale uint8) (runtime.Value, error) {
	if x == nil {
		return runtime.Null, nil
	}
	switch t {
	case runtime.TBool:
		f, err := toFloat64(x)
		if err != nil {
			return runtime.Null, err
		}
		return runtime.Bool(f != 0), nil
	case runtime.TInt:
		switch n := x.(type) {
		case int64:
			return runtime.Int(n), nil
		case uint64:
			return runtime.Int(int64(n)), nil
		case bool:
			if n {
				return runtime.Int(1), nil
			}
			return runtime.Int(0), nil
		}
		f, err := toFloat64(x)
		if err != nil {
			return runtime.Null, err
		}
		return runtime.Int(int64(f)), nil
	case runtime.TDouble:
		f, err := toFloat64(x)
		return runtime.Double(f), err
	case runtime.TDecimal:
		var d decimal.Decimal
		switch n := x.(type) {
		case decimal.Decimal:
			d = n
		default:
			f, err := toFloat64(x)
			if err != nil {
				return runtime.Null, err
			}
			d = decimal.NewFromFloat(f)
		}
		d = d.Round(int32(scale))
		return runtime.Decimal(d.Shift(int32(scale)).IntPart(), scale), nil
	case runtime.TTimestamp:
		if tm, ok := x.(time.Time); ok {
			return runtime.Timestamp(tm.UnixMilli()), nil
		}
		f, err := toFloat64(x)
		return runtime.Timestamp(int64(f)), err
	case runtime.TJSON:
		if w, ok := x.(sql.JSONWrapper); ok {
			doc, err := w.ToInterface()
			if err != nil {
				return runtime.Null, err
			}
			x = doc
		}
		b, err := json.Marshal(x)
		if err != nil {
			return runtime.Null, err
		}
		return runtime.Value{T: runtime.TJSON, S: arenaBytes(c, b)}, nil
	}
	switch s := x.(type) {
	case string:
		return runtime.String(arenaString(c, s)), nil
	case []byte:
		return runtime.String(arenaBytes(c, s)), nil
	case time.Time:
		return runtime.String(c.Arena[:0:0]), nil
	}
	return runtime.String(arenaString(c, fmt.Sprint(x))), nil
}

func toFloat64(x any) (float64, error) {
	switch n := x.(type) {
	case int8:
		return float64(n), nil
	case int16:
		return float64(n), nil
	case int32:
		return float64(n), nil
	case int64:
		return float64(n), nil
	case int:
		return float64(n), nil
	case uint8:
		return float64(n), nil
	case uint16:
		return float64(n), nil
	case uint32:
		return float64(n), nil
	case uint64:
		return float64(n), nil
	case float32:
		return float64(n), nil
	case float64:
		return n, nil
	case bool:
		if n {
			return 1, nil
		}
		return 0, nil
	case decimal.Decimal:
		f, _ := n.Float64()
		return f, nil
	case string:
		f, _ := runtime.ParseFloatPrefix([]byte(n))
		return f, nil
	case []byte:
		f, _ := runtime.ParseFloatPrefix(n)
		return f, nil
	case time.Time:
		return float64(n.UnixMilli()), nil
	}
	return math.NaN(), fmt.Errorf("cannot convert %T to a number", x)
}

func arenaString(c *runtime.Ctx, s string) []byte {
	b := c.Alloc(len(s))
	copy(b, s)
	return b
}

func arenaBytes(c *runtime.Ctx, s []byte) []byte {
	b := c.Alloc(len(s))
	copy(b, s)
	return b
}
