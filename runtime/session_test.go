package runtime

import (
	"slices"
	"strings"
	"testing"
)

func TestSessionWindows(t *testing.T) {
	ev := func(k string, v, ts int64) stEvent { return stKV(k, Int(v), ts) }
	sess := WindowSpec{Kind: Session, Gap: 10000}
	cases := []struct {
		name  string
		emit  EmitMode
		delay int64
		in    []stEvent
		want  []string
	}{
		{
			name: "final: gap joins, touching joins, closes by end", emit: EmitFinal,
			in: []stEvent{ev("a", 1, 0), ev("a", 2, 5000), ev("a", 3, 15000), ev("b", 4, 16000), ev("a", 5, 40000)},
			want: []string{
				"'a'|3|6|@0|@25000", "'b'|1|4|@16000|@26000", // watermark 40000, by window_end
				"'a'|1|5|@40000|@50000",
			},
		},
		{
			name: "final: a record bridging two sessions merges them", emit: EmitFinal, delay: 30000,
			in:   []stEvent{ev("a", 1, 0), ev("a", 2, 20000), ev("b", 3, 5000), ev("a", 4, 10000)},
			want: []string{"'b'|1|3|@5000|@15000", "'a'|3|7|@0|@30000"},
		},
		{
			name: "changes: merged session emitted once, no retraction", emit: EmitChanges, delay: 30000,
			in:   []stEvent{ev("a", 1, 0), ev("a", 2, 20000), ev("a", 4, 10000)},
			want: []string{"'a'|1|1|@0|@10000", "'a'|1|2|@20000|@30000", "'a'|3|7|@0|@30000"},
		},
		{
			name: "out of order extends the start", emit: EmitFinal, delay: 10000,
			in:   []stEvent{ev("a", 1, 10000), ev("a", 2, 5000), ev("a", 3, 30000)},
			want: []string{"'a'|2|3|@5000|@20000", "'a'|1|3|@30000|@40000"},
		},
		{
			name: "late only when no open session can take it", emit: EmitFinal,
			in: []stEvent{ev("a", 1, 0), ev("b", 2, 30000), ev("a", 3, 5000), ev("b", 4, 38000), ev("b", 5, 25000), ev("a", 6, 31000)},
			want: []string{
				"'a'|1|1|@0|@10000", // watermark 30000
				"LATE 5000",
				"'a'|1|6|@31000|@41000", "'b'|3|11|@25000|@48000", // end: b's own [25000,35000) had closed but it joined the open session
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := NewGroupStage(stCountSum(sess, tc.emit))
			got := stRun(st, tc.delay, tc.in)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

func TestSessionMergesEveryAggregate(t *testing.T) {
	u := mergingSumSquares{newSumSquares()}
	cfg := GroupConfig{
		Keys: []Expr{stCol(0)},
		Aggs: []AggSpec{
			{Func: CountDistinct, Arg: stCol(1)}, {Func: Min, Arg: stCol(1)}, {Func: Max, Arg: stCol(1)},
			{Func: Avg, Arg: stCol(1)}, {Func: FirstValue, Arg: stCol(1)}, {Func: LastValue, Arg: stCol(1)},
			{Func: VarPop, Arg: stCol(1)}, {Func: UDF, Arg: stCol(1), UDF: u},
		},
		Window: WindowSpec{Kind: Session, Gap: 100},
		Emit:   EmitFinal,
	}
	// arrival order: 5 (t=0), 1 (t=150), 3 (t=100, bridges both)
	got := stRun(NewGroupStage(cfg), 1000, []stEvent{stKV("k", Int(5), 0), stKV("k", Int(1), 150), stKV("k", Int(3), 100)})
	want := []string{"'k'|3|1|5|3|5|3|2.6666666666666665|35|@0|@250"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if len(u.states) != 0 {
		t.Fatalf("%d UDF states leaked", len(u.states))
	}
}

func TestSessionWithoutUDFMergeRejectsBridge(t *testing.T) {
	u := newSumSquares()
	cfg := GroupConfig{
		Keys:   []Expr{stCol(0)},
		Aggs:   []AggSpec{{Func: UDF, Arg: stCol(1), UDF: u}},
		Window: WindowSpec{Kind: Session, Gap: 10},
		Emit:   EmitFinal,
	}
	got := stRun(NewGroupStage(cfg), 100, []stEvent{stKV("k", Int(1), 0), stKV("k", Int(2), 20), stKV("k", Int(3), 10)})
	want := []string{"ERR " + errNoMerge.Error(), "'k'|1|@0|@10", "'k'|4|@20|@30"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
