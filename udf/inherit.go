package udf

import (
	"log/slog"
	"slices"
)

// inheritBatch returns sigs, declared by the caller (CREATE FUNCTION), with
// the batch entry point that the module's own manifest declares for the
// same scalar export with the same params, returns and handles_null copied
// into each signature that has none. ok is false when nothing was
// inherited. A module without a usable manifest inherits nothing.
func (m *Module) inheritBatch(in *Instance, sigs []Signature) (out []Signature, ok bool) {
	if !slices.ContainsFunc(sigs, canInherit) {
		return sigs, false // spares velort_describe a call
	}
	declared, err := m.manifest(in)
	if err != nil {
		slog.Debug("udf: no batch entry points to inherit", "module", m.path, "err", err)
		return sigs, false
	}
	for i := range sigs {
		s := &sigs[i]
		if !canInherit(*s) {
			continue
		}
		j := slices.IndexFunc(declared, func(d Signature) bool { return sameScalar(*s, d) && d.Batch != "" })
		if j < 0 {
			continue
		}
		if !ok {
			out, ok = slices.Clone(sigs), true
		}
		out[i].Batch = declared[j].Batch
	}
	if !ok {
		return sigs, false
	}
	return out, true
}

// canInherit reports whether s could take a batch entry point from the
// manifest: a scalar without one whose types a batch can carry.
func canInherit(s Signature) bool {
	return s.Kind == Scalar && s.Batch == "" && !s.HandlesNull && !hasVarLen(s.Params) && !s.Returns.varLen()
}

// sameScalar reports whether caller-declared s and manifest-declared d are
// the same scalar function of the module.
func sameScalar(s, d Signature) bool {
	export := s.Export
	if export == "" {
		export = s.Name
	}
	return d.Kind == Scalar && d.Export == export && slices.Equal(s.Params, d.Params) &&
		s.Returns == d.Returns && s.HandlesNull == d.HandlesNull
}
