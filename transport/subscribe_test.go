package transport

import (
	"bytes"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// bigBacklog is more than nats.go's default 64 MiB pending-bytes limit.
const (
	bigMsgSize  = 1_000_000
	bigMsgCount = 72
)

func publishBacklog(t *testing.T, c *Conn, subject string) {
	t.Helper()
	payload := bytes.Repeat([]byte{'x'}, bigMsgSize)
	for i := 0; i < bigMsgCount; i++ {
		payload[0] = byte(i)
		if err := c.NC.Publish(subject, payload); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Flush(30 * time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestSubscribeSyncUnlimitedPending(t *testing.T) {
	e := startServer(t, nil)
	c := connect(t, e.ClientURL(), ConnOptions{})
	sub, err := c.SubscribeSync("backlog.sync")
	if err != nil {
		t.Fatal(err)
	}
	if msgs, bytes, _ := sub.PendingLimits(); msgs != -1 || bytes != -1 {
		t.Fatalf("pending limits = %d msgs, %d bytes; want unlimited", msgs, bytes)
	}
	publishBacklog(t, c, "backlog.sync") // nothing read yet
	waitFor(t, "backlog to arrive", func() bool { n, _, _ := sub.Pending(); return n == bigMsgCount })
	for i := 0; i < bigMsgCount; i++ {
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if m.Data[0] != byte(i) || len(m.Data) != bigMsgSize {
			t.Fatalf("message %d out of order or truncated", i)
		}
	}
	if d, _ := sub.Dropped(); d != 0 || c.SlowConsumers() != 0 {
		t.Fatalf("dropped=%d slowConsumers=%d", d, c.SlowConsumers())
	}
}

func TestSubscribeUnlimitedPending(t *testing.T) {
	e := startServer(t, nil)
	c := connect(t, e.ClientURL(), ConnOptions{})
	release := make(chan struct{})
	got := make(chan byte, bigMsgCount)
	sub, err := c.Subscribe("backlog.async", func(m *nats.Msg) {
		<-release // the handler is stuck until the whole backlog is queued
		got <- m.Data[0]
	})
	if err != nil {
		t.Fatal(err)
	}
	if msgs, bytes, _ := sub.PendingLimits(); msgs != -1 || bytes != -1 {
		t.Fatalf("pending limits = %d msgs, %d bytes; want unlimited", msgs, bytes)
	}
	publishBacklog(t, c, "backlog.async")
	waitFor(t, "backlog to queue", func() bool { n, _, _ := sub.Pending(); return n >= bigMsgCount-1 })
	close(release)
	for i := 0; i < bigMsgCount; i++ {
		select {
		case b := <-got:
			if b != byte(i) {
				t.Fatalf("message %d out of order (%d)", i, b)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("only %d of %d messages delivered", i, bigMsgCount)
		}
	}
	if c.SlowConsumers() != 0 {
		t.Fatalf("slowConsumers=%d", c.SlowConsumers())
	}
}

func TestSlowConsumerCounted(t *testing.T) {
	e := startServer(t, nil)
	c := connect(t, e.ClientURL(), ConnOptions{SyncQueueLen: 8})
	sub, err := c.SubscribeSync("slow")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if err := c.NC.Publish("slow", []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Flush(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "slow consumer event", func() bool { return c.SlowConsumers() >= 1 })
	if d, _ := sub.Dropped(); d == 0 {
		t.Fatal("no drop recorded on the subscription")
	}
}
