package engine

import (
	"fmt"
	"testing"
)

// TestParseChangeLine: which replayed lines of a changelog stream are
// records with an op (exactly op, row and optionally key) and which are
// plain rows.
func TestParseChangeLine(t *testing.T) {
	for line, want := range map[string]string{
		`{"op":"upsert","key":"a","row":{"k":"a","c":1}}`: `upsert a true {"k":"a","c":1}`,
		`{"row":{"k":"a"},"op":"delete"}`:                 `delete  false {"k":"a"}`,
		`{"op":"delete","key":"a|1","row":null}`:          `delete a|1 true `,
		`{"op":"delete","key":null,"row":{"k":"a"}}`:      `delete  false {"k":"a"}`,
		`{"op":"merge","key":"a","row":{}}`:               `merge a true {}`, // published as is: the loop dead-letters it
		`{"k":"a","c":1}`:                                 `plain`,
		`{"op":"x","row":"text"}`:                         `plain`, // a row that is not an object
		`{"op":"upsert","row":{},"extra":1}`:              `plain`,
		`{"op":1,"row":{}}`:                               `plain`,
		`{"op":"upsert","key":"a","row":{}`:               `plain`, // not JSON: the loop dead-letters it
	} {
		got := "plain"
		if e := parseChangeLine([]byte(line)); e != nil {
			got = fmt.Sprint(e.op, " ", e.key, " ", e.hasKey, " ", string(e.row))
		}
		if got != want {
			t.Errorf("%s: %q, want %q", line, got, want)
		}
	}
}
