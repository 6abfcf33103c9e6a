package transport

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestRetryJS: timeouts and lost create races are retried until success;
// other errors return at once.
func TestRetryJS(t *testing.T) {
	calls := 0
	err := retryJS(func() error {
		calls++
		switch calls {
		case 1:
			return fmt.Errorf("stream info: %w", context.DeadlineExceeded)
		case 2:
			return errors.New("nats: stream name already in use with a different configuration")
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("transient failures: %v after %d calls, want success after 3", err, calls)
	}
	calls = 0
	permanent := errors.New("subjects overlap with an existing stream")
	if err := retryJS(func() error { calls++; return permanent }); !errors.Is(err, permanent) || calls != 1 {
		t.Fatalf("permanent failure: %v after %d calls, want it at once", err, calls)
	}
}
