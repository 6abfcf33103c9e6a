// Package partition runs velort's hot loops: one goroutine per (query,
// source partition), each a synchronous sequence of
// receive → decode → execute → publish → (ack), with no channel, lock or
// goroutine between the query's operators. It also owns how records are
// assigned to partitions (the key hash), dead-lettering, end-of-input
// markers and the loop's counters.
//
// For JetStream sources (durable.go, checkpoint.go) a loop fetches from a
// durable pull consumer, confirms what it published to JetStream sinks
// (republishing what was refused), and acknowledges inputs only once their
// effect is durable: at once for stateless queries, after an
// operator-state checkpoint (stage snapshot, watermark, last input's stream
// sequence, saved to a CheckpointStore) for stateful ones.
//
// Ownership (ownership.go) decides which (query, partition) units this
// process runs when several instances share a SQL file: leases with a TTL
// in a LeaseStore, a balanced assignment every instance computes alike,
// handover on join and leave, expiry on death, and self-fencing when
// renewals fail. Units are started and stopped through callbacks.
//
// Invariants: a Loop's pipeline, decoder, encoder and buffers are touched
// only by the Loop's goroutine; counters are atomics read by metrics and
// status from other goroutines. Core NATS loops take none of the
// JetStream paths.
package partition
