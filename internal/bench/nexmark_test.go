package bench

import (
	"math"
	"testing"

	"github.com/velort/velort/planner"
	"github.com/velort/velort/runtime"
)

func TestNexmarkEventMix(t *testing.T) {
	var counts [3]int
	for id := int64(0); id < 50_000; id++ {
		counts[Kind(id)]++
	}
	if counts != [3]int{1000, 3000, 46_000} {
		t.Fatalf("Person:Auction:Bid = %v, want 1000:3000:46000", counts)
	}
	for j := int64(0); j < 1000; j++ {
		if id := BidEventID(j); Kind(id) != BidEvent || (j > 0 && id <= BidEventID(j-1)) {
			t.Fatalf("BidEventID(%d) = %d is not the next bid event", j, id)
		}
	}
}

func TestNexmarkIDsAndHotness(t *testing.T) {
	g := NewNexmark()
	var p Person
	var a Auction
	var b Bid
	nextPerson, nextAuction := int64(nxFirstPersonID), int64(nxFirstAuctionID)
	hotAuction, bids := 0, 0
	minPrice, maxPrice := int64(math.MaxInt64), int64(0)
	lastTime := int64(0)
	for id := int64(0); id < 100_000; id++ {
		if et := EventTime(id); et < lastTime {
			t.Fatalf("event %d: time %d before %d", id, et, lastTime)
		} else {
			lastTime = et
		}
		switch Kind(id) {
		case PersonEvent:
			g.Person(id, &p)
			if p.ID != nextPerson {
				t.Fatalf("event %d: person id %d, want %d", id, p.ID, nextPerson)
			}
			nextPerson++
		case AuctionEvent:
			g.Auction(id, &a)
			if a.ID != nextAuction || a.Seller >= nextPerson+nxPersonIDLead || a.Expires <= a.DateTime {
				t.Fatalf("event %d: auction %+v (next id %d, people %d)", id, a, nextAuction, nextPerson)
			}
			nextAuction++
		case BidEvent:
			g.Bid(id, &b)
			bids++
			// Bids go to auctions created so far (plus the standard lead of 10).
			if b.Auction < nxFirstAuctionID || b.Auction >= nextAuction+nxAuctionIDLead {
				t.Fatalf("event %d: bid on auction %d, %d auctions exist", id, b.Auction, nextAuction-nxFirstAuctionID)
			}
			if b.Auction == (nextAuction-1-nxFirstAuctionID)/nxHotAuctionRatio*nxHotAuctionRatio+nxFirstAuctionID {
				hotAuction++
			}
			minPrice, maxPrice = min(minPrice, b.Price), max(maxPrice, b.Price)
			if len(b.Channel) == 0 || len(b.URL) == 0 || b.DateTime != EventTime(id) {
				t.Fatalf("event %d: bid %+v", id, b)
			}
		}
	}
	// About half of the bids go to the hot auction (1 - 1/HOT_AUCTION_RATIO).
	if f := float64(hotAuction) / float64(bids); f < 0.45 || f > 0.6 {
		t.Errorf("%.2f of bids on the hot auction, want about 0.5", f)
	}
	// Log-uniform prices over 10^0..10^6 dollars, in cents.
	if minPrice < 100 || minPrice > 1000 || maxPrice > 100_000_000 || maxPrice < 10_000_000 {
		t.Errorf("prices span %d..%d cents, want about 100..100000000", minPrice, maxPrice)
	}
}

func TestNexmarkIsDeterministic(t *testing.T) {
	g1, g2 := NewNexmark(), NewNexmark()
	var b1, b2 Bid
	for _, id := range []int64{4, 777, 123_456, 5} {
		g1.Bid(id, &b1)
		g2.Bid(id, &b2)
		if b1.Auction != b2.Auction || b1.Price != b2.Price || string(b1.Extra) != string(b2.Extra) || string(b1.URL) != string(b2.URL) {
			t.Fatalf("bid %d differs between generators: %+v vs %+v", id, b1, b2)
		}
	}
}

// bidRows generates n bids as rows.
func bidRows(n int) []runtime.Row {
	g := newBidGen(q0Expected)
	rows := make([]runtime.Row, n)
	for j := range rows {
		rows[j] = make(runtime.Row, 7)
		g.fill(j, rows[j])
	}
	return rows
}

// TestQ5ExpectedMatchesBruteForce checks q5's closed form against the set
// of (auction, window start) pairs enumerated directly.
func TestQ5ExpectedMatchesBruteForce(t *testing.T) {
	rows := bidRows(120_000)
	type pair struct{ auction, start int64 }
	set := map[pair]bool{}
	for _, r := range rows {
		ts := r[bidDateTime].I
		for start := floorDiv(ts, q5Slide) * q5Slide; start > ts-q5Size; start -= q5Slide {
			set[pair{r[bidAuction].I, start}] = true
		}
	}
	if got := q5Expected(rows); got != int64(len(set)) {
		t.Fatalf("q5Expected = %d, brute force %d", got, len(set))
	}
	windows := map[int64]bool{}
	for _, r := range rows {
		windows[floorDiv(r[bidDateTime].I, q7Size)] = true
	}
	if got := q7Expected(rows); got != int64(len(windows)) || got < 2 {
		t.Fatalf("q7Expected = %d, brute force %d", got, len(windows))
	}
}

// TestNexmarkEventsCounted: the records of a query's streams are counted
// as Nexmark counts its input, every event generated up to the last one
// fed (the mix is 1 person, 3 auctions, 46 bids in each 50 events), and
// a result's events/s is its records/s scaled by that count.
func TestNexmarkEventsCounted(t *testing.T) {
	var s planner.Stream
	bids := [3]*planner.Stream{BidEvent: &s}
	for _, c := range []struct {
		streams [3]*planner.Stream
		n, want int
	}{
		{bids, 1, 5}, {bids, 46, 50}, {bids, 47, 55}, {bids, 92, 100},
		{[3]*planner.Stream{AuctionEvent: &s, BidEvent: &s}, 49, 50},
		{[3]*planner.Stream{&s, &s, &s}, 50, 50},
		{[3]*planner.Stream{PersonEvent: &s}, 2, 51},
	} {
		if got := genEvents(c.streams, c.n).generated; got != c.want {
			t.Errorf("%d records of %v: %d events, want %d", c.n, c.streams, got, c.want)
		}
	}
	r := Result{Records: 46_000, RecordsPerSec: 920_000}.withEvents(50_000)
	if r.NexmarkEvents != 50_000 || r.EventsPerSec != 1_000_000 {
		t.Errorf("withEvents: %d events, %v events/s; want 50000, 1e6", r.NexmarkEvents, r.EventsPerSec)
	}
}
