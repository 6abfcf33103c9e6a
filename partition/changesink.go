package partition

import "github.com/velort/velort/runtime"

// ChangeWriter receives, besides the in-memory table, each output of a
// materialized table whose query's output is a changelog (Sink.Changes):
// its op, its Velort-Key text and its JSON payload. The byte slices are
// valid only during the call. It may be called by several partitions'
// loops at once.
type ChangeWriter interface {
	WriteChange(op runtime.Op, key, payload []byte) error
}
