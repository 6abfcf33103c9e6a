package bench

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"strconv"
)

// The Nexmark generator, following the standard one (Apache Beam's
// NexmarkUtils/GeneratorConfig, as used by Flink's nexmark): event i is a
// Person, an Auction or a Bid by i % 50 (1:3:46); ids are dense and grow
// with i; bids go mostly to hot auctions and come mostly from hot bidders;
// prices are log-uniform; event times are in order, 10,000 events per
// second from NexmarkBaseTime. Each event is a function of its id alone
// (its own random stream, seeded with the id), so events can be generated
// in any order.
const (
	nxPersonProportion      = 1
	nxAuctionProportion     = 3
	nxBidProportion         = 46
	nxProportionDenominator = nxPersonProportion + nxAuctionProportion + nxBidProportion

	nxFirstPersonID     = 1000
	nxFirstAuctionID    = 1000
	nxFirstCategoryID   = 10
	nxNumCategories     = 5
	nxHotAuctionRatio   = 2
	nxHotSellerRatio    = 4
	nxHotBidderRatio    = 4
	nxHotChannelsRatio  = 2
	nxChannelsNumber    = 10_000
	nxNumActivePeople   = 1000
	nxNumInFlight       = 100 // auctions in flight
	nxPersonIDLead      = 10
	nxAuctionIDLead     = 10
	nxAvgPersonBytes    = 200
	nxAvgAuctionBytes   = 500
	nxAvgBidBytes       = 100
	nxInterEventDelayUs = 100 // first event rate 10,000 events/s
	nxMinStringLength   = 3

	// NexmarkBaseTime is the event time of event 0: 2024-01-15T00:00:00Z.
	NexmarkBaseTime = 1_705_276_800_000
)

// EventKind is the type of a Nexmark event.
type EventKind uint8

// Nexmark event types.
const (
	PersonEvent EventKind = iota
	AuctionEvent
	BidEvent
)

// Person is a Nexmark person (a seller or bidder).
type Person struct {
	ID                                          int64
	Name, Email, CreditCard, City, State, Extra string
	DateTime                                    int64 // epoch ms
}

// Auction is a Nexmark auction.
type Auction struct {
	ID                    int64
	ItemName, Description string
	InitialBid, Reserve   int64
	DateTime, Expires     int64 // epoch ms
	Seller, Category      int64
	Extra                 string
}

// Bid is a Nexmark bid. Channel, URL and Extra alias the generator's
// buffers and stay valid as long as it does.
type Bid struct {
	Auction, Bidder, Price int64
	Channel, URL, Extra    []byte
	DateTime               int64 // epoch ms
}

// Kind is the type of event eventID.
func Kind(eventID int64) EventKind {
	switch off := eventID % nxProportionDenominator; {
	case off < nxPersonProportion:
		return PersonEvent
	case off < nxPersonProportion+nxAuctionProportion:
		return AuctionEvent
	}
	return BidEvent
}

// BidEventID is the event id of the j-th bid (0-based).
func BidEventID(j int64) int64 {
	return j/nxBidProportion*nxProportionDenominator + nxPersonProportion + nxAuctionProportion + j%nxBidProportion
}

// EventTime is the event time of eventID, epoch ms.
func EventTime(eventID int64) int64 {
	return NexmarkBaseTime + eventID*nxInterEventDelayUs/1000
}

// lastBase0PersonID is the (0-based) id of the last person created at or
// before eventID.
func lastBase0PersonID(eventID int64) int64 {
	epoch, off := eventID/nxProportionDenominator, eventID%nxProportionDenominator
	if off >= nxPersonProportion {
		off = nxPersonProportion - 1
	}
	return epoch*nxPersonProportion + off
}

// lastBase0AuctionID is the (0-based) id of the last auction created at
// or before eventID.
func lastBase0AuctionID(eventID int64) int64 {
	epoch, off := eventID/nxProportionDenominator, eventID%nxProportionDenominator
	switch {
	case off < nxPersonProportion:
		epoch--
		off = nxAuctionProportion - 1
	case off >= nxPersonProportion+nxAuctionProportion:
		off = nxAuctionProportion - 1
	default:
		off -= nxPersonProportion
	}
	return epoch*nxAuctionProportion + off
}

// Nexmark generates Nexmark events. It is not safe for concurrent use.
type Nexmark struct {
	pcg      rand.PCG
	rnd      *rand.Rand
	channels [][2][]byte // channel-n and its URL
	hot      [][2][]byte // the hot channels and their URLs
	letters  []byte      // random lower-case letters: bids' extra
}

// NewNexmark returns a generator; its channel table is built once from a
// fixed seed, as the standard generator's channel cache is.
func NewNexmark() *Nexmark {
	g := &Nexmark{}
	g.rnd = rand.New(&g.pcg)
	g.pcg.Seed(0x6e65786d61726b, 1)
	for _, name := range []string{"Google", "Facebook", "Baidu", "Apple"} {
		g.hot = append(g.hot, [2][]byte{[]byte(name), []byte(g.baseURL())})
	}
	g.channels = make([][2][]byte, nxChannelsNumber)
	for n := range g.channels {
		url := g.baseURL()
		if g.rnd.IntN(10) > 0 {
			url += "&channel_id=" + strconv.FormatInt(int64(math.Abs(float64(int32(bits.Reverse32(uint32(n)))))), 10)
		}
		g.channels[n] = [2][]byte{[]byte("channel-" + strconv.Itoa(n)), []byte(url)}
	}
	g.letters = make([]byte, 1<<16)
	for i := range g.letters {
		g.letters[i] = byte('a' + g.rnd.IntN(26))
	}
	return g
}

func (g *Nexmark) seed(eventID int64) { g.pcg.Seed(uint64(eventID), 0x9e3779b97f4a7c15) }

func (g *Nexmark) baseURL() string {
	return "https://www.nexmark.com/" + g.str(5, '_') + "/" + g.str(5, '_') + "/" + g.str(5, '_') + "/item.htm?query=1"
}

// str is a random string of 3 to maxLen-1 characters, about one in 13 of
// them special (the standard nextString).
func (g *Nexmark) str(maxLen int, special byte) string {
	n := nxMinStringLength + g.rnd.IntN(maxLen-nxMinStringLength)
	b := make([]byte, n)
	for i := range b {
		if g.rnd.IntN(13) == 0 {
			b[i] = special
		} else {
			b[i] = byte('a' + g.rnd.IntN(26))
		}
	}
	return string(b)
}

// extraLen is the length of the padding that brings an event of size
// current to about avg bytes (the standard nextExtra).
func (g *Nexmark) extraLen(current, avg int) int {
	if current > avg {
		return 0
	}
	avg -= current
	delta := int(math.Round(float64(avg) * 0.2))
	if delta == 0 {
		return avg - delta
	}
	return avg - delta + g.rnd.IntN(2*delta)
}

func (g *Nexmark) price() int64 {
	return int64(math.Round(math.Pow(10, g.rnd.Float64()*6) * 100))
}

func (g *Nexmark) nextBase0PersonID(eventID int64) int64 {
	num := lastBase0PersonID(eventID) + 1
	active := min(num, nxNumActivePeople)
	return num - active + g.rnd.Int64N(active+nxPersonIDLead)
}

func (g *Nexmark) nextBase0AuctionID(eventID int64) int64 {
	hi := lastBase0AuctionID(eventID)
	lo := max(hi-nxNumInFlight, 0)
	return lo + g.rnd.Int64N(hi-lo+1+nxAuctionIDLead)
}

// Bid fills b with bid event eventID (Kind(eventID) must be BidEvent).
// It allocates nothing.
func (g *Nexmark) Bid(eventID int64, b *Bid) {
	g.seed(eventID)
	if g.rnd.IntN(nxHotAuctionRatio) > 0 {
		b.Auction = lastBase0AuctionID(eventID) / nxHotAuctionRatio * nxHotAuctionRatio
	} else {
		b.Auction = g.nextBase0AuctionID(eventID)
	}
	b.Auction += nxFirstAuctionID
	var ch [2][]byte
	if g.rnd.IntN(nxHotChannelsRatio) > 0 {
		ch = g.hot[g.rnd.IntN(len(g.hot))]
	} else {
		ch = g.channels[g.rnd.IntN(nxChannelsNumber)]
	}
	b.Channel, b.URL = ch[0], ch[1]
	if g.rnd.IntN(nxHotBidderRatio) > 0 {
		b.Bidder = lastBase0PersonID(eventID)/nxHotBidderRatio*nxHotBidderRatio + 1
	} else {
		b.Bidder = g.nextBase0PersonID(eventID)
	}
	b.Bidder += nxFirstPersonID
	b.Price = g.price()
	b.DateTime = EventTime(eventID)
	n := g.extraLen(8+8+8+8, nxAvgBidBytes)
	off := g.rnd.IntN(len(g.letters) - n)
	b.Extra = g.letters[off : off+n : off+n]
}

var (
	nxFirstNames = []string{"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"}
	nxLastNames  = []string{"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"}
	nxStates     = []string{"AZ", "CA", "ID", "OR", "WA", "WY"}
	nxCities     = []string{"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"}
)

// Person fills p with person event eventID (Kind(eventID) must be PersonEvent).
func (g *Nexmark) Person(eventID int64, p *Person) {
	g.seed(eventID)
	p.ID = lastBase0PersonID(eventID) + nxFirstPersonID
	p.Name = nxFirstNames[g.rnd.IntN(len(nxFirstNames))] + " " + nxLastNames[g.rnd.IntN(len(nxLastNames))]
	p.Email = g.str(7, ' ') + "@" + g.str(5, ' ') + ".com"
	cc := make([]byte, 0, 19)
	for i := range 4 {
		if i > 0 {
			cc = append(cc, ' ')
		}
		cc = append(cc, '0'+byte(g.rnd.IntN(10)), '0'+byte(g.rnd.IntN(10)), '0'+byte(g.rnd.IntN(10)), '0'+byte(g.rnd.IntN(10)))
	}
	p.CreditCard = string(cc)
	p.City = nxCities[g.rnd.IntN(len(nxCities))]
	p.State = nxStates[g.rnd.IntN(len(nxStates))]
	p.DateTime = EventTime(eventID)
	n := g.extraLen(8+len(p.Name)+len(p.Email)+len(p.CreditCard)+len(p.City)+len(p.State), nxAvgPersonBytes)
	p.Extra = g.exact(n)
}

// Auction fills a with auction event eventID (Kind(eventID) must be AuctionEvent).
func (g *Nexmark) Auction(eventID int64, a *Auction) {
	g.seed(eventID)
	a.ID = lastBase0AuctionID(eventID) + nxFirstAuctionID
	if g.rnd.IntN(nxHotSellerRatio) > 0 {
		a.Seller = lastBase0PersonID(eventID) / nxHotSellerRatio * nxHotSellerRatio
	} else {
		a.Seller = g.nextBase0PersonID(eventID)
	}
	a.Seller += nxFirstPersonID
	a.Category = nxFirstCategoryID + int64(g.rnd.IntN(nxNumCategories))
	a.InitialBid = g.price()
	a.DateTime = EventTime(eventID)
	// Auctions last, on average, until numInFlight more have been created.
	horizon := EventTime(eventID+nxNumInFlight*nxProportionDenominator/nxAuctionProportion) - a.DateTime
	a.Expires = a.DateTime + 1 + g.rnd.Int64N(max(2*horizon, 1))
	a.ItemName = g.str(20, ' ')
	a.Description = g.str(100, ' ')
	a.Reserve = a.InitialBid + g.price()
	n := g.extraLen(8+len(a.ItemName)+len(a.Description)+8+8+8+8+8, nxAvgAuctionBytes)
	a.Extra = g.exact(n)
}

// exact is n random lower-case letters.
func (g *Nexmark) exact(n int) string {
	off := g.rnd.IntN(len(g.letters) - n)
	return string(g.letters[off : off+n])
}
