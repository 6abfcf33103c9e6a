package transport

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func TestPublisher(t *testing.T) {
	e := startServer(t, nil)
	c := connect(t, e.ClientURL(), ConnOptions{})
	sub, err := c.SubscribeSync("pub.>")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	p := c.NewPublisher()
	if err := p.Publish("pub.plain", []byte(`{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	h := nats.Header{"Nats-Msg-Id": []string{"q1:0:7:0"}}
	if err := p.PublishWithHeaders("pub.hdr", []byte(`{"b":2}`), h); err != nil {
		t.Fatal(err)
	}
	m1, err := sub.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := sub.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if m1.Subject != "pub.plain" || string(m1.Data) != `{"a":1}` || len(m1.Header) != 0 {
		t.Fatalf("plain: %q %q %v", m1.Subject, m1.Data, m1.Header)
	}
	if m2.Subject != "pub.hdr" || string(m2.Data) != `{"b":2}` || m2.Header.Get("Nats-Msg-Id") != "q1:0:7:0" {
		t.Fatalf("headers: %q %q %v", m2.Subject, m2.Data, m2.Header)
	}
}

func TestPublishDoesNotAllocate(t *testing.T) {
	e := startServer(t, nil)
	c := connect(t, e.ClientURL(), ConnOptions{})
	p := c.NewPublisher()
	data := []byte(`{"order_id":1,"total_amount":150}`)
	if a := testing.AllocsPerRun(10000, func() { _ = p.Publish("nobody.listens", data) }); a != 0 {
		t.Fatalf("Publish allocates %v per message", a)
	}
}

func TestPublishDeadLetter(t *testing.T) {
	e := startServer(t, nil)
	c := connect(t, e.ClientURL(), ConnOptions{})
	sub, err := c.SubscribeSync("velort.dlq.trades")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	payload := []byte("not json {")
	hdr := map[string]string{
		"Velort-Error":          "not a JSON object",
		"Velort-Query":          "q1",
		"Velort-Source-Subject": "trades.2",
		"Velort-Partition":      "2",
	}
	if err := c.PublishDeadLetter("velort.dlq.trades", payload, hdr); err != nil {
		t.Fatal(err)
	}
	m, err := sub.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Data) != string(payload) {
		t.Fatalf("payload changed: %q", m.Data)
	}
	for k, v := range hdr {
		if got := m.Header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if len(m.Header) != len(hdr) {
		t.Errorf("headers = %v", m.Header)
	}
}

func BenchmarkPublish(b *testing.B) {
	e := startServer(b, nil)
	c := connect(b, e.ClientURL(), ConnOptions{})
	p := c.NewPublisher()
	data := []byte(`{"order_id":1,"customer_id":1,"order_date":"2024-01-15","total_amount":150}`)
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Publish("bench.publish", data); err != nil {
			b.Fatal(err)
		}
	}
	if err := c.Flush(30 * time.Second); err != nil {
		b.Fatal(err)
	}
}
