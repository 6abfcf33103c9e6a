package conformance

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/velort/velort/runtime"
)

var ctxb = context.Background()

var onlyFlag = flag.String("only", "", "run only the cases whose expression matches this regexp (e.g. -only 'LOCATE|INSTR')")

var updateKnown = flag.Bool("update-known", false, "rewrite testdata/known_wrong.txt from this run's differences")

// failure is one difference between velort and MariaDB that no accepted
// entry covers.
type failure struct {
	at     string // "row 7 (i=…, s=…)" or "group g=\"a\""
	velort string
	maria  string
	warns  string
	why    string
}

// exprResult is the outcome of one expression.
type exprResult struct {
	section  string // "scalar", "where", "agg", "window", "rows" or "insert"
	expr     string
	refused  string
	accepted []string // reasons of the accepted differences seen
	fails    []failure
}

func (r *exprResult) key() string { return r.section + "\t" + r.expr }

// mres is MariaDB's result for one row (or group).
type mres struct {
	c     cell
	warns []warning
	err   error
}

func (m mres) String() string {
	if m.err != nil {
		return "ERROR " + m.err.Error()
	}
	if m.c.null {
		return "NULL"
	}
	return fmt.Sprintf("%s %q", m.c.typ, m.c.text)
}

func warnText(ws []warning) string {
	var s []string
	for _, w := range ws {
		s = append(s, w.String())
	}
	return strings.Join(s, "; ")
}

// significant are the diagnostics that make a MariaDB value one velort may
// also refuse. Notes count too: MariaDB reports as notes what MySQL 8
// reports as warnings (1105 "Cast to signed converted positive
// out-of-range integer to its negative complement", 1916 "Got overflow
// when converting … Value truncated").
func significant(ws []warning) []warning { return ws }

func (v vout) String() string {
	switch {
	case v.panic != "":
		return "PANIC " + v.panic
	case v.err != "":
		return "DEAD-LETTER " + v.err
	}
	return fmt.Sprintf("%v %s", v.typ, v.json)
}

// judge applies the rule of comparison to one row or group.
//   - a panic is always wrong;
//   - MariaDB error ⇒ velort must dead-letter the record;
//   - MariaDB value with warnings ⇒ velort returns the same value or dead-letters;
//   - MariaDB value without warnings ⇒ velort returns the same value.
func judge(expr string, pred bool, row []any, v vout, m mres) (why string, acceptedReason string) {
	why = rule(expr, pred, v, m)
	if why == "" {
		return "", ""
	}
	if a := acceptedFor(expr, row, v, m); a != nil {
		return "", a.reason
	}
	return why, ""
}

func rule(expr string, pred bool, v vout, m mres) string {
	switch {
	case v.panic != "":
		return "velort panics"
	case m.err != nil:
		if v.err != "" {
			return ""
		}
		return "velort value where MariaDB errors"
	case v.err != "":
		if len(significant(m.warns)) > 0 {
			return ""
		}
		return "velort dead-letters a row MariaDB computes without warning"
	}
	return sameValue(pred, approxAllowed(expr), v.typ, v.json, m.c)
}

var colRef = regexp.MustCompile(`\b(g|i|k|d|m|s|ts|b|j)\b`)

// rowDesc names a row and the values of the columns expr mentions.
func rowDesc(expr string, r int, row []any) string {
	used := map[string]bool{}
	for _, n := range colRef.FindAllString(stripStrings(expr), -1) {
		used[n] = true
	}
	var parts []string
	for c, col := range columns {
		if used[col.name] {
			parts = append(parts, col.name+"="+literal(row[c]))
		}
	}
	return fmt.Sprintf("row %d (%s)", r+1, strings.Join(parts, ", "))
}

var quoted = regexp.MustCompile(`'(?:[^'\\]|\\.|'')*'`)

func stripStrings(s string) string { return quoted.ReplaceAllString(s, "''") }

func literal(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case string:
		return fmt.Sprintf("%q", v)
	case float64:
		return fmt.Sprintf("%v", v)
	case dec:
		return string(v)
	case tsMs:
		return time.UnixMilli(int64(v)).UTC().Format("2006-01-02 15:04:05.000")
	case js:
		return string(v)
	}
	return fmt.Sprint(v)
}

// setupData creates and fills the table in MariaDB and returns velort's
// messages.
func setupData(t *testing.T, m *mariadb) ([][]any, [][]byte) {
	rows := rowsData()
	if _, err := m.conn.ExecContext(ctxb, mariadbTableSQL()); err != nil {
		t.Fatal(err)
	}
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ")
	msgs := make([][]byte, len(rows))
	for r, row := range rows {
		args := make([]any, len(row))
		for c, v := range row {
			args[c] = mariadbArg(v)
		}
		if _, err := m.conn.ExecContext(ctxb, "INSERT INTO t VALUES ("+ph+")", args...); err != nil {
			t.Fatalf("insert row %d: %v", r+1, err)
		}
		msgs[r] = velortJSON(row)
	}
	// The data must round-trip: MariaDB holds what velort decodes.
	got, _, err := m.query("SELECT COUNT(*) FROM t")
	if err != nil || got[0][0].text != fmt.Sprint(len(rows)) {
		t.Fatalf("table holds %v rows (%v)", got, err)
	}
	return rows, msgs
}

// TestMariaDB is the differential conformance test (see doc.go).
func TestMariaDB(t *testing.T) {
	m := startMariaDB(t)
	rows, msgs := setupData(t, m)
	start := time.Now()
	var results []*exprResult
	var only *regexp.Regexp
	if *onlyFlag != "" {
		only = regexp.MustCompile(*onlyFlag)
	}
	t.Run("Scalar", func(t *testing.T) {
		var where []*exprResult
		for _, e := range scalarExprs() {
			if only == nil || only.MatchString(e.expr) {
				results = append(results, checkScalar(t, m, e.expr, e.pred, rows, msgs, &where))
			}
		}
		results = append(results, where...)
		verdict(t, results, "scalar")
		verdict(t, results, "where")
	})
	t.Run("Aggregate", func(t *testing.T) {
		for _, a := range aggCases() {
			if only == nil || only.MatchString(a.name()) {
				results = append(results, checkAggregate(t, m, a, rows, msgs))
			}
		}
		verdict(t, results, "agg")
	})
	t.Run("Window", func(t *testing.T) {
		for _, e := range windowAggs {
			if only == nil || only.MatchString(e) {
				results = append(results, checkWindow(t, m, e, rows))
			}
		}
		verdict(t, results, "window")
	})
	t.Run("Insert", func(t *testing.T) {
		n := 0
		for _, target := range insertTargets {
			for _, src := range insertSources {
				n++
				if only == nil || only.MatchString(insertName(src, target)) {
					results = append(results, checkInsert(t, m, n, src, target, rows, msgs))
				}
			}
		}
		verdict(t, results, "insert")
	})
	t.Run("Rows", func(t *testing.T) {
		for _, e := range rowExprs {
			if only == nil || only.MatchString(e) {
				results = append(results, checkRows(t, m, e, rows, msgs))
			}
		}
		verdict(t, results, "rows")
	})
	writeReport(t, results, m.ver, time.Since(start))
	if *updateKnown {
		writeKnown(t, results)
	}
}

// checkScalar evaluates expr on both sides and judges every row.
// A predicate is also checked in WHERE (appended to where).
func checkScalar(t *testing.T, m *mariadb, expr string, pred bool, rows [][]any, msgs [][]byte, where *[]*exprResult) *exprResult {
	res := &exprResult{section: "scalar", expr: expr}
	all, warns, err := m.query("SELECT " + expr + " FROM t ORDER BY id")
	perRow := make([]mres, len(rows))
	if err == nil && len(significant(warns)) == 0 && len(all) == len(rows) {
		for r := range rows {
			perRow[r] = mres{c: all[r][0]}
		}
	} else {
		// Attribute errors and warnings to rows.
		for r := range rows {
			got, w, err := m.query(fmt.Sprintf("SELECT %s FROM t WHERE id = %d", expr, r+1))
			perRow[r] = mres{warns: w, err: err}
			if err == nil {
				if len(got) != 1 {
					t.Fatalf("%s row %d: %d MariaDB rows", expr, r+1, len(got))
				}
				perRow[r].c = got[0][0]
			}
		}
	}
	if pred {
		// Also when the projection is refused: WHERE may be accepted.
		*where = append(*where, checkWhere(expr, rows, msgs, perRow))
	}
	v := runVelortScalar(expr, msgs)
	if v.panic != "" {
		res.fails = append(res.fails, failure{at: "check", velort: "PANIC " + firstLine(v.panic), why: "velort panics"})
		return res
	}
	if v.refused != "" {
		res.refused = v.refused
		return res
	}
	for r := range rows {
		why, acc := judge(expr, pred, rows[r], v.rows[r], perRow[r])
		if acc != "" {
			res.accepted = appendOnce(res.accepted, acc)
		}
		if why != "" {
			res.fails = append(res.fails, failure{at: rowDesc(expr, r, rows[r]), velort: v.rows[r].String(),
				maria: perRow[r].String(), warns: warnText(perRow[r].warns), why: why})
		}
	}
	return res
}

// checkWhere runs pred as velort's WHERE: a record passes exactly when
// MariaDB's value for its row is true (non-zero), and is dead-lettered
// where MariaDB errors (or, with a warning, may be).
func checkWhere(pred string, rows [][]any, msgs [][]byte, perRow []mres) *exprResult {
	res := &exprResult{section: "where", expr: pred}
	v := runVelortFilter(pred, msgs)
	switch {
	case v.panic != "":
		res.fails = append(res.fails, failure{at: "check", velort: "PANIC " + firstLine(v.panic), why: "velort panics"})
		return res
	case v.refused != "":
		res.refused = v.refused
		return res
	}
	for r := range rows {
		vo, mr := v.rows[r], perRow[r]
		why := ""
		switch {
		case vo.panic != "":
			why = "velort panics"
		case mr.err != nil:
			if vo.err == "" {
				why = "velort filters where MariaDB errors"
			}
		case vo.err != "":
			if len(significant(mr.warns)) == 0 {
				why = "velort dead-letters a row MariaDB computes without warning"
			}
		default:
			truthy := !mr.c.null && !numEqualExact(mr.c.text, "0")
			if mariaKind(mr.c.typ) != "exact" && !mr.c.null {
				f, err := strconv.ParseFloat(mr.c.text, 64)
				truthy = err != nil || f != 0
			}
			if truthy != (vo.json == "pass") {
				why = "WHERE passes a different set of records"
				vb := vout{json: strconv.FormatBool(vo.json == "pass"), typ: runtime.TBool}
				if a := acceptedFor(pred, rows[r], vb, mr); a != nil {
					why = ""
					res.accepted = appendOnce(res.accepted, a.reason)
				}
			}
		}
		if why != "" {
			passed := "filtered out"
			if vo.json == "pass" {
				passed = "passed"
			}
			if vo.err != "" || vo.panic != "" {
				passed = vo.String()
			}
			res.fails = append(res.fails, failure{at: rowDesc(pred, r, rows[r]), velort: passed, maria: mr.String(), warns: warnText(mr.warns), why: why})
		}
	}
	return res
}

// checkAggregate evaluates `SELECT g, expr FROM t <clauses>` (a global
// aggregate without g) on both sides.
func checkAggregate(t *testing.T, m *mariadb, a aggCase, rows [][]any, msgs [][]byte) *exprResult {
	expr := a.expr
	res := &exprResult{section: "agg", expr: a.name()}
	v := runVelortGroups(a, msgs)
	if v.panic != "" {
		res.fails = append(res.fails, failure{at: "query", velort: "PANIC " + firstLine(v.panic), why: "velort panics"})
		return res
	}
	if v.refused != "" {
		res.refused = v.refused
		return res
	}
	var dead []string
	for r, e := range v.rowErrs {
		if e != "" {
			dead = append(dead, fmt.Sprintf("row %d: %s", r+1, e))
		}
	}
	mexpr := mariadbAggExpr(expr)
	q := "SELECT " + mexpr + " AS v FROM t " + a.clauses
	if a.grouped {
		q = "SELECT g, " + mexpr + " AS v FROM t " + a.clauses + " ORDER BY g"
	}
	all, warns, err := m.query(q)
	switch {
	case err != nil:
		if len(dead) == 0 && v.endErr == "" {
			res.fails = append(res.fails, failure{at: "query", velort: fmt.Sprintf("%d groups, no dead letter", len(v.groups)),
				maria: "ERROR " + err.Error(), why: "velort value where MariaDB errors"})
		}
		return res
	case v.endErr != "":
		res.fails = append(res.fails, failure{at: "end of input", velort: "ERROR " + v.endErr, maria: fmt.Sprintf("%d groups", len(all)),
			warns: warnText(warns), why: "velort fails at end of input"})
		return res
	}
	// The groups of the dead-lettered rows: velort's row for such a group
	// leaves the record out, so it is judged as a dead letter against
	// MariaDB's value for the group (acceptable with a warning, or when the
	// value is outside velort's types).
	deadIn := map[string]string{}
	for r, e := range v.rowErrs {
		if e == "" {
			continue
		}
		key := globalKey
		if a.grouped {
			key = "null"
			if g, ok := rows[r][colIndex("g")].(string); ok {
				k, _ := json.Marshal(g)
				key = string(k)
			}
		}
		if deadIn[key] == "" {
			deadIn[key] = fmt.Sprintf("row %d: %s", r+1, e)
		}
	}
	seen := map[string]bool{}
	for _, row := range all {
		key := "null"
		if !a.grouped {
			key = globalKey
			row = append([]cell{{}}, row...)
		} else if !row[0].null {
			k, _ := json.Marshal(row[0].text)
			key = string(k)
		}
		seen[key] = true
		vo, ok := v.groups[key]
		mr := mres{c: row[1], warns: warns}
		if d := deadIn[key]; d != "" {
			vo, ok = vout{err: d}, true
		}
		if !ok {
			res.fails = append(res.fails, failure{at: "group g=" + key, velort: "no row", maria: mr.String(), why: "group missing in velort"})
			continue
		}
		// The row handed to accepted differences carries the group key.
		grow := make([]any, len(columns))
		if a.grouped && !row[0].null {
			grow[colIndex("g")] = row[0].text
		}
		why, acc := judge(expr, false, grow, vo, mr)
		if acc != "" {
			res.accepted = appendOnce(res.accepted, acc)
		}
		if why != "" {
			res.fails = append(res.fails, failure{at: "group g=" + key, velort: vo.String(), maria: mr.String(), warns: warnText(warns), why: why})
		}
	}
	for key, vo := range v.groups {
		if !seen[key] {
			res.fails = append(res.fails, failure{at: "group g=" + key, velort: vo.String(), maria: "no row", why: "extra group in velort"})
		}
	}
	return res
}

var groupConcat = regexp.MustCompile(`^(GROUP_CONCAT|JSON_ARRAYAGG)\((.*?)( SEPARATOR '[^']*')?\)$`)

// mariadbAggExpr is expr as MariaDB is asked for it. GROUP_CONCAT and
// JSON_ARRAYAGG without ORDER BY have no defined order in MySQL; velort
// concatenates in arrival order (here: id order), so MariaDB is asked for
// ORDER BY id.
func mariadbAggExpr(expr string) string {
	m := groupConcat.FindStringSubmatch(expr)
	if m == nil || strings.Contains(m[2], "ORDER BY") || strings.HasPrefix(m[2], "DISTINCT") {
		return expr
	}
	return m[1] + "(" + m[2] + " ORDER BY id" + m[3] + ")"
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// verdict fails the test for every difference not listed in
// testdata/known_wrong.txt, and for every listed expression that now
// agrees (a stale entry: remove it, the bug is fixed).
func verdict(t *testing.T, results []*exprResult, section string) {
	known := loadKnown(t)
	n, agree, refused, knownN := 0, 0, 0, 0
	for _, r := range results {
		if r.section != section {
			continue
		}
		n++
		cause, isKnown := known[r.key()]
		switch {
		case r.refused != "":
			refused++
			if isKnown {
				t.Errorf("stale known_wrong entry (velort now refuses it): [%s] %s", r.section, r.expr)
			}
		case len(r.fails) == 0:
			agree++
			if isKnown {
				t.Errorf("stale known_wrong entry (now agrees with MariaDB — remove it; -update-known): [%s] %s", r.section, r.expr)
			}
		case isKnown:
			knownN++
			t.Logf("known wrong: [%s] %s — %s", r.section, r.expr, cause)
		default:
			f := r.fails[0]
			t.Errorf("[%s] %s: %s at %s: velort %s, MariaDB %s %s (%d rows differ)", r.section, r.expr, f.why, f.at, f.velort, f.maria, f.warns, len(r.fails))
		}
	}
	t.Logf("%s: %d expressions, %d agree, %d refused by velort, %d known wrong, %d new failures",
		section, n, agree, refused, knownN, n-agree-refused-knownN)
}

const knownFile = "testdata/known_wrong.txt"

// loadKnown reads the known-wrong table: lines "section<TAB>expr<TAB>cause".
func loadKnown(t *testing.T) map[string]string {
	data, err := os.ReadFile(knownFile)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		t.Fatal(err)
	}
	known := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 {
			t.Fatalf("%s: bad line %q", knownFile, line)
		}
		known[f[0]+"\t"+f[1]] = f[2]
	}
	return known
}

// writeKnown rewrites the known-wrong table from this run, keeping the
// entries of cases that did not run (another -run or -only).
func writeKnown(t *testing.T, results []*exprResult) {
	ran := map[string]bool{}
	for _, r := range results {
		ran[r.key()] = true
	}
	var lines []string
	for k, cause := range loadKnown(t) {
		if !ran[k] {
			lines = append(lines, k+"\t"+cause)
		}
	}
	for _, r := range results {
		if r.refused == "" && len(r.fails) > 0 {
			f := r.fails[0]
			cause := fmt.Sprintf("%s: %s: velort %s, MariaDB %s (%d differ)", f.why, f.at, f.velort, f.maria, len(r.fails))
			cause = strings.NewReplacer("\t", " ", "\n", " ").Replace(cause)
			if len(cause) > 300 {
				cause = cause[:300] + "…"
			}
			lines = append(lines, r.key()+"\t"+cause)
		}
	}
	sort.Strings(lines)
	head := "# Known wrong results: real bugs to fix, not accepted differences (see accepted_test.go).\n" +
		"# Regenerate: go test ./internal/conformance -run TestMariaDB -update-known\n" +
		"# Format: section<TAB>expression<TAB>first difference seen\n"
	body := strings.Join(lines, "\n")
	if body != "" {
		body += "\n"
	}
	if err := os.WriteFile(knownFile, []byte(head+body), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s: %d entries", knownFile, len(lines))
}

// reportPath is where the human-readable report goes.
func reportPath() string {
	if p := os.Getenv("VELORT_CONFORMANCE_REPORT"); p != "" {
		return p
	}
	return "/tmp/conformance/report.txt"
}

// writeReport writes every difference, grouped by likely cause (the kind
// of difference and the expression's leading function or operator).
func writeReport(t *testing.T, results []*exprResult, ver string, took time.Duration) {
	var b strings.Builder
	counts := map[string]int{}
	groups := map[string][]*exprResult{}
	var refusals []*exprResult
	var acceptedList []*exprResult
	for _, r := range results {
		counts[r.section+" total"]++
		switch {
		case r.refused != "":
			counts[r.section+" refused"]++
			refusals = append(refusals, r)
		case len(r.fails) > 0:
			counts[r.section+" wrong"]++
			g := r.fails[0].why + " — " + leadingName(r.expr)
			groups[g] = append(groups[g], r)
		default:
			counts[r.section+" agree"]++
		}
		if len(r.accepted) > 0 {
			acceptedList = append(acceptedList, r)
		}
	}
	fmt.Fprintf(&b, "velort vs %s — differential conformance report (%s, %v)\n", ver, time.Now().UTC().Format(time.RFC3339), took.Round(time.Millisecond))
	for _, s := range []string{"scalar", "where", "agg", "window", "rows", "insert"} {
		fmt.Fprintf(&b, "%-6s: %d expressions, %d agree, %d wrong, %d refused by velort\n", s,
			counts[s+" total"], counts[s+" agree"], counts[s+" wrong"], counts[s+" refused"])
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b.WriteString("\nDifferences by likely cause: kind of difference, then the leading functions/operators (count):\n")
	byWhy := map[string][]string{}
	whyN := map[string]int{}
	var whys []string
	for _, k := range keys {
		why, name, _ := strings.Cut(k, " — ")
		if whyN[why] == 0 {
			whys = append(whys, why)
		}
		whyN[why] += len(groups[k])
		byWhy[why] = append(byWhy[why], fmt.Sprintf("%s(%d)", name, len(groups[k])))
	}
	for _, why := range whys {
		fmt.Fprintf(&b, "  %3d  %s: %s\n", whyN[why], why, strings.Join(byWhy[why], " "))
	}
	for _, k := range keys {
		fmt.Fprintf(&b, "\n=== %s (%d expressions)\n", k, len(groups[k]))
		for _, r := range groups[k] {
			fmt.Fprintf(&b, "\n[%s] %s   (%d rows/groups differ)\n", r.section, r.expr, len(r.fails))
			for i, f := range r.fails {
				if i == 6 {
					fmt.Fprintf(&b, "    … %d more\n", len(r.fails)-i)
					break
				}
				fmt.Fprintf(&b, "    %s: %s\n      velort:  %s\n      MariaDB: %s\n", f.why, f.at, f.velort, f.maria)
				if f.warns != "" {
					fmt.Fprintf(&b, "      warnings: %s\n", f.warns)
				}
			}
		}
	}
	fmt.Fprintf(&b, "\n=== Refused by velort check (%d; acceptable, but a valid query refused is a gap)\n", len(refusals))
	for _, r := range refusals {
		fmt.Fprintf(&b, "[%s] %s\n    %s\n", r.section, r.expr, strings.ReplaceAll(firstLine(r.refused), "\n", " "))
	}
	fmt.Fprintf(&b, "\n=== Accepted differences seen (%d expressions)\n", len(acceptedList))
	for _, r := range acceptedList {
		fmt.Fprintf(&b, "[%s] %s: %s\n", r.section, r.expr, strings.Join(r.accepted, "; "))
	}
	p := reportPath()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Logf("report: %v", err)
		return
	}
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Logf("report: %v", err)
		return
	}
	t.Logf("report written to %s", p)
}

var leading = regexp.MustCompile(`^\s*(?:NOT\s+)?([A-Za-z_][A-Za-z_0-9]*)\s*\(`)

// leadingName is the expression's outer function, or its first operator.
func leadingName(expr string) string {
	if m := leading.FindStringSubmatch(expr); m != nil {
		return strings.ToUpper(m[1])
	}
	e := stripStrings(expr)
	for _, op := range []string{" DIV ", " MOD ", "<=>", "<<", ">>", ">=", "<=", "<>", "!=", " NOT LIKE ", " LIKE ", " NOT IN ", " IN ", " BETWEEN ", " IS ", " XOR ", " AND ", " OR ", "||", "&&", "+", "-", "*", "/", "%", "&", "|", "^", "~", "=", "<", ">", "CASE", "INTERVAL"} {
		if strings.Contains(strings.ToUpper(e), op) {
			return "operator " + strings.TrimSpace(op)
		}
	}
	return "other"
}
