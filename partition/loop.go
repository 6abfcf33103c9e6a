package partition

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"strconv"
	"sync/atomic"
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
	// Changes, with Table, also receives each changelog output (a
	// materialized table written into a KV bucket; changesink.go).
	Changes ChangeWriter
	// Format, when set, encodes outputs in a format other than JSON;
	// Schema is then the output columns (format.go).
	Format *runtime.Format
	Schema runtime.Schema
	// Template, when set, builds each output's subject from its columns
	// (Subjects then holds the stream's wildcard) and sets headers.
	Template *Template
	// Announce, when set, makes the loop one of several writers of a
	// stage read by event time: it announces its progress to the stage's
	// readers (stage_watermark.go).
	Announce *Announce
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
	// Format, when set, decodes payloads in a format other than JSON.
	// Columns of Schema with Meta set are metadata columns, filled from
	// the message (format.go).
	Format *runtime.Format
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
	// SourcesAnnounce makes each upstream's progress come from its
	// heartbeats only, not from the event times of the records it
	// forwards: the upstreams read a stage of several writers
	// (Writers > 1), whose records they forward interleaved, and relay its
	// writers' least announcement instead (stage_watermark.go).
	SourcesAnnounce bool
	// Joined, when set, makes this loop read two streams for an interval join.
	Joined *Joined
	// AckAfter gives, for a record's event time, the watermark after which a
	// durable (JetStream) source may acknowledge it; nil acknowledges at once.
	AckAfter func(eventTimeMs int64) int64
	// SinkJetStream publishes outputs through JetStream with Nats-Msg-Id
	// set, so that re-processed input cannot duplicate them.
	SinkJetStream bool
	// IntakeMessages and IntakeBytes bound what a core NATS subscription
	// holds received but not yet processed (0: DefaultIntakeMessages,
	// DefaultIntakeBytes). Past either, nats.go drops new records: they are
	// counted (Stats.Dropped) and the loop goes on. With Replay only the
	// client's queue (transport.DefaultSyncQueueLen) bounds it: replay is
	// flow-controlled to a window below that.
	IntakeMessages int
	IntakeBytes    int
	// SourceKey (the partition key columns in Schema) and SourcePartitions
	// let a keyed stateful loop check that each record's key hashes to its
	// partition; a record that does not is dead-lettered (see misrouted).
	SourceKey        []int
	SourcePartitions int
	// MaxValueBytes bounds one value a built-in produces (the plan's
	// max_value_bytes; 0: runtime.DefaultMaxValueBytes).
	MaxValueBytes int
	// Changelog makes the input a changelog (SPEC §2): each record
	// upserts or deletes the row of its key (headers Velort-Op and
	// Velort-Key, see changelog.go). The loop keeps the last payload of
	// each key and runs every change as a retraction of the old row and an
	// insertion of the new one. With Sources > 0 (the second half of a
	// repartition) the records are the first half's retractions and
	// insertions instead.
	Changelog bool
	// Writers > 1 makes the input a stage written by that many loops that
	// announce their progress: the watermark is the least announcement,
	// not the records' own event times (stage_watermark.go).
	Writers int
	// ChangelogKey is the key columns in Schema a changelog record's key
	// is computed from when it has no Velort-Key header (nil: the header
	// is required).
	ChangelogKey []int
	Logger       *slog.Logger
}

// Intake bounds of a core NATS partition subscription (Config).
const (
	DefaultIntakeMessages = 1 << 18  // = transport.DefaultSyncQueueLen
	DefaultIntakeBytes    = 64 << 20 // payload bytes
)

// dropWarnEvery rate-limits the warning about dropped records.
const dropWarnEvery = 10 * time.Second

// Loop is one partition's hot loop: an intake (where records come from),
// a processor (what runs them) and an outlet (where results go), each
// chosen once (see doc.go).
type Loop struct {
	cfg    Config
	nc     *nats.Conn
	intake intake                       // set by the Subscribe method called (intake.go)
	proc   func(*Loop, *nats.Msg) error // the processor, chosen in New (a method expression: no wrapper per call)
	outlet outlet                       // chosen in New (outlet.go)
	Stats  Stats

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
	lastIn  time.Time  // when input was last seen (kept by noteIdle, not per record)
	seenIn  uint64     // Stats.In at the last idle check
	srcMax  []int64    // per upstream partition, when Sources > 0 (intake_exchange.go)
	fwd     forwarder  // the exchange outlet, when Forward is set (outlet_exchange.go)
	batched bool       // input is taken a micro-batch at a time
	batch   microBatch // see collect
	dur     durable    // JetStream acknowledgement state (durable.go)
	join    joinState
	runCtx  context.Context
	eofs    int     // end-of-input markers counted (Run)
	eofFrom eofSeen // their writers

	maxPayload int          // the server's max_payload at connect (0: unknown)
	cur        *nats.Msg    // the input whose outputs are being published (nil: a watermark's)
	handling   *nats.Msg    // the input being processed, for an internal error (internal_error.go)
	route      *Keyer       // non-nil: check that each record's key hashes to this partition
	chg        changeIntake // a changelog input's state (Config.Changelog)
	chgOut     changeOut    // a changelog output's reused headers
	drops      dropCount
	running    atomic.Bool
	wire       wire // formats other than JSON, metadata columns (format.go)
	// recent keeps the latest dead letters for the operations page (deadletters.go).
	recent deadLetterRing
	ann    announcer   // a stage writer's progress announcements (stage_watermark.go)
	marks  writerMarks // a stage reader's announcements by writer
}

// dropCount tracks the core NATS intake's dropped records (nats.go's
// subscription count, read at each poll timeout, every 1024 records and on
// a slow-consumer error) and the rate-limited warning about them.
type dropCount struct {
	seen     int       // sum of the subscriptions' Dropped() at the last read
	unwarned uint64    // dropped since the last warning
	warnedAt time.Time // last warning
}

// New prepares a loop and picks its processor and outlet; Subscribe,
// SubscribePull or SubscribeJoinedPull then gives it its intake.
func New(nc *nats.Conn, cfg Config) *Loop {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Changelog && cfg.Read != nil && len(cfg.ChangelogKey) > 0 && !readsAll(cfg.Read, cfg.ChangelogKey) {
		read := append([]bool(nil), cfg.Read...) // the key is read to compute Velort-Key
		for _, c := range cfg.ChangelogKey {
			read[c] = true
		}
		cfg.Read = read
	}
	l := &Loop{
		cfg:   cfg,
		nc:    nc,
		dec:   runtime.NewDecoder(cfg.Schema, payloadRead(&cfg)),
		enc:   runtime.NewEncoder(cfg.Sink.Columns),
		keyer: NewKeyer(cfg.Sink.KeyIdx, len(cfg.Sink.Subjects)),
		row:   make(runtime.Row, len(cfg.Schema)),
		maxET: -1 << 62,
		wm:    -1 << 62,
	}
	l.intake = noIntake{}
	l.initWire()
	l.initAnnounce()
	if cfg.Writers > 1 {
		l.marks = writerMarks{n: cfg.Writers, at: map[string]int64{}}
	}
	l.ctx.Partition = cfg.Partition
	l.ctx.MaxValueBytes = cfg.MaxValueBytes
	if nc != nil {
		l.maxPayload = int(nc.MaxPayload())
	}
	if cfg.SourcePartitions > 1 && len(cfg.SourceKey) > 0 && cfg.Pipeline != nil && cfg.Pipeline.Stage != nil &&
		cfg.Forward == nil && cfg.Sources == 0 && cfg.Joined == nil && readsAll(cfg.Read, cfg.SourceKey) {
		l.route = NewKeyer(cfg.SourceKey, cfg.SourcePartitions)
	}
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
	l.batched = cfg.Pipeline != nil && cfg.Pipeline.Batched() && cfg.Forward == nil && cfg.Joined == nil && !cfg.Changelog && !l.ann.on
	if cfg.Changelog && cfg.Joined == nil {
		l.chg.init(&cfg)
	}
	l.clock = cfg.TimeIdx < 0 && (cfg.Forward != nil || cfg.Joined != nil || cfg.Pipeline == nil || cfg.Pipeline.Stage != nil)
	l.outlet = l.newOutlet()
	l.proc = l.processor()
	return l
}

// processor picks what runs each record: a join (interval or regular), a
// changelog (its table of last rows, and either half of a repartition
// over it), the first half of a repartition, a micro-batch, or the plain
// decode → execute → publish of processPlain.
func (l *Loop) processor() func(*Loop, *nats.Msg) error {
	switch {
	case l.cfg.Joined != nil && l.cfg.Joined.Regular:
		return (*Loop).processRegular
	case l.cfg.Joined != nil:
		return (*Loop).processJoined
	case l.cfg.Changelog:
		return (*Loop).processChange
	case l.cfg.Forward != nil:
		return (*Loop).processForward
	case l.batched:
		return (*Loop).collect
	}
	return (*Loop).processPlain
}

// Run is the hot loop. It returns when input ends (all EOF markers seen,
// after flushing every open window) or when ctx is cancelled.
func (l *Loop) Run(ctx context.Context) error {
	if l.wire.err != nil {
		return l.wire.err
	}
	l.running.Store(true)
	defer l.running.Store(false)
	l.eofs, l.eofFrom = 0, nil
	l.lastIn = time.Now()
	l.runCtx = ctx
	for {
		if err, again := l.runGuarded(ctx); !again {
			return err
		}
	}
}

// run is Run's loop, until input ends, ctx is cancelled or an error.
func (l *Loop) run(ctx context.Context) error {
	for n := 1; ; n++ {
		if n&1023 == 0 { // busy input: still notice shutdown and drops
			if ctx.Err() != nil {
				return l.shutdown()
			}
			l.noteDropped()
			l.noteState()
		}
		m, err := l.intake.next(200 * time.Millisecond)
		if err != nil {
			if errors.Is(err, nats.ErrSlowConsumer) { // fell behind: counted, never fatal
				l.noteDropped()
				continue
			}
			if errors.Is(err, nats.ErrTimeout) || err == errIntake {
				l.noteDropped()
				l.noteState()
				if ctx.Err() != nil {
					return l.shutdown()
				}
				if l.ann.on && err != errIntake {
					if err := l.announceIdle(); err != nil {
						return err
					}
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
		if m.Header != nil { // records without headers (the common case) are no control messages
			control, end, err := l.control(m)
			if err != nil {
				return err
			}
			if end {
				return l.endOfInput()
			}
			if control {
				continue
			}
		}
		l.handling = m
		if err := l.proc(l, m); err != nil {
			return err
		}
		l.handling = nil
		if l.ann.on {
			if err := l.announceSome(); err != nil {
				return err
			}
		}
	}
}

// control applies m if it is a control message: an upstream's watermark
// heartbeat, or an end-of-input marker (end: the input is complete).
func (l *Loop) control(m *nats.Msg) (control, end bool, err error) {
	wm, eof := IsWatermark(m), IsEOF(m)
	if !wm && !eof {
		return false, false, nil
	}
	if l.batched {
		if err := l.runBatch(); err != nil {
			return true, false, err
		}
	}
	if wm {
		if l.marks.at != nil { // a stage's writers' announcement (stage_watermark.go)
			return true, false, l.writerWatermark(m)
		}
		l.sourceWatermark(m)
		return true, false, nil
	}
	if l.srcMax != nil {
		l.sourceDone(m)
	}
	if l.marks.at != nil {
		if err := l.writerDone(m); err != nil {
			return true, false, err
		}
	}
	if !l.eofFrom.first(m) {
		return true, false, nil // a writer's marker again: an earlier run's, stored in a JetStream stream
	}
	if l.cfg.Joined != nil && !l.joinEOF(m) {
		return true, false, nil // a regular join side's marker beyond its writers (a restarted replay's)
	}
	l.eofs++
	return true, l.cfg.EOFWriters > 0 && l.eofs >= l.cfg.EOFWriters, nil
}

// process runs one record through the loop's processor (as Run does).
func (l *Loop) process(m *nats.Msg) error { return l.proc(l, m) }

// decodeIn takes in one record of an append-only stream: it counts it,
// decodes its payload and metadata into l.row and returns its event time.
// A record that cannot be decoded, or whose event time is NULL, is
// dead-lettered: ok is false and err the dead letter's publish error.
func (l *Loop) decodeIn(m *nats.Msg) (et int64, ok bool, err error) {
	l.Stats.In.Add(1)
	l.ctx.Reset()
	l.cur = m
	if l.clock {
		l.ctx.NowMs = time.Now().UnixMilli()
	}
	switch {
	case l.wire.plain:
		err = l.dec.Decode(m.Data, l.row)
	case l.wire.tokens: // JSON, VARCHAR subject tokens the only metadata (format.go)
		if err = l.dec.Decode(m.Data, l.row); err == nil && !l.wire.fillTokens(m.Subject, l.row) {
			l.wire.findTokens(m.Subject, l.row)
		}
	default:
		err = l.decodeNative(m, l.row, false)
	}
	if err != nil {
		return 0, false, l.deadLetter(m, err.Error())
	}
	et = l.ctx.NowMs
	if l.cfg.TimeIdx >= 0 {
		v := l.row[l.cfg.TimeIdx]
		if v.T == runtime.TNull {
			return 0, false, l.deadLetter(m, l.nullEventTime())
		}
		et = v.I
	}
	return et, true, nil
}

// nullEventTime is the dead letter's reason for a record without an event time.
func (l *Loop) nullEventTime() string {
	return "event time column " + l.cfg.Schema[l.cfg.TimeIdx].Name + " is NULL"
}

// processPlain is the plain processor: one record of an append-only
// stream, decode → execute → publish.
func (l *Loop) processPlain(m *nats.Msg) error {
	et, ok, err := l.decodeIn(m)
	if !ok {
		return err
	}
	if l.route != nil {
		if p := l.route.Partition(l.row); p != l.cfg.Partition {
			return l.misrouted(m, p)
		}
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
	if len(outs) > 0 { // filtered out: nothing to publish
		if err := l.outlet.publish(outs); err != nil {
			return err
		}
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
	if l.marks.at != nil { // a stage's writers announce the watermark
		l.maxET = max(l.maxET, et)
		return nil
	}
	if l.srcMax != nil {
		return l.observeSource(m, et)
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
	l.cur = nil // released window rows belong to no single input
	l.ctx.Reset()
	return l.publish(l.cfg.Pipeline.Advance(&l.ctx, wm))
}

// idle advances the watermark of a partition that received nothing for
// the idle timeout by the wall-clock time since its last record.
func (l *Loop) idle() error {
	if l.cfg.Forward != nil {
		return l.heartbeat()
	}
	if l.cfg.Pipeline.Stage == nil || l.srcMax != nil || l.marks.at != nil {
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

// deadLetter publishes the original payload with the reason. Processing
// goes on. A JetStream input's dead letter carries its stream sequence and
// a message id made of (query, partition, sequence), so a JetStream stream
// over the dead-letter subjects keeps it once however often it is
// re-processed.
func (l *Loop) deadLetter(m *nats.Msg, reason string) error {
	return l.publishDeadLetter(m.Data, HeaderSourceSubject, m.Subject, reason)
}

// publishDeadLetter publishes payload to the dead-letter subject with the
// reason and where it came from (or was going: HeaderSinkSubject). A dead
// letter never ends the loop for its size: if payload and headers exceed
// the server's max_payload, the payload is cut to fit and HeaderTruncated
// gives its original size.
func (l *Loop) publishDeadLetter(payload []byte, whereHeader, where, reason string) error {
	l.Stats.DeadLettered.Add(1)
	if len(reason) > maxReason {
		reason = reason[:maxReason] + "…"
	}
	l.recent.add(payload, where, reason, l.dur.seq)
	d := nats.NewMsg(l.cfg.DLQ)
	d.Data = payload
	d.Header.Set(HeaderError, reason)
	d.Header.Set(HeaderQuery, l.cfg.Query)
	d.Header.Set(whereHeader, where)
	d.Header.Set(HeaderPartition, strconv.Itoa(l.cfg.Partition))
	if seq := l.dur.seq; seq != 0 {
		s := strconv.FormatUint(seq, 10)
		d.Header.Set(HeaderSeq, s)
		d.Header.Set(nats.MsgIdHdr, "dlq/"+l.cfg.Query+"/"+strconv.Itoa(l.cfg.Partition)+"/"+string(l.join.idTag)+s) // a two-stream join: side and the other stream's position too
	}
	if l.maxPayload > 0 {
		if room := l.maxPayload - headerSize(d.Header); len(payload) > room {
			size := strconv.Itoa(len(payload))
			room -= len(HeaderTruncated) + len(size) + 4
			d.Data = payload[:max(room, 0)]
			d.Header.Set(HeaderTruncated, size)
		}
	}
	l.cfg.Logger.Debug("dead letter", "query", l.cfg.Query, "partition", l.cfg.Partition, "reason", reason)
	err := l.nc.PublishMsg(d)
	if errors.Is(err, nats.ErrMaxPayload) { // the server's limit changed (reconnected elsewhere), or headers alone exceed it
		l.cfg.Logger.Error("dead letter larger than the server's max_payload: not published", "query", l.cfg.Query,
			"partition", l.cfg.Partition, "reason", reason, "max_payload", l.nc.MaxPayload())
		l.maxPayload = int(l.nc.MaxPayload())
		return nil
	}
	return err
}

// maxReason bounds a dead letter's Velort-Error header.
const maxReason = 1024

// headerSize is the encoded size of h (NATS/1.0 line, fields, blank line).
func headerSize(h nats.Header) int {
	n := len("NATS/1.0\r\n\r\n")
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// oversized dead-letters an output (l.out, for subject) that exceeds the
// server's max_payload: the dead letter carries the input that produced it
// or, for rows a watermark released, the output itself (truncated).
func (l *Loop) oversized(subject string) error {
	l.Stats.Oversized.Add(1)
	max := l.nc.MaxPayload()
	reason := "output of " + strconv.Itoa(len(l.out)) + " bytes for " + subject + " exceeds the NATS server's max_payload of " +
		strconv.FormatInt(max, 10) + " bytes (query " + l.cfg.Query + ", partition " + strconv.Itoa(l.cfg.Partition) + ")"
	l.maxPayload = int(max)
	if l.cur != nil {
		reason += "; the dead letter carries the input record"
		return l.deadLetter(l.cur, reason)
	}
	return l.publishDeadLetter(l.out, HeaderSinkSubject, subject, reason)
}

// misrouted dead-letters a record of a keyed stateful query that arrived
// on another partition's subject than the one its key hashes to: counted
// as its own group there, it would split its key's state in two.
func (l *Loop) misrouted(m *nats.Msg, want int) error {
	l.Stats.Misrouted.Add(1)
	return l.deadLetter(m, "record's partition key hashes to partition "+strconv.Itoa(want)+" of "+
		strconv.Itoa(l.cfg.SourcePartitions)+", not "+strconv.Itoa(l.cfg.Partition)+" whose subject it arrived on; publish it to "+
		"the subject of partition "+strconv.Itoa(want))
}

// noteDropped adds the records nats.go dropped from the core NATS intake
// since the last call to Stats.Dropped, and warns (at most every
// dropWarnEvery) that the query falls behind its source.
func (l *Loop) noteDropped() {
	n, ok := l.intake.dropped()
	if !ok {
		return
	}
	c := &l.drops
	if n > c.seen {
		l.Stats.Dropped.Add(uint64(n - c.seen))
		c.unwarned += uint64(n - c.seen)
		c.seen = n
	}
	if c.unwarned > 0 && time.Since(c.warnedAt) >= dropWarnEvery {
		l.cfg.Logger.Warn("query falls behind its core NATS source: records dropped (use a JetStream source to lose nothing)",
			"query", l.cfg.Query, "partition", l.cfg.Partition, "subject", l.cfg.Subject,
			"dropped", c.unwarned, "dropped_total", l.Stats.Dropped.Load())
		c.unwarned, c.warnedAt = 0, time.Now()
	}
}

// endOfInput flushes every open window and tells the sink's readers.
func (l *Loop) endOfInput() error {
	if err := l.runBatch(); err != nil {
		return err
	}
	l.noteState() // the state held when input ended (the flush below empties it)
	l.wm = runtime.EndOfTime - 1
	l.ctx.Reset()
	if l.cfg.Pipeline.Stage != nil {
		if err := l.publish(l.cfg.Pipeline.Advance(&l.ctx, runtime.EndOfTime)); err != nil {
			return err
		}
	}
	// The markers follow every output stored: a reader that has this
	// writer's marker, from this run or an earlier one, has its outputs.
	if err := l.confirm(); err != nil {
		return err
	}
	subjects := l.outlet.markers()
	writer := l.cfg.Query + "/" + strconv.Itoa(l.cfg.Partition)
	for _, s := range subjects {
		if err := l.nc.PublishMsg(NewEOFFrom(s, writer)); err != nil {
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
	l.noteDropped()
	if l.drops.unwarned > 0 {
		l.drops.warnedAt = time.Time{}
		l.noteDropped()
	}
	l.intake.unsubscribe()
}

// shutdown stops intake: outputs published so far are confirmed, the
// state (open windows included, not emitted) is checkpointed, and what is
// ready is acknowledged.
func (l *Loop) shutdown() error {
	err := l.runBatch() // records already received are processed, not lost
	l.noteState()
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

// Running reports whether Run has started and not yet returned.
func (l *Loop) Running() bool { return l.running.Load() }

// QueryName is the name of the loop's query.
func (l *Loop) QueryName() string { return l.cfg.Query }

// readsAll reports whether every column in cols is decoded (read nil: all).
func readsAll(read []bool, cols []int) bool {
	for _, c := range cols {
		if read != nil && (c >= len(read) || !read[c]) {
			return false
		}
	}
	return true
}

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
