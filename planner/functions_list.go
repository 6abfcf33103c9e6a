package planner

//go:generate go run ../internal/gendocs -o ../docs/functions.md

import (
	"fmt"
	"reflect"
	goruntime "runtime"
	"slices"
	"sort"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/types"
)

// FunctionInfo is one function name a continuous query may call, as
// velort's own planner treats it (see Functions).
type FunctionInfo struct {
	Name string // lower case, as registered
	Kind string // "scalar", "aggregate" or "window"
	// EvaluatedBy is "native" when every accepted probe call compiled to
	// velort's own closure, "go-mysql-server" when every one went through
	// go-mysql-server's Eval, "mixed" when it depends on the arguments;
	// "" when refused.
	EvaluatedBy string
	// Native and GMS are the accepted probe calls each evaluator got, e.g.
	// "json_extract(j, '$')" and "json_extract(s, s)".
	Native, GMS []string
	// GMSArgs[n] are the column types T (in probeStream's order) for
	// which a call with n arguments, each a T column, went to
	// go-mysql-server.
	GMSArgs map[int][]string
	// GMSOther are the other calls go-mysql-server got whose first
	// argument is not of those types (constants after it, own syntax).
	GMSOther []string
	// Also names the other form check accepts: "OVER" for an aggregate
	// also accepted over a ROWS frame, "aggregate" for a window function
	// also accepted without OVER.
	Also string
	// Refused is check's message for the first probe when none is
	// accepted, "" otherwise.
	Refused string
}

// Example is an accepted call, natively compiled if one is; "" when
// refused.
func (f FunctionInfo) Example() string {
	switch {
	case len(f.Native) > 0:
		return f.Native[0]
	case len(f.GMS) > 0:
		return f.GMS[0]
	}
	return ""
}

// probeStream declares the columns the probes call functions with.
const probeStream = "CREATE STREAM t (s VARCHAR, i BIGINT, d DOUBLE, m DECIMAL(10,2), ts TIMESTAMP, b BOOLEAN, j JSON) WITH (subject = 't');\n"

// probeCols are probeStream's columns in probe order.
var probeCols = []string{"s", "i", "d", "m", "ts", "b", "j"}

// ProbeTypes are the SQL types of the columns the probes call functions
// with.
func ProbeTypes() []string {
	out := make([]string, len(probeCols))
	for i, c := range probeCols {
		out[i] = probeColTypes[c]
	}
	return out
}

// probeColTypes are their SQL types.
var probeColTypes = map[string]string{"s": "VARCHAR", "i": "BIGINT", "d": "DOUBLE", "m": "DECIMAL", "ts": "TIMESTAMP", "b": "BOOLEAN", "j": "JSON"}

// specialCalls are probe calls for the functions MySQL's grammar gives
// their own syntax (keywords inside the parentheses), and for the ones
// that are not in go-mysql-server's registry under their own name.
var specialCalls = map[string][]string{
	"cast":          {"CAST(s AS SIGNED)", "CAST(d AS DECIMAL(10,2))", "CAST(i AS CHAR)", "CAST(s AS DATETIME)"},
	"convert":       {"CONVERT(s, SIGNED)", "CONVERT(s USING utf8mb4)"},
	"trim":          {"TRIM(s)", "TRIM(BOTH 'x' FROM s)"},
	"position":      {"POSITION('a' IN s)"},
	"extract":       {"EXTRACT(YEAR FROM ts)", "EXTRACT(DAY FROM s)"},
	"date_add":      {"DATE_ADD(ts, INTERVAL 1 DAY)", "DATE_ADD(s, INTERVAL i HOUR)"},
	"date_sub":      {"DATE_SUB(ts, INTERVAL 1 DAY)", "DATE_SUB(s, INTERVAL i HOUR)"},
	"timestampadd":  {"TIMESTAMPADD(DAY, 1, ts)"},
	"timestampdiff": {"TIMESTAMPDIFF(DAY, ts, ts)", "TIMESTAMPDIFF(MONTH, s, s)"},
	"get_format":    {"GET_FORMAT(DATE, 'ISO')"},
	"group_concat":  {"GROUP_CONCAT(s)", "GROUP_CONCAT(DISTINCT s ORDER BY i SEPARATOR ';')"},
	"utc_date":      {"UTC_DATE()"},
	"utc_time":      {"UTC_TIME()"},
	"interval":      {"INTERVAL(i, 1, 2)"},
	"version":       {"VERSION()"},
	"match":         {"MATCH(s) AGAINST ('x')"},
}

// Functions lists every function name known to the planner: go-mysql-server's
// registry, the MySQL functions velort adds (native_missing.go), the
// refused ones (refusedFunctions) and those with their own syntax
// (specialCalls). Each is found accepted or refused by planning real
// queries through Parse (what `velort check` runs), and native or not by
// the closure each accepted call compiled to. Sorted by name. It plans a
// few thousand small queries: seconds.
func Functions() []FunctionInfo {
	reg := map[string]sql.Function{}
	for name, f := range builtinFunctions {
		reg[name] = f
	}
	for _, f := range nativeGMSFunctions() {
		reg[f.FunctionName()] = f
	}
	seen := map[string]bool{}
	var names []string
	add := func(name string) {
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	for name := range reg {
		add(name)
	}
	for name := range refusedFunctions {
		add(name)
	}
	for name := range specialCalls {
		add(name)
	}
	sort.Strings(names)
	out := make([]FunctionInfo, 0, len(names))
	for _, name := range names {
		out = append(out, probeFunction(name, reg[name]))
	}
	return out
}

// probeFunction plans calls of name: those of specialCalls, or for each
// of the (at most two) numbers of arguments the function takes, calls
// whose arguments are all one column of each type, and calls of a
// column then constants ('$', 1: constant paths, formats, lengths).
func probeFunction(name string, f sql.Function) FunctionInfo {
	info := FunctionInfo{Name: name, Kind: "scalar"}
	arities := []int{0, 1, 2}
	if f != nil {
		arities, info.Kind = registryShape(f)
	}
	calls, colType, firstType := specialCalls[name], map[string]string(nil), map[string]string(nil)
	if calls == nil {
		calls, colType, firstType = probeCalls(name, arities)
	}
	native, gms := false, false
	for _, call := range calls {
		isNative, err := probeCall(call, info.Kind, "")
		if err != nil {
			if info.Refused == "" {
				info.Refused = err.Error()
			}
			continue
		}
		if isNative {
			native = true
			info.Native = append(info.Native, call)
		} else {
			gms = true
			info.GMS = append(info.GMS, call)
			if t := colType[call]; t != "" {
				if info.GMSArgs == nil {
					info.GMSArgs = map[int][]string{}
				}
				n := strings.Count(call, ",") + 1
				info.GMSArgs[n] = append(info.GMSArgs[n], t)
			}
		}
		if info.Kind != "scalar" {
			break // aggregates and window functions are velort's (runtime)
		}
	}
	switch {
	case native && gms:
		info.EvaluatedBy = "mixed"
	case native:
		info.EvaluatedBy = "native"
	case gms:
		info.EvaluatedBy = "go-mysql-server"
	default:
		return info
	}
	info.Refused = ""
	for _, call := range info.GMS {
		n := strings.Count(call, ",") + 1
		if t := firstType[call]; colType[call] == "" && (t == "" || !slices.Contains(info.GMSArgs[n], t)) {
			info.GMSOther = append(info.GMSOther, call)
		}
	}
	example := info.Example()
	switch info.Kind {
	case "aggregate":
		if _, err := probeCall(example, "window", "ROWS BETWEEN 2 PRECEDING AND CURRENT ROW"); err == nil {
			info.Also = "OVER"
		}
	case "window":
		if _, err := probeCall(example, "aggregate", ""); err == nil {
			info.Also = "aggregate"
		}
	}
	return info
}

// probeCalls are the calls probeFunction tries for a function taking
// each of arities arguments; colType gives the type of the calls whose
// arguments are all one column, firstType the type of the first argument
// of the others.
func probeCalls(name string, arities []int) (calls []string, colType, firstType map[string]string) {
	colType, firstType = map[string]string{}, map[string]string{}
	for _, n := range arities {
		if n == 0 {
			calls = append(calls, name+"()")
			continue
		}
		for _, col := range probeCols {
			args := make([]string, n)
			for i := range args {
				args[i] = col
			}
			call := name + "(" + strings.Join(args, ", ") + ")"
			calls, colType[call] = append(calls, call), probeColTypes[col]
		}
		if n == 1 {
			continue
		}
		for _, lit := range []string{"'$'", "1"} {
			for _, col := range probeCols {
				args := []string{col}
				for len(args) < n {
					args = append(args, lit)
				}
				call := name + "(" + strings.Join(args, ", ") + ")"
				calls, firstType[call] = append(calls, call), probeColTypes[col]
			}
		}
	}
	return calls, colType, firstType
}

// registryShape returns the numbers of arguments (0..4, at most two of
// them) a go-mysql-server function accepts and its kind.
func registryShape(f sql.Function) (arities []int, kind string) {
	kind = "scalar"
	for n := 0; n <= 4 && len(arities) < 2; n++ {
		args := make([]sql.Expression, n)
		for i := range args {
			args[i] = expression.NewGetField(i, types.Int64, fmt.Sprintf("a%d", i), true)
		}
		e, err := newInstance(f, args)
		if err != nil || e == nil {
			continue
		}
		arities = append(arities, n)
		switch e.(type) {
		case sql.Aggregation:
			kind = "aggregate"
		case sql.WindowAggregation:
			kind = "window"
		}
	}
	if len(arities) == 0 {
		arities = []int{1}
	}
	return arities, kind
}

func newInstance(f sql.Function, args []sql.Expression) (e sql.Expression, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("%v", r)
		}
	}()
	return f.NewInstance(args)
}

// probeCall plans `SELECT call AS x FROM t` as a query of its kind
// (aggregates GROUP BY s, window functions OVER (PARTITION BY s ORDER BY
// ts frame)) and reports whether a scalar call compiled natively: to any
// closure but the one fallback builds around go-mysql-server's Eval.
func probeCall(call, kind, frame string) (native bool, err error) {
	sel := "SELECT " + call + " AS x FROM t"
	switch kind {
	case "aggregate":
		sel += " GROUP BY s"
	case "window":
		sel = "SELECT " + call + " OVER (PARTITION BY s ORDER BY ts " + frame + ") AS x FROM t"
	}
	pl, err := Parse("probe.sql", probeStream+"CREATE STREAM o WITH (subject = 'o') AS "+sel+";", Options{})
	if err != nil {
		if e, ok := err.(*Error); ok {
			return false, fmt.Errorf("%s", e.Msg)
		}
		return false, err
	}
	if kind != "scalar" {
		return true, nil // aggregates and window functions are velort's (runtime)
	}
	_, outs, err := pl.Queries[0].compile(-1, nil)
	if err != nil {
		return false, err
	}
	return !isFallbackClosure(outs[0].fn), nil
}

// isFallbackClosure reports whether fn was made by (*exprEnv).fallback,
// the evaluator through go-mysql-server.
func isFallbackClosure(fn any) bool {
	f := goruntime.FuncForPC(reflect.ValueOf(fn).Pointer())
	return f != nil && strings.Contains(f.Name(), ".(*exprEnv).fallback.")
}
