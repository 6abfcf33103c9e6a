package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUDFFaults: a guest that loops forever, traps, grows memory past the
// cap, opens a host file or divides by zero sends its record to the
// dead-letter subject with the reason; the other records are processed and
// the run ends normally.
func TestUDFFaults(t *testing.T) {
	dir := t.TempDir()
	out, dlq := filepath.Join(dir, "out.jsonl"), filepath.Join(dir, "dlq.jsonl")
	f := runFlags{
		replay:     []string{"jobs=../../testdata/udf_faults/jobs.jsonl"},
		capture:    []string{"results=" + out, "velort.dlq.>=" + dlq},
		udfTimeout: 200 * time.Millisecond,
		udfMemory:  16 << 20,
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	if err := runFile(ctx, "../../testdata/udf_faults/query.sql", f, os.Stdout); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(readLines(t, out), "\n"), `{"id":1,"r":42}
{"id":3,"r":2}
{"id":8,"r":8}`; got != want {
		t.Errorf("outputs:\n%s\nwant\n%s", got, want)
	}
	wantReason := map[string]string{"2": "timeout", "4": "trap", "5": "memory", "6": "forbidden", "7": "trap"}
	lines := readLines(t, dlq)
	if len(lines) != len(wantReason) {
		t.Fatalf("%d dead letters, want %d:\n%s", len(lines), len(wantReason), strings.Join(lines, "\n"))
	}
	for _, l := range lines {
		var d struct {
			Headers map[string]string
			Data    string
		}
		if err := json.Unmarshal([]byte(l), &d); err != nil {
			t.Fatal(err)
		}
		var rec struct{ ID json.Number }
		json.Unmarshal([]byte(d.Data), &rec)
		reason := strings.ToLower(d.Headers["Velort-Error"])
		if want := wantReason[rec.ID.String()]; want == "" || !strings.Contains(reason, want) {
			t.Errorf("record %s dead-lettered with %q, want a reason mentioning %q", rec.ID, reason, want)
		}
	}
	t.Logf("run with 5 faults took %s", time.Since(start))
}
