package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// stRowSink keeps deep copies of emitted rows.
type stRowSink struct{ rows []Row }

func (s *stRowSink) Emit(_ *Ctx, r Row) {
	cp := make(Row, len(r))
	for i, v := range r {
		if v.S != nil {
			v.S = append([]byte(nil), v.S...)
		}
		cp[i] = v
	}
	s.rows = append(s.rows, cp)
}

// TestRowsRandomAgainstBruteForce compares the incremental row frames with
// a recomputation over each partition's full history.
func TestRowsRandomAgainstBruteForce(t *testing.T) {
	forSeeds(t, 7, 11, func(t *testing.T, rng *rand.Rand) {
		// row: [key, x BIGINT, y DOUBLE, index]
		const n = 4000
		rows := make([]Row, n)
		for i := range rows {
			x, y := Int(int64(rng.IntN(201)-100)), Double(float64(rng.IntN(20001)-10000)/7)
			if rng.IntN(8) == 0 {
				x = Null
			}
			if rng.IntN(8) == 0 {
				y = Null
			}
			rows[i] = Row{stStr(fmt.Sprint("k", rng.IntN(5))), x, y, Int(int64(i))}
		}
		def := func(_ *Ctx, r Row) Value { return Int(-r[3].I) }
		for _, prec := range []int{0, 1, 3, 7, 50, -1} {
			for _, off := range []int{1, 3} {
				x, y := stCol(1), stCol(2)
				funcs := []RowFunc{
					{Func: RowSum, Arg: x, ArgType: TInt, ResultType: TInt, Preceding: prec},
					{Func: RowSum, Arg: y, ArgType: TDouble, ResultType: TDouble, Preceding: prec},
					{Func: RowAvg, Arg: x, ArgType: TInt, ResultType: TDouble, Preceding: prec},
					{Func: RowAvg, Arg: y, ArgType: TDouble, ResultType: TDouble, Preceding: prec},
					{Func: RowCount, Arg: y, Preceding: prec},
					{Func: RowCountStar, Preceding: prec},
					{Func: RowMin, Arg: x, ArgType: TInt, Preceding: prec},
					{Func: RowMax, Arg: y, ArgType: TDouble, Preceding: prec},
					{Func: RowMin, Arg: y, ArgType: TDouble, Preceding: prec},
					{Func: RowFirstValue, Arg: x, Preceding: prec},
					{Func: RowLastValue, Arg: y, Preceding: prec},
					{Func: RowLag, Arg: x, Offset: off, Default: def},
					{Func: RowLead, Arg: y, Offset: off},
					{Func: RowLead, Arg: x, Offset: 1, Default: def},
					{Func: RowNumber},
				}
				t.Run(fmt.Sprintf("preceding=%d offset=%d", prec, off), func(t *testing.T) {
					sink := &stRowSink{}
					st := NewRowsStage(RowsConfig{PartitionBy: []Expr{stCol(0)}, Funcs: funcs})
					c := &Ctx{}
					for i, r := range rows {
						st.Process(c, r, int64(i), sink)
					}
					st.Advance(c, EndOfTime, sink)
					if len(sink.rows) != n {
						t.Fatalf("%d rows out, want %d", len(sink.rows), n)
					}
					hist := map[string][]Row{}
					pos := make([]int, n) // index within its partition
					for i, r := range rows {
						k := string(r[0].S)
						pos[i] = len(hist[k])
						hist[k] = append(hist[k], r)
					}
					seen := make([]bool, n)
					lastOut := map[string]int{}
					for _, out := range sink.rows {
						idx := int(out[3].I)
						if seen[idx] {
							t.Fatalf("row %d emitted twice", idx)
						}
						seen[idx] = true
						key := string(out[0].S)
						if p, ok := lastOut[key]; ok && p > pos[idx] {
							t.Fatalf("row %d of %s emitted after row %d", pos[idx], key, p)
						}
						lastOut[key] = pos[idx]
						h, k := hist[key], pos[idx]
						for j := range funcs {
							want := stBruteRow(&funcs[j], h, k, rows[idx])
							if got := out[4+j]; !stClose(got, want) {
								t.Fatalf("row %d (%s #%d) %s: got %s, want %s", idx, key, k, funcs[j].Func, stFmtValue(got), stFmtValue(want))
							}
						}
					}
				})
			}
		}
	})
}

// stBruteRow computes function f for row k of partition history h.
func stBruteRow(f *RowFunc, h []Row, k int, cur Row) Value {
	arg := func(r Row) Value {
		if f.Arg == nil {
			return Null
		}
		return f.Arg(nil, r)
	}
	def := func() Value {
		if f.Default == nil {
			return Null
		}
		return f.Default(nil, cur)
	}
	switch f.Func {
	case RowNumber:
		return Int(int64(k + 1))
	case RowLag:
		if k-f.Offset >= 0 {
			return arg(h[k-f.Offset])
		}
		return def()
	case RowLead:
		if k+f.Offset < len(h) {
			return arg(h[k+f.Offset])
		}
		return def()
	case RowLastValue:
		return arg(cur)
	}
	lo := 0
	if f.Preceding >= 0 {
		lo = max(0, k-f.Preceding)
	}
	frame := h[lo : k+1]
	switch f.Func {
	case RowCountStar:
		return Int(int64(len(frame)))
	case RowFirstValue:
		return arg(frame[0])
	}
	var nn int64
	var si int64
	var sf float64
	var best Value
	for _, r := range frame {
		v := arg(r)
		if v.T == TNull {
			continue
		}
		if nn == 0 || (f.Func == RowMin && aggCompare(&v, &best) < 0) || (f.Func == RowMax && aggCompare(&v, &best) > 0) {
			best = v
		}
		nn++
		si += aggToInt(v)
		sf += aggToFloat(v)
	}
	switch f.Func {
	case RowCount:
		return Int(nn)
	}
	if nn == 0 {
		return Null
	}
	switch f.Func {
	case RowMin, RowMax:
		return best
	case RowAvg:
		return Double(sf / float64(nn))
	case RowSum:
		if f.ResultType == TInt {
			return Int(si)
		}
		return Double(sf)
	}
	return Value{T: math.MaxUint8}
}
