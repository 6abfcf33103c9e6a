package planner

import (
	"fmt"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"

	"github.com/velort/velort/runtime"
)

// Top-N: SELECT … FROM s [WHERE …] [GROUP BY … [HAVING …]] ORDER BY e1
// [DESC], … LIMIT n at the top of a continuous query is a changelog of the
// n rows the batch query returns (runtime.NewTopN). Its key: over an
// append-only input (or an EMIT FINAL GROUP BY of one) the arrival number
// of the row in its partition; over a changelog the input's key; over a
// GROUP BY with EMIT CHANGES the group key. With several source partitions
// every record is forwarded to one partition (the repartition machinery
// with a constant key), since a global Top-N needs all rows in one place.

// topnShape is the ORDER BY … LIMIT of a query.
type topnShape struct {
	limit  int64
	fields sql.SortFields
	// level: the fields read the output of inner[level] (the stage's or
	// the source's when level == len(inner)); -1: the top projection's.
	level int
	// partition: PARTITION BY of a ROW_NUMBER() Top-N (topn_rank.go),
	// over the source row: each key's first limit rows; nil: one ranking.
	partition []sql.Expression
}

// topnLimit reads LIMIT's count: a non-negative integer literal.
func topnLimit(e sql.Expression) (int64, error) {
	lit, ok := e.(*expression.Literal)
	if !ok {
		return 0, fmt.Errorf("LIMIT %s: expected a number", e)
	}
	switch v := lit.Value().(type) {
	case int8:
		return int64(v), nil
	case int16:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case int64:
		return v, nil
	case uint8:
		return int64(v), nil
	case uint16:
		return int64(v), nil
	case uint32:
		return int64(v), nil
	case uint64:
		if v <= 1<<62 {
			return int64(v), nil
		}
	}
	return 0, fmt.Errorf("LIMIT %s: expected a number", e)
}

// topnArrivalKey names the key of a Top-N over an append-only input.
const topnArrivalKey = "arrival number"

// topnBounded: no ranked row is ever retracted, so only the top n are kept
// and rows are keyed by arrival.
func (q *Query) topnBounded() bool {
	return !q.inChangelog && (q.Kind != "group" || q.Emit == runtime.EmitFinal)
}

// refuseTopN refuses the Top-N shapes velort does not run.
func (q *Query) refuseTopN(p *parser) *Error {
	t := q.shape.topn
	if t == nil {
		return nil
	}
	at := q.pos
	if tok, ok := firstKeyword(p.queryTokens(), "ORDER"); ok {
		at = tok.start
	} else if tok, ok := firstKeyword(p.queryTokens(), "LIMIT"); ok {
		at = tok.start
	}
	switch {
	case q.join != nil || len(q.sources()) > 1:
		return p.src.errorAt(at, "ORDER BY … LIMIT over a join is not supported yet: expected ORDER BY … LIMIT over one stream, or over a GROUP BY of it")
	case q.Kind == "rows":
		return p.src.errorAt(at, "ORDER BY … LIMIT over row frames (OVER) is not supported: expected ORDER BY … LIMIT over a stream, or over a GROUP BY of it")
	case q.Kind != "group" && q.inChangelog && q.Source.Partitions > 1 && q.Source.changelogKeyIdx == nil:
		return p.src.errorAt(at, "ORDER BY … LIMIT over changelog %s with %d partitions: its key is not in its rows, so the partition that ranks every row could not tell them apart; expected a changelog whose key columns are in its rows, or one partition", q.Source.Name, q.Source.Partitions)
	}
	return nil
}

// topnFields returns the ORDER BY expressions written over the stage's
// output (a GROUP BY's) or the source row, and which are DESC.
func (q *Query) topnFields() ([]sql.Expression, []bool) {
	sh := q.shape
	t := sh.topn
	exprs := make([]sql.Expression, len(t.fields))
	desc := make([]bool, len(t.fields))
	for i, f := range t.fields {
		e := f.Column
		if t.level < 0 {
			e = inlineLevel(e, sh.project)
			e = inlineLevels(e, sh.inner)
		} else {
			e = inlineLevels(e, sh.inner[t.level:])
		}
		if a, ok := e.(*expression.Alias); ok {
			e = a.Child
		}
		exprs[i], desc[i] = e, f.Order == sql.Descending
	}
	return exprs, desc
}

// topnStage wraps the query's stage (a GROUP BY, or nil) in a Top-N.
// stageEnv sees the rows the Top-N ranks; having (a GROUP BY's HAVING)
// moves from the pipeline into the Top-N, which applies it to the group's
// rows before ranking them.
func (q *Query) topnStage(inner runtime.Stage, stageEnv *exprEnv, having runtime.Expr) (runtime.Stage, int, error) {
	exprs, desc := q.topnFields()
	keys := make([]runtime.Expr, len(exprs))
	for i, e := range exprs {
		c, err := stageEnv.compile(e)
		if err != nil {
			return nil, 0, &clauseError{clause: "ORDER", err: fmt.Errorf("ORDER BY %s: %w", e, err)}
		}
		keys[i] = c.fn
	}
	cfg := runtime.TopNConfig{N: q.shape.topn.limit, Keys: keys, Desc: desc, Inner: inner, Having: having, Bounded: q.topnBounded()}
	if inner != nil {
		cfg.Width = q.nKeys + q.nAggs + 2
		cfg.RowKey = groupOutKey(q.nKeys, q.nAggs, q.Window.Kind != runtime.NoWindow)
	} else {
		cfg.Width = len(q.shape.inSchema)
		if idx := q.Source.changelogKeyIdx; q.inChangelog && idx != nil {
			idx = append([]int{}, idx...)
			cfg.RowKey = func(dst []byte, r runtime.Row) []byte {
				for i, c := range idx {
					if i > 0 {
						dst = append(dst, '|')
					}
					dst = runtime.AppendChangeKey(dst, r[c])
				}
				return dst
			}
		}
	}
	if parts := q.shape.topn.partition; parts != nil {
		by := make([]runtime.Expr, len(parts))
		for i, e := range parts {
			c, err := stageEnv.compile(e)
			if err != nil {
				return nil, 0, &clauseError{clause: "PARTITION", err: fmt.Errorf("PARTITION BY %s: %w", e, err)}
			}
			by[i] = c.fn
		}
		return runtime.NewKeyedTopN(cfg, by), cfg.Width, nil
	}
	return runtime.NewTopN(cfg), cfg.Width, nil
}

// topnOutputKey names the key of a Top-N's changelog output (inferKinds).
func (q *Query) topnOutputKey() ([]string, []int) {
	switch {
	case q.topnBounded():
		return []string{topnArrivalKey}, []int{-1}
	case q.shape.topn.partition != nil:
		// The PARTITION BY key's text, then the input's key (runtime
		// keyedTopN): the key of a row in its key's ranking.
		key, cols := []string{"PARTITION BY key"}, []int{-1}
		for _, k := range q.Source.ChangelogKey {
			key, cols = append(key, k), append(cols, -1)
		}
		return key, cols
	case q.Kind == "group":
		return q.groupOutputKey()
	}
	return nil, nil // the input's key: inferKinds' default
}

// topnExplain describes the Top-N for explain.
func (q *Query) topnExplain() string {
	t := q.shape.topn
	exprs, desc := q.topnFields()
	parts := make([]string, len(exprs))
	for i, e := range exprs {
		parts[i] = e.String()
		if desc[i] {
			parts[i] += " DESC"
		}
	}
	what := "the live rows (every one kept)"
	if q.topnBounded() {
		what = "rows keyed by arrival number (the top n kept)"
	} else if q.Kind == "group" {
		what = "the groups (keyed by group key)"
	}
	text := fmt.Sprintf("  top-n: ORDER BY %s LIMIT %d over %s; ties: earlier arrival first\n", strings.Join(parts, ", "), t.limit, what)
	if t.partition != nil {
		var by []string
		for _, e := range t.partition {
			by = append(by, e.String())
		}
		text = fmt.Sprintf("  top-n per key: ROW_NUMBER() OVER (PARTITION BY %s ORDER BY %s) <= %d over %s; ties: earlier arrival first\n", strings.Join(by, ", "), strings.Join(parts, ", "), t.limit, what)
		if q.NeedsRepartition() {
			text += fmt.Sprintf("  top-n over %d partitions: records forwarded to the partition of their PARTITION BY key through NATS (%s …)\n", q.Source.Partitions, q.RepartitionWildcard(0))
		}
		return text
	}
	if q.NeedsRepartition() {
		text += fmt.Sprintf("  top-n over %d partitions: every record forwarded to one partition through NATS (%s …), which ranks them all\n", q.Source.Partitions, q.RepartitionWildcard(0))
		if q.RepartitionNormalizes() {
			text += "  repartition, first half: keeps the last row per input key and forwards each change as a retraction of the old row and an insertion of the new one\n"
		}
	}
	return text
}

// Warnings are what check reports about the query without refusing it
// (file:line:col: text).
func (q *Query) Warnings() []string { return q.warnings }

// warnOrderNoLimit notes an ORDER BY without LIMIT, which SPEC §2 accepts
// with a warning: a continuous result has no order, so it is ignored.
func (q *Query) warnOrderNoLimit(p *parser) {
	if !q.shape.orderNoLimit {
		return
	}
	at := q.pos
	if tok, ok := firstKeyword(p.queryTokens(), "ORDER"); ok {
		at = tok.start
	}
	e := p.src.errorAt(at, "ORDER BY without LIMIT does not order a continuous query's output (rows are published as they are computed): ignored; expected ORDER BY … LIMIT n for the top n rows")
	q.warnings = append(q.warnings, e.Error())
}
