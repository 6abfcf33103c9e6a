package runtime

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// snDriver feeds a stage as a partition loop does, keeping the loop's own
// progress (max event time, watermark) so a run can be split across a
// snapshot and a restore into a fresh stage.
type snDriver struct {
	delay     int64
	maxT, wm  int64
	sink      stSink
	snapshots int
}

func newSnDriver(delay int64) *snDriver {
	return &snDriver{delay: delay, maxT: -1 << 62, wm: -1 << 62}
}

func (d *snDriver) feed(st Stage, evs []stEvent) {
	c := &Ctx{}
	for _, e := range evs {
		c.Reset()
		st.Process(c, e.row, e.t, &d.sink)
		if c.Err != nil {
			var le *LateError
			if errors.As(c.Err, &le) {
				d.sink.lines = append(d.sink.lines, "LATE "+strconv.FormatInt(le.EventTimeMs, 10))
			} else {
				d.sink.lines = append(d.sink.lines, "ERR "+c.Err.Error())
			}
			continue
		}
		d.maxT = max(d.maxT, e.t)
		if d.maxT-d.delay > d.wm {
			d.wm = d.maxT - d.delay
			st.Advance(c, d.wm, &d.sink)
		}
	}
}

func (d *snDriver) end(st Stage) []string {
	st.Advance(&Ctx{}, EndOfTime, &d.sink)
	return d.sink.lines
}

// snCheckpointed runs evs through stages made by mk, replacing the stage
// by a fresh one restored from a snapshot at each cut.
func snCheckpointed(t *testing.T, mk func() Stage, delay int64, evs []stEvent, cuts []int) []string {
	t.Helper()
	d := newSnDriver(delay)
	st := mk()
	from := 0
	var buf []byte
	for _, cut := range cuts {
		d.feed(st, evs[from:cut])
		from = cut
		var err error
		buf, err = st.(Checkpointer).Snapshot(buf[:0])
		if err != nil {
			t.Fatalf("snapshot at %d: %v", cut, err)
		}
		snap := append([]byte(nil), buf...)
		clear(buf) // the restored stage must not alias the snapshot
		st = mk()
		if err := st.(Checkpointer).Restore(snap); err != nil {
			t.Fatalf("restore at %d: %v", cut, err)
		}
		clear(snap)
		d.snapshots++
	}
	d.feed(st, evs[from:])
	return d.end(st)
}

func snCuts(rng *rand.Rand, n, k int) []int {
	cuts := make([]int, k)
	for i := range cuts {
		cuts[i] = rng.IntN(n + 1)
	}
	slices.Sort(cuts)
	return cuts
}

// snEvents: [k1 VARCHAR, k2 BIGINT, x BIGINT (NULLs), y DOUBLE, s VARCHAR,
// d DECIMAL(·,2)], out of order by up to spread ms, some late.
func snEvents(rng *rand.Rand, n int, spread int64) []stEvent {
	evs := make([]stEvent, n)
	base := int64(1_000_000)
	for i := range evs {
		base += rng.Int64N(300)
		x := Int(rng.Int64N(101) - 50)
		if rng.IntN(10) == 0 {
			x = Null
		}
		s := stStr(fmt.Sprint("s", rng.IntN(7)))
		if rng.IntN(9) == 0 {
			s = Null
		}
		row := Row{stStr(fmt.Sprint("k", rng.IntN(4))), Int(int64(rng.IntN(2))), x,
			Double(float64(rng.IntN(20001)-10000) / 7), s, Decimal(rng.Int64N(100000)-50000, 2)}
		evs[i] = stEvent{row: row, t: base - rng.Int64N(spread)}
	}
	return evs
}

func snAllAggs() []AggSpec {
	x, y, s, dec := stCol(2), stCol(3), stCol(4), stCol(5)
	return []AggSpec{
		{Func: CountStar}, {Func: Count, Arg: s}, {Func: CountDistinct, Arg: s}, {Func: CountDistinct, Arg: x},
		{Func: Sum, Arg: x, ResultType: TInt}, {Func: Sum, Arg: y, ResultType: TDouble}, {Func: Sum, Arg: dec, ResultType: TDecimal},
		{Func: Avg, Arg: x, ResultType: TDouble}, {Func: Avg, Arg: y, ResultType: TDouble}, {Func: Avg, Arg: dec, ResultType: TDouble},
		{Func: Min, Arg: s}, {Func: Max, Arg: y}, {Func: Min, Arg: dec}, {Func: Max, Arg: x},
		{Func: StddevPop, Arg: y}, {Func: VarPop, Arg: x}, {Func: StddevSamp, Arg: x}, {Func: VarSamp, Arg: y},
		{Func: FirstValue, Arg: s}, {Func: LastValue, Arg: s}, {Func: FirstValue, Arg: y}, {Func: LastValue, Arg: x},
		{Func: Sum, Arg: x, ResultType: TInt, Distinct: true}, {Func: Avg, Arg: dec, ResultType: TDouble, Distinct: true},
		{Func: GroupConcat, Arg: s, ResultType: TString, Separator: []byte(";")},
		{Func: GroupConcat, Arg: s, ResultType: TString, MaxLen: 11}, // cut
		{Func: GroupConcat, Arg: OrderedConcatArg([]Expr{x, y}, []bool{true, false}, []Expr{s}), ResultType: TString, Ordered: true, MaxLen: 15},
	}
}

// TestGroupSnapshotRoundTrip: for every window kind and emit mode, with
// every built-in aggregate, a run interrupted by snapshot → restore into a
// fresh stage (several times, at random points) emits exactly what an
// uninterrupted run emits, late records included.
func TestGroupSnapshotRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 23))
	windows := []WindowSpec{
		{}, {Kind: Tumble, Size: 1000}, {Kind: Tumble, Size: 7000},
		{Kind: Hop, Slide: 1000, Size: 3000}, {Kind: Hop, Slide: 250, Size: 2000},
		{Kind: Session, Gap: 700}, {Kind: Session, Gap: 3000},
	}
	for _, w := range windows {
		for _, emit := range []EmitMode{EmitFinal, EmitChanges} {
			const delay = 1500
			evs := snEvents(rng, 1500, delay+2000)
			for i := range evs { // coarse times: sessions of different keys tie on (end, start)
				evs[i].t -= evs[i].t % 250
			}
			cfg := GroupConfig{Keys: []Expr{stCol(0), stCol(1)}, Aggs: snAllAggs(), Window: w, Emit: emit}
			if err := ValidateGroupConfig(&cfg); err != nil {
				t.Fatal(err)
			}
			mk := func() Stage { return NewGroupStage(cfg) }
			t.Run(fmt.Sprintf("%v/emit=%d", w, emit), func(t *testing.T) {
				d := newSnDriver(delay)
				st := mk()
				d.feed(st, evs)
				want := d.end(st)
				if len(want) < 8 { // 8 groups
					t.Fatalf("only %d output lines: the test covers too little", len(want))
				}
				for trial := range 4 {
					cuts := snCuts(rng, len(evs), 1+trial)
					got := snCheckpointed(t, mk, delay, evs, cuts)
					if !slices.Equal(got, want) {
						for i := range min(len(got), len(want)) {
							if got[i] != want[i] {
								t.Fatalf("cuts %v: line %d: got %s, want %s", cuts, i, got[i], want[i])
							}
						}
						t.Fatalf("cuts %v: got %d lines, want %d", cuts, len(got), len(want))
					}
				}
			})
		}
	}
}

// TestRowsSnapshotRoundTrip: row frames of every function (bounded and
// unbounded, LAG/LEAD with pending rows) continue exactly after restore.
func TestRowsSnapshotRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 31))
	const n = 1500
	evs := make([]stEvent, n)
	for i := range evs {
		x, y := Int(int64(rng.IntN(201)-100)), Double(float64(rng.IntN(20001)-10000)/7)
		if rng.IntN(8) == 0 {
			x = Null
		}
		if rng.IntN(8) == 0 {
			y = Null
		}
		s := stStr(fmt.Sprint("v", rng.IntN(50)))
		evs[i] = stEvent{row: Row{stStr(fmt.Sprint("k", rng.IntN(5))), x, y, Int(int64(i)), s}, t: int64(i)}
	}
	def := func(_ *Ctx, r Row) Value { return Int(-r[3].I) }
	for _, prec := range []int{0, 2, 9, -1} {
		x, y, s := stCol(1), stCol(2), stCol(4)
		funcs := []RowFunc{
			{Func: RowSum, Arg: x, ArgType: TInt, ResultType: TInt, Preceding: prec},
			{Func: RowSum, Arg: y, ArgType: TDouble, ResultType: TDouble, Preceding: prec},
			{Func: RowAvg, Arg: y, ArgType: TDouble, ResultType: TDouble, Preceding: prec},
			{Func: RowCount, Arg: y, Preceding: prec},
			{Func: RowCountStar, Preceding: prec},
			{Func: RowMin, Arg: x, ArgType: TInt, Preceding: prec},
			{Func: RowMax, Arg: s, ArgType: TString, Preceding: prec},
			{Func: RowFirstValue, Arg: s, ArgType: TString, Preceding: prec},
			{Func: RowLastValue, Arg: y, Preceding: prec},
			{Func: RowLag, Arg: s, ArgType: TString, Offset: 2, Default: def},
			{Func: RowLead, Arg: s, ArgType: TString, Offset: 3},
			{Func: RowLead, Arg: x, Offset: 1, Default: def},
			{Func: RowNumber},
		}
		for _, lead := range []bool{true, false} {
			if !lead { // without LEAD no row waits: a different path
				funcs = slices.DeleteFunc(slices.Clone(funcs), func(f RowFunc) bool { return f.Func == RowLead })
			}
			snRowsRoundTrip(t, rng, fmt.Sprintf("preceding=%d/lead=%v", prec, lead), funcs, evs)
		}
	}
}

func snRowsRoundTrip(t *testing.T, rng *rand.Rand, name string, funcs []RowFunc, evs []stEvent) {
	cfg := RowsConfig{PartitionBy: []Expr{stCol(0)}, Funcs: funcs}
	if err := ValidateRowsConfig(&cfg); err != nil {
		t.Fatal(err)
	}
	mk := func() Stage { return NewRowsStage(cfg) }
	n := len(evs)
	t.Run(name, func(t *testing.T) {
		d := newSnDriver(0)
		st := mk()
		d.feed(st, evs)
		want := d.end(st)
		if len(want) != n {
			t.Fatalf("%d rows out, want %d", len(want), n)
		}
		for trial := range 4 {
			cuts := snCuts(rng, n, 1+trial)
			if got := snCheckpointed(t, mk, 0, evs, cuts); !slices.Equal(got, want) {
				for i := range min(len(got), len(want)) {
					if got[i] != want[i] {
						t.Fatalf("cuts %v: row %d: got %s, want %s", cuts, i, got[i], want[i])
					}
				}
				t.Fatalf("cuts %v: got %d rows, want %d", cuts, len(got), len(want))
			}
		}
	})
}

// TestSnapshotRefusesUDFAggregates: user aggregate state lives in a wasm
// instance; such a stage reports it cannot be checkpointed.
func TestSnapshotRefusesUDFAggregates(t *testing.T) {
	st := NewGroupStage(GroupConfig{Keys: []Expr{stCol(0)}, Aggs: []AggSpec{{Func: UDF, Arg: stCol(1), UDF: newSumSquares()}}})
	if _, err := st.(Checkpointer).Snapshot(nil); !errors.Is(err, ErrNotCheckpointable) {
		t.Fatalf("Snapshot with a UDF aggregate: %v, want ErrNotCheckpointable", err)
	}
}

// TestRestoreRejectsMismatchAndTruncation: a snapshot of another query
// shape, or a cut-off one, is an error and leaves an empty stage.
func TestRestoreRejectsMismatchAndTruncation(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	evs := snEvents(rng, 300, 100)
	cfg := GroupConfig{Keys: []Expr{stCol(0)}, Aggs: snAllAggs(), Window: WindowSpec{Kind: Session, Gap: 5000}}
	st := NewGroupStage(cfg)
	newSnDriver(1000).feed(st, evs)
	snap, err := st.(Checkpointer).Snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	other := cfg
	other.Window.Gap = 6000
	if err := NewGroupStage(other).(Checkpointer).Restore(snap); err == nil {
		t.Error("a snapshot of a different gap was restored")
	}
	rows := NewRowsStage(RowsConfig{Funcs: []RowFunc{{Func: RowNumber}}})
	if err := rows.(Checkpointer).Restore(snap); err == nil {
		t.Error("a group snapshot was restored into a rows stage")
	}
	for n := 0; n < len(snap); n += 1 + n/50 {
		fresh := NewGroupStage(cfg)
		if err := fresh.(Checkpointer).Restore(snap[:n]); err == nil {
			t.Fatalf("a snapshot cut to %d of %d bytes was restored", n, len(snap))
		}
		if again, _ := fresh.(Checkpointer).Snapshot(nil); len(again) >= len(snap) {
			t.Fatalf("a failed restore left state behind")
		}
	}
	var ok Stage = NewGroupStage(cfg)
	if err := ok.(Checkpointer).Restore(snap); err != nil {
		t.Fatalf("the whole snapshot: %v", err)
	}
	if again, _ := ok.(Checkpointer).Snapshot(nil); string(again) != string(snap) {
		t.Error("snapshot → restore → snapshot changed the bytes")
	}
}
