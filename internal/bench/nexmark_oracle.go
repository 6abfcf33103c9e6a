package bench

import (
	"bytes"
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/velort/velort/runtime"
)

// The oracles of the multi-stage Nexmark scenarios: each query's result
// computed as a plain batch computation over the generated events, in Go,
// without the engine — the rows the same SELECT returns as a batch query
// (SPEC §2's result rule), as canonical texts (canonOf).

func vi(i int64) runtime.Value    { return runtime.Int(i) }
func vs(s []byte) runtime.Value   { return runtime.String(s) }
func vstr(s string) runtime.Value { return runtime.String([]byte(s)) }
func vf(f float64) runtime.Value  { return runtime.Double(f) }

func utc(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// q3: category-10 auctions of sellers in OR, ID or CA.
func oracleQ3(ev *nxEvents) []string {
	local := map[int64]runtime.Row{}
	ev.each(PersonEvent, func(p runtime.Row) {
		if q3States[string(p[personState].S)] {
			local[p[personID].I] = p
		}
	})
	var out []string
	ev.each(AuctionEvent, func(a runtime.Row) {
		if p, ok := local[a[auctionSeller].I]; ok && a[auctionCategory].I == 10 {
			out = append(out, canonOf(vs(p[personName].S), vs(p[personCity].S), vs(p[personState].S), vi(a[auctionID].I)))
		}
	})
	return out
}

// openBids calls f(auction, bid) for each bid made on an auction while
// it was open (q4, q6, q9).
func openBids(ev *nxEvents, f func(a, b runtime.Row)) {
	auctions := map[int64]runtime.Row{}
	ev.each(AuctionEvent, func(a runtime.Row) { auctions[a[auctionID].I] = a })
	ev.each(BidEvent, func(b runtime.Row) {
		a, ok := auctions[b[bidAuction].I]
		if ok && b[bidDateTime].I >= a[auctionDateTime].I && b[bidDateTime].I <= a[auctionExpires].I {
			f(a, b)
		}
	})
}

// q4: the average winning bid per category.
func oracleQ4(ev *nxEvents) []string {
	final := map[int64]int64{}
	cat := map[int64]int64{}
	openBids(ev, func(a, b runtime.Row) {
		id := a[auctionID].I
		cat[id] = a[auctionCategory].I
		if p, ok := final[id]; !ok || b[bidPrice].I > p {
			final[id] = b[bidPrice].I
		}
	})
	sum, n := map[int64]int64{}, map[int64]int64{}
	for id, p := range final {
		sum[cat[id]] += p
		n[cat[id]]++
	}
	var out []string
	for c := range sum {
		out = append(out, canonOf(vi(c), vf(float64(sum[c])/float64(n[c]))))
	}
	return out
}

// q5: per HOP window, the auctions with the most bids.
func oracleQ5(ev *nxEvents) []string {
	type aw struct{ auction, start int64 }
	counts := map[aw]int64{}
	ev.each(BidEvent, func(b runtime.Row) {
		t := b[bidDateTime].I
		for s := floorDiv(t, q5Slide) * q5Slide; s > t-q5Size; s -= q5Slide {
			counts[aw{b[bidAuction].I, s}]++
		}
	})
	maxn := map[int64]int64{}
	for k, c := range counts {
		maxn[k.start] = max(maxn[k.start], c)
	}
	var out []string
	for k, c := range counts {
		if c >= maxn[k.start] {
			out = append(out, canonOf(vi(k.auction), vi(c), vi(k.start)))
		}
	}
	return out
}

// q7: the bids priced at their 10-second window's maximum, joined as
// Nexmark writes it (bid time within [window_end - 10 s, window_end]).
func oracleQ7(ev *nxEvents) []string {
	maxp := map[int64]int64{} // window number → max price
	ev.each(BidEvent, func(b runtime.Row) {
		w := floorDiv(b[bidDateTime].I, q7Size)
		if p, ok := maxp[w]; !ok || b[bidPrice].I > p {
			maxp[w] = b[bidPrice].I
		}
	})
	var out []string
	ev.each(BidEvent, func(b runtime.Row) {
		t := b[bidDateTime].I
		w := floorDiv(t, q7Size)
		// The windows whose [end-10s, end] holds t: w (end (w+1)·10s)
		// and, when t is exactly a window's end, w-1.
		for _, x := range []int64{w - 1, w} {
			end := (x + 1) * q7Size
			if p, ok := maxp[x]; ok && p == b[bidPrice].I && t >= end-q7Size && t <= end {
				out = append(out, canonOf(vi(b[bidAuction].I), vi(b[bidPrice].I), vi(b[bidBidder].I), vi(t), vs(b[bidExtra].S)))
			}
		}
	})
	return out
}

// q8: people who opened an auction in the 10-second window they
// registered in.
func oracleQ8(ev *nxEvents) []string {
	type sw struct{ seller, w int64 }
	sellers := map[sw]bool{}
	ev.each(AuctionEvent, func(a runtime.Row) {
		sellers[sw{a[auctionSeller].I, floorDiv(a[auctionDateTime].I, 10_000)}] = true
	})
	var out []string
	ev.each(PersonEvent, func(p runtime.Row) {
		w := floorDiv(p[personDateTime].I, 10_000)
		if sellers[sw{p[personID].I, w}] {
			out = append(out, canonOf(vi(p[personID].I), vs(p[personName].S), vi(w*10_000)))
		}
	})
	return out
}

// q10: every bid with its day and minute.
func oracleQ10(ev *nxEvents) []string {
	var out []string
	ev.each(BidEvent, func(b runtime.Row) {
		t := utc(b[bidDateTime].I)
		out = append(out, canonOf(vi(b[bidAuction].I), vi(b[bidBidder].I), vi(b[bidPrice].I), vi(b[bidDateTime].I),
			vs(b[bidExtra].S), vstr(t.Format("2006-01-02")), vstr(t.Format("15:04"))))
	})
	return out
}

// q11: bids per bidder per session (gap 10 s).
func oracleQ11(ev *nxEvents) []string {
	type session struct{ start, last, n int64 }
	open := map[int64]*session{}
	var out []string
	flush := func(bidder int64, s *session) {
		out = append(out, canonOf(vi(bidder), vi(s.n), vi(s.start), vi(s.last+10_000)))
	}
	ev.each(BidEvent, func(b runtime.Row) {
		t, k := b[bidDateTime].I, b[bidBidder].I
		s := open[k]
		if s != nil && t-s.last <= 10_000 {
			s.last, s.n = max(s.last, t), s.n+1
			return
		}
		if s != nil {
			flush(k, s)
		}
		open[k] = &session{start: t, last: t, n: 1}
	})
	for k, s := range open {
		flush(k, s)
	}
	return out
}

// q12: processing-time windows; what does not depend on timing is each
// bidder's total (the check sums bid_count per bidder).
func oracleQ12(ev *nxEvents) []string {
	n := map[int64]int64{}
	ev.each(BidEvent, func(b runtime.Row) { n[b[bidBidder].I]++ })
	var out []string
	for k, c := range n {
		out = append(out, canonOf(vi(k))+"\x1f"+strconv.FormatInt(c, 10))
	}
	return out
}

// q13's side input: key k → "side-k" for k < 10,000.
const q13SideRows = 10_000

func q13Side(k int64) string { return "side-" + strconv.FormatInt(k, 10) }

func oracleQ13(ev *nxEvents) []string {
	var out []string
	ev.each(BidEvent, func(b runtime.Row) {
		out = append(out, canonOf(vi(b[bidAuction].I), vi(b[bidBidder].I), vi(b[bidPrice].I), vi(b[bidDateTime].I),
			vstr(q13Side(b[bidAuction].I%10_000))))
	})
	return out
}

// q14: bids priced 1,000,000 to 50,000,000 (after × 0.908).
func oracleQ14(ev *nxEvents) []string {
	var out []string
	ev.each(BidEvent, func(b runtime.Row) {
		p := b[bidPrice].I * 908 // 0.908 × price, scale 3
		if p <= 1_000_000_000 || p >= 50_000_000_000 {
			return
		}
		h := utc(b[bidDateTime].I).Hour()
		kind := "otherTime"
		if h >= 8 && h <= 18 {
			kind = "dayTime"
		} else if h <= 6 || h >= 20 {
			kind = "nightTime"
		}
		out = append(out, canonOf(vi(b[bidAuction].I), vi(b[bidBidder].I), runtime.Decimal(p, 3), vstr(kind),
			vi(b[bidDateTime].I), vs(b[bidExtra].S), vi(int64(bytes.Count(b[bidExtra].S, []byte("c"))))))
	})
	return out
}

// bidStats is q15–q17's per-group statistics.
type bidStats struct {
	total, rank [3]int64 // total[0] = all bids; rank[i] = bids in price range i
	bidders     [4]map[int64]bool
	auctions    [4]map[int64]bool
	minute      string
	min, max    int64
	sum         int64
}

func priceRank(p int64) int {
	switch {
	case p < 10_000:
		return 1
	case p < 1_000_000:
		return 2
	}
	return 3
}

func (s *bidStats) add(b runtime.Row) {
	if s.bidders[0] == nil {
		for i := range 4 {
			s.bidders[i], s.auctions[i] = map[int64]bool{}, map[int64]bool{}
		}
		s.min, s.max = b[bidPrice].I, b[bidPrice].I
	}
	p := b[bidPrice].I
	r := priceRank(p)
	s.total[0]++
	s.rank[r-1]++
	s.bidders[0][b[bidBidder].I], s.bidders[r][b[bidBidder].I] = true, true
	s.auctions[0][b[bidAuction].I], s.auctions[r][b[bidAuction].I] = true, true
	s.min, s.max, s.sum = min(s.min, p), max(s.max, p), s.sum+p
	if m := utc(b[bidDateTime].I).Format("15:04"); m > s.minute {
		s.minute = m
	}
}

// counts are the report's count columns, from total_bids on.
func (s *bidStats) counts() []runtime.Value {
	return []runtime.Value{vi(s.total[0]), vi(s.rank[0]), vi(s.rank[1]), vi(s.rank[2]),
		vi(int64(len(s.bidders[0]))), vi(int64(len(s.bidders[1]))), vi(int64(len(s.bidders[2]))), vi(int64(len(s.bidders[3]))),
		vi(int64(len(s.auctions[0]))), vi(int64(len(s.auctions[1]))), vi(int64(len(s.auctions[2]))), vi(int64(len(s.auctions[3])))}
}

func day(ms int64) string { return utc(ms).Format("2006-01-02") }

func oracleQ15(ev *nxEvents) []string {
	g := map[string]*bidStats{}
	ev.each(BidEvent, func(b runtime.Row) {
		d := day(b[bidDateTime].I)
		if g[d] == nil {
			g[d] = &bidStats{}
		}
		g[d].add(b)
	})
	var out []string
	for d, s := range g {
		out = append(out, canonOf(append([]runtime.Value{vstr(d)}, s.counts()...)...))
	}
	return out
}

func oracleQ16(ev *nxEvents) []string {
	type key struct{ channel, day string }
	g := map[key]*bidStats{}
	ev.each(BidEvent, func(b runtime.Row) {
		k := key{string(b[bidChannel].S), day(b[bidDateTime].I)}
		if g[k] == nil {
			g[k] = &bidStats{}
		}
		g[k].add(b)
	})
	var out []string
	for k, s := range g {
		out = append(out, canonOf(append([]runtime.Value{vstr(k.channel), vstr(k.day), vstr(s.minute)}, s.counts()...)...))
	}
	return out
}

func oracleQ17(ev *nxEvents) []string {
	type key struct {
		auction int64
		day     string
	}
	g := map[key]*bidStats{}
	ev.each(BidEvent, func(b runtime.Row) {
		k := key{b[bidAuction].I, day(b[bidDateTime].I)}
		if g[k] == nil {
			g[k] = &bidStats{}
		}
		g[k].add(b)
	})
	var out []string
	for k, s := range g {
		out = append(out, canonOf(vi(k.auction), vstr(k.day), vi(s.total[0]), vi(s.rank[0]), vi(s.rank[1]), vi(s.rank[2]),
			vi(s.min), vi(s.max), vf(float64(s.sum)/float64(s.total[0])), vi(s.sum)))
	}
	return out
}

// q18: each bidder's last bid per auction (of the latest millisecond's,
// the earliest: velort's Top-N tie rule).
func oracleQ18(ev *nxEvents) []string {
	type key struct{ bidder, auction int64 }
	last := map[key]runtime.Row{}
	ev.each(BidEvent, func(b runtime.Row) {
		k := key{b[bidBidder].I, b[bidAuction].I}
		if l, ok := last[k]; !ok || b[bidDateTime].I > l[bidDateTime].I {
			last[k] = b
		}
	})
	var out []string
	for _, b := range last {
		out = append(out, canonOf(vi(b[bidAuction].I), vi(b[bidBidder].I), vi(b[bidPrice].I), vs(b[bidChannel].S),
			vs(b[bidURL].S), vi(b[bidDateTime].I), vs(b[bidExtra].S)))
	}
	return out
}

// q20: bids on category-10 auctions with the auction's columns.
func oracleQ20(ev *nxEvents) []string {
	auctions := map[int64]runtime.Row{}
	ev.each(AuctionEvent, func(a runtime.Row) {
		if a[auctionCategory].I == 10 {
			auctions[a[auctionID].I] = a
		}
	})
	var out []string
	ev.each(BidEvent, func(b runtime.Row) {
		a, ok := auctions[b[bidAuction].I]
		if !ok {
			return
		}
		out = append(out, canonOf(append(append([]runtime.Value{}, b...), a[auctionItemName], a[auctionDescription], a[auctionInitialBid],
			a[auctionReserve], a[auctionDateTime], a[auctionExpires], a[auctionSeller], a[auctionCategory], a[auctionExtra])...))
	})
	return out
}

var (
	q21Channels = map[string]string{"apple": "0", "google": "1", "facebook": "2", "baidu": "3"}
	q21Param    = regexp.MustCompile(`(&|^)channel_id=([^&]*)`)
)

// q21: the channel's id, from the hot channels' table or the URL.
func oracleQ21(ev *nxEvents) []string {
	var out []string
	ev.each(BidEvent, func(b runtime.Row) {
		id, hot := q21Channels[strings.ToLower(string(b[bidChannel].S))]
		if !hot {
			m := q21Param.FindSubmatch(b[bidURL].S)
			if m == nil {
				return
			}
			id = string(m[2])
		}
		out = append(out, canonOf(vi(b[bidAuction].I), vi(b[bidBidder].I), vi(b[bidPrice].I), vs(b[bidChannel].S), vstr(id)))
	})
	return out
}

// q22: the URL's directories 1 to 3 (split by '/', parts 3 to 5).
func oracleQ22(ev *nxEvents) []string {
	var out []string
	ev.each(BidEvent, func(b runtime.Row) {
		parts := strings.Split(string(b[bidURL].S), "/")
		part := func(i int) runtime.Value {
			if i < len(parts) {
				return vstr(parts[i])
			}
			return vstr(parts[len(parts)-1]) // SUBSTRING_INDEX past the last '/'
		}
		out = append(out, canonOf(vi(b[bidAuction].I), vi(b[bidBidder].I), vi(b[bidPrice].I), vs(b[bidChannel].S), part(3), part(4), part(5)))
	})
	return out
}

// q9: each auction with its winning bid's price and time (the highest
// bid made while it was open, the earliest of equal ones).
func oracleQ9(ev *nxEvents) []string {
	type win struct {
		a           runtime.Row
		price, time int64
	}
	wins := map[int64]*win{}
	openBids(ev, func(a, b runtime.Row) {
		w := wins[a[auctionID].I]
		p, t := b[bidPrice].I, b[bidDateTime].I
		if w == nil {
			wins[a[auctionID].I] = &win{a, p, t}
		} else if p > w.price || p == w.price && t < w.time {
			w.price, w.time = p, t
		}
	})
	var out []string
	for _, w := range wins {
		out = append(out, canonOf(append(append([]runtime.Value{}, w.a...), vi(w.price), vi(w.time))...))
	}
	return out
}

// q19: the 10 highest bids of each auction; of equal prices the earlier
// bid ranks first (velort's documented tie rule).
func oracleQ19(ev *nxEvents) []string {
	bids := map[int64][]runtime.Row{}
	ev.each(BidEvent, func(b runtime.Row) { bids[b[bidAuction].I] = append(bids[b[bidAuction].I], b) })
	var out []string
	for _, bs := range bids {
		slices.SortStableFunc(bs, func(x, y runtime.Row) int { return cmp.Compare(y[bidPrice].I, x[bidPrice].I) })
		for _, b := range bs[:min(10, len(bs))] {
			out = append(out, canonOf(vi(b[bidAuction].I), vi(b[bidBidder].I), vi(b[bidPrice].I), vs(b[bidChannel].S),
				vs(b[bidURL].S), vi(b[bidDateTime].I), vs(b[bidExtra].S)))
		}
	}
	return out
}

// q6: per seller, the average winning bid of their 10 auctions that
// close last (expires, then id, descending).
func oracleQ6(ev *nxEvents) []string {
	type won struct{ id, seller, expires, final int64 }
	wins := map[int64]*won{}
	openBids(ev, func(a, b runtime.Row) {
		w := wins[a[auctionID].I]
		if w == nil {
			wins[a[auctionID].I] = &won{a[auctionID].I, a[auctionSeller].I, a[auctionExpires].I, b[bidPrice].I}
		} else {
			w.final = max(w.final, b[bidPrice].I)
		}
	})
	bySeller := map[int64][]*won{}
	for _, w := range wins {
		bySeller[w.seller] = append(bySeller[w.seller], w)
	}
	var out []string
	for seller, ws := range bySeller {
		slices.SortFunc(ws, func(x, y *won) int {
			if c := cmp.Compare(y.expires, x.expires); c != 0 {
				return c
			}
			return cmp.Compare(y.id, x.id)
		})
		var sum int64
		ws = ws[:min(10, len(ws))]
		for _, w := range ws {
			sum += w.final
		}
		out = append(out, canonOf(vi(seller), vf(float64(sum)/float64(len(ws)))))
	}
	return out
}

// q0: every bid, projected.
func oracleQ0(ev *nxEvents) []string {
	var out []string
	ev.each(BidEvent, func(b runtime.Row) {
		out = append(out, canonOf(vi(b[bidAuction].I), vi(b[bidBidder].I), vi(b[bidPrice].I), vi(b[bidDateTime].I), vs(b[bidExtra].S)))
	})
	return out
}

// q1: every bid, its price in euros (0.908 × price, DECIMAL).
func oracleQ1(ev *nxEvents) []string {
	var out []string
	ev.each(BidEvent, func(b runtime.Row) {
		out = append(out, canonOf(vi(b[bidAuction].I), vi(b[bidBidder].I), runtime.Decimal(b[bidPrice].I*908, 3), vi(b[bidDateTime].I), vs(b[bidExtra].S)))
	})
	return out
}

// q2: the bids on auctions whose id is a multiple of 123.
func oracleQ2(ev *nxEvents) []string {
	var out []string
	ev.each(BidEvent, func(b runtime.Row) {
		if b[bidAuction].I%123 == 0 {
			out = append(out, canonOf(vi(b[bidAuction].I), vi(b[bidPrice].I)))
		}
	})
	return out
}
