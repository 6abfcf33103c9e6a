package bench

import (
	"fmt"
	goruntime "runtime"
	"strings"
	"syscall"
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

// moveOffHeap moves the events (their rows, values and strings) into
// memory mapped outside the Go heap, so that a garbage collection during
// a timed run does not scan them: a partition loop's heap holds the few
// records it is decoding, not the whole input. (Nothing there points into
// the heap, which is what makes it safe; the mapping is released when ev
// is unreachable.) Left on the heap if the mapping fails.
func (ev *nxEvents) moveOffHeap() {
	var nvals, nbytes int
	for _, r := range ev.rows {
		nvals += len(r)
		for _, v := range r {
			nbytes += len(v.S)
		}
	}
	hdr := len(ev.rows) * int(unsafe.Sizeof(runtime.Row(nil)))
	vals := nvals * int(unsafe.Sizeof(runtime.Value{}))
	size := hdr + vals + nbytes
	if size == 0 {
		return
	}
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return
	}
	rows := unsafe.Slice((*runtime.Row)(unsafe.Pointer(&mem[0])), len(ev.rows))
	var all []runtime.Value
	if nvals > 0 {
		all = unsafe.Slice((*runtime.Value)(unsafe.Pointer(&mem[hdr])), nvals)
	}
	strs := mem[hdr+vals:]
	at, sat := 0, 0
	for i, r := range ev.rows {
		dst := all[at : at+len(r) : at+len(r)]
		at += len(r)
		for j, v := range r {
			if v.S != nil {
				n := copy(strs[sat:], v.S)
				v.S = strs[sat : sat+n : sat+n]
				sat += n
			}
			dst[j] = v
		}
		rows[i] = dst
	}
	ev.rows, ev.nx = rows, nil
	goruntime.AddCleanup(ev, func(m []byte) { syscall.Munmap(m) }, mem)
}
