package planner

import (
	"strings"
	"testing"
)

// TestFunctionsList checks the function list docs/functions.md is made
// of against the planner itself: refused functions carry check's reason,
// the evaluator is read off the compiled closure.
func TestFunctionsList(t *testing.T) {
	byName := map[string]FunctionInfo{}
	for _, f := range Functions() {
		byName[f.Name] = f
	}
	for name, why := range refusedFunctions {
		f := byName[name]
		if f.EvaluatedBy != "" || !strings.Contains(f.Refused, why) {
			t.Errorf("%s: want refused (%s), got %+v", name, why, f)
		}
	}
	for _, name := range []string{"bit_and", "bit_or", "bit_xor", "json_arrayagg", "json_objectagg", "rank"} {
		if f := byName[name]; f.EvaluatedBy != "" || f.Refused == "" {
			t.Errorf("%s: want refused, got %+v", name, f)
		}
	}
	want := []struct {
		name, kind, by, native, gms, also string // "" (by, gms): any
	}{
		// compiled by compile_func.go's switch (strings) and nativeConvert
		{"upper", "scalar", "", "upper(s)", "", ""},
		{"cast", "scalar", "", "CAST(s AS SIGNED)", "", ""},
		// spatial functions: go-mysql-server's only
		{"st_x", "scalar", "go-mysql-server", "", "st_x(s)", ""},
		// velort's runtime
		{"sum", "aggregate", "native", "sum(s)", "", "OVER"},
		{"row_number", "window", "native", "row_number()", "", ""},
		{"first_value", "window", "native", "first_value(s)", "", "aggregate"},
	}
	first := func(calls []string) string {
		if len(calls) == 0 {
			return ""
		}
		return calls[0]
	}
	for _, w := range want {
		g := byName[w.name]
		if g.Kind != w.kind || w.by != "" && g.EvaluatedBy != w.by || first(g.Native) != w.native || w.gms != "" && first(g.GMS) != w.gms || g.Also != w.also {
			t.Errorf("%s: got %+v, want %+v", w.name, g, w)
		}
	}
	// Every call listed as accepted passes check.
	for _, f := range byName {
		for _, call := range append(append([]string(nil), f.Native...), f.GMS...) {
			if _, err := probeCall(call, f.Kind, ""); err != nil {
				t.Errorf("%s: %s is listed as accepted but check says %v", f.Name, call, err)
			}
		}
	}
}
