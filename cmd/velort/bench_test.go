package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func runBenchCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newBenchCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

// TestBenchJSON runs two scenarios in both modes and checks the JSON
// objects' required fields.
func TestBenchJSON(t *testing.T) {
	out, err := runBenchCmd(t, "S0", "q7", "--mode", "both", "--records", "2000", "--runs", "1", "--json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{"S0 engine", "S0 nats", "q7 engine", "q7 nats"}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, line := range lines {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, line)
		}
		if got := r["scenario"].(string) + " " + r["mode"].(string); got != want[i] {
			t.Errorf("line %d is %s, want %s", i+1, got, want[i])
		}
		keys := []string{"records", "seconds", "records_per_sec", "allocs_per_record"}
		if r["mode"] == "nats" {
			keys = append(keys, "relay_records_per_sec", "ratio_to_relay")
		}
		for _, k := range keys {
			if _, ok := r[k].(float64); !ok {
				t.Errorf("%s: %s missing or not a number: %s", want[i], k, line)
			}
		}
		if r["records"] != 2000.0 || r["outputs"] != r["expected_outputs"] {
			t.Errorf("%s: records %v, outputs %v, expected %v", want[i], r["records"], r["outputs"], r["expected_outputs"])
		}
	}
}

func TestBenchTable(t *testing.T) {
	out, err := runBenchCmd(t, "s2", "--records", "1000", "--runs", "2")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "records/s (median)") || !strings.Contains(lines[1], "S2") || !strings.Contains(lines[1], "Velostream") {
		t.Fatalf("table:\n%s", out)
	}
}

func TestBenchRejectsUnknownScenarioAndMode(t *testing.T) {
	for _, args := range [][]string{{"S9"}, {"S0", "--mode", "fast"}} {
		_, err := runBenchCmd(t, args...)
		if err == nil || exitCode(err) != 2 {
			t.Errorf("bench %v: err %v (exit %d), want exit 2", args, err, exitCode(err))
		}
	}
}
