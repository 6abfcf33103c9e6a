package partition

import "sync/atomic"

// Stats are a loop's counters, safe to read from any goroutine.
type Stats struct {
	In           atomic.Uint64 // records received (markers excluded)
	Out          atomic.Uint64 // records published
	DeadLettered atomic.Uint64 // records sent to the dead-letter subject
	Late         atomic.Uint64 // late records dropped or dead-lettered
	Watermark    atomic.Int64  // current watermark, epoch ms

	// State (state_ttl.go): entries the partition's operators hold (groups
	// × windows, join rows, Top-N rows…) and those state_ttl forgot; noted
	// every 1 024 records, on idle ticks and at end of input.
	StateRows    atomic.Int64
	StateExpired atomic.Uint64

	// Overload and bad input that never stop the loop.
	Dropped   atomic.Uint64 // core NATS records dropped because the intake was full (nats.go slow consumer)
	Oversized atomic.Uint64 // outputs over the server's max_payload, dead-lettered instead
	Misrouted atomic.Uint64 // records on a partition subject their key does not hash to, dead-lettered
	// InternalErrors counts velort bugs met (a panic in an operator):
	// the record is dead-lettered (internal_error.go).
	InternalErrors atomic.Uint64

	// JetStream sources and sinks.
	Redelivered      atomic.Uint64 // inputs delivered more than once by JetStream
	SinkRetries      atomic.Uint64 // outputs published again after JetStream refused or did not confirm them
	Checkpoints      atomic.Uint64 // checkpoints saved
	CheckpointErrors atomic.Uint64 // checkpoint saves that failed (retried)
	CheckpointSeq    atomic.Uint64 // stream sequence the last checkpoint reflects
	CheckpointBytes  atomic.Int64  // size of the last checkpoint
	CheckpointAtMs   atomic.Int64  // when the last checkpoint was saved (epoch ms; 0: never)
}
