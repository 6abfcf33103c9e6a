package transport

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

const (
	relayBatch   = 1024             // messages per flow-control credit
	relayCredits = 16               // credits in flight: 16 Ki messages ahead at most
	relayStall   = 10 * time.Second // no progress for this long fails the run
)

// RunRelay measures the do-nothing relay ceiling on one connection: it
// publishes n copies of payload on in, relays each one to out from a single
// goroutine (sync subscription NextMsg → Publish), and returns the time
// from the first publish until the n-th arrival on out.
func RunRelay(nc *nats.Conn, in, out string, n int, payload []byte) (time.Duration, error) {
	return RunRelayConns(nc, nc, nc, in, out, n, payload)
}

// RunRelayConns is RunRelay with the producer, the relay and the sink each
// on its own connection (they may be the same). The producer is
// flow-controlled so no subscription queue overflows.
func RunRelayConns(producer, relay, sink *nats.Conn, in, out string, n int, payload []byte) (time.Duration, error) {
	if n <= 0 {
		return 0, nil
	}
	inSub, err := relay.SubscribeSync(in)
	if err != nil {
		return 0, fmt.Errorf("relay: subscribe %s: %w", in, err)
	}
	defer inSub.Unsubscribe()
	outSub, err := sink.SubscribeSync(out)
	if err != nil {
		return 0, fmt.Errorf("relay: subscribe %s: %w", out, err)
	}
	defer outSub.Unsubscribe()
	for _, s := range []*nats.Subscription{inSub, outSub} {
		if err := s.SetPendingLimits(-1, -1); err != nil {
			return 0, err
		}
	}
	for _, c := range []*nats.Conn{relay, sink} {
		if err := c.Flush(); err != nil { // subscriptions registered before the first publish
			return 0, fmt.Errorf("relay: flush: %w", err)
		}
	}

	credits := make(chan struct{}, relayCredits)
	for range relayCredits {
		credits <- struct{}{}
	}
	var arrived atomic.Int64
	errc := make(chan error, 2) // buffered: neither goroutine blocks after we return

	go func() { // relay
		for i := 0; i < n; i++ {
			m, err := inSub.NextMsg(relayStall)
			if err != nil {
				errc <- fmt.Errorf("relay: receive %s after %d: %w", in, i, err)
				return
			}
			if err := relay.Publish(out, m.Data); err != nil {
				errc <- fmt.Errorf("relay: publish %s: %w", out, err)
				return
			}
		}
		if err := relay.Flush(); err != nil {
			errc <- fmt.Errorf("relay: flush: %w", err)
		}
	}()

	go func() { // sink
		for i := 1; i <= n; i++ {
			if _, err := outSub.NextMsg(relayStall); err != nil {
				errc <- fmt.Errorf("relay: %d of %d arrived on %s: %w", i-1, n, out, err)
				return
			}
			arrived.Store(int64(i))
			if i%relayBatch == 0 {
				select {
				case credits <- struct{}{}:
				default:
				}
			}
		}
		errc <- nil
	}()

	start := time.Now()
	for i := 0; i < n; i++ {
		if i%relayBatch == 0 {
			select {
			case <-credits:
			case err := <-errc:
				return 0, orStalled(err)
			case <-time.After(relayStall):
				return 0, fmt.Errorf("relay: stalled at %d of %d arrivals", arrived.Load(), n)
			}
		}
		if err := producer.Publish(in, payload); err != nil {
			return 0, fmt.Errorf("relay: publish %s: %w", in, err)
		}
	}
	if err := producer.Flush(); err != nil {
		return 0, fmt.Errorf("relay: flush: %w", err)
	}
	for {
		err := <-errc
		if err != nil {
			return 0, err
		}
		if arrived.Load() == int64(n) {
			return time.Since(start), nil
		}
	}
}

func orStalled(err error) error {
	if err == nil {
		return errors.New("relay: finished early")
	}
	return err
}
