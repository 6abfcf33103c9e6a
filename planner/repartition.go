package planner

import (
	"fmt"
	"strings"

	"github.com/velort/velort/runtime"
)

// NeedsRepartition reports whether the query groups by a key that does not
// contain the source's partition key over several partitions. Such a query
// runs in two halves joined by NATS: each source partition filters and
// forwards records to the partition their group key hashes to, and there
// one synchronous loop per partition aggregates (see partition/repartition.go).
func (q *Query) NeedsRepartition() bool {
	if q.Source.Partitions > 1 && q.shape != nil && q.shape.topn != nil {
		if parts := q.shape.topn.partition; parts != nil { // a Top-N per key
			var keys []string
			for _, k := range parts {
				keys = append(keys, k.String())
			}
			return !groupedByKey(q, keys)
		}
		return true // a global Top-N: every record to one partition
	}
	if q.Kind != "group" || q.Source.Partitions < 2 {
		return false
	}
	var keys []string
	for _, k := range q.shape.groupBy.GroupByExprs {
		keys = append(keys, k.String())
	}
	return !groupedByKey(q, keys)
}

// RepartitionSubject is the internal subject carrying records from source
// partition src to group partition target.
func (q *Query) RepartitionSubject(target, src int) string {
	return fmt.Sprintf("_velort.repart.%s.%d.%d", strings.ToLower(q.Name), target, src)
}

// RepartitionWildcard is what group partition target subscribes to.
func (q *Query) RepartitionWildcard(target int) string {
	return fmt.Sprintf("_velort.repart.%s.%d.*", strings.ToLower(q.Name), target)
}

// ForwardPipeline compiles the first half of a repartitioned query: the
// WHERE clause only, and the group key expressions to hash.
func (q *Query) ForwardPipeline(partition int, udfs UDFs) (*runtime.Pipeline, []runtime.Expr, error) {
	in := q.identityEnv(udfs)
	var filter runtime.Expr
	if q.shape.filter != nil {
		c, err := in.compile(q.shape.filter)
		if err != nil {
			return nil, nil, err
		}
		filter = c.fn
	}
	if t := q.shape.topn; t != nil && t.partition != nil { // a Top-N per key: by its PARTITION BY key
		var keys []runtime.Expr
		for _, k := range t.partition {
			c, err := in.compile(k)
			if err != nil {
				return nil, nil, err
			}
			keys = append(keys, c.fn)
		}
		return runtime.NewPipeline(filter, nil, nil, nil), keys, nil
	}
	if q.shape.topn != nil { // a constant key: every record to one partition
		return runtime.NewPipeline(filter, nil, nil, nil), []runtime.Expr{func(*runtime.Ctx, runtime.Row) runtime.Value { return runtime.Int(0) }}, nil
	}
	nSrc := q.rowWidth()
	var keys []runtime.Expr
	for _, k := range q.shape.groupBy.GroupByExprs {
		if isWindowColumn(k, nSrc) {
			continue
		}
		c, err := in.compile(k)
		if err != nil {
			return nil, nil, err
		}
		keys = append(keys, c.fn)
	}
	return runtime.NewPipeline(filter, nil, nil, nil), keys, nil
}
