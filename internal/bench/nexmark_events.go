package bench

import (
	"fmt"
	"strings"
	"unsafe"

	"github.com/velort/velort/planner"
	"github.com/velort/velort/runtime"
)

// nxEvents is the input of a multi-stage Nexmark scenario: the first
// events of the Nexmark generator, in event order, of the streams (person,
// auction, bid) the scenario's queries read; kind[i] is record i's.
type nxEvents struct {
	nx      *Nexmark // bids' strings alias its buffers
	kind    []EventKind
	rows    []runtime.Row
	streams [3]*planner.Stream // by EventKind; nil when not read
	mem     []byte             // the rows after moveOffHeap
	// generated is how many events of the generator (every kind) it took
	// to produce rows: Nexmark's own count of the run's input, by which
	// its throughput is quoted (a query of bids alone skips the people
	// and auctions between them, as velort's bid stream does).
	generated int
}

var nxStreamNames = [3]string{"person", "auction", "bid"}

var bidColumns = []string{"auction", "bidder", "price", "channel", "url", "date_time", "extra"}

// nxColumns are the generator's columns of each kind.
var nxColumns = [3][]string{personColumns, auctionColumns, bidColumns}

// readStreams are the Nexmark source streams some query of pl reads.
func readStreams(pl *planner.Plan) ([3]*planner.Stream, error) {
	read := map[*planner.Stream]bool{}
	for _, q := range pl.Queries {
		read[q.Source] = true
		if l, r, _, _, ok := q.IntervalJoin(); ok {
			read[l], read[r] = true, true
		}
		if l, r, ok := q.RegularJoin(); ok {
			read[l], read[r] = true, true
		}
	}
	var out [3]*planner.Stream
	any := false
	for k, name := range nxStreamNames {
		s := pl.Stream(name)
		if s == nil || s.Derived || !read[s] {
			continue
		}
		if s.Partitions != 1 {
			return out, fmt.Errorf("stream %s has %d partitions, want 1", s.Name, s.Partitions)
		}
		cols := nxColumns[k]
		if len(cols) != len(s.Columns) {
			return out, fmt.Errorf("stream %s has %d columns, the generator %d", s.Name, len(s.Columns), len(cols))
		}
		for i, c := range cols {
			if !strings.EqualFold(s.Columns[i].Name, c) {
				return out, fmt.Errorf("stream %s: column %d is %s, the generator's %s", s.Name, i, s.Columns[i].Name, c)
			}
		}
		out[k], any = s, true
	}
	if !any {
		return out, fmt.Errorf("the plan reads none of the streams person, auction, bid")
	}
	return out, nil
}

// genEvents generates the first n events of the kinds streams has.
func genEvents(streams [3]*planner.Stream, n int) *nxEvents {
	ev := &nxEvents{nx: NewNexmark(), kind: make([]EventKind, 0, n), rows: make([]runtime.Row, 0, n), streams: streams}
	var p Person
	var a Auction
	var b Bid
	for id := int64(0); len(ev.rows) < n; id++ {
		k := Kind(id)
		if streams[k] == nil {
			continue
		}
		r := make(runtime.Row, len(nxColumns[k]))
		switch k {
		case PersonEvent:
			ev.nx.Person(id, &p)
			fillPerson(&p, r)
		case AuctionEvent:
			ev.nx.Auction(id, &a)
			fillAuction(&a, r)
		default:
			ev.nx.Bid(id, &b)
			fillBid(&b, r)
		}
		ev.kind = append(ev.kind, k)
		ev.rows = append(ev.rows, r)
		ev.generated = int(id) + 1
	}
	return ev
}

// fillBid writes b as a row of bidColumns (its strings alias the
// generator's buffers, which live as long as it does).
func fillBid(b *Bid, r runtime.Row) {
	r[bidAuction] = runtime.Int(b.Auction)
	r[bidBidder] = runtime.Int(b.Bidder)
	r[bidPrice] = runtime.Int(b.Price)
	r[bidChannel] = runtime.String(b.Channel)
	r[bidURL] = runtime.String(b.URL)
	r[bidDateTime] = runtime.Timestamp(b.DateTime)
	r[bidExtra] = runtime.String(b.Extra)
}

// each calls f with every record of kind k, in order.
func (ev *nxEvents) each(k EventKind, f func(r runtime.Row)) {
	for i, r := range ev.rows {
		if ev.kind[i] == k {
			f(r)
		}
	}
}

// json encodes every record as the message a producer publishes.
func (ev *nxEvents) json() [][]byte {
	var heads [3][][]byte
	for k, s := range ev.streams {
		if s != nil {
			heads[k] = jsonHeads(s.Columns)
		}
	}
	return encodeEach(ev.rows, func(i int) [][]byte { return heads[ev.kind[i]] })
}

// moveOffHeap moves the events (their rows, values and strings) into one
// byte slice, which holds no pointers for a garbage collection to scan:
// during a timed run the collector would otherwise scan the whole input,
// where a partition loop's heap holds the few records it is decoding.
// (The rows' values point into the slice itself; the slice lives as long
// as the events, or an engine's reference into it.) The layout keeps what
// the heap's was, which an engine's reads depend on: the rows of each kind
// together, in event order; the strings bids share (the generator's
// channels, URLs and extra letters) once, still shared; every other
// string column by column (as small strings of one size were together on
// the heap).
func (ev *nxEvents) moveOffHeap() {
	if len(ev.rows) == 0 {
		return
	}
	valAt := make([]int, len(ev.rows)) // where each row's values go, rows of a kind together
	nvals := 0
	for k := range ev.streams {
		for i, r := range ev.rows {
			if int(ev.kind[i]) == k {
				valAt[i] = nvals
				nvals += len(r)
			}
		}
	}
	// The strings' bytes: the generator's pools, then column by column.
	var strs []byte
	pooled := map[*byte]int{}
	var letters uintptr
	lettersAt, lettersLen := 0, 0
	if g := ev.nx; g != nil {
		lettersAt, lettersLen = len(strs), len(g.letters)
		letters = uintptr(unsafe.Pointer(unsafe.SliceData(g.letters)))
		strs = append(strs, g.letters...)
		for _, pool := range [][][2][]byte{g.hot, g.channels} {
			for _, p := range pool {
				for _, b := range p {
					if len(b) > 0 {
						pooled[unsafe.SliceData(b)] = len(strs)
						strs = append(strs, b...)
					}
				}
			}
		}
	}
	strAt := make([]int, nvals)
	for k := range ev.streams {
		for c := range len(nxColumns[k]) {
			for i, r := range ev.rows {
				if int(ev.kind[i]) != k || c >= len(r) || r[c].S == nil {
					continue
				}
				b := r[c].S
				p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
				if at, ok := pooled[unsafe.SliceData(b)]; ok {
					strAt[valAt[i]+c] = at
				} else if letters != 0 && p >= letters && p+uintptr(len(b)) <= letters+uintptr(lettersLen) {
					strAt[valAt[i]+c] = lettersAt + int(p-letters)
				} else {
					strAt[valAt[i]+c] = len(strs)
					strs = append(strs, b...)
				}
			}
		}
	}
	hdr := len(ev.rows) * int(unsafe.Sizeof(runtime.Row(nil)))
	vals := nvals * int(unsafe.Sizeof(runtime.Value{}))
	mem := make([]byte, hdr+vals+len(strs))
	rows := unsafe.Slice((*runtime.Row)(unsafe.Pointer(&mem[0])), len(ev.rows))
	var all []runtime.Value
	if nvals > 0 {
		all = unsafe.Slice((*runtime.Value)(unsafe.Pointer(&mem[hdr])), nvals)
	}
	region := mem[hdr+vals:]
	copy(region, strs)
	for i, r := range ev.rows {
		at := valAt[i]
		dst := all[at : at+len(r) : at+len(r)]
		for j, v := range r {
			if v.S != nil {
				o := strAt[at+j]
				v.S = region[o : o+len(v.S) : o+len(v.S)]
			}
			dst[j] = v
		}
		rows[i] = dst
	}
	ev.rows, ev.nx, ev.mem = rows, nil, mem
}
