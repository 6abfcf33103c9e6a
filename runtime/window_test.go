package runtime

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// stCountSum is GROUP BY key: COUNT(*), SUM(v) over rows [key, v].
func stCountSum(w WindowSpec, emit EmitMode) GroupConfig {
	return GroupConfig{
		Keys:     []Expr{stCol(0)},
		KeyTypes: []Type{TString},
		Aggs: []AggSpec{
			{Func: CountStar, ResultType: TInt},
			{Func: Sum, Arg: stCol(1), ArgType: TInt, ResultType: TInt},
		},
		Window: w,
		Emit:   emit,
	}
}

func TestGroupWindows(t *testing.T) {
	ev := func(k string, v, ts int64) stEvent { return stKV(k, Int(v), ts) }
	tumble := WindowSpec{Kind: Tumble, Size: 10000}
	hop := WindowSpec{Kind: Hop, Slide: 5000, Size: 10000}
	cases := []struct {
		name  string
		w     WindowSpec
		emit  EmitMode
		delay int64
		in    []stEvent
		want  []string
	}{
		{
			name: "tumble final in order", w: tumble, emit: EmitFinal,
			in: []stEvent{ev("a", 1, 1000), ev("b", 2, 2000), ev("a", 3, 9999), ev("a", 4, 10000), ev("b", 5, 15000), ev("a", 6, 25000)},
			want: []string{
				"'a'|2|4|@0|@10000", "'b'|1|2|@0|@10000", // watermark 10000 closes [0,10000)
				"'a'|1|4|@10000|@20000", "'b'|1|5|@10000|@20000", // watermark 25000
				"'a'|1|6|@20000|@30000", // end of input
			},
		},
		{
			name: "tumble final out of order within delay, then late", w: tumble, emit: EmitFinal, delay: 5000,
			in: []stEvent{ev("a", 1, 1000), ev("a", 2, 8000), ev("b", 3, 3000), ev("a", 4, 12000), ev("b", 5, 9000),
				ev("a", 6, 16000), ev("b", 7, 4000), ev("a", 8, 14000)},
			want: []string{
				"'a'|2|3|@0|@10000", "'b'|2|8|@0|@10000", // watermark 11000
				"LATE 4000", // [0,10000) already emitted: dropped, state unchanged
				"'a'|3|18|@10000|@20000",
			},
		},
		{
			name: "tumble changes emits per record only", w: tumble, emit: EmitChanges,
			in: []stEvent{ev("a", 1, 1000), ev("b", 2, 2000), ev("a", 3, 9000), ev("a", 4, 10000), ev("b", 5, 500)},
			want: []string{
				"'a'|1|1|@0|@10000", "'b'|1|2|@0|@10000", "'a'|2|4|@0|@10000",
				"'a'|1|4|@10000|@20000",
				"LATE 500", // window closed at watermark 10000
			},
		},
		{
			name: "hop final", w: hop, emit: EmitFinal,
			in: []stEvent{ev("a", 1, 7000), ev("b", 2, 12000), ev("a", 3, 16000)},
			want: []string{
				"'a'|1|1|@0|@10000",                            // watermark 12000
				"'a'|1|1|@5000|@15000", "'b'|1|2|@5000|@15000", // watermark 16000
				"'b'|1|2|@10000|@20000", "'a'|1|3|@10000|@20000", // end: by window_end, then first seen
				"'a'|1|3|@15000|@25000",
			},
		},
		{
			name: "hop changes emits each window the record touched", w: hop, emit: EmitChanges,
			in: []stEvent{ev("a", 1, 7000), ev("b", 2, 12000), ev("a", 3, 9000), ev("a", 4, 1000)},
			want: []string{
				"'a'|1|1|@0|@10000", "'a'|1|1|@5000|@15000",
				"'b'|1|2|@5000|@15000", "'b'|1|2|@10000|@20000",
				"'a'|2|4|@5000|@15000", // [0,10000) closed at watermark 12000: joins only the open window
				"LATE 1000",
			},
		},
		{
			name: "no window final emits each group once at end", emit: EmitFinal,
			in:   []stEvent{ev("a", 1, 1), ev("b", 2, 2), ev("a", 3, 3), ev("c", 4, 100000)},
			want: []string{"'a'|2|4|NULL|NULL", "'b'|1|2|NULL|NULL", "'c'|1|4|NULL|NULL"},
		},
		{
			name: "no window changes emits only the changed group", emit: EmitChanges,
			in:   []stEvent{ev("a", 1, 1), ev("b", 2, 2), ev("a", 3, 3)},
			want: []string{"'a'|1|1|NULL|NULL", "'b'|1|2|NULL|NULL", "'a'|2|4|NULL|NULL"},
		},
		{
			name: "negative event times align to the epoch", w: tumble, emit: EmitFinal,
			in:   []stEvent{ev("a", 1, -1), ev("a", 2, -10000), ev("a", 3, 0)},
			want: []string{"'a'|2|3|@-10000|@0", "'a'|1|3|@0|@10000"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := NewGroupStage(stCountSum(tc.w, tc.emit))
			got := stRun(st, tc.delay, tc.in)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			lates := 0
			for _, l := range tc.want {
				if strings.HasPrefix(l, "LATE") {
					lates++
				}
			}
			if n := st.(LateCounter).LateCount(); n != int64(lates) {
				t.Fatalf("LateCount = %d, want %d", n, lates)
			}
		})
	}
}

func TestLateErrorMessage(t *testing.T) {
	st := NewGroupStage(stCountSum(WindowSpec{Kind: Tumble, Size: 60000}, EmitFinal))
	c := &Ctx{}
	sink := &stSink{}
	st.Advance(c, 1705312800000, sink) // 2024-01-15T10:00:00Z
	st.Process(c, Row{stStr("a"), Int(1)}, 1705312740000, sink)
	var le *LateError
	if !errors.As(c.Err, &le) {
		t.Fatalf("got %v, want *LateError", c.Err)
	}
	want := "late record: event time 2024-01-15T09:59:00.000Z is behind watermark 2024-01-15T10:00:00.000Z (its last window ended at 2024-01-15T10:00:00.000Z)"
	if c.Err.Error() != want {
		t.Fatalf("message %q", c.Err.Error())
	}
}

func TestGroupEvalErrorLeavesStateUnchanged(t *testing.T) {
	boom := errors.New("boom")
	cfg := stCountSum(WindowSpec{}, EmitFinal)
	cfg.Aggs[1].Arg = func(c *Ctx, r Row) Value {
		if r[1].I < 0 {
			c.Err = boom
			return Null
		}
		return r[1]
	}
	got := stRun(NewGroupStage(cfg), 0, []stEvent{stKV("a", Int(1), 0), stKV("b", Int(-1), 1), stKV("a", Int(2), 2)})
	want := []string{"ERR boom", "'a'|2|3|NULL|NULL"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestGroupKeysOfEveryType(t *testing.T) {
	cfg := GroupConfig{
		Keys: []Expr{stCol(0), stCol(1)},
		Aggs: []AggSpec{{Func: CountStar}},
		Emit: EmitFinal,
	}
	rows := []Row{
		{Null, Double(0)}, {Null, Double(math.Copysign(0, -1))}, {Int(1), Decimal(150, 2)}, {Int(1), Decimal(15, 1)},
		{stStr("x"), Bool(true)}, {stStr("x"), Bool(false)}, {stStr("x"), Bool(true)}, {Timestamp(5), Null},
	}
	var evs []stEvent
	for i, r := range rows {
		evs = append(evs, stEvent{row: r, t: int64(i)})
	}
	got := stRun(NewGroupStage(cfg), 0, evs)
	want := []string{"NULL|0|2|NULL|NULL", "1|1.50d|2|NULL|NULL", "'x'|true|2|NULL|NULL", "'x'|false|1|NULL|NULL", "@5|NULL|1|NULL|NULL"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestGroupStateIsFreed(t *testing.T) {
	// Many distinct keys, each in one window: closed windows free their
	// cells, empty groups are forgotten, and memory is reused.
	st := newGroupStage(stCountSum(WindowSpec{Kind: Tumble, Size: 1000}, EmitFinal))
	st.sweepMin = 16
	sink := &stSink{}
	c := &Ctx{}
	for i := range 5000 {
		key := []byte{byte('a' + i%26), byte('a' + (i/26)%26), byte('a' + (i/676)%26)}
		st.Process(c, Row{String(key), Int(1)}, int64(i)*10, sink)
		st.Advance(c, int64(i)*10, sink)
	}
	if len(sink.lines) != 4900 {
		t.Fatalf("emitted %d rows before end, want 4900", len(sink.lines))
	}
	if live := len(st.cells) - len(st.freeCells); live != 100 {
		t.Fatalf("%d live cells, want 100 (one open window)", live)
	}
	if len(st.cells) > 200 {
		t.Fatalf("%d cells allocated for 100 live ones: not reused", len(st.cells))
	}
	if st.keys.count > 200 || len(st.groups) > 400 {
		t.Fatalf("%d groups kept (%d allocated) for 100 live ones", st.keys.count, len(st.groups))
	}
	if len(st.wins.live) != 1 || len(st.wins.wins) > 3 {
		t.Fatalf("%d live windows, %d allocated", len(st.wins.live), len(st.wins.wins))
	}
	st.Advance(c, EndOfTime, sink)
	if len(sink.lines) != 5000 || len(st.cells) != len(st.freeCells) {
		t.Fatalf("after end: %d rows, %d cells not freed", len(sink.lines), len(st.cells)-len(st.freeCells))
	}
}

func TestValidateGroupConfig(t *testing.T) {
	u := newSumSquares()
	bad := []GroupConfig{
		{Window: WindowSpec{Kind: Tumble}},
		{Window: WindowSpec{Kind: Hop, Size: 10, Slide: 20}},
		{Window: WindowSpec{Kind: Session}},
		{Aggs: []AggSpec{{Func: Sum}}},
		{Aggs: []AggSpec{{Func: UDF, Arg: stCol(0), UDF: u}}, Window: WindowSpec{Kind: Session, Gap: 10}},
	}
	for i, cfg := range bad {
		if ValidateGroupConfig(&cfg) == nil {
			t.Errorf("config %d accepted", i)
		}
	}
	good := GroupConfig{Aggs: []AggSpec{{Func: UDF, Arg: stCol(0), UDF: mergingSumSquares{u}}}, Window: WindowSpec{Kind: Session, Gap: 10}}
	if err := ValidateGroupConfig(&good); err != nil {
		t.Fatal(err)
	}
	s := GroupOutputSchema(&good, nil, []string{"agg"})
	if len(s) != good.OutputWidth() || s[good.WindowStartCol()].Name != "window_start" || s[good.WindowEndCol()].Type != TTimestamp {
		t.Fatalf("schema %v", s)
	}
}
