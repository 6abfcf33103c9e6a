package transport

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go"
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
			return fmt.Errorf("creating stream: %w", nats.ErrStreamNameAlreadyInUse)
		case 3:
			return nats.ErrNoResponders
		}
		return nil
	})
	if err != nil || calls != 4 {
		t.Fatalf("transient failures: %v after %d calls, want success after 4", err, calls)
	}
	calls = 0
	permanent := errors.New("subjects overlap with an existing stream")
	if err := retryJS(func() error { calls++; return permanent }); !errors.Is(err, permanent) || calls != 1 {
		t.Fatalf("permanent failure: %v after %d calls, want it at once", err, calls)
	}
}
