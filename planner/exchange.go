package planner

import (
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
)

// Repartitioning over JetStream (SPEC §2 "Composed queries": the whole
// graph is effectively once when a source is a JetStream stream).
//
// A query that groups (or ranks) by a key its FROM stream is not
// partitioned by needs its records moved to the partition of their key.
// Over core NATS the query's own two halves do it (partition/repartition.go:
// the first half forwards over core subjects, the second aggregates); they
// keep no message ids and no checkpoint of what is in flight, so over a
// JetStream source a crash between them would lose records. There the
// composer reads the FROM stream through a stage instead — SELECT * of it,
// a hidden JetStream stream partitioned by the group key — which the query
// then reads already partitioned: the stage's sink has message ids, both
// loops checkpoint, and a restart resumes each from its checkpoint like
// any stage of a composed query.

// durableExchange returns, for a query planned over an append-only
// JetStream stream that needs repartitioning, the column of that stream to
// partition a read-through stage by and its partitions (ok false: the
// query is left as planned). A changelog input keeps the core repartition:
// its first half leaves the JetStream input unacknowledged, and a restart
// rebuilds everything from the stream (docs/delivery.md).
func (c *composer) durableExchange(q *Query) (col string, parts int, ok bool) {
	if q.Source == nil || q.Source.JetStream == "" || len(c.renames) > 0 {
		return "", 0, false
	}
	return repartitionKey(q)
}

// rekeyStage partitions the append-only stage q reads by the key q
// groups or ranks by, when nothing else reads the stage yet, so that q
// needs no repartition: the stage's writers publish each record to its
// key's partition, and q reads their announced watermarks (a repartition's
// forward half would take the largest event time its interleaved writers
// reached as its progress, and close windows early).
func (c *composer) rekeyStage(q *Query) bool {
	s := q.Source
	if s == nil || !s.Hidden || s.View || s.Changelog {
		return false
	}
	col, parts, ok := repartitionKey(q)
	if !ok {
		return false
	}
	for _, o := range c.pl.Queries {
		if o == q {
			continue
		}
		for _, in := range o.sources() {
			if in == s {
				return false
			}
		}
	}
	i := s.Columns.Index(col)
	s.Partitions, s.Key, s.KeyIdx = parts, []string{s.Columns[i].Name}, []int{i}
	return !q.NeedsRepartition()
}

// repartitionKey returns, for an append-only query that must repartition,
// a column of its FROM stream to partition that stream by instead, and
// how many partitions.
func repartitionKey(q *Query) (col string, parts int, ok bool) {
	src := q.Source
	if q.inChangelog || q.regular != nil || q.interval != nil || !q.NeedsRepartition() {
		return "", 0, false
	}
	if q.Kind != "group" && q.Kind != "topn" {
		return "", 0, false
	}
	var keys []string
	switch {
	case q.shape != nil && q.shape.topn != nil:
		for _, k := range q.shape.topn.partition {
			keys = append(keys, k.String())
		}
	case q.shape != nil && q.shape.groupBy != nil:
		for _, k := range q.shape.groupBy.GroupByExprs {
			keys = append(keys, k.String())
		}
	}
	for _, k := range keys {
		if c := keyColumn(q, k); c != "" {
			return c, src.Partitions, true
		}
	}
	// No key is a plain column (a global aggregate or Top-N, or keys that
	// are expressions): every record to one partition, which is then the
	// one partition of the query.
	return src.Columns[0].Name, 1, true
}

// keyColumn is the column of q's FROM stream that the group key k (an
// expression's text as go-mysql-server writes it) names, or "".
func keyColumn(q *Query, k string) string {
	name := k
	if i := strings.LastIndexByte(k, '.'); i >= 0 {
		qual := k[:i]
		if !strings.EqualFold(qual, q.Source.Name) && (q.sourceAlias == "" || !strings.EqualFold(qual, q.sourceAlias)) {
			return ""
		}
		name = k[i+1:]
	}
	if i := q.Source.Columns.Index(name); i >= 0 {
		return q.Source.Columns[i].Name
	}
	return ""
}

// exchangeable reports whether each side of the regular join that needs
// repartitioning can be read through a stage partitioned by its join
// column: the key is a column, and the side is append-only or a changelog
// whose key is that column (a row of a key then never changes partition;
// a changelog partitioned by another column would leave a row's old
// version behind in its old partition).
func (s *regularSpec) exchangeable() bool {
	for i, side := range [2]*Stream{s.left, s.right} {
		if !s.repart[i] {
			continue
		}
		if s.joinColumn(i) == "" || side.Changelog && !isKeyColumn([2]sql.Expression{s.leftKey, s.rightKey}[i], side) {
			return false
		}
	}
	return true
}

// joinColumn is the column of side i that the join key is, or "".
func (s *regularSpec) joinColumn(i int) string {
	side := [2]*Stream{s.left, s.right}[i]
	gf, ok := [2]sql.Expression{s.leftKey, s.rightKey}[i].(*expression.GetField)
	if !ok || gf.Index() < 0 || gf.Index() >= len(side.Columns) {
		return ""
	}
	return side.Columns[gf.Index()].Name
}

// exchangeJoinSides makes the regular join of q (toks, its SELECT) read
// each side it must repartition over JetStream through a stage
// partitioned by the side's join column into the FROM stream's
// partitions: the join then needs no core-NATS forwarders, and every
// exchange is checkpointed and deduplicated.
func (c *composer) exchangeJoinSides(p *parser, q *Query, toks []token) bool {
	s := q.regular
	items := joinItems(toks)
	if len(items) != 2 || len(c.renames) > 0 {
		p.errorf(toks[0], "a join over JetStream streams not partitioned alike by the join column reads its sides through stages, which needs a FROM stream and one JOIN stream: expected both partitioned by the join column into the same partitions")
		return false
	}
	n := q.Source.Partitions
	for i, side := range [2]*Stream{s.left, s.right} {
		if !s.repart[i] {
			continue
		}
		at := -1
		for k, it := range items {
			if at < 0 && c.pl.Stream(toks[it].text) == side && (s.left != s.right || k == i) {
				at = it
			}
		}
		col := s.joinColumn(i)
		if at < 0 || col == "" {
			p.errorf(toks[0], "internal error: the join side %s to read through a stage was not found", side.Name)
			return false
		}
		if !c.readThroughAt(p, toks, at, "SELECT * FROM `%s`", n, col, c.exchangeName(side, col, n)) {
			return false
		}
	}
	return true
}

// joinItems is the token indexes of the stream names after the top-level
// FROM and JOIN of a SELECT.
func joinItems(toks []token) []int {
	var out []int
	depth := 0
	for i, t := range toks {
		switch {
		case isPunct(t, "("):
			depth++
		case isPunct(t, ")"):
			depth--
		case depth == 0 && (isKeyword(t, "FROM") || isKeyword(t, "JOIN")) && i+1 < len(toks) && toks[i+1].kind == tokIdent:
			out = append(out, i+1)
		}
	}
	return out
}

// exchangeName names the stage reading s partitioned by col into parts
// partitions: <s>_by_<col>, or <s>_all on one partition.
func (c *composer) exchangeName(s *Stream, col string, parts int) string {
	if parts == 1 {
		return c.uniqueName(s.Name + "_all")
	}
	return c.uniqueName(s.Name + "_by_" + col)
}
