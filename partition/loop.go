package partition

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/runtime"
)

// Sink is where a loop publishes its outputs: a stream's subjects and
// how records map onto them.
type Sink struct {
	Subjects []string // one per sink partition
	KeyIdx   []int    // key columns in the output row
	Columns  []string // output column names
	// Table, when set, receives the outputs instead of NATS: each row is
	// upserted under its group identity (a materialized table).
	Table *runtime.Table
}

// Config describes one (query, partition) loop.
type Config struct {
	Query     string
	Partition int
	Subject   string // source subject of this partition
	Schema    runtime.Schema
	Read      []bool
	TimeIdx   int // event-time column, -1 = processing time
	Delay     time.Duration
	Idle      time.Duration
	LateToDLQ bool
	DLQ       string
	Pipeline  *runtime.Pipeline
	Sink      Sink
	// EOFWriters is how many end-of-input markers complete this partition's
	// input; 0 means the input never ends (run until cancelled).
	EOFWriters int
	// Replay disables idle watermark advance (the run ends with a flush).
	Replay bool
	// Forward, when set, makes this loop the first half of a repartition:
	// records that pass the filter are forwarded unchanged to the subject
	// of the partition their group key hashes to (see repartition.go).
	Forward *Forward
	// Sources > 0 makes this loop the second half of a repartition: input
	// comes from Sources upstream partitions (the subject's last token
	// names which) and the watermark is the minimum over them.
	Sources int
	// Joined, when set, makes this loop read two streams for an interval join.
	Joined *Joined
	// AckAfter gives, for a record's event time, the watermark after which a
	// durable (JetStream) source may acknowledge it; nil acknowledges at once.
	AckAfter func(eventTimeMs int64) int64
	// SinkJetStream publishes outputs through JetStream with Nats-Msg-Id
	// set, so that re-processed input cannot duplicate them.
	SinkJetStream bool
	Logger        *slog.Logger
}

// Loop is one partition's hot loop.
type Loop struct {
	cfg   Config
	nc    *nats.Conn
	sub   *nats.Subscription
	Stats Stats

	dec     *runtime.Decoder
	enc     *runtime.Encoder
	clock   bool // records take their time from the clock (see New)
	keyer   *Keyer
	ctx     runtime.Ctx
	row     runtime.Row
	msg     nats.Msg
	out     []byte
	maxET   int64
	wm      int64
	lastIn  time.Time // when input was last seen (kept by noteIdle, not per record)
	seenIn  uint64    // Stats.In at the last idle check
	srcMax  []int64   // per upstream partition, when Sources > 0
	fwd     forwarder
	batched bool       // input is taken a micro-batch at a time
	batch   microBatch // see collect
	dur     durable    // JetStream intake and acknowledgement state
	join    joinIntake
	runCtx  context.Context
}

// New prepares a loop; it subscribes in Start.
func New(nc *nats.Conn, cfg Config) *Loop {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	l := &Loop{
		cfg:   cfg,
		nc:    nc,
		dec:   runtime.NewDecoder(cfg.Schema, cfg.Read),
		enc:   runtime.NewEncoder(cfg.Sink.Columns),
		keyer: NewKeyer(cfg.Sink.KeyIdx, len(cfg.Sink.Subjects)),
		row:   make(runtime.Row, len(cfg.Schema)),
		maxET: -1 << 62,
		wm:    -1 << 62,
	}
	l.ctx.Partition = cfg.Partition
	l.Stats.Watermark.Store(l.wm)
	if cfg.Sources > 0 {
		l.srcMax = make([]int64, cfg.Sources)
		for i := range l.srcMax {
			l.srcMax[i] = l.maxET
		}
	}
	if cfg.Forward != nil {
		l.fwd.init(cfg.Forward)
	}
	// Without event time, a record's time is the clock's — needed only by
	// windows and frames, a repartition's forward half or a join (a clock
	// read costs ~50 ns, as much as a filter and projection).
	l.batched = cfg.Pipeline != nil && cfg.Pipeline.Batched() && cfg.Forward == nil && cfg.Joined == nil
	l.clock = cfg.TimeIdx < 0 && (cfg.Forward != nil || cfg.Joined != nil || cfg.Pipeline == nil || cfg.Pipeline.Stage != nil)
	return l
}

// Subscribe starts receiving the partition's subject. Call before any
// input is published so nothing is missed.
func (l *Loop) Subscribe() error {
	if l.cfg.Joined != nil {
		return l.subscribeJoined()
	}
	sub, err := l.nc.SubscribeSync(l.cfg.Subject)
	if err != nil {
		return err
	}
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		return err
	}
	l.sub = sub
	return nil
}

// Run is the hot loop. It returns when input ends (all EOF markers seen,
// after flushing every open window) or when ctx is cancelled.
func (l *Loop) Run(ctx context.Context) error {
	eofs := 0
	l.lastIn = time.Now()
	l.runCtx = ctx
	for n := 1; ; n++ {
		if n&1023 == 0 && ctx.Err() != nil { // busy input: still notice shutdown
			return l.shutdown()
		}
		m, err := l.next(200 * time.Millisecond)
		if err != nil {
			if errors.Is(err, nats.ErrTimeout) || err == errIntake {
				if ctx.Err() != nil {
					return l.shutdown()
				}
				if !l.cfg.Replay && err != errIntake {
					if err := l.idle(); err != nil {
						return err
					}
				}
				continue
			}
			if ctx.Err() != nil {
				return l.shutdown()
			}
			return err
		}
		l.dur.until = math.MinInt64
		if l.batched && (IsWatermark(m) || IsEOF(m)) {
			if err := l.runBatch(); err != nil {
				return err
			}
		}
		if IsWatermark(m) {
			l.sourceWatermark(m)
			continue
		}
		if l.dur.pull && !l.track(m) {
			continue // a redelivery of an input already processed
		}
		if IsEOF(m) {
			if l.srcMax != nil {
				l.sourceDone(m)
			}
			eofs++
			if l.cfg.EOFWriters > 0 && eofs >= l.cfg.EOFWriters {
				return l.endOfInput()
			}
			continue
		}
		if l.batched {
			err = l.collect(m)
		} else {
			err = l.process(m)
		}
		if err != nil {
			return err
		}
		if l.dur.pull && l.dur.ck == nil {
			l.dur.queue[len(l.dur.queue)-1].until = l.dur.until
		}
	}
}

// process handles one record: decode → execute → publish.
func (l *Loop) process(m *nats.Msg) error {
	if l.cfg.Joined != nil {
		return l.processJoined(m)
	}
	l.Stats.In.Add(1)
	l.ctx.Reset()
	if l.clock {
		l.ctx.NowMs = time.Now().UnixMilli()
	}
	if err := l.dec.Decode(m.Data, l.row); err != nil {
		return l.deadLetter(m, err.Error())
	}
	et := l.ctx.NowMs
	if l.cfg.TimeIdx >= 0 {
		v := l.row[l.cfg.TimeIdx]
		if v.T == runtime.TNull {
			return l.deadLetter(m, "event time column "+l.cfg.Schema[l.cfg.TimeIdx].Name+" is NULL")
		}
		et = v.I
	}
	if l.cfg.Forward != nil {
		return l.forward(m, et)
	}
	if l.cfg.AckAfter != nil && l.dur.ck == nil {
		l.dur.until = l.cfg.AckAfter(et)
	}
	outs := l.cfg.Pipeline.Execute(&l.ctx, l.row, et)
	if l.ctx.Err != nil {
		var late *runtime.LateError
		if errors.As(l.ctx.Err, &late) {
			l.Stats.Late.Add(1)
			if l.cfg.LateToDLQ {
				return l.deadLetter(m, l.ctx.Err.Error())
			}
			return nil
		}
		return l.deadLetter(m, l.ctx.Err.Error())
	}
	if err := l.publish(outs); err != nil {
		return err
	}
	if l.cfg.TimeIdx < 0 && !l.clock {
		return nil // no time, no watermark
	}
	return l.observe(m, et)
}

// observe records an event time and moves the watermark: per partition the
// max event time seen minus the delay, after a repartition the minimum of
// that over the upstream partitions.
func (l *Loop) observe(m *nats.Msg, et int64) error {
	if l.srcMax != nil {
		src := sourceOf(m.Subject)
		if src < 0 || src >= len(l.srcMax) || et <= l.srcMax[src] {
			return nil
		}
		l.srcMax[src] = et
		if et > l.maxET {
			l.maxET = et
		}
		return l.advance(minOf(l.srcMax) - l.cfg.Delay.Milliseconds())
	}
	if et > l.maxET {
		l.maxET = et
		return l.advance(et - l.cfg.Delay.Milliseconds())
	}
	return nil
}

// advance moves the watermark forward and publishes released rows.
func (l *Loop) advance(wm int64) error {
	if wm <= l.wm {
		return nil
	}
	l.wm = wm
	l.Stats.Watermark.Store(wm)
	if l.cfg.Pipeline.Stage == nil {
		return nil
	}
	l.ctx.Reset()
	return l.publish(l.cfg.Pipeline.Advance(&l.ctx, wm))
}

// idle advances the watermark of a partition that received nothing for
// the idle timeout by the wall-clock time since its last record.
func (l *Loop) idle() error {
	if l.cfg.Forward != nil {
		return l.heartbeat()
	}
	if l.cfg.Pipeline.Stage == nil || l.srcMax != nil {
		return nil
	}
	if l.cfg.TimeIdx < 0 { // processing time: the clock is the watermark
		return l.advance(time.Now().UnixMilli() - l.cfg.Delay.Milliseconds())
	}
	l.noteIdle()
	since := time.Since(l.lastIn)
	if since < l.cfg.Idle {
		return nil
	}
	base := l.maxET - l.cfg.Delay.Milliseconds()
	if l.maxET == -1<<62 {
		return nil
	}
	return l.advance(base + since.Milliseconds())
}

func (l *Loop) publish(rows []runtime.Row) error {
	var ids [][]byte
	if l.cfg.SinkJetStream {
		ids = l.cfg.Pipeline.IDs()
	}
	if t := l.cfg.Sink.Table; t != nil {
		ids := l.cfg.Pipeline.IDs()
		for i, r := range rows {
			t.Put(ids[i], r)
			l.Stats.Out.Add(1)
		}
		return nil
	}
	for i, r := range rows {
		l.out = l.enc.Append(l.out[:0], r)
		p := l.keyer.Partition(r)
		var err error
		if l.cfg.SinkJetStream {
			var id []byte
			if ids != nil {
				id = ids[i]
			}
			err = l.publishDurable(l.cfg.Sink.Subjects[p], l.out, id)
		} else {
			err = l.nc.Publish(l.cfg.Sink.Subjects[p], l.out)
		}
		if err != nil {
			return err
		}
		l.Stats.Out.Add(1)
	}
	return nil
}

// deadLetter publishes the original payload with the reason. Processing
// goes on. A JetStream input's dead letter carries its stream sequence and
// a message id made of (query, partition, sequence), so a JetStream stream
// over the dead-letter subjects keeps it once however often it is
// re-processed.
func (l *Loop) deadLetter(m *nats.Msg, reason string) error {
	l.Stats.DeadLettered.Add(1)
	d := nats.NewMsg(l.cfg.DLQ)
	d.Data = m.Data
	d.Header.Set(HeaderError, reason)
	d.Header.Set(HeaderQuery, l.cfg.Query)
	d.Header.Set(HeaderSourceSubject, m.Subject)
	d.Header.Set(HeaderPartition, strconv.Itoa(l.cfg.Partition))
	if seq := l.dur.seq; seq != 0 {
		s := strconv.FormatUint(seq, 10)
		d.Header.Set(HeaderSeq, s)
		d.Header.Set(nats.MsgIdHdr, "dlq/"+l.cfg.Query+"/"+strconv.Itoa(l.cfg.Partition)+"/"+s)
	}
	l.cfg.Logger.Debug("dead letter", "query", l.cfg.Query, "partition", l.cfg.Partition, "reason", reason)
	return l.nc.PublishMsg(d)
}

// endOfInput flushes every open window and tells the sink's readers.
func (l *Loop) endOfInput() error {
	if err := l.runBatch(); err != nil {
		return err
	}
	l.wm = runtime.EndOfTime - 1
	l.ctx.Reset()
	if l.cfg.Pipeline.Stage != nil {
		if err := l.publish(l.cfg.Pipeline.Advance(&l.ctx, runtime.EndOfTime)); err != nil {
			return err
		}
	}
	subjects := l.cfg.Sink.Subjects
	if l.cfg.Forward != nil {
		subjects = l.fwd.subjects
	}
	for _, s := range subjects {
		if err := l.nc.PublishMsg(NewEOF(s)); err != nil {
			return err
		}
	}
	if err := l.commit(); err != nil {
		return err
	}
	if err := l.checkpoint(); err != nil {
		return err
	}
	l.unsubscribe()
	return nil
}

// unsubscribe stops intake.
func (l *Loop) unsubscribe() {
	if l.cfg.Joined != nil {
		l.unsubscribeJoined()
		return
	}
	_ = l.sub.Unsubscribe()
}

// shutdown stops intake: outputs published so far are confirmed, the
// state (open windows included, not emitted) is checkpointed, and what is
// ready is acknowledged.
func (l *Loop) shutdown() error {
	err := l.runBatch() // records already received are processed, not lost
	if err == nil {
		err = l.commit()
	}
	if err == nil {
		err = l.checkpoint()
	}
	if err != nil {
		l.cfg.Logger.Warn("final acknowledgement", "query", l.cfg.Query, "partition", l.cfg.Partition, "err", err)
	}
	l.unsubscribe()
	return nil
}

// stopping reports whether the loop has been told to stop.
func (l *Loop) stopping() bool { return l.runCtx != nil && l.runCtx.Err() != nil }

// QueryName is the name of the loop's query.
func (l *Loop) QueryName() string { return l.cfg.Query }

// Partition is the source partition the loop serves.
func (l *Loop) Partition() int { return l.cfg.Partition }

// noteIdle runs on the loop's idle ticks (no message within the poll
// interval): if records arrived since the last tick, input was seen about
// now. This keeps the clock off the per-record path; idle time is measured
// to within one poll interval.
func (l *Loop) noteIdle() {
	if in := l.Stats.In.Load(); in != l.seenIn {
		l.seenIn, l.lastIn = in, time.Now()
	}
}
