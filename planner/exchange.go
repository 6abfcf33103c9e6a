package planner

import (
	"strings"
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
