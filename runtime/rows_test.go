package runtime

import (
	"slices"
	"strings"
	"testing"
)

func stRowsRun(cfg RowsConfig, rows []Row) []string {
	var evs []stEvent
	for i, r := range rows {
		evs = append(evs, stEvent{row: r, t: int64(i)})
	}
	return stRun(NewRowsStage(cfg), 0, evs)
}

func stKeyed(key string, xs ...any) []Row {
	var out []Row
	for _, v := range stInts(xs...) {
		out = append(out, Row{stStr(key), v})
	}
	return out
}

func TestRowsFrames(t *testing.T) {
	arg := stCol(1)
	f := func(k RowFuncKind, rt Type, prec int) RowFunc {
		return RowFunc{Func: k, Arg: arg, ArgType: TInt, ResultType: rt, Preceding: prec}
	}
	cases := []struct {
		name  string
		funcs []RowFunc
		rows  []Row
		want  []string
	}{
		{
			name: "2 preceding: sum avg count count(*) min max first last",
			funcs: []RowFunc{f(RowSum, TInt, 2), f(RowAvg, TDouble, 2), f(RowCount, TInt, 2),
				{Func: RowCountStar, Preceding: 2}, f(RowMin, TInt, 2), f(RowMax, TInt, 2), f(RowFirstValue, TInt, 2), f(RowLastValue, TInt, 2)},
			rows: stKeyed("a", 5, nil, 3, 8, 1, nil, nil, nil, 4),
			want: []string{
				"'a'|5|5|5|1|1|5|5|5|5",
				"'a'|NULL|5|5|1|2|5|5|5|NULL",
				"'a'|3|8|4|2|3|3|5|5|3",
				"'a'|8|11|5.5|2|3|3|8|NULL|8",
				"'a'|1|12|4|3|3|1|8|3|1",
				"'a'|NULL|9|4.5|2|3|1|8|8|NULL",
				"'a'|NULL|1|1|1|3|1|1|1|NULL",
				"'a'|NULL|NULL|NULL|0|3|NULL|NULL|NULL|NULL",
				"'a'|4|4|4|1|3|4|4|NULL|4",
			},
		},
		{
			name:  "max evicts a decreasing run, min an increasing one",
			funcs: []RowFunc{f(RowMax, TInt, 1), f(RowMin, TInt, 1)},
			rows:  stKeyed("a", 9, 8, 7, 10, 6, 6, 11),
			want:  []string{"'a'|9|9|9", "'a'|8|9|8", "'a'|7|8|7", "'a'|10|10|7", "'a'|6|10|6", "'a'|6|6|6", "'a'|11|11|6"},
		},
		{
			name:  "min with duplicates and strings",
			funcs: []RowFunc{{Func: RowMin, Arg: arg, ArgType: TString, Preceding: 2}, {Func: RowMax, Arg: arg, ArgType: TString, Preceding: 2}},
			rows:  stKeyed("a", "m", "m", "m", "b", "m", "z", "a"),
			want:  []string{"'a'|'m'|'m'|'m'", "'a'|'m'|'m'|'m'", "'a'|'m'|'m'|'m'", "'a'|'b'|'b'|'m'", "'a'|'m'|'b'|'m'", "'a'|'z'|'b'|'z'", "'a'|'a'|'a'|'z'"},
		},
		{
			name:  "frame of the current row only",
			funcs: []RowFunc{f(RowSum, TInt, 0), {Func: RowCountStar, Preceding: 0}, f(RowFirstValue, TInt, 0)},
			rows:  stKeyed("a", 1, 2, nil),
			want:  []string{"'a'|1|1|1|1", "'a'|2|2|1|2", "'a'|NULL|NULL|1|NULL"},
		},
		{
			name:  "unbounded preceding",
			funcs: []RowFunc{f(RowSum, TDouble, -1), f(RowMin, TInt, -1), f(RowFirstValue, TInt, -1), {Func: RowCountStar, Preceding: -1}},
			rows:  stKeyed("a", nil, 4, 2, 7),
			want:  []string{"'a'|NULL|NULL|NULL|NULL|1", "'a'|4|4|4|NULL|2", "'a'|2|6|2|NULL|3", "'a'|7|13|2|NULL|4"},
		},
		{
			name: "sum of decimals and doubles",
			funcs: []RowFunc{{Func: RowSum, Arg: arg, ArgType: TDecimal, ResultType: TDecimal, Preceding: 1},
				{Func: RowAvg, Arg: arg, ArgType: TDecimal, ResultType: TDouble, Preceding: 1}},
			rows: []Row{{stStr("a"), Decimal(125, 2)}, {stStr("a"), Decimal(5, 1)}, {stStr("a"), Decimal(1, 0)}},
			want: []string{"'a'|1.25d|1.25d|1.25", "'a'|0.5d|1.75d|0.875", "'a'|1d|1.50d|0.75"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := stRowsRun(RowsConfig{PartitionBy: []Expr{stCol(0)}, Funcs: tc.funcs}, tc.rows)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

func TestRowsLagLeadRowNumber(t *testing.T) {
	arg := stCol(1)
	minus1 := func(*Ctx, Row) Value { return Int(-1) }
	zero := func(*Ctx, Row) Value { return Int(0) }
	cfg := RowsConfig{
		PartitionBy: []Expr{stCol(0)},
		Funcs: []RowFunc{
			{Func: RowNumber, ResultType: TInt},
			{Func: RowLag, Arg: arg, Offset: 1, Default: minus1},
			{Func: RowLag, Arg: arg, Offset: 2},
			{Func: RowLead, Arg: arg, Offset: 1, Default: zero},
		},
	}
	rows := []Row{
		{stStr("a"), Int(1)}, {stStr("b"), Int(10)}, {stStr("a"), Int(2)},
		{stStr("a"), Int(3)}, {stStr("b"), Int(20)}, {stStr("a"), Int(4)},
	}
	want := []string{
		"'a'|1|1|-1|NULL|2", // emitted when a2 arrives
		"'a'|2|2|1|NULL|3",
		"'b'|10|1|-1|NULL|20",
		"'a'|3|3|2|1|4",
		"'b'|20|2|10|NULL|0", // end of input: in arrival order, LEAD default
		"'a'|4|4|3|2|0",
	}
	if got := stRowsRun(cfg, rows); !slices.Equal(got, want) {
		t.Fatalf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestRowsLeadCopiesStrings(t *testing.T) {
	// Input bytes are reused by the caller after Process: rows held for
	// LEAD and values kept for LAG must own copies.
	cfg := RowsConfig{
		PartitionBy: []Expr{stCol(0)},
		Funcs: []RowFunc{
			{Func: RowLead, Arg: stCol(1), Offset: 2},
			{Func: RowLag, Arg: stCol(1), Offset: 1},
			{Func: RowLead, Arg: stCol(1), Offset: 0},
			{Func: RowLag, Arg: stCol(1), Offset: 0},
		},
	}
	st := NewRowsStage(cfg)
	sink := &stSink{}
	c := &Ctx{}
	key, val := []byte("k"), []byte("v0")
	for i := range 4 {
		val[1] = byte('0' + i)
		st.Process(c, Row{String(key), String(val)}, int64(i), sink)
		key[0], val[1] = '#', '#'
		key[0] = 'k'
	}
	st.Advance(c, EndOfTime, sink)
	want := []string{
		"'k'|'v0'|'v2'|NULL|'v0'|'v0'",
		"'k'|'v1'|'v3'|'v0'|'v1'|'v1'",
		"'k'|'v2'|NULL|'v1'|'v2'|'v2'",
		"'k'|'v3'|NULL|'v2'|'v3'|'v3'",
	}
	if !slices.Equal(sink.lines, want) {
		t.Fatalf("got\n  %s\nwant\n  %s", strings.Join(sink.lines, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestRowsNoPartition(t *testing.T) {
	cfg := RowsConfig{Funcs: []RowFunc{{Func: RowSum, Arg: stCol(1), ResultType: TInt, Preceding: 1}, {Func: RowNumber}}}
	got := stRowsRun(cfg, []Row{{stStr("a"), Int(1)}, {stStr("b"), Int(2)}, {stStr("a"), Int(3)}})
	want := []string{"'a'|1|1|1", "'b'|2|3|2", "'a'|3|5|3"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestValidateRowsConfig(t *testing.T) {
	bad := []RowsConfig{
		{Funcs: []RowFunc{{Func: RowSum}}},
		{Funcs: []RowFunc{{Func: RowLag, Arg: stCol(0), Offset: -1}}},
		{Funcs: []RowFunc{{Func: RowAvg, Arg: stCol(0), Preceding: -2}}},
	}
	for i, cfg := range bad {
		if ValidateRowsConfig(&cfg) == nil {
			t.Errorf("config %d accepted", i)
		}
	}
	in := Schema{{Name: "symbol", Type: TString}, {Name: "price", Type: TDouble}}
	cfg := RowsConfig{Funcs: []RowFunc{{Func: RowAvg, Arg: stCol(1), ResultType: TDouble, Preceding: 99}}}
	if err := ValidateRowsConfig(&cfg); err != nil {
		t.Fatal(err)
	}
	s := RowsOutputSchema(in, &cfg, []string{"moving_avg"})
	if len(s) != 3 || s[RowsFuncCol(len(in), 0)].Name != "moving_avg" || s[2].Type != TDouble {
		t.Fatalf("schema %v", s)
	}
}
