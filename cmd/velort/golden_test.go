package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestGolden runs every case under testdata/golden end to end on an
// embedded NATS server: query.sql with each STREAM.jsonl replayed, and
// each expected/NAME.jsonl compared with what --capture NAME wrote
// (expected/dlq.jsonl captures 'velort.dlq.>'). Lines are compared in
// order, or as a sorted multiset when the case has a file "unordered".
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob("../../testdata/golden/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			runGoldenCase(t, dir)
		})
	}
}

func runGoldenCase(t *testing.T, dir string) {
	var f runFlags
	inputs, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	for _, in := range inputs {
		f.replay = append(f.replay, strings.TrimSuffix(filepath.Base(in), ".jsonl")+"="+in)
	}
	expected, _ := filepath.Glob(filepath.Join(dir, "expected", "*.jsonl"))
	if len(expected) == 0 {
		t.Fatalf("%s has no expected/*.jsonl", dir)
	}
	out := t.TempDir()
	got := map[string]string{}
	for _, e := range expected {
		name := strings.TrimSuffix(filepath.Base(e), ".jsonl")
		target := filepath.Join(out, name+".jsonl")
		got[e] = target
		if name == "dlq" {
			name = "velort.dlq.>"
		}
		f.capture = append(f.capture, name+"="+target)
	}
	f.plugins = ""
	if _, err := os.Stat(filepath.Join(dir, "plugins")); err == nil {
		f.plugins = filepath.Join(dir, "plugins")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := runFile(ctx, filepath.Join(dir, "query.sql"), f, os.Stdout); err != nil {
		t.Fatalf("velort run: %v", err)
	}
	_, unordered := os.Stat(filepath.Join(dir, "unordered"))
	for exp, gotPath := range got {
		want := readLines(t, exp)
		have := readLines(t, gotPath)
		if unordered == nil {
			sort.Strings(want)
			sort.Strings(have)
		}
		if strings.Join(want, "\n") != strings.Join(have, "\n") {
			t.Errorf("%s differs:\n--- want\n%s\n--- got\n%s", exp, strings.Join(want, "\n"), strings.Join(have, "\n"))
		}
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			lines = append(lines, string(l))
		}
	}
	return lines
}
