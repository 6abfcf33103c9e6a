package planner

import "testing"

// TestLikeEscapesKeepBackslash: MySQL keeps the backslash of \% and \_ in
// a string literal (GMS's parser dropped it, so LIKE '%\_%' matched every
// string and '\%' was '%'); values from MariaDB.
func TestLikeEscapesKeepBackslash(t *testing.T) {
	runFbCases(t, []fbCase{
		{`'\%'`, fbRec, `"\\%"`},
		{`'a\_b'`, fbRec, `"a\\_b"`},
		{`'it''s \%'`, fbRec, `"it's \\%"`},
		{`'a\'b\%'`, fbRec, `"a'b\\%"`},
		{`s LIKE '%\_%'`, fbRec, `false`},
		{`'a_b' LIKE 'a\_b'`, fbRec, `true`},
		{`'axb' LIKE 'a\%b'`, fbRec, `false`},
		{`'a%b' LIKE 'a\%b'`, fbRec, `true`},
	})
}

// TestLikeEscapesInWhere: a LIKE pattern with \% or \_ in WHERE is not
// turned by GMS's analyzer into a range that ignores the escape.
func TestLikeEscapesInWhere(t *testing.T) {
	for _, c := range []struct {
		where string
		rec   fbRow
		want  int
	}{
		{`s LIKE 'a\%b%'`, `{"s":"a%b_c"}`, 1},
		{`s LIKE 'a\%b%'`, `{"s":"axb_c"}`, 0},
		{`s LIKE 'a\_b'`, `{"s":"a_b"}`, 1},
		{`s LIKE 'a\_b'`, `{"s":"axb"}`, 0},
		{`s LIKE 'a!%b%' ESCAPE '!'`, `{"s":"a%bc"}`, 1},
		{`s NOT LIKE '%\_%'`, `{"s":"abc"}`, 1},
	} {
		pl, err := Parse("e.sql", fbStream+"CREATE STREAM o WITH (subject = 'o') AS SELECT s FROM t WHERE "+c.where+";", Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := fbExec(t, pl, c.rec)
		if (c.want == 1) != (got != "0 outputs") {
			t.Errorf("WHERE %s on %s: %s", c.where, c.rec, got)
		}
	}
}
