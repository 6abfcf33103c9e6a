package runtime

import "testing"

// The rows a ChangeTable keeps decoded: only the columns read, strings
// copied (the caller's bytes may change), a longer string on update moves
// every kept string into the grown buffer, a removed entry's slot is
// reused, and an entry set from a payload alone (a restored checkpoint)
// has no row.
func TestChangeTableKeptRows(t *testing.T) {
	tb := NewChangeTable()
	tb.KeepRows(4, []bool{true, true, false, true})
	src := []byte("ab")
	tb.Set(-1, []byte("k1"), []byte(`{"p":1}`), Row{Int(1), String(src), Int(99), String([]byte("cd"))})
	src[0] = 'X' // the table owns its copy
	id, ok := tb.Lookup([]byte("k1"))
	if !ok {
		t.Fatal("k1 not found")
	}
	if got := stFmt(tb.OldRow(id)); got != "1|'ab'|NULL|'cd'" {
		t.Errorf("kept row %s", got)
	}
	if string(tb.Payload(id)) != `{"p":1}` {
		t.Errorf("payload %q", tb.Payload(id))
	}
	tb.Set(id, []byte("k1"), nil, Row{Int(2), String([]byte("a much longer string")), Int(7), String([]byte("ef"))})
	if got := stFmt(tb.OldRow(id)); got != "2|'a much longer string'|NULL|'ef'" {
		t.Errorf("after a longer string: %s", got)
	}
	if _, ok := tb.Lookup([]byte("k2")); ok {
		t.Error("k2 found")
	}
	tb.Remove(id)
	if _, ok := tb.Lookup([]byte("k1")); ok || tb.Len() != 0 {
		t.Errorf("k1 still there after Remove (len %d)", tb.Len())
	}
	tb.Set(-1, []byte("k2"), nil, Row{Int(3), Null, Int(0), String([]byte("gh"))})
	id2, _ := tb.Lookup([]byte("k2"))
	if got := stFmt(tb.OldRow(id2)); got != "3|NULL|NULL|'gh'" {
		t.Errorf("reused slot: %s", got)
	}
	tb.Put("k3", []byte(`{"p":3}`))
	id3, _ := tb.Lookup([]byte("k3"))
	if tb.OldRow(id3) != nil || string(tb.Payload(id3)) != `{"p":3}` {
		t.Errorf("a payload-only entry: row %v, payload %q", tb.OldRow(id3), tb.Payload(id3))
	}
	if old, ok := tb.Apply(OpUpsert, []byte("k2"), []byte(`{"p":2}`)); !ok || len(old) != 0 {
		t.Errorf("Apply over k2: %q, %v", old, ok)
	}
	if tb.OldRow(id2) != nil {
		t.Error("Apply left a decoded row that is not its payload's")
	}
}

// Every column kept (one bulk copy): strings still copied, and moved into
// a grown buffer.
func TestChangeTableKeptRowsAllColumns(t *testing.T) {
	tb := NewChangeTable()
	tb.KeepRows(3, nil)
	src := []byte("ab")
	tb.Set(-1, []byte("k"), nil, Row{String(src), Int(1), String([]byte("cd"))})
	src[0] = 'X'
	id, _ := tb.Lookup([]byte("k"))
	if got := stFmt(tb.OldRow(id)); got != "'ab'|1|'cd'" {
		t.Errorf("kept row %s", got)
	}
	tb.Set(id, nil, nil, Row{String([]byte("a much longer string")), Null, String([]byte("ef"))})
	if got := stFmt(tb.OldRow(id)); got != "'a much longer string'|NULL|'ef'" {
		t.Errorf("after a longer string: %s", got)
	}
}

// A table keyed by BIGINT numbers (KeyInts) is the same map from key
// texts: a key looked up or set by its text finds the entry set by its
// number and back; texts that are not strconv.FormatInt's (a leading zero,
// a '+', -0, NULL's \N, out of range) stay keys of their own; Range,
// Snapshot and Restore give the texts.
func TestChangeTableIntKeys(t *testing.T) {
	tb := NewChangeTable()
	tb.KeyInts()
	tb.KeepRows(1, nil)
	tb.SetInt(-1, 42, []byte("a"), Row{Int(42)})
	tb.Set(-1, []byte("-7"), []byte("b"), Row{Int(-7)})
	for _, k := range []string{"042", "+42", "-0", `\N`, "9223372036854775808", "42 "} {
		tb.Set(-1, []byte(k), []byte("s:"+k), nil)
	}
	tb.Set(-1, []byte("-9223372036854775808"), []byte("min"), nil)
	if id, ok := tb.Lookup([]byte("42")); !ok || string(tb.Payload(id)) != "a" || stFmt(tb.OldRow(id)) != "42" {
		t.Errorf("42 by text: %v", ok)
	}
	if id, ok := tb.LookupInt(-7); !ok || string(tb.Payload(id)) != "b" {
		t.Errorf("-7 by number: %v", ok)
	}
	if id, ok := tb.LookupInt(-9223372036854775808); !ok || string(tb.Payload(id)) != "min" {
		t.Errorf("MinInt64 by number: %v", ok)
	}
	if _, ok := tb.LookupInt(0); ok {
		t.Error("-0 found as 0")
	}
	if id, ok := tb.Lookup([]byte("042")); !ok || string(tb.Payload(id)) != "s:042" {
		t.Error("042 is not 42")
	}
	if tb.Len() != 9 {
		t.Errorf("len %d, want 9", tb.Len())
	}
	got := map[string]string{}
	tb.Range(func(k string, p []byte) { got[k] = string(p) })
	if got["42"] != "a" || got["-7"] != "b" || got[`\N`] != `s:\N` || len(got) != 9 {
		t.Errorf("Range: %v", got)
	}
	if old, ok := tb.Apply(OpDelete, []byte("42"), nil); !ok || string(old) != "a" {
		t.Errorf("Apply delete 42: %q %v", old, ok)
	}
	if _, ok := tb.LookupInt(42); ok {
		t.Error("42 still there")
	}
	snap := tb.Snapshot(nil)
	tb2 := NewChangeTable()
	tb2.KeyInts()
	if err := tb2.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if id, ok := tb2.LookupInt(-7); !ok || string(tb2.Payload(id)) != "b" || tb2.Len() != 8 {
		t.Errorf("restored: %v, len %d", ok, tb2.Len())
	}
	plain := NewChangeTable()
	if err := plain.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if string(plain.Snapshot(nil)) != string(snap) {
		t.Error("a table keyed by text snapshots differently")
	}
}
