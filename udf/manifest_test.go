package udf

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

func TestParseManifestErrors(t *testing.T) {
	for want, doc := range map[string]string{
		`unknown field "retrns"`:                      `{"functions":[{"name":"f","params":[],"retrns":"BIGINT"}]}`,
		`type "DECIMAL"`:                              `{"functions":[{"name":"f","params":["DECIMAL"],"returns":"BIGINT"}]}`,
		"declares no functions":                       `{"functions":[]}`,
		`abi "velort/2"`:                              `{"abi":"velort/2","functions":[{"name":"f","returns":"BIGINT"}]}`,
		"batch entry point takes":                     `{"functions":[{"name":"f","params":["VARCHAR"],"returns":"BIGINT","batch":"fb"}]}`,
		`kind "window"`:                               `{"functions":[{"name":"f","kind":"window","returns":"BIGINT"}]}`,
		`function "F" declared twice`:                 `{"functions":[{"name":"f","returns":"BIGINT"},{"name":"F","returns":"BIGINT"}]}`,
		"has no name":                                 `{"functions":[{"returns":"BIGINT"}]}`,
		"only an aggregate can have a retract export": `{"functions":[{"name":"f","returns":"BIGINT","retract":"f_retract"}]}`,
	} {
		_, err := parseManifest([]byte(doc))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error containing %q", doc, err, want)
		}
	}
}

func TestManifestDefaults(t *testing.T) {
	sigs, err := parseManifest([]byte(`{"functions":[{"name":"f","params":["int"],"returns":"double"},
		{"name":"agg","kind":"aggregate","params":["DOUBLE"],"returns":"DOUBLE"},
		{"name":"undo","kind":"aggregate","params":["BIGINT"],"returns":"BIGINT","retract":"undo_it"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Signature{
		{Name: "f", Export: "f", Params: []Type{Int}, Returns: Double},
		{Name: "agg", Kind: Aggregate, Params: []Type{Double}, Returns: Double,
			Init: "agg_init", Update: "agg_update", Merge: "agg_merge", Result: "agg_result"},
		{Name: "undo", Kind: Aggregate, Params: []Type{Int}, Returns: Int,
			Init: "undo_init", Update: "undo_update", Merge: "undo_merge", Result: "undo_result", Retract: "undo_it"},
	}
	if !reflect.DeepEqual(sigs, want) {
		t.Errorf("got %+v\nwant %+v", sigs, want)
	}
}

// TestManifestFromCustomSection: c_numeric.wasm embeds its manifest.
func TestManifestFromCustomSection(t *testing.T) {
	m := load(t, newHost(t, Limits{}), "c_numeric.wasm")
	got := m.Functions()
	if len(got) != 7 {
		t.Fatalf("%d functions: %v", len(got), got)
	}
	want := Signature{Name: "fee", Export: "fee", Params: []Type{Double, Int}, Returns: Double, Batch: "fee_batch"}
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("got %+v, want %+v", got[0], want)
	}
	if !got[5].HandlesNull || got[5].Name != "coalesce0" {
		t.Errorf("coalesce0: %+v", got[5])
	}
}

// TestManifestFromDescribe: c_strings.wasm and the Go guest export
// velort_describe instead.
func TestManifestFromDescribe(t *testing.T) {
	m := load(t, newHost(t, Limits{}), "c_strings.wasm")
	if _, ok := m.parsed.Custom(ManifestSection); ok {
		t.Fatal("c_strings.wasm has a manifest section; this test wants one without")
	}
	var names []string
	for _, s := range m.Functions() {
		names = append(names, s.String())
	}
	if got := strings.Join(names, "; "); got != "mask_c(VARCHAR) -> VARCHAR; concat3(VARCHAR, VARCHAR, VARCHAR) -> VARCHAR; "+
		"byte_sum(VARBINARY) -> BIGINT; hex(VARBINARY) -> VARCHAR; json_kind(JSON) -> VARCHAR; repeat(VARCHAR, BIGINT) -> VARCHAR" {
		t.Errorf("got %s", got)
	}

	sigs := riskModule(t).Functions()
	want := []Signature{
		{Name: "risk", Export: "risk", Params: []Type{Double, Int}, Returns: Double},
		{Name: "mask", Export: "mask", Params: []Type{String}, Returns: String},
		{Name: "wavg", Kind: Aggregate, Params: []Type{Double, Double}, Returns: Double,
			Init: "wavg_init", Update: "wavg_update", Merge: "wavg_merge", Result: "wavg_result", Free: "wavg_free",
			Retract: "wavg_retract"},
	}
	if !reflect.DeepEqual(sigs, want) {
		t.Errorf("Go guest manifest:\n got %+v\nwant %+v", sigs, want)
	}
}

func TestInspect(t *testing.T) {
	sigs, err := Inspect(context.Background(), newHost(t, Limits{}), plugin("c_stats.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	if len(sigs) != 2 || sigs[0].String() != "aggregate variance(DOUBLE) -> DOUBLE" || sigs[0].Free != "variance_free" ||
		sigs[0].Retract != "variance_retract" {
		t.Errorf("got %+v", sigs)
	}
	if len(sigs) == 2 && (sigs[1].String() != "aggregate maximum(DOUBLE) -> DOUBLE" || sigs[1].Free != "maximum_free" || sigs[1].Retract != "") {
		t.Errorf("maximum: got %+v, want no retract export", sigs[1])
	}
}
