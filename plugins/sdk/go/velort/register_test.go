package velort

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestManifest(t *testing.T) {
	defer func(r []Function) { registry = r }(registry)
	registry = nil

	Register("risk", func(price float64, qty int64) float64 { return 0 })
	Register("mask", func(s string) string { return s })
	Register("flags", func(b bool, ts Timestamp, j JSON, raw []byte, n int) bool { return b })
	RegisterAggregate("wavg", func(h int32, x, w float64) {}, func(h int32) float64 { return 0 })
	RegisterAggregateRetract("wsum", func(h int32, x, w float64) {}, func(h int32, x, w float64) {}, func(h int32) float64 { return 0 })
	Declare(Function{Name: "odd", Export: `we"ird`, Params: []string{"BIGINT"}, Returns: "BIGINT", Batch: "odd_batch", HandlesNull: true})

	var got struct {
		ABI       string           `json:"abi"`
		Functions []map[string]any `json:"functions"`
	}
	if err := json.Unmarshal(Manifest(), &got); err != nil {
		t.Fatalf("%v\n%s", err, Manifest())
	}
	want := []map[string]any{
		{"name": "risk", "export": "risk", "params": []any{"DOUBLE", "BIGINT"}, "returns": "DOUBLE"},
		{"name": "mask", "export": "mask", "params": []any{"VARCHAR"}, "returns": "VARCHAR"},
		{"name": "flags", "export": "flags", "params": []any{"BOOLEAN", "TIMESTAMP", "JSON", "VARBINARY", "BIGINT"}, "returns": "BOOLEAN"},
		{"name": "wavg", "kind": "aggregate", "params": []any{"DOUBLE", "DOUBLE"}, "returns": "DOUBLE",
			"init": "wavg_init", "update": "wavg_update", "merge": "wavg_merge", "result": "wavg_result", "free": "wavg_free"},
		{"name": "wsum", "kind": "aggregate", "params": []any{"DOUBLE", "DOUBLE"}, "returns": "DOUBLE",
			"init": "wsum_init", "update": "wsum_update", "merge": "wsum_merge", "result": "wsum_result", "free": "wsum_free",
			"retract": "wsum_retract"},
		{"name": "odd", "export": `we"ird`, "params": []any{"BIGINT"}, "returns": "BIGINT", "batch": "odd_batch", "handles_null": true},
	}
	if got.ABI != "velort/1" || !reflect.DeepEqual(got.Functions, want) {
		t.Errorf("got %s", Manifest())
	}
}

func TestRegisterRejects(t *testing.T) {
	defer func(r []Function) { registry = r }(registry)
	for name, f := range map[string]func(){
		"float32 param": func() { Register("f", func(x float32) float64 { return 0 }) },
		"two results":   func() { Register("f", func() (int64, error) { return 0, nil }) },
		"not a func":    func() { Register("f", 3) },
		"bad name":      func() { Register("1f", func() int64 { return 0 }) },
		"retract types": func() {
			RegisterAggregateRetract("g", func(h int32, x float64) {}, func(h int32, x int64) {}, func(h int32) float64 { return 0 })
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestStates(t *testing.T) {
	var st States[struct{ n int }]
	a, b := st.New(), st.New()
	st.Get(a).n = 5
	st.Get(b).n = 7
	st.Free(a)
	c := st.New()
	if c != a || st.Get(c).n != 0 || st.Get(b).n != 7 {
		t.Errorf("handles %d %d %d, states %+v %+v", a, b, c, *st.Get(c), *st.Get(b))
	}
}
