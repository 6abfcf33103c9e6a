package partition

import "sync/atomic"

// Stats are a loop's counters, safe to read from any goroutine.
type Stats struct {
	In           atomic.Uint64 // records received (markers excluded)
	Out          atomic.Uint64 // records published
	DeadLettered atomic.Uint64 // records sent to the dead-letter subject
	Late         atomic.Uint64 // late records dropped or dead-lettered
	Watermark    atomic.Int64  // current watermark, epoch ms
}
