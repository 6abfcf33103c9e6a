package main

import "testing"

// TestGroupKeyExpressionOfNullableColumns: selecting the expression a
// GROUP BY groups on gives the group's key. go-mysql-server selects the
// expression's columns, which velort took as the first non-NULL value of
// each (k2 = 1 from one record, y = 5 from the next: e = 6 in the group
// whose key is NULL); they now come from one row, NULLs included.
func TestGroupKeyExpressionOfNullableColumns(t *testing.T) {
	got := runTables(t, `
CREATE STREAM s (t VARCHAR, k2 BIGINT, y BIGINT) WITH (subject = 'gkn.s');
CREATE STREAM o WITH (subject = 'gkn.o') AS SELECT t, k2 + y AS e, COUNT(*) AS n FROM s GROUP BY t, k2 + y;`,
		map[string][]string{"s": {
			`{"t":"a","k2":1,"y":null}`,
			`{"t":"a","k2":null,"y":5}`,
			`{"t":"a","k2":2,"y":3}`,
			`{"t":"a","k2":4,"y":1}`,
		}}, "o")
	compareTables(t, "o", got["o"], map[string]string{
		`a|\N`: `{"t":"a","e":null,"n":2}`,
		`a|5`:  `{"t":"a","e":5,"n":2}`,
	})
}
