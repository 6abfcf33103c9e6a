package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/velort/velort/runtime"
)

// The comparison rules, in one place.
//
// velort publishes JSON (SPEC §2, docs/sql.md); MariaDB returns text and a
// column type. A velort value v (its JSON text and runtime type) is the
// same as a MariaDB cell m when:
//
//   - both are NULL (velort writes NULL, NaN and ±Inf as null), or v is
//     the JSON document null (written null too) and m the text "null";
//   - v is a BOOLEAN (true/false) and m is the integer 1/0 — MySQL has no
//     boolean type; predicates (pred) must be BOOLEAN in velort;
//   - v is a number and m is a DOUBLE/FLOAT: numerically equal within a
//     relative 1e-12 (both are binary doubles; libm results may differ in
//     the last bit);
//     When MariaDB sends a DOUBLE with a fixed number of decimals (PI() as
//     3.141593, ROUND(d, 2)), v is rounded to them first: that is how
//     MySQL displays the same double;
//   - v is a number and m is exact (integer or DECIMAL): the number velort
//     writes equals MariaDB's exactly, and a DECIMAL has MySQL's scale
//     (docs: DECIMAL is written with its scale, so 12.50 ≠ 12.5000; a
//     BIGINT 12 = DECIMAL 12.00; a DOUBLE 0.1 written
//     "0.1" equals DECIMAL 0.1, but 18446744073709552000 ≠
//     18446744073709551615). With approx (velort's documented `/` and AVG
//     returning DOUBLE) the relative 1e-12 rule applies instead;
//   - v is a string and m is a string, DATE, TIME or DATETIME with the same
//     text, byte for byte (velort has no DATE or TIME type: DATE(ts) is the
//     text '2024-01-15', as MySQL shows it);
//   - v is a TIMESTAMP and m a DATETIME/TIMESTAMP (not a DATE or TIME)
//     of the same millisecond — velort's TIMESTAMP has millisecond
//     precision (docs/sql.md "Types"), so MariaDB's digits below the
//     millisecond are truncated;
//   - v is JSON and m is text holding an equal JSON document (MariaDB's
//     JSON functions return text; spacing and key order do not matter,
//     numbers compare by value).
//
// Anything else differs. sameValue returns "" when the values are the
// same, or a description of the difference.
func sameValue(pred, approx bool, vt runtime.Type, vjson string, m cell) string {
	if vt == runtime.TJSON && vjson == "null" && !m.null && mariaKind(m.typ) == "string" && m.text == "null" {
		return "" // the JSON document null: JSON output cannot tell it from SQL NULL
	}
	if vjson == "null" || m.null {
		if vjson == "null" && m.null {
			return ""
		}
		return "NULL vs value"
	}
	if pred && vt != runtime.TBool {
		return "predicate not written as true/false"
	}
	kind := mariaKind(m.typ)
	switch vt {
	case runtime.TBool:
		want := "0"
		if vjson == "true" {
			want = "1"
		}
		if (kind == "exact" || kind == "approx") && numEqualExact(want, m.text) {
			return ""
		}
		return "different value"
	case runtime.TInt, runtime.TDecimal, runtime.TDouble:
		switch {
		case kind == "approx", kind == "exact" && approx && vt == runtime.TDouble:
			if floatClose(roundTo(vjson, m.decimals), m.text) {
				return ""
			}
			return "different value"
		case kind == "exact" && approx && intClose(vjson, m.text):
			// An integer computed from a documented DOUBLE (`/`, AVG):
			// within one unit plus the DOUBLE's relative precision.
			return ""
		case kind == "exact":
			if numEqualExact(vjson, m.text) {
				if vt == runtime.TDecimal && strings.Contains(m.typ, "DECIMAL") && fracDigits(vjson) != fracDigits(m.text) {
					return "DECIMAL scale differs"
				}
				return ""
			}
			return "different value"
		}
		return "number vs " + kind
	case runtime.TString:
		var s string
		if err := json.Unmarshal([]byte(vjson), &s); err != nil {
			return "velort string not JSON: " + err.Error()
		}
		if kind == "string" || kind == "temporal" {
			if s == m.text {
				return ""
			}
			return "different value"
		}
		return "string vs " + kind
	case runtime.TTimestamp:
		if kind != "temporal" || m.typ == "DATE" || m.typ == "TIME" {
			return "timestamp vs " + strings.ToLower(m.typ)
		}
		var s string
		json.Unmarshal([]byte(vjson), &s)
		vt, err1 := time.Parse("2006-01-02T15:04:05.000Z", s)
		mt, err2 := parseMariaTime(m.text)
		if err1 != nil || err2 != nil {
			return fmt.Sprintf("unparsable time (%v, %v)", err1, err2)
		}
		if vt.UnixMilli() == mt.Truncate(time.Millisecond).UnixMilli() {
			return ""
		}
		return "different value"
	case runtime.TJSON:
		if kind != "string" {
			return "JSON vs " + kind
		}
		if jsonEqual(vjson, m.text) {
			return ""
		}
		return "different value"
	}
	return fmt.Sprintf("velort type %v", vt)
}

// mariaKind classifies a MariaDB column type name.
func mariaKind(typ string) string {
	switch {
	case strings.Contains(typ, "INT"), strings.Contains(typ, "DECIMAL"), typ == "YEAR", typ == "BIT":
		return "exact"
	case strings.Contains(typ, "DOUBLE"), strings.Contains(typ, "FLOAT"), typ == "REAL":
		return "approx"
	case strings.Contains(typ, "DATE"), strings.Contains(typ, "TIME"):
		return "temporal"
	case typ == "NULL":
		return "null"
	}
	return "string"
}

// intClose: two integers within 1 + 1e-15 relative.
func intClose(a, b string) bool {
	x, ok1 := new(big.Rat).SetString(a)
	y, ok2 := new(big.Rat).SetString(b)
	if !ok1 || !ok2 || !x.IsInt() || !y.IsInt() {
		return false
	}
	d := new(big.Rat).Sub(x, y)
	d.Abs(d)
	tol := new(big.Rat).Abs(y)
	tol.Mul(tol, new(big.Rat).SetFrac64(1, 1_000_000_000_000_000))
	tol.Add(tol, big.NewRat(1, 1))
	return d.Cmp(tol) <= 0
}

// roundTo formats the number text v with n fraction digits (n < 0: as is).
func roundTo(v string, n int) string {
	if n < 0 {
		return v
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v
	}
	return strconv.FormatFloat(f, 'f', n, 64)
}

func numEqualExact(a, b string) bool {
	x, ok1 := new(big.Rat).SetString(a)
	y, ok2 := new(big.Rat).SetString(b)
	return ok1 && ok2 && x.Cmp(y) == 0
}

func floatClose(a, b string) bool {
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	return floatNear(x, y, 1e-12)
}

func floatCloseTol(a, b string, tol float64) bool {
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	return err1 == nil && err2 == nil && floatNear(x, y, tol)
}

func floatNear(x, y, tol float64) bool {
	return x == y || math.Abs(x-y) <= tol*math.Max(math.Abs(x), math.Abs(y))
}

func parseMariaTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date-time: %q", s)
}

func jsonEqual(a, b string) bool {
	var x, y any
	da := json.NewDecoder(bytes.NewReader([]byte(a)))
	da.UseNumber()
	db := json.NewDecoder(bytes.NewReader([]byte(b)))
	db.UseNumber()
	if da.Decode(&x) != nil || db.Decode(&y) != nil {
		return false
	}
	// One document each: nothing but spaces may follow.
	var extra any
	if da.Decode(&extra) != io.EOF || db.Decode(&extra) != io.EOF {
		return false
	}
	return reflect.DeepEqual(normJSON(x), normJSON(y))
}

// normJSON makes numbers comparable by value (1.0 = 1 = 1e0).
func normJSON(v any) any {
	switch v := v.(type) {
	case json.Number:
		if r, ok := new(big.Rat).SetString(v.String()); ok {
			return r.RatString()
		}
		return v.String()
	case []any:
		for i := range v {
			v[i] = normJSON(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = normJSON(v[k])
		}
	}
	return v
}

// TestSameValue: the comparison catches wrong values and accepts the
// documented representations.
func TestSameValue(t *testing.T) {
	c := func(typ, text string) cell { return cell{typ: typ, text: text, decimals: -1} }
	fixed := func(text string, n int) cell { return cell{typ: "DOUBLE", text: text, decimals: n} }
	null := cell{null: true, typ: "BIGINT", decimals: -1}
	cases := []struct {
		pred, approx bool
		vt           runtime.Type
		v            string
		m            cell
		same         bool
	}{
		{false, false, runtime.TInt, "7", c("BIGINT", "7"), true},
		{false, false, runtime.TInt, "7", c("BIGINT", "8"), false},
		{false, false, runtime.TInt, "-1", c("UNSIGNED BIGINT", "18446744073709551615"), false},
		{false, false, runtime.TDouble, "18446744073709552000", c("UNSIGNED BIGINT", "18446744073709551615"), false},
		{false, false, runtime.TDecimal, "12.5000", c("DECIMAL", "12.5000"), true},
		{false, false, runtime.TDecimal, "12.50", c("DECIMAL", "12.5000"), false},
		{false, false, runtime.TInt, "12", c("DECIMAL", "12.00"), true},
		{false, false, runtime.TDecimal, "0.00", c("DECIMAL", "999.99"), false},
		{false, false, runtime.TDouble, "0.1", c("DECIMAL", "0.1"), true},
		{false, false, runtime.TDouble, "0.3333333333333333", c("DECIMAL", "0.333333333333333333333333333333"), false},
		{false, true, runtime.TDouble, "0.3333333333333333", c("DECIMAL", "0.333333333333333333333333333333"), true},
		{false, true, runtime.TDouble, "0.3333", c("DECIMAL", "0.333333333333333333333333333333"), false},
		{false, true, runtime.TInt, "1286742750677284", c("BIGINT", "1286742750677285"), true},
		{false, true, runtime.TInt, "1286742750677282", c("BIGINT", "1286742750677285"), false},
		{false, false, runtime.TInt, "1286742750677284", c("BIGINT", "1286742750677285"), false},
		{false, false, runtime.TDouble, "0.30000000000000004", c("DOUBLE", "0.30000000000000004"), true},
		{false, false, runtime.TDouble, "1e15", c("DOUBLE", "1e15"), true},
		{false, false, runtime.TInt, "0", c("DOUBLE", "-0.061"), false},
		{false, false, runtime.TDouble, "3.141592653589793", fixed("3.141593", 6), true},
		{false, false, runtime.TDouble, "3.14159", fixed("3.141593", 6), false},
		{false, false, runtime.TDouble, "3.141592653589793", c("DOUBLE", "3.141593"), false},
		{false, false, runtime.TInt, "12", c("VARCHAR", "12"), false},
		{false, false, runtime.TString, `"12"`, c("BIGINT", "12"), false},
		{false, false, runtime.TString, `"ABCABCx"`, c("VARCHAR", "ABCx"), false},
		{false, false, runtime.TString, `"ÄÖü"`, c("VARCHAR", "ÄÖü"), true},
		{false, false, runtime.TString, `"abc"`, c("VARCHAR", "ABC"), false},
		{true, false, runtime.TBool, "true", c("INT", "1"), true},
		{true, false, runtime.TBool, "false", c("INT", "1"), false},
		{true, false, runtime.TInt, "1", c("INT", "1"), false},
		{false, false, runtime.TBool, "true", c("INT", "2"), false},
		{false, false, runtime.TTimestamp, `"2024-01-15T10:00:00.000Z"`, c("DATETIME", "2024-01-15 10:00:00.000"), true},
		{false, false, runtime.TTimestamp, `"2024-01-15T10:00:00.000Z"`, c("DATETIME", "2024-01-15 10:00:00.001"), false},
		{false, false, runtime.TTimestamp, `"1970-01-01T00:00:02.024Z"`, c("DATE", "2024-01-15"), false},
		{false, false, runtime.TTimestamp, `"2024-01-15T00:00:00.000Z"`, c("DATE", "2024-01-15"), false},
		{false, false, runtime.TString, `"2024-01-15"`, c("DATE", "2024-01-15"), true},
		{false, false, runtime.TString, `""`, c("TIME", "10:30:00"), false},
		{false, false, runtime.TJSON, `[1,2]`, c("LONGTEXT", "[1, 2]"), true},
		{false, false, runtime.TJSON, `"x"`, c("LONGTEXT", `"x"`), true},
		{false, false, runtime.TJSON, `[1,2]`, c("LONGTEXT", "[2, 1]"), false},
		{false, false, runtime.TJSON, `123`, c("LONGTEXT", "123,1"), false},
		{false, false, runtime.TJSON, `{"a":1.0}`, c("LONGTEXT", `{"a": 1}`), true},
		{false, false, runtime.TInt, "null", null, true},
		{false, false, runtime.TInt, "0", null, false},
		{false, false, runtime.TNull, "null", c("BIGINT", "0"), false},
		{false, false, runtime.TJSON, "null", c("LONGTEXT", "null"), true},
		{false, false, runtime.TString, "null", c("LONGTEXT", "null"), false},
	}
	for _, tc := range cases {
		got := sameValue(tc.pred, tc.approx, tc.vt, tc.v, tc.m)
		if (got == "") != tc.same {
			t.Errorf("sameValue(pred=%v, approx=%v, %v %s, %s %q) = %q, want same=%v", tc.pred, tc.approx, tc.vt, tc.v, tc.m.typ, tc.m.text, got, tc.same)
		}
	}
}

// TestAcceptedNarrow: accepted differences cover only what they say.
func TestAcceptedNarrow(t *testing.T) {
	dead := vout{err: "DECIMAL value is out of range"}
	dec := func(text string) mres { return mres{c: cell{typ: "DECIMAL", text: text, decimals: -1}} }
	for _, tc := range []struct {
		expr string
		v    vout
		m    mres
		ok   bool
	}{
		{"m + i", dead, dec("9007199255740993.0000"), true},              // 20 digits: no velort DECIMAL holds it
		{"ts + 0", dead, dec("19991231235959.999"), false},               // 17 digits: velort must compute it
		{"i + 1", dead, mres{c: cell{typ: "BIGINT", text: "42"}}, false}, // a BIGINT in range
		{"CAST(-1 AS UNSIGNED)", dead, mres{c: cell{typ: "UNSIGNED BIGINT", text: "18446744073709551615"}}, true},
		{"CAST(-1 AS UNSIGNED)", vout{json: "-1", typ: runtime.TInt}, mres{c: cell{typ: "UNSIGNED BIGINT", text: "18446744073709551615"}}, false},
		{"FLOOR(d)", dead, mres{c: cell{typ: "DOUBLE", text: "1e21"}}, true},
		{"ROUND(d)", dead, mres{c: cell{typ: "DOUBLE", text: "1e21"}}, false},
		{"REGEXP_SUBSTR(s, 'x')", vout{json: "null"}, mres{c: cell{typ: "VARCHAR", text: ""}}, true},
		{"REGEXP_SUBSTR(s, 'x')", vout{json: `"y"`, typ: runtime.TString}, mres{c: cell{typ: "VARCHAR", text: ""}}, false},
		{"ts + INTERVAL 1 MICROSECOND", vout{err: "millisecond precision"}, mres{c: cell{typ: "DATETIME", text: "1999-12-31 23:59:59.999001"}}, true},
		{"ts + INTERVAL 1 MICROSECOND", vout{err: "millisecond precision"}, mres{c: cell{typ: "DATETIME", text: "1999-12-31 23:59:59.999000"}}, false},
		{"CAST(d AS SIGNED)", dead, mres{c: cell{typ: "BIGINT", text: "9223372036854775807"}}, true},  // row d = 2^63 below
		{"CAST(m AS SIGNED)", dead, mres{c: cell{typ: "BIGINT", text: "2"}}, false},                   // row m = 2.5
		{"d", dead, mres{c: cell{typ: "BIGINT", text: "9223372036854775807"}}, true},                  // INSERT of d = 2^63 into BIGINT
		{"CAST(m AS SIGNED)", dead, mres{c: cell{typ: "BIGINT", text: "9223372036854775807"}}, false}, // m = 2.5 is in range
	} {
		row := make([]any, len(columns))
		row[colIndex("d")], row[colIndex("m")] = 9223372036854775808.0, dec("2.5000")
		got := acceptedFor(tc.expr, row, tc.v, tc.m) != nil
		if got != tc.ok {
			t.Errorf("acceptedFor(%s, velort %v, MariaDB %v) = %v, want %v", tc.expr, tc.v, tc.m, got, tc.ok)
		}
	}
}

// TestJSONPathAcceptances: MySQL's NULL / unchanged document is accepted
// only where the row's document lacks the path.
func TestJSONPathAcceptances(t *testing.T) {
	row := make([]any, len(columns))
	zero := mres{c: cell{typ: "INT", text: "0"}}
	for _, tc := range []struct {
		j  js
		ok bool
	}{{`{}`, true}, {`[1,2]`, true}, {`{"a":1}`, false}} {
		row[colIndex("j")] = tc.j
		if got := acceptedFor("JSON_CONTAINS(j, '1', '$.a')", row, vout{json: "null"}, zero) != nil; got != tc.ok {
			t.Errorf("JSON_CONTAINS on %s: accepted %v, want %v", tc.j, got, tc.ok)
		}
	}
	row[colIndex("j")] = js(`[1,2]`)
	null := mres{c: cell{null: true, typ: "LONGTEXT"}}
	if acceptedFor("JSON_ARRAY_APPEND(j, '$.b', 4)", row, vout{json: "[1,2]", typ: runtime.TJSON}, null) == nil {
		t.Error("unchanged document not accepted")
	}
	if acceptedFor("JSON_ARRAY_APPEND(j, '$.b', 4)", row, vout{json: "[1,2,4]", typ: runtime.TJSON}, null) != nil {
		t.Error("a changed document accepted")
	}
}

// TestVarianceOverflows: velort's null is accepted only for a group whose
// exact variance exceeds the DOUBLE range.
func TestVarianceOverflows(t *testing.T) {
	m := mres{c: cell{typ: "DOUBLE", text: "0"}}
	overflowing := ""
	for _, g := range []string{"a", "b", "c"} {
		row := make([]any, len(columns))
		row[colIndex("g")] = g
		if varianceOverflows("VARIANCE(d)", row, vout{json: "null"}, m) {
			overflowing = g
		}
	}
	if overflowing == "" {
		t.Fatal("no group's variance overflows, but the data has ±1.7e308")
	}
	row := make([]any, len(columns))
	row[colIndex("g")] = "no such group"
	if varianceOverflows("VARIANCE(d)", row, vout{json: "null"}, m) {
		t.Error("accepted for a group without values")
	}
	row[colIndex("g")] = overflowing
	if varianceOverflows("VARIANCE(d)", row, vout{json: "0", typ: runtime.TDouble}, m) {
		t.Error("accepted a non-null velort value")
	}
}

// TestBitOpOn2p63: the MariaDB-conversion acceptance holds only for the
// exact MySQL result on the row where d is 2^63.
func TestBitOpOn2p63(t *testing.T) {
	row := make([]any, len(columns))
	row[colIndex("d")] = 9223372036854775808.0
	m := mres{c: cell{typ: "UNSIGNED BIGINT", text: "4611686018427388000"}}
	if acceptedFor("d >> 1", row, vout{json: "4611686018427387904", typ: runtime.TInt}, m) == nil {
		t.Error("exact 2^62 not accepted")
	}
	if acceptedFor("d >> 1", row, vout{json: "4611686018427387903", typ: runtime.TInt}, m) != nil {
		t.Error("a wrong value accepted")
	}
	row[colIndex("d")] = 1.5
	if acceptedFor("d >> 1", row, vout{json: "4611686018427387904", typ: runtime.TInt}, m) != nil {
		t.Error("accepted on another row")
	}
}

func fracDigits(s string) int {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}
