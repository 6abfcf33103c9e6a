package transport

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// EnsureStream makes sure a JetStream stream named name stores every
// subject in subjects: it is created if missing (file storage, limits
// retention, the given duplicate window); an existing stream is used as it
// is when its subjects cover ours, and is an error otherwise.
func (c *Conn) EnsureStream(name string, subjects []string, dedup time.Duration) error {
	js, err := c.NC.JetStream()
	if err != nil {
		return err
	}
	info, err := js.StreamInfo(name)
	switch {
	case errors.Is(err, nats.ErrStreamNotFound):
		_, err = js.AddStream(&nats.StreamConfig{
			Name: name, Subjects: subjects, Storage: nats.FileStorage,
			Retention: nats.LimitsPolicy, Duplicates: dedup,
		})
		if err != nil {
			return fmt.Errorf("creating JetStream stream %s on %s: %w", name, strings.Join(subjects, ", "), err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("JetStream stream %s: %w", name, err)
	}
	for _, s := range subjects {
		if !anyCovers(info.Config.Subjects, s) {
			return fmt.Errorf("JetStream stream %s exists with subjects %s, which do not cover %s", name, strings.Join(info.Config.Subjects, ", "), s)
		}
	}
	return nil
}

func anyCovers(patterns []string, subject string) bool {
	for _, p := range patterns {
		if SubjectCovers(p, subject) {
			return true
		}
	}
	return false
}

// SubjectCovers reports whether every subject matching sub also matches
// pattern (NATS wildcards: * one token, > the rest).
func SubjectCovers(pattern, sub string) bool {
	pt, st := strings.Split(pattern, "."), strings.Split(sub, ".")
	for i, p := range pt {
		if p == ">" {
			return i < len(st)
		}
		if i >= len(st) {
			return false
		}
		switch {
		case p == "*":
			if st[i] == ">" {
				return false
			}
		case p != st[i]:
			return false
		}
	}
	return len(pt) == len(st)
}

// DurableConsumer binds a pull subscription to the durable consumer name
// on stream, filtered to subject. An existing consumer is recreated to
// start right after its acknowledged floor, so that after a crash input
// resumes in stream order at once instead of waiting for redelivery.
// startLatest applies only when the consumer does not exist yet.
func (c *Conn) DurableConsumer(stream, name, subject string, startLatest bool) (*nats.Subscription, error) {
	js, err := c.NC.JetStream()
	if err != nil {
		return nil, err
	}
	cfg := &nats.ConsumerConfig{
		Durable: name, FilterSubject: subject,
		AckPolicy: nats.AckAllPolicy, AckWait: time.Minute,
		MaxAckPending: -1, DeliverPolicy: nats.DeliverAllPolicy,
	}
	if startLatest {
		cfg.DeliverPolicy = nats.DeliverNewPolicy
	}
	if info, err := js.ConsumerInfo(stream, name); err == nil {
		cfg.DeliverPolicy = nats.DeliverByStartSequencePolicy
		cfg.OptStartSeq = info.AckFloor.Stream + 1
		if err := js.DeleteConsumer(stream, name); err != nil {
			return nil, fmt.Errorf("resetting consumer %s: %w", name, err)
		}
	} else if !errors.Is(err, nats.ErrConsumerNotFound) {
		return nil, fmt.Errorf("consumer %s on %s: %w", name, stream, err)
	}
	if _, err := js.AddConsumer(stream, cfg); err != nil {
		return nil, fmt.Errorf("creating consumer %s on %s: %w", name, stream, err)
	}
	return js.PullSubscribe(subject, name, nats.Bind(stream, name))
}

// StreamSeq parses the stream sequence from a JetStream message's reply
// subject ($JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.…, or the v2 form
// with domain and account hash) without allocating; 0 if it is not one.
func StreamSeq(reply string) uint64 {
	const prefix = "$JS.ACK."
	if !strings.HasPrefix(reply, prefix) {
		return 0
	}
	var toks [12]string
	n, start := 0, 0
	for i := 0; i <= len(reply) && n < len(toks); i++ {
		if i == len(reply) || reply[i] == '.' {
			toks[n] = reply[start:i]
			n++
			start = i + 1
		}
	}
	idx := 5 // $JS ACK stream consumer delivered sseq
	if n >= 12 {
		idx = 7 // $JS ACK domain account stream consumer delivered sseq
	}
	var seq uint64
	for _, ch := range toks[idx] {
		if ch < '0' || ch > '9' {
			return 0
		}
		seq = seq*10 + uint64(ch-'0')
	}
	return seq
}
