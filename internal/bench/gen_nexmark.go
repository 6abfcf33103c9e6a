package bench

import "github.com/velort/velort/runtime"

// bidGen is the bid stream of the Nexmark scenarios: record j is the j-th
// bid event of the Nexmark generator (persons and auctions are generated
// by id but not published: q0–q7 read bids only).
type bidGen struct {
	nx  *Nexmark
	b   Bid
	exp func(rows []runtime.Row) int64
}

// Columns of the bid stream (sql/nexmark_*.sql).
const (
	bidAuction = iota
	bidBidder
	bidPrice
	bidChannel
	bidURL
	bidDateTime
	bidExtra
)

func newBidGen(exp func(rows []runtime.Row) int64) generator {
	return &bidGen{nx: NewNexmark(), exp: exp}
}

func (*bidGen) columns() []string {
	return []string{"auction", "bidder", "price", "channel", "url", "date_time", "extra"}
}

func (g *bidGen) fill(j int, r runtime.Row) {
	g.nx.Bid(BidEventID(int64(j)), &g.b)
	r[bidAuction] = runtime.Int(g.b.Auction)
	r[bidBidder] = runtime.Int(g.b.Bidder)
	r[bidPrice] = runtime.Int(g.b.Price)
	r[bidChannel] = runtime.String(g.b.Channel)
	r[bidURL] = runtime.String(g.b.URL)
	r[bidDateTime] = runtime.Timestamp(g.b.DateTime)
	r[bidExtra] = runtime.String(g.b.Extra)
}

func (g *bidGen) expected(rows []runtime.Row) int64 { return g.exp(rows) }

// q0Expected (q0, q1): one output per bid.
func q0Expected(rows []runtime.Row) int64 { return int64(len(rows)) }

// q2Expected: the bids with auction % 123 = 0.
func q2Expected(rows []runtime.Row) int64 {
	var n int64
	for _, r := range rows {
		if r[bidAuction].I%123 == 0 {
			n++
		}
	}
	return n
}

// q5 windows: HOP(date_time, INTERVAL '2' SECOND, INTERVAL '10' SECOND).
const (
	q5Slide = 2_000
	q5Size  = 10_000
)

// q5Expected: distinct (auction, window) pairs. A bid in slide bucket b
// (floor(t/slide)) belongs to the windows starting in buckets b-4 … b;
// bids arrive in time order, so the windows an auction already has are
// those up to its previous bid's bucket, and a bid adds min(5, b - prev).
func q5Expected(rows []runtime.Row) int64 {
	const per = q5Size / q5Slide
	last := map[int64]int64{}
	var n int64
	for _, r := range rows {
		b := floorDiv(r[bidDateTime].I, q5Slide)
		if p, ok := last[r[bidAuction].I]; ok {
			n += min(per, b-p)
		} else {
			n += per
		}
		last[r[bidAuction].I] = b
	}
	return n
}

// q7 window: TUMBLE(date_time, INTERVAL '10' SECOND).
const q7Size = 10_000

// q7Expected: one output per tumbling window that holds a bid.
func q7Expected(rows []runtime.Row) int64 {
	var n int64
	win := int64(-1 << 62)
	for _, r := range rows {
		if w := floorDiv(r[bidDateTime].I, q7Size); w != win {
			n++
			win = w
		}
	}
	return n
}
