package planner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"

	"github.com/velort/velort/runtime"
)

// JSON paths natively: go-mysql-server's JSON_EXTRACT answered `[]` for
// `$.a` on an array, dead-lettered `$[1]` on an object and `$.*` on an
// array, and found nothing for `$**.b`. MySQL's path language here: `$`,
// `.key`, `."key"`, `.*`, `[n]`, `[last]`, `[last-n]`, `[m to n]`, `[*]`,
// `**`; a scalar or object is an array of one for `[0]`; a path with a
// wildcard or range (or several paths) returns the array of matches.
// Documents keep their key order.

func init() {
	nativeFuncs["json_extract"] = nativeJSONExtract
	nativeFuncs["json_contains_path"] = nativeJSONContainsPath
	nativeFuncs["json_value"] = nativeJSONValue
}

// jsonObject is a JSON object with its key order.
type jsonObject struct {
	keys []string
	vals []any
}

// parseJSONDoc decodes a document: objects as *jsonObject, arrays as
// []any, numbers as json.Number, strings, bools and nil.
func parseJSONDoc(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := decodeJSONValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("Invalid JSON text: trailing characters")
	}
	return v, nil
}

func decodeJSONValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("Invalid JSON text: %v", err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &jsonObject{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, fmt.Errorf("Invalid JSON text: %v", err)
				}
				k, _ := kt.(string)
				v, err := decodeJSONValue(dec)
				if err != nil {
					return nil, err
				}
				if i := o.index(k); i >= 0 {
					o.vals[i] = v // MySQL: the last duplicate key wins
				} else {
					o.keys, o.vals = append(o.keys, k), append(o.vals, v)
				}
			}
			_, err := dec.Token()
			return o, err
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := decodeJSONValue(dec)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			_, err := dec.Token()
			return arr, err
		}
	}
	return tok, nil
}

func (o *jsonObject) index(k string) int {
	for i, x := range o.keys {
		if x == k {
			return i
		}
	}
	return -1
}

// appendJSONDoc writes v as compact JSON text.
func appendJSONDoc(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		return strconv.AppendBool(dst, x)
	case json.Number:
		return append(dst, x...)
	case string:
		b, _ := json.Marshal(x)
		return append(dst, b...)
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONDoc(dst, e)
		}
		return append(dst, ']')
	case *jsonObject:
		dst = append(dst, '{')
		for i, k := range x.keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONDoc(dst, k)
			dst = append(dst, ':')
			dst = appendJSONDoc(dst, x.vals[i])
		}
		return append(dst, '}')
	}
	return dst
}

// jsonLeg is one step of a path.
type jsonLeg struct {
	kind     byte // '.' key, '*' member wildcard, '[' index range, 'a' [*], 'd' **
	key      string
	from, to int64 // array range; negative: from the end (last-n is -1-n)
}

type jsonPath struct {
	legs []jsonLeg
	wild bool // wildcard, range or ** : the result is an array
}

// parseJSONPath parses MySQL's path syntax.
func parseJSONPath(p string) (jsonPath, error) {
	bad := func() (jsonPath, error) {
		return jsonPath{}, fmt.Errorf("Invalid JSON path expression '%s'", p)
	}
	s := strings.TrimSpace(p)
	if !strings.HasPrefix(s, "$") {
		return bad()
	}
	s = s[1:]
	var jp jsonPath
	for len(s) > 0 {
		switch {
		case strings.HasPrefix(s, "**"):
			s = s[2:]
			jp.legs = append(jp.legs, jsonLeg{kind: 'd'})
			jp.wild = true
			if len(s) == 0 {
				return bad()
			}
		case s[0] == '.':
			s = strings.TrimLeft(s[1:], " ")
			switch {
			case strings.HasPrefix(s, "*"):
				s = s[1:]
				jp.legs = append(jp.legs, jsonLeg{kind: '*'})
				jp.wild = true
			case strings.HasPrefix(s, `"`):
				end := 1
				for end < len(s) && s[end] != '"' {
					if s[end] == '\\' {
						end++
					}
					end++
				}
				if end >= len(s) {
					return bad()
				}
				k, err := strconv.Unquote(s[:end+1])
				if err != nil {
					return bad()
				}
				jp.legs = append(jp.legs, jsonLeg{kind: '.', key: k})
				s = s[end+1:]
			default:
				end := 0
				for end < len(s) && s[end] != '.' && s[end] != '[' && s[end] != ' ' && !strings.HasPrefix(s[end:], "**") {
					end++
				}
				if end == 0 {
					return bad()
				}
				jp.legs = append(jp.legs, jsonLeg{kind: '.', key: s[:end]})
				s = s[end:]
			}
		case s[0] == '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return bad()
			}
			in := strings.TrimSpace(s[1:end])
			s = s[end+1:]
			if in == "*" {
				jp.legs = append(jp.legs, jsonLeg{kind: 'a'})
				jp.wild = true
				continue
			}
			leg := jsonLeg{kind: '['}
			parts := strings.SplitN(in, " to ", 2)
			var err error
			if leg.from, err = parseArrayIndex(parts[0]); err != nil {
				return bad()
			}
			leg.to = leg.from
			if len(parts) == 2 {
				if leg.to, err = parseArrayIndex(parts[1]); err != nil {
					return bad()
				}
				jp.wild = true
			}
			jp.legs = append(jp.legs, leg)
		case s[0] == ' ':
			s = s[1:]
		default:
			return bad()
		}
	}
	return jp, nil
}

// parseArrayIndex reads n, last or last-n (the latter as -1-n).
func parseArrayIndex(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "last") {
		rest := strings.TrimSpace(s[4:])
		if rest == "" {
			return -1, nil
		}
		if !strings.HasPrefix(rest, "-") {
			return 0, fmt.Errorf("bad index")
		}
		n, err := strconv.ParseInt(strings.TrimSpace(rest[1:]), 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad index")
		}
		return -1 - n, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad index")
	}
	return n, nil
}

// eval appends to out every value the legs reach from v.
func evalJSONPath(v any, legs []jsonLeg, out []any) []any {
	if len(legs) == 0 {
		return append(out, v)
	}
	leg, rest := legs[0], legs[1:]
	switch leg.kind {
	case '.':
		if o, ok := v.(*jsonObject); ok {
			if i := o.index(leg.key); i >= 0 {
				out = evalJSONPath(o.vals[i], rest, out)
			}
		}
	case '*':
		if o, ok := v.(*jsonObject); ok {
			for _, x := range o.vals {
				out = evalJSONPath(x, rest, out)
			}
		}
	case 'a':
		if a, ok := v.([]any); ok {
			for _, x := range a {
				out = evalJSONPath(x, rest, out)
			}
		}
	case '[':
		a, ok := v.([]any)
		if !ok {
			a = []any{v} // a scalar or object is an array of one
		}
		n := int64(len(a))
		from, to := leg.from, leg.to
		if from < 0 {
			from += n
		}
		if to < 0 {
			to += n
		}
		if from < 0 {
			from = 0
		}
		for i := from; i <= to && i < n; i++ {
			out = evalJSONPath(a[i], rest, out)
		}
	case 'd': // ** then the next leg, at every depth
		out = evalJSONPath(v, rest, out)
		switch x := v.(type) {
		case *jsonObject:
			for _, e := range x.vals {
				out = evalJSONPath(e, legs, out)
			}
		case []any:
			for _, e := range x {
				out = evalJSONPath(e, legs, out)
			}
		}
	}
	return out
}

// jsonPathArgs compiles constant paths once; varying ones per record.
func jsonPaths(f sql.FunctionExpression, from int) ([]jsonPath, bool, error) {
	ch := f.Children()
	out := make([]jsonPath, 0, len(ch)-from)
	for _, e := range ch[from:] {
		v, ok := isConst(e)
		s, isStr := v.(string)
		if !ok || !isStr {
			return nil, false, nil
		}
		p, err := parseJSONPath(s)
		if err != nil {
			return nil, true, err
		}
		out = append(out, p)
	}
	return out, true, nil
}

// jsonDocArg parses a JSON or text argument as a document.
func jsonDocArg(c *runtime.Ctx, v runtime.Value) (any, bool) {
	if v.T != runtime.TJSON && v.T != runtime.TString {
		return nil, false
	}
	doc, err := parseJSONDoc(v.S)
	if err != nil {
		c.Err = fmt.Errorf("Invalid JSON text in argument 1: %v", err)
		return nil, false
	}
	return doc, true
}

func nativeJSONExtract(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) < 2 {
		return compiled{}, false, nil
	}
	paths, ok, err := jsonPaths(f, 1)
	if !ok || err != nil {
		return compiled{}, err != nil, err
	}
	wrap := len(paths) > 1
	for _, p := range paths {
		wrap = wrap || p.wild
	}
	x := args[0].fn
	return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		doc, ok := jsonDocArg(c, x(c, r)) // NULL too: not a document
		if !ok {
			return runtime.Null
		}
		var found []any
		for _, p := range paths {
			found = evalJSONPath(doc, p.legs, found)
		}
		if len(found) == 0 {
			return runtime.Null
		}
		start := len(c.Arena)
		if wrap {
			c.Arena = appendJSONDoc(c.Arena, found)
		} else {
			c.Arena = appendJSONDoc(c.Arena, found[0])
		}
		return runtime.Value{T: runtime.TJSON, S: c.Arena[start:len(c.Arena):len(c.Arena)]}
	}, typ: runtime.TJSON}, true, nil
}

// nativeJSONContainsPath is JSON_CONTAINS_PATH(doc, 'one'|'all', path...).
func nativeJSONContainsPath(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) < 3 {
		return compiled{}, false, nil
	}
	mv, ok := isConst(f.Children()[1])
	mode, isStr := mv.(string)
	mode = strings.ToLower(mode)
	if !ok || !isStr || (mode != "one" && mode != "all") {
		return compiled{}, false, nil
	}
	paths, ok, err := jsonPaths(f, 2)
	if !ok || err != nil {
		return compiled{}, err != nil, err
	}
	x := args[0].fn
	return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		doc, ok := jsonDocArg(c, x(c, r)) // NULL too: not a document
		if !ok {
			return runtime.Null
		}
		for _, p := range paths {
			hit := len(evalJSONPath(doc, p.legs, nil)) > 0
			if hit && mode == "one" {
				return runtime.Bool(true)
			}
			if !hit && mode == "all" {
				return runtime.Bool(false)
			}
		}
		return runtime.Bool(mode == "all")
	}, typ: runtime.TBool}, true, nil
}

// nativeJSONValue is JSON_VALUE(doc, path): the scalar at path as text
// (unquoted), NULL when absent or not a scalar.
func nativeJSONValue(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 2 {
		return compiled{}, false, nil
	}
	paths, ok, err := jsonPaths(f, 1)
	if !ok || err != nil {
		return compiled{}, err != nil, err
	}
	x := args[0].fn
	return strResult(func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		doc, ok := jsonDocArg(c, x(c, r)) // NULL too: not a document
		if !ok {
			return runtime.Null
		}
		found := evalJSONPath(doc, paths[0].legs, nil)
		if len(found) != 1 {
			return runtime.Null
		}
		start := len(c.Arena)
		switch s := found[0].(type) {
		case string:
			c.Arena = append(c.Arena, s...)
		case json.Number, bool:
			c.Arena = appendJSONDoc(c.Arena, s)
		default: // null, object, array
			return runtime.Null
		}
		return runtime.String(c.Arena[start:len(c.Arena):len(c.Arena)])
	}), true, nil
}

func init() { nativeFuncs["json_type"] = nativeJSONType }

// nativeJSONType is JSON_TYPE(doc): NULL for SQL NULL (GMS said 'NULL').
func nativeJSONType(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 {
		return compiled{}, false, nil
	}
	x := args[0].fn
	return strResult(func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		doc, ok := jsonDocArg(c, x(c, r)) // NULL too: not a document
		if !ok {
			return runtime.Null
		}
		var name string
		switch d := doc.(type) {
		case nil:
			name = "NULL"
		case bool:
			name = "BOOLEAN"
		case string:
			name = "STRING"
		case []any:
			name = "ARRAY"
		case *jsonObject:
			name = "OBJECT"
		case json.Number:
			name = "INTEGER"
			if strings.ContainsAny(string(d), ".eE") {
				name = "DOUBLE"
			}
		}
		return runtime.String(arenaString(c, name))
	}), true, nil
}

func init() {
	nativeFuncs["json_array"] = nativeJSONBuild
	nativeFuncs["json_object"] = nativeJSONBuild
}

// appendJSONValue writes a velort value as a JSON value, as MySQL does:
// DECIMAL with its scale (12.50, GMS wrote the string "12.5"), DOUBLE in
// MySQL's shortest form, TIMESTAMP as "YYYY-MM-DD HH:MM:SS.fff" (GMS
// wrote RFC 3339), BOOLEAN true/false, JSON embedded.
func appendJSONValue(dst []byte, v runtime.Value) []byte {
	switch v.T {
	case runtime.TNull:
		return append(dst, "null"...)
	case runtime.TBool:
		return strconv.AppendBool(dst, v.I != 0)
	case runtime.TInt, runtime.TDecimal:
		return runtime.AppendValueJSON(dst, v)
	case runtime.TDouble:
		if math.IsNaN(v.F) || math.IsInf(v.F, 0) {
			return append(dst, "null"...)
		}
		return formatDouble(dst, v.F)
	case runtime.TJSON:
		return append(dst, v.S...)
	case runtime.TTimestamp:
		dst = append(dst, '"')
		dst = appendDatetimeText(dst, v.I)
		return append(dst, '"')
	}
	return runtime.AppendValueJSON(dst, v) // VARCHAR: a JSON string
}

// nativeJSONBuild is JSON_ARRAY(v, ...) and JSON_OBJECT(k, v, ...).
func nativeJSONBuild(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	object := lowerName(f) == "json_object"
	if object && len(args)%2 != 0 {
		return compiled{}, false, nil
	}
	fs := fns(args)
	vals := make([]runtime.Value, len(fs))
	// A BOOLEAN column is MySQL's BOOLEAN, TINYINT(1): a JSON number; a
	// computed truth value (a comparison) is JSON true/false.
	asInt := make([]bool, len(args))
	for i, a := range args {
		asInt[i] = a.typ == runtime.TBool && a.column() >= 0
	}
	return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		for i, f := range fs {
			if vals[i] = f(c, r); asInt[i] && vals[i].T == runtime.TBool {
				vals[i].T = runtime.TInt
			}
		}
		start := len(c.Arena)
		out := c.Arena
		if object {
			out = append(out, '{')
			for i := 0; i < len(vals); i += 2 {
				if vals[i].T == runtime.TNull {
					c.Arena = c.Arena[:start]
					c.Err = fmt.Errorf("JSON documents may not contain NULL member names")
					return runtime.Null
				}
				if i > 0 {
					out = append(out, ',')
				}
				out = runtime.AppendValueJSON(out, runtime.String(textOf(c, vals[i])))
				out = append(out, ':')
				out = appendJSONValue(out, vals[i+1])
			}
			out = append(out, '}')
		} else {
			out = append(out, '[')
			for i, v := range vals {
				if i > 0 {
					out = append(out, ',')
				}
				out = appendJSONValue(out, v)
			}
			out = append(out, ']')
		}
		c.Arena = out
		if !checkSize(c, lowerName(f), int64(len(out)-start)) {
			c.Arena = c.Arena[:start]
			return runtime.Null
		}
		return runtime.Value{T: runtime.TJSON, S: out[start:len(out):len(out)]}
	}, typ: runtime.TJSON}, true, nil
}

func init() { nativeFuncs["json_length"] = nativeJSONLength }

// nativeJSONLength is JSON_LENGTH(doc[, path]): the members of an array
// or object, 1 for a scalar (GMS gave NULL for []), NULL for a missing path.
func nativeJSONLength(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 && len(args) != 2 {
		return compiled{}, false, nil
	}
	var path *jsonPath
	if len(args) == 2 {
		paths, ok, err := jsonPaths(f, 1)
		if !ok || err != nil {
			return compiled{}, err != nil, err
		}
		path = &paths[0]
	}
	x := args[0].fn
	return compiled{fn: func(c *runtime.Ctx, r runtime.Row) runtime.Value {
		doc, ok := jsonDocArg(c, x(c, r)) // NULL too: not a document
		if !ok {
			return runtime.Null
		}
		if path != nil {
			found := evalJSONPath(doc, path.legs, nil)
			if len(found) == 0 {
				return runtime.Null
			}
			doc = found[0]
		}
		switch d := doc.(type) {
		case []any:
			return runtime.Int(int64(len(d)))
		case *jsonObject:
			return runtime.Int(int64(len(d.keys)))
		}
		return runtime.Int(1)
	}, typ: runtime.TInt}, true, nil
}

func init() { nativeFuncs["json_unquote"] = nativeJSONUnquote }

// nativeJSONUnquote is JSON_UNQUOTE(x): the content of a JSON string
// literal ("a\nb" unescaped); any other text unchanged (GMS unescaped
// backslashes of text that is no JSON string: 'a\\b' became 'a\b').
func nativeJSONUnquote(_ *exprEnv, _ sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	if len(args) != 1 {
		return compiled{}, false, nil
	}
	return strFunc(args, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		s := textOf(c, v[0])
		if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
			return runtime.String(s)
		}
		var out string
		if err := json.Unmarshal(s, &out); err != nil {
			c.Err = fmt.Errorf("Invalid JSON text in argument 1 to function json_unquote: %v", err)
			return runtime.Null
		}
		return runtime.String(arenaString(c, out))
	}), true, nil
}
