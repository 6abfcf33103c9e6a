// Package partition runs velort's hot loops: one goroutine per (query,
// source partition), each a synchronous sequence of
// receive → decode → execute → publish → (ack), with no channel, lock or
// goroutine between the query's operators. It also owns how records are
// assigned to partitions (the key hash), dead-lettering, end-of-input
// markers and the loop's counters.
//
// # Seams
//
// A Loop is three parts, each chosen once, never switched per record:
//
//   - An intake: where records come from (intake.go). coreIntake, a core
//     NATS subscription (intake_core.go); exchangeIntake, the second half
//     of a repartition, with one watermark per upstream partition
//     (intake_exchange.go); jsIntake, a durable JetStream pull consumer
//     (intake_jetstream.go); coreJoinIntake and joinDurable, both sides of
//     a join over core NATS or over JetStream in stored order
//     (intake_join.go, intake_join_jetstream.go). The Subscribe method
//     called picks it: Subscribe, SubscribePull or SubscribeJoinedPull.
//   - A processor: what runs each record, picked in New (Loop.processor):
//     processPlain (decode → execute → publish, loop.go), processChange (a
//     changelog input and its table of last rows, changelog.go),
//     processForward and processForwarded (the halves of a repartition,
//     repartition.go), processJoined and processRegular (interval and
//     regular joins, twosided*.go) and collect (micro-batches of a
//     batch-UDF query, microbatch.go).
//   - An outlet: where results go (outlet.go), picked in New. coreOutlet
//     (outlet_core.go); jsOutlet, JetStream with message ids a re-run
//     reproduces (outlet_jetstream.go); tableOutlet, a materialized table
//     and its KV change writer (outlet_table.go); the forwarder, the
//     exchange outlet of a repartition's first half, which forwards input
//     records to the partitions of their groups (outlet_exchange.go).
//
// Run is the same for every combination: take the next message from the
// intake, apply it if it is a control message (end-of-input marker,
// watermark heartbeat), else hand it to the processor, which publishes
// through the outlet. A new kind of source or sink is a new intake or
// outlet, not a new mode of the loop.
//
// # Invariants
//
// Publish before ack: an input is acknowledged (intake.commit,
// intake.checkpointed) only after the outlet confirmed its outputs
// (outlet.confirm: stored by JetStream, or handed to the connection) and
// its effect on state is durable — saved in a checkpoint, or, without
// checkpoints, every window it contributed to emitted (Config.AckAfter
// against the watermark). Acknowledgement is cumulative. A JetStream
// intake hands out each input once (redeliveries of inputs already
// processed are skipped) and the sequence of the current input names its
// outputs' message ids, so a re-run after a crash publishes the same ids
// and the sink keeps each output once (durable.go, checkpoint.go).
//
// Watermarks: a partition's watermark is the maximum event time seen less
// Config.Delay; after a repartition, the minimum of that over the
// upstream partitions (an idle upstream sends heartbeats, a finished one
// stops counting); for a join, the minimum over the two sides. It never
// moves back, and rows a watermark releases belong to no single input
// (their dead letters carry the output). An idle partition's watermark
// advances by wall-clock time after Config.Idle, except under Replay.
//
// Ownership (ownership.go) decides which (query, partition) units this
// process runs when several instances share a SQL file: leases with a TTL
// in a LeaseStore, a balanced assignment every instance computes alike,
// handover on join and leave, expiry on death, and self-fencing when
// renewals fail. Units are started and stopped through callbacks.
//
// Invariants of concurrency: a Loop's intake, processor, outlet, decoder,
// encoder and buffers are touched only by the Loop's goroutine; counters
// are atomics read by metrics and status from other goroutines. Core NATS
// loops take none of the JetStream paths.
package partition
