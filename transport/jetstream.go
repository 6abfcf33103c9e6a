package transport

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// EnsureStream makes sure a JetStream stream named name stores every
// subject in subjects: it is created if missing (file storage, limits
// retention, the given duplicate window); an existing stream is used as it
// is when its subjects cover ours, and is an error otherwise. With a
// transform (a wildcard subject partitioned by NATS, see
// PartitionTransform; nil: none) the stream is created with it, and an existing
// stream must have the same one.
func (c *Conn) EnsureStream(name string, subjects []string, dedup time.Duration, transform ...*SubjectTransform) error {
	var tr *SubjectTransform
	if len(transform) > 0 {
		tr = transform[0]
	}
	return retryJS(func() error { return c.ensureStream(name, subjects, dedup, tr) })
}

func (c *Conn) ensureStream(name string, subjects []string, dedup time.Duration, tr *SubjectTransform) error {
	js, err := c.NC.JetStream()
	if err != nil {
		return err
	}
	info, err := js.StreamInfo(name)
	switch {
	case errors.Is(err, nats.ErrStreamNotFound):
		cfg := &nats.StreamConfig{
			Name: name, Subjects: subjects, Storage: nats.FileStorage,
			Retention: nats.LimitsPolicy, Duplicates: dedup,
		}
		if tr != nil {
			cfg.SubjectTransform = &nats.SubjectTransformConfig{Source: tr.Source, Destination: tr.Destination}
		}
		_, err = js.AddStream(cfg)
		if err != nil {
			if tr != nil {
				return fmt.Errorf("creating JetStream stream %s on %s with the subject transform %s -> %s (nats-server 2.10 or later): %w", name, strings.Join(subjects, ", "), tr.Source, tr.Destination, err)
			}
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
	if tr != nil {
		if have := info.Config.SubjectTransform; have == nil || have.Source != tr.Source || have.Destination != tr.Destination {
			now := "no subject transform"
			if have != nil {
				now = fmt.Sprintf("the subject transform %s -> %s", have.Source, have.Destination)
			}
			return fmt.Errorf("JetStream stream %s exists with %s, but velort partitions it by the transform %s -> %s: "+
				"name a new stream (jetstream = '…') for velort to create, or give the stream the transform (nats stream edit %s --transform-source '%s' --transform-destination '%s'; messages stored before are not partitioned and not read)",
				name, now, tr.Source, tr.Destination, name, tr.Source, tr.Destination)
		}
	}
	return nil
}

// SubjectTransform is a JetStream stream's subject transform (nats-server
// 2.10+): a message published to a subject matching Source is stored
// under Destination, where {{wildcard(i)}} is the i-th '*' of Source and
// {{partition(n,i,j,…)}} the partition NATS hashes those wildcards to.
type SubjectTransform struct {
	Source, Destination string
}

// PartitionTransform returns the transform that partitions a wildcard
// subject n ways by the given subject tokens (1-based positions in
// subject, each a '*'): every token is kept and the partition number is
// appended as one more token, so 'plant.*.sensor.*' by token 4 stores
// plant.north.sensor.d7 as plant.north.sensor.d7.<p>, p the partition
// PartitionOfString("d7", n) gives. Consumers filter their partition with
// StoredPattern. Subjects with '>' cannot be transformed so.
func PartitionTransform(subject string, n int, tokens []int) (SubjectTransform, error) {
	toks := strings.Split(subject, ".")
	wild := make([]int, len(toks)) // token position -> wildcard index (1-based), 0: literal
	dest := make([]string, len(toks))
	w := 0
	for i, t := range toks {
		switch t {
		case ">":
			return SubjectTransform{}, fmt.Errorf("subject %q ends in '>': NATS's partition function hashes '*' tokens only", subject)
		case "*":
			w++
			wild[i] = w
			dest[i] = fmt.Sprintf("{{wildcard(%d)}}", w)
		default:
			dest[i] = t
		}
	}
	args := []string{strconv.Itoa(n)}
	for _, k := range tokens {
		if k < 1 || k > len(toks) || wild[k-1] == 0 {
			return SubjectTransform{}, fmt.Errorf("token %d of subject %q is not a '*'", k, subject)
		}
		args = append(args, strconv.Itoa(wild[k-1]))
	}
	if len(tokens) == 0 {
		return SubjectTransform{}, fmt.Errorf("no token to partition subject %q by", subject)
	}
	return SubjectTransform{
		Source:      subject,
		Destination: strings.Join(dest, ".") + ".{{partition(" + strings.Join(args, ",") + ")}}",
	}, nil
}

// StoredPattern is the subject pattern of what PartitionTransform stores:
// subject with a {partition} token appended (a partition's consumer
// filters subject.<p>).
func StoredPattern(subject string) string { return subject + "." + PartitionToken }

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

// ConsumerOptions says where a durable consumer starts and how long an
// unacknowledged message waits before redelivery.
type ConsumerOptions struct {
	// StartSeq > 0 starts at that stream sequence (a checkpoint's next
	// input), replacing any existing consumer. 0 resumes an existing
	// consumer right after its acknowledged floor, or starts a new one at
	// the beginning of the stream (or, with StartLatest, at new messages).
	StartSeq    uint64
	StartLatest bool
	// AckWait defaults to a minute.
	AckWait time.Duration
}

// DurableConsumer binds a pull subscription to the durable consumer name
// on stream, filtered to subject. An existing consumer is recreated to
// start right after its acknowledged floor, so that after a crash input
// resumes in stream order at once instead of waiting for redelivery.
// startLatest applies only when the consumer does not exist yet.
func (c *Conn) DurableConsumer(stream, name, subject string, startLatest bool) (*nats.Subscription, error) {
	return c.DurableConsumerWith(stream, name, subject, ConsumerOptions{StartLatest: startLatest})
}

// DurableConsumerWith is DurableConsumer with an explicit start (see
// ConsumerOptions). The consumer acknowledges cumulatively (AckAll) and
// has no limit on pending acknowledgements, so delivery never stalls on
// velort's own acknowledgements.
func (c *Conn) DurableConsumerWith(stream, name, subject string, o ConsumerOptions) (*nats.Subscription, error) {
	js, err := c.NC.JetStream()
	if err != nil {
		return nil, err
	}
	wait := o.AckWait
	if wait <= 0 {
		wait = time.Minute
	}
	cfg := &nats.ConsumerConfig{
		Durable: name, FilterSubject: subject,
		AckPolicy: nats.AckAllPolicy, AckWait: wait,
		MaxAckPending: -1, DeliverPolicy: nats.DeliverAllPolicy,
	}
	if o.StartLatest {
		cfg.DeliverPolicy = nats.DeliverNewPolicy
	}
	// Each step is retried alone: a retried whole could lose the
	// acknowledged floor read before a delete.
	var info *nats.ConsumerInfo
	err = retryJS(func() error {
		var err error
		info, err = js.ConsumerInfo(stream, name)
		if errors.Is(err, nats.ErrConsumerNotFound) {
			info, err = nil, nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("consumer %s on %s: %w", name, stream, err)
	}
	if info != nil {
		cfg.DeliverPolicy = nats.DeliverByStartSequencePolicy
		cfg.OptStartSeq = info.AckFloor.Stream + 1
		err := retryJS(func() error {
			err := js.DeleteConsumer(stream, name)
			if errors.Is(err, nats.ErrConsumerNotFound) {
				return nil
			}
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("resetting consumer %s: %w", name, err)
		}
	}
	if o.StartSeq > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = nats.DeliverByStartSequencePolicy, o.StartSeq
	}
	if err := retryJS(func() error { _, err := js.AddConsumer(stream, cfg); return err }); err != nil {
		return nil, fmt.Errorf("creating consumer %s on %s: %w", name, stream, err)
	}
	return js.PullSubscribe(subject, name, nats.Bind(stream, name))
}

// StreamSeq parses the stream sequence from a JetStream message's reply
// subject ($JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.…, or the v2 form
// with domain and account hash) without allocating; 0 if it is not one.
func StreamSeq(reply string) uint64 {
	seq, _ := AckInfo(reply)
	return seq
}

// AckInfo parses a JetStream reply subject without allocating: the
// message's stream sequence and how many times it has been delivered
// (1 the first time); zeros if reply is not a JetStream ack subject.
func AckInfo(reply string) (streamSeq, delivered uint64) {
	const prefix = "$JS.ACK."
	if !strings.HasPrefix(reply, prefix) {
		return 0, 0
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
	idx := 4 // $JS ACK stream consumer delivered sseq
	if n >= 12 {
		idx = 6 // $JS ACK domain account stream consumer delivered sseq
	}
	return decimal(toks[idx+1]), decimal(toks[idx])
}

func decimal(s string) uint64 {
	var x uint64
	for _, ch := range s {
		if ch < '0' || ch > '9' {
			return 0
		}
		x = x*10 + uint64(ch-'0')
	}
	return x
}
