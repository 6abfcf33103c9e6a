package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/velort/velort/internal/testseeds"
)

// TestChangelogChainsAgainstSQLite checks the result rule of SPEC §2
// "Changelogs" end to end: for each seed, a random data set (an append-only
// stream, or a changelog source with upserts and deletes) and a random chain
// of 2–4 queries (filters, projections, GROUP BY with COUNT, SUM, AVG, MIN,
// MAX, COUNT/SUM/AVG(DISTINCT), VARIANCE/STDDEV and their _SAMP forms,
// GROUP_CONCAT(DISTINCT … ORDER BY …), HAVING, EMIT FINAL, global
// aggregates, SELECT DISTINCT, ORDER BY … LIMIT n (Top-N),
// TUMBLE/HOP/SESSION windows over the append-only
// source with EMIT CHANGES or FINAL, INSERT INTO declared streams, and
// queries over the previous query's changelog) run through velort run
// --replay with one partition and with four; after end of input, each
// query's captured result — the multiset of its records, or for a
// changelog the last row of each key not deleted — must equal the same
// SELECT run by SQLite as a batch query over the same data (MySQL semantics
// where they differ: / of integers is exact, AVG a DOUBLE). Each chain is
// printed with its seed on failure, and the files are kept.
//
// It runs 60 seeds (0–59; 15 with -short); VELORT_SEEDS=N runs seeds 0 to
// N-1 (README: the long run). A failing
// seed reproduces alone with -run 'TestChangelogChainsAgainstSQLite/seed=N$'.
func TestChangelogChainsAgainstSQLite(t *testing.T) {
	seeds := testseeds.NShort(t, 60, 15)
	for i := 0; i < seeds; i++ {
		seed := int64(i)
		t.Run(fmt.Sprintf("seed=%d", i), func(t *testing.T) {
			c := genChangelogCase(t, seed)
			defer c.db.Close()
			if testing.Verbose() {
				t.Logf("%s", c.sqlFile(4))
			}
			for _, parts := range []int{1, 4} {
				if !runChangelogCase(t, c, parts) {
					return
				}
			}
		})
	}
}

// runChangelogCase runs c through velort with every stream in parts
// partitions (where a key allows) and compares each query's result with
// SQLite's; it reports whether all agreed.
func runChangelogCase(t *testing.T, c *clCase, parts int) bool {
	t.Helper()
	return runChangelogFile(t, c, parts, c.sqlFile(parts), c.queries)
}

// runChangelogFile runs sqlText over c's sources and compares the result of
// each of queries (streams of sqlText) with SQLite's view of its name.
func runChangelogFile(t *testing.T, c *clCase, parts int, sqlText string, queries []*clQuery) bool {
	t.Helper()
	dir := t.TempDir()
	sqlPath := filepath.Join(dir, "q.sql")
	if err := os.WriteFile(sqlPath, []byte(sqlText), 0o644); err != nil {
		t.Fatal(err)
	}
	var f runFlags
	replays := ""
	for _, src := range c.srcs {
		path := filepath.Join(dir, src.rel.name+".jsonl")
		if err := os.WriteFile(path, []byte(strings.Join(src.lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		f.replay = append(f.replay, src.rel.name+"="+path)
		replays += fmt.Sprintf(" --replay %s=DIR/%s.jsonl", src.rel.name, src.rel.name)
	}
	captured := map[string]string{}
	for _, q := range queries {
		captured[q.out.name] = filepath.Join(dir, q.out.name+".jsonl")
		f.capture = append(f.capture, q.out.name+"="+captured[q.out.name])
	}
	dlqPath := filepath.Join(dir, "dlq.jsonl")
	f.capture = append(f.capture, "velort.dlq.>="+dlqPath)
	header := fmt.Sprintf("seed=%d partitions=%d", c.seed, parts)
	fail := func(format string, args ...any) bool {
		t.Helper()
		keep, err := os.MkdirTemp("", fmt.Sprintf("velort-changelog-seed%d-p%d-", c.seed, parts))
		if err == nil {
			files, _ := filepath.Glob(filepath.Join(dir, "*"))
			for _, p := range files {
				if b, err := os.ReadFile(p); err == nil {
					os.WriteFile(filepath.Join(keep, filepath.Base(p)), b, 0o644)
				}
			}
		}
		t.Errorf("%s: %s\n--- q.sql (files kept in DIR=%s: velort run DIR/q.sql%s --capture q1=-)\n%s",
			header, fmt.Sprintf(format, args...), keep, replays, sqlText)
		return false
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := runFile(ctx, sqlPath, f, io.Discard); err != nil {
		return fail("velort run: %v", err)
	}
	if dlq := readLines(t, dlqPath); len(dlq) > 0 {
		return fail("%d records dead-lettered, first: %s", len(dlq), dlq[0])
	}
	ok := true
	for _, q := range queries {
		if !compareChangelogQuery(t, c, q, captured, fail) {
			ok = false
		}
	}
	return ok
}

// compareChangelogQuery builds q's result from its capture and compares it
// with SQLite's view of the same name.
func compareChangelogQuery(t *testing.T, c *clCase, q *clQuery, captured map[string]string, fail func(string, ...any) bool) bool {
	t.Helper()
	lines := readLines(t, captured[q.out.name])
	var got [][]any
	if q.out.changelog {
		table := map[string][]any{}
		var order []string
		for _, l := range lines {
			var env struct {
				Op  string          `json:"op"`
				Key *string         `json:"key"`
				Row json.RawMessage `json:"row"`
			}
			if err := json.Unmarshal([]byte(l), &env); err != nil || env.Key == nil || (env.Op != "upsert" && env.Op != "delete") {
				return fail("%s is a changelog: want {\"op\":\"upsert\"|\"delete\",\"key\":…,\"row\":{…}} lines, got %s", q.out.name, l)
			}
			if env.Op == "delete" {
				if _, ok := table[*env.Key]; !ok {
					return fail("%s: a delete of key %q, which has no row: %s", q.out.name, *env.Key, l)
				}
				delete(table, *env.Key)
				continue
			}
			row, err := clRow(q.out, env.Row)
			if err != nil {
				return fail("%s: %v in %s", q.out.name, err, l)
			}
			if k, ok := clKeyText(q, row); ok && k != *env.Key {
				return fail("%s: Velort-Key %q, but the row's key columns (%s) make %q: %s", q.out.name, *env.Key, strings.Join(q.out.key, ", "), k, l)
			}
			if _, ok := table[*env.Key]; !ok {
				order = append(order, *env.Key)
			}
			table[*env.Key] = row
		}
		for _, k := range order {
			if r, ok := table[k]; ok {
				got = append(got, r)
				delete(table, k)
			}
		}
	} else {
		for _, l := range lines {
			if strings.HasPrefix(l, `{"op":`) {
				return fail("%s is append-only: want plain rows, got %s", q.out.name, l)
			}
			row, err := clRow(q.out, []byte(l))
			if err != nil {
				return fail("%s: %v in %s", q.out.name, err, l)
			}
			got = append(got, row)
		}
	}

	var names []string
	for _, col := range q.out.cols {
		names = append(names, col.name)
	}
	rows, err := c.db.Query("SELECT " + strings.Join(names, ", ") + " FROM " + q.out.name)
	if err != nil {
		t.Fatalf("sqlite: %v", err)
	}
	var want [][]any
	for rows.Next() {
		vals := make([]any, len(names))
		ptrs := make([]any, len(names))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			}
		}
		want = append(want, vals)
	}
	rows.Close()

	// A global aggregate has a row in SQL even over no input; velort
	// publishes it once the input had a record (and keeps it after its
	// rows are retracted). Its query has no WHERE, so "had a record" is
	// "its input stream had one".
	if q.global && len(got) == 0 && len(want) == 1 {
		inputLines := 0
		if p, ok := captured[q.from.name]; ok {
			inputLines = len(readLines(t, p))
		}
		for _, src := range c.srcs {
			if src.rel == q.from {
				inputLines = len(src.lines)
			}
		}
		if inputLines == 0 {
			return true
		}
	}

	tol := make([]float64, len(q.out.cols))
	for i, col := range q.out.cols {
		tol[i] = 1e-9
		if col.rough {
			tol[i] = 1e-6
		}
	}
	missing, extra := clDiff(got, want, tol)
	if len(missing) == 0 && len(extra) == 0 {
		return true
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s differs from SQLite: velort %d rows, SQLite %d; %d only in SQLite, %d only in velort\n", q.out.name, len(got), len(want), len(missing), len(extra))
	fmt.Fprintf(&b, "  velort: %s\n  sqlite: %s\n  columns: %s\n", q.velort, q.sqlite, strings.Join(names, ", "))
	for i, r := range missing {
		if i == 15 {
			fmt.Fprintf(&b, "  …\n")
			break
		}
		fmt.Fprintf(&b, "  - sqlite %s\n", clCanon(r))
	}
	for i, r := range extra {
		if i == 15 {
			fmt.Fprintf(&b, "  …\n")
			break
		}
		fmt.Fprintf(&b, "  + velort %s\n", clCanon(r))
	}
	if len(lines) <= 40 {
		fmt.Fprintf(&b, "  capture of %s:\n    %s\n", q.out.name, strings.Join(lines, "\n    "))
	}
	return fail("%s", b.String())
}

// clKeyText is the Velort-Key of a row of q's output (runtime
// AppendChangeKey): each key part's text — a string with '\' and '|'
// escaped by '\', NULL written \N, window bounds as epoch ms — joined by
// '|'; "" for a global aggregate. ok is false when part of the key
// is not among the columns, or is a DOUBLE (its text is not checked).
func clKeyText(q *clQuery, row []any) (string, bool) {
	if q.global {
		return "", true
	}
	if len(q.out.key) == 0 {
		return "", false
	}
	var parts []string
	for _, k := range q.out.key {
		for i, c := range q.out.cols {
			if c.name != k {
				continue
			}
			switch v := row[i].(type) {
			case nil:
				parts = append(parts, `\N`)
			case int64:
				parts = append(parts, strconv.FormatInt(v, 10))
			case string:
				if c.typ == clTime {
					tm, err := time.Parse(time.RFC3339, v)
					if err != nil {
						return "", false
					}
					v = strconv.FormatInt(tm.UnixMilli(), 10)
				}
				parts = append(parts, strings.NewReplacer(`\`, `\\`, `|`, `\|`).Replace(v))
			default:
				return "", false
			}
		}
	}
	if len(parts) != len(q.out.key) {
		return "", false
	}
	return strings.Join(parts, "|"), true
}

// clRow reads the columns of r from one JSON object: numbers as int64 or
// float64, strings, NULL as nil.
func clRow(r *clRel, obj []byte) ([]any, error) {
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(obj))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	row := make([]any, len(r.cols))
	for i, c := range r.cols {
		v, ok := m[c.name]
		if !ok {
			return nil, fmt.Errorf("no column %s", c.name)
		}
		switch x := v.(type) {
		case json.Number:
			if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
				row[i] = n
			} else if f, err := strconv.ParseFloat(string(x), 64); err == nil {
				row[i] = f
			} else {
				return nil, fmt.Errorf("column %s: %v", c.name, err)
			}
		case bool:
			row[i] = map[bool]int64{false: 0, true: 1}[x]
		default:
			row[i] = x
		}
	}
	return row, nil
}

// clCanon renders a row so that rows equal in SQL render equal (numbers
// by value, whatever their type).
func clCanon(row []any) string {
	parts := make([]string, len(row))
	for i, v := range row {
		switch x := v.(type) {
		case nil:
			parts[i] = "NULL"
		case int64:
			parts[i] = strconv.FormatInt(x, 10)
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				parts[i] = strconv.FormatInt(int64(x), 10)
			} else {
				parts[i] = strconv.FormatFloat(x, 'g', -1, 64)
			}
		case string:
			parts[i] = strconv.Quote(x)
		default:
			parts[i] = fmt.Sprintf("%T(%v)", v, v)
		}
	}
	return strings.Join(parts, " | ")
}

func clNum(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// clEqual compares two values; numbers to tol relative (absolute below 1).
func clEqual(a, b any, tol float64) bool {
	if fa, ok := clNum(a); ok {
		fb, ok := clNum(b)
		return ok && math.Abs(fa-fb) <= tol*math.Max(1, math.Max(math.Abs(fa), math.Abs(fb)))
	}
	return a == b
}

// clDiff matches got and want as multisets: exactly equal rows first, then
// rows whose numbers agree within the tolerance of their column. It returns the rows of
// want with no match (missing) and of got (extra), sorted.
func clDiff(got, want [][]any, tol []float64) (missing, extra [][]any) {
	byCanon := map[string][][]any{}
	for _, r := range got {
		k := clCanon(r)
		byCanon[k] = append(byCanon[k], r)
	}
	for _, r := range want {
		k := clCanon(r)
		if rs := byCanon[k]; len(rs) > 0 {
			byCanon[k] = rs[1:]
			continue
		}
		missing = append(missing, r)
	}
	for _, rs := range byCanon {
		extra = append(extra, rs...)
	}
	// Near matches.
	var still [][]any
	for _, w := range missing {
		found := -1
		for i, g := range extra {
			eq := true
			for j := range w {
				if !clEqual(g[j], w[j], tol[j]) {
					eq = false
					break
				}
			}
			if eq {
				found = i
				break
			}
		}
		if found < 0 {
			still = append(still, w)
			continue
		}
		extra = append(extra[:found], extra[found+1:]...)
	}
	missing = still
	sortRows := func(rs [][]any) {
		sort.Slice(rs, func(i, j int) bool { return clCanon(rs[i]) < clCanon(rs[j]) })
	}
	sortRows(missing)
	sortRows(extra)
	return missing, extra
}
