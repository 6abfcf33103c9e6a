// Package partition runs velort's hot loops: one goroutine per (query,
// source partition), each a synchronous sequence of
// receive → decode → execute → publish → (ack), with no channel, lock or
// goroutine between the query's operators. It also owns how records are
// assigned to partitions (the key hash), dead-lettering, end-of-input
// markers and the loop's counters.
//
// Invariants: a Loop's pipeline, decoder, encoder and buffers are touched
// only by the Loop's goroutine; counters are atomics read by metrics and
// status from other goroutines.
package partition
