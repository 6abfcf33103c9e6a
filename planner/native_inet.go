package planner

import (
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/dolthub/go-mysql-server/sql"

	"github.com/velort/velort/runtime"
)

// INET_ATON, INET_NTOA, SOUNDEX and CHAR as MySQL computes them (GMS:
// INET_ATON('3.5') NULL, INET_NTOA(-1) '255.255.255.255', SOUNDEX(' 42')
// '0000', CHAR(0) empty).

func init() {
	nativeFuncs["inet_aton"] = nativeInetAton
	nativeFuncs["inet_ntoa"] = nativeInetNtoa
	nativeFuncs["soundex"] = nativeSoundex
	nativeFuncs["char"] = nativeChar
}

// nativeInetAton is MySQL's INET_ATON: dotted parts of at most 255,
// short forms 'a.b' = a.0.0.b and 'a.b.c' = a.b.0.c; anything else NULL.
func nativeInetAton(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 {
		return compiled{}, false, nil
	}
	return numFunc(args, runtime.TInt, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		s := textOf(c, v[0])
		if len(s) == 0 {
			return runtime.Null
		}
		var result, part uint64
		dots := 0
		for _, ch := range s {
			switch {
			case ch >= '0' && ch <= '9':
				if part = part*10 + uint64(ch-'0'); part > 255 {
					return runtime.Null
				}
			case ch == '.':
				dots++
				result = result<<8 + part
				part = 0
			default:
				return runtime.Null
			}
		}
		if s[len(s)-1] != '.' {
			switch dots {
			case 1:
				result <<= 16
			case 2:
				result <<= 8
			}
			result = result<<8 + part
		}
		if result > math.MaxInt64 {
			return runtime.Null
		}
		return runtime.Int(int64(result))
	}), true, nil
}

func nativeInetNtoa(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 {
		return compiled{}, false, nil
	}
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		n := intOf(v[0])
		if n < 0 || n > math.MaxUint32 {
			return runtime.Null
		}
		start := len(c.Arena)
		for i := 3; i >= 0; i-- {
			c.Arena = strconv.AppendInt(c.Arena, n>>(8*i)&255, 10)
			if i > 0 {
				c.Arena = append(c.Arena, '.')
			}
		}
		return runtime.String(c.Arena[start:len(c.Arena):len(c.Arena)])
	}), true, nil
}

// soundexCodes are MySQL's codes of A..Z ('0': vowels, H, W, Y).
const soundexCodes = "01230120022455012623010202"

// nativeSoundex is MySQL's SOUNDEX: the first letter, then the codes of
// the following consonants without repeating the previous consonant's
// code, padded to four; ” when there is no letter. Non-ASCII
// characters are skipped.
func nativeSoundex(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 {
		return compiled{}, false, nil
	}
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		s := textOf(c, v[0])
		start := len(c.Arena)
		var last byte
		first := true
		for i := 0; i < len(s); {
			ch, w := utf8.DecodeRune(s[i:])
			raw := s[i : i+w]
			i += w
			if 'a' <= ch && ch <= 'z' {
				ch -= 'a' - 'A'
			}
			var code byte = '0' // a non-ASCII character is a letter without a code (MariaDB)
			switch {
			case ch >= 'A' && ch <= 'Z':
				code = soundexCodes[ch-'A']
			case ch < utf8.RuneSelf:
				continue
			}
			switch {
			case first:
				if ch < utf8.RuneSelf {
					c.Arena = append(c.Arena, byte(ch))
				} else {
					c.Arena = append(c.Arena, raw...)
				}
				first = false
				last = code
			case code != '0': // vowels, H, W, Y neither count nor separate
				if code != last {
					c.Arena = append(c.Arena, code)
				}
				last = code
			}
		}
		if !first {
			for utf8.RuneCount(c.Arena[start:]) < 4 {
				c.Arena = append(c.Arena, '0')
			}
		}
		return runtime.String(c.Arena[start:len(c.Arena):len(c.Arena)])
	}), true, nil
}

// nativeChar is CHAR(n, ...): each n's 32-bit value as its big-endian
// bytes without leading zeros (0 is one zero byte); NULLs skipped.
func nativeChar(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) == 0 {
		return compiled{}, false, nil
	}
	fs := fns(args)
	return strResult(func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		start := len(c.Arena)
		for _, f := range fs {
			v := f(c, r)
			if v.T == runtime.TNull {
				continue
			}
			n := uint32(intOf(v))
			switch {
			case n > 0xFFFFFF:
				c.Arena = append(c.Arena, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
			case n > 0xFFFF:
				c.Arena = append(c.Arena, byte(n>>16), byte(n>>8), byte(n))
			case n > 0xFF:
				c.Arena = append(c.Arena, byte(n>>8), byte(n))
			default:
				c.Arena = append(c.Arena, byte(n))
			}
		}
		return runtime.String(c.Arena[start:len(c.Arena):len(c.Arena)])
	}), true, nil
}
