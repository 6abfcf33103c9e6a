package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
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
		// q7 reads bids: its 2000 records are the bids among the first
		// 2174 Nexmark events (46 of each 50); S0 is not Nexmark.
		events, rate := r["nexmark_events"], r["events_per_sec"]
		if strings.HasPrefix(want[i], "q7") {
			if ev, _ := events.(float64); ev != 2176 || rate.(float64) <= r["records_per_sec"].(float64) {
				t.Errorf("%s: nexmark_events %v, events_per_sec %v (records/s %v)", want[i], events, rate, r["records_per_sec"])
			}
		} else if events != nil || rate != nil {
			t.Errorf("%s: nexmark_events %v, events_per_sec %v on a scenario not of Nexmark", want[i], events, rate)
		}
	}
}

// TestBenchCPUProfile: --cpuprofile writes a pprof CPU profile (gzipped
// protocol buffer) of the runs; a file that cannot be created is a usage
// error before anything runs.
func TestBenchCPUProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.pprof")
	if out, err := runBenchCmd(t, "q0", "--records", "20000", "--runs", "1", "--cpuprofile", path); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("the profile is not gzipped: %v", err)
	}
	body, err := io.ReadAll(zr)
	if err != nil || !bytes.Contains(body, []byte("samples")) || !bytes.Contains(body, []byte("nanoseconds")) {
		t.Fatalf("the profile (%d bytes, %v) has no CPU sample types", len(body), err)
	}
	_, err = runBenchCmd(t, "q0", "--records", "100", "--runs", "1", "--cpuprofile", filepath.Join(t.TempDir(), "no", "such", "dir", "p"))
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "--cpuprofile") {
		t.Fatalf("an uncreatable profile: %v (exit %d), want exit 2 naming --cpuprofile", err, exitCode(err))
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
