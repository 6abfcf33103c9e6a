package bench

import (
	"context"
	goruntime "runtime"
	"strconv"
	"testing"

	"github.com/velort/velort/runtime"
)

// Engine-mode benchmarks: each scenario's records, generated in chunks
// with the timer stopped, fed to one partition's pipeline on one core.
// -benchmem shows allocations per record (op = record).

const benchChunk = 1 << 14

func benchEngine(b *testing.B, name string, json bool) { benchEngineWith(b, name, json, nil) }

// benchEngineWith is benchEngine with the engine adjusted by tweak.
func benchEngineWith(b *testing.B, name string, json bool, tweak func(*engine)) {
	s, ok := Lookup(name)
	if !ok {
		b.Fatalf("no scenario %s", name)
	}
	q, err := s.plan(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer q.close()
	e := engineFor(b, q, json)
	if tweak != nil {
		tweak(e)
	}
	g := s.newGen()
	if err := checkColumns(s, g, q.Source.Columns); err != nil {
		b.Fatal(err)
	}
	w := len(q.Source.Columns)
	slots := make([]runtime.Value, benchChunk*w)
	rows := make([]runtime.Row, benchChunk)
	for i := range rows {
		rows[i] = slots[i*w : (i+1)*w : (i+1)*w]
	}
	var enc recordEncoder
	enc.init(q.Source.Columns)
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(1))
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(benchChunk, b.N-done)
		b.StopTimer()
		for i := range n {
			g.fill(done+i, rows[i])
		}
		if json {
			enc.encode(rows[:n])
		}
		b.StartTimer()
		if json {
			err = e.feedJSON(enc.msgs[:n])
		} else {
			err = e.feedRows(rows[:n])
		}
		if err != nil {
			b.Fatalf("from record %d: %v", done, err)
		}
		done += n
	}
	if err := e.finish(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if e.late != 0 {
		b.Fatalf("%d late records", e.late)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(e.outs)/float64(b.N), "outputs/record")
}

// recordEncoder encodes rows into reused buffers.
type recordEncoder struct {
	heads [][]byte
	buf   []byte
	msgs  [][]byte
}

func (r *recordEncoder) init(schema runtime.Schema) {
	for i, c := range schema {
		sep := ","
		if i == 0 {
			sep = "{"
		}
		r.heads = append(r.heads, []byte(sep+strconv.Quote(c.Name)+":"))
	}
}

func (r *recordEncoder) encode(rows []runtime.Row) {
	r.buf, r.msgs = r.buf[:0], r.msgs[:0]
	ends := make([]int, len(rows))
	for i, row := range rows {
		r.buf = appendRecord(r.buf, r.heads, row)
		ends[i] = len(r.buf)
	}
	start := 0
	for _, end := range ends {
		r.msgs = append(r.msgs, r.buf[start:end:end])
		start = end
	}
}

func BenchmarkEngineS0(b *testing.B)  { benchEngine(b, "S0", false) }
func BenchmarkEngineS1(b *testing.B)  { benchEngine(b, "S1", false) }
func BenchmarkEngineS2(b *testing.B)  { benchEngine(b, "S2", false) }
func BenchmarkEngineS3a(b *testing.B) { benchEngine(b, "S3a", false) }

// S2 over a changelog input: each record retracts its id's old row.
func BenchmarkEngineS2Changelog(b *testing.B)    { benchEngine(b, "S2-changelog", false) }
func BenchmarkJSONS2Changelog(b *testing.B)      { benchEngine(b, "S2-changelog", true) }
func BenchmarkEngineS2ChangelogSum(b *testing.B) { benchEngine(b, "S2-changelog-sum", false) }
func BenchmarkEngineS3b(b *testing.B)            { benchEngine(b, "S3b", false) }
func BenchmarkEngineS0UDF(b *testing.B)          { benchEngine(b, "S0-udf", false) }
func BenchmarkEngineS1UDF(b *testing.B)          { benchEngine(b, "S1-udf", false) }

func BenchmarkEngineS2UDF(b *testing.B)  { benchEngine(b, "S2-udf", false) }
func BenchmarkEngineS3aUDF(b *testing.B) { benchEngine(b, "S3a-udf", false) }
func BenchmarkEngineS3bUDF(b *testing.B) { benchEngine(b, "S3b-udf", false) }
func BenchmarkEngineQ0(b *testing.B)     { benchEngine(b, "q0", false) }
func BenchmarkEngineQ1(b *testing.B)     { benchEngine(b, "q1", false) }
func BenchmarkEngineQ2(b *testing.B)     { benchEngine(b, "q2", false) }
func BenchmarkEngineQ5(b *testing.B)     { benchEngine(b, "q5-count", false) }
func BenchmarkEngineQ7(b *testing.B)     { benchEngine(b, "q7-max", false) }

// JSON path: decode → execute → encode.
func BenchmarkJSONS0(b *testing.B)  { benchEngine(b, "S0", true) }
func BenchmarkJSONS1(b *testing.B)  { benchEngine(b, "S1", true) }
func BenchmarkJSONS2(b *testing.B)  { benchEngine(b, "S2", true) }
func BenchmarkJSONS3a(b *testing.B) { benchEngine(b, "S3a", true) }
func BenchmarkJSONS3b(b *testing.B) { benchEngine(b, "S3b", true) }
func BenchmarkJSONQ0(b *testing.B)  { benchEngine(b, "q0", true) }
func BenchmarkJSONQ1(b *testing.B)  { benchEngine(b, "q1", true) }
func BenchmarkJSONQ2(b *testing.B)  { benchEngine(b, "q2", true) }
func BenchmarkJSONQ5(b *testing.B)  { benchEngine(b, "q5-count", true) }
func BenchmarkJSONQ7(b *testing.B)  { benchEngine(b, "q7-max", true) }

// BenchmarkDecode and BenchmarkEncode time the two ends of each
// scenario's JSON path alone: decoding its source records (the columns the
// query reads) and encoding its output rows.
func BenchmarkDecode(b *testing.B) {
	for _, s := range scenarios {
		if s.isJoin() { // two record types, or a table to load: see nexmark_join_test.go
			continue
		}
		b.Run(s.Name, func(b *testing.B) {
			q, ds := planned(b, s, 4096, true)
			dec := runtime.NewDecoder(q.Source.Columns, q.Read)
			row := make(runtime.Row, len(q.Source.Columns))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if err := dec.Decode(ds.JSON[i&4095], row); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, s := range scenarios {
		if s.isJoin() { // two record types, or a table to load: see nexmark_join_test.go
			continue
		}
		b.Run(s.Name, func(b *testing.B) {
			q, ds := planned(b, s, 4096, false)
			// Collect real outputs of the query to encode.
			e := engineFor(b, q, false)
			var outs []runtime.Row
			keep := func(rs []runtime.Row) {
				for _, r := range rs {
					outs = append(outs, append(runtime.Row(nil), r...))
				}
			}
			for _, r := range ds.Rows {
				e.ctx.Reset()
				keep(e.pipe.Execute(&e.ctx, r, r[0].I))
			}
			keep(e.pipe.Advance(&e.ctx, runtime.EndOfTime))
			if len(outs) == 0 {
				b.Skip("no outputs")
			}
			names := make([]string, len(q.Columns))
			for i, c := range q.Columns {
				names[i] = c.Name
			}
			enc := runtime.NewEncoder(names)
			buf := make([]byte, 0, 1024)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				buf = enc.Append(buf[:0], outs[i%len(outs)])
			}
		})
	}
}

// BenchmarkEngineS0UDFRowAtATime is S0-udf without micro-batches: the
// scalar export is called once per record (BenchmarkEngineS0UDF calls the
// batch entry point once per 256 records).
func BenchmarkEngineS0UDFRowAtATime(b *testing.B) {
	benchEngineWith(b, "S0-udf", false, func(e *engine) { e.batched = false })
}

// BenchmarkJSONS0UDF and BenchmarkJSONS0UDFRowAtATime: the same,
// decoding and encoding JSON.
func BenchmarkJSONS0UDF(b *testing.B) { benchEngine(b, "S0-udf", true) }

func BenchmarkJSONS0UDFRowAtATime(b *testing.B) {
	benchEngineWith(b, "S0-udf", true, func(e *engine) { e.batched = false })
}
