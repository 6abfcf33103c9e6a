package main

import "testing"

// TestGroupKeyExpressionOverChangelog: over a changelog input, a selected
// expression that spells a GROUP BY expression shows the group's key, as
// the batch query does (MySQL reads the group's key; SQLite evaluates it
// on one row of the group, where it has that value: checked, same rows).
// go-mysql-server selects the expression's columns k2 and y ungrouped and
// velort took each as ANY_VALUE; over a changelog they came from two
// different live rows of the group whose key is NULL: e = 8 (k2 = 3 of r6,
// y = 5 of r2). A part of an expression that spells the key (under
// COALESCE, or under MD5, which go-mysql-server evaluates) and HAVING read
// the key too.
func TestGroupKeyExpressionOverChangelog(t *testing.T) {
	got := runTables(t, `
CREATE STREAM s (id VARCHAR, t VARCHAR, k2 BIGINT, y BIGINT)
  WITH (subject = 'gkc.s', changelog = 'upsert', key = 'id');
CREATE STREAM o WITH (subject = 'gkc.o') AS
  SELECT t, k2 + y AS e, COALESCE(k2 + y, -1) * 10 AS f, MD5(k2 + y) AS h, COUNT(*) AS n
  FROM s GROUP BY t, k2 + y HAVING e IS NULL OR e = 5;`,
		map[string][]string{"s": {
			`{"id":"r1","t":"a","k2":1,"y":null}`,
			`{"id":"r2","t":"a","k2":null,"y":5}`,
			`{"id":"r3","t":"a","k2":null,"y":7}`,
			`{"id":"r1","t":"a","k2":2,"y":3}`,
			`{"id":"r4","t":"a","k2":4,"y":1}`,
			`{"id":"r5","t":"a","k2":1,"y":1}`,
			`{"id":"r6","t":"a","k2":3,"y":null}`,
		}}, "o")
	compareTables(t, "o", got["o"], map[string]string{
		`a|\N`: `{"t":"a","e":null,"f":-10,"h":null,"n":3}`,
		`a|5`:  `{"t":"a","e":5,"f":50,"h":"e4da3b7fbbce2345d7772b0674a318d5","n":2}`,
	})
}
