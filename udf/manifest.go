package udf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/velort/velort/udf/internal/wasmbin"
)

// ABI is the name of the host/guest contract this package implements.
const ABI = "velort/1"

// ManifestSection is the custom section that may hold a module's manifest.
const ManifestSection = "velort.udf.v1"

type manifestFunc struct {
	Name        string   `json:"name"`
	Export      string   `json:"export"`
	Params      []string `json:"params"`
	Returns     string   `json:"returns"`
	Kind        string   `json:"kind"`
	HandlesNull bool     `json:"handles_null"`
	Init        string   `json:"init"`
	Update      string   `json:"update"`
	Merge       string   `json:"merge"`
	Result      string   `json:"result"`
	Free        string   `json:"free"`
	Retract     string   `json:"retract"`
	Batch       string   `json:"batch"`
}

type manifest struct {
	ABI       string          `json:"abi"`
	Functions []manifestFunc  `json:"functions"`
	Codecs    []manifestCodec `json:"codecs"` // codec.go
}

// parseManifest decodes a manifest's JSON into checked signatures.
func parseManifest(data []byte) ([]Signature, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if m.ABI != "" && m.ABI != ABI {
		return nil, fmt.Errorf("manifest: abi %q is not supported (want %q)", m.ABI, ABI)
	}
	if len(m.Functions) == 0 && len(m.Codecs) == 0 {
		return nil, fmt.Errorf("manifest: declares no functions")
	}
	sigs := make([]Signature, len(m.Functions))
	for i, f := range m.Functions {
		s := Signature{Name: f.Name, Export: f.Export, HandlesNull: f.HandlesNull,
			Init: f.Init, Update: f.Update, Merge: f.Merge, Result: f.Result, Free: f.Free, Retract: f.Retract, Batch: f.Batch}
		switch strings.ToLower(f.Kind) {
		case "", "scalar":
		case "aggregate":
			s.Kind = Aggregate
		default:
			return nil, fmt.Errorf("manifest: function %q: kind %q (want scalar or aggregate)", f.Name, f.Kind)
		}
		for _, p := range f.Params {
			t, err := ParseType(p)
			if err != nil {
				return nil, fmt.Errorf("manifest: function %q: %w", f.Name, err)
			}
			s.Params = append(s.Params, t)
		}
		t, err := ParseType(f.Returns)
		if err != nil {
			return nil, fmt.Errorf("manifest: function %q: returns: %w", f.Name, err)
		}
		s.Returns = t
		sigs[i] = s
	}
	return normalize(sigs)
}

// normalize fills defaults and checks the rules every signature must meet.
func normalize(in []Signature) ([]Signature, error) {
	out := make([]Signature, len(in))
	seen := map[string]bool{}
	for i, s := range in {
		s.Params = append([]Type(nil), s.Params...)
		if s.Name == "" {
			return nil, fmt.Errorf("function %d has no name", i+1)
		}
		key := strings.ToLower(s.Name)
		if seen[key] {
			return nil, fmt.Errorf("function %q declared twice", s.Name)
		}
		seen[key] = true
		for j, t := range s.Params {
			if !t.valid() {
				return nil, fmt.Errorf("function %q: parameter %d has invalid type %v", s.Name, j+1, t)
			}
		}
		if !s.Returns.valid() {
			return nil, fmt.Errorf("function %q: invalid result type %v", s.Name, s.Returns)
		}
		if s.HandlesNull && len(s.Params) > 32 {
			return nil, fmt.Errorf("function %q: handles_null allows at most 32 parameters", s.Name)
		}
		switch s.Kind {
		case Scalar:
			if s.Export == "" {
				s.Export = s.Name
			}
			if s.Retract != "" {
				return nil, fmt.Errorf("function %q: only an aggregate can have a retract export", s.Name)
			}
		case Aggregate:
			def := func(p *string, suffix string) {
				if *p == "" {
					*p = s.exportBase() + suffix
				}
			}
			def(&s.Init, "_init")
			def(&s.Update, "_update")
			def(&s.Merge, "_merge")
			def(&s.Result, "_result")
			if s.Batch != "" {
				return nil, fmt.Errorf("function %q: an aggregate cannot have a batch entry point", s.Name)
			}
		default:
			return nil, fmt.Errorf("function %q: invalid kind %d", s.Name, s.Kind)
		}
		if s.Batch != "" {
			if s.HandlesNull {
				return nil, fmt.Errorf("function %q: a batch entry point cannot handle NULLs", s.Name)
			}
			for _, t := range append(s.Params[:len(s.Params):len(s.Params)], s.Returns) {
				if t.varLen() {
					return nil, fmt.Errorf("function %q: a batch entry point takes only BIGINT, DOUBLE, BOOLEAN and TIMESTAMP (not %v)", s.Name, t)
				}
			}
		}
		out[i] = s
	}
	return out, nil
}

// entry is one export a signature needs, with its expected wasm type.
type entry struct {
	role     string // "", "init", "update", ..., "batch"
	export   string
	want     wasmbin.FuncType
	optional bool
}

func ft(params []wasmbin.ValType, results ...wasmbin.ValType) wasmbin.FuncType {
	return wasmbin.FuncType{Params: params, Results: results}
}

// entries lists the exports s needs.
func (s *Signature) entries() []entry {
	var args []wasmbin.ValType
	if s.HandlesNull {
		args = append(args, wasmbin.I32)
	}
	for _, t := range s.Params {
		args = t.param(args)
	}
	i32 := wasmbin.I32
	if s.Kind == Aggregate {
		e := []entry{
			{"init", s.Init, ft(nil, i32), false},
			{"update", s.Update, ft(append([]wasmbin.ValType{i32}, args...)), false},
			{"merge", s.Merge, ft([]wasmbin.ValType{i32, i32}), false},
			{"result", s.Result, ft([]wasmbin.ValType{i32}, s.Returns.result()), false},
		}
		if s.Free != "" {
			e = append(e, entry{"free", s.Free, ft([]wasmbin.ValType{i32}), false})
		}
		if s.Retract != "" {
			e = append(e, entry{"retract", s.Retract, e[1].want, false})
		}
		return e
	}
	e := []entry{{"", s.Export, ft(args, s.Returns.result()), false}}
	if s.Batch != "" {
		b := make([]wasmbin.ValType, len(s.Params)+2)
		for i := range b {
			b[i] = i32
		}
		e = append(e, entry{"batch", s.Batch, ft(b), false})
	}
	return e
}

// needsMemory reports whether calling s passes values through guest memory.
func (s *Signature) needsMemory() (alloc, mem bool) {
	alloc = hasVarLen(s.Params) || s.Batch != ""
	return alloc, alloc || s.Returns.varLen()
}
