package bench

import "github.com/velort/velort/runtime"

// Columns of the person and auction rows (sql/nexmark_q3.sql, nexmark_q8.sql).
const (
	personID = iota
	personName
	personEmail
	personCreditCard
	personCity
	personState
	personDateTime
	personExtra
)

const (
	auctionID = iota
	auctionItemName
	auctionDescription
	auctionInitialBid
	auctionReserve
	auctionDateTime
	auctionExpires
	auctionSeller
	auctionCategory
	auctionExtra
)

var (
	personColumns  = []string{"id", "name", "email_address", "credit_card", "city", "state", "date_time", "extra"}
	auctionColumns = []string{"id", "item_name", "description", "initial_bid", "reserve", "date_time", "expires", "seller", "category", "extra"}
)

// PersonEventID is the event id of the k-th person (0-based; its id is
// k + 1000).
func PersonEventID(k int64) int64 {
	return k/nxPersonProportion*nxProportionDenominator + k%nxPersonProportion
}

// AuctionEventID is the event id of the j-th auction (0-based).
func AuctionEventID(j int64) int64 {
	return j/nxAuctionProportion*nxProportionDenominator + nxPersonProportion + j%nxAuctionProportion
}

// fillPerson writes p as a row of personColumns (it copies the strings).
func fillPerson(p *Person, r runtime.Row) {
	r[personID] = runtime.Int(p.ID)
	r[personName] = runtime.String([]byte(p.Name))
	r[personEmail] = runtime.String([]byte(p.Email))
	r[personCreditCard] = runtime.String([]byte(p.CreditCard))
	r[personCity] = runtime.String([]byte(p.City))
	r[personState] = runtime.String([]byte(p.State))
	r[personDateTime] = runtime.Timestamp(p.DateTime)
	r[personExtra] = runtime.String([]byte(p.Extra))
}

// fillAuction writes a as a row of auctionColumns (it copies the strings).
func fillAuction(a *Auction, r runtime.Row) {
	r[auctionID] = runtime.Int(a.ID)
	r[auctionItemName] = runtime.String([]byte(a.ItemName))
	r[auctionDescription] = runtime.String([]byte(a.Description))
	r[auctionInitialBid] = runtime.Int(a.InitialBid)
	r[auctionReserve] = runtime.Int(a.Reserve)
	r[auctionDateTime] = runtime.Timestamp(a.DateTime)
	r[auctionExpires] = runtime.Timestamp(a.Expires)
	r[auctionSeller] = runtime.Int(a.Seller)
	r[auctionCategory] = runtime.Int(a.Category)
	r[auctionExtra] = runtime.String([]byte(a.Extra))
}

// q3Gen: the auction stream (record j is the j-th auction) and the person
// table (every person registered by the last auction).
type q3Gen struct {
	nx *Nexmark
	a  Auction
	p  Person
}

func newQ3Gen() joinGen { return &q3Gen{nx: NewNexmark()} }

func (*q3Gen) streams() []joinStream {
	return []joinStream{{name: "auction", columns: auctionColumns}}
}

func (*q3Gen) streamOf(int) int { return 0 }

func (g *q3Gen) fill(j int, r runtime.Row) {
	g.nx.Auction(AuctionEventID(int64(j)), &g.a)
	fillAuction(&g.a, r)
}

func (g *q3Gen) table(n int) (string, []string, []runtime.Row) {
	people := lastBase0PersonID(AuctionEventID(int64(max(n, 1)-1))) + 1
	slots := make([]runtime.Value, int(people)*len(personColumns))
	rows := make([]runtime.Row, people)
	w := len(personColumns)
	for k := range rows {
		rows[k] = slots[k*w : (k+1)*w : (k+1)*w]
		g.nx.Person(PersonEventID(int64(k)), &g.p)
		fillPerson(&g.p, rows[k])
	}
	return "person", personColumns, rows
}

// q3 selection (sql/nexmark_q3.sql).
const q3Category = 10

var q3States = map[string]bool{"OR": true, "ID": true, "CA": true}

// q3Expected: the auctions in category 10 whose seller is in the table
// and lives in OR, ID or CA (one output each: the person id is the key).
func (*q3Gen) expected(_ []uint8, rows, table []runtime.Row) int64 {
	local := make(map[int64]bool, len(table))
	for _, p := range table {
		local[p[personID].I] = q3States[string(p[personState].S)]
	}
	var n int64
	for _, a := range rows {
		if a[auctionCategory].I == q3Category && local[a[auctionSeller].I] {
			n++
		}
	}
	return n
}

// q8Gen: the person and auction streams, in event order (record j is the
// j-th event that is not a bid: per 50 events one person, then three
// auctions).
type q8Gen struct {
	nx *Nexmark
	a  Auction
	p  Person
}

func newQ8Gen() joinGen { return &q8Gen{nx: NewNexmark()} }

// Streams of q8's records.
const (
	q8Person  = 0
	q8Auction = 1
)

func (*q8Gen) streams() []joinStream {
	return []joinStream{{name: "person", columns: personColumns}, {name: "auction", columns: auctionColumns}}
}

// q8EventID is the event id of record j.
func q8EventID(j int) int64 {
	const per = nxPersonProportion + nxAuctionProportion
	return int64(j/per*nxProportionDenominator + j%per)
}

func (*q8Gen) streamOf(j int) int {
	if Kind(q8EventID(j)) == PersonEvent {
		return q8Person
	}
	return q8Auction
}

func (g *q8Gen) fill(j int, r runtime.Row) {
	id := q8EventID(j)
	if Kind(id) == PersonEvent {
		g.nx.Person(id, &g.p)
		fillPerson(&g.p, r)
		return
	}
	g.nx.Auction(id, &g.a)
	fillAuction(&g.a, r)
}

func (*q8Gen) table(int) (string, []string, []runtime.Row) { return "", nil, nil }

// q8Bound is the join's interval: an auction joins its seller when it
// starts 0 to 10 s after the seller registered.
const q8Bound = 10_000

// expected: person ids are unique, so each auction joins at most one
// person: the auctions whose seller registered within q8Bound before.
func (*q8Gen) expected(stream []uint8, rows, _ []runtime.Row) int64 {
	registered := map[int64]int64{}
	for i, r := range rows {
		if stream[i] == q8Person {
			registered[r[personID].I] = r[personDateTime].I
		}
	}
	var n int64
	for i, r := range rows {
		if stream[i] != q8Auction {
			continue
		}
		if t, ok := registered[r[auctionSeller].I]; ok && r[auctionDateTime].I >= t && r[auctionDateTime].I <= t+q8Bound {
			n++
		}
	}
	return n
}
