// Package runtime owns velort's execution model: the record layout (typed
// value slots), the compiled expression type, the streaming operators and
// their per-partition state, JSON decoding and encoding of records, and the
// synchronous Execute API a partition loop calls once per input record.
//
// Invariants:
//   - runtime knows nothing of NATS or SQL text; plans arrive compiled from
//     the planner package.
//   - Nothing here starts a goroutine or takes a lock: one partition's plan
//     is driven by exactly one goroutine.
//   - On filter/projection paths, decoding, executing and encoding a record
//     allocate nothing in steady state. Byte slices in a Value alias the
//     input message or the partition's Arena and are valid only until the
//     next record is executed.
package runtime
