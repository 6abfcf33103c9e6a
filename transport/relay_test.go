package transport

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

var relayPayload = []byte(`{"order_id":1,"customer_id":1,"order_date":"2024-01-15","total_amount":150}`)

func TestRunRelayDeliversExactlyN(t *testing.T) {
	e := startServer(t, nil)
	c := connect(t, e.ClientURL(), ConnOptions{})
	watch := connect(t, e.ClientURL(), ConnOptions{})
	var count int
	done := make(chan struct{})
	sub, err := watch.Subscribe("relay.out", func(m *nats.Msg) {
		if string(m.Data) != string(relayPayload) {
			panic("payload changed in relay")
		}
		count++
		if count == 1 {
			close(done)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := watch.Flush(5 * time.Second); err != nil {
		t.Fatal(err)
	}

	const n = 30_000 // above the 16 Ki flow-control window
	elapsed, err := RunRelay(c.NC, "relay.in", "relay.out", n, relayPayload)
	if err != nil {
		t.Fatal(err)
	}
	if elapsed <= 0 {
		t.Fatalf("elapsed = %v", elapsed)
	}
	<-done
	if err := c.Flush(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := watch.Flush(5 * time.Second); err != nil { // everything sent to watch has arrived
		t.Fatal(err)
	}
	waitFor(t, "watcher queue to empty", func() bool { p, _, _ := sub.Pending(); return p == 0 })
	if err := sub.Drain(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "watcher drained", func() bool { return !sub.IsValid() })
	if count != n {
		t.Fatalf("relay delivered %d messages, want exactly %d", count, n)
	}
}

func TestRunRelayConns(t *testing.T) {
	e := startServer(t, nil)
	prod := connect(t, e.ClientURL(), ConnOptions{})
	rel := connect(t, e.ClientURL(), ConnOptions{})
	sink := connect(t, e.ClientURL(), ConnOptions{})
	if _, err := RunRelayConns(prod.NC, rel.NC, sink.NC, "r3.in", "r3.out", 20_000, relayPayload); err != nil {
		t.Fatal(err)
	}
	if d, err := RunRelay(prod.NC, "r0.in", "r0.out", 0, relayPayload); d != 0 || err != nil {
		t.Fatalf("n=0: %v %v", d, err)
	}
}

// BenchmarkRelay is the do-nothing relay ceiling (subscribe → republish).
func BenchmarkRelay(b *testing.B) {
	for _, conns := range []int{1, 3} {
		name := map[int]string{1: "conns=1", 3: "conns=3"}[conns]
		b.Run(name, func(b *testing.B) {
			e := startServer(b, nil)
			cs := make([]*nats.Conn, 3)
			for i := range cs {
				if i < conns {
					cs[i] = connect(b, e.ClientURL(), ConnOptions{}).NC
				} else {
					cs[i] = cs[0]
				}
			}
			b.ResetTimer()
			elapsed, err := RunRelayConns(cs[0], cs[1], cs[2], "bench.in", "bench.out", b.N, relayPayload)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
		})
	}
}
