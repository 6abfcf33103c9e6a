package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/velort/velort/planner"
)

// TestFunctionsDocIsCurrent fails when docs/functions.md is not what the
// generator writes for the planner as it is now.
func TestFunctionsDocIsCurrent(t *testing.T) {
	want := render(planner.Functions())
	got, err := os.ReadFile("../../docs/functions.md")
	if err != nil {
		t.Fatalf("%v: run `go run ./internal/gendocs` from the repository root", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var g, w []byte
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if !bytes.Equal(g, w) {
			t.Fatalf("docs/functions.md is out of date (the planner's functions changed): run `go run ./internal/gendocs` from the repository root (or `go generate ./planner`) and commit the file.\nfirst difference, line %d:\n  file:      %s\n  generated: %s", i+1, g, w)
		}
	}
}
