package planner

// Stream kinds (SPEC §2 "Changelogs: results that update"): every stream
// is append-only or a changelog with a key. The planner infers the kind of
// each query's input and output and wires the runtime accordingly.

// InputChangelog reports whether the query reads a changelog: each input
// record upserts or deletes the row of its key, and the partition loop
// runs it through Pipeline.ExecuteChange.
func (q *Query) InputChangelog() bool { return q.Source != nil && q.Source.Changelog }

// OutputChangelog reports whether the query's output is a changelog: its
// records carry Velort-Op and Velort-Key (Pipeline.Ops, Keys).
func (q *Query) OutputChangelog() bool { return q.outChangelog }

// OutputKey is the row key of a changelog output: names of output columns
// (group keys, then window_start and window_end for windowed EMIT
// CHANGES; the input's key for a stateless query over a changelog); empty
// for a global aggregate and for append-only outputs.
func (q *Query) OutputKey() []string { return q.outKey }

// SourceKeyCols returns the columns of the source schema forming the
// input row key, in key order, for a changelog input: the loop computes a
// record's key text from them (as partitioning does) when it has no
// Velort-Key header. nil when the input is append-only or the key is not
// in the payload.
func (q *Query) SourceKeyCols() []int {
	if !q.InputChangelog() || len(q.Source.KeyIdx) == 0 {
		return nil
	}
	return append([]int(nil), q.Source.KeyIdx...)
}
