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
