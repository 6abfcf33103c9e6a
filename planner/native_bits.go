package planner

import (
	"fmt"
	"hash/crc32"
	"math"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"

	"github.com/velort/velort/runtime"
)

// Bit operators and the functions that read bytes. MySQL's `& | ^ << >>`
// work on BIGINT UNSIGNED: each operand becomes a 64-bit unsigned value
// (negative integers as two's complement, DOUBLE and DECIMAL rounded
// half away from zero and saturated, strings by their numeric prefix);
// a result above 2^63-1 is an error for the record (velort has no
// unsigned type, docs/sql.md "Types"), never a wrapped number.

func init() {
	nativeFuncs["quote"] = nativeQuote
	nativeFuncs["crc32"] = nativeCRC32
}

// bitOperand converts v to MySQL's unsigned 64-bit operand.
func bitOperand(v runtime.Value) uint64 {
	switch v.T {
	case runtime.TInt, runtime.TBool:
		return uint64(v.I)
	case runtime.TDecimal:
		return uint64(roundDecimal(v.I, v.Scale))
	case runtime.TTimestamp:
		return uint64(roundDecimal(tsNumber(v.I).I, 3))
	}
	f := math.Round(numOf(v)) // DOUBLE, or a string's numeric prefix
	switch {
	case math.IsNaN(f):
		return 0
	case f >= 18446744073709551615.0:
		return math.MaxUint64
	case f >= 9223372036854775808.0:
		return uint64(f)
	case f <= -9223372036854775808.0:
		return 1 << 63
	}
	return uint64(int64(f))
}

// nativeBitOp compiles `a & b`, `|`, `^`, `<<`, `>>`.
func (env *exprEnv) nativeBitOp(e *expression.BitOp) (compiled, bool, error) {
	l, err := env.compile(e.Left())
	if err != nil {
		return compiled{}, true, err
	}
	r, err := env.compile(e.Right())
	if err != nil {
		return compiled{}, true, err
	}
	var op func(a, b uint64) uint64
	switch e.Op {
	case "&":
		op = func(a, b uint64) uint64 { return a & b }
	case "|":
		op = func(a, b uint64) uint64 { return a | b }
	case "^":
		op = func(a, b uint64) uint64 { return a ^ b }
	case "<<":
		op = func(a, b uint64) uint64 {
			if b >= 64 {
				return 0
			}
			return a << b
		}
	case ">>":
		op = func(a, b uint64) uint64 {
			if b >= 64 {
				return 0
			}
			return a >> b
		}
	default:
		return compiled{}, false, nil
	}
	lf, rf := l.fn, r.fn
	return compiled{fn: func(c *runtime.Ctx, row runtime.Row) runtime.Value {
		a, b := lf(c, row), rf(c, row)
		if a.T == runtime.TNull || b.T == runtime.TNull {
			return runtime.Null
		}
		u := op(bitOperand(a), bitOperand(b))
		if u > math.MaxInt64 {
			c.Err = fmt.Errorf("BIGINT UNSIGNED value is out of range: %d in '%s' (velort's BIGINT is signed)", u, e)
			return runtime.Null
		}
		return runtime.Int(int64(u))
	}, typ: runtime.TInt}, true, nil
}

// nativeQuote is QUOTE(s): s between single quotes with \ ' NUL and
// ^Z escaped; QUOTE(NULL) is the text NULL.
func nativeQuote(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 {
		return compiled{}, false, nil
	}
	x := args[0].fn
	return strResult(func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		v := x(c, r)
		start := len(c.Arena)
		if v.T == runtime.TNull {
			c.Arena = append(c.Arena, "NULL"...)
			return runtime.String(c.Arena[start:len(c.Arena):len(c.Arena)])
		}
		s := textOf(c, v)
		if !checkSize(c, "quote", 2*int64(len(s))+2) {
			return runtime.Null
		}
		start = len(c.Arena)
		c.Arena = append(c.Arena, '\'')
		for _, b := range s {
			switch b {
			case '\\', '\'':
				c.Arena = append(c.Arena, '\\', b)
			case 0:
				c.Arena = append(c.Arena, '\\', '0')
			case 26:
				c.Arena = append(c.Arena, '\\', 'Z')
			default:
				c.Arena = append(c.Arena, b)
			}
		}
		c.Arena = append(c.Arena, '\'')
		return runtime.String(c.Arena[start:len(c.Arena):len(c.Arena)])
	}), true, nil
}

// nativeCRC32 is CRC32 of the argument's MySQL text.
func nativeCRC32(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 {
		return compiled{}, false, nil
	}
	return numFunc(args, runtime.TInt, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		return runtime.Int(int64(crc32.ChecksumIEEE(textOf(c, v[0]))))
	}), true, nil
}
