package bench

import (
	"context"
	"io"
	"log/slog"
	goruntime "runtime"
	"testing"

	"github.com/velort/velort/runtime"
)

func TestNexmarkPersonAndAuctionEventIDs(t *testing.T) {
	for k := int64(0); k < 1000; k++ {
		if id := PersonEventID(k); Kind(id) != PersonEvent || lastBase0PersonID(id) != k {
			t.Fatalf("PersonEventID(%d) = %d is not person %d", k, id, k)
		}
		if id := AuctionEventID(k); Kind(id) != AuctionEvent || lastBase0AuctionID(id) != k {
			t.Fatalf("AuctionEventID(%d) = %d is not auction %d", k, id, k)
		}
	}
	// q8's records: every person and auction event in order, no bid.
	prev, people := int64(-1), 0
	for j := range 4000 {
		id := q8EventID(j)
		if id <= prev || Kind(id) == BidEvent {
			t.Fatalf("record %d: event %d after %d (%v)", j, id, prev, Kind(id))
		}
		if Kind(id) == PersonEvent {
			people++
		}
		prev = id
	}
	if people != 1000 {
		t.Fatalf("%d people in 4000 records, want 1000 (1 person : 3 auctions)", people)
	}
}

// joinSet generates n records of a join scenario with its table.
func joinSet(name string, n int) (stream []uint8, rows, table []runtime.Row, expected int64) {
	s, _ := Lookup(name)
	g := s.newJoin()
	cols := g.streams()
	for i := range n {
		k := g.streamOf(i)
		stream = append(stream, uint8(k))
		rows = append(rows, make(runtime.Row, len(cols[k].columns)))
		g.fill(i, rows[i])
	}
	_, _, table = g.table(n)
	return stream, rows, table, g.expected(stream, rows, table)
}

// TestQ3ExpectedMatchesBruteForce: every (auction, person) pair tried.
func TestQ3ExpectedMatchesBruteForce(t *testing.T) {
	_, auctions, people, expected := joinSet("q3-kv", 6000)
	if len(people) != 2000 {
		t.Fatalf("%d people for 6000 auctions, want 2000 (1 person : 3 auctions)", len(people))
	}
	var n int64
	for _, a := range auctions {
		for _, p := range people {
			st := string(p[personState].S)
			if a[auctionSeller].I == p[personID].I && a[auctionCategory].I == 10 && (st == "OR" || st == "ID" || st == "CA") {
				n++
			}
		}
	}
	if n != expected || n < 300 {
		t.Fatalf("q3 expected %d, brute force %d (want a few hundred)", expected, n)
	}
}

// TestQ8ExpectedMatchesBruteForce: every (person, auction) pair tried.
func TestQ8ExpectedMatchesBruteForce(t *testing.T) {
	stream, rows, _, expected := joinSet("q8-interval", 12_000)
	var n int64
	for i, p := range rows {
		if stream[i] != q8Person {
			continue
		}
		for k, a := range rows {
			d := a[auctionDateTime].I - p[personDateTime].I
			if stream[k] == q8Auction && a[auctionSeller].I == p[personID].I && d >= 0 && d <= 10_000 {
				n++
			}
		}
	}
	if n != expected || n < 1000 || n >= 9000 {
		t.Fatalf("q8 expected %d, brute force %d (want some but not all of the 9000 auctions)", expected, n)
	}
}

// TestJoinScenarios runs q3 and q8 in every mode on a small input; Run
// fails when an output count differs from the expected one.
func TestJoinScenarios(t *testing.T) {
	ss, err := Select([]string{"q3-kv", "q8-interval"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Config{
		Scenarios: ss,
		Modes:     []Mode{ModeEngine, ModeJSON, ModeNATS},
		Records:   6000,
		Runs:      2, // the second run reuses the loaded table
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 6 {
		t.Fatalf("%d results, want 6", len(res))
	}
	for _, r := range res {
		if r.Outputs != r.ExpectedOutputs || r.Outputs == 0 {
			t.Errorf("%s %s: %d outputs, expected %d", r.Scenario, r.Mode, r.Outputs, r.ExpectedOutputs)
		}
		t.Logf("%s %s: %d outputs", r.Scenario, r.Mode, r.Outputs)
	}
}

// TestQ3Outputs checks q3's output rows, not only their number: each is a
// category-10 auction of a seller in OR, ID or CA, with that seller's data.
func TestQ3Outputs(t *testing.T) {
	s, _ := Lookup("q3-kv")
	q, ds := planned(t, s, 3000, false)
	people := map[int64]runtime.Row{}
	for _, p := range ds.join.tableRows {
		people[p[personID].I] = p
	}
	auctions := map[int64]runtime.Row{}
	for _, a := range ds.Rows {
		auctions[a[auctionID].I] = a
	}
	ds.loadTable()
	e := engineFor(t, q, false)
	var n int64
	for _, r := range ds.Rows {
		e.ctx.Reset()
		for _, o := range e.pipe.Execute(&e.ctx, r, r[auctionDateTime].I) { // name, city, state, id
			a := auctions[o[3].I]
			p := people[a[auctionSeller].I]
			if a == nil || p == nil || a[auctionCategory].I != 10 || !q3States[string(o[2].S)] ||
				string(o[0].S) != string(p[personName].S) || string(o[1].S) != string(p[personCity].S) || string(o[2].S) != string(p[personState].S) {
				t.Fatalf("output %s, %s, %s, %d: not a category-10 auction of a local seller with its data", o[0].S, o[1].S, o[2].S, o[3].I)
			}
			n++
		}
	}
	if n != ds.Expected {
		t.Fatalf("%d outputs, expected %d", n, ds.Expected)
	}
}

// TestQ8StateIsBounded: the engine advances the join's watermark, so only
// the people of the last 10 s (2,000 at 200 people/s) stay in its state.
func TestQ8StateIsBounded(t *testing.T) {
	s, _ := Lookup("q8-interval")
	q, ds := planned(t, s, 40_000, false) // 10,000 people over 50 s
	e := engineFor(t, q, false)
	if err := e.feedSides(ds, false); err != nil {
		t.Fatal(err)
	}
	if n := e.pipe.Join.StateRows(); n < 1900 || n > 2100 {
		t.Fatalf("%d rows held after 50 s of input, want about 2000", n)
	}
	if err := e.finish(); err != nil {
		t.Fatal(err)
	}
	if n := e.pipe.Join.StateRows(); n != 0 || e.outs != ds.Expected {
		t.Fatalf("after end of input: %d rows held, %d outputs (expected %d)", n, e.outs, ds.Expected)
	}
}

// benchJoin is benchEngine for the join scenarios: records generated in
// chunks with the timer stopped; q3's table holds the people of b.N
// auctions, loaded before timing.
func benchJoin(b *testing.B, name string) {
	s, _ := Lookup(name)
	q, err := s.plan(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer q.close()
	g := s.newJoin()
	probe, err := buildJoinDataset(s, q, len(g.streams())*4, false) // resolves sides and table
	if err != nil {
		b.Fatal(err)
	}
	var sideOf [2]int
	for i, side := range probe.join.sides {
		sideOf[g.streamOf(i)] = int(side)
	}
	if t := probe.join.table; t != nil {
		_, _, rows := g.table(b.N)
		probe.join.tableRows = rows
		probe.loadTable()
	}
	e := engineFor(b, q, false)
	width := 0
	for _, st := range g.streams() {
		width = max(width, len(st.columns))
	}
	rows := make([]runtime.Row, benchChunk)
	for i := range rows {
		rows[i] = make(runtime.Row, width)
	}
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(1))
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(benchChunk, b.N-done)
		b.StopTimer()
		for i := range n {
			k := g.streamOf(done + i)
			rows[i] = rows[i][:len(g.streams()[k].columns)]
			g.fill(done+i, rows[i])
		}
		b.StartTimer()
		for i := range n {
			if e.join != nil {
				err = e.executeSide(sideOf[g.streamOf(done+i)], rows[i])
			} else {
				err = e.execute(rows[i])
			}
			if err != nil {
				b.Fatalf("record %d: %v", done+i, err)
			}
		}
		done += n
	}
	if err := e.finish(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(e.outs)/float64(b.N), "outputs/record")
}

func BenchmarkEngineQ3(b *testing.B) { benchJoin(b, "q3-kv") }
func BenchmarkEngineQ8(b *testing.B) { benchJoin(b, "q8-interval") }
