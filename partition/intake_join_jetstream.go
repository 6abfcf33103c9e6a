package partition

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/transport"
)

// joinDurable reads a two-stream join's JetStream consumers (one for a
// self-join), of a regular or an interval join, in one order that a
// restart reproduces: by the time JetStream stored each message (ties:
// the left side first). A message of one side is taken only once the
// other side has a later message, or was found to have nothing stored
// after the message was fetched: whatever it stores later carries a later
// time. After a crash the loop restores the checkpoint (both sides' state
// and last sequences; for an interval join also each side's latest event
// time, which makes the watermark) and reads on from there in the same
// order, so it publishes the same outputs with the same message ids, and
// the sink keeps each once.
//
// Each output's message id also names the input's side and the other
// side's last sequence processed (idTag): the state a change meets is a
// function of both sides' prefixes, so an id always stands for one
// content, even were the order to differ (a clock stepped back).
//
// It is the loop's intake once SubscribeJoinedPull is called; checkpoints
// create it (enableJoinCheckpoints) so that RestoreCheckpoint can set its
// positions before the consumers are created.
type joinDurable struct {
	l         *Loop
	subs      [2]*nats.Subscription // by runtime side; nil: a self-join's other side
	buf       [2][]*nats.Msg
	ts        [2][]int64 // stored time of each buffered message (ns)
	bi        [2]int
	gen       uint64    // fetches so far
	fetchedAt [2]uint64 // the fetch that filled buf[s]
	emptyAt   [2]uint64 // the last drainedJoined that found s had nothing more
	received  [2]uint64 // highest consumer sequence of s received
	last      [2]uint64 // stream sequence of the last input of each side processed
	reply     [2]string // its ack reply, until a checkpoint acknowledges it
	saved     [2]uint64 // last, as of the stored checkpoint
	fails     fetchFailures
}

// joinQuickWait bounds the fetch that asks whether a side has anything
// stored (JetStream answers at once when it has).
const joinQuickWait = 2 * time.Millisecond

// SubscribeJoinedPull makes a join loop (regular or interval) read its own stream from
// the JetStream consumer own and the other stream from other (nil for a
// self-join). Call after EnableCheckpoints and RestoreCheckpoint (the
// consumers start after JoinedResume's sequences).
func (l *Loop) SubscribeJoinedPull(own, other *nats.Subscription) error {
	j := l.cfg.Joined
	jd := l.join.dur
	if j == nil || jd == nil {
		return errors.New("partition: SubscribeJoinedPull needs a join loop with checkpoints enabled")
	}
	l.initJoined()
	jd.subs[j.Side] = own
	if !l.join.self {
		if other == nil {
			return errors.New("partition: SubscribeJoinedPull needs the other stream's consumer")
		}
		jd.subs[1-j.Side] = other
	}
	l.join.subs = jd.subs
	l.intake = jd
	return nil
}

// JoinedResume is, for a join loop whose checkpoint was restored,
// the stream sequence of the last input of its own stream and of the
// other stream the checkpoint reflects (0: none).
func (l *Loop) JoinedResume() (own, other uint64) {
	jd := l.join.dur
	if jd == nil || l.cfg.Joined == nil {
		return 0, 0
	}
	s := l.cfg.Joined.Side
	return jd.last[s], jd.last[1-s]
}

// next returns the next input of either side in stored-time order,
// nats.ErrTimeout or errIntake. Between batches it does what jsIntake
// does for one consumer: confirm outputs and checkpoint.
func (jd *joinDurable) next(timeout time.Duration) (*nats.Msg, error) {
	l := jd.l
	for {
		a, b := jd.bi[0] < len(jd.buf[0]), jd.bi[1] < len(jd.buf[1])
		switch {
		case a && b:
			s := 0
			if jd.ts[1][jd.bi[1]] < jd.ts[0][jd.bi[0]] {
				s = 1
			}
			if m := l.popJoined(s); m != nil {
				return m, nil
			}
			continue
		case a || b:
			s := 0
			if b {
				s = 1
			}
			o := 1 - s
			if jd.subs[o] == nil || jd.emptyAt[o] > jd.fetchedAt[s] {
				if m := l.popJoined(s); m != nil {
					return m, nil
				}
				continue
			}
			// Has the other side stored anything before these?
			if err := l.drainedJoined(o); err != nil {
				return nil, err
			}
			if jd.emptyAt[o] <= jd.fetchedAt[s] {
				if err := l.fetchJoined(o, joinQuickWait); err != nil {
					return nil, err
				}
			}
			continue
		}
		if l.stopping() {
			return nil, nats.ErrTimeout
		}
		got := false
		for _, wait := range []time.Duration{joinQuickWait, timeout / 2} {
			for s := range jd.subs {
				if jd.subs[s] == nil {
					continue
				}
				if err := l.fetchJoined(s, wait); err != nil {
					return nil, err
				}
				if jd.bi[s] < len(jd.buf[s]) {
					got = true
					break
				}
			}
			if got {
				break
			}
		}
		if !got {
			return nil, nats.ErrTimeout
		}
	}
}

// fetchJoined fetches the next messages of side s into its buffer (which
// is empty), waiting at most wait when none is stored. Before, as next
// does between batches, it confirms the outputs published so far and
// saves a checkpoint when one is due.
func (l *Loop) fetchJoined(s int, wait time.Duration) error {
	if err := l.commit(); err != nil {
		return err
	}
	if err := l.maybeCheckpoint(); err != nil {
		return err
	}
	jd := l.join.dur
	jd.gen++
	msgs, err := jd.subs[s].Fetch(256, nats.MaxWait(wait))
	if err != nil && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) {
		return jd.fails.failed(l, err)
	}
	jd.fails.resumed(l)
	if len(msgs) == 0 {
		return nil // maybe none stored, maybe not delivered in time: drainedJoined tells
	}
	jd.buf[s], jd.bi[s], jd.fetchedAt[s] = msgs, 0, jd.gen
	jd.ts[s] = jd.ts[s][:0]
	for _, m := range msgs {
		var ts int64
		if md, err := m.Metadata(); err == nil {
			ts = md.Timestamp.UnixNano()
			jd.received[s] = max(jd.received[s], md.Sequence.Consumer)
		}
		jd.ts[s] = append(jd.ts[s], ts)
	}
	return nil
}

// drainedJoined asks JetStream whether side s's consumer has delivered
// every message stored so far and the loop has received them all: then
// whatever s stores later carries a later time than anything fetched
// before (emptyAt). A fetch that returns nothing cannot tell: its wait may
// have ended before JetStream delivered.
func (l *Loop) drainedJoined(s int) error {
	jd := l.join.dur
	jd.gen++
	info, err := jd.subs[s].ConsumerInfo()
	if err != nil {
		return jd.fails.failed(l, err)
	}
	if info.NumPending == 0 && info.Delivered.Consumer == jd.received[s] {
		jd.emptyAt[s] = jd.gen
	}
	return nil
}

// popJoined takes side s's next buffered message and notes it as that
// side's last input; nil for a redelivery of one already processed
// (ack-wait expiry), which a later acknowledgement covers.
func (l *Loop) popJoined(s int) *nats.Msg {
	jd := l.join.dur
	m := jd.buf[s][jd.bi[s]]
	jd.buf[s][jd.bi[s]] = nil
	jd.bi[s]++
	seq, delivered := transport.AckInfo(m.Reply)
	if delivered > 1 {
		l.Stats.Redelivered.Add(1)
	}
	if seq != 0 && seq <= jd.last[s] {
		return nil
	}
	if seq != 0 {
		jd.last[s], jd.reply[s] = seq, m.Reply
	}
	d := &l.dur
	d.seq, d.idx = seq, 0
	d.last = jd.last[l.cfg.Joined.Side]
	if !l.join.self {
		t := l.join.idTag[:0]
		t = strconv.AppendInt(t, int64(s), 10)
		t = append(t, '.')
		t = strconv.AppendUint(t, jd.last[1-s], 10)
		l.join.idTag = append(t, '.')
	}
	return m
}

// joinedMoved reports whether either side processed inputs since the
// stored checkpoint.
func (jd *joinDurable) moved() bool { return jd.last != jd.saved }

// checkpointed acknowledges each side's inputs up to its last one
// processed (a checkpoint reflecting them is stored).
func (jd *joinDurable) checkpointed() error {
	l := jd.l
	jd.saved = jd.last
	for s, r := range jd.reply {
		if r == "" {
			continue
		}
		jd.reply[s] = ""
		if err := l.nc.Publish(r, ackPayload); err != nil {
			return err
		}
	}
	return nil
}

// waiting: a join is never micro-batched.
func (jd *joinDurable) waiting() bool { return false }

// dropped: JetStream drops nothing.
func (jd *joinDurable) dropped() (int, bool) { return 0, false }

// commit: a join over JetStream acknowledges by checkpoint only.
func (jd *joinDurable) commit(int64) error { return nil }

func (jd *joinDurable) unsubscribe() {
	for _, s := range jd.subs {
		if s != nil {
			_ = s.Unsubscribe()
		}
	}
}
