package partition

import (
	"github.com/nats-io/nats.go"

	"github.com/velort/velort/runtime"
)

// Joined configures a loop that reads two streams for a stream–stream
// interval join: the loop's own source is one side (Config.Side), Other
// the other. Over core NATS both are read in arrival order from one
// intake queue; over JetStream from a durable consumer of each, in the
// order JetStream stored them (SubscribeJoinedPull), with checkpoints of
// the join's rows (checkpoint_join.go). The watermark is the minimum of
// the two sides'.
type Joined struct {
	Side      int            // runtime.LeftSide or RightSide: the side of Config.Subject
	Subject   string         // the other side's subject ("" for a self-join)
	Schema    runtime.Schema // the other side's columns
	Read      []bool         // the other side's columns to decode (nil: all)
	TimeIdx   int            // event-time column of each side's row
	OtherTime int
	// Regular makes the loop a regular join over changelogs
	// (runtime.Pipeline.ExecuteJoinChange, see twosided_regular.go): a
	// record of a changelog side (Changelog, by runtime side) upserts or
	// deletes the row of its Velort-Key (else the key of its ChangelogKey
	// columns); a record of an append-only side is a new row of its own.
	// The time columns are then unused.
	Regular      bool
	Changelog    [2]bool
	ChangelogKey [2][]int
	// Forwarded, by runtime side, marks a changelog side that the first
	// half of a repartition forwards (Config.Forward over that stream):
	// its records retract (OpRetract), insert (no op) or replace (OpChange)
	// the row of their Velort-Key.
	Forwarded [2]bool
	// OtherEOFWriters, of a regular join, is how many of Config.EOFWriters
	// write the other stream: each side's end of input is counted apart,
	// and its markers beyond that are ignored.
	OtherEOFWriters int
}

// joinState is the join processors' state (processJoined, processRegular):
// both sides' decoders and rows, each side's progress, and which
// subscription each side's messages come on (its intake's).
type joinState struct {
	subs   [2]*nats.Subscription
	dec    [2]*runtime.Decoder
	rows   [2]runtime.Row
	tcol   [2]int
	max    [2]int64
	self   bool
	mySide int
	seq    [2]uint64 // regular join: arrivals of an append-only side, its rows' keys
	key    []byte    // regular join: the current record's row key
	// dur, for a regular join over JetStream streams, reads both sides'
	// consumers (intake_join_jetstream.go); idTag is the current input's
	// part of its outputs' message ids.
	dur   *joinDurable
	idTag []byte
	// maxSet: max was restored from a checkpoint (initJoined keeps it)
	maxSet bool
	eofs   [2]int // regular join: end-of-input markers seen, by side
	// evicted, of a window join: rows of windows ending before it are
	// dropped (max holds each side's latest window_end)
	evicted int64
}

// initJoined prepares the decoders and rows of both sides.
func (l *Loop) initJoined() {
	j := l.cfg.Joined
	in := &l.join
	in.mySide = j.Side
	other := 1 - j.Side
	in.dec[j.Side], in.rows[j.Side], in.tcol[j.Side] = l.dec, l.row, j.TimeIdx
	in.self = j.Subject == ""
	if !in.maxSet {
		in.max = [2]int64{-1 << 62, -1 << 62}
	}
	if in.self {
		in.dec[other], in.rows[other], in.tcol[other] = l.dec, l.row, j.OtherTime
	} else {
		in.dec[other] = runtime.NewDecoder(j.Schema, j.Read)
		in.rows[other] = make(runtime.Row, len(j.Schema))
		in.tcol[other] = j.OtherTime
	}
}

// processJoined runs one record of either side through the join.
func (l *Loop) processJoined(m *nats.Msg) error {
	if l.cfg.Joined.Regular {
		return l.processRegular(m)
	}
	in := &l.join
	l.Stats.In.Add(1)
	l.ctx.Reset()
	l.cur = m
	side := in.mySide
	if !in.self && m.Sub == in.subs[1-in.mySide] {
		side = 1 - in.mySide
	}
	sides := []int{side}
	if in.self {
		sides = []int{runtime.LeftSide, runtime.RightSide}
	}
	if err := in.dec[side].Decode(m.Data, in.rows[side]); err != nil {
		return l.deadLetter(m, err.Error())
	}
	for _, s := range sides {
		t := in.rows[side][in.tcol[s]]
		if t.T == runtime.TNull {
			return l.deadLetter(m, "the join's time column is NULL")
		}
		if err := l.publish(l.cfg.Pipeline.ExecuteSide(&l.ctx, s, in.rows[side], t.I)); err != nil {
			return err
		}
		if l.ctx.Err != nil {
			return l.deadLetter(m, l.ctx.Err.Error())
		}
		in.max[s] = max(in.max[s], t.I)
	}
	wm := min(in.max[0], in.max[1])
	if in.self {
		wm = in.max[0]
	}
	if wm > -1<<62 {
		wm -= l.cfg.Delay.Milliseconds()
		if wm > l.wm && l.cfg.Pipeline.Stage == nil {
			// advance moves a stage (and the join with it) only: a join
			// without one drops its rows here.
			l.cfg.Pipeline.Join.Advance(wm)
		}
		return l.advance(wm)
	}
	return nil
}
