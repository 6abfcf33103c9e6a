package transport

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
)

// jsAttempts bounds retryJS: about 6 s of backoff in all.
const jsAttempts = 6

// retryJS runs a JetStream administrative operation (stream or bucket
// lookup and creation), retrying the failures that are transient when
// several clients set up the same things at once on a cluster: a request
// that times out (a stream info sent while another client creates that
// stream can go unanswered), finds no responder (a stream just created and
// not yet placed), or a create that loses the race.
func retryJS(f func() error) error {
	wait := 100 * time.Millisecond
	var err error
	for range jsAttempts {
		if err = f(); err == nil || !transientJS(err) {
			return err
		}
		time.Sleep(wait)
		wait *= 2
	}
	return err
}

func transientJS(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || // a stream just created, not yet placed
		errors.Is(err, nats.ErrStreamNameAlreadyInUse) || errors.Is(err, nats.ErrConsumerNameAlreadyInUse)
}
