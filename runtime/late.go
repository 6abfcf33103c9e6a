package runtime

import (
	"fmt"
	"time"
)

// LateError is set in c.Err by a windowed stage for a record all of whose
// windows were already closed (window_end <= watermark). The stage's state
// is unchanged; the partition loop drops and counts the record, or sends it
// to the dead-letter subject with late = 'dlq'.
type LateError struct {
	EventTimeMs int64 // the record's event time
	WatermarkMs int64 // the stage's watermark when it arrived
	WindowEndMs int64 // end of the latest window the record belonged to
}

func (e *LateError) Error() string {
	return fmt.Sprintf("late record: event time %s is behind watermark %s (its last window ended at %s)",
		lateTime(e.EventTimeMs), lateTime(e.WatermarkMs), lateTime(e.WindowEndMs))
}

func lateTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

// LateCounter is implemented by stages that reject late records.
type LateCounter interface {
	// LateCount is the number of records rejected as late so far.
	LateCount() int64
}
